/* LUDB ludb.csv: per-record sex, age and diagnoses. Cells hold several diagnoses on
 * separate lines inside one quoted field, and the Sex/Age cells end with a newline inside
 * their quotes ("F\n", "51\n"); record 34's age is ">89" (its header says 90). Every column
 * after ID, Sex and Age is a diagnosis column; each line of those cells is mapped with the
 * LUDB label table. */
#include "data/ecg_internal.h"

#include <stdlib.h>
#include <string.h>

static int parse_age(const char *cell, int *age)
{
    char buf[32];
    ecg_strlcpy(buf, cell, sizeof buf);
    char *s = ecg_trim(buf);
    long v;
    if (s[0] == '>' && ecg_parse_long(s + 1, &v)) v += 1; /* ">89" -> 90 */
    else if (!ecg_parse_long(s, &v)) return 0;
    if (v < 0 || v > 150) return 0;
    *age = (int)v;
    return 1;
}

/* Split a diagnosis cell into lines; map and collect them. */
static void add_diagnoses(const char *cell, tgdp_ludb_row *row)
{
    while (*cell) {
        size_t k = strcspn(cell, "\n");
        char line[512];
        ecg_strlcpy(line, cell, k + 1 < sizeof line ? k + 1 : sizeof line);
        char *t = ecg_trim(line);
        if (*t) {
            int l = tgdp_ecg_label_lookup(TGDP_ECG_SRC_LUDB, t);
            if (l >= 0) row->labels |= 1u << l;
            ecg_append_source(row->diagnoses, sizeof row->diagnoses, t, "\n");
        }
        cell += k;
        if (*cell) cell++;
    }
}

static int parse_row(const char *path, const ecg_csv *csv, size_t r, tgdp_ludb_row *row, tgdp_error *err)
{
    size_t ncol = csv->row_ncols[0], line = csv->row_line[r];
    memset(row, 0, sizeof *row);
    if (csv->row_ncols[r] != ncol)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: %zu fields, the header has %zu", path, line,
                         csv->row_ncols[r], ncol);
    long id;
    if (!ecg_parse_long(ecg_csv_get(csv, r, 0), &id) || id <= 0)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: bad ID '%s'", path, line, ecg_csv_get(csv, r, 0));
    row->id = (int)id;
    char sex[16];
    ecg_strlcpy(sex, ecg_csv_get(csv, r, 1), sizeof sex);
    char *s = ecg_trim(sex);
    row->sex = ecg_streq_ci(s, "M") ? 'M' : ecg_streq_ci(s, "F") ? 'F' : 'U';
    if (!parse_age(ecg_csv_get(csv, r, 2), &row->age))
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: bad Age '%s'", path, line, ecg_csv_get(csv, r, 2));
    for (size_t c = 3; c < ncol; c++) add_diagnoses(ecg_csv_get(csv, r, c), row);
    return TGDP_OK;
}

int tgdp_ludb_read_csv(const char *csv_path, tgdp_ludb_row **rows, size_t *n, tgdp_error *err)
{
    ecg_csv csv;
    *rows = NULL;
    *n = 0;
    int rc = ecg_csv_read(csv_path, &csv, err);
    if (rc) return rc;
    if (csv.nrows == 0 || ecg_csv_col(&csv, "ID") != 0 || ecg_csv_col(&csv, "Sex") != 1 ||
        ecg_csv_col(&csv, "Age") != 2)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: expected the header ID,Sex,Age,<diagnosis columns>", csv_path);
    size_t count = csv.nrows > 1 ? csv.nrows - 1 : 0;
    tgdp_ludb_row *out = NULL;
    if (!rc && count) {
        out = calloc(count, sizeof *out);
        if (!out) rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", csv_path);
    }
    for (size_t i = 0; !rc && i < count; i++) rc = parse_row(csv_path, &csv, i + 1, &out[i], err);
    ecg_csv_free(&csv);
    if (rc) {
        free(out);
        return rc;
    }
    *rows = out;
    *n = count;
    return TGDP_OK;
}

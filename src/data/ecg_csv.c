/* ECG readers: an RFC 4180 CSV parser for the database label files (ludb.csv with quoted
 * multi-line cells, ptbxl_database.csv with quoted Python dicts, REFERENCE.csv, ...).
 *
 * Two passes over the text: the first counts cells/rows and validates quoting, the second
 * copies the unescaped cell texts into one store. */
#include "data/ecg_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct csv_counts {
    size_t ncells, nrows, nchars;
} csv_counts;

/* Scan the text; when csv is non-NULL, fill it (arrays sized by a previous counting pass). */
static int csv_scan(const char *t, size_t len, const char *what, csv_counts *cnt, ecg_csv *csv,
                    tgdp_error *err)
{
    size_t i = 0, line = 1, ncells = 0, nrows = 0, nchars = 0;
    char *out = csv ? csv->store : NULL;
    while (i < len) {
        /* skip empty lines */
        if (t[i] == '\n' || (t[i] == '\r' && i + 1 < len && t[i + 1] == '\n')) {
            i += t[i] == '\r' ? 2 : 1;
            line++;
            continue;
        }
        size_t row_line = line, row_cells = 0;
        if (csv) {
            csv->row_first[nrows] = ncells;
            csv->row_line[nrows] = row_line;
        }
        for (;;) { /* one cell */
            if (csv) csv->cells[ncells] = out;
            if (i < len && t[i] == '"') {
                size_t qline = line;
                i++;
                for (;;) {
                    if (i >= len)
                        return tgdp_fail(err, TGDP_EFORMAT,
                                         "%s: unterminated quoted field starting on line %zu", what, qline);
                    if (t[i] == '"') {
                        if (i + 1 < len && t[i + 1] == '"') {
                            if (out) *out++ = '"';
                            nchars++;
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (t[i] == '\n') line++;
                    if (out) *out++ = t[i];
                    nchars++;
                    i++;
                }
                if (i < len && t[i] != ',' && t[i] != '\n' && !(t[i] == '\r' && i + 1 < len && t[i + 1] == '\n') &&
                    !(t[i] == '\r' && i + 1 == len))
                    return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: unexpected text after a closing quote",
                                     what, line);
            } else {
                while (i < len && t[i] != ',' && t[i] != '\n' && !(t[i] == '\r' && (i + 1 == len || t[i + 1] == '\n'))) {
                    if (out) *out++ = t[i];
                    nchars++;
                    i++;
                }
            }
            if (out) *out++ = '\0';
            nchars++;
            ncells++;
            row_cells++;
            if (i < len && t[i] == ',') {
                i++;
                continue;
            }
            break; /* end of line or of text */
        }
        if (i < len) { /* consume the line end */
            i += t[i] == '\r' ? 2 : 1;
            line++;
        }
        if (csv) csv->row_ncols[nrows] = row_cells;
        nrows++;
    }
    if (cnt) {
        cnt->ncells = ncells;
        cnt->nrows = nrows;
        cnt->nchars = nchars;
    }
    return TGDP_OK;
}

int ecg_csv_parse(const char *text, size_t len, const char *what, ecg_csv *csv, tgdp_error *err)
{
    memset(csv, 0, sizeof *csv);
    csv_counts c = {0, 0, 0};
    int rc = csv_scan(text, len, what, &c, NULL, err);
    if (rc) return rc;
    size_t b1, b2;
    if (!tgdp_mul_size(c.ncells + 1, sizeof(char *), &b1) || !tgdp_mul_size(c.nrows + 1, sizeof(size_t), &b2))
        return tgdp_fail(err, TGDP_ENOMEM, "%s: CSV too large", what);
    csv->store = malloc(c.nchars + 1);
    csv->cells = malloc(b1);
    csv->row_first = malloc(b2);
    csv->row_ncols = malloc(b2);
    csv->row_line = malloc(b2);
    if (!csv->store || !csv->cells || !csv->row_first || !csv->row_ncols || !csv->row_line) {
        ecg_csv_free(csv);
        return tgdp_fail(err, TGDP_ENOMEM, "%s: cannot allocate the CSV table", what);
    }
    rc = csv_scan(text, len, what, NULL, csv, err);
    if (rc) {
        ecg_csv_free(csv);
        return rc;
    }
    csv->nrows = c.nrows;
    return TGDP_OK;
}

int ecg_csv_read(const char *path, ecg_csv *csv, tgdp_error *err)
{
    unsigned char *buf;
    size_t len;
    memset(csv, 0, sizeof *csv);
    int rc = ecg_read_file(path, &buf, &len, err);
    if (rc) return rc;
    const char *t = (const char *)buf;
    if (len >= 3 && (unsigned char)t[0] == 0xEF && (unsigned char)t[1] == 0xBB && (unsigned char)t[2] == 0xBF) {
        t += 3; /* UTF-8 byte order mark */
        len -= 3;
    }
    rc = ecg_csv_parse(t, len, path, csv, err);
    free(buf);
    return rc;
}

void ecg_csv_free(ecg_csv *csv)
{
    free(csv->store);
    free(csv->cells);
    free(csv->row_first);
    free(csv->row_ncols);
    free(csv->row_line);
    memset(csv, 0, sizeof *csv);
}

const char *ecg_csv_get(const ecg_csv *csv, size_t row, size_t col)
{
    if (row >= csv->nrows) return NULL;
    if (col >= csv->row_ncols[row]) return "";
    return csv->cells[csv->row_first[row] + col];
}

long ecg_csv_col(const ecg_csv *csv, const char *name)
{
    if (csv->nrows == 0) return -1;
    for (size_t c = 0; c < csv->row_ncols[0]; c++) {
        char tmp[256];
        ecg_strlcpy(tmp, ecg_csv_get(csv, 0, c), sizeof tmp);
        if (ecg_streq_ci(ecg_trim(tmp), name)) return (long)c;
    }
    return -1;
}

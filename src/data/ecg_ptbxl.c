/* PTB-XL: headerless CSV signal records (12 columns, mV, one row per sample), the
 * ptbxl_database*.csv label file (quoted Python-dict scp_codes, strat_fold, filenames) and
 * scp_statements.csv. PTB-XL WFDB files (records100/.../00001_lr.hea) go through the WFDB
 * reader. */
#include "data/ecg_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- CSV signal records */

/* Parse one line of 12 numbers into row[12]. */
static int parse_row(const char *path, size_t lineno, const char *s, const char *end, float *row, tgdp_error *err)
{
    int col = 0;
    for (;;) {
        const char *f = s;
        while (s < end && *s != ',') s++;
        if (col >= TGDP_ECG_NLEADS) {
            int n = col + 1;
            for (const char *p = s; p < end; p++) n += *p == ',';
            return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: %d columns, expected 12", path, lineno, n);
        }
        char cell[512];
        size_t n = (size_t)(s - f) < sizeof cell - 1 ? (size_t)(s - f) : sizeof cell - 1;
        memcpy(cell, f, n);
        cell[n] = '\0';
        if ((size_t)(s - f) >= sizeof cell) /* never parse a cut-off prefix ("1.000...e-3" without its exponent) */
            return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu, column %d: field of %zu characters is too long for a number",
                             path, lineno, col + 1, (size_t)(s - f));
        double v;
        if (!ecg_parse_double(cell, &v))
            return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu, column %d: '%s' is not a finite number", path, lineno,
                             col + 1, cell);
        row[col++] = (float)v;
        if (s >= end) break;
        s++; /* the comma */
    }
    if (col != TGDP_ECG_NLEADS)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: %d columns, expected 12", path, lineno, col);
    return TGDP_OK;
}

/* Count data lines; a blank line is allowed only at the very end. */
static int count_lines(const char *path, const char *t, size_t len, size_t *nlines, tgdp_error *err)
{
    size_t n = 0, i = 0, lineno = 0;
    while (i < len) {
        const char *e = memchr(t + i, '\n', len - i);
        size_t L = e ? (size_t)(e - (t + i)) : len - i;
        lineno++;
        int blank = L == 0 || (L == 1 && t[i] == '\r');
        if (blank && i + L + 1 < len)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: empty line inside the data", path, lineno);
        if (!blank) n++;
        i += L + 1;
    }
    if (n == 0) return tgdp_fail(err, TGDP_EFORMAT, "%s: no data rows", path);
    *nlines = n;
    return TGDP_OK;
}

static int parse_rows(const char *path, const char *t, size_t len, tgdp_ecg_record *r, tgdp_error *err)
{
    size_t i = 0, lineno = 0;
    int64_t k = 0;
    while (i < len && k < r->n) {
        const char *e = memchr(t + i, '\n', len - i);
        size_t L = e ? (size_t)(e - (t + i)) : len - i;
        lineno++;
        size_t LL = (L > 0 && t[i + L - 1] == '\r') ? L - 1 : L;
        float row[TGDP_ECG_NLEADS];
        int rc = parse_row(path, lineno, t + i, t + i + LL, row, err);
        if (rc) return rc;
        for (int l = 0; l < TGDP_ECG_NLEADS; l++) tgdp_ecg_lead(r, l)[k] = row[l];
        k++;
        i += L + 1;
    }
    return TGDP_OK;
}

/* "00001_lr_100hz.csv" -> "00001_lr". */
static void id_from_name(const char *path, char *id, size_t cap)
{
    const char *b = ecg_basename(path);
    size_t n = strcspn(b, ".");
    ecg_strlcpy(id, b, n + 1 < cap ? n + 1 : cap);
    size_t m = strlen(id);
    if (m > 6 && (strcmp(id + m - 6, "_100hz") == 0 || strcmp(id + m - 6, "_500hz") == 0)) id[m - 6] = '\0';
}

int tgdp_ptbxl_load_csv(const char *csv_path, double fs, tgdp_ecg_record *r, tgdp_error *err)
{
    unsigned char *buf;
    size_t len, nlines = 0;
    tgdp_ecg_record_free(r);
    int rc = ecg_read_file(csv_path, &buf, &len, err);
    if (rc) return rc;
    if (memchr(buf, '\0', len)) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: binary data in a CSV record", csv_path);
    if (!rc) rc = count_lines(csv_path, (const char *)buf, len, &nlines, err);
    if (!rc) rc = tgdp_ecg_record_alloc(r, (int64_t)nlines, err);
    if (!rc) rc = parse_rows(csv_path, (const char *)buf, len, r, err);
    free(buf);
    if (!rc) {
        id_from_name(csv_path, r->id, sizeof r->id);
        r->fs = fs > 0 ? fs : (strstr(ecg_basename(csv_path), "_hr") ? 500.0 : 100.0);
        ecg_strlcpy(r->database, "ptbxl", sizeof r->database);
        rc = tgdp_ecg_check(r, csv_path, NULL, err);
    }
    if (rc) tgdp_ecg_record_free(r);
    return rc;
}

/* ---- scp_codes: "{'NORM': 100.0, 'SR': 0.0}" */

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

/* Quoted key at s ('...' or "..."); returns the position after it, NULL on error. */
static const char *parse_key(const char *s, char *key, size_t cap)
{
    char q = *s;
    if (q != '\'' && q != '"') return NULL;
    const char *e = strchr(s + 1, q);
    if (!e) return NULL;
    size_t n = (size_t)(e - s - 1);
    if (n == 0 || n >= cap) return NULL;
    memcpy(key, s + 1, n);
    key[n] = '\0';
    return e + 1;
}

int tgdp_ptbxl_parse_scp_codes(const char *dict, tgdp_scp_code *codes, size_t max, size_t *n, const char *what,
                               tgdp_error *err)
{
    *n = 0;
    const char *s = skip_ws(dict);
    if (*s++ != '{') return tgdp_fail(err, TGDP_EFORMAT, "%s: scp_codes '%.60s' is not a {...} dict", what, dict);
    s = skip_ws(s);
    if (*s == '}') return *skip_ws(s + 1) ? tgdp_fail(err, TGDP_EFORMAT, "%s: text after scp_codes dict", what) : 0;
    for (;;) {
        tgdp_scp_code c;
        s = parse_key(skip_ws(s), c.code, sizeof c.code);
        if (!s) return tgdp_fail(err, TGDP_EFORMAT, "%s: scp_codes '%.60s': bad key", what, dict);
        s = skip_ws(s);
        if (*s++ != ':') return tgdp_fail(err, TGDP_EFORMAT, "%s: scp_codes '%.60s': missing ':'", what, dict);
        char *e;
        errno = 0;
        c.likelihood = strtod(s, &e);
        if (e == s || errno || !isfinite(c.likelihood))
            return tgdp_fail(err, TGDP_EFORMAT, "%s: scp_codes '%.60s': bad likelihood", what, dict);
        if (*n >= max) return tgdp_fail(err, TGDP_EFORMAT, "%s: scp_codes has more than %zu codes", what, max);
        codes[(*n)++] = c;
        s = skip_ws(e);
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '}' && *skip_ws(s + 1) == '\0') return TGDP_OK;
        return tgdp_fail(err, TGDP_EFORMAT, "%s: scp_codes '%.60s': expected ',' or '}'", what, dict);
    }
}

/* ---- ptbxl_database.csv */

typedef struct db_cols {
    long ecg_id, patient_id, age, sex, scp, fold, lr, hr;
} db_cols;

static const char *cell(const ecg_csv *csv, size_t row, long col) { return col < 0 ? "" : ecg_csv_get(csv, row, (size_t)col); }

static int parse_db_row(const char *path, const ecg_csv *csv, size_t row, const db_cols *c, tgdp_ptbxl_row *out,
                        tgdp_error *err)
{
    char what[1100];
    snprintf(what, sizeof what, "%s: line %zu", path, csv->row_line[row]);
    memset(out, 0, sizeof *out);
    long v;
    if (!ecg_parse_int_loose(cell(csv, row, c->ecg_id), &v) || v < 0)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: bad ecg_id '%s'", what, cell(csv, row, c->ecg_id));
    out->ecg_id = (int)v;
    out->patient_id = ecg_parse_int_loose(cell(csv, row, c->patient_id), &v) ? (int)v : -1;
    out->age = ecg_parse_int_loose(cell(csv, row, c->age), &v) && v >= 0 ? (v >= 300 ? 90 : (int)v) : -1;
    out->sex = !ecg_parse_int_loose(cell(csv, row, c->sex), &v) ? 'U' : v == 0 ? 'M' : v == 1 ? 'F' : 'U';
    out->strat_fold = ecg_parse_int_loose(cell(csv, row, c->fold), &v) && v >= 1 && v <= 10 ? (int)v : 0;
    ecg_strlcpy(out->scp_codes, cell(csv, row, c->scp), sizeof out->scp_codes);
    ecg_strlcpy(out->filename_lr, cell(csv, row, c->lr), sizeof out->filename_lr);
    ecg_strlcpy(out->filename_hr, cell(csv, row, c->hr), sizeof out->filename_hr);
    tgdp_scp_code codes[64];
    size_t n;
    int rc = tgdp_ptbxl_parse_scp_codes(out->scp_codes, codes, 64, &n, what, err);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        int l = tgdp_ecg_label_lookup(TGDP_ECG_SRC_SCP, codes[i].code);
        if (l >= 0) out->labels |= 1u << l;
    }
    return TGDP_OK;
}

int tgdp_ptbxl_read_database(const char *csv_path, tgdp_ptbxl_row **rows, size_t *n, tgdp_error *err)
{
    ecg_csv csv;
    *rows = NULL;
    *n = 0;
    int rc = ecg_csv_read(csv_path, &csv, err);
    if (rc) return rc;
    db_cols c = {ecg_csv_col(&csv, "ecg_id"), ecg_csv_col(&csv, "patient_id"), ecg_csv_col(&csv, "age"),
                 ecg_csv_col(&csv, "sex"), ecg_csv_col(&csv, "scp_codes"), ecg_csv_col(&csv, "strat_fold"),
                 ecg_csv_col(&csv, "filename_lr"), ecg_csv_col(&csv, "filename_hr")};
    if (c.ecg_id < 0 || c.scp < 0)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: no ecg_id/scp_codes columns: not a PTB-XL database file", csv_path);
    size_t count = csv.nrows > 1 ? csv.nrows - 1 : 0;
    tgdp_ptbxl_row *out = NULL;
    if (!rc && count) {
        out = calloc(count, sizeof *out);
        if (!out) rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", csv_path);
    }
    for (size_t i = 0; !rc && i < count; i++) rc = parse_db_row(csv_path, &csv, i + 1, &c, &out[i], err);
    ecg_csv_free(&csv);
    if (rc) {
        free(out);
        return rc;
    }
    *rows = out;
    *n = count;
    return TGDP_OK;
}

/* ---- scp_statements.csv */

static int flag(const char *s)
{
    double v;
    return ecg_parse_double(s, &v) && v != 0;
}

int tgdp_ptbxl_read_statements(const char *csv_path, tgdp_scp_statement **st, size_t *n, tgdp_error *err)
{
    ecg_csv csv;
    *st = NULL;
    *n = 0;
    int rc = ecg_csv_read(csv_path, &csv, err);
    if (rc) return rc;
    long cd = ecg_csv_col(&csv, "description"), cdi = ecg_csv_col(&csv, "diagnostic"),
         cf = ecg_csv_col(&csv, "form"), cr = ecg_csv_col(&csv, "rhythm"),
         cc = ecg_csv_col(&csv, "diagnostic_class"), cs = ecg_csv_col(&csv, "diagnostic_subclass");
    if (cd < 0 || cdi < 0 || cc < 0)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: not a PTB-XL scp_statements file (columns missing)", csv_path);
    size_t count = csv.nrows > 1 ? csv.nrows - 1 : 0;
    tgdp_scp_statement *out = NULL;
    if (!rc && count) {
        out = calloc(count, sizeof *out);
        if (!out) rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", csv_path);
    }
    for (size_t i = 0; !rc && i < count; i++) {
        tgdp_scp_statement *s = &out[i];
        ecg_strlcpy(s->code, ecg_csv_get(&csv, i + 1, 0), sizeof s->code);
        if (!s->code[0]) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: empty code", csv_path, csv.row_line[i + 1]);
        ecg_strlcpy(s->description, cell(&csv, i + 1, cd), sizeof s->description);
        s->diagnostic = flag(cell(&csv, i + 1, cdi));
        s->form = flag(cell(&csv, i + 1, cf));
        s->rhythm = flag(cell(&csv, i + 1, cr));
        ecg_strlcpy(s->diagnostic_class, cell(&csv, i + 1, cc), sizeof s->diagnostic_class);
        ecg_strlcpy(s->diagnostic_subclass, cell(&csv, i + 1, cs), sizeof s->diagnostic_subclass);
    }
    ecg_csv_free(&csv);
    if (rc) {
        free(out);
        return rc;
    }
    *st = out;
    *n = count;
    return TGDP_OK;
}

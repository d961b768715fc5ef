/* CPSC 2018: MATLAB v5 record files read with libmatio (struct ECG {sex, age, data 12 x N},
 * mV, 500 Hz) and the REFERENCE.csv label file (Recording, First_label, Second_label,
 * Third_label; class numbers 1-9).
 *
 * Before matio sees a file, its 128-byte v5 header and every variable's structure are checked
 * (ecg_mat5.c), so a truncated, non-MATLAB or size-inflated file fails with a clear message
 * and matio never allocates what the file cannot back.
 * matio's log output is captured (per thread) instead of printed, and any error or warning
 * it reports while reading (e.g. a corrupted zlib stream) fails the load. */
#include "data/ecg_internal.h"

#include <matio.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ecg_is_mat5(const unsigned char *buf, size_t len)
{
    return len >= 128 && memcmp(buf, "MATLAB 5.0 MAT-file", 19) == 0;
}

/* ---- matio logging: captured, never printed */
static _Thread_local int matio_problems;
static _Thread_local char matio_msg[256];
static pthread_once_t matio_once = PTHREAD_ONCE_INIT;

static void matio_log(int level, char *message)
{
    if (level & (MATIO_LOG_LEVEL_ERROR | MATIO_LOG_LEVEL_CRITICAL | MATIO_LOG_LEVEL_WARNING)) {
        if (matio_problems++ == 0) ecg_strlcpy(matio_msg, message ? message : "?", sizeof matio_msg);
    }
}

static void matio_install_log(void) { Mat_LogInitFunc("tgdp", matio_log); }

void ecg_matio_log_reset(void)
{
    pthread_once(&matio_once, matio_install_log);
    matio_problems = 0;
    matio_msg[0] = '\0';
}

const char *ecg_matio_problem(void) { return matio_problems ? matio_msg : NULL; }

/* v5 header and the sizes every variable claims (ecg_mat5.c). */
static int check_mat5(const char *path, tgdp_error *err)
{
    unsigned char *buf;
    size_t len;
    int rc = ecg_read_file(path, &buf, &len, err);
    if (rc) return rc;
    rc = ecg_mat5_check(buf, len, path, err);
    free(buf);
    return rc;
}

/* Element i of a numeric matio array as double; 0 for non-numeric types. */
static double mat_elem(const matvar_t *v, size_t i)
{
    const void *d = v->data;
    switch (v->data_type) {
    case MAT_T_DOUBLE: return ((const double *)d)[i];
    case MAT_T_SINGLE: return ((const float *)d)[i];
    case MAT_T_INT8: return ((const int8_t *)d)[i];
    case MAT_T_UINT8: return ((const uint8_t *)d)[i];
    case MAT_T_INT16: return ((const int16_t *)d)[i];
    case MAT_T_UINT16: return ((const uint16_t *)d)[i];
    case MAT_T_INT32: return ((const int32_t *)d)[i];
    case MAT_T_UINT32: return ((const uint32_t *)d)[i];
    case MAT_T_INT64: return (double)((const int64_t *)d)[i];
    case MAT_T_UINT64: return (double)((const uint64_t *)d)[i];
    default: return 0.0;
    }
}

static int is_numeric(const matvar_t *v)
{
    return v && v->data && !v->isComplex && v->class_type >= MAT_C_DOUBLE && v->class_type <= MAT_C_UINT64 &&
           v->rank == 2 && v->data_type != MAT_T_UNKNOWN;
}

static size_t numel(const matvar_t *v) { return v->rank == 2 ? v->dims[0] * v->dims[1] : 0; }

static int fill_data(const char *path, matvar_t *data, tgdp_ecg_record *r, tgdp_error *err)
{
    if (!is_numeric(data) || numel(data) == 0)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: ECG.data is not a real numeric matrix", path);
    if (data->dims[0] != TGDP_ECG_NLEADS)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: ECG.data is %zu x %zu, expected 12 leads x samples", path,
                         data->dims[0], data->dims[1]);
    size_t need;
    if (!tgdp_mul_size(numel(data), (size_t)data->data_size, &need) || data->nbytes < need)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: ECG.data holds %zu bytes, fewer than its size", path, data->nbytes);
    int rc = tgdp_ecg_record_alloc(r, (int64_t)data->dims[1], err);
    if (rc) return rc;
    for (int64_t t = 0; t < r->n; t++) /* column-major: the 12 leads of sample t are contiguous */
        for (int l = 0; l < TGDP_ECG_NLEADS; l++)
            tgdp_ecg_lead(r, l)[t] = (float)mat_elem(data, (size_t)t * TGDP_ECG_NLEADS + (size_t)l);
    return TGDP_OK;
}

static void fill_meta(matvar_t *ecg, tgdp_ecg_record *r)
{
    matvar_t *sex = Mat_VarGetStructFieldByName(ecg, "sex", 0);
    matvar_t *age = Mat_VarGetStructFieldByName(ecg, "age", 0);
    if (sex && sex->class_type == MAT_C_CHAR && sex->data && sex->data_size == 1 && numel(sex) > 0) {
        char s = (char)((const char *)sex->data)[0];
        r->sex = (s == 'M' || s == 'm') ? 'M' : (s == 'F' || s == 'f') ? 'F' : 'U';
    }
    if (is_numeric(age) && numel(age) == 1) {
        double a = mat_elem(age, 0);
        if (a >= 0 && a < 150) r->age = (int)a;
    }
}

static int read_struct(const char *path, mat_t *mat, tgdp_ecg_record *r, tgdp_error *err)
{
    matvar_t *ecg = Mat_VarRead(mat, "ECG");
    int rc = TGDP_OK;
    if (!ecg && matio_problems) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: corrupted MATLAB v5 data: %s", path, matio_msg);
    else if (!ecg) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: no variable 'ECG' (expected the CPSC 2018 struct)", path);
    else if (ecg->class_type != MAT_C_STRUCT)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: variable 'ECG' is not a struct", path);
    else if (matio_problems) /* e.g. an allocation that failed: the struct may be half made */
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: corrupted MATLAB v5 data: %s", path, matio_msg);
    else if (!ecg->data || ecg->nbytes == 0)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: struct ECG is empty", path);
    matvar_t *data = rc ? NULL : Mat_VarGetStructFieldByName(ecg, "data", 0);
    if (!rc && !data) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: struct ECG has no field 'data'", path);
    if (!rc && matio_problems)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: corrupted MATLAB v5 data: %s", path, matio_msg);
    if (!rc) rc = fill_data(path, data, r, err);
    if (!rc) fill_meta(ecg, r);
    if (ecg) Mat_VarFree(ecg);
    return rc;
}

int tgdp_cpsc_load(const char *mat_path, tgdp_ecg_record *r, tgdp_error *err)
{
    tgdp_ecg_record_free(r);
    int rc = check_mat5(mat_path, err);
    if (rc) return rc;
    ecg_matio_log_reset();
    mat_t *mat = Mat_Open(mat_path, MAT_ACC_RDONLY);
    if (!mat) return tgdp_fail(err, TGDP_EFORMAT, "%s: libmatio cannot open the file: %s", mat_path, matio_msg);
    rc = read_struct(mat_path, mat, r, err);
    Mat_Close(mat);
    if (!rc) {
        r->fs = TGDP_CPSC_FS;
        r->flags |= TGDP_ECG_F_ASSUMED_FS;
        const char *b = ecg_basename(mat_path);
        size_t n = strcspn(b, ".");
        ecg_strlcpy(r->id, b, n + 1 < sizeof r->id ? n + 1 : sizeof r->id);
        ecg_strlcpy(r->database, "cpsc2018", sizeof r->database);
        rc = tgdp_ecg_check(r, mat_path, NULL, err);
    }
    if (rc) tgdp_ecg_record_free(r);
    return rc;
}

/* ---- REFERENCE.csv */
static int parse_ref_row(const char *path, const ecg_csv *csv, size_t row, tgdp_cpsc_ref *ref, tgdp_error *err)
{
    memset(ref, 0, sizeof *ref);
    char id[64];
    ecg_strlcpy(id, ecg_csv_get(csv, row, 0), sizeof id);
    ecg_strlcpy(ref->id, ecg_trim(id), sizeof ref->id);
    if (!ref->id[0])
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: empty Recording", path, csv->row_line[row]);
    for (size_t c = 1; c <= 3; c++) {
        char cell[64];
        ecg_strlcpy(cell, ecg_csv_get(csv, row, c), sizeof cell);
        char *s = ecg_trim(cell);
        if (!*s) continue;
        long v;
        if (!ecg_parse_long(s, &v) || v < 1 || v > 9)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: bad class number '%s' (expected 1-9)", path,
                             csv->row_line[row], s);
        char canon[8]; /* "+1" and "01" are class 1 too */
        snprintf(canon, sizeof canon, "%ld", v);
        int l = tgdp_ecg_label_lookup(TGDP_ECG_SRC_CPSC, canon);
        ref->codes[ref->n_codes++] = (int)v;
        if (l >= 0) ref->labels |= 1u << l;
    }
    if (ref->n_codes == 0)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: record %s has no label", path, csv->row_line[row],
                         ref->id);
    return TGDP_OK;
}

int tgdp_cpsc_read_reference(const char *csv_path, tgdp_cpsc_ref **refs, size_t *n, tgdp_error *err)
{
    ecg_csv csv;
    *refs = NULL;
    *n = 0;
    int rc = ecg_csv_read(csv_path, &csv, err);
    if (rc) return rc;
    if (csv.nrows == 0 || ecg_csv_col(&csv, "Recording") != 0 || ecg_csv_col(&csv, "First_label") != 1)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: expected the header Recording,First_label,...", csv_path);
    tgdp_cpsc_ref *out = NULL;
    if (!rc && csv.nrows > 1) {
        out = calloc(csv.nrows - 1, sizeof *out);
        if (!out) rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", csv_path);
    }
    size_t count = csv.nrows > 1 ? csv.nrows - 1 : 0;
    for (size_t i = 0; !rc && i < count; i++) rc = parse_ref_row(csv_path, &csv, i + 1, &out[i], err);
    ecg_csv_free(&csv);
    if (rc) {
        free(out);
        return rc;
    }
    *refs = out;
    *n = count;
    return rc;
}

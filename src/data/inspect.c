/* tgdp_inspect_file (tgdp/inspect.h): which format a file is, and what it holds, through the
 * library's readers; .npy, CSV tables and safetensors here, WFDB in inspect_wfdb.c, MATLAB in
 * inspect_mat.c. */
#include "data/inspect_internal.h"

#include "data/ecg_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *tgdp_file_kind_name(tgdp_file_kind kind)
{
    static const char *const names[] = {"none", "wfdb", "mat5", "mat4", "npy", "csv", "ptbxl_database", "scp_statements",
                                        "cpsc2018_reference", "ludb_table", "safetensors"};
    return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "?";
}

void inspect_finding(tgdp_file_info *info, const char *fmt, ...)
{
    if (info->n_findings >= TGDP_INSPECT_MAX_FINDINGS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(info->findings[info->n_findings++], sizeof info->findings[0], fmt, ap);
    va_end(ap);
}

void inspect_stats_start(tgdp_value_stats *s) { memset(s, 0, sizeof *s); }

void inspect_stats_add(tgdp_value_stats *s, double v)
{
    if (!isfinite(v)) {
        s->nonfinite++;
        return;
    }
    if (s->n == 0 || v < s->min) s->min = v;
    if (s->n == 0 || v > s->max) s->max = v;
    s->sum += v;
    s->n++;
}

void inspect_stats_end(tgdp_value_stats *s)
{
    if (s->n) s->mean = s->sum / (double)s->n;
    else s->min = s->max = s->mean = NAN;
}

/* ---- the file as a 12-lead record */
static void lead_list(unsigned bits, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int l = 0; l < TGDP_ECG_NLEADS; l++)
        if (bits & (1u << l)) {
            if (buf[0]) ecg_strlcat(buf, ", ", cap);
            ecg_strlcat(buf, tgdp_ecg_lead_name(l), cap);
        }
}

/* the sanity check of a loaded record, in sentences */
static void record_findings(tgdp_file_info *info, const char *what)
{
    tgdp_ecg_record *r = &info->ecg.rec;
    tgdp_ecg_sanity s;
    tgdp_error e;
    memset(&s, 0, sizeof s);
    if (tgdp_ecg_check(r, what, &s, &e)) inspect_finding(info, "sanity check failed: %s", e.msg);
    if (r->flags & TGDP_ECG_F_GAIN_IS_RANGE)
        inspect_finding(info, "header gain equals max - min of the stored samples in every signal (the LUDB trap: the "
                              "header gains are not gains); converted with one common gain of %g ADC units/mV and "
                              "baseline 0, which keeps the limb-lead identities", TGDP_LUDB_ADC_PER_MV);
    if (r->flags & TGDP_ECG_F_ASSUMED_FS) inspect_finding(info, "the file stores no sampling rate: %g Hz assumed", r->fs);
    if (s.flat_leads) {
        char names[128];
        lead_list(s.flat_leads, names, sizeof names);
        inspect_finding(info, "flat (constant) leads: %s", names);
    }
    if (s.n_nonfinite == 0) {
        if (s.limb_residual_mv > TGDP_ECG_LIMB_TOL_MV || s.aug_residual_mv > TGDP_ECG_LIMB_TOL_MV)
            inspect_finding(info, "limb-lead identities fail: max |II - (I + III)| = %.4g mV, augmented leads %.4g mV "
                                  "(tolerance %g mV): leads swapped or mislabelled?",
                            (double)s.limb_residual_mv, (double)s.aug_residual_mv, TGDP_ECG_LIMB_TOL_MV);
        else
            inspect_finding(info, "limb-lead identities hold: max |II - (I + III)| = %.4g mV, augmented leads %.4g mV",
                            (double)s.limb_residual_mv, (double)s.aug_residual_mv);
    }
    inspect_finding(info, "largest |x| = %.4g mV in lead %s (limit %g mV)", (double)s.max_abs_mv,
                    tgdp_ecg_lead_name(s.max_abs_lead), TGDP_ECG_MAX_ABS_MV);
}

void inspect_ecg_result(tgdp_file_info *info, const char *what, int load_rc, const tgdp_error *load_err)
{
    tgdp_inspect_ecg *g = &info->ecg;
    g->tried = 1;
    if (load_rc) {
        ecg_strlcpy(g->error, load_err->msg, sizeof g->error);
        inspect_finding(info, "not loaded as a 12-lead ECG: %s", g->error);
        return;
    }
    g->loaded = 1;
    record_findings(info, what);
    for (int l = 0; l < TGDP_ECG_NLEADS; l++) {
        inspect_stats_start(&g->lead[l]);
        const float *x = tgdp_ecg_lead(&g->rec, l);
        for (int64_t t = 0; t < g->rec.n; t++) inspect_stats_add(&g->lead[l], x[t]);
        inspect_stats_end(&g->lead[l]);
    }
}

/* ---- .npy */
static double array_elem(const tgdp_array *a, size_t i)
{
    const unsigned char *p = a->data;
    switch (a->dtype) {
    case TGDP_DT_F32: { float v; memcpy(&v, p + 4 * i, 4); return v; }
    case TGDP_DT_F64: { double v; memcpy(&v, p + 8 * i, 8); return v; }
    case TGDP_DT_I32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
    case TGDP_DT_I64: { int64_t v; memcpy(&v, p + 8 * i, 8); return (double)v; }
    case TGDP_DT_U8: return p[i];
    case TGDP_DT_I8: return (int8_t)p[i];
    }
    return NAN;
}

static int inspect_npy(const char *path, tgdp_file_info *info, tgdp_error *err)
{
    info->kind = TGDP_FILE_NPY;
    tgdp_array a;
    int rc = tgdp_npy_read_info(path, &a, &info->u.npy.hdr, err);
    if (rc) return rc;
    info->u.npy.dtype = a.dtype;
    info->u.npy.ndim = a.ndim;
    memcpy(info->u.npy.shape, a.shape, sizeof a.shape);
    size_t numel = tgdp_array_numel(&a);
    info->u.npy.numel = numel;
    info->u.npy.nbytes = numel * tgdp_dtype_size(a.dtype);
    tgdp_value_stats *s = &info->u.npy.stats;
    inspect_stats_start(s);
    for (size_t i = 0; i < numel; i++) inspect_stats_add(s, array_elem(&a, i));
    inspect_stats_end(s);
    tgdp_array_free(&a);
    return TGDP_OK;
}

/* ---- CSV: the ECG databases' label tables, or a numeric table (a 12-lead PTB-XL record?) */
static void count_labels(tgdp_file_info *info, const tgdp_ecg_labels *first, size_t n, size_t stride)
{
    for (size_t i = 0; i < n; i++) {
        tgdp_ecg_labels l = *(const tgdp_ecg_labels *)((const char *)first + i * stride);
        for (int k = 0; k < TGDP_ECG_NLABELS; k++) info->u.table.label_counts[k] += (l >> k) & 1u;
    }
}

static int inspect_ptbxl_database(const char *path, tgdp_file_info *info, tgdp_error *err)
{
    tgdp_ptbxl_row *rows;
    size_t n;
    int rc = tgdp_ptbxl_read_database(path, &rows, &n, err);
    if (rc) return rc;
    info->u.table.rows = n;
    count_labels(info, &rows[0].labels, n, sizeof *rows);
    for (size_t i = 0; i < n; i++)
        info->u.table.folds[rows[i].strat_fold >= 0 && rows[i].strat_fold <= 10 ? rows[i].strat_fold : 0]++;
    info->u.table.first_id = n ? rows[0].ecg_id : 0;
    info->u.table.last_id = n ? rows[n - 1].ecg_id : 0;
    free(rows);
    return TGDP_OK;
}

static int inspect_label_table(const char *path, tgdp_file_info *info, tgdp_error *err)
{
    size_t n = 0;
    int rc;
    if (info->kind == TGDP_FILE_PTBXL_DATABASE) return inspect_ptbxl_database(path, info, err);
    if (info->kind == TGDP_FILE_CPSC_REFERENCE) {
        tgdp_cpsc_ref *refs;
        if ((rc = tgdp_cpsc_read_reference(path, &refs, &n, err))) return rc;
        count_labels(info, &refs[0].labels, n, sizeof *refs);
        free(refs);
    } else if (info->kind == TGDP_FILE_LUDB_TABLE) {
        tgdp_ludb_row *rows;
        if ((rc = tgdp_ludb_read_csv(path, &rows, &n, err))) return rc;
        count_labels(info, &rows[0].labels, n, sizeof *rows);
        free(rows);
    } else {
        tgdp_scp_statement *st;
        if ((rc = tgdp_ptbxl_read_statements(path, &st, &n, err))) return rc;
        for (size_t i = 0; i < n; i++) {
            info->u.table.diagnostic += st[i].diagnostic != 0;
            info->u.table.form += st[i].form != 0;
            info->u.table.rhythm += st[i].rhythm != 0;
        }
        free(st);
    }
    info->u.table.rows = n;
    return TGDP_OK;
}

static int inspect_csv(const char *path, tgdp_file_info *info, tgdp_error *err)
{
    const char *b = ecg_basename(path);
    info->kind = strncmp(b, "ptbxl_database", 14) == 0 ? TGDP_FILE_PTBXL_DATABASE
               : strcmp(b, "REFERENCE.csv") == 0      ? TGDP_FILE_CPSC_REFERENCE
               : strcmp(b, "ludb.csv") == 0           ? TGDP_FILE_LUDB_TABLE
               : strcmp(b, "scp_statements.csv") == 0 ? TGDP_FILE_SCP_STATEMENTS
                                                      : TGDP_FILE_CSV;
    if (info->kind != TGDP_FILE_CSV) return inspect_label_table(path, info, err);
    tgdp_tensor t;
    int rc = tgdp_csv_read(path, NULL, &t, &info->u.csv.names, err);
    if (rc) return rc;
    const int64_t rows = t.shape[0], cols = t.ndim > 1 ? t.shape[1] : 1;
    info->u.csv.rows = rows;
    info->u.csv.cols = cols;
    info->u.csv.col = calloc((size_t)cols, sizeof *info->u.csv.col);
    if (!info->u.csv.col) rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    for (int64_t c = 0; !rc && c < cols; c++) {
        tgdp_value_stats *s = &info->u.csv.col[c];
        inspect_stats_start(s);
        for (int64_t r = 0; r < rows; r++) inspect_stats_add(s, t.data[(size_t)r * (size_t)cols + (size_t)c]);
        inspect_stats_end(s);
    }
    tgdp_tensor_free(&t);
    if (!rc && cols == TGDP_ECG_NLEADS && info->u.csv.names.n == 0) {
        tgdp_error e;
        inspect_ecg_result(info, path, tgdp_ptbxl_load_csv(path, 0, &info->ecg.rec, &e), &e);
    }
    return rc;
}

/* ---- by contents */
static int is_safetensors(const unsigned char *b, size_t n)
{
    if (n < 9 || b[8] != '{') return 0;
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | b[i];
    return hl >= 2 && hl <= (uint64_t)n - 8;
}

static int inspect_safetensors(const char *path, tgdp_file_info *info, tgdp_error *err)
{
    info->kind = TGDP_FILE_SAFETENSORS;
    return tgdp_safetensors_read(path, &info->u.st, err);
}

static int by_contents(const char *path, const char *ext, tgdp_file_info *info, tgdp_error *err)
{
    unsigned char *buf;
    size_t len;
    int rc = ecg_read_file(path, &buf, &len, err);
    if (rc) return rc;
    tgdp_mat4_header h;
    int npy = len >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0, mat5 = !npy && len >= 10 && memcmp(buf, "MATLAB 5.0", 10) == 0;
    int st = !npy && !mat5 && is_safetensors(buf, len);
    int mat4 = !npy && !mat5 && !st && tgdp_mat4_parse_header(buf, len, path, &h, NULL) == 0;
    if (ecg_streq_ci(ext, "mat") && !mat5 && !mat4) { /* a .mat is MATLAB: the v4 reader says what is wrong */
        if ((rc = tgdp_mat4_parse_header(buf, len, path, &h, err)) == 0) rc = inspect_mat4(path, buf, len, info, err);
    } else if (npy) rc = inspect_npy(path, info, err);
    else if (mat5) rc = inspect_mat5(path, buf, len, info, err);
    else if (st) rc = inspect_safetensors(path, info, err);
    else if (mat4) rc = inspect_mat4(path, buf, len, info, err);
    else
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: unknown file type: expected a WFDB record (.hea), .mat, .npy, .csv or "
                                          ".safetensors, and the contents match none of them", path);
    free(buf);
    return rc;
}

/* path with its extension replaced by ".hea" (appended when there is none), when that file exists */
static int header_of(const char *path, char *out, size_t cap)
{
    const char *ext = ecg_extension(path);
    size_t stem = *ext ? (size_t)(ext - path) - 1 : strlen(path);
    if (stem + 5 > cap) return 0;
    memcpy(out, path, stem);
    memcpy(out + stem, ".hea", 5);
    return ecg_is_file(out);
}

int tgdp_inspect_file(const char *path, tgdp_file_info *info, tgdp_error *err)
{
    memset(info, 0, sizeof *info);
    tgdp_ecg_record_init(&info->ecg.rec);
    struct stat sb;
    char hea[1024];
    const char *ext = ecg_extension(path);
    if (stat(path, &sb) != 0) { /* a record name without extension: "data/1" -> "data/1.hea" */
        if (!*ext && header_of(path, hea, sizeof hea)) return inspect_wfdb(hea, info, err);
        return tgdp_fail(err, TGDP_EIO, "%s: no such file", path);
    }
    if (S_ISDIR(sb.st_mode)) return tgdp_fail(err, TGDP_EINVAL, "%s: is a folder (give a file or a WFDB record name)", path);
    if (!S_ISREG(sb.st_mode)) return tgdp_fail(err, TGDP_EINVAL, "%s: not a regular file", path);
    if (ecg_streq_ci(ext, "hea")) return inspect_wfdb(path, info, err);
    int dat = ecg_streq_ci(ext, "dat");
    if ((dat || ecg_streq_ci(ext, "mat")) && header_of(path, hea, sizeof hea)) return inspect_wfdb(hea, info, err);
    if (dat) return tgdp_fail(err, TGDP_EFORMAT, "%s: WFDB signal file without its .hea header", path);
    if (sb.st_size == 0) return tgdp_fail(err, TGDP_EFORMAT, "%s: empty file", path);
    if (ecg_streq_ci(ext, "npy")) return inspect_npy(path, info, err);
    if (ecg_streq_ci(ext, "csv")) return inspect_csv(path, info, err);
    if (ecg_streq_ci(ext, "safetensors")) return inspect_safetensors(path, info, err);
    return by_contents(path, ext, info, err);
}

void tgdp_file_info_free(tgdp_file_info *info)
{
    switch (info->kind) {
    case TGDP_FILE_WFDB:
        tgdp_wfdb_header_free(&info->u.wfdb.h);
        free(info->u.wfdb.raw);
        free(info->u.wfdb.lead);
        free(info->u.wfdb.files);
        break;
    case TGDP_FILE_MAT5: inspect_mat5_free(info->u.mat5.vars, info->u.mat5.n_vars); break;
    case TGDP_FILE_MAT4: free(info->u.mat4.m); break;
    case TGDP_FILE_CSV:
        tgdp_csv_header_free(&info->u.csv.names);
        free(info->u.csv.col);
        break;
    case TGDP_FILE_SAFETENSORS: tgdp_st_file_free(&info->u.st); break;
    default: break;
    }
    tgdp_ecg_record_free(&info->ecg.rec);
    memset(info, 0, sizeof *info);
}

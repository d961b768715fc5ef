/* tgdp_inspect_file for MATLAB files: v5 variables and struct fields (libmatio, after the
 * structure check of ecg_mat5.c; matio's log captured as ecg_cpsc.c does), v4 matrices (the
 * MAT v4 header reader of ecg_mat4.c, matrix after matrix); either loaded as a 12-lead record
 * when it looks like one. */
#include "data/inspect_internal.h"

#include "data/ecg_internal.h"

#include <matio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VARS 256
#define MAX_MATRICES 64
#define FIELD_DEPTH 4

static const char *class_name(enum matio_classes c)
{
    switch (c) {
    case MAT_C_EMPTY: return "empty";
    case MAT_C_CELL: return "cell";
    case MAT_C_STRUCT: return "struct";
    case MAT_C_OBJECT: return "object";
    case MAT_C_CHAR: return "char";
    case MAT_C_SPARSE: return "sparse";
    case MAT_C_DOUBLE: return "double";
    case MAT_C_SINGLE: return "single";
    case MAT_C_INT8: return "int8";
    case MAT_C_UINT8: return "uint8";
    case MAT_C_INT16: return "int16";
    case MAT_C_UINT16: return "uint16";
    case MAT_C_INT32: return "int32";
    case MAT_C_UINT32: return "uint32";
    case MAT_C_INT64: return "int64";
    case MAT_C_UINT64: return "uint64";
    case MAT_C_FUNCTION: return "function";
    case MAT_C_OPAQUE: return "opaque";
    }
    return "?";
}

static const char *type_name(enum matio_types t)
{
    switch (t) {
    case MAT_T_INT8: return "int8";
    case MAT_T_UINT8: return "uint8";
    case MAT_T_INT16: return "int16";
    case MAT_T_UINT16: return "uint16";
    case MAT_T_INT32: return "int32";
    case MAT_T_UINT32: return "uint32";
    case MAT_T_SINGLE: return "single";
    case MAT_T_DOUBLE: return "double";
    case MAT_T_INT64: return "int64";
    case MAT_T_UINT64: return "uint64";
    case MAT_T_UTF8: return "utf8";
    case MAT_T_UTF16: return "utf16";
    case MAT_T_UTF32: return "utf32";
    default: return NULL;
    }
}

void inspect_mat5_free(tgdp_mat5_var *vars, int n)
{
    for (int i = 0; vars && i < n; i++) inspect_mat5_free(vars[i].fields, vars[i].n_fields);
    free(vars);
}

/* matio's description of v (struct fields FIELD_DEPTH levels deep) */
static int describe(matvar_t *v, const char *name, int depth, tgdp_mat5_var *out)
{
    ecg_strlcpy(out->name, name, sizeof out->name);
    out->class_name = class_name(v->class_type);
    out->stored_as = type_name(v->data_type);
    out->rank = v->rank < 8 ? v->rank : 8;
    for (int i = 0; i < out->rank; i++) out->dims[i] = v->dims[i];
    out->complex = v->isComplex != 0;
    if (v->class_type != MAT_C_STRUCT || depth >= FIELD_DEPTH) return TGDP_OK;
    out->has_fields = 1;
    unsigned nf = Mat_VarGetNumberOfFields(v);
    char *const *fn = Mat_VarGetStructFieldnames(v);
    if (!fn || nf == 0) return TGDP_OK;
    if (!(out->fields = calloc(nf, sizeof *out->fields))) return TGDP_ENOMEM;
    out->n_fields = (int)nf;
    for (unsigned i = 0; i < nf; i++) {
        matvar_t *fv = Mat_VarGetStructFieldByIndex(v, i, 0);
        const char *fname = fn[i] ? fn[i] : "?";
        if (fv && describe(fv, fname, depth + 1, &out->fields[i])) return TGDP_ENOMEM;
        if (!fv) ecg_strlcpy(out->fields[i].name, fname, sizeof out->fields[i].name);
    }
    return TGDP_OK;
}

/* the variables' descriptions (matio's log reset before, read after) */
static int list_vars(const char *path, tgdp_file_info *info, int *has_ecg, tgdp_error *err)
{
    mat_t *mat = Mat_Open(path, MAT_ACC_RDONLY);
    const char *problem = ecg_matio_problem();
    if (!mat) return tgdp_fail(err, TGDP_EFORMAT, "%s: libmatio cannot open the file%s%s", path, problem ? ": " : "",
                               problem ? problem : "");
    const char *hdr = Mat_GetHeader(mat);
    char *h = info->u.mat5.header;
    ecg_strlcpy(h, hdr ? hdr : "", sizeof info->u.mat5.header);
    for (size_t n = strlen(h); n > 0 && h[n - 1] == ' '; n--) h[n - 1] = '\0';
    matvar_t *vars[MAX_VARS], *v;
    int nvar = 0, rc = TGDP_OK;
    while (nvar < MAX_VARS && (v = Mat_VarReadNextInfo(mat)) != NULL) vars[nvar++] = v;
    if (nvar == MAX_VARS && (v = Mat_VarReadNextInfo(mat)) != NULL) {
        info->u.mat5.more = 1;
        Mat_VarFree(v);
    }
    Mat_Close(mat);
    if ((problem = ecg_matio_problem())) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: corrupted MATLAB v5 data: %s", path, problem);
    else if (nvar == 0) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: MATLAB v5 file without any variable", path);
    else if (!(info->u.mat5.vars = calloc((size_t)nvar, sizeof *info->u.mat5.vars)))
        rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    for (int i = 0; !rc && i < nvar; i++) {
        info->u.mat5.n_vars = i + 1;
        if (describe(vars[i], vars[i]->name ? vars[i]->name : "", 0, &info->u.mat5.vars[i]))
            rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
        if (vars[i]->name && strcmp(vars[i]->name, "ECG") == 0 && vars[i]->class_type == MAT_C_STRUCT) *has_ecg = 1;
    }
    for (int i = 0; i < nvar; i++) Mat_VarFree(vars[i]);
    return rc;
}

int inspect_mat5(const char *path, const unsigned char *buf, size_t len, tgdp_file_info *info, tgdp_error *err)
{
    info->kind = TGDP_FILE_MAT5;
    if (len < 128) return tgdp_fail(err, TGDP_EFORMAT, "%s: truncated MATLAB v5 header (%zu bytes, need 128)", path, len);
    /* the sizes the variables claim must be backed by the file before libmatio allocates them;
     * classes a CPSC record never has (sparse, object: TGDP_EUNSUPPORTED there) are still listed */
    int rc = ecg_mat5_check(buf, len, path, err);
    if (rc == TGDP_EFORMAT) return rc;
    ecg_matio_log_reset();
    int has_ecg = 0;
    if ((rc = list_vars(path, info, &has_ecg, err))) return rc;
    if (has_ecg) {
        tgdp_error e;
        inspect_ecg_result(info, path, tgdp_cpsc_load(path, &info->ecg.rec, &e), &e);
    }
    return TGDP_OK;
}

int inspect_mat4(const char *path, const unsigned char *buf, size_t len, tgdp_file_info *info, tgdp_error *err)
{
    info->kind = TGDP_FILE_MAT4;
    tgdp_mat4_header *m = calloc(MAX_MATRICES, sizeof *m);
    if (!m) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    info->u.mat4.m = m;
    size_t pos = 0;
    int n = 0;
    while (pos < len && n < MAX_MATRICES) {
        tgdp_error e;
        int rc = tgdp_mat4_parse_header(buf + pos, len - pos, path, &m[n], &e);
        if (rc && n == 0) return tgdp_fail(err, rc, "%s", e.msg);
        if (rc) return tgdp_fail(err, rc, "%s: matrix %d at byte %zu: %s", path, n + 1, pos, e.msg);
        size_t next = pos + m[n].data_offset + m[n].data_bytes;
        m[n].data_offset += pos;
        pos = next;
        info->u.mat4.n = ++n;
    }
    if (m[0].mrows == TGDP_ECG_NLEADS) {
        tgdp_error e;
        inspect_ecg_result(info, path, tgdp_mat4_load(path, &info->ecg.rec, &e), &e);
    }
    return TGDP_OK;
}

/* MATLAB level 4 (v4) matrices: the 20-byte header (type MOPT, mrows, ncols, imagf, namlen)
 * and name, validated field by field; the reader for standalone CinC-style .mat signal files.
 *
 * MOPT: M = machine (0 IEEE little endian, 1 IEEE big endian; 2-4 are VAX/Cray formats, not
 * supported), O = 0, P = precision (0 double, 1 single, 2 int32, 3 int16, 4 uint16,
 * 5 uint8), T = 0 full numeric matrix (1 text, 2 sparse: not supported). Data are
 * column-major, mrows x ncols. */
#include "data/ecg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int32_t rd32(const unsigned char *p, int be)
{
    uint32_t u = be ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
                    : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
    return (int32_t)u;
}

static const size_t prec_size[6] = {8, 4, 4, 2, 2, 1};

/* Endianness from the type word: the M digit must agree with the byte order read. */
static int detect_type(const unsigned char *buf, int32_t *type, int *be)
{
    int32_t le = rd32(buf, 0), bi = rd32(buf, 1);
    if (le >= 0 && le < 1000) {
        *type = le;
        *be = 0;
        return 1;
    }
    if (bi >= 1000 && bi < 2000) {
        *type = bi;
        *be = 1;
        return 1;
    }
    return 0;
}

static int check_dims(const tgdp_mat4_header *h, const char *what, tgdp_error *err)
{
    if (h->mrows < 0 || h->ncols < 0)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: corrupted MAT v4 header: negative size %d x %d", what,
                         (int)h->mrows, (int)h->ncols);
    if (h->imagf != 0 && h->imagf != 1)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: corrupted MAT v4 header: imaginary flag %d", what, (int)h->imagf);
    if (h->imagf)
        return tgdp_fail(err, TGDP_EUNSUPPORTED, "%s: complex MAT v4 matrix not supported", what);
    if (h->namlen < 1 || h->namlen > 63)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: corrupted MAT v4 header: name length %d", what, (int)h->namlen);
    return TGDP_OK;
}

int tgdp_mat4_parse_header(const unsigned char *buf, size_t len, const char *what, tgdp_mat4_header *h,
                           tgdp_error *err)
{
    memset(h, 0, sizeof *h);
    if (ecg_is_mat5(buf, len))
        return tgdp_fail(err, TGDP_EFORMAT, "%s: is a MATLAB v5 file, expected a MATLAB v4 matrix", what);
    if (len < 20)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: not a MATLAB v4 file: %zu bytes, shorter than a header", what, len);
    if (!detect_type(buf, &h->type, &h->big_endian))
        return tgdp_fail(err, TGDP_EFORMAT, "%s: not a MATLAB v4 file: invalid type code %d", what,
                         (int)rd32(buf, 0));
    int O = (h->type / 100) % 10, P = (h->type / 10) % 10, T = h->type % 10;
    if (O != 0 || P > 5)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: corrupted MAT v4 header: type code %d", what, (int)h->type);
    if (T != 0)
        return tgdp_fail(err, TGDP_EUNSUPPORTED, "%s: MAT v4 %s matrix not supported (type %d)", what,
                         T == 1 ? "text" : "sparse", (int)h->type);
    h->precision = P;
    h->elem_size = prec_size[P];
    h->mrows = rd32(buf + 4, h->big_endian);
    h->ncols = rd32(buf + 8, h->big_endian);
    h->imagf = rd32(buf + 12, h->big_endian);
    h->namlen = rd32(buf + 16, h->big_endian);
    int rc = check_dims(h, what, err);
    if (rc) return rc;
    h->data_offset = 20 + (size_t)h->namlen;
    if (len < h->data_offset)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: truncated MAT v4 header (%zu bytes)", what, len);
    if (buf[h->data_offset - 1] != '\0' || memchr(buf + 20, '\0', (size_t)h->namlen) != buf + h->data_offset - 1)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: corrupted MAT v4 header: variable name not NUL-terminated", what);
    memcpy(h->name, buf + 20, (size_t)h->namlen);
    size_t n;
    if (!tgdp_mul_size((size_t)h->mrows, (size_t)h->ncols, &n) || !tgdp_mul_size(n, h->elem_size, &h->data_bytes) ||
        h->data_bytes > SIZE_MAX - h->data_offset)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: corrupted MAT v4 header: size %d x %d overflows", what,
                         (int)h->mrows, (int)h->ncols);
    if (len < h->data_offset + h->data_bytes)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: truncated: %zu bytes, MAT v4 matrix '%s' (%d x %d) needs %zu", what,
                         len, h->name, (int)h->mrows, (int)h->ncols, h->data_offset + h->data_bytes);
    return TGDP_OK;
}

/* Element i of the matrix data as double. */
static double elem(const tgdp_mat4_header *h, const unsigned char *p, size_t i)
{
    const unsigned char *q = p + i * h->elem_size;
    uint64_t u = 0; /* the element's bits, assembled in the file's byte order */
    for (size_t k = 0; k < h->elem_size; k++) {
        size_t byte = h->big_endian ? k : h->elem_size - 1 - k;
        u = u << 8 | q[byte];
    }
    switch (h->precision) {
    case 0: {
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
    case 1: {
        uint32_t w = (uint32_t)u;
        float f;
        memcpy(&f, &w, sizeof f);
        return f;
    }
    case 2: return (double)(int32_t)(uint32_t)u;
    case 3: return (double)(int16_t)(uint16_t)u;
    case 4: return (double)(uint16_t)u;
    default: return (double)(uint8_t)u;
    }
}

int tgdp_mat4_load(const char *mat_path, tgdp_ecg_record *r, tgdp_error *err)
{
    unsigned char *buf;
    size_t len;
    tgdp_mat4_header h;
    tgdp_ecg_record_free(r);
    int rc = ecg_read_file(mat_path, &buf, &len, err);
    if (rc) return rc;
    rc = tgdp_mat4_parse_header(buf, len, mat_path, &h, err);
    if (!rc && h.mrows != TGDP_ECG_NLEADS)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: MAT v4 matrix '%s' is %d x %d, expected 12 leads x samples", mat_path,
                       h.name, (int)h.mrows, (int)h.ncols);
    if (!rc) rc = tgdp_ecg_record_alloc(r, h.ncols, err);
    if (!rc) {
        double scale = h.precision <= 1 ? 1.0 : 1.0 / 1000.0; /* int: CinC ADC units at 1000/mV */
        const unsigned char *p = buf + h.data_offset;
        for (int64_t t = 0; t < r->n; t++)
            for (int l = 0; l < TGDP_ECG_NLEADS; l++)
                tgdp_ecg_lead(r, l)[t] = (float)(elem(&h, p, (size_t)t * TGDP_ECG_NLEADS + (size_t)l) * scale);
        r->fs = 500.0;
        r->flags |= TGDP_ECG_F_ASSUMED_FS;
        const char *b = ecg_basename(mat_path);
        size_t n = strcspn(b, ".");
        ecg_strlcpy(r->id, b, n + 1 < sizeof r->id ? n + 1 : sizeof r->id);
        ecg_set_database_from_name(r, "mat4");
        rc = tgdp_ecg_check(r, mat_path, NULL, err);
    }
    free(buf);
    if (rc) tgdp_ecg_record_free(r);
    return rc;
}

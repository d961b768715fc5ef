/* MATLAB v5 structure check, run before libmatio reads a file (CPSC 2018 records).
 *
 * libmatio allocates what a variable's header claims before it reads the data: a struct of
 * 0x40000001 x 1 elements with 3 fields made it ask for 24 GB, from a 976-byte file (found by
 * fuzz/fuzz_cpsc_mat5.c). This walks every variable the way matio will (data element tags,
 * miMATRIX array flags, dimensions, name, and per class the parts and sub-elements, inside
 * miCOMPRESSED elements too) and rejects claims the file cannot back:
 *  - numeric and char arrays: the data element must hold nelems elements of its stored type,
 *    so matio's nelems x class size buffer is at most 8 x the bytes in the file;
 *  - cells and structs: nelems (x fields) sub-elements of at least 8 bytes each must fit in the
 *    matrix element;
 *  - sparse, object and opaque classes (never in an ECG record) are not supported;
 *  - nesting deeper than MAT5_MAX_DEPTH, compressed elements inside compressed elements, and
 *    compressed variables inflating past MAT5_MAX_INFLATED bytes are rejected.
 * Layout reference: MathWorks, "MAT-File Format" (Level 5), data element tags (small format
 * when the upper 16 bits of the first word are set), miMATRIX sub-elements, 8-byte padding
 * of uncompressed elements. */
#include "data/ecg_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAT5_MAX_DEPTH 16
#define MAT5_MAX_INFLATED ((size_t)256 << 20) /* a 12-lead record is a few MB */

enum {
    MI_INT8 = 1, MI_UINT8 = 2, MI_INT16 = 3, MI_UINT16 = 4, MI_INT32 = 5, MI_UINT32 = 6, MI_SINGLE = 7,
    MI_DOUBLE = 9, MI_INT64 = 12, MI_UINT64 = 13, MI_MATRIX = 14, MI_COMPRESSED = 15, MI_UTF8 = 16,
    MI_UTF16 = 17, MI_UTF32 = 18
};
enum { MX_CELL = 1, MX_STRUCT = 2, MX_OBJECT = 3, MX_CHAR = 4, MX_SPARSE = 5, MX_UINT64 = 15 };

typedef struct m5 {
    const char *path;
    int swap;
    size_t zpos; /* file offset of the compressed element being walked (0: none) */
    tgdp_error *err;
} m5;

typedef struct m5tag {
    uint32_t type, nbytes;
    size_t data, next; /* data offset; offset of the next element */
} m5tag;

static uint32_t rd32(const m5 *m, const unsigned char *p)
{
    return m->swap ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
                   : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

static int bad(const m5 *m, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int bad(const m5 *m, size_t pos, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (m->zpos)
        return tgdp_fail(m->err, TGDP_EFORMAT, "%s: corrupted MATLAB v5 data in the compressed variable at byte %zu "
                         "(inflated byte %zu): %s", m->path, m->zpos, pos, what);
    return tgdp_fail(m->err, TGDP_EFORMAT, "%s: corrupted MATLAB v5 data at byte %zu: %s", m->path, pos, what);
}

/* The data element tag at b[pos], whose element must end by len. */
static int read_tag(const m5 *m, const unsigned char *b, size_t len, size_t pos, m5tag *t)
{
    if (pos > len || len - pos < 8)
        return bad(m, pos, "truncated: %zu bytes left, a data element tag needs 8", pos > len ? 0 : len - pos);
    uint32_t w = rd32(m, b + pos);
    if (w >> 16) { /* small data element: type and size in one word, up to 4 bytes of data */
        t->type = w & 0xFFFF;
        t->nbytes = w >> 16;
        if (t->nbytes > 4) return bad(m, pos, "small data element of more than 4 bytes");
        t->data = pos + 4;
        t->next = pos + 8;
        return TGDP_OK;
    }
    t->type = w;
    t->nbytes = rd32(m, b + pos + 4);
    if (t->nbytes > len - pos - 8)
        return bad(m, pos, "truncated: the data element needs %u bytes, %zu are left", t->nbytes, len - pos - 8);
    t->data = pos + 8;
    size_t end = t->data + t->nbytes;
    if (t->type != MI_COMPRESSED && end % 8) end += 8 - end % 8; /* padding (may be missing at the end) */
    t->next = end < len ? end : len;
    return TGDP_OK;
}

static size_t type_size(uint32_t type)
{
    switch (type) {
    case MI_INT8: case MI_UINT8: case MI_UTF8: return 1;
    case MI_INT16: case MI_UINT16: case MI_UTF16: return 2;
    case MI_INT32: case MI_UINT32: case MI_SINGLE: case MI_UTF32: return 4;
    case MI_DOUBLE: case MI_INT64: case MI_UINT64: return 8;
    default: return 0;
    }
}

/* A numeric part (real or imaginary) that must hold n elements. */
static int numeric_part(const m5 *m, const unsigned char *b, size_t len, size_t *pos, size_t n)
{
    m5tag t = {0, 0, 0, 0};
    int rc = read_tag(m, b, len, *pos, &t);
    if (rc) return rc;
    size_t es = type_size(t.type);
    if (!es) return bad(m, *pos, "unknown data type of an array's values");
    if (t.nbytes / es < n) return bad(m, *pos, "fewer values than the array's dimensions claim");
    *pos = t.next;
    return TGDP_OK;
}

static int matrix(const m5 *m, const unsigned char *b, size_t len, size_t pos, int depth);

/* count sub-elements (cells, struct fields), each a miMATRIX of at least 8 bytes */
static int children(const m5 *m, const unsigned char *b, size_t len, size_t pos, size_t count, int depth)
{
    if (count > (len - pos) / 8) return bad(m, pos, "more cells or struct fields than the data can hold");
    for (size_t i = 0; i < count; i++) {
        m5tag t = {0, 0, 0, 0};
        int rc = read_tag(m, b, len, pos, &t);
        if (rc) return rc;
        if (t.type != MI_MATRIX) return bad(m, pos, "a cell or field that is not a matrix");
        if ((rc = matrix(m, b, t.data + t.nbytes, t.data, depth + 1))) return rc;
        pos = t.next;
    }
    return TGDP_OK;
}

/* The contents b[pos..len) of a miMATRIX element. */
static int matrix(const m5 *m, const unsigned char *b, size_t len, size_t pos, int depth)
{
    if (pos == len) return TGDP_OK; /* empty cell or field */
    if (depth > MAT5_MAX_DEPTH) return bad(m, pos, "variables nested too deeply");
    m5tag t = {0, 0, 0, 0};
    int rc = read_tag(m, b, len, pos, &t);
    if (rc) return rc;
    if (t.type != MI_UINT32 || t.nbytes != 8) return bad(m, pos, "bad array flags");
    uint32_t flags = rd32(m, b + t.data), cls = flags & 0xFF;
    int complex = (flags & 0x800) != 0;
    pos = t.next;
    if ((rc = read_tag(m, b, len, pos, &t))) return rc;
    if (t.type != MI_INT32 || t.nbytes % 4 || t.nbytes < 8) return bad(m, pos, "bad dimensions");
    size_t nelems = 1;
    for (uint32_t k = 0; k < t.nbytes / 4; k++) {
        int32_t d = (int32_t)rd32(m, b + t.data + 4 * k);
        if (d < 0 || !tgdp_mul_size(nelems, (size_t)d, &nelems)) return bad(m, pos, "bad dimensions");
    }
    pos = t.next;
    if ((rc = read_tag(m, b, len, pos, &t))) return rc; /* array name */
    pos = t.next;
    switch (cls) {
    case MX_CELL: return children(m, b, len, pos, nelems, depth);
    case MX_STRUCT: {
        if ((rc = read_tag(m, b, len, pos, &t))) return rc;
        if (t.type != MI_INT32 || t.nbytes != 4) return bad(m, pos, "bad struct field name length");
        uint32_t namelen = rd32(m, b + t.data);
        if (namelen == 0) return bad(m, pos, "struct field name length 0");
        pos = t.next;
        if ((rc = read_tag(m, b, len, pos, &t))) return rc;
        size_t nfields = t.nbytes / namelen, count;
        pos = t.next;
        if (!tgdp_mul_size(nelems, nfields, &count)) return bad(m, pos, "struct too large");
        return children(m, b, len, pos, count, depth);
    }
    default:
        if (cls < MX_CHAR || cls > MX_UINT64 || cls == MX_SPARSE)
            return tgdp_fail(m->err, TGDP_EUNSUPPORTED, "%s: MATLAB v5 array class %u (sparse, object or opaque) "
                             "is not supported", m->path, cls);
        if ((rc = numeric_part(m, b, len, &pos, nelems))) return rc;
        return complex ? numeric_part(m, b, len, &pos, nelems) : TGDP_OK;
    }
}

/* Inflate a miCOMPRESSED element's zlib stream into *out (at most MAT5_MAX_INFLATED bytes). */
static int inflate_all(const m5 *m, const unsigned char *src, size_t n, unsigned char **out, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) return tgdp_fail(m->err, TGDP_ENOMEM, "%s: cannot start zlib", m->path);
    size_t cap = n < 4096 ? 16384 : 4 * n, used = 0;
    unsigned char *buf = NULL;
    int zr = Z_OK, rc = TGDP_OK;
    z.next_in = (unsigned char *)src;
    z.avail_in = (uInt)n; /* n < 4 GB: a data element's size is 32 bits */
    while (zr != Z_STREAM_END) {
        if (used == cap || !buf) {
            if (buf) cap = cap > MAT5_MAX_INFLATED / 2 ? MAT5_MAX_INFLATED : 2 * cap;
            if (used == cap) {
                rc = tgdp_fail(m->err, TGDP_EFORMAT, "%s: compressed variable at byte %zu inflates to more than %zu "
                               "bytes: not an ECG record", m->path, m->zpos, MAT5_MAX_INFLATED);
                break;
            }
            unsigned char *nb = realloc(buf, cap);
            if (!nb) {
                rc = tgdp_fail(m->err, TGDP_ENOMEM, "%s: cannot allocate %zu bytes", m->path, cap);
                break;
            }
            buf = nb;
        }
        size_t room = cap - used < UINT_MAX ? cap - used : UINT_MAX;
        z.next_out = buf + used;
        z.avail_out = (uInt)room;
        zr = inflate(&z, Z_NO_FLUSH);
        used += room - z.avail_out;
        if (zr != Z_OK && zr != Z_STREAM_END && !(zr == Z_BUF_ERROR && z.avail_out == 0)) {
            rc = bad(m, 0, zr == Z_BUF_ERROR ? "truncated compressed stream" : "corrupted compressed stream");
            break;
        }
    }
    inflateEnd(&z);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *outlen = used;
    return TGDP_OK;
}

/* The data elements b[pos..len): the file after its header, or one inflated variable. */
static int elements(m5 *m, const unsigned char *b, size_t len, size_t pos)
{
    while (pos < len) {
        m5tag t = {0, 0, 0, 0};
        int rc = read_tag(m, b, len, pos, &t);
        if (rc) return rc;
        if (t.data == pos + 4) return bad(m, pos, "a variable of at most 4 bytes");
        if (t.type == MI_COMPRESSED) {
            if (m->zpos) return bad(m, pos, "compressed data inside compressed data");
            unsigned char *z = NULL;
            size_t zlen = 0;
            m->zpos = pos;
            rc = inflate_all(m, b + t.data, t.nbytes, &z, &zlen);
            if (!rc) {
                rc = elements(m, z, zlen, 0);
                free(z);
            }
            m->zpos = 0;
            if (rc) return rc;
        } else if (t.type == MI_MATRIX) {
            if ((rc = matrix(m, b, t.data + t.nbytes, t.data, 0))) return rc;
        }
        pos = t.next;
    }
    return TGDP_OK;
}

int ecg_mat5_check(const unsigned char *buf, size_t len, const char *path, tgdp_error *err)
{
    if (!ecg_is_mat5(buf, len))
        return tgdp_fail(err, TGDP_EFORMAT, "%s: not a MATLAB v5 file (no \"MATLAB 5.0 MAT-file\" header)", path);
    m5 m = {path, buf[126] == 'M' && buf[127] == 'I', 0, err};
    if (!m.swap && !(buf[126] == 'I' && buf[127] == 'M'))
        return tgdp_fail(err, TGDP_EFORMAT, "%s: corrupted MATLAB v5 header: bad endian indicator", path);
    return elements(&m, buf, len, 128);
}

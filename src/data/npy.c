/* NumPy .npy files (format versions 1.0/2.0/3.0), plus the typed-array helpers shared with the
 * safetensors code: dtype sizes, shape checks and conversion to float32 / int64.
 *
 * File layout: "\x93NUMPY", major, minor, header length (uint16 LE for 1.x, uint32 LE for
 * 2.x/3.x), a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 * padded with spaces and a final '\n', then the raw C-order data. */
#include "tgdp/io.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tgdp file formats assume a little-endian host"
#endif

/* ---------------------------------------------------------------- dtypes and arrays */

size_t tgdp_dtype_size(tgdp_dtype dt)
{
    switch (dt) {
    case TGDP_DT_F32: case TGDP_DT_I32: return 4;
    case TGDP_DT_F64: case TGDP_DT_I64: return 8;
    case TGDP_DT_U8: case TGDP_DT_I8: return 1;
    }
    return 0;
}

const char *tgdp_dtype_name(tgdp_dtype dt)
{
    switch (dt) {
    case TGDP_DT_F32: return "float32";
    case TGDP_DT_F64: return "float64";
    case TGDP_DT_I32: return "int32";
    case TGDP_DT_I64: return "int64";
    case TGDP_DT_U8: return "uint8";
    case TGDP_DT_I8: return "int8";
    }
    return "invalid dtype";
}

int tgdp_shape_check(int ndim, const int64_t *shape, size_t itemsize, size_t *numel, size_t *nbytes,
                     const char *what, tgdp_error *err)
{
    if (!what) what = "array";
    if (ndim < 0 || ndim > TGDP_MAX_DIMS)
        return tgdp_fail(err, TGDP_EUNSUPPORTED, "%s: %d dimensions (at most %d are supported)", what, ndim,
                         TGDP_MAX_DIMS);
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: negative dimension %lld", what, (long long)shape[i]);
        if ((uint64_t)shape[i] > SIZE_MAX || !tgdp_mul_size(n, (size_t)shape[i], &n))
            return tgdp_fail(err, TGDP_EFORMAT, "%s: shape has too many elements (overflows size_t)", what);
    }
    size_t b;
    if (!tgdp_mul_size(n, itemsize, &b))
        return tgdp_fail(err, TGDP_EFORMAT, "%s: shape has too many bytes (overflows size_t)", what);
    if (numel) *numel = n;
    if (nbytes) *nbytes = b;
    return TGDP_OK;
}

size_t tgdp_array_numel(const tgdp_array *a)
{
    size_t n = 1;
    for (int i = 0; i < a->ndim; i++) n *= (size_t)a->shape[i];
    return n;
}

int tgdp_array_alloc(tgdp_array *a, tgdp_dtype dt, int ndim, const int64_t *shape, tgdp_error *err)
{
    memset(a, 0, sizeof *a);
    size_t isz = tgdp_dtype_size(dt), nbytes;
    if (!isz) return tgdp_fail(err, TGDP_EINVAL, "array: invalid dtype %d", (int)dt);
    int rc = tgdp_shape_check(ndim, shape, isz, NULL, &nbytes, "array", err);
    if (rc) return rc;
    a->data = malloc(nbytes ? nbytes : 1);
    if (!a->data) return tgdp_fail(err, TGDP_ENOMEM, "array: cannot allocate %zu bytes", nbytes);
    a->dtype = dt;
    a->ndim = ndim;
    for (int i = 0; i < ndim; i++) a->shape[i] = shape[i];
    return TGDP_OK;
}

void tgdp_array_free(tgdp_array *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* ---------------------------------------------------------------- conversions */

/* Element i of an integer array as int64 (unaligned little-endian load). */
static int64_t load_int(tgdp_dtype dt, const unsigned char *p, size_t i)
{
    switch (dt) {
    case TGDP_DT_I32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
    case TGDP_DT_I64: { int64_t v; memcpy(&v, p + 8 * i, 8); return v; }
    case TGDP_DT_U8: return p[i];
    case TGDP_DT_I8: return (int8_t)p[i];
    default: return 0;
    }
}

static double load_float(tgdp_dtype dt, const unsigned char *p, size_t i)
{
    if (dt == TGDP_DT_F32) { float v; memcpy(&v, p + 4 * i, 4); return v; }
    double v;
    memcpy(&v, p + 8 * i, 8);
    return v;
}

static int is_float_dtype(tgdp_dtype dt) { return dt == TGDP_DT_F32 || dt == TGDP_DT_F64; }

int tgdp_convert_f32(tgdp_dtype dt, const void *src, size_t n, float *dst, const char *what, tgdp_error *err)
{
    const unsigned char *p = src;
    if (!what) what = "array";
    if (!tgdp_dtype_size(dt)) return tgdp_fail(err, TGDP_EINVAL, "%s: invalid dtype %d", what, (int)dt);
    if (dt == TGDP_DT_F32) {
        if (n) memcpy(dst, p, n * sizeof(float));
        return TGDP_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (dt == TGDP_DT_F64) {
            double v = load_float(dt, p, i);
            if (isfinite(v) && fabs(v) >= 0x1.ffffffp127) /* FLT_MAX + half an ulp rounds to inf */
                return tgdp_fail(err, TGDP_EINVAL, "%s: element %zu (%.17g) is outside the float32 range", what, i, v);
            dst[i] = (float)v;
        } else {
            dst[i] = (float)load_int(dt, p, i);
        }
    }
    return TGDP_OK;
}

int tgdp_convert_i64(tgdp_dtype dt, const void *src, size_t n, int64_t *dst, const char *what, tgdp_error *err)
{
    const unsigned char *p = src;
    if (!what) what = "array";
    if (!tgdp_dtype_size(dt)) return tgdp_fail(err, TGDP_EINVAL, "%s: invalid dtype %d", what, (int)dt);
    if (!is_float_dtype(dt)) {
        for (size_t i = 0; i < n; i++) dst[i] = load_int(dt, p, i);
        return TGDP_OK;
    }
    for (size_t i = 0; i < n; i++) {
        double v = load_float(dt, p, i);
        if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
            return tgdp_fail(err, TGDP_EINVAL, "%s: element %zu (%.17g) is not a valid int64 label", what, i, v);
        if (v != floor(v))
            return tgdp_fail(err, TGDP_EINVAL, "%s: element %zu (%.17g) is not an integer", what, i, v);
        dst[i] = (int64_t)v;
    }
    return TGDP_OK;
}

/* ---------------------------------------------------------------- header dict parser */

typedef struct npy_header {
    tgdp_dtype dtype;
    int fortran_order;
    int ndim;
    int64_t shape[TGDP_MAX_DIMS];
} npy_header;

typedef struct hparse {
    const char *s;
    size_t n, i;
    const char *path;
    tgdp_error *err;
} hparse;

static int hp_fail(hparse *p, const char *what)
{
    return tgdp_fail(p->err, TGDP_EFORMAT, "%s: cannot parse the .npy header dict at byte %zu: %s", p->path, p->i,
                     what);
}

static void hp_ws(hparse *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static int hp_peek(hparse *p, char c)
{
    hp_ws(p);
    return p->i < p->n && p->s[p->i] == c;
}

static int hp_expect(hparse *p, char c, const char *what)
{
    if (!hp_peek(p, c)) return hp_fail(p, what);
    p->i++;
    return TGDP_OK;
}

/* A Python string literal in single or double quotes, without escapes. */
static int hp_string(hparse *p, char *buf, size_t cap)
{
    hp_ws(p);
    if (p->i >= p->n || (p->s[p->i] != '\'' && p->s[p->i] != '"')) return hp_fail(p, "expected a quoted string");
    char q = p->s[p->i++];
    size_t k = 0;
    while (p->i < p->n && p->s[p->i] != q) {
        char c = p->s[p->i];
        if (c == '\\' || c == '\n' || c == '\0') return hp_fail(p, "unsupported character in a string");
        if (k + 1 >= cap) return hp_fail(p, "string too long");
        buf[k++] = c;
        p->i++;
    }
    if (p->i >= p->n) return hp_fail(p, "unterminated string");
    p->i++;
    buf[k] = '\0';
    return TGDP_OK;
}

static int hp_bool(hparse *p, int *out)
{
    hp_ws(p);
    if (p->n - p->i >= 4 && memcmp(p->s + p->i, "True", 4) == 0) { *out = 1; p->i += 4; return TGDP_OK; }
    if (p->n - p->i >= 5 && memcmp(p->s + p->i, "False", 5) == 0) { *out = 0; p->i += 5; return TGDP_OK; }
    return hp_fail(p, "fortran_order must be True or False");
}

static int hp_dim(hparse *p, int64_t *out)
{
    hp_ws(p);
    int neg = 0;
    if (p->i < p->n && p->s[p->i] == '-') { neg = 1; p->i++; }
    if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9') return hp_fail(p, "expected an integer dimension");
    uint64_t v = 0;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
        unsigned d = (unsigned)(p->s[p->i++] - '0');
        if (v > (UINT64_MAX - d) / 10) return hp_fail(p, "dimension too large");
        v = v * 10 + d;
    }
    if (neg && v)
        return tgdp_fail(p->err, TGDP_EFORMAT, "%s: negative dimension -%llu in the .npy shape", p->path,
                         (unsigned long long)v);
    if (v > (uint64_t)INT64_MAX)
        return tgdp_fail(p->err, TGDP_EFORMAT, "%s: dimension %llu in the .npy shape is too large", p->path,
                         (unsigned long long)v);
    *out = (int64_t)v;
    return TGDP_OK;
}

/* A tuple of non-negative integers: (), (5,), (3, 4). */
static int hp_shape(hparse *p, npy_header *h)
{
    int rc = hp_expect(p, '(', "shape must be a tuple");
    if (rc) return rc;
    h->ndim = 0;
    while (!hp_peek(p, ')')) {
        int64_t d = 0;
        if ((rc = hp_dim(p, &d))) return rc;
        if (h->ndim == TGDP_MAX_DIMS)
            return tgdp_fail(p->err, TGDP_EUNSUPPORTED, "%s: shape has more than %d dimensions", p->path,
                             TGDP_MAX_DIMS);
        h->shape[h->ndim++] = d;
        if (hp_peek(p, ',')) p->i++;
        else if (!hp_peek(p, ')')) return hp_fail(p, "expected ',' or ')' in the shape");
    }
    p->i++;
    return TGDP_OK;
}

static int parse_descr(const char *d, npy_header *h, const char *path, tgdp_error *err)
{
    static const struct { const char *code; tgdp_dtype dt; } known[] = {
        {"f4", TGDP_DT_F32}, {"f8", TGDP_DT_F64}, {"i4", TGDP_DT_I32},
        {"i8", TGDP_DT_I64}, {"u1", TGDP_DT_U8}, {"i1", TGDP_DT_I8}};
    if (strlen(d) == 3 && strchr("<>|=", d[0])) {
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
            if (strcmp(d + 1, known[k].code) != 0) continue;
            int one_byte = tgdp_dtype_size(known[k].dt) == 1;
            if (d[0] == '<' || one_byte) {
                h->dtype = known[k].dt;
                return TGDP_OK;
            }
            if (d[0] == '>')
                return tgdp_fail(err, TGDP_EUNSUPPORTED,
                                 "%s: big-endian dtype '%s' is not supported (convert with a.astype('<%s'))", path,
                                 d, d + 1);
            return tgdp_fail(err, TGDP_EUNSUPPORTED,
                             "%s: dtype '%s' has an ambiguous byte order for a multi-byte type (expected '<%s')",
                             path, d, d + 1);
        }
    }
    return tgdp_fail(err, TGDP_EUNSUPPORTED,
                     "%s: dtype '%s' is not supported (supported: <f4 <f8 <i4 <i8 |u1 |i1)", path, d);
}

/* One "key: value" item of the dict; seen is a bit set of the keys parsed so far. */
static int parse_item(hparse *p, npy_header *h, unsigned *seen)
{
    char key[32], val[32];
    int rc = hp_string(p, key, sizeof key);
    if (rc) return rc;
    if ((rc = hp_expect(p, ':', "expected ':' after a key"))) return rc;
    unsigned bit;
    if (strcmp(key, "descr") == 0) {
        bit = 1;
        if (hp_peek(p, '['))
            return tgdp_fail(p->err, TGDP_EUNSUPPORTED, "%s: structured dtypes are not supported", p->path);
        if ((rc = hp_string(p, val, sizeof val))) return rc;
        if ((rc = parse_descr(val, h, p->path, p->err))) return rc;
    } else if (strcmp(key, "fortran_order") == 0) {
        bit = 2;
        if ((rc = hp_bool(p, &h->fortran_order))) return rc;
    } else if (strcmp(key, "shape") == 0) {
        bit = 4;
        if ((rc = hp_shape(p, h))) return rc;
    } else {
        return tgdp_fail(p->err, TGDP_EFORMAT, "%s: unexpected key '%s' in the .npy header", p->path, key);
    }
    if (*seen & bit) return tgdp_fail(p->err, TGDP_EFORMAT, "%s: duplicate key '%s' in the .npy header", p->path, key);
    *seen |= bit;
    return TGDP_OK;
}

static int parse_header_dict(const char *s, size_t n, npy_header *h, const char *path, tgdp_error *err)
{
    hparse p = {s, n, 0, path, err};
    unsigned seen = 0;
    int rc = hp_expect(&p, '{', "expected '{'");
    if (rc) return rc;
    while (!hp_peek(&p, '}')) {
        if ((rc = parse_item(&p, h, &seen))) return rc;
        if (hp_peek(&p, ',')) p.i++;
        else if (!hp_peek(&p, '}')) return hp_fail(&p, "expected ',' or '}'");
    }
    p.i++;
    hp_ws(&p);
    if (p.i != p.n) return hp_fail(&p, "unexpected characters after the dict");
    static const char *names[3] = {"descr", "fortran_order", "shape"};
    for (int k = 0; k < 3; k++)
        if (!(seen & (1u << k)))
            return tgdp_fail(err, TGDP_EFORMAT, "%s: the .npy header has no '%s' key", path, names[k]);
    if (h->fortran_order)
        return tgdp_fail(err, TGDP_EUNSUPPORTED,
                         "%s: fortran_order is True; only C-order arrays are supported (save np.ascontiguousarray(a))",
                         path);
    return TGDP_OK;
}

/* ---------------------------------------------------------------- reading */

#define NPY_MAX_HEADER (1u << 20)
static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

static uint32_t le_u32(const unsigned char *b) { return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24; }

/* Read and parse the preamble and header; *data_off receives the offset of the data. */
static int read_header(FILE *f, const char *path, uint64_t fsize, npy_header *h, uint64_t *data_off,
                       tgdp_npy_info *info, tgdp_error *err)
{
    unsigned char pre[12];
    if (fsize < 10 || fread(pre, 1, 10, f) != 10)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: file too short for a .npy header (%llu bytes)", path,
                         (unsigned long long)fsize);
    if (memcmp(pre, npy_magic, 6) != 0) return tgdp_fail(err, TGDP_EFORMAT, "%s: not a .npy file (bad magic)", path);
    int major = pre[6], minor = pre[7];
    if (!((major >= 1 && major <= 3) && minor == 0))
        return tgdp_fail(err, TGDP_EUNSUPPORTED, "%s: .npy format version %d.%d is not supported (1.0, 2.0, 3.0)", path,
                         major, minor);
    uint64_t pre_len = major == 1 ? 10 : 12;
    uint32_t hlen = pre[8] | pre[9] << 8;
    if (major > 1) {
        if (fsize < 12 || fread(pre + 10, 1, 2, f) != 2)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: file ends inside the .npy preamble", path);
        hlen = le_u32(pre + 8);
    }
    if (hlen > NPY_MAX_HEADER)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: .npy header length %u is implausibly large", path, hlen);
    if (pre_len + hlen > fsize)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: file ends inside the header (header length %u, file holds %llu bytes)",
                         path, hlen, (unsigned long long)fsize);
    char *hdr = malloc((size_t)hlen + 1);
    if (!hdr) return tgdp_fail(err, TGDP_ENOMEM, "%s: cannot allocate the header", path);
    int rc = TGDP_OK;
    if (fread(hdr, 1, hlen, f) != hlen) rc = tgdp_fail(err, TGDP_EIO, "%s: read error in the header", path);
    else rc = parse_header_dict(hdr, hlen, h, path, err);
    if (!rc && info) { /* the text as written, without the padding */
        size_t k = hlen < sizeof info->header ? hlen : sizeof info->header - 1;
        memcpy(info->header, hdr, k);
        while (k > 0 && (info->header[k - 1] == ' ' || info->header[k - 1] == '\n')) k--;
        info->header[k] = '\0';
        info->major = major;
        info->minor = minor;
    }
    free(hdr);
    *data_off = pre_len + hlen;
    return rc;
}

static int check_data_size(const char *path, uint64_t fsize, uint64_t data_off, size_t nbytes, tgdp_error *err)
{
    uint64_t have = fsize - data_off;
    if ((uint64_t)nbytes > have)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: header claims %zu bytes of data but the file holds %llu", path, nbytes,
                         (unsigned long long)have);
    if ((uint64_t)nbytes < have)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: %llu bytes of trailing garbage after the %zu bytes of data", path,
                         (unsigned long long)(have - nbytes), nbytes);
    return TGDP_OK;
}

static int npy_read_open(FILE *f, const char *path, tgdp_array *out, tgdp_npy_info *info, tgdp_error *err)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        return tgdp_fail(err, TGDP_EIO, "%s: not a regular file", path);
    uint64_t fsize = (uint64_t)st.st_size, data_off = 0;
    npy_header h;
    memset(&h, 0, sizeof h);
    int rc = read_header(f, path, fsize, &h, &data_off, info, err);
    if (rc) return rc;
    size_t nbytes;
    if ((rc = tgdp_shape_check(h.ndim, h.shape, tgdp_dtype_size(h.dtype), NULL, &nbytes, path, err))) return rc;
    if ((rc = check_data_size(path, fsize, data_off, nbytes, err))) return rc;
    if ((rc = tgdp_array_alloc(out, h.dtype, h.ndim, h.shape, err))) {
        tgdp_error_prefix(err, "%s", path);
        return rc;
    }
    if (nbytes && fread(out->data, 1, nbytes, f) != nbytes) {
        tgdp_array_free(out);
        return tgdp_fail(err, TGDP_EIO, "%s: read error in the data", path);
    }
    return TGDP_OK;
}

int tgdp_npy_read_info(const char *path, tgdp_array *out, tgdp_npy_info *info, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return tgdp_fail(err, TGDP_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc = npy_read_open(f, path, out, info, err);
    fclose(f);
    return rc;
}

int tgdp_npy_read(const char *path, tgdp_array *out, tgdp_error *err) { return tgdp_npy_read_info(path, out, NULL, err); }

static int array_to_tensor(tgdp_array *a, tgdp_tensor *out, const char *path, tgdp_error *err)
{
    int rc = TGDP_OK;
    if (a->dtype == TGDP_DT_F32) { /* take ownership of the buffer */
        out->data = a->data;
        out->ndim = a->ndim;
        memcpy(out->shape, a->shape, sizeof out->shape);
        a->data = NULL;
    } else if ((rc = tgdp_tensor_alloc(out, a->ndim, a->shape, err)) == TGDP_OK) {
        rc = tgdp_convert_f32(a->dtype, a->data, tgdp_array_numel(a), out->data, path, err);
        if (rc) tgdp_tensor_free(out);
    }
    tgdp_array_free(a);
    return rc;
}

int tgdp_npy_read_f32(const char *path, tgdp_tensor *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    tgdp_array a;
    int rc = tgdp_npy_read(path, &a, err);
    if (rc) return rc;
    return array_to_tensor(&a, out, path, err);
}

int tgdp_npy_read_f32_finite(const char *path, tgdp_tensor *out, tgdp_error *err)
{
    int rc = tgdp_npy_read_f32(path, out, err);
    if (rc) return rc;
    if ((rc = tgdp_check_finite(out->data, tgdp_tensor_numel(out), path, err))) tgdp_tensor_free(out);
    return rc;
}

int tgdp_npy_read_i64(const char *path, tgdp_array *out, tgdp_error *err)
{
    tgdp_array a;
    memset(out, 0, sizeof *out);
    int rc = tgdp_npy_read(path, &a, err);
    if (rc || a.dtype == TGDP_DT_I64) {
        *out = a;
        return rc;
    }
    if ((rc = tgdp_array_alloc(out, TGDP_DT_I64, a.ndim, a.shape, err)) == TGDP_OK) {
        rc = tgdp_convert_i64(a.dtype, a.data, tgdp_array_numel(&a), out->data, path, err);
        if (rc) tgdp_array_free(out);
    }
    tgdp_array_free(&a);
    return rc;
}

/* ---------------------------------------------------------------- writing */

static const char *npy_descr(tgdp_dtype dt)
{
    switch (dt) {
    case TGDP_DT_F32: return "<f4";
    case TGDP_DT_F64: return "<f8";
    case TGDP_DT_I32: return "<i4";
    case TGDP_DT_I64: return "<i8";
    case TGDP_DT_U8: return "|u1";
    case TGDP_DT_I8: return "|i1";
    }
    return NULL;
}

/* Preamble + header dict + padding + '\n' into buf; returns the length (0 if too long). */
static size_t build_header(tgdp_dtype dt, int ndim, const int64_t *shape, char *buf, size_t cap)
{
    char dict[512];
    int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", npy_descr(dt));
    for (int i = 0; i < ndim; i++)
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%s%lld", i ? ", " : "", (long long)shape[i]);
    k += snprintf(dict + k, sizeof dict - (size_t)k, "%s), }", ndim == 1 ? "," : "");
    size_t dlen = (size_t)k, pre = 10, total = pre + dlen + 1;
    total += (64 - total % 64) % 64;
    int v2 = total - pre > 65535; /* version 2.0 only for huge headers (never for our dtypes) */
    if (v2) {
        pre = 12;
        total = pre + dlen + 1;
        total += (64 - total % 64) % 64;
    }
    if (total > cap) return 0;
    size_t hlen = total - pre;
    memcpy(buf, npy_magic, 6);
    buf[6] = (char)(v2 ? 2 : 1);
    buf[7] = 0;
    for (size_t b = 0; b < pre - 8; b++) buf[8 + b] = (char)((hlen >> (8 * b)) & 0xff);
    memcpy(buf + pre, dict, dlen);
    memset(buf + pre + dlen, ' ', total - pre - dlen - 1);
    buf[total - 1] = '\n';
    return total;
}

static int npy_write_raw(const char *path, tgdp_dtype dt, int ndim, const int64_t *shape, const void *data,
                         tgdp_error *err)
{
    size_t nbytes;
    char hdr[1024];
    if (!npy_descr(dt)) return tgdp_fail(err, TGDP_EINVAL, "%s: invalid dtype %d", path, (int)dt);
    int rc = tgdp_shape_check(ndim, shape, tgdp_dtype_size(dt), NULL, &nbytes, path, err);
    if (rc) return rc;
    if (nbytes && !data) return tgdp_fail(err, TGDP_EINVAL, "%s: NULL data for a non-empty array", path);
    size_t hl = build_header(dt, ndim, shape, hdr, sizeof hdr);
    if (!hl) return tgdp_fail(err, TGDP_EINVAL, "%s: .npy header too long", path);
    tgdp_atomic_file af;
    if ((rc = tgdp_atomic_open(&af, path, err))) return rc;
    if (fwrite(hdr, 1, hl, af.f) != hl || (nbytes && fwrite(data, 1, nbytes, af.f) != nbytes)) {
        int e = errno;
        tgdp_atomic_abort(&af);
        return tgdp_fail(err, TGDP_EIO, "%s: write failed: %s", path, strerror(e));
    }
    return tgdp_atomic_commit(&af, err);
}

int tgdp_npy_write(const char *path, const tgdp_array *a, tgdp_error *err)
{
    return npy_write_raw(path, a->dtype, a->ndim, a->shape, a->data, err);
}

int tgdp_npy_write_f32(const char *path, const float *data, int ndim, const int64_t *shape, tgdp_error *err)
{
    return npy_write_raw(path, TGDP_DT_F32, ndim, shape, data, err);
}

int tgdp_npy_write_i64(const char *path, const int64_t *data, int ndim, const int64_t *shape, tgdp_error *err)
{
    return npy_write_raw(path, TGDP_DT_I64, ndim, shape, data, err);
}

int tgdp_npy_write_i32(const char *path, const int32_t *data, int ndim, const int64_t *shape, tgdp_error *err)
{
    return npy_write_raw(path, TGDP_DT_I32, ndim, shape, data, err);
}

/* safetensors files: a writer for named tensors (data borrowed, not copied) with a string
 * metadata map, and a validating reader with its own small JSON parser (objects, arrays,
 * strings with escapes, numbers, true/false/null; UTF-8 checked; nesting limited).
 *
 * Layout: uint64 LE header length N, N bytes of JSON padded with spaces to a multiple of 8,
 * then the data section that the entries' data_offsets index into. */
#include "tgdp/io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ST_MAX_HEADER 100000000u /* same limit as the reference implementation */
#define JSON_MAX_DEPTH 64

/* ================================================================ UTF-8 and dtypes */

/* Offset of the first invalid UTF-8 sequence in s[0..n), or n when the text is valid. */
static size_t utf8_invalid_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], cp, min;
        size_t len;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
        else return i;
        if (n - i < len) return i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += len;
    }
    return n;
}

static int utf8_ok(const char *s) { size_t n = strlen(s); return utf8_invalid_at((const unsigned char *)s, n) == n; }

static const char *const st_dtype_names[TGDP_DT_COUNT] = {"F32", "F64", "I32", "I64", "U8", "I8"};

static int st_dtype_from_name(const char *s, tgdp_dtype *dt)
{
    for (int k = 0; k < TGDP_DT_COUNT; k++)
        if (strcmp(s, st_dtype_names[k]) == 0) {
            *dt = (tgdp_dtype)k;
            return 1;
        }
    return 0;
}

static void fmt_shape(char *buf, size_t cap, int ndim, const int64_t *shape)
{
    size_t k = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (k < cap) snprintf(buf + k, cap - k, "]");
}

/* ================================================================ JSON values */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
    jtype type;
    int is_int;         /* J_NUM: an integer literal that fits int64 */
    int64_t i;          /* J_NUM when is_int, J_BOOL */
    double d;           /* J_NUM */
    char *s;            /* J_STR: decoded UTF-8, NUL-terminated */
    struct jval *items; /* J_ARR elements / J_OBJ values */
    char **keys;        /* J_OBJ keys */
    size_t n, cap;
} jval;

static void jfree(jval *v)
{
    free(v->s);
    for (size_t k = 0; k < v->n; k++) {
        jfree(&v->items[k]);
        if (v->keys) free(v->keys[k]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

static const jval *jget(const jval *obj, const char *key)
{
    for (size_t k = 0; k < obj->n; k++)
        if (strcmp(obj->keys[k], key) == 0) return &obj->items[k];
    return NULL;
}

/* ================================================================ JSON parser */

typedef struct jparser {
    const char *s;
    size_t n, i;
    int depth;
    const char *msg; /* first error */
} jparser;

static int jerr(jparser *p, const char *msg)
{
    if (!p->msg) p->msg = msg;
    return -1;
}

static void jws(jparser *p)
{
    while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i]) p->i++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Four hex digits at s[*i] (before limit) -> *out. */
static int hex4(const char *s, size_t *i, size_t limit, unsigned *out)
{
    if (limit - *i < 4) return 0;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(s[*i + (size_t)k]);
        if (h < 0) return 0;
        v = v << 4 | (unsigned)h;
    }
    *i += 4;
    *out = v;
    return 1;
}

static size_t utf8_put(char *w, unsigned cp)
{
    if (cp < 0x80) { w[0] = (char)cp; return 1; }
    if (cp < 0x800) { w[0] = (char)(0xC0 | cp >> 6); w[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        w[0] = (char)(0xE0 | cp >> 12); w[1] = (char)(0x80 | (cp >> 6 & 0x3F)); w[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    w[0] = (char)(0xF0 | cp >> 18); w[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    w[2] = (char)(0x80 | (cp >> 6 & 0x3F)); w[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A \uXXXX escape (the "\u" already consumed), combining surrogate pairs. */
static int junicode(jparser *p, size_t end, unsigned *cp)
{
    if (!hex4(p->s, &p->i, end, cp)) return jerr(p, "invalid \\u escape");
    if (*cp >= 0xDC00 && *cp <= 0xDFFF) return jerr(p, "unpaired surrogate in \\u escape");
    if (*cp >= 0xD800 && *cp <= 0xDBFF) {
        unsigned lo;
        if (end - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u') return jerr(p, "unpaired surrogate");
        p->i += 2;
        if (!hex4(p->s, &p->i, end, &lo) || lo < 0xDC00 || lo > 0xDFFF) return jerr(p, "invalid surrogate pair");
        *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (*cp == 0) return jerr(p, "NUL character in a string");
    return 0;
}

/* Decode the escapes of s[p->i .. end) into buf (which has room: decoding never grows). */
static int junescape(jparser *p, size_t end, char *buf)
{
    size_t w = 0;
    while (p->i < end) {
        unsigned char c = (unsigned char)p->s[p->i++];
        if (c < 0x20) return jerr(p, "control character in a string");
        if (c != '\\') { buf[w++] = (char)c; continue; }
        char e = p->s[p->i++];
        const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *hit = strchr(from, e);
        if (e && hit) { buf[w++] = to[hit - from]; continue; }
        unsigned cp;
        if (e != 'u') return jerr(p, "invalid escape in a string");
        if (junicode(p, end, &cp)) return -1;
        w += utf8_put(buf + w, cp);
    }
    buf[w] = '\0';
    return 0;
}

static int jstring(jparser *p, char **out)
{
    size_t j = ++p->i; /* skip the opening quote */
    while (j < p->n && p->s[j] != '"') j += p->s[j] == '\\' ? 2 : 1;
    if (j >= p->n) return jerr(p, "unterminated string");
    char *buf = malloc(j - p->i + 1);
    if (!buf) return jerr(p, "out of memory");
    if (junescape(p, j, buf)) {
        free(buf);
        return -1;
    }
    p->i = j + 1;
    *out = buf;
    return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int jnumber(jparser *p, jval *v)
{
    const char *s = p->s;
    size_t i = p->i, start = p->i;
    int integral = 1;
    if (i < p->n && s[i] == '-') i++;
    if (i >= p->n || !is_digit(s[i])) return jerr(p, "invalid number");
    if (s[i] == '0') i++;
    else while (i < p->n && is_digit(s[i])) i++;
    if (i < p->n && s[i] == '.') {
        integral = 0;
        if (++i >= p->n || !is_digit(s[i])) return jerr(p, "invalid number");
        while (i < p->n && is_digit(s[i])) i++;
    }
    if (i < p->n && (s[i] == 'e' || s[i] == 'E')) {
        integral = 0;
        if (++i < p->n && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= p->n || !is_digit(s[i])) return jerr(p, "invalid number");
        while (i < p->n && is_digit(s[i])) i++;
    }
    char tok[64];
    if (i - start >= sizeof tok) return jerr(p, "number too long");
    memcpy(tok, s + start, i - start);
    tok[i - start] = '\0';
    v->type = J_NUM;
    v->d = strtod(tok, NULL);
    if (integral) {
        errno = 0;
        long long x = strtoll(tok, NULL, 10);
        v->is_int = errno != ERANGE;
        v->i = x;
    }
    p->i = i;
    return 0;
}

static int jvalue(jparser *p, jval *v);

/* Append a zeroed slot to an array/object; returns its index or -1. */
static int jgrow(jparser *p, jval *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4, b1, b2;
        if (!tgdp_mul_size(cap, sizeof(jval), &b1) || !tgdp_mul_size(cap, sizeof(char *), &b2))
            return jerr(p, "out of memory");
        jval *items = realloc(v->items, b1);
        if (!items) return jerr(p, "out of memory");
        v->items = items;
        if (v->type == J_OBJ) {
            char **keys = realloc(v->keys, b2);
            if (!keys) return jerr(p, "out of memory");
            v->keys = keys;
        }
        v->cap = cap;
    }
    memset(&v->items[v->n], 0, sizeof(jval));
    if (v->type == J_OBJ) v->keys[v->n] = NULL;
    v->n++;
    return 0;
}

/* Shared loop of arrays and objects: open/close brackets, commas, one member per step. */
static int jcontainer(jparser *p, jval *v, jtype type, char close)
{
    v->type = type;
    if (++p->depth > JSON_MAX_DEPTH) return jerr(p, "nesting too deep");
    p->i++;
    jws(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        p->depth--;
        return 0;
    }
    for (;;) {
        if (jgrow(p, v)) return -1;
        if (type == J_OBJ) {
            jws(p);
            if (p->i >= p->n || p->s[p->i] != '"') return jerr(p, "expected a string key");
            if (jstring(p, &v->keys[v->n - 1])) return -1;
            jws(p);
            if (p->i >= p->n || p->s[p->i] != ':') return jerr(p, "expected ':'");
            p->i++;
        }
        if (jvalue(p, &v->items[v->n - 1])) return -1;
        jws(p);
        if (p->i < p->n && p->s[p->i] == ',') { p->i++; continue; }
        if (p->i < p->n && p->s[p->i] == close) break;
        return jerr(p, type == J_OBJ ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    p->i++;
    p->depth--;
    return 0;
}

static int jliteral(jparser *p, jval *v, const char *word, jtype type, int64_t value)
{
    size_t len = strlen(word);
    if (p->n - p->i < len || memcmp(p->s + p->i, word, len) != 0) return jerr(p, "unexpected character");
    p->i += len;
    v->type = type;
    v->i = value;
    return 0;
}

static int jvalue(jparser *p, jval *v)
{
    jws(p);
    if (p->i >= p->n) return jerr(p, "unexpected end of header");
    switch (p->s[p->i]) {
    case '{': return jcontainer(p, v, J_OBJ, '}');
    case '[': return jcontainer(p, v, J_ARR, ']');
    case '"': v->type = J_STR; return jstring(p, &v->s);
    case 't': return jliteral(p, v, "true", J_BOOL, 1);
    case 'f': return jliteral(p, v, "false", J_BOOL, 0);
    case 'n': return jliteral(p, v, "null", J_NULL, 0);
    default: return jnumber(p, v);
    }
}

/* Parse a whole header; on failure the message names the file and the byte offset. */
static int json_parse(const char *s, size_t n, jval *root, const char *path, tgdp_error *err)
{
    jparser p = {s, n, 0, 0, NULL};
    memset(root, 0, sizeof *root);
    if (jvalue(&p, root) == 0) {
        jws(&p);
        if (p.i != p.n) jerr(&p, "unexpected characters after the JSON value");
    }
    if (!p.msg) return TGDP_OK;
    jfree(root);
    return tgdp_fail(err, strcmp(p.msg, "out of memory") ? TGDP_EFORMAT : TGDP_ENOMEM,
                     "%s: invalid JSON header at byte %zu: %s", path, p.i, p.msg);
}

/* ================================================================ writer */

void tgdp_st_writer_init(tgdp_st_writer *w) { memset(w, 0, sizeof *w); }

void tgdp_st_writer_free(tgdp_st_writer *w)
{
    for (size_t k = 0; k < w->n_entries; k++) free(w->entries[k].name);
    for (size_t k = 0; k < w->n_meta; k++) {
        free(w->meta_keys[k]);
        free(w->meta_values[k]);
    }
    free(w->entries);
    free(w->meta_keys);
    free(w->meta_values);
    memset(w, 0, sizeof *w);
}

/* Make room in arr (n used, *cap allocated, elements of es bytes) for one more element.
 * Returns the (possibly moved) array, or NULL on failure (arr is then still valid). */
static void *grow(void *arr, size_t *cap, size_t n, size_t es)
{
    if (n < *cap) return arr;
    size_t c = *cap ? *cap * 2 : 8, bytes;
    if (!tgdp_mul_size(c, es, &bytes)) return NULL;
    void *p = realloc(arr, bytes);
    if (p) *cap = c;
    return p;
}

int tgdp_st_writer_add(tgdp_st_writer *w, const char *name, tgdp_dtype dt, const void *data, int ndim,
                       const int64_t *shape, tgdp_error *err)
{
    if (!name || !utf8_ok(name)) return tgdp_fail(err, TGDP_EINVAL, "safetensors: tensor name is NULL or not UTF-8");
    if (strcmp(name, "__metadata__") == 0)
        return tgdp_fail(err, TGDP_EINVAL, "safetensors: '__metadata__' is reserved and cannot name a tensor");
    size_t isz = tgdp_dtype_size(dt), nbytes;
    if (!isz) return tgdp_fail(err, TGDP_EINVAL, "safetensors: tensor '%s' has an invalid dtype %d", name, (int)dt);
    for (size_t k = 0; k < w->n_entries; k++)
        if (strcmp(w->entries[k].name, name) == 0)
            return tgdp_fail(err, TGDP_EINVAL, "safetensors: duplicate tensor name '%s'", name);
    int rc = tgdp_shape_check(ndim, shape, isz, NULL, &nbytes, name, err);
    if (rc) return rc;
    if (nbytes && !data) return tgdp_fail(err, TGDP_EINVAL, "safetensors: tensor '%s' has NULL data", name);
    tgdp_st_entry *grown = grow(w->entries, &w->cap_entries, w->n_entries, sizeof *w->entries);
    if (!grown) return tgdp_fail(err, TGDP_ENOMEM, "safetensors: out of memory");
    w->entries = grown;
    tgdp_st_entry *e = &w->entries[w->n_entries];
    memset(e, 0, sizeof *e);
    if (!(e->name = strdup(name))) return tgdp_fail(err, TGDP_ENOMEM, "safetensors: out of memory");
    e->dtype = dt;
    e->data = data;
    e->ndim = ndim;
    for (int i = 0; i < ndim; i++) e->shape[i] = shape[i];
    e->nbytes = nbytes;
    w->n_entries++;
    return TGDP_OK;
}

int tgdp_st_writer_add_f32(tgdp_st_writer *w, const char *name, const float *data, int ndim,
                           const int64_t *shape, tgdp_error *err)
{
    return tgdp_st_writer_add(w, name, TGDP_DT_F32, data, ndim, shape, err);
}

int tgdp_st_writer_meta(tgdp_st_writer *w, const char *key, const char *value, tgdp_error *err)
{
    if (!key || !value || !utf8_ok(key) || !utf8_ok(value))
        return tgdp_fail(err, TGDP_EINVAL, "safetensors: metadata key/value is NULL or not UTF-8");
    char *v = strdup(value);
    if (!v) return tgdp_fail(err, TGDP_ENOMEM, "safetensors: out of memory");
    for (size_t k = 0; k < w->n_meta; k++)
        if (strcmp(w->meta_keys[k], key) == 0) {
            free(w->meta_values[k]);
            w->meta_values[k] = v;
            return TGDP_OK;
        }
    size_t cap_keys = w->cap_meta;
    char *kc = strdup(key), **keys = grow(w->meta_keys, &cap_keys, w->n_meta, sizeof(char *));
    if (keys) w->meta_keys = keys;
    char **values = keys ? grow(w->meta_values, &w->cap_meta, w->n_meta, sizeof(char *)) : NULL;
    if (values) w->meta_values = values;
    if (!kc || !values) {
        free(kc);
        free(v);
        return tgdp_fail(err, TGDP_ENOMEM, "safetensors: out of memory");
    }
    w->meta_keys[w->n_meta] = kc;
    w->meta_values[w->n_meta] = v;
    w->n_meta++;
    return TGDP_OK;
}

int tgdp_st_writer_metaf(tgdp_st_writer *w, const char *key, tgdp_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) return tgdp_fail(err, TGDP_EINVAL, "safetensors: bad metadata format for '%s'", key ? key : "?");
    char *buf = malloc((size_t)len + 1);
    if (!buf) return tgdp_fail(err, TGDP_ENOMEM, "safetensors: out of memory");
    va_start(ap, fmt);
    vsnprintf(buf, (size_t)len + 1, fmt, ap);
    va_end(ap);
    int rc = tgdp_st_writer_meta(w, key, buf, err);
    free(buf);
    return rc;
}

/* ---- header text */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1 && cap < SIZE_MAX / 2) cap *= 2;
        char *p = cap >= b->n + n + 1 ? realloc(b->s, cap) : NULL;
        if (!p) { b->oom = 1; return; }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

static void sb_json_string(sbuf *b, const char *s)
{
    sb_putn(b, "\"", 1);
    for (; *s; s++) {
        static const char special[] = "\"\\\b\f\n\r\t", letter[] = "\"\\bfnrt";
        unsigned char c = (unsigned char)*s;
        const char *hit = strchr(special, c);
        char esc[8];
        if (hit) {
            esc[0] = '\\';
            esc[1] = letter[hit - special];
            sb_putn(b, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            sb_putn(b, esc, 6);
        } else {
            sb_putn(b, s, 1);
        }
    }
    sb_putn(b, "\"", 1);
}

static void sb_entry(sbuf *b, const tgdp_st_entry *e, size_t begin)
{
    char num[64];
    sb_json_string(b, e->name);
    sb_puts(b, ":{\"dtype\":\"");
    sb_puts(b, st_dtype_names[e->dtype]);
    sb_puts(b, "\",\"shape\":[");
    for (int i = 0; i < e->ndim; i++) {
        snprintf(num, sizeof num, "%s%lld", i ? "," : "", (long long)e->shape[i]);
        sb_puts(b, num);
    }
    snprintf(num, sizeof num, "],\"data_offsets\":[%zu,%zu]}", begin, begin + e->nbytes);
    sb_puts(b, num);
}

/* Writer order: larger elements first (keeps every tensor aligned), then by name. */
static int cmp_entries(const void *a, const void *b)
{
    const tgdp_st_entry *x = *(const tgdp_st_entry *const *)a, *y = *(const tgdp_st_entry *const *)b;
    size_t sx = tgdp_dtype_size(x->dtype), sy = tgdp_dtype_size(y->dtype);
    if (sx != sy) return sx > sy ? -1 : 1;
    return strcmp(x->name, y->name);
}

typedef struct kv {
    const char *key, *value;
} kv;

static int cmp_kv(const void *a, const void *b) { return strcmp(((const kv *)a)->key, ((const kv *)b)->key); }

static int build_header(const tgdp_st_writer *w, const tgdp_st_entry *const *order, sbuf *b, size_t *data_size)
{
    kv *meta = malloc((w->n_meta ? w->n_meta : 1) * sizeof *meta);
    if (!meta) return TGDP_ENOMEM;
    for (size_t k = 0; k < w->n_meta; k++) meta[k] = (kv){w->meta_keys[k], w->meta_values[k]};
    qsort(meta, w->n_meta, sizeof *meta, cmp_kv);
    sb_puts(b, "{");
    if (w->n_meta) {
        sb_puts(b, "\"__metadata__\":{");
        for (size_t k = 0; k < w->n_meta; k++) {
            if (k) sb_puts(b, ",");
            sb_json_string(b, meta[k].key);
            sb_puts(b, ":");
            sb_json_string(b, meta[k].value);
        }
        sb_puts(b, w->n_entries ? "}," : "}");
    }
    free(meta);
    size_t off = 0;
    for (size_t k = 0; k < w->n_entries; k++) {
        if (k) sb_puts(b, ",");
        sb_entry(b, order[k], off);
        off += order[k]->nbytes;
    }
    sb_puts(b, "}");
    while (b->n % 8) sb_puts(b, " ");
    *data_size = off;
    return b->oom ? TGDP_ENOMEM : TGDP_OK;
}

static int write_file(const char *path, const tgdp_st_writer *w, const tgdp_st_entry *const *order, const sbuf *hdr,
                      tgdp_error *err)
{
    unsigned char len8[8];
    for (int k = 0; k < 8; k++) len8[k] = (unsigned char)((uint64_t)hdr->n >> (8 * k));
    tgdp_atomic_file af;
    int rc = tgdp_atomic_open(&af, path, err);
    if (rc) return rc;
    int ok = fwrite(len8, 1, 8, af.f) == 8 && fwrite(hdr->s, 1, hdr->n, af.f) == hdr->n;
    for (size_t k = 0; ok && k < w->n_entries; k++) {
        const tgdp_st_entry *e = order[k];
        ok = !e->nbytes || fwrite(e->data, 1, e->nbytes, af.f) == e->nbytes;
    }
    if (!ok) {
        int e = errno;
        tgdp_atomic_abort(&af);
        return tgdp_fail(err, TGDP_EIO, "%s: write failed: %s", path, strerror(e));
    }
    return tgdp_atomic_commit(&af, err);
}

int tgdp_safetensors_write(const char *path, const tgdp_st_writer *w, tgdp_error *err)
{
    const tgdp_st_entry **order = malloc((w->n_entries ? w->n_entries : 1) * sizeof *order);
    for (size_t k = 0; order && k < w->n_entries; k++) order[k] = &w->entries[k];
    if (order) qsort(order, w->n_entries, sizeof *order, cmp_entries);
    size_t data_size = 0;
    sbuf hdr = {0};
    int rc = order ? build_header(w, order, &hdr, &data_size) : TGDP_ENOMEM;
    if (rc) rc = tgdp_fail(err, rc, "%s: out of memory while building the header", path);
    else if (hdr.n >= ST_MAX_HEADER)
        rc = tgdp_fail(err, TGDP_EINVAL, "%s: header of %zu bytes exceeds the %u-byte limit", path, hdr.n, ST_MAX_HEADER);
    else rc = write_file(path, w, order, &hdr, err);
    free(hdr.s);
    free(order);
    return rc;
}

/* ================================================================ reader */

void tgdp_st_file_free(tgdp_st_file *f)
{
    if (!f) return;
    for (size_t k = 0; k < f->n_tensors; k++) free(f->tensors[k].name);
    for (size_t k = 0; k < f->n_meta; k++) {
        free(f->meta_keys[k]);
        free(f->meta_values[k]);
    }
    free(f->tensors);
    free(f->meta_keys);
    free(f->meta_values);
    free(f->data);
    free(f->path);
    memset(f, 0, sizeof *f);
}

/* A non-negative integer JSON value. */
static int json_uint(const jval *v, int64_t *out)
{
    if (!v || v->type != J_NUM || !v->is_int || v->i < 0) return 0;
    *out = v->i;
    return 1;
}

static int parse_metadata(tgdp_st_file *f, const jval *m, const char *path, tgdp_error *err)
{
    if (m->type == J_NULL) return TGDP_OK;
    if (m->type != J_OBJ) return tgdp_fail(err, TGDP_EFORMAT, "%s: \"__metadata__\" is not an object", path);
    f->meta_keys = calloc(m->n ? m->n : 1, sizeof(char *));
    f->meta_values = calloc(m->n ? m->n : 1, sizeof(char *));
    if (!f->meta_keys || !f->meta_values) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    for (size_t k = 0; k < m->n; k++) {
        if (m->items[k].type != J_STR)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: metadata value for '%s' is not a string", path, m->keys[k]);
        f->meta_keys[k] = strdup(m->keys[k]);
        f->meta_values[k] = strdup(m->items[k].s);
        f->n_meta = k + 1;
        if (!f->meta_keys[k] || !f->meta_values[k]) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    }
    return TGDP_OK;
}

static int parse_shape(const jval *sh, tgdp_st_tensor *t, const char *path, tgdp_error *err)
{
    if (!sh || sh->type != J_ARR)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: tensor '%s' has no \"shape\" array", path, t->name);
    if (sh->n > TGDP_MAX_DIMS)
        return tgdp_fail(err, TGDP_EUNSUPPORTED, "%s: tensor '%s' has %zu dimensions (at most %d)", path, t->name,
                         sh->n, TGDP_MAX_DIMS);
    t->ndim = (int)sh->n;
    for (size_t d = 0; d < sh->n; d++)
        if (!json_uint(&sh->items[d], &t->shape[d]))
            return tgdp_fail(err, TGDP_EFORMAT, "%s: tensor '%s': shape entry %zu is not a non-negative integer", path,
                             t->name, d);
    return TGDP_OK;
}

/* One tensor entry: dtype, shape, data_offsets, checked against the data section size. */
static int parse_entry(const jval *v, tgdp_st_tensor *t, size_t data_size, const char *path, tgdp_error *err)
{
    if (v->type != J_OBJ) return tgdp_fail(err, TGDP_EFORMAT, "%s: entry '%s' is not an object", path, t->name);
    const jval *dt = jget(v, "dtype"), *off = jget(v, "data_offsets");
    if (!dt || dt->type != J_STR)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: tensor '%s' has no \"dtype\" string", path, t->name);
    if (!st_dtype_from_name(dt->s, &t->dtype))
        return tgdp_fail(err, TGDP_EUNSUPPORTED, "%s: tensor '%s' has dtype %s, which is not supported (F32 F64 I32 "
                         "I64 U8 I8)", path, t->name, dt->s);
    int rc = parse_shape(jget(v, "shape"), t, path, err);
    if (rc) return rc;
    int64_t b, e;
    if (!off || off->type != J_ARR || off->n != 2 || !json_uint(&off->items[0], &b) || !json_uint(&off->items[1], &e))
        return tgdp_fail(err, TGDP_EFORMAT, "%s: tensor '%s' needs \"data_offsets\": [begin, end]", path, t->name);
    if (b > e || (uint64_t)e > data_size)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: tensor '%s' data_offsets [%lld, %lld] are out of range (%zu data bytes)",
                         path, t->name, (long long)b, (long long)e, data_size);
    char what[320];
    snprintf(what, sizeof what, "%s: tensor '%s'", path, t->name);
    size_t nbytes;
    if ((rc = tgdp_shape_check(t->ndim, t->shape, tgdp_dtype_size(t->dtype), NULL, &nbytes, what, err))) return rc;
    if (nbytes != (size_t)(e - b)) {
        char sh[200];
        fmt_shape(sh, sizeof sh, t->ndim, t->shape);
        return tgdp_fail(err, TGDP_EFORMAT, "%s: tensor '%s' (%s %s = %zu bytes) has data_offsets [%lld, %lld] of %lld bytes",
                         path, t->name, dt->s, sh, nbytes, (long long)b, (long long)e, (long long)(e - b));
    }
    t->offset = (size_t)b;
    t->nbytes = nbytes;
    return TGDP_OK;
}

static int cmp_offsets(const void *a, const void *b)
{
    const tgdp_st_tensor *x = a, *y = b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    return x->nbytes < y->nbytes ? -1 : x->nbytes > y->nbytes;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Duplicated string among n (NULL if none); *oom set when the scratch copy cannot be made. */
static const char *find_duplicate(char **strs, size_t n, int *oom)
{
    const char *dup = NULL;
    char **tmp = malloc((n ? n : 1) * sizeof *tmp);
    *oom = !tmp;
    if (!tmp) return NULL;
    if (n) memcpy(tmp, strs, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, cmp_names);
    for (size_t k = 1; k < n && !dup; k++)
        if (strcmp(tmp[k - 1], tmp[k]) == 0) dup = tmp[k];
    free(tmp);
    return dup;
}

/* Sorted by offset, the tensors must tile [0, data_size) exactly. */
static int check_coverage(tgdp_st_file *f, size_t data_size, const char *path, tgdp_error *err)
{
    qsort(f->tensors, f->n_tensors, sizeof *f->tensors, cmp_offsets);
    size_t pos = 0;
    for (size_t k = 0; k < f->n_tensors; k++) {
        const tgdp_st_tensor *t = &f->tensors[k];
        if (t->offset < pos)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: tensor '%s' data_offsets [%zu, %zu] overlap tensor '%s'", path,
                             t->name, t->offset, t->offset + t->nbytes, f->tensors[k - 1].name);
        if (t->offset > pos)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: %zu bytes of data before tensor '%s' belong to no tensor", path,
                             t->offset - pos, t->name);
        pos = t->offset + t->nbytes;
    }
    if (pos != data_size)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: %zu trailing bytes after the last tensor belong to no tensor", path,
                         data_size - pos);
    return TGDP_OK;
}

static int st_from_json(tgdp_st_file *f, const jval *root, size_t data_size, const char *path, tgdp_error *err)
{
    if (root->type != J_OBJ) return tgdp_fail(err, TGDP_EFORMAT, "%s: header is not a JSON object", path);
    const jval *meta = jget(root, "__metadata__");
    int rc = meta ? parse_metadata(f, meta, path, err) : TGDP_OK;
    if (rc) return rc;
    f->tensors = calloc(root->n ? root->n : 1, sizeof *f->tensors);
    if (!f->tensors) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    for (size_t k = 0; k < root->n && rc == TGDP_OK; k++) {
        if (strcmp(root->keys[k], "__metadata__") == 0) continue;
        tgdp_st_tensor *t = &f->tensors[f->n_tensors];
        if (!(t->name = strdup(root->keys[k]))) rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
        else {
            f->n_tensors++;
            rc = parse_entry(&root->items[k], t, data_size, path, err);
        }
    }
    int oom = 0;
    if (rc) return rc;
    const char *dup = find_duplicate(root->keys, root->n, &oom);
    if (oom) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    if (dup) return tgdp_fail(err, TGDP_EFORMAT, "%s: duplicate key '%s' in the header", path, dup);
    if (f->n_meta && (dup = find_duplicate(f->meta_keys, f->n_meta, &oom)))
        return tgdp_fail(err, TGDP_EFORMAT, "%s: duplicate metadata key '%s'", path, dup);
    if (oom) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    return check_coverage(f, data_size, path, err);
}

/* Read and parse the header at the start of f (file size fsize). */
static int read_header(FILE *fp, uint64_t fsize, tgdp_st_file *f, const char *path, tgdp_error *err)
{
    unsigned char len8[8];
    if (fsize < 8 || fread(len8, 1, 8, fp) != 8)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: file too short for a safetensors header (%llu bytes)", path,
                         (unsigned long long)fsize);
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--) n = n << 8 | len8[k];
    if (n >= ST_MAX_HEADER)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: header length %llu exceeds the %u-byte limit", path,
                         (unsigned long long)n, ST_MAX_HEADER);
    if (n > fsize - 8)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: header length %llu is larger than the %llu bytes after it", path,
                         (unsigned long long)n, (unsigned long long)(fsize - 8));
    if (n < 2) return tgdp_fail(err, TGDP_EFORMAT, "%s: header length %llu is too small", path, (unsigned long long)n);
    char *hdr = malloc((size_t)n + 1);
    if (!hdr) return tgdp_fail(err, TGDP_ENOMEM, "%s: cannot allocate the header", path);
    int rc = TGDP_OK;
    size_t bad;
    jval root;
    memset(&root, 0, sizeof root);
    if (fread(hdr, 1, (size_t)n, fp) != (size_t)n) rc = tgdp_fail(err, TGDP_EIO, "%s: read error in the header", path);
    else if ((bad = utf8_invalid_at((const unsigned char *)hdr, (size_t)n)) != (size_t)n)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: header is not valid UTF-8 (byte %zu)", path, bad);
    else if (hdr[0] != '{') rc = tgdp_fail(err, TGDP_EFORMAT, "%s: header does not start with '{'", path);
    else if ((rc = json_parse(hdr, (size_t)n, &root, path, err)) == TGDP_OK)
        rc = st_from_json(f, &root, (size_t)(fsize - 8 - n), path, err);
    jfree(&root);
    free(hdr);
    f->data_size = (size_t)(fsize - 8 - n);
    return rc;
}

static int read_open(FILE *fp, const char *path, tgdp_st_file *out, tgdp_error *err)
{
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode))
        return tgdp_fail(err, TGDP_EIO, "%s: not a regular file", path);
    int rc = read_header(fp, (uint64_t)st.st_size, out, path, err);
    if (rc) return rc;
    if (!(out->path = strdup(path)) || !(out->data = malloc(out->data_size ? out->data_size : 1)))
        return tgdp_fail(err, TGDP_ENOMEM, "%s: cannot allocate %zu bytes of data", path, out->data_size);
    if (out->data_size && fread(out->data, 1, out->data_size, fp) != out->data_size)
        return tgdp_fail(err, TGDP_EIO, "%s: read error in the data", path);
    for (size_t k = 0; k < out->n_tensors; k++) out->tensors[k].data = out->data + out->tensors[k].offset;
    return TGDP_OK;
}

int tgdp_safetensors_read(const char *path, tgdp_st_file *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (!fp) return tgdp_fail(err, TGDP_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc = read_open(fp, path, out, err);
    fclose(fp);
    if (rc) tgdp_st_file_free(out);
    return rc;
}

const tgdp_st_tensor *tgdp_st_get(const tgdp_st_file *f, const char *name)
{
    for (size_t k = 0; k < f->n_tensors; k++)
        if (strcmp(f->tensors[k].name, name) == 0) return &f->tensors[k];
    return NULL;
}

const char *tgdp_st_meta(const tgdp_st_file *f, const char *key)
{
    for (size_t k = 0; k < f->n_meta; k++)
        if (strcmp(f->meta_keys[k], key) == 0) return f->meta_values[k];
    return NULL;
}

static const tgdp_st_tensor *get_or_fail(const tgdp_st_file *f, const char *name, tgdp_error *err)
{
    const tgdp_st_tensor *t = tgdp_st_get(f, name);
    if (!t) tgdp_fail(err, TGDP_EINVAL, "%s: no tensor named '%s'", f->path ? f->path : "safetensors", name);
    return t;
}

static size_t tensor_numel(const tgdp_st_tensor *t)
{
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= (size_t)t->shape[i];
    return n;
}

int tgdp_st_read_f32(const tgdp_st_file *f, const char *name, tgdp_tensor *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    const tgdp_st_tensor *t = get_or_fail(f, name, err);
    if (!t) return TGDP_EINVAL;
    int rc = tgdp_tensor_alloc(out, t->ndim, t->shape, err);
    if (rc) return rc;
    char what[320];
    snprintf(what, sizeof what, "%s: tensor '%s'", f->path, name);
    if ((rc = tgdp_convert_f32(t->dtype, t->data, tensor_numel(t), out->data, what, err))) tgdp_tensor_free(out);
    return rc;
}

int tgdp_st_read_array(const tgdp_st_file *f, const char *name, tgdp_array *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    const tgdp_st_tensor *t = get_or_fail(f, name, err);
    if (!t) return TGDP_EINVAL;
    int rc = tgdp_array_alloc(out, t->dtype, t->ndim, t->shape, err);
    if (rc == TGDP_OK && t->nbytes) memcpy(out->data, t->data, t->nbytes);
    return rc;
}

int tgdp_st_load_f32(const tgdp_st_file *f, const char *name, int ndim, const int64_t *shape, float *dst,
                     tgdp_error *err)
{
    const tgdp_st_tensor *t = get_or_fail(f, name, err);
    if (!t) return TGDP_EINVAL;
    int same = t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = t->shape[i] == shape[i];
    if (!same) {
        char have[200], want[200];
        fmt_shape(have, sizeof have, t->ndim, t->shape);
        fmt_shape(want, sizeof want, ndim, shape);
        return tgdp_fail(err, TGDP_EINVAL, "%s: tensor '%s' has shape %s, expected %s", f->path, name, have, want);
    }
    char what[320];
    snprintf(what, sizeof what, "%s: tensor '%s'", f->path, name);
    return tgdp_convert_f32(t->dtype, t->data, tensor_numel(t), dst, what, err);
}

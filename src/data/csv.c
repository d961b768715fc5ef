/* Numeric CSV tables <-> float32 tensors [rows, cols]: comma separator, LF/CRLF, optional
 * header row (auto-detected or forced), optional double quotes, errors with line and column. */
#include "tgdp/io.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- small growable buffers */

typedef struct fbuf {
    float *v;
    size_t n, cap;
} fbuf;

static int fbuf_push(fbuf *b, float x)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024, bytes;
        if (!tgdp_mul_size(cap, sizeof(float), &bytes)) return 0;
        float *v = realloc(b->v, bytes);
        if (!v) return 0;
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = x;
    return 1;
}

typedef struct fields {
    char **f;
    size_t n, cap;
} fields;

static int fields_push(fields *fl, char *s)
{
    if (fl->n == fl->cap) {
        size_t cap = fl->cap ? fl->cap * 2 : 16, bytes;
        if (!tgdp_mul_size(cap, sizeof(char *), &bytes)) return 0;
        char **f = realloc(fl->f, bytes);
        if (!f) return 0;
        fl->f = f;
        fl->cap = cap;
    }
    fl->f[fl->n++] = s;
    return 1;
}

/* ---------------------------------------------------------------- reading */

static int read_all(const char *path, char **buf, size_t *len, tgdp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return tgdp_fail(err, TGDP_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int rc = TGDP_OK;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) rc = tgdp_fail(err, TGDP_EIO, "%s: not a regular file", path);
    else if ((uint64_t)st.st_size >= SIZE_MAX) rc = tgdp_fail(err, TGDP_ENOMEM, "%s: file too large", path);
    else if (!(*buf = malloc((size_t)st.st_size + 1)))
        rc = tgdp_fail(err, TGDP_ENOMEM, "%s: cannot allocate %lld bytes", path, (long long)st.st_size);
    else if (fread(*buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        rc = tgdp_fail(err, TGDP_EIO, "%s: read error", path);
        free(*buf);
    } else {
        *len = (size_t)st.st_size;
        (*buf)[*len] = '\0';
    }
    fclose(f);
    if (rc) *buf = NULL;
    return rc;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Split the line [p, end) into fields in place: quotes removed, "" unescaped, surrounding
 * blanks trimmed, each field NUL-terminated. */
static int split_line(char *p, char *end, fields *fl, const char *path, long line, tgdp_error *err)
{
    fl->n = 0;
    for (;;) {
        while (p < end && is_blank(*p)) p++;
        char *start = p, *w = p;
        size_t col = fl->n + 1;
        if (p < end && *p == '"') {
            for (p++;; p++) {
                if (p >= end)
                    return tgdp_fail(err, TGDP_EFORMAT, "%s line %ld column %zu: unterminated quoted field", path, line,
                                     col);
                if (*p == '"' && (p + 1 >= end || p[1] != '"')) break;
                if (*p == '"') p++;
                *w++ = *p;
            }
            for (p++; p < end && is_blank(*p); p++) {}
            if (p < end && *p != ',')
                return tgdp_fail(err, TGDP_EFORMAT, "%s line %ld column %zu: text after a closing quote", path, line,
                                 col);
        } else {
            for (; p < end && *p != ','; p++) {
                if (*p == '"')
                    return tgdp_fail(err, TGDP_EFORMAT, "%s line %ld column %zu: quote inside an unquoted field", path,
                                     line, col);
                *w++ = *p;
            }
            while (w > start && is_blank(w[-1])) w--;
        }
        int more = p < end; /* *p == ',' */
        *w = '\0';
        if (!fields_push(fl, start)) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
        if (!more) return TGDP_OK;
        p++;
    }
}

enum { NUM_OK = 0, NUM_TEXT = 1, NUM_RANGE = 2 };

/* Parse one field as a float32 (strtod, C locale; hexadecimal is rejected like Python's float). */
static int parse_number(const char *s, float *out)
{
    if (!*s || strpbrk(s, "xX")) return NUM_TEXT;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (is_blank(*end)) end++;
    if (end == s || *end) return NUM_TEXT;
    if ((errno == ERANGE && fabs(v) > 1) || (isfinite(v) && fabs(v) >= 0x1.ffffffp127)) return NUM_RANGE;
    *out = (float)v;
    return NUM_OK;
}

static void shorten(const char *s, char *buf, size_t cap)
{
    size_t n = strlen(s);
    if (n < cap) memcpy(buf, s, n + 1);
    else snprintf(buf, cap, "%.*s...", (int)(cap - 4), s);
}

typedef struct csv_state {
    const char *path;
    const tgdp_csv_options *opt;
    size_t cols;    /* 0 until the first row */
    long first_line; /* line of the first row */
    int has_header;
    size_t rows;
    fbuf vals;
    tgdp_csv_header *names;
} csv_state;

static int is_header_row(const csv_state *st, const fields *fl)
{
    if (st->opt->header == TGDP_CSV_HEADER_YES) return 1;
    if (st->opt->header == TGDP_CSV_HEADER_NO) return 0;
    float tmp;
    for (size_t i = 0; i < fl->n; i++)
        if (parse_number(fl->f[i], &tmp) != NUM_TEXT) return 0;
    return 1;
}

static int store_header(csv_state *st, const fields *fl, tgdp_error *err)
{
    st->has_header = 1;
    if (!st->names) return TGDP_OK;
    if (fl->n > (size_t)INT32_MAX) return tgdp_fail(err, TGDP_EFORMAT, "%s: too many columns", st->path);
    st->names->names = calloc(fl->n, sizeof(char *));
    if (!st->names->names) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", st->path);
    st->names->n = (int)fl->n;
    for (size_t i = 0; i < fl->n; i++)
        if (!(st->names->names[i] = strdup(fl->f[i]))) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", st->path);
    return TGDP_OK;
}

static int store_row(csv_state *st, const fields *fl, long line, tgdp_error *err)
{
    if (fl->n != st->cols)
        return tgdp_fail(err, TGDP_EFORMAT, "%s line %ld: %zu fields, expected %zu", st->path, line, fl->n, st->cols);
    for (size_t i = 0; i < fl->n; i++) {
        float v = 0;
        int r = parse_number(fl->f[i], &v);
        char shown[64];
        shorten(fl->f[i], shown, sizeof shown);
        if (r == NUM_TEXT && !*fl->f[i])
            return tgdp_fail(err, TGDP_EFORMAT, "%s line %ld column %zu: empty field", st->path, line, i + 1);
        if (r == NUM_TEXT)
            return tgdp_fail(err, TGDP_EFORMAT, "%s line %ld column %zu: '%s' is not a number%s", st->path, line, i + 1,
                             shown,
                             line == st->first_line && st->opt->header == TGDP_CSV_HEADER_AUTO
                                 ? " (the first row mixes numbers and text, so it is not taken as a header)"
                                 : "");
        if (r == NUM_RANGE)
            return tgdp_fail(err, TGDP_EFORMAT, "%s line %ld column %zu: '%s' is outside the float32 range", st->path,
                             line, i + 1, shown);
        if (st->opt->require_finite && !isfinite(v))
            return tgdp_fail(err, TGDP_ENONFINITE, "%s line %ld column %zu: non-finite value '%s'", st->path, line,
                             i + 1, shown);
        if (!fbuf_push(&st->vals, v)) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", st->path);
    }
    st->rows++;
    return TGDP_OK;
}

static int process_row(csv_state *st, const fields *fl, long line, tgdp_error *err)
{
    if (st->cols == 0) {
        st->cols = fl->n;
        st->first_line = line;
        if (is_header_row(st, fl)) return store_header(st, fl, err);
    }
    return store_row(st, fl, line, err);
}

static int parse_buffer(csv_state *st, char *buf, size_t len, tgdp_error *err)
{
    char *p = buf, *end = buf + len;
    fields fl = {0};
    int rc = TGDP_OK;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* UTF-8 byte order mark */
    for (long line = 1; p < end && rc == TGDP_OK; line++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end, *next = nl ? nl + 1 : end;
        if (le > p && le[-1] == '\r') le--;
        char *q = p;
        while (q < le && is_blank(*q)) q++;
        if (q < le && (rc = split_line(p, le, &fl, st->path, line, err)) == TGDP_OK) rc = process_row(st, &fl, line, err);
        p = next;
    }
    free(fl.f);
    if (rc == TGDP_OK && st->cols == 0) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: empty file (no rows)", st->path);
    if (rc == TGDP_OK && st->rows == 0) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: no data rows after the header", st->path);
    return rc;
}

void tgdp_csv_header_free(tgdp_csv_header *h)
{
    if (!h) return;
    for (int i = 0; i < h->n && h->names; i++) free(h->names[i]);
    free(h->names);
    h->names = NULL;
    h->n = 0;
}

int tgdp_csv_read(const char *path, const tgdp_csv_options *opt, tgdp_tensor *out, tgdp_csv_header *names,
                  tgdp_error *err)
{
    static const tgdp_csv_options defaults = {TGDP_CSV_HEADER_AUTO, 0};
    memset(out, 0, sizeof *out);
    if (names) memset(names, 0, sizeof *names);
    char *buf = NULL;
    size_t len = 0;
    int rc = read_all(path, &buf, &len, err);
    if (rc) return rc;
    csv_state st = {path, opt ? opt : &defaults, 0, 0, 0, 0, {0}, names};
    rc = parse_buffer(&st, buf, len, err);
    free(buf);
    if (rc) {
        free(st.vals.v);
        tgdp_csv_header_free(names);
        return rc;
    }
    out->data = st.vals.v;
    out->ndim = 2;
    out->shape[0] = (int64_t)st.rows;
    out->shape[1] = (int64_t)st.cols;
    return TGDP_OK;
}

/* ---------------------------------------------------------------- writing */

static int needs_quotes(const char *s)
{
    return !*s || strpbrk(s, ",\"\r\n") || is_blank(s[0]) || is_blank(s[strlen(s) - 1]);
}

void tgdp_csv_write_field(FILE *f, const char *s)
{
    if (!needs_quotes(s)) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void write_value(FILE *f, float v)
{
    if (isnan(v)) fputs("nan", f);
    else if (isinf(v)) fputs(v > 0 ? "inf" : "-inf", f);
    else fprintf(f, "%.9g", (double)v);
}

static int write_table(FILE *f, const tgdp_tensor *t, size_t rows, size_t cols, const char *const *names)
{
    if (names) {
        for (size_t j = 0; j < cols; j++) {
            if (j) fputc(',', f);
            tgdp_csv_write_field(f, names[j]);
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < rows && !ferror(f); i++) {
        for (size_t j = 0; j < cols; j++) {
            if (j) fputc(',', f);
            write_value(f, t->data[i * cols + j]);
        }
        fputc('\n', f);
    }
    return ferror(f) ? TGDP_EIO : TGDP_OK;
}

int tgdp_csv_write(const char *path, const tgdp_tensor *t, const char *const *names, tgdp_error *err)
{
    if (t->ndim != 1 && t->ndim != 2)
        return tgdp_fail(err, TGDP_EINVAL, "%s: CSV needs a 1-D or 2-D tensor, got %d dimensions", path, t->ndim);
    size_t numel;
    int rc = tgdp_shape_check(t->ndim, t->shape, sizeof(float), &numel, NULL, path, err);
    if (rc) return rc;
    size_t rows = (size_t)t->shape[0], cols = t->ndim == 2 ? (size_t)t->shape[1] : 1;
    if (cols == 0) return tgdp_fail(err, TGDP_EINVAL, "%s: a CSV table needs at least one column", path);
    if (numel && !t->data) return tgdp_fail(err, TGDP_EINVAL, "%s: NULL tensor data", path);
    for (size_t j = 0; names && j < cols; j++) {
        if (!names[j]) return tgdp_fail(err, TGDP_EINVAL, "%s: column name %zu is NULL", path, j + 1);
        if (strpbrk(names[j], "\r\n"))
            return tgdp_fail(err, TGDP_EINVAL, "%s: column name %zu contains a line break", path, j + 1);
    }
    tgdp_atomic_file af;
    if ((rc = tgdp_atomic_open(&af, path, err))) return rc;
    if (write_table(af.f, t, rows, cols, names) != TGDP_OK) {
        int e = errno;
        tgdp_atomic_abort(&af);
        return tgdp_fail(err, TGDP_EIO, "%s: write failed: %s", path, strerror(e));
    }
    return tgdp_atomic_commit(&af, err);
}

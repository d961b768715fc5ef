/* WFDB header (.hea) parser, following the PhysioNet "header(5)" specification:
 *
 *   record line : name[/nseg] nsig [fs[/counter_freq[(base_counter)]] [nsamp [base_time [base_date]]]]
 *   signal lines: file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adc_res [adc_zero
 *                 [init_value [checksum [block_size [description...]]]]]]]
 *   '#' lines   : comments, kept verbatim (CinC "# Dx: ...", LUDB "#<age>: 51").
 *
 * Defaults from the specification: fs 250, gain 0 or absent -> 200 ADC units per unit,
 * baseline = ADC zero, units "mV". Multi-segment records are not supported. */
#include "data/ecg_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WFDB_DEFAULT_FS 250.0
#define WFDB_DEFAULT_GAIN 200.0
#define MAX_TOKENS 16

typedef struct tokens {
    int n;
    const char *start[MAX_TOKENS];
    size_t len[MAX_TOKENS];
} tokens;

/* Split line[0..len) at blanks into at most max tokens. */
static void tokenize(const char *line, size_t len, int max, tokens *t)
{
    size_t i = 0;
    t->n = 0;
    while (i < len && t->n < max) {
        while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
        if (i >= len) break;
        size_t s = i;
        while (i < len && line[i] != ' ' && line[i] != '\t') i++;
        t->start[t->n] = line + s;
        t->len[t->n] = i - s;
        t->n++;
    }
}

static void tok_copy(const tokens *t, int k, char *out, size_t cap)
{
    size_t n = t->len[k] < cap - 1 ? t->len[k] : cap - 1;
    memcpy(out, t->start[k], n);
    out[n] = '\0';
}

/* fs[/counter_freq[(base_counter)]] */
static int parse_fs(const char *s, tgdp_wfdb_header *h)
{
    char *e;
    errno = 0;
    h->fs = strtod(s, &e);
    if (e == s || errno || !isfinite(h->fs) || h->fs <= 0) return 0;
    if (*e == '/') {
        const char *c = e + 1;
        h->counter_freq = strtod(c, &e);
        if (e == c || !isfinite(h->counter_freq) || h->counter_freq <= 0) return 0;
        if (*e == '(') {
            c = e + 1;
            h->base_counter = strtod(c, &e);
            if (e == c || *e != ')') return 0;
            e++;
        }
    }
    return *e == '\0';
}

static int parse_record_line(const char *line, size_t len, const char *what, size_t lineno,
                             tgdp_wfdb_header *h, tgdp_error *err)
{
    tokens t;
    char tok[128];
    tokenize(line, len, MAX_TOKENS, &t);
    if (t.n < 2)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: record line needs a name and a signal count", what,
                         lineno);
    if (t.n > 6)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: record line has %d fields (at most 6)", what, lineno, t.n);
    tok_copy(&t, 0, h->record_name, sizeof h->record_name);
    if (strchr(h->record_name, '/'))
        return tgdp_fail(err, TGDP_EUNSUPPORTED, "%s: multi-segment record '%s' is not supported", what,
                         h->record_name);
    long v;
    tok_copy(&t, 1, tok, sizeof tok);
    if (!ecg_parse_long(tok, &v) || v < 0 || v > 4096)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: bad signal count '%s'", what, lineno, tok);
    h->nsig = (int)v;
    h->fs = WFDB_DEFAULT_FS;
    h->nsamp = -1;
    if (t.n > 2) {
        tok_copy(&t, 2, tok, sizeof tok);
        if (!parse_fs(tok, h))
            return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: bad sampling frequency '%s'", what, lineno, tok);
        h->fs_given = 1;
    }
    if (t.n > 3) {
        tok_copy(&t, 3, tok, sizeof tok);
        if (!ecg_parse_long(tok, &v) || v < 0)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: bad number of samples '%s'", what, lineno, tok);
        h->nsamp = v > 0 ? (int64_t)v : -1;
    }
    if (t.n > 4) tok_copy(&t, 4, h->base_time, sizeof h->base_time);
    if (t.n > 5) tok_copy(&t, 5, h->base_date, sizeof h->base_date);
    return TGDP_OK;
}

/* format[xspf][:skew][+offset] */
static int parse_format(const char *s, tgdp_wfdb_signal *g)
{
    char *e;
    long v = strtol(s, &e, 10);
    if (e == s || v < 0 || v > 100000) return 0;
    g->format = (int)v;
    g->samples_per_frame = 1;
    if (*e == 'x') {
        s = e + 1;
        v = strtol(s, &e, 10);
        if (e == s || v < 1 || v > 1000000) return 0;
        g->samples_per_frame = (int)v;
    }
    if (*e == ':') {
        s = e + 1;
        v = strtol(s, &e, 10);
        if (e == s || v < 0 || v > 1000000) return 0;
        g->skew = (int)v;
    }
    if (*e == '+') {
        s = e + 1;
        v = strtol(s, &e, 10);
        if (e == s || v < 0) return 0;
        g->byte_offset = v;
        g->has_byte_offset = 1;
    }
    return *e == '\0';
}

/* gain[(baseline)][/units] */
static int parse_gain(const char *s, tgdp_wfdb_signal *g)
{
    char *e;
    errno = 0;
    double gain = strtod(s, &e);
    if (e == s || errno || !isfinite(gain)) return 0;
    if (*e == '(') {
        const char *b = e + 1;
        long v = strtol(b, &e, 10);
        if (e == b || *e != ')') return 0;
        g->baseline = (double)v;
        g->baseline_given = 1;
        e++;
    }
    if (*e == '/') {
        if (e[1] == '\0') return 0;
        ecg_strlcpy(g->units, e + 1, sizeof g->units);
        e += strlen(e);
    }
    if (*e != '\0') return 0;
    g->gain = gain;
    g->gain_given = gain != 0;
    return 1;
}

static int parse_int_field(const tokens *t, int k, int *out)
{
    char tok[64];
    long v;
    tok_copy(t, k, tok, sizeof tok);
    if (!ecg_parse_long(tok, &v) || v < -2147483647L || v > 2147483647L) return 0;
    *out = (int)v;
    return 1;
}

static int parse_signal_line(const char *line, size_t len, const char *what, size_t lineno, int k,
                             tgdp_wfdb_signal *g, tgdp_error *err)
{
    static const char *const names[] = {"ADC resolution", "ADC zero", "initial value", "checksum",
                                        "block size"};
    tokens t;
    char tok[256];
    memset(g, 0, sizeof *g);
    ecg_strlcpy(g->units, "mV", sizeof g->units);
    g->gain = WFDB_DEFAULT_GAIN;
    tokenize(line, len, 9, &t);
    if (t.n < 2)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu (signal %d): needs a file name and a format", what,
                         lineno, k);
    tok_copy(&t, 0, g->file_name, sizeof g->file_name);
    tok_copy(&t, 1, tok, sizeof tok);
    if (!parse_format(tok, g))
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu (signal %d): bad format field '%s'", what, lineno, k,
                         tok);
    if (t.n > 2) {
        tok_copy(&t, 2, tok, sizeof tok);
        if (!parse_gain(tok, g))
            return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu (signal %d): bad gain field '%s'", what, lineno, k,
                             tok);
        if (!g->gain_given) g->gain = WFDB_DEFAULT_GAIN;
    }
    int *ints[] = {&g->adc_resolution, &g->adc_zero, &g->init_value, &g->checksum, &g->block_size};
    for (int f = 0; f < 5 && 3 + f < t.n; f++) {
        if (!parse_int_field(&t, 3 + f, ints[f])) {
            tok_copy(&t, 3 + f, tok, sizeof tok);
            return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu (signal %d): bad %s '%s'", what, lineno, k,
                             names[f], tok);
        }
    }
    g->has_init_value = t.n > 5;
    g->has_checksum = t.n > 6;
    if (!g->baseline_given) g->baseline = g->adc_zero;
    if (t.n > 8) { /* the description is the rest of the line, blanks included */
        size_t off = (size_t)(t.start[8] - line);
        size_t n = len - off < sizeof g->description - 1 ? len - off : sizeof g->description - 1;
        memcpy(g->description, t.start[8], n);
        g->description[n] = '\0';
        ecg_trim(g->description);
    }
    return TGDP_OK;
}

static int add_comment(tgdp_wfdb_header *h, const char *line, size_t len, tgdp_error *err, const char *what)
{
    char **c = realloc(h->comments, (h->n_comments + 1) * sizeof *c);
    if (!c) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory for comments", what);
    h->comments = c;
    char *s = malloc(len + 1);
    if (!s) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory for comments", what);
    memcpy(s, line, len);
    s[len] = '\0';
    h->comments[h->n_comments++] = s;
    return TGDP_OK;
}

static int is_blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t') return 0;
    return 1;
}

static int first_nonblank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t') return s[i];
    return 0;
}

/* One line: comment, record line (first) or signal line. *nlines counts signal lines. */
static int parse_line(const char *line, size_t n, size_t lineno, const char *what, tgdp_wfdb_header *h,
                      int *have_record, int *nlines, tgdp_error *err)
{
    if (first_nonblank(line, n) == '#') return add_comment(h, line, n, err, what);
    if (is_blank_line(line, n)) return TGDP_OK;
    if (!*have_record) {
        int rc = parse_record_line(line, n, what, lineno, h, err);
        if (rc) return rc;
        *have_record = 1;
        if (h->nsig > 0) {
            h->sig = calloc((size_t)h->nsig, sizeof *h->sig);
            if (!h->sig) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", what);
        }
        return TGDP_OK;
    }
    if (*nlines >= h->nsig)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: record line declares %d signals but line %zu is signal line %d",
                         what, h->nsig, lineno, *nlines + 1);
    int rc = parse_signal_line(line, n, what, lineno, *nlines, &h->sig[*nlines], err);
    if (rc) return rc;
    (*nlines)++;
    return TGDP_OK;
}

int tgdp_wfdb_parse_header(const char *text, size_t len, const char *what, tgdp_wfdb_header *h, tgdp_error *err)
{
    memset(h, 0, sizeof *h);
    h->nsamp = -1;
    if (memchr(text, '\0', len))
        return tgdp_fail(err, TGDP_EFORMAT, "%s: not a WFDB header (binary data)", what);
    int have_record = 0, nlines = 0, rc = TGDP_OK;
    size_t i = 0, lineno = 0;
    while (i < len && rc == TGDP_OK) {
        size_t e = i;
        while (e < len && text[e] != '\n') e++;
        size_t n = e - i;
        if (n > 0 && text[i + n - 1] == '\r') n--;
        lineno++;
        rc = parse_line(text + i, n, lineno, what, h, &have_record, &nlines, err);
        i = e + 1;
    }
    if (rc == TGDP_OK && !have_record) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: no record line", what);
    if (rc == TGDP_OK && nlines != h->nsig)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: record line declares %d signals but there are %d signal lines", what,
                       h->nsig, nlines);
    if (rc) tgdp_wfdb_header_free(h);
    return rc;
}

int tgdp_wfdb_read_header(const char *hea_path, tgdp_wfdb_header *h, tgdp_error *err)
{
    unsigned char *buf;
    size_t len;
    memset(h, 0, sizeof *h);
    int rc = ecg_read_file(hea_path, &buf, &len, err);
    if (rc) return rc;
    rc = tgdp_wfdb_parse_header((const char *)buf, len, hea_path, h, err);
    free(buf);
    return rc;
}

void tgdp_wfdb_header_free(tgdp_wfdb_header *h)
{
    for (size_t i = 0; i < h->n_comments; i++) free(h->comments[i]);
    free(h->comments);
    free(h->sig);
    memset(h, 0, sizeof *h);
    h->nsamp = -1;
}

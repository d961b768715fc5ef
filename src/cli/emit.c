/* The commands' output layer (cli/emit.h): text through printf, JSON through tgdp/json.h. */
#include "cli/emit.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void cli_emit_begin(cli_emit *e, FILE *f, int json, int digits, int wrap)
{
    memset(e, 0, sizeof *e);
    e->f = f;
    e->json = json;
    e->digits = digits > 0 ? digits : 6;
    if (f && json) {
        tgdp_json_init(&e->j, f, wrap);
        cli_emit_object(e, NULL);
    }
}

void cli_emit_finish(cli_emit *e)
{
    if (!e->f || !e->json) return;
    while (e->depth > 0) cli_emit_end(e);
    tgdp_json_finish(&e->j);
}

static int on(const cli_emit *e) { return e->f && e->json; }

void cli_emit_int(cli_emit *e, const char *key, int64_t v)
{
    if (on(e)) tgdp_json_int(&e->j, key, v);
}

void cli_emit_num(cli_emit *e, const char *key, double v)
{
    if (on(e)) tgdp_json_num_digits(&e->j, key, v, e->digits);
}

void cli_emit_str(cli_emit *e, const char *key, const char *s)
{
    if (on(e)) tgdp_json_str(&e->j, key, s);
}

void cli_emit_bool(cli_emit *e, const char *key, int v)
{
    if (on(e)) tgdp_json_bool(&e->j, key, v);
}

void cli_emit_null(cli_emit *e, const char *key)
{
    if (on(e)) tgdp_json_str(&e->j, key, NULL);
}

static void open_(cli_emit *e, const char *key, char kind)
{
    if (!on(e)) return;
    if (kind == 'o') tgdp_json_begin_object(&e->j, key);
    else tgdp_json_begin_array(&e->j, key);
    if (e->depth < TGDP_JSON_MAX_DEPTH) e->kind[e->depth] = kind;
    e->depth++;
}

void cli_emit_object(cli_emit *e, const char *key) { open_(e, key, 'o'); }
void cli_emit_array(cli_emit *e, const char *key) { open_(e, key, 'a'); }

void cli_emit_end(cli_emit *e)
{
    if (!on(e) || e->depth == 0) return;
    e->depth--;
    if (e->depth < TGDP_JSON_MAX_DEPTH && e->kind[e->depth] == 'a') tgdp_json_end_array(&e->j);
    else tgdp_json_end_object(&e->j);
}

/* ---- printf conversions: what argument each one takes */
typedef enum { ARG_NONE, ARG_INT, ARG_UINT, ARG_FLOAT, ARG_STR, ARG_CHAR, ARG_PTR } arg_class;

typedef struct conv {
    size_t len;    /* characters from the '%' through the conversion letter */
    int stars;     /* '*' width or precision: int arguments before the value */
    arg_class cls; /* the value's class */
    char size;     /* length modifier: 'H' hh, 'h', 'l', 'L' ll or long double, 'z', 'j', 't', 0 none */
} conv;

static conv parse_conv(const char *p)
{
    conv c = {1, 0, ARG_NONE, 0};
    const char *s = p + 1;
    while (*s && strchr("-+ #0'", *s)) s++;
    if (*s == '*') c.stars++, s++;
    while (*s >= '0' && *s <= '9') s++;
    if (*s == '.') {
        s++;
        if (*s == '*') c.stars++, s++;
        while (*s >= '0' && *s <= '9') s++;
    }
    if (s[0] == 'h' && s[1] == 'h') c.size = 'H', s += 2;
    else if (s[0] == 'l' && s[1] == 'l') c.size = 'L', s += 2;
    else if (*s && strchr("hlLzjt", *s)) c.size = *s++;
    switch (*s) {
    case 'd': case 'i': c.cls = ARG_INT; break;
    case 'u': case 'o': case 'x': case 'X': c.cls = ARG_UINT; break;
    case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A': c.cls = ARG_FLOAT; break;
    case 's': c.cls = ARG_STR; break;
    case 'c': c.cls = ARG_CHAR; break;
    case 'p': c.cls = ARG_PTR; break;
    default: c.cls = ARG_NONE; /* "%%" (or a malformed conversion: nothing is taken) */
    }
    c.len = (size_t)(s - p) + (*s ? 1 : 0);
    return c;
}

/* the next argument of conversion c, written as a JSON value under key (emit 0: skipped) */
static void take_arg(cli_emit *e, const conv *c, va_list *ap, const char *key, int emit)
{
    for (int i = 0; i < c->stars; i++) (void)va_arg(*ap, int);
    int64_t iv = 0;
    switch (c->cls) {
    case ARG_NONE: return;
    case ARG_INT:
        iv = c->size == 'L' ? (int64_t)va_arg(*ap, long long) : c->size == 'l' ? (int64_t)va_arg(*ap, long)
           : c->size == 'z' ? (int64_t)va_arg(*ap, ptrdiff_t) : c->size == 'j' ? (int64_t)va_arg(*ap, intmax_t)
           : c->size == 't' ? (int64_t)va_arg(*ap, ptrdiff_t) : (int64_t)va_arg(*ap, int);
        if (emit) tgdp_json_int(&e->j, key, iv);
        return;
    case ARG_UINT:
        iv = c->size == 'L' ? (int64_t)va_arg(*ap, unsigned long long) : c->size == 'l' ? (int64_t)va_arg(*ap, unsigned long)
           : c->size == 'z' ? (int64_t)va_arg(*ap, size_t) : c->size == 'j' ? (int64_t)va_arg(*ap, uintmax_t)
           : c->size == 't' ? (int64_t)va_arg(*ap, ptrdiff_t) : (int64_t)va_arg(*ap, unsigned);
        if (emit) tgdp_json_int(&e->j, key, iv);
        return;
    case ARG_FLOAT: {
        double v = c->size == 'L' ? (double)va_arg(*ap, long double) : va_arg(*ap, double);
        if (emit) tgdp_json_num_digits(&e->j, key, v, e->digits);
        return;
    }
    case ARG_STR: {
        const char *s = va_arg(*ap, const char *);
        if (emit) tgdp_json_str(&e->j, key, s);
        return;
    }
    case ARG_CHAR: {
        char s[2] = {(char)va_arg(*ap, int), '\0'};
        if (emit) tgdp_json_str(&e->j, key, s);
        return;
    }
    case ARG_PTR: (void)va_arg(*ap, void *); return;
    }
}

/* JSON: the fields' values, every other argument skipped */
static void emit_fields(cli_emit *e, const char *fmt, va_list *ap)
{
    char key[128] = "";
    int in_field = 0;
    for (const char *p = fmt; *p;) {
        if (*p == '{') {
            const char *colon = strchr(p, ':');
            size_t n = colon ? (size_t)(colon - p - 1) : 0;
            if (n >= sizeof key) n = sizeof key - 1;
            memcpy(key, p + 1, n);
            key[n] = '\0';
            in_field = 1;
            p = colon ? colon + 1 : p + 1;
        } else if (*p == '}') {
            in_field = 0;
            p++;
        } else if (*p == '%') {
            conv c = parse_conv(p);
            take_arg(e, &c, ap, key[0] ? key : NULL, in_field);
            p += c.len;
        } else {
            p++;
        }
    }
}

void cli_emitf(cli_emit *e, const char *fmt, ...)
{
    if (!e->f) return;
    va_list ap;
    va_start(ap, fmt);
    if (e->json) {
        emit_fields(e, fmt, &ap);
    } else if (!strchr(fmt, '{')) {
        vfprintf(e->f, fmt, ap);
    } else { /* the format without "{key:" and "}" */
        size_t n = strlen(fmt);
        char small[512], *plain = n < sizeof small ? small : malloc(n + 1);
        if (plain) {
            size_t k = 0;
            for (const char *p = fmt; *p; p++) {
                if (*p == '{') {
                    const char *colon = strchr(p, ':');
                    if (colon) p = colon;
                } else if (*p != '}') {
                    plain[k++] = *p;
                }
            }
            plain[k] = '\0';
            vfprintf(e->f, plain, ap);
            if (plain != small) free(plain);
        }
    }
    va_end(ap);
}

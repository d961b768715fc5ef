/* Error messages carried by tgdp_error. */
#include "tgdp/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Messages are one line: control characters that reached them (a file's text or a path quoted
 * in the message) are written as \n, \r, \t or \xHH; the result is cut to fit msg. */
static void one_line(char *msg, size_t cap)
{
    size_t n = strnlen(msg, cap - 1), k = 0, i;
    for (i = 0; i < n; i++)
        if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f) break;
    if (i == n) return;
    char out[sizeof ((tgdp_error *)0)->msg];
    if (cap > sizeof out) cap = sizeof out;
    memcpy(out, msg, i);
    k = i;
    for (; i < n && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)msg[i];
        char esc[5];
        if (c >= 0x20 && c != 0x7f) {
            out[k++] = (char)c;
            continue;
        }
        if (c == '\n') strcpy(esc, "\\n");
        else if (c == '\r') strcpy(esc, "\\r");
        else if (c == '\t') strcpy(esc, "\\t");
        else snprintf(esc, sizeof esc, "\\x%02x", c);
        size_t l = strlen(esc);
        if (k + l + 1 > cap) break;
        memcpy(out + k, esc, l);
        k += l;
    }
    out[k] = '\0';
    memcpy(msg, out, k + 1);
}

int tgdp_fail(tgdp_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        one_line(err->msg, sizeof err->msg);
    }
    return code;
}

int tgdp_error_prefix(tgdp_error *err, const char *fmt, ...)
{
    if (!err) return TGDP_EINVAL;
    char prefix[256], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t lp = strlen(prefix), lo = strnlen(old, sizeof old - 1);
    size_t cap = sizeof err->msg - 1, k = 0;
    for (size_t i = 0; i < lp && k < cap; i++) err->msg[k++] = prefix[i];
    for (size_t i = 0; i < 2 && k < cap; i++) err->msg[k++] = ": "[i];
    for (size_t i = 0; i < lo && k < cap; i++) err->msg[k++] = old[i];
    err->msg[k] = '\0';
    one_line(err->msg, sizeof err->msg);
    return err->code;
}

const char *tgdp_error_name(int code)
{
    switch (code) {
    case TGDP_OK: return "ok";
    case TGDP_EIO: return "i/o error";
    case TGDP_EFORMAT: return "malformed input";
    case TGDP_EINVAL: return "invalid argument";
    case TGDP_ENOMEM: return "out of memory";
    case TGDP_ENONFINITE: return "non-finite value";
    case TGDP_EUNSUPPORTED: return "unsupported";
    case TGDP_EINTERRUPTED: return "interrupted";
    default: return "unknown error";
    }
}

int tgdp_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}

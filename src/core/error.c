/* Error messages carried by tgdp_error. */
#include "tgdp/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tgdp_fail(tgdp_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
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

/* The one monotonic clock of the library and the tool, and the one progress-log formatter. */
#include "tgdp/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

double tgdp_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void tgdp_logf(tgdp_log_fn log, void *ctx, const char *fmt, ...)
{
    if (!log) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log(ctx, buf);
}

/* Progress lines: steps, loss, rate and time left. */
#include "cli/progress.h"
#include "tgdp/core.h"
#include "tgdp/dist.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

void cli_progress_init(cli_progress *p, const char *what, int quiet)
{
    p->what = what;
    p->quiet = quiet || tgdp_dist_rank() != 0; /* data-parallel: rank 0 logs */
    p->tty = isatty(STDERR_FILENO);
    p->t0 = p->last = tgdp_now_s();
    p->last_step = 0;
    p->first_step = -1;
}

static void report(cli_progress *p, int64_t step, int64_t total, double loss, int has_loss)
{
    if (p->quiet) return;
    if (p->first_step < 0) p->first_step = step > 0 ? step - 1 : 0;
    double now = tgdp_now_s(), el = now - p->t0;
    int done = step >= total;
    /* terminal: at most 10 updates per second; otherwise a line per 10% */
    if (p->tty) {
        if (!done && now - p->last < 0.1) return;
    } else if (!done && (step * 10) / total == (p->last_step * 10) / total) {
        return;
    }
    p->last = now;
    p->last_step = step;
    double rate = el > 0 ? (double)(step - p->first_step) / el : 0, left = rate > 0 ? (double)(total - step) / rate : 0;
    char lossbuf[48] = "";
    if (has_loss) snprintf(lossbuf, sizeof lossbuf, "  loss %.5g", loss);
    fprintf(stderr, "%s%s: %lld/%lld%s  %.1f/s  %.0fs elapsed, %.0fs left%s", p->tty ? "\r" : "", p->what,
            (long long)step, (long long)total, lossbuf, rate, el, left, p->tty ? (done ? "\n" : "\033[K") : "\n");
    fflush(stderr);
}

void cli_progress_train(void *ctx, int64_t step, int64_t total, double loss) { report(ctx, step, total, loss, 1); }

void cli_progress_sample(void *ctx, int step, int total) { report(ctx, step, total, NAN, 0); }

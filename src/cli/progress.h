/* Progress reporting on stderr: a live line on a terminal, plain periodic lines otherwise. */
#ifndef TGDP_CLI_PROGRESS_H
#define TGDP_CLI_PROGRESS_H
#include <stdint.h>

typedef struct cli_progress {
    const char *what;
    int quiet, tty;
    double t0, last;
    int64_t last_step;
    int64_t first_step; /* step before the first report (> 0 for a resumed run), -1 until then */
} cli_progress;

void cli_progress_init(cli_progress *p, const char *what, int quiet);
/* matches tgdp_train_progress */
void cli_progress_train(void *ctx, int64_t step, int64_t total, double loss);
/* matches tgdp_progress_fn */
void cli_progress_sample(void *ctx, int step, int total);
#endif

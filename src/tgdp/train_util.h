/* Internal helpers shared by the training loops: batch draws, Adam + EMA state, checks, and the
 * resumable training state (fingerprint, periodic/interrupt checkpoints, resume). */
#ifndef TGDP_TRAIN_UTIL_H
#define TGDP_TRAIN_UTIL_H
#include "tgdp/tgdp.h"

/* A run's fingerprint: what must be equal for a state file to be resumed, as (key, value) text
 * pairs stored in the state's metadata (tgdp.fp.<key>) and compared one by one on resume. */
#define TRAIN_FP_MAX 48
typedef struct train_fp {
    int n;
    char key[TRAIN_FP_MAX][32];
    char val[TRAIN_FP_MAX][112];
} train_fp;

void train_fp_init(train_fp *fp, const char *kind);
void train_fp_add(train_fp *fp, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void train_fp_data(train_fp *fp, const char *key, const tgdp_dataset *d); /* size + checksum (NULL: "none") */
void train_fp_floats(train_fp *fp, const char *key, const float *x, size_t n);
void train_fp_net(train_fp *fp, const char *key, const tgdp_net *net);   /* layout + weights (NULL: "none") */
void train_fp_schedule(train_fp *fp, const tgdp_schedule *s);

typedef struct train_state {
    tgdp_adam adam;
    float *ema;        /* NULL when o->ema == 0 */
    tgdp_arena arena;
    double loss_acc;   /* sum of losses over the last 10% of steps */
    int64_t loss_cnt;
    int64_t start;     /* first step to run: 0, or the state's step after a resume */
    const train_fp *fp;
} train_state;

/* Checks the options, allocates the optimiser state, completes fp with the options and the
 * net, and with o->resume loads o->state_path into net and st. On failure nothing is left
 * allocated. The loop then runs steps st->start .. o->steps - 1. */
int train_begin(train_state *st, tgdp_net *net, tgdp_train_opts *o, train_fp *fp, tgdp_error *err);
/* The end of every step: non-finite loss check, clip, THE optimiser step (the one place where
 * gradients become weights), EMA, loss bookkeeping, progress, then the periodic checkpoint and
 * the stop request. Any non-zero return ends training (TGDP_EINTERRUPTED on a stop request). */
int train_step_end(train_state *st, tgdp_net *net, tgdp_train_opts *o, int64_t step, double loss, tgdp_error *err);
/* copy the EMA weights into the net (if any), free state */
void train_end(train_state *st, tgdp_net *net, tgdp_train_opts *o);

/* train_checkpoint.c: the state file */
int train_state_save(train_state *st, const tgdp_net *net, tgdp_train_opts *o, int64_t step, tgdp_error *err);
int train_state_load(train_state *st, tgdp_net *net, tgdp_train_opts *o, tgdp_error *err);
/* after step `done` (1-based count of finished steps): periodic checkpoint and stop request */
int train_state_after_step(train_state *st, const tgdp_net *net, tgdp_train_opts *o, int64_t done, tgdp_error *err);
/* the error for a non-finite loss (or weights) at step `done`, naming the last good state */
int train_diverged(const tgdp_train_opts *o, int64_t done, const char *what, double value, tgdp_error *err);

/* Data parallelism (tgdp/dist.h): this rank's rows [lo, lo + n) of a global batch of B rows,
 * and frac = n / B, the weight that turns the mean over its rows into its share of the mean over
 * the global batch (1 on a single process). */
typedef struct train_slice {
    int64_t lo;
    int n;
    double frac;
} train_slice;
train_slice train_slice_of(int B);

int check_dataset(const tgdp_dataset *d, const tgdp_net *net, const char *what, tgdp_error *err);
/* indices drawn uniformly with replacement */
void draw_batch(tgdp_rng *r, const tgdp_dataset *d, int B, float *x, int64_t *y, int64_t *idx);
void draw_times(tgdp_rng *r, int B, double t_min, float *t);
#endif

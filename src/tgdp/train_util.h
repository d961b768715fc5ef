/* Internal helpers shared by the training loops: batch draws, Adam + EMA state, checks. */
#ifndef TGDP_TRAIN_UTIL_H
#define TGDP_TRAIN_UTIL_H
#include "tgdp/tgdp.h"

typedef struct train_state {
    tgdp_adam adam;
    float *ema;        /* NULL when o->ema == 0 */
    tgdp_arena arena;
    double loss_acc;   /* sum of losses over the last 10% of steps */
    int64_t loss_cnt;
} train_state;

int train_begin(train_state *st, tgdp_net *net, const tgdp_train_opts *o, tgdp_error *err);
/* clip, Adam step, EMA, loss bookkeeping; fails on a non-finite loss */
int train_step_end(train_state *st, tgdp_net *net, tgdp_train_opts *o, int64_t step, double loss, tgdp_error *err);
/* copy the EMA weights into the net (if any), free state */
void train_end(train_state *st, tgdp_net *net, tgdp_train_opts *o);

int check_dataset(const tgdp_dataset *d, const tgdp_net *net, const char *what, tgdp_error *err);
/* indices drawn uniformly with replacement */
void draw_batch(tgdp_rng *r, const tgdp_dataset *d, int B, float *x, int64_t *y, int64_t *idx);
void draw_times(tgdp_rng *r, int B, double t_min, float *t);
#endif

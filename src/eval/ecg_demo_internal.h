/* The ECG demo's shared state between ecg_demo.c (data, source model, driver) and
 * ecg_demo_fold.c (one fold: every method trained, sampled and evaluated). Private to src/eval. */
#ifndef TGDP_ECG_DEMO_INTERNAL_H
#define TGDP_ECG_DEMO_INTERNAL_H

#include "tgdp/ecg_demo.h"
#include "tgdp/tgdp.h"

typedef struct demo_run {
    const tgdp_ecg_demo_config *c;
    tgdp_schedule sched;
    tgdp_arena ar;
    int d;
    /* source windows the models train on (the held-out source records removed) */
    tgdp_eval_owned src;     /* x [ns, d], multi-hot labels, record ids */
    int64_t *ys;             /* [ns] conditioning classes */
    /* held-out source windows (source_c2st_auroc), n = 0 when none */
    tgdp_eval_owned src_test;
    int64_t *ys_test;
    /* target */
    int64_t nt;
    const float *xt;
    int64_t *yt_multi, *yt, *rec_t, *strata;
    int n_classes;
    const int *class_label;
    tgdp_feature_extractor fe;
} demo_run;

/* a progress line through c->log */
void demo_log(const tgdp_ecg_demo_config *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* a fresh network of the role's architecture (c->eps_arch or c->cls_arch) for [12, window] */
int demo_make_net(const tgdp_ecg_demo_config *c, tgdp_net *net, tgdp_role role, const char *hidden, int n_classes,
                  uint64_t seed, tgdp_error *err);
void demo_train_opts(tgdp_train_opts *o, const tgdp_ecg_demo_config *c, int64_t steps, double lr, uint64_t seed);
/* n windows from fn/ctx (e: the eps context inside ctx) with the demo's sampler into x */
int demo_sample(demo_run *R, tgdp_eps_fn fn, tgdp_eps_ctx *e, void *ctx, int n, uint64_t seed, float *x,
                tgdp_error *err);
/* n class labels drawn with the frequencies of cls[0..m) (classes 0..n_classes-1); their
 * multi-hot rows [n, TGDP_ECG_NLABELS] (all zero for "other") into multi when not NULL */
void demo_draw_labels(const demo_run *R, const int64_t *cls, int64_t m, int n, uint64_t seed, int64_t *labels,
                      int64_t *multi);

/* every method on fold f of the target records (fold[i]: the fold of target window i) */
int demo_run_fold(demo_run *R, tgdp_net *src, int seed, int f, const int *fold, tgdp_ecg_demo_output *out,
                  tgdp_error *err);

#endif

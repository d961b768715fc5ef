/* Internals of the Gaussian-mixture study (include/tgdp/experiment.h): the per-seed state and the
 * pieces shared by its files (setup, methods, run, report, tune, plot). */
#ifndef TGDP_GMM_STUDY_H
#define TGDP_GMM_STUDY_H

#include "tgdp/experiment.h"
#include "tgdp/gmm.h"
#include "tgdp/metrics.h"
#include "tgdp/plan.h"

#include <stddef.h>

#define GMM_STUDY_MAX_DIM 64
#define GMM_STUDY_MAX_TARGET 100000
/* the D-dimensional pair (D > 2): covariance eigenvalues from VAR_LO to 10 VAR_LO, means of norm
 * MEAN_NORM, the target's rotated by ANGLE_DEG from the source's in a random plane */
#define GMM_STUDY_VAR_LO 0.05
#define GMM_STUDY_MEAN_NORM 1.0
#define GMM_STUDY_ANGLE_DEG 60.0

/* the frozen tuned hyperparameters (gmm_study_tuned.c), per method at n = 10, 100, 1000 */
#define GMM_TUNED_NS 3
typedef struct gmm_tuned_table {
    int n[GMM_TUNED_NS];
    tgdp_gmm_hp hp[TGDP_M_COUNT][GMM_TUNED_NS];
} gmm_tuned_table;
extern const gmm_tuned_table gmm_tuned_2d;

/* hyperparameter fields by name */
int gmm_hp_set(tgdp_gmm_hp *hp, const char *key, double v);
double gmm_hp_get(const tgdp_gmm_hp *hp, int k, const char **key);
int gmm_hp_field_count(void);
/* whether method m uses hyperparameter key */
int gmm_hp_uses(int m, const char *key);

/* artifacts of one replicate and target size (tgdp/plan.h) */
enum {
    A_FT,      /* finetune's model */
    A_FTC,     /* finetune_cond's model */
    A_TCLS,    /* tgdp's time classifier (also Algorithm 4's cycle target) */
    A_MODEL_X, /* samples of the source model (tgdp_model) */
    A_FT_X,    /* samples of finetune's model (tgdp_ft) */
    A_LABELS,  /* the sampling labels of the conditional rows (Dirichlet-shrunk frequencies) */
    A_COUNT
};

/* one seed: the mixtures, schedule, data and source models */
typedef struct gmm_seed {
    const tgdp_gmm_demo_config *c;
    const tgdp_gmm *P, *Q;
    const tgdp_schedule *sched;
    int seed, si, d;
    tgdp_rng base;
    float *xs, *xt_all;          /* m source points, the largest n target points (nested prefixes) */
    int *ls, *lt;                /* their labels */
    int64_t *ls64, *lt64;
    tgdp_net src, srcc;          /* unconditional and label-conditional source denoisers */
    tgdp_arena ar;
} gmm_seed;

/* one target size within a seed: shared evaluation data and the artifacts */
typedef struct gmm_cell {
    gmm_seed *S;
    int ni, n;
    const tgdp_gmm_hp *hp;       /* [TGDP_M_COUNT] for this n */
    uint64_t key;                /* seeds of this cell's random choices */
    float *fresh, *fresh2;       /* n_eval exact target samples each (metrics, noise floor) */
    float *nll_x;                /* n_nll held-out exact target samples */
    tgdp_net ft, ftc, tcls;      /* artifacts */
    float *model_x, *ft_x;       /* model samples (model_samples x d) */
    int *glab;                   /* n_eval sampling labels of the conditional rows */
    int64_t *glab64;
    double pi[2];                /* their probabilities */
    double prior;                /* the Dirichlet strength chosen by leave-one-out likelihood */
    tgdp_gmm_demo_output *out;   /* where rows are recorded (NULL while tuning) */
    int keep_samples;
    tgdp_gmm_result last;        /* the last row's scores */
} gmm_cell;

/* a trained row, ready to sample and score: an eps callback with and without divergence */
typedef struct gmm_row {
    tgdp_eps_fn fn;
    tgdp_eps_div_fn div_fn;
    void *ctx;
    tgdp_eps_ctx e;
    const int *labels;           /* conditional rows: the n_eval sampling labels */
    tgdp_net nets[8];            /* owned networks (freed by gmm_row_free) */
    tgdp_net *bag[8];
    int n_nets;
    int guide_kind;              /* 1: the guidance estimates h* (guidance_error applies) */
    int cond;                    /* conditional model: NLL marginalises the labels with cell pi */
    double log_r_mae;
    tgdp_gmm_hp chosen;          /* tgdp_cv: the penalties and scale chosen for this run (steps > 0) */
    void *extra;                 /* row-specific context (exact guidance) */
} gmm_row;

/* gmm_study_methods.c: the artifacts and the rows */
int gmm_build_artifact(gmm_cell *C, int a, tgdp_error *err);
void gmm_release_artifact(gmm_cell *C, int a);
int gmm_make_row(gmm_cell *C, int method, gmm_row *row, tgdp_error *err);
void gmm_row_free(gmm_row *row);
/* the tgdp_eps_ctx inside a row's context (its scratch and labels), NULL for the oracle */
tgdp_eps_ctx *gmm_row_eps_ctx(gmm_row *row);
/* gmm_study_cv.c: tgdp_cv's per-run choice and final classifier */
int gmm_cv_row(gmm_cell *C, gmm_row *row, tgdp_error *err);
/* Algorithm 1 classifier's mean |log r - log r*| on the source samples */
int gmm_log_r_mae(gmm_cell *C, tgdp_net *cls, double *out, tgdp_error *err);
/* steps of the Algorithm 1 classifiers (tgdp_alg3, tgdp_reg) */
#define GMM_CLS_STEPS 300
extern const uint32_t gmm_method_needs[TGDP_M_COUNT], gmm_artifact_needs[A_COUNT];

/* training helpers shared by the rows */
int gmm_make_net(const gmm_seed *S, tgdp_net *net, tgdp_role role, const char *hidden, int n_classes, uint64_t seed,
                 tgdp_error *err);
void gmm_train_opts(tgdp_train_opts *o, const gmm_seed *S, int64_t steps, double lr, uint64_t seed);
int gmm_train_tcls(gmm_cell *C, tgdp_net *net, const tgdp_gmm_hp *hp, const tgdp_dataset *src, const tgdp_dataset *tgt,
                   int n_classes, uint64_t seed, tgdp_error *err);

/* gmm_study_metrics.c: a row's scores */
int gmm_score_row(gmm_cell *C, int method, gmm_row *row, tgdp_gmm_result *res, float *gen, tgdp_error *err);

/* gmm_study_run.c: one cell (seed, n) with the given rows */
int gmm_seed_init(gmm_seed *S, const tgdp_gmm_demo_config *c, const tgdp_gmm *P, const tgdp_gmm *Q,
                  const tgdp_schedule *sched, int si, tgdp_error *err);
void gmm_seed_free(gmm_seed *S);
int gmm_cell_init(gmm_cell *C, gmm_seed *S, int ni, const tgdp_gmm_hp *hp, tgdp_gmm_demo_output *out, tgdp_error *err);
void gmm_cell_free(gmm_cell *C);
int gmm_cell_run(gmm_cell *C, const int *methods, int n_methods, tgdp_error *err);

/* Runs fn(ctx, i, err) for i = 0..n-1: side by side on the threads, one task per thread and each
 * single-threaded inside (nested regions are inactive; OpenBLAS and oneDNN run serially in a
 * parallel region), or on one thread one after the other, stopping at the first failure. A task's
 * numbers do not depend on the thread count (training steps are cut into the same chunks on any
 * number of threads). Returns the failure of the lowest index, its error in *err. */
typedef int (*gmm_task_fn)(void *ctx, int i, tgdp_error *err);
int gmm_run_tasks(int n, gmm_task_fn fn, void *ctx, const char *who, tgdp_error *err);
#define gmm_log(c, ...) tgdp_logf((c)->log, (c)->log_ctx, __VA_ARGS__)

/* gmm_study_plot.c */
int gmm_write_plots(const char *dir, const tgdp_gmm_demo_config *c, const tgdp_gmm_demo_output *o, tgdp_error *err);

/* MMD^2 bandwidths for d dimensions: the defaults scaled by sqrt(d / 2) */
void gmm_bandwidths(int d, double *bw);

#endif

/* The Gaussian-mixture transfer study (`tgdp demo gmm`): every method of the comparison,
 * trained and sampled on two-mode mixtures (the method page's 2-D pair, or a D-dimensional pair
 * sharing an anisotropic covariance), measured against the exact oracle, as a paired many-seed
 * experiment: per seed (replicate) all methods share the target points, the source models, the
 * evaluation set and the sampler's starting noise, so their differences are paired; every method
 * is compared with `finetune` and `target_only` by the mean paired difference of MMD^2, its 95%
 * percentile-bootstrap interval, the Wilcoxon signed-rank p-value and the win rate.
 *
 * Hyperparameters of every method are chosen on tuning seeds that are never reported
 * (tgdp_gmm_tune, seeds 1000 and up), with the same grid size for every tunable method, then
 * frozen in the defaults (src/eval/gmm_study_tuned.c); see docs/guidance-study.md. */
#ifndef TGDP_EXPERIMENT_H
#define TGDP_EXPERIMENT_H

#include "tgdp/api.h"

#include "tgdp/gmm.h"
#include "tgdp/stats.h"
#include "tgdp/tgdp.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

enum {
    TGDP_M_SOURCE_ONLY = 0,
    TGDP_M_TARGET_ONLY,
    TGDP_M_FINETUNE,
    TGDP_M_FINETUNE_COND,
    TGDP_M_DOMAIN_GUIDANCE,
    TGDP_M_TGDP,
    TGDP_M_TGDP_ALG3,
    TGDP_M_TGDP_REG,
    TGDP_M_TGDP_MODEL,
    TGDP_M_TGDP_BAGGED,
    TGDP_M_TGDP_CV,
    TGDP_M_TGDP_FT,
    TGDP_M_TGDP_COND,
    TGDP_M_SOURCE_EXACT_GUIDANCE,
    TGDP_M_ORACLE,
    TGDP_M_COUNT
};
extern const char *const tgdp_method_names[TGDP_M_COUNT];
/* one line: what the row is (its estimator), for results.md and the config object */
const char *tgdp_gmm_method_description(int method);
/* the index of a method name, -1 if unknown */
int tgdp_gmm_method_parse(const char *name);
/* 1 for the rows that are references, not competitors (source_exact_guidance, oracle) */
int tgdp_gmm_method_is_diagnostic(int method);

/* The hyperparameters of one method at one target size (fields a method does not use are 0). */
typedef struct tgdp_gmm_hp {
    int steps;        /* training steps of the method's own network */
    double lr;        /* its learning rate */
    double w;         /* guidance scale (domain_guidance and every tgdp row; 1 is the theory) */
    double gp;        /* time classifiers: input-gradient penalty, divided by n */
    double curv;      /* time classifiers: curvature penalty */
    double wd;        /* classifiers: AdamW weight decay */
    double ls;        /* classifiers: label smoothing */
    double eta_cycle, eta_cons; /* tgdp_reg: Algorithm 4's regulariser weights */
} tgdp_gmm_hp;

#define TGDP_GMM_MAX_N 8

typedef struct tgdp_gmm_demo_config {
    int dim;                 /* 2: the method page's mixtures; D > 2: the anisotropic pair */
    int n_list[TGDP_GMM_MAX_N], n_count; /* target sizes */
    int seeds, first_seed;   /* replicates first_seed .. first_seed + seeds - 1 */
    int m;                   /* source samples */
    int n_eval;              /* generated and fresh exact samples per MMD^2 / energy */
    int n_nll;               /* held-out exact target samples for the NLL (0: no NLL) */
    int nll_steps;           /* RK4 steps of the probability-flow ODE */
    int eps_steps, batch;    /* the source denoisers */
    double lr;
    int sample_steps;
    tgdp_sampler sampler;
    int model_samples;       /* samples of the source (or fine-tuned) model for tgdp_model / tgdp_ft */
    int bag;                 /* tgdp_bagged: classifiers */
    int cv_folds;            /* tgdp_cv: folds of the target points */
    char eps_hidden[64], cls_hidden[64], tcls_hidden[64], guid_hidden[64];
    int enabled[TGDP_M_COUNT];                /* which rows run */
    tgdp_gmm_hp hp[TGDP_M_COUNT][TGDP_GMM_MAX_N]; /* per method and target size (n_list order) */
    int n_boot;              /* bootstrap resamples of the seeds */
    tgdp_precision precision; /* of every network's products (tgdp/nn.h; default fp32) */
    void (*log)(void *ctx, const char *msg);
    void *log_ctx;
} tgdp_gmm_demo_config;

/* Defaults (the frozen, tuned hyperparameters for dim 2, and dim 8 for any other dim). quick: the
 * end-to-end test's small run (n = 10, 100; one seed; fewer samples and steps). */
void tgdp_gmm_demo_config_default(tgdp_gmm_demo_config *c, int dim, int quick);
/* Sets the target sizes and re-reads the tuned hyperparameters for them (the nearest tuned n). */
int tgdp_gmm_demo_config_set_n(tgdp_gmm_demo_config *c, const int *n, int count, tgdp_error *err);
/* "method.key=value" (key: steps lr w gp curv wd ls eta_cycle eta_cons), for every n; method
 * "all" for every method that uses the key */
int tgdp_gmm_demo_config_set(tgdp_gmm_demo_config *c, const char *assignment, tgdp_error *err);
/* The mixtures of the study: source P and target Q in dim dimensions (2: the method page's). */
int tgdp_gmm_study_mixtures(int dim, tgdp_gmm *P, tgdp_gmm *Q, tgdp_error *err);

typedef struct tgdp_gmm_result {
    int n, seed, method;
    double mmd2, energy;
    double nll;             /* -mean log p_model(x) of held-out exact target samples (probability-flow ODE) */
    double mode_error;
    double label_accuracy;  /* NAN when not applicable */
    double guidance_error;  /* E ||sigma_t (grad log h - grad log h*)||^2 / d over x_t ~ q_t, in noise
                               units (an absolute error); NAN when the row has no estimate of h* */
    double eps_error;       /* E ||eps_row(x_t, t) - eps_target(x_t, t)||^2 / d over x_t ~ q_t: every row */
    double log_r_mae;       /* Algorithm 1 classifier: mean |log r_est - log r| on source samples, NAN if n/a */
    double seconds;
} tgdp_gmm_result;

typedef struct tgdp_gmm_comparison {
    int n, method, baseline;
    tgdp_paired_stats s;    /* of MMD^2(method) - MMD^2(baseline) over the seeds */
} tgdp_gmm_comparison;

typedef struct tgdp_gmm_demo_output {
    tgdp_gmm_result *results;
    int n_results;
    double *floor_mmd2, *floor_energy; /* per (n index, seed): two exact sample sets */
    double *exact_nll;                 /* per (n index, seed): -mean log q of the NLL points */
    /* the first seed's samples per (n index, method), n_eval x dim each (for plots) */
    float *samples[TGDP_GMM_MAX_N][TGDP_M_COUNT];
    tgdp_gmm_comparison *comparisons;
    int n_comparisons;
    double seconds_total;
} tgdp_gmm_demo_output;

int tgdp_gmm_demo_run(const tgdp_gmm_demo_config *c, tgdp_gmm_demo_output *out, tgdp_error *err);
void tgdp_gmm_demo_output_free(tgdp_gmm_demo_output *out);
/* Fills out->comparisons (every method against finetune and target_only, per n) from the results. */
int tgdp_gmm_compare(const tgdp_gmm_demo_config *c, tgdp_gmm_demo_output *out, tgdp_error *err);

/* Reports: results.json (config, noise floor, results, comparisons), results.md (tables with the
 * paired differences) and samples_n<N>.png (first two principal axes of the target for D > 2) in
 * dir; and the table as text on f. */
int tgdp_gmm_demo_write(const char *dir, const tgdp_gmm_demo_config *c, const tgdp_gmm_demo_output *o, tgdp_error *err);
void tgdp_gmm_demo_print(FILE *f, const tgdp_gmm_demo_config *c, const tgdp_gmm_demo_output *o);

/* Tuning: every tunable method's grid (the same number of points for each) on the seeds of c
 * (which should be >= 1000, never reported), in dependency order (finetune before the rows built
 * on it, tgdp before tgdp_reg); the best point by mean MMD^2 per n is written into c->hp. The
 * grid results and the choices go to dir/tuning.json and dir/tuned_hp.inc (the C table the
 * defaults are frozen from). */
int tgdp_gmm_tune(tgdp_gmm_demo_config *c, const char *dir, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

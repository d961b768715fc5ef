/* The Gaussian-mixture transfer experiment (`tgdp demo gmm`): every method of the comparison,
 * trained and sampled on the 2-D mixtures of the method page, measured against the exact oracle. */
#ifndef TGDP_EXPERIMENT_H
#define TGDP_EXPERIMENT_H

#include "tgdp/tgdp.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TGDP_M_SOURCE_ONLY = 0,
    TGDP_M_TARGET_ONLY,
    TGDP_M_FINETUNE,
    TGDP_M_DOMAIN_GUIDANCE,
    TGDP_M_TGDP,
    TGDP_M_TGDP_REG,
    TGDP_M_TGDP_COND,
    TGDP_M_ORACLE,
    TGDP_M_COUNT
};
extern const char *const tgdp_method_names[TGDP_M_COUNT];

enum { TGDP_EST_TIME_CLASSIFIER = 0, TGDP_EST_GUIDANCE_NET = 1 };

typedef struct tgdp_gmm_demo_config {
    int n_list[8], n_count;  /* target sizes */
    int seeds, first_seed;   /* seeds first_seed .. first_seed + seeds - 1 (default 0) */
    int m;                   /* source samples */
    int n_eval;              /* generated and fresh exact samples per metric */
    int eps_steps, cls_steps, guid_steps, ft_steps, batch;
    double lr, ft_lr;
    double w_domain;         /* domain guidance scale */
    double eta_cycle, eta_consistency;
    int sample_steps;
    tgdp_sampler sampler;
    char eps_hidden[64], cls_hidden[64], guid_hidden[64];
    /* guidance estimator of "tgdp" (see docs/guidance-study.md) */
    int estimator; /* TGDP_EST_TIME_CLASSIFIER (default) or TGDP_EST_GUIDANCE_NET (Algorithm 3) */
    char tcls_hidden[64];
    int tcls_steps;
    double tcls_weight_decay, tcls_label_smoothing, tcls_grad_penalty, tcls_ema, tcls_curv_penalty;
    double tcond_curv_penalty; /* curvature penalty of the conditional time classifier (tgdp_cond) */
    int tcls_gp_data_units; /* penalty weight 1 in place of sigma_t^2 (see tgdp_train_opts) */
    int guid_bregman, guid_normalize, guid_exp;
    double cls_weight_decay, cls_label_smoothing;
    void (*log)(void *ctx, const char *msg);
    void *log_ctx;
} tgdp_gmm_demo_config;

void tgdp_gmm_demo_config_default(tgdp_gmm_demo_config *c, int quick);

typedef struct tgdp_gmm_result {
    int n, seed, method;
    double mmd2, energy, nll, mode_error;
    double label_accuracy;  /* NAN when not applicable */
    double guidance_error;  /* E||sigma (grad log h - grad log h*)||^2/d, NAN when not applicable */
    double log_r_mae;       /* classifier: mean |log r_est - log r| on source samples, NAN if n/a */
} tgdp_gmm_result;

typedef struct tgdp_gmm_demo_output {
    tgdp_gmm_result *results;
    int n_results;
    double *floor_mmd2, *floor_energy; /* per (n index, seed) */
    /* seed-0 samples per (n index, method), n_eval x 2 each (for plots) */
    float *samples[8][TGDP_M_COUNT];
} tgdp_gmm_demo_output;

int tgdp_gmm_demo_run(const tgdp_gmm_demo_config *c, tgdp_gmm_demo_output *out, tgdp_error *err);
void tgdp_gmm_demo_output_free(tgdp_gmm_demo_output *out);

#ifdef __cplusplus
}
#endif
#endif

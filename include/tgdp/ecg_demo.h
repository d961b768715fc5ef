/* The ECG transfer comparison (tgdp demo ecg): real records of a source domain (by default
 * LUDB + PTB-XL + Georgia) and a small target domain (Ningbo + CPSC2018), every method of the
 * Gaussian-mixture demo, evaluated against target records held out by record.
 *
 *   prepare   tgdp_ecg_domains_build, as ecg prepare (tgdp/ecg_domains.h): windows [N, 12, L],
 *             multi-hot labels, record ids; a record in both domains stays in the target
 *   classes   one conditioning class per window, the rule of every command (tgdp/labels.h): class
 *             k = label k (its first abnormal label, NORM when only normal), class K = no label
 *   source    source_holdout of the source records (10%) are held out of every source-side training;
 *             the source feature classifier of the evaluation trains on the rest (once)
 *   per seed  the label-conditional source denoiser eps(x_t, y, t) on the source training windows
 *             (once, or per seed with source_per_seed), and its samples measured against the held-out
 *             source windows (source_c2st_auroc and the realism metrics: how good the pre-trained
 *             model is before any transfer)
 *   per fold  target records are dealt into k folds (tgdp_record_kfold, stratified, a fresh
 *             split per seed); the models that see target data train on the other folds'
 *             windows only:
 *     source_only      the source denoiser
 *     target_only      the same denoiser trained from scratch on the target training windows
 *     finetune         the source denoiser trained further on them (lower lr)
 *     domain_guidance  eps_src + w (eps_finetune - eps_src)
 *     tgdp             eps_src(x_t, y, t) - sigma_t grad log h, log h = -logit c'(x_t, t) of a
 *                      label-free time-dependent domain classifier (Alg 2; the GMM demo's estimator)
 *     tgdp_reg         guidance network h(x_t, t) regressed on r = exp(-logit c(x0)) (Alg 3) with
 *                      the cycle and consistency regularisers (Alg 4)
 *     tgdp_cond        as tgdp with a label-conditional time-dependent classifier c'(x_t, y, t)
 *   Every method samples n_gen windows with labels drawn from the target training windows' class
 *   frequencies (DPM-Solver-2), and tgdp_ecg_eval_fold measures them against the held-out fold:
 *   C2ST AUROC, Frechet distance and MMD^2 in the source classifier's feature space, TSTR macro-AUROC,
 *   the rhythm realism (beat_fraction, hr_w1, rr_cv, hf_noise_ratio; tgdp/ecg_beats.h) and the
 *   utility of the windows as extra training data (aug_*: a resnet1d trained on the fold's real
 *   training windows + the generated ones; real_only_*: on the real ones alone, trained once per
 *   fold and copied to every method's result; tgdp_utility_eval). See docs/ecg-evaluation.md.
 *
 * Library code: no printing (progress through the log callback), errors in tgdp_error. */
#ifndef TGDP_ECG_DEMO_H
#define TGDP_ECG_DEMO_H

#include "tgdp/api.h"

#include <stdint.h>

#include "tgdp/core.h"
#include "tgdp/diffusion.h"
#include "tgdp/ecg_eval.h"
#include "tgdp/ecg_prepare.h"
#include "tgdp/stats.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

enum {
    TGDP_ECG_M_SOURCE_ONLY = 0,
    TGDP_ECG_M_TARGET_ONLY,
    TGDP_ECG_M_FINETUNE,
    TGDP_ECG_M_DOMAIN_GUIDANCE,
    TGDP_ECG_M_TGDP,
    TGDP_ECG_M_TGDP_REG,
    TGDP_ECG_M_TGDP_COND,
    TGDP_ECG_M_COUNT
};
extern const char *const tgdp_ecg_method_names[TGDP_ECG_M_COUNT];

#define TGDP_ECG_DEMO_PLOT 4 /* windows kept per method for the plots (seed 0, fold 0) */

typedef struct tgdp_ecg_demo_config {
    char source_dbs[256], target_dbs[256]; /* comma-separated names (tgdp/ecg_domains.h) */
    int max_records;                       /* per database, 0: all */
    int target_records;                    /* target records in all, a random choice by seed (0: all) */
    tgdp_ecg_prepare_opts prep;
    int folds, seeds;
    uint64_t seed;                         /* base seed */
    char eps_arch[16];                     /* denoisers: "mlp" or "unet1d" */
    char cls_arch[16];                     /* classifiers and guidance network: "mlp" or "resnet1d" */
    char eps_hidden[64], cls_hidden[64], tcls_hidden[64], guid_hidden[64]; /* MLP widths */
    int conv_width;                        /* base width of the convolutional archs */
    char eps_mult[32];                     /* the unet1d denoisers: channel multipliers ("1,2,4,8"), */
    int eps_blocks;                        /*   residual blocks per level, */
    char eps_dilation[32];                 /*   dilations per level ("": none), */
    int eps_attn;                          /*   attention blocks at the lowest level (docs/conv-models.md) */
    double eps_lr;                         /* the source and target-only denoisers' learning rate (0: lr) */
    int64_t eps_steps, target_steps, ft_steps, cls_steps, tcls_steps, guid_steps;
    int batch;                             /* the source denoiser and the classifiers */
    int target_batch;                      /* target-only and fine-tuning (0: batch) */
    double eps_ema;                        /* EMA decay of the source denoiser's weights (0: off) */
    tgdp_precision precision;              /* of the generators' training and sampling (denoisers,
                                              classifiers, guidance networks; tgdp/nn.h); the
                                              evaluation's classifiers stay fp32 (default fp32) */
    int source_per_seed;                   /* 1: a source denoiser per seed; 0: one pre-trained source
                                              model shared by the seeds (the method's setting) */
    double lr, ft_lr;
    double w_domain, w_tgdp;
    double eta_cycle, eta_consistency;
    double tcls_weight_decay, tcls_grad_penalty; /* the time classifiers (penalty divided by the target windows) */
    int sample_steps;
    tgdp_sampler sampler;
    int n_gen;                             /* generated windows per method and fold */
    double source_holdout;                 /* share of the source records held out of every source-side
                                              training, to measure the source model on (source_c2st_auroc;
                                              0: none) */
    tgdp_ecg_eval_config eval;             /* C2ST / TSTR classifiers */
    tgdp_eval_classifier_opts features;    /* the source feature classifier */
    void (*log)(void *ctx, const char *msg);
    void *log_ctx;
} tgdp_ecg_demo_config;

/* The default size (under 45 minutes on 2 cores, README) or the quick one (the test suite). */
void tgdp_ecg_demo_config_default(tgdp_ecg_demo_config *c, int quick);

typedef struct tgdp_ecg_demo_result {
    int method, fold, seed;
    tgdp_ecg_eval_result r;
} tgdp_ecg_demo_result;

typedef struct tgdp_ecg_demo_output {
    int64_t n_source, n_target, window;     /* windows */
    size_t source_records, target_records;
    int64_t skipped;                        /* records skipped while preparing */
    int n_classes;                          /* conditioning classes (labels present in the target + "other") */
    int class_label[TGDP_EVAL_MAX_LABELS];  /* label index of class j (-1: other) */
    tgdp_ecg_demo_result *results;          /* seeds x folds x methods, in that order */
    int n_results;
    /* the source model's samples against the held-out source records (one per source model:
     * seed 0's, or every seed's with source_per_seed); c2st_auroc is source_c2st_auroc */
    tgdp_ecg_eval_result *source_results;
    int n_source_results;
    int64_t source_heldout_windows;
    /* for the plots (seed 0, fold 0): generated windows [n_plot, 12 * window] per method and real
     * held-out target windows, with their classes */
    int n_plot;
    float *plot_gen[TGDP_ECG_M_COUNT];
    int64_t plot_gen_class[TGDP_ECG_M_COUNT][TGDP_ECG_DEMO_PLOT];
    float *plot_real;
    int n_plot_real;
    double seconds_prepare, seconds_total;
} tgdp_ecg_demo_output;

/* Runs the comparison on the database folders under data_dir. */
int tgdp_ecg_demo_run(const tgdp_ecg_demo_config *c, const char *data_dir, tgdp_ecg_demo_output *out,
                      tgdp_error *err);
void tgdp_ecg_demo_output_free(tgdp_ecg_demo_output *out);

/* ---------- paired comparisons ----------
 * Two methods' results of the same (seed, fold) share the source model, the fold's records and the
 * evaluation's seeds: their differences are paired. */

/* Which way metric m improves: -1 lower is better (c2st_auroc, feature_distance, mmd2, hr_w1),
 * +1 higher is better (tstr_macro_auroc, aug_*), 0 neither (a reference, or a value with an ideal
 * in the middle such as hf_noise_ratio). */
int tgdp_ecg_metric_sense(int m);

/* The metrics the demo compares methods on (c2st_auroc, mmd2, tstr_macro_auroc, aug_macro_auroc,
 * hr_w1). */
#define TGDP_ECG_N_COMPARE 5
extern const int tgdp_ecg_compare_metrics[TGDP_ECG_N_COMPARE];

/* Method m against method base on metric (sense != 0) over the (seed, fold) runs where both have a
 * finite value: mean of value(m) - value(base) with its 95% percentile-bootstrap interval (n_boot
 * resamples, seeded), the Wilcoxon signed-rank p and win_rate, the share of runs where m is better
 * in the metric's sense. No common run: n = 0 and NaN fields. base TGDP_ECG_BASE_REAL_ONLY with an
 * aug_* metric: the utility classifier trained on real + m's generated windows against the one
 * trained on the real windows alone, in the same run (aug_macro_auroc - real_only_macro_auroc). */
#define TGDP_ECG_BASE_REAL_ONLY (-1)
int tgdp_ecg_demo_compare(const tgdp_ecg_demo_output *o, int m, int base, int metric, int n_boot, uint64_t seed,
                          tgdp_paired_stats *out, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

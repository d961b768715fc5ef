/* tgdp evaluation with held-out target records (issue 3, item 6): how close generated ECG
 * windows are to real target windows that no model saw.
 *
 *  - record-level k-fold splits (tgdp_record_kfold): records, never windows, go to folds, so
 *    windows of one recording are never on both sides of a split; stratified by a per-record
 *    label; every record is tested exactly once over the k folds
 *  - AUROC (Mann-Whitney with average ranks for ties) and macro-AUROC over labels
 *  - classifier two-sample test (C2ST): a classifier separates generated from held-out real
 *    windows; its AUROC on a held-out part of both (0.5: indistinguishable, 1: separable)
 *  - feature distances: Frechet distance (Gaussian fit) and MMD^2 between generated and real
 *    windows in the feature space of a feature extractor (a classifier trained on source data,
 *    or fixed per-lead statistics)
 *  - TSTR: a multi-label classifier trained on synthetic windows with their requested labels,
 *    tested on real held-out windows (macro-AUROC over the labels present in the test set);
 *    TRTR (trained on the real target training folds) as the reference
 *  - rhythm realism (tgdp/ecg_beats.h): windows with beats at a physiological rate, heart-rate
 *    distance, RR regularity, high-frequency noise, generated against held-out real
 *  - mean and spread over folds and seeds
 *
 * Data: windows are float32 rows [n, d] (an ECG window [12, L] flattened: d = 12 L), labels
 * multi-hot int64 [n, K] (0/1), record ids int64 [n] (any values; equal id = same record).
 * All functions follow tgdp/core.h: TGDP_OK or a TGDP_E* code with a message in tgdp_error;
 * nothing prints. Every random choice comes from the seed given, so a call is reproducible.
 */
#ifndef TGDP_ECG_EVAL_H
#define TGDP_ECG_EVAL_H

#include "tgdp/api.h"

#include <stdint.h>

#include "tgdp/core.h"
#include "tgdp/ecg_beats.h"
#include "tgdp/tgdp.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

#define TGDP_EVAL_MAX_LABELS 64

/* ======================= data ======================= */

/* A set of windows (borrowed pointers). labels and record may be NULL. */
typedef struct tgdp_eval_set {
    int64_t n;
    int d;
    const float *x;        /* [n, d] */
    int n_labels;          /* K, 0 without labels */
    const int64_t *labels; /* [n, K] multi-hot 0/1, or NULL */
    const int64_t *record; /* [n] record id of each window, or NULL (every window its own record) */
} tgdp_eval_set;

/* A set that owns its arrays (from tgdp_eval_set_split / _take); .set views them. */
typedef struct tgdp_eval_owned {
    tgdp_eval_set set;
    float *x;
    int64_t *labels, *record;
} tgdp_eval_owned;

void tgdp_eval_owned_free(tgdp_eval_owned *o);
/* Copy of the rows rows[0..m-1] of s (in that order). */
int tgdp_eval_set_take(const tgdp_eval_set *s, int64_t m, const int64_t *rows, tgdp_eval_owned *out, tgdp_error *err);
/* Rows with part[i] == p into *in (may be NULL) and the others into *out (may be NULL), in
 * their original order; e.g. fold p of tgdp_record_kfold: in = test fold, out = training folds. */
int tgdp_eval_set_split(const tgdp_eval_set *s, const int *part, int p, tgdp_eval_owned *in, tgdp_eval_owned *out,
                        tgdp_error *err);

/* Class indices [n] (0..K-1) -> multi-hot [n, K] (what conditional sampling writes -> the
 * target's label layout). */
int tgdp_labels_one_hot(int64_t n, const int64_t *cls, int K, int64_t *out, tgdp_error *err);

/* ======================= record-level splits ======================= */

/* Stratum of each window for tgdp_record_kfold: its rarest positive label (by window count
 * over all n windows; ties: the lower label index), K when it has none. out: [n]. */
int tgdp_primary_labels(int64_t n, int K, const int64_t *labels, int64_t *out, tgdp_error *err);

/* Assign records to k folds: fold[i] in 0..k-1 for every window i, equal for all windows of a
 * record. Records are grouped by stratum (the stratum of a record is that of its first window;
 * strata may be NULL: one stratum), shuffled within it by the seed and dealt round-robin over
 * the folds, the deal continuing from stratum to stratum, so fold sizes in records differ by
 * at most one and every stratum is spread evenly. The result depends only on the set of
 * (record, stratum) pairs and the seed, not on the window order. Needs 2 <= k <= records. */
int tgdp_record_kfold(int64_t n, const int64_t *record, const int64_t *strata, int k, uint64_t seed, int *fold,
                      tgdp_error *err);

/* Two parts by record: part[i] = 0 (the first round(frac R) of R shuffled records, at least one
 * and at most R-1) or 1. record NULL: every window is its own record. Needs R >= 2. */
int tgdp_record_split(int64_t n, const int64_t *record, double frac, uint64_t seed, int *part, tgdp_error *err);

/* ======================= AUROC ======================= */

/* Area under the ROC curve of score for the positives (label != 0) against the negatives,
 * by the Mann-Whitney rank formula with average ranks for tied scores:
 *   AUC = (R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg)
 * (= P(score_pos > score_neg) + P(tie)/2). Needs both classes (else TGDP_EINVAL) and finite
 * scores (else TGDP_ENONFINITE). */
int tgdp_auroc(int64_t n, const float *score, const int64_t *label, double *out, tgdp_error *err);

typedef struct tgdp_macro_auroc {
    double value;                          /* mean of the used labels' AUROC; NaN when none is used */
    int n_labels;                          /* K */
    int n_used;                            /* labels with both classes in the set */
    int used[TGDP_EVAL_MAX_LABELS];        /* 1: label k entered the mean */
    double per_label[TGDP_EVAL_MAX_LABELS];/* AUROC of label k; NaN when skipped */
} tgdp_macro_auroc;

/* Macro-AUROC of scores [n, K] (e.g. logits) against multi-hot labels [n, K]: labels with only
 * one class present in the set are skipped and reported in used[] (no label usable is not an
 * error: value = NaN, n_used = 0). 1 <= K <= TGDP_EVAL_MAX_LABELS. */
int tgdp_macro_auroc_eval(int64_t n, int K, const float *scores, const int64_t *labels, tgdp_macro_auroc *out,
                          tgdp_error *err);

/* ======================= classifiers for evaluation ======================= */

#define TGDP_EVAL_MAX_HIDDEN 8

/* The networks the evaluation trains (C2ST, TSTR/TRTR, the source feature extractor). */
typedef struct tgdp_eval_classifier_opts {
    char arch[16];        /* network architecture by name: "mlp" (tgdp_net's MLP over the flat window) or
                             "resnet1d" (the 1-D ResNet over [n_leads, d / n_leads], tgdp/models.h) */
    int n_hidden;         /* mlp hidden layers and their widths */
    int hidden[TGDP_EVAL_MAX_HIDDEN];
    int width;            /* resnet1d base width (0: tgdp_conv_config_default's) */
    int n_leads;          /* channels of a window (convolutional archs view [n, d] as [n, n_leads, d/n_leads]) */
    int64_t steps;        /* Adam steps */
    int batch;
    double lr;
    double weight_decay;  /* decoupled (AdamW) */
    double clip;          /* gradient-norm clip, <= 0 none */
    uint64_t seed;        /* initial weights and batches */
} tgdp_eval_classifier_opts;

/* mlp 256,256 (SiLU), 12 leads, 400 steps of batch 64, lr 1e-3, weight decay 1e-4, clip 1, seed 0. */
void tgdp_eval_classifier_opts_default(tgdp_eval_classifier_opts *o);
/* Parse "256,128" into o->hidden / o->n_hidden. */
int tgdp_eval_parse_hidden(tgdp_eval_classifier_opts *o, const char *s, tgdp_error *err);

/* A fresh network (role classifier, no time or label input) mapping [n, in_dim] to out_dim
 * logits, for the arch named in o. Unknown arch: TGDP_EUNSUPPORTED. */
int tgdp_eval_classifier_create(tgdp_net *net, const tgdp_eval_classifier_opts *o, int in_dim, int out_dim,
                                uint64_t seed, tgdp_error *err);

/* Train net (out_dim = K logits) on x [n, d] with multi-hot labels [n, K] by label-balanced
 * binary cross-entropy: for label k with training prevalence p_k, positives weigh 1/(2 p_k) and
 * negatives 1/(2 (1 - p_k)) (labels present in all or none of the rows weigh 1). Batches are
 * drawn with replacement, step s from tgdp_rng_split(o->seed, s). */
int tgdp_train_multilabel(tgdp_net *net, const tgdp_eval_set *train, const tgdp_eval_classifier_opts *o,
                          tgdp_error *err);

/* ======================= classifier two-sample test ======================= */

typedef struct tgdp_c2st_opts {
    tgdp_eval_classifier_opts cls; /* the domain classifier (trained by tgdp_train_classifier) */
    double train_frac;             /* share of the real records (and generated windows) it trains on */
    int balance;                   /* nonzero: in each part the larger side is subsampled to the smaller;
                                      zero: all windows are used (the class-balanced loss weighs both
                                      classes equally, and the AUROC does not depend on class sizes) */
} tgdp_c2st_opts;

typedef struct tgdp_c2st_result {
    double auroc;                  /* generated = positive; 0.5 ideal */
    int64_t n_train_real, n_train_gen, n_test_real, n_test_gen;
} tgdp_c2st_result;

/* cls defaults (mlp 128,128, 300 steps), train_frac 0.5, balance off. */
void tgdp_c2st_opts_default(tgdp_c2st_opts *o);

/* C2ST: real windows are split by record (real->record; NULL: by window), generated windows at
 * random, train_frac of each to train the class-balanced classifier P(generated | x)
 * (tgdp_train_classifier, the domain classifier of Alg 1) and the rest to compute its AUROC. */
int tgdp_c2st(const tgdp_eval_set *real, const tgdp_eval_set *gen, const tgdp_c2st_opts *o, tgdp_c2st_result *res,
              tgdp_error *err);

/* ======================= feature extractors and distances ======================= */

/* Maps windows x [n, in_dim] to features out [n, dim]. */
typedef int (*tgdp_feature_fn)(void *ctx, int64_t n, const float *x, float *out, tgdp_error *err);

typedef struct tgdp_feature_extractor {
    tgdp_feature_fn fn;
    void *ctx;
    void (*free_ctx)(void *ctx); /* NULL: ctx is not owned */
    int in_dim;                  /* d of the windows it accepts */
    int dim;                     /* F */
    char name[64];               /* e.g. "ecg_stats", "classifier_penultimate" */
} tgdp_feature_extractor;

void tgdp_feature_extractor_free(tgdp_feature_extractor *fe);
int tgdp_features(const tgdp_feature_extractor *fe, int64_t n, int d, const float *x, float *out, tgdp_error *err);

/* Fixed ECG features, 12 per lead (dim = 12 n_leads), no training: standard deviation, range,
 * mean |first difference|, standard deviation of the second difference, skewness, excess
 * kurtosis, zero-crossing rate of the centred lead, and the share of the lead's energy in the
 * Haar wavelet details of levels 1..5 (at 100 Hz: 25-50, 12.5-25, 6-12.5, 3-6, 1.5-3 Hz). */
int tgdp_ecg_stat_features(tgdp_feature_extractor *fe, int n_leads, int length, tgdp_error *err);

/* Penultimate activations of a trained network: the input of its final linear layer (the last
 * hidden layer of an MLP; the pooled features of a convolutional classifier with a linear head).
 * The network is borrowed (must outlive fe); it must take no time or label input. */
int tgdp_net_features(tgdp_feature_extractor *fe, tgdp_net *net, tgdp_error *err);

/* A multi-label classifier trained on source windows with their labels (tgdp_train_multilabel),
 * used through tgdp_net_features; fe owns the network. */
int tgdp_source_features(tgdp_feature_extractor *fe, const tgdp_eval_set *source, const tgdp_eval_classifier_opts *o,
                         tgdp_error *err);

/* Symmetric eigen-decomposition (double, any rank): Householder reduction to tridiagonal form and
 * implicit QL iterations (EISPACK tred2/tql2). A [n, n] row-major (its symmetric part is used;
 * destroyed), w [n] eigenvalues ascending, V [n, n] (may be NULL) row-major with the eigenvector
 * of w[j] in column j: A = V diag(w) V^T. */
int tgdp_sym_eig(int n, double *A, double *w, double *V, tgdp_error *err);

/* Frechet distance between N(mu1, S1) and N(mu2, S2) (covariances [F, F] row-major):
 *   |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2)
 * with the square roots from symmetric eigen-decompositions whose negative eigenvalues
 * (round-off, rank deficiency) are set to zero. */
int tgdp_frechet_gaussian(int F, const double *mu1, const double *S1, const double *mu2, const double *S2,
                          double *out, tgdp_error *err);
/* The same for the sample means and covariances (n - 1 denominator) of x [n, F] and y [m, F];
 * n, m >= 2. Rank-deficient covariances (n <= F) are fine. */
int tgdp_frechet_distance(int64_t n, int64_t m, int F, const float *x, const float *y, double *out, tgdp_error *err);

typedef struct tgdp_feature_distance {
    double frechet;      /* Frechet distance of the standardised features */
    double mmd2;         /* unbiased MMD^2 (tgdp_mmd2_rbf) of the standardised features */
    double bandwidth;    /* median pairwise distance; the MMD kernel bandwidths are 0.5, 1, 2 times it */
    int dim;             /* F */
} tgdp_feature_distance;

/* Features of gen and real, standardised per feature by the real set's mean and standard
 * deviation (features constant over the real set: by 1; every sd floored at 0.1 x the median
 * sd, so that a nearly dead feature cannot dominate), then the Frechet distance and MMD^2
 * between them. MMD^2 uses at most max_mmd rows of each set (a seeded subsample; <= 0: 1000). */
int tgdp_feature_distances(const tgdp_feature_extractor *fe, const tgdp_eval_set *gen, const tgdp_eval_set *real,
                           int64_t max_mmd, uint64_t seed, tgdp_feature_distance *res, tgdp_error *err);

/* ======================= TSTR ======================= */

/* Train a multi-label classifier on train (labels [n, K] required) and return its macro-AUROC
 * on test (same K) over the labels with both classes in test. Train on synthetic windows with
 * their requested labels: TSTR; on real target training windows: TRTR. */
int tgdp_train_test_auroc(const tgdp_eval_set *train, const tgdp_eval_set *test, const tgdp_eval_classifier_opts *o,
                          tgdp_macro_auroc *res, tgdp_error *err);

/* ======================= utility: real + synthetic training data ======================= */

/* The paper's utility evaluation: a multi-label classifier (by default the 1-D ResNet, resnet1d,
 * over the raw windows) trained on the real target training windows plus the generated windows
 * (labelled by their conditioning labels) - "aug" - or on the real windows alone - "real_only" -
 * and tested on the held-out real windows, with
 *   macro AUROC   mean over the labels with both classes in the test set (tgdp_macro_auroc_eval)
 *   F_beta, G_beta (beta = 2) as defined by the PhysioNet/CinC Challenge 2020 (Perez Alday et al.,
 *                 Physiol. Meas. 41, 2020; evaluate_12ECG_score.py, compute_beta_measures, from the
 *                 2019-2020 unofficial phase): per label k, from a confusion matrix in which each test
 *                 window contributes 1 / (its number of positive labels) (1 when it has none)
 *                   F_beta,k = (1 + beta^2) TP / ((1 + beta^2) TP + FP + beta^2 FN)
 *                   G_beta,k = TP / (TP + FP + beta FN)
 *                 and the mean over the labels whose denominator is not 0; a window predicts label k
 *                 when its logit is above logit(threshold)
 * and a bootstrap interval for each: test records are resampled with replacement (all windows of a
 * drawn record come along) n_boot times, and the lo_q and hi_q quantiles of the replicates' values
 * are reported (replicates where a metric is undefined are left out). */
enum tgdp_utility_metric { TGDP_UM_MACRO_AUROC = 0, TGDP_UM_FBETA, TGDP_UM_GBETA, TGDP_UM_COUNT };
#define TGDP_BOOT_MAX 200

typedef struct tgdp_utility_opts {
    tgdp_eval_classifier_opts cls; /* the classifier (resnet1d, see tgdp_utility_opts_default) */
    double beta;                   /* 2 */
    double threshold;              /* probability above which a label is predicted: 0.5 */
    int n_boot;                    /* bootstrap replicates, 1..TGDP_BOOT_MAX: 200 */
    double lo_q, hi_q;             /* 0.05, 0.95 */
} tgdp_utility_opts;

typedef struct tgdp_utility_result {
    double value[TGDP_UM_COUNT];   /* on the whole test set (NaN: undefined or not computed) */
    double lo[TGDP_UM_COUNT], hi[TGDP_UM_COUNT]; /* the bootstrap interval */
    double lo_q, hi_q;             /* its quantiles */
    int n_boot;
    float boot[TGDP_UM_COUNT][TGDP_BOOT_MAX]; /* the replicates (NaN where undefined), for pooling */
    int64_t n_train, n_test;
} tgdp_utility_result;

/* resnet1d width 16 (mult 1,2,4, one block per stage), 600 steps of batch 64, lr 1e-3, weight
 * decay 1e-4; beta 2, threshold 0.5, 200 replicates, 5-95%. */
void tgdp_utility_opts_default(tgdp_utility_opts *o);
/* All fields NaN, n_boot 0. */
void tgdp_utility_result_clear(tgdp_utility_result *r);

/* Macro F_beta and G_beta of logits [n, K] against multi-hot labels [n, K] (definitions above);
 * NaN when no label has a non-zero denominator. */
void tgdp_challenge_beta_measures(int64_t n, int K, const float *logits, const int64_t *labels, double threshold,
                                  double beta, double *fbeta, double *gbeta);

/* The three metrics of logits [n, K] against the labels of test (with its record ids; NULL: every
 * window its own record), and their bootstrap replicates and interval (seeded). */
int tgdp_utility_scores(const tgdp_eval_set *test, const float *logits, const tgdp_utility_opts *o, uint64_t seed,
                        tgdp_utility_result *res, tgdp_error *err);

/* Train o->cls on train plus extra (extra may be NULL; both labelled with the same K as test) and
 * score test with tgdp_utility_scores. o->cls.seed seeds the classifier, seed the bootstrap. */
int tgdp_utility_eval(const tgdp_utility_opts *o, const tgdp_eval_set *train, const tgdp_eval_set *extra,
                      const tgdp_eval_set *test, uint64_t seed, tgdp_utility_result *res, tgdp_error *err);

/* Several independent test sets (the folds of a k-fold split): the mean of metric m's values over
 * the results, and the interval of that mean from the replicates (replicate b of the mean is the
 * mean of the results' replicates b: a bootstrap stratified by fold). NaN when no result has it. */
void tgdp_utility_pool(const tgdp_utility_result *const *r, int n, int m, double lo_q, double hi_q, double *mean,
                       double *lo, double *hi);

/* ======================= one fold, and k folds ======================= */

typedef struct tgdp_ecg_eval_config {
    tgdp_c2st_opts c2st;
    tgdp_eval_classifier_opts tstr; /* the downstream classifier of TSTR and TRTR */
    int64_t max_mmd;                /* rows per set for MMD^2 (tgdp_feature_distances) */
    int classifier_on_features;     /* nonzero: with a feature extractor, the C2ST, TSTR and TRTR
                                       classifiers take the standardised features instead of the
                                       windows (an MLP on raw, unaligned windows of a few records
                                       learns little; a convolutional arch should take the windows: 0) */
    double fs;                      /* sampling rate of the windows (Hz) for the realism metrics;
                                       <= 0: no realism metrics */
    int realism_lead;               /* lead the beats are detected on (TGDP_LEAD_II) */
    int utility;                    /* TGDP_UTILITY_* bits: which utility classifiers to train (0: none) */
    tgdp_utility_opts util;         /* their classifier and intervals */
    uint64_t seed;                  /* every random choice of one evaluation */
} tgdp_ecg_eval_config;

#define TGDP_UTILITY_AUG 1u       /* trained on the real training windows + the generated windows */
#define TGDP_UTILITY_REAL_ONLY 2u /* trained on the real training windows alone (the reference) */

/* The defaults above (classifier_on_features 1, max_mmd 1000, fs 100 Hz, lead II, utility
 * AUG | REAL_ONLY with tgdp_utility_opts_default); n_leads = 12 everywhere. */
void tgdp_ecg_eval_config_default(tgdp_ecg_eval_config *c);
/* Set the architecture (e.g. "mlp") of every classifier the evaluation trains. */
int tgdp_ecg_eval_config_arch(tgdp_ecg_eval_config *c, const char *arch, tgdp_error *err);

/* The scalar metrics of an evaluation, in report order. Their keys (tgdp_ecg_metric_key) are the
 * JSON keys of tgdp ecg evaluate and tgdp demo ecg. */
enum tgdp_ecg_metric {
    TGDP_EM_C2ST_AUROC = 0,     /* c2st_auroc */
    TGDP_EM_FEATURE_DISTANCE,   /* feature_distance */
    TGDP_EM_MMD2,               /* mmd2 */
    TGDP_EM_TSTR_MACRO_AUROC,   /* tstr_macro_auroc */
    TGDP_EM_TRTR_MACRO_AUROC,   /* trtr_macro_auroc */
    TGDP_EM_BEAT_FRACTION,      /* beat_fraction       (tgdp_ecg_realism) */
    TGDP_EM_REAL_BEAT_FRACTION, /* real_beat_fraction */
    TGDP_EM_HR_W1,              /* hr_w1 */
    TGDP_EM_RR_CV,              /* rr_cv */
    TGDP_EM_REAL_RR_CV,         /* real_rr_cv */
    TGDP_EM_HF_NOISE_RATIO,     /* hf_noise_ratio */
    TGDP_EM_AUG_MACRO_AUROC,    /* aug_macro_auroc     (tgdp_utility_eval, real + generated) */
    TGDP_EM_AUG_FBETA2,         /* aug_fbeta2 */
    TGDP_EM_AUG_GBETA2,         /* aug_gbeta2 */
    TGDP_EM_REAL_ONLY_MACRO_AUROC, /* real_only_macro_auroc (real training windows alone) */
    TGDP_EM_REAL_ONLY_FBETA2,   /* real_only_fbeta2 */
    TGDP_EM_REAL_ONLY_GBETA2,   /* real_only_gbeta2 */
    TGDP_EM_COUNT
};
const char *tgdp_ecg_metric_key(int m);  /* "c2st_auroc", ...; NULL out of range */
const char *tgdp_ecg_metric_help(int m); /* one line: what it measures and its ideal value */

typedef struct tgdp_ecg_eval_result {
    int fold;
    uint64_t seed;
    double c2st_auroc;       /* NaN when not computed */
    double feature_distance; /* Frechet distance in the extractor's feature space */
    double mmd2;             /* MMD^2 in the same space */
    double tstr_macro_auroc; /* trained on generated windows (needs their labels) */
    double trtr_macro_auroc; /* trained on the real training windows (needs them) */
    tgdp_macro_auroc tstr, trtr;
    tgdp_realism realism;    /* generated against the real test windows (NaN fields when cfg->fs <= 0) */
    tgdp_utility_result aug, real_only; /* the utility classifiers (NaN when not computed) */
    int64_t n_real_test, n_real_train, n_gen;
} tgdp_ecg_eval_result;

/* Metric m of a result (NaN when not computed). */
double tgdp_ecg_metric_value(const tgdp_ecg_eval_result *r, int m);
/* The utility result behind metric m (aug or real_only) and its index in it, or NULL for the
 * metrics without a bootstrap interval. */
const tgdp_utility_result *tgdp_ecg_metric_utility(const tgdp_ecg_eval_result *r, int m, int *um);

/* Evaluate generated windows against the held-out real windows of one fold:
 *   c2st_auroc        always (real_test needs >= 2 records)
 *   feature_distance, mmd2   when fe != NULL: features standardised by the real test windows'
 *                     mean and standard deviation (per feature), Frechet distance and MMD^2
 *   tstr_macro_auroc  when gen and real_test have labels (same K)
 *   trtr_macro_auroc  when real_train != NULL (with labels)
 *   realism           when cfg->fs > 0 (tgdp_ecg_realism on lead cfg->realism_lead of windows of
 *                     cfg->tstr.n_leads leads)
 *   aug, real_only    with the cfg->utility bits, real_train and labels (aug also needs gen's labels):
 *                     tgdp_utility_eval on the raw windows, the same classifier seed for both
 * With fe and cfg->classifier_on_features the classifiers see the same standardised features.
 * Metrics not computed are NaN. cfg->seed (mixed with fold) drives every random choice. */
int tgdp_ecg_eval_fold(const tgdp_ecg_eval_config *cfg, const tgdp_eval_set *real_train, const tgdp_eval_set *real_test,
                       const tgdp_eval_set *gen, const tgdp_feature_extractor *fe, int fold,
                       tgdp_ecg_eval_result *res, tgdp_error *err);

/* Progress callback: called after each (seed, fold) evaluation. */
typedef void (*tgdp_eval_progress)(void *ctx, int done, int total, const tgdp_ecg_eval_result *last);

/* Record-level k-fold evaluation of one generated set: for seed s = cfg->seed + j (j < n_seeds)
 * the real records are split into k folds (tgdp_record_kfold, stratified by tgdp_primary_labels
 * when real has labels), and fold f is evaluated with tgdp_ecg_eval_fold (real_test = fold f,
 * real_train = the other folds). results: k * n_seeds entries, seed-major. fe may be NULL. */
int tgdp_ecg_eval_kfold(const tgdp_ecg_eval_config *cfg, const tgdp_eval_set *real, const tgdp_eval_set *gen,
                        const tgdp_feature_extractor *fe, int k, int n_seeds, tgdp_ecg_eval_result *results,
                        tgdp_eval_progress progress, void *progress_ctx, tgdp_error *err);

/* ======================= aggregation ======================= */

typedef struct tgdp_stat {
    double mean, sd; /* sd: sample standard deviation (n - 1); 0 for n = 1; NaN for n = 0 */
    int n;           /* finite values used (NaN entries are skipped) */
} tgdp_stat;

tgdp_stat tgdp_stat_of(const double *v, int n);

typedef struct tgdp_ecg_eval_summary {
    tgdp_stat m[TGDP_EM_COUNT];        /* indexed by enum tgdp_ecg_metric */
    double lo[TGDP_EM_COUNT], hi[TGDP_EM_COUNT]; /* the utility metrics' bootstrap interval of the mean
                                          (tgdp_utility_pool over the results of each seed, then
                                          averaged over the seeds); NaN for the others */
} tgdp_ecg_eval_summary;

/* Mean and spread of every metric over n results (folds x seeds). */
void tgdp_ecg_eval_summarize(const tgdp_ecg_eval_result *r, int n, tgdp_ecg_eval_summary *out);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

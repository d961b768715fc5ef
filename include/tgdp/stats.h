/* Summaries and paired comparisons of repeated experiments.
 *
 *  - tgdp_mean_sd          mean and sample standard deviation, NaN entries skipped
 *  - tgdp_bootstrap_mean_ci percentile bootstrap interval of the mean of one sample
 *  - tgdp_wilcoxon_signed_rank  two-sided p-value of the Wilcoxon signed-rank test
 *  - tgdp_paired_compare   everything a paired comparison of two methods over the same seeds
 *                          reports: mean difference, its bootstrap interval, Wilcoxon p, win rate
 *
 * Bootstrap resamples are drawn from a tgdp_rng seeded by the caller, so results are
 * reproducible. Nothing prints; errors follow tgdp/core.h. */
#ifndef TGDP_STATS_H
#define TGDP_STATS_H

#include "tgdp/api.h"

#include "tgdp/core.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

/* Mean and sample standard deviation (n - 1) of the non-NaN values of x[0..n-1]; *count (may be
 * NULL) gets their number. No values: mean NaN; one value: sd 0. */
void tgdp_mean_sd(const double *x, int n, double *mean, double *sd, int *count);

/* Percentile bootstrap interval of the mean of x[0..n-1] (n >= 1, no NaN): n_boot resamples of n
 * values drawn with replacement; lo/hi are the (1 - level)/2 and (1 + level)/2 quantiles of the
 * resampled means (linear interpolation between order statistics). */
int tgdp_bootstrap_mean_ci(const double *x, int n, int n_boot, double level, uint64_t seed, double *lo, double *hi,
                           tgdp_error *err);

/* Two-sided p-value of the Wilcoxon signed-rank test that the differences d[0..n-1] are
 * symmetric about 0. Zero differences are dropped (Wilcoxon's convention); |d| is ranked with
 * average ranks for ties. Exact null distribution (all 2^k sign patterns) when the k non-zero
 * differences have no ties and k <= 50; otherwise the normal approximation with the tie
 * correction of the variance and a continuity correction of 0.5. No non-zero difference: p = 1. */
int tgdp_wilcoxon_signed_rank(const double *d, int n, double *p, tgdp_error *err);

/* A paired comparison of method X against a baseline over the same n replicates (seeds):
 * x[i], base[i] are the two methods' scores (lower is better) on replicate i. */
typedef struct tgdp_paired_stats {
    int n;            /* replicates */
    double mean_diff; /* mean of x - base */
    double ci_low, ci_high; /* percentile bootstrap interval of mean_diff (level given) */
    double p_wilcoxon;      /* two-sided Wilcoxon signed-rank p of x - base */
    double win_rate;        /* share of replicates with x < base */
} tgdp_paired_stats;

int tgdp_paired_compare(const double *x, const double *base, int n, int n_boot, double level, uint64_t seed,
                        tgdp_paired_stats *out, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

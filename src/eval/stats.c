/* Summaries and paired comparisons of repeated experiments (tgdp/stats.h). */
#include "tgdp/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void tgdp_mean_sd(const double *x, int n, double *mean, double *sd, int *count)
{
    double s = 0, s2 = 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (isnan(x[i])) continue;
        s += x[i];
        k++;
    }
    const double m = k ? s / k : NAN;
    for (int i = 0; i < n; i++)
        if (!isnan(x[i])) s2 += (x[i] - m) * (x[i] - m);
    if (mean) *mean = m;
    if (sd) *sd = k > 1 ? sqrt(s2 / (k - 1)) : (k ? 0 : NAN);
    if (count) *count = k;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* the q-quantile of sorted v[0..n-1], linear interpolation between order statistics */
static double quantile_sorted(const double *v, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1) return v[n - 1];
    if (i < 0) return v[0];
    double f = pos - i;
    return v[i] + f * (v[i + 1] - v[i]);
}

int tgdp_bootstrap_mean_ci(const double *x, int n, int n_boot, double level, uint64_t seed, double *lo, double *hi,
                           tgdp_error *err)
{
    if (n < 1 || n_boot < 1 || !(level > 0 && level < 1))
        return tgdp_fail(err, TGDP_EINVAL, "bootstrap: needs n >= 1 (got %d), resamples >= 1 (got %d), 0 < level < 1",
                         n, n_boot);
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) return tgdp_fail(err, TGDP_ENONFINITE, "bootstrap: value %d is %g", i, x[i]);
    double *means = malloc((size_t)n_boot * sizeof *means);
    if (!means) return tgdp_fail(err, TGDP_ENOMEM, "bootstrap: out of memory for %d resamples", n_boot);
    tgdp_rng r = tgdp_rng_new(seed);
    for (int b = 0; b < n_boot; b++) {
        double s = 0;
        for (int i = 0; i < n; i++) s += x[tgdp_rng_below(&r, (uint64_t)n)];
        means[b] = s / n;
    }
    qsort(means, (size_t)n_boot, sizeof *means, cmp_double);
    *lo = quantile_sorted(means, n_boot, (1 - level) / 2);
    *hi = quantile_sorted(means, n_boot, (1 + level) / 2);
    free(means);
    return TGDP_OK;
}

typedef struct {
    double a; /* |d| */
    int pos;  /* d > 0 */
} absdiff;

static int cmp_absdiff(const void *a, const void *b)
{
    double x = ((const absdiff *)a)->a, y = ((const absdiff *)b)->a;
    return (x > y) - (x < y);
}

/* exact two-sided p of the rank sum of the positive differences t (integer ranks 1..k) */
static double exact_p(int k, double t, double *work)
{
    const int max = k * (k + 1) / 2;
    double *pr = work; /* pr[s] = P(T+ = s) over the signs of ranks 1..j */
    memset(pr, 0, (size_t)(max + 1) * sizeof *pr);
    pr[0] = 1;
    for (int j = 1; j <= k; j++) {
        int top = j * (j + 1) / 2;
        for (int s = top; s >= 0; s--) pr[s] = 0.5 * (pr[s] + (s >= j ? pr[s - j] : 0));
    }
    double lower = 0, upper = 0;
    for (int s = 0; s <= max; s++) {
        if (s <= t + 1e-9) lower += pr[s];
        if (s >= t - 1e-9) upper += pr[s];
    }
    double p = 2 * fmin(lower, upper);
    return p > 1 ? 1 : p;
}

int tgdp_wilcoxon_signed_rank(const double *d, int n, double *p, tgdp_error *err)
{
    if (n < 0) return tgdp_fail(err, TGDP_EINVAL, "Wilcoxon: negative count");
    absdiff *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    double *rank = malloc((size_t)(n > 0 ? n : 1) * sizeof *rank);
    double *work = malloc((size_t)(51 * 52 / 2 + 1) * sizeof *work);
    if (!v || !rank || !work) {
        free(v); free(rank); free(work);
        return tgdp_fail(err, TGDP_ENOMEM, "Wilcoxon: out of memory");
    }
    int k = 0, rc = TGDP_OK;
    for (int i = 0; i < n && !rc; i++) {
        if (isnan(d[i])) rc = tgdp_fail(err, TGDP_EINVAL, "Wilcoxon: difference %d is NaN", i);
        else if (d[i] != 0) v[k++] = (absdiff){fabs(d[i]), d[i] > 0};
    }
    if (!rc && k == 0) *p = 1;
    if (!rc && k > 0) {
        qsort(v, (size_t)k, sizeof *v, cmp_absdiff);
        int ties = 0;
        double tie_term = 0; /* sum over tie groups of (g^3 - g) */
        for (int i = 0; i < k;) {
            int j = i;
            while (j + 1 < k && v[j + 1].a == v[i].a) j++;
            for (int q = i; q <= j; q++) rank[q] = 0.5 * (i + j) + 1; /* average of ranks i+1..j+1 */
            int g = j - i + 1;
            if (g > 1) {
                ties = 1;
                tie_term += (double)g * g * g - g;
            }
            i = j + 1;
        }
        double tplus = 0;
        for (int i = 0; i < k; i++)
            if (v[i].pos) tplus += rank[i];
        if (!ties && k <= 50) *p = exact_p(k, tplus, work);
        else {
            double mean = k * (k + 1) / 4.0, var = k * (k + 1) * (2.0 * k + 1) / 24.0 - tie_term / 48.0;
            double z = var > 0 ? (fabs(tplus - mean) - 0.5) / sqrt(var) : 0;
            if (z < 0) z = 0;
            *p = erfc(z / sqrt(2.0));
            if (*p > 1) *p = 1;
        }
    }
    free(v); free(rank); free(work);
    return rc;
}

int tgdp_paired_compare(const double *x, const double *base, int n, int n_boot, double level, uint64_t seed,
                        tgdp_paired_stats *out, tgdp_error *err)
{
    if (n < 1) return tgdp_fail(err, TGDP_EINVAL, "paired comparison: no replicates");
    double *d = malloc((size_t)n * sizeof *d);
    if (!d) return tgdp_fail(err, TGDP_ENOMEM, "paired comparison: out of memory");
    int wins = 0;
    for (int i = 0; i < n; i++) {
        d[i] = x[i] - base[i];
        wins += x[i] < base[i];
    }
    memset(out, 0, sizeof *out);
    out->n = n;
    tgdp_mean_sd(d, n, &out->mean_diff, NULL, NULL);
    out->win_rate = (double)wins / n;
    int rc = tgdp_bootstrap_mean_ci(d, n, n_boot, level, seed, &out->ci_low, &out->ci_high, err);
    if (!rc) rc = tgdp_wilcoxon_signed_rank(d, n, &out->p_wilcoxon, err);
    free(d);
    return rc;
}

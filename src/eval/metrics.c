/* Sample-quality metrics: unbiased MMD^2 (sum of RBF kernels), energy distance, and
 * Gaussian-mixture oracle metrics (NLL, mode-mass error, label accuracy, guidance-gradient
 * error, log-ratio MAE). Pair sums run in parallel over rows into per-row partials that are
 * then summed serially, so results do not depend on the thread count. */
#include "tgdp/metrics.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const double tgdp_mmd_default_bandwidths[TGDP_MMD_NUM_BANDWIDTHS] = {0.05, 0.1, 0.2, 0.5, 1.0};

#define MAX_BANDWIDTHS 64
#define BLOCK 256 /* pairs handled per vectorised block */

/* Pair kernel on squared distances D2: the sum of RBFs exp(coef[b] D2), coef[b] = -1/(2 b^2),
 * or, with nb = 0, the Euclidean distance sqrt(D2) used by the energy distance.
 * lim[b] = 708 / |coef[b]|: beyond it the RBF term is below 1e-307. */
typedef struct pair_kernel {
    int nb;
    double coef[MAX_BANDWIDTHS], lim[MAX_BANDWIDTHS];
} pair_kernel;

/* exp(c * d2) for c < 0, d2 >= 0, written without branches or selects so that loops over it
 * vectorise under strict IEEE flags (libm's exp() is a call, several times slower per pair):
 *  - d2 is limited to lim = 708/|c| by min(a, b) = (a + b - |a - b|)/2 (no comparison); past it
 *    the result is exp(-708) ~ 3e-308 instead of a smaller number, a difference that cannot
 *    show in any sum;
 *  - x = k ln2 + r, |r| <= ln2/2; exp(r) = exp(r/4)^4 with exp(r/4) by its degree-8 Taylor
 *    polynomial (truncation < 1e-15), 2^k assembled in the exponent bits (k in [-1022, 0]).
 * Relative error < 1e-12 (measured max 1.2e-13 over the whole range). */
static inline double rbf_term(double c, double d2, double lim)
{
    const double shift = 0x1.8p52; /* adding it rounds to an integer kept in the low mantissa bits */
    double x = c * (0.5 * ((d2 + lim) - fabs(d2 - lim)));
    double kd = x * 0x1.71547652b82fep0 + shift; /* x / ln 2 */
    double k = kd - shift;
    /* ln 2 = hi + lo with k * hi exact */
    double r = 0.25 * ((x - k * 0x1.62e42fee00000p-1) - k * 0x1.a39ef35793c76p-33);
    double r2 = r * r, r4 = r2 * r2;
    double lo = (1.0 + r) + r2 * (0.5 + r * (1.0 / 6.0));
    double hi = (1.0 / 24.0 + r * (1.0 / 120.0)) + r2 * (1.0 / 720.0 + r * (1.0 / 5040.0));
    double p = lo + r4 * (hi + r4 * (1.0 / 40320.0)); /* Estrin form: short dependency chains */
    p *= p;
    p *= p;
    uint64_t bits, ebits;
    memcpy(&bits, &kd, sizeof bits);
    ebits = (bits + 1023u) << 52; /* the low bits of kd hold k: biased exponent k + 1023 */
    double scale;
    memcpy(&scale, &ebits, sizeof scale);
    return p * scale;
}

/* On x86-64 the block loops are also compiled for AVX2 (4 doubles per vector instead of 2, about
 * twice as fast) and picked at run time. Both versions perform the same IEEE operations in the
 * same order (no FMA: "avx2" alone does not enable it, and contraction is off in ISO C mode),
 * so results are identical on any x86-64 machine. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang_analyzer__)
#define PAIR_LOOP_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define PAIR_LOOP_CLONES
#endif

/* d2[j] = ||a - y_j||^2 for the len rows of y */
PAIR_LOOP_CLONES static void sqdist_block(const float *a, const float *y, int len, int d, double *restrict d2)
{
    for (int j = 0; j < len; j++) d2[j] = 0;
    for (int c = 0; c < d; c++) {
        const double ac = a[c];
        for (int j = 0; j < len; j++) {
            double e = ac - (double)y[(size_t)j * d + c];
            d2[j] += e * e;
        }
    }
}

/* sum_j k(d2[j]) in a fixed order: element-wise (vectorisable) kernel values, then a serial sum */
PAIR_LOOP_CLONES static double kernel_block_sum(const pair_kernel *k, const double *restrict d2, int len, double *restrict kv)
{
    if (k->nb == 0) {
        for (int j = 0; j < len; j++) kv[j] = sqrt(d2[j]);
    } else {
        for (int j = 0; j < len; j++) kv[j] = rbf_term(k->coef[0], d2[j], k->lim[0]);
        for (int b = 1; b < k->nb; b++) {
            const double c = k->coef[b], lim = k->lim[b];
            for (int j = 0; j < len; j++) kv[j] += rbf_term(c, d2[j], lim);
        }
    }
    double s = 0;
    for (int j = 0; j < len; j++) s += kv[j];
    return s;
}

/* sum_{j in [j0, j1)} k(a, y_j) */
static double row_kernel_sum(const pair_kernel *k, const float *a, const float *y, int j0, int j1, int d)
{
    double d2[BLOCK], kv[BLOCK], s = 0;
    for (int c0 = j0; c0 < j1; c0 += BLOCK) {
        int len = j1 - c0 < BLOCK ? j1 - c0 : BLOCK;
        sqdist_block(a, y + (size_t)c0 * d, len, d, d2);
        s += kernel_block_sum(k, d2, len, kv);
    }
    return s;
}

static inline double sqdist(const float *a, const float *b, int d)
{
    double s = 0;
    for (int j = 0; j < d; j++) {
        double e = (double)a[j] - (double)b[j];
        s += e * e;
    }
    return s;
}

/* sum_{i<j} k(x_i, x_j) over one sample (each unordered pair once) */
static double within_sum(const pair_kernel *k, int n, int d, const float *x, double *row)
{
#pragma omp parallel for schedule(dynamic, 16)
    for (int i = 0; i < n; i++) row[i] = row_kernel_sum(k, x + (size_t)i * d, x, i + 1, n, d);
    double tot = 0;
    for (int i = 0; i < n; i++) tot += row[i];
    return tot;
}

/* sum_{i,j} k(x_i, y_j) */
static double cross_sum(const pair_kernel *k, int n, int m, int d, const float *x, const float *y, double *row)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) row[i] = row_kernel_sum(k, x + (size_t)i * d, y, 0, m, d);
    double tot = 0;
    for (int i = 0; i < n; i++) tot += row[i];
    return tot;
}

/* within-x mean + within-y mean - 2 * cross mean, unbiased (i != j) within terms;
 * sum_{i != j} = 2 sum_{i < j} by symmetry */
static int two_sample_stat(const pair_kernel *k, int n, int m, int d, const float *x, const float *y, double *out,
                           const char *what, tgdp_error *err)
{
    if (n < 2 || m < 2 || d < 1 || !x || !y || !out)
        return tgdp_fail(err, TGDP_EINVAL, "%s: need n, m >= 2 rows and d >= 1 (got n=%d, m=%d, d=%d)", what, n, m, d);
    int rc = tgdp_check_finite(x, (size_t)n * d, what, err);
    if (!rc) rc = tgdp_check_finite(y, (size_t)m * d, what, err);
    if (rc) return rc;
    double *row = malloc((size_t)(n > m ? n : m) * sizeof *row);
    if (!row) return tgdp_fail(err, TGDP_ENOMEM, "%s: cannot allocate %d row sums", what, n > m ? n : m);
    double sxx = within_sum(k, n, d, x, row);
    double syy = within_sum(k, m, d, y, row);
    double sxy = cross_sum(k, n, m, d, x, y, row);
    free(row);
    *out = 2.0 * sxx / ((double)n * (n - 1)) + 2.0 * syy / ((double)m * (m - 1)) - 2.0 * sxy / ((double)n * m);
    return TGDP_OK;
}

int tgdp_mmd2_rbf(int n, int m, int d, const float *x, const float *y, const double *bw, int nbw, double *out,
                  tgdp_error *err)
{
    if (!bw) {
        bw = tgdp_mmd_default_bandwidths;
        nbw = TGDP_MMD_NUM_BANDWIDTHS;
    }
    if (nbw < 1 || nbw > MAX_BANDWIDTHS)
        return tgdp_fail(err, TGDP_EINVAL, "mmd: %d bandwidths (need 1..%d)", nbw, MAX_BANDWIDTHS);
    pair_kernel k = {nbw, {0}, {0}};
    for (int b = 0; b < nbw; b++) {
        if (!(bw[b] > 0) || !isfinite(bw[b])) return tgdp_fail(err, TGDP_EINVAL, "mmd: bandwidth %d is %g", b, bw[b]);
        k.coef[b] = -1.0 / (2.0 * bw[b] * bw[b]);
        k.lim[b] = 708.0 * 2.0 * bw[b] * bw[b];
    }
    return two_sample_stat(&k, n, m, d, x, y, out, "mmd", err);
}

int tgdp_energy_distance(int n, int m, int d, const float *x, const float *y, double *out, tgdp_error *err)
{
    pair_kernel k = {0, {0}, {0}};
    /* energy = 2 E||X-Y|| - E||X-X'|| - E||Y-Y'|| = -(within_x + within_y - 2 cross) */
    int rc = two_sample_stat(&k, n, m, d, x, y, out, "energy distance", err);
    if (rc == TGDP_OK) *out = -*out;
    return rc;
}

/* ---------- oracle metrics ---------- */

int tgdp_mean_nll(const tgdp_gmm *g, int n, const float *x, double *out, tgdp_error *err)
{
    if (n < 1 || !out) return tgdp_fail(err, TGDP_EINVAL, "nll: need n >= 1 rows (got %d)", n);
    double *lp = malloc((size_t)n * sizeof *lp);
    if (!lp) return tgdp_fail(err, TGDP_ENOMEM, "nll: cannot allocate %d values", n);
    int rc = tgdp_gmm_log_prob(g, 1.0, 0.0, n, x, NULL, lp, err);
    if (rc == TGDP_OK) {
        double s = 0;
        for (int i = 0; i < n; i++) s -= lp[i];
        *out = s / n;
    }
    free(lp);
    return rc;
}

/* *comp_out[i] = most probable component of g at t = 0 (caller frees) */
static int argmax_components(const tgdp_gmm *g, int n, const float *x, int **comp_out, const char *what,
                             tgdp_error *err)
{
    int *comp = malloc((size_t)n * sizeof *comp);
    if (!comp) return tgdp_fail(err, TGDP_ENOMEM, "%s: cannot allocate %d values", what, n);
    int rc = tgdp_gmm_argmax_component(g, 1.0, 0.0, n, x, comp, err);
    if (rc != TGDP_OK) {
        tgdp_error_prefix(err, "%s", what);
        free(comp);
        return rc;
    }
    *comp_out = comp;
    return TGDP_OK;
}

int tgdp_mode_mass_error(const tgdp_gmm *g, int comp, int n, const float *x, double *out, tgdp_error *err)
{
    if (!g || comp < 0 || comp >= g->k || n < 1 || !out)
        return tgdp_fail(err, TGDP_EINVAL, "mode mass: invalid component %d or n=%d", comp, n);
    int *c = NULL, rc = argmax_components(g, n, x, &c, "mode mass", err);
    if (rc) return rc;
    long hits = 0;
    for (int i = 0; i < n; i++) hits += c[i] == comp;
    free(c);
    *out = fabs((double)hits / n - g->w[comp]);
    return TGDP_OK;
}

int tgdp_label_accuracy(const tgdp_gmm *g, int n, const float *x, const int *labels, double *out,
                        tgdp_error *err)
{
    if (!g || n < 1 || !labels || !out) return tgdp_fail(err, TGDP_EINVAL, "label accuracy: invalid arguments");
    int *c = NULL, rc = argmax_components(g, n, x, &c, "label accuracy", err);
    if (rc) return rc;
    long hits = 0;
    for (int i = 0; i < n; i++) hits += g->label[c[i]] == labels[i];
    free(c);
    *out = (double)hits / n;
    return TGDP_OK;
}

int tgdp_guidance_grad_error(int n, int d, const float *g_est, const float *g_true, const float *sigma,
                             double *out, tgdp_error *err)
{
    if (n < 1 || d < 1 || !g_est || !g_true || !out)
        return tgdp_fail(err, TGDP_EINVAL, "guidance error: invalid arguments (n=%d, d=%d)", n, d);
    double *row = malloc((size_t)n * sizeof *row);
    if (!row) return tgdp_fail(err, TGDP_ENOMEM, "guidance error: cannot allocate %d values", n);
#pragma omp parallel for schedule(static) if ((long)n * d > 16384)
    for (int i = 0; i < n; i++) {
        double s2 = sigma ? (double)sigma[i] * sigma[i] : 1.0;
        row[i] = s2 * sqdist(g_est + (size_t)i * d, g_true + (size_t)i * d, d);
    }
    double tot = 0;
    for (int i = 0; i < n; i++) tot += row[i];
    free(row);
    *out = tot / ((double)n * d);
    return TGDP_OK;
}

int tgdp_log_ratio_mae(int n, const float *est, const double *truth, double *out, tgdp_error *err)
{
    if (n < 1 || !est || !truth || !out) return tgdp_fail(err, TGDP_EINVAL, "log-ratio MAE: invalid arguments");
    double s = 0;
    for (int i = 0; i < n; i++) s += fabs((double)est[i] - truth[i]);
    *out = s / n;
    return TGDP_OK;
}

/* Paired comparisons: Wilcoxon signed-rank p-values against known exact values, the bootstrap
 * interval of the mean, mean/sd with NaN skipped. */
#include "testutil.h"
#include "tgdp/stats.h"

#include <math.h>
#include <string.h>

static void test_mean_sd(void)
{
    const double x[5] = {1, 2, NAN, 3, 6};
    double m, s;
    int k;
    tgdp_mean_sd(x, 5, &m, &s, &k);
    CHECK(k == 4);
    CHECK_CLOSE(m, 3.0, 1e-12, 0);
    CHECK_CLOSE(s, sqrt(14.0 / 3.0), 1e-12, 0);
    tgdp_mean_sd(x + 2, 1, &m, &s, &k);
    CHECK(k == 0 && isnan(m));
    tgdp_mean_sd(x, 1, &m, &s, &k);
    CHECK(k == 1 && m == 1 && s == 0);
}

static void test_wilcoxon(void)
{
    double p;
    /* all five positive: T+ = 15, P(T+ >= 15) = 1/32, two-sided 1/16 */
    const double a[5] = {0.5, 1, 1.5, 2, 2.5};
    CHECK(tgdp_wilcoxon_signed_rank(a, 5, &p, NULL) == TGDP_OK);
    CHECK_CLOSE(p, 0.0625, 1e-12, 0);
    /* ten of one sign: 2 / 1024; the sign does not matter */
    double b[10];
    for (int i = 0; i < 10; i++) b[i] = -(i + 1) * 0.1;
    CHECK(tgdp_wilcoxon_signed_rank(b, 10, &p, NULL) == TGDP_OK);
    CHECK_CLOSE(p, 2.0 / 1024, 1e-12, 0);
    /* SciPy's documented example (Wilcoxon's height differences): statistic 24, exact two-sided
     * p = 0.041259765625 */
    const double c[15] = {6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};
    CHECK(tgdp_wilcoxon_signed_rank(c, 15, &p, NULL) == TGDP_OK);
    CHECK_CLOSE(p, 0.041259765625, 1e-12, 0);
    /* zeros are dropped: the same as without them */
    const double z[7] = {0, 0.5, 1, 1.5, 0, 2, 2.5};
    CHECK(tgdp_wilcoxon_signed_rank(z, 7, &p, NULL) == TGDP_OK);
    CHECK_CLOSE(p, 0.0625, 1e-12, 0);
    /* symmetric differences: p = 1; all zero: p = 1 */
    const double s[4] = {1, -1, 2, -2};
    CHECK(tgdp_wilcoxon_signed_rank(s, 4, &p, NULL) == TGDP_OK && p > 0.99);
    const double zz[3] = {0, 0, 0};
    CHECK(tgdp_wilcoxon_signed_rank(zz, 3, &p, NULL) == TGDP_OK && p == 1);
    /* ties: the normal approximation with the tie correction. d = 1,1,1,1,2,2,-3,4 (k = 8):
     * ranks 2.5 x4, 5.5 x2, 7, 8; T+ = 10 + 11 + 8 = 29, mean 18, var 51 - (60 + 6)/48 = 49.625;
     * z = (11 - 0.5)/sqrt(49.625) */
    const double t[8] = {1, 1, 1, 1, 2, 2, -3, 4};
    CHECK(tgdp_wilcoxon_signed_rank(t, 8, &p, NULL) == TGDP_OK);
    CHECK_CLOSE(p, erfc((10.5 / sqrt(49.625)) / sqrt(2.0)), 1e-12, 0);
    CHECK(tgdp_wilcoxon_signed_rank((const double[]){1, NAN}, 2, &p, NULL) == TGDP_EINVAL);
}

static void test_bootstrap(void)
{
    double lo, hi;
    const double k[6] = {2, 2, 2, 2, 2, 2};
    CHECK(tgdp_bootstrap_mean_ci(k, 6, 1000, 0.95, 1, &lo, &hi, NULL) == TGDP_OK);
    CHECK(lo == 2 && hi == 2);
    /* 2000 standard normal draws: the interval is mean +- 1.96 / sqrt(2000) within a few % */
    enum { N = 2000 };
    static double x[N];
    tgdp_rng r = tgdp_rng_new(7);
    double m = 0;
    for (int i = 0; i < N; i++) m += (x[i] = tgdp_rng_normal(&r)) / N;
    CHECK(tgdp_bootstrap_mean_ci(x, N, 10000, 0.95, 3, &lo, &hi, NULL) == TGDP_OK);
    const double half = 1.96 / sqrt((double)N);
    CHECKF(fabs((hi - lo) / 2 - half) < 0.06 * half, "half width %g vs %g", (hi - lo) / 2, half);
    CHECKF(fabs((hi + lo) / 2 - m) < 0.1 * half, "centre %g vs mean %g", (hi + lo) / 2, m);
    /* the same seed gives the same interval */
    double lo2, hi2;
    CHECK(tgdp_bootstrap_mean_ci(x, N, 10000, 0.95, 3, &lo2, &hi2, NULL) == TGDP_OK && lo2 == lo && hi2 == hi);
    tgdp_error e;
    CHECK(tgdp_bootstrap_mean_ci(x, 0, 10, 0.95, 1, &lo, &hi, &e) == TGDP_EINVAL);
    CHECK(tgdp_bootstrap_mean_ci((const double[]){1, INFINITY}, 2, 10, 0.95, 1, &lo, &hi, &e) == TGDP_ENONFINITE);
}

static void test_paired(void)
{
    /* x is base - 0.1 on every replicate but one: mean -0.1 + 0.3/10, win rate 0.9 */
    double x[10], base[10];
    for (int i = 0; i < 10; i++) {
        base[i] = 1 + 0.05 * i;
        x[i] = base[i] - 0.1 - 0.001 * i;
    }
    x[9] = base[9] + 0.2;
    tgdp_paired_stats s;
    CHECK(tgdp_paired_compare(x, base, 10, 10000, 0.95, 1, &s, NULL) == TGDP_OK);
    double md = 0;
    for (int i = 0; i < 10; i++) md += (x[i] - base[i]) / 10;
    CHECK_CLOSE(s.mean_diff, md, 1e-12, 0);
    CHECK(s.n == 10 && fabs(s.win_rate - 0.9) < 1e-12);
    CHECK(s.ci_low <= s.mean_diff && s.mean_diff <= s.ci_high && s.ci_low < s.ci_high);
    CHECK(s.ci_low >= -0.11 && s.ci_high <= 0.01);
    /* nine of ten negative, the positive one the largest |d|: T+ = 10; 43 of the 1024 sign
     * patterns have T+ <= 10 (subsets of 1..10 summing to at most 10), so p = 86/1024 */
    CHECK_CLOSE(s.p_wilcoxon, 86.0 / 1024, 1e-12, 0);
}

int main(void)
{
    test_mean_sd();
    test_wilcoxon();
    test_bootstrap();
    test_paired();
    TEST_MAIN_END();
}

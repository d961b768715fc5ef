/* Metrics: MMD^2 and energy distance against brute-force formulas, ≈ 0 for equal and clearly
 * positive for shifted distributions, bit-identical on 1 and 2 threads; NLL, mode mass,
 * label accuracy, guidance-gradient error and log-ratio MAE on known cases. */
#include "testutil.h"
#include "tgdp/metrics.h"

#include <string.h>

/* direct O(n^2) formulas in the documented convention, libm exp */
static double brute_kernel(const float *a, const float *b, int d, int energy)
{
    double d2 = 0;
    for (int j = 0; j < d; j++) d2 += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
    if (energy) return sqrt(d2);
    double s = 0;
    for (int k = 0; k < TGDP_MMD_NUM_BANDWIDTHS; k++) {
        double bw = tgdp_mmd_default_bandwidths[k];
        s += exp(-d2 / (2 * bw * bw));
    }
    return s;
}

static double brute_stat(int n, int m, int d, const float *x, const float *y, int energy)
{
    double sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (i != j) sxx += brute_kernel(x + i * d, x + j * d, d, energy);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            if (i != j) syy += brute_kernel(y + i * d, y + j * d, d, energy);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) sxy += brute_kernel(x + i * d, y + j * d, d, energy);
    double v = sxx / ((double)n * (n - 1)) + syy / ((double)m * (m - 1)) - 2 * sxy / ((double)n * m);
    return energy ? -v : v;
}

static void test_against_brute_force(void)
{
    /* 3-D, unequal sizes (crossing the 256-pair block size), spread from 0 to far apart so
     * that every kernel term from ~1 down to underflow is exercised */
    enum { NX = 300, NY = 270, D = 3 };
    static float x[NX * D], y[NY * D];
    tgdp_rng r = tgdp_rng_new(4);
    tgdp_rng_fill_normal(&r, x, NX * D, 0.0f, 0.4f);
    tgdp_rng_fill_normal(&r, y, NY * D, 0.2f, 0.6f);
    x[0] = 40.0f; /* a far outlier */
    double mmd, ed;
    CHECK(tgdp_mmd2_rbf(NX, NY, D, x, y, NULL, 0, &mmd, NULL) == TGDP_OK);
    CHECK(tgdp_energy_distance(NX, NY, D, x, y, &ed, NULL) == TGDP_OK);
    CHECK_CLOSE(mmd, brute_stat(NX, NY, D, x, y, 0), 1e-12, 1e-10);
    CHECK_CLOSE(ed, brute_stat(NX, NY, D, x, y, 1), 1e-12, 1e-10);
    /* explicit bandwidths == defaults; a single bandwidth */
    double mmd2, one;
    CHECK(tgdp_mmd2_rbf(NX, NY, D, x, y, tgdp_mmd_default_bandwidths, 5, &mmd2, NULL) == TGDP_OK);
    CHECK(mmd2 == mmd);
    const double bw1[1] = {0.3};
    CHECK(tgdp_mmd2_rbf(2, 2, 1, (const float[]){0, 1}, (const float[]){0, 2}, bw1, 1, &one, NULL) == TGDP_OK);
    /* k(0,1) + k(0,2) - (k(0,0) + k(0,2) + k(1,0) + k(1,2)) / 2 with k(a,b) = exp(-(a-b)^2 / 0.18) */
    double k1 = exp(-1 / 0.18), k2 = exp(-4 / 0.18);
    CHECK_CLOSE(one, k1 + k2 - (1 + k2 + k1 + k1) / 2, 1e-15, 1e-12);
}

static void test_two_sample(void)
{
    enum { N = 2000, D = 2 };
    float *a = malloc(N * D * sizeof *a), *b = malloc(N * D * sizeof *b), *c = malloc(N * D * sizeof *c);
    tgdp_rng r = tgdp_rng_new(10);
    tgdp_rng_fill_normal(&r, a, N * D, 0, 1);
    tgdp_rng_fill_normal(&r, b, N * D, 0, 1);
    tgdp_rng_fill_normal(&r, c, N * D, 0, 1);
    for (int i = 0; i < N * D; i += D) c[i] += 0.5f; /* shift the first coordinate */
    double same1, same2, shift1, shift2, e_same1, e_same2, e_shift;
    tgdp_set_threads(1);
    CHECK(tgdp_mmd2_rbf(N, N, D, a, b, NULL, 0, &same1, NULL) == TGDP_OK);
    CHECK(tgdp_energy_distance(N, N, D, a, b, &e_same1, NULL) == TGDP_OK);
    CHECK(tgdp_mmd2_rbf(N, N, D, a, c, NULL, 0, &shift1, NULL) == TGDP_OK);
    tgdp_set_threads(2);
    CHECK(tgdp_mmd2_rbf(N, N, D, a, b, NULL, 0, &same2, NULL) == TGDP_OK);
    CHECK(tgdp_energy_distance(N, N, D, a, b, &e_same2, NULL) == TGDP_OK);
    CHECK(tgdp_mmd2_rbf(N, N, D, a, c, NULL, 0, &shift2, NULL) == TGDP_OK);
    CHECK(tgdp_energy_distance(N, N, D, a, c, &e_shift, NULL) == TGDP_OK);
    printf("N(0,I) 2000 vs 2000: MMD^2 same %.3g, shifted by 0.5: %.3g; energy same %.3g, shifted %.3g\n", same1,
           shift1, e_same1, e_shift);
    /* bit-identical on 1 and 2 threads */
    CHECK(same1 == same2 && shift1 == shift2 && e_same1 == e_same2);
    CHECKF(fabs(same1) < 0.002, "MMD^2 of equal distributions %g", same1);
    CHECKF(shift1 > 0.02, "MMD^2 of shifted distributions %g", shift1);
    CHECKF(fabs(e_same1) < 0.01, "energy distance of equal distributions %g", e_same1);
    CHECKF(e_shift > 0.05, "energy distance of shifted distributions %g", e_shift);
    /* symmetric in its arguments (up to summation order) */
    double rev;
    CHECK(tgdp_mmd2_rbf(N, N, D, c, a, NULL, 0, &rev, NULL) == TGDP_OK);
    CHECK_CLOSE(rev, shift1, 1e-12, 1e-9);
    free(a);
    free(b);
    free(c);
}

static void test_oracle_metrics(void)
{
    enum { N = 20000 };
    tgdp_gmm tgt, src, one;
    tgdp_gmm_demo_target(&tgt, NULL);
    tgdp_gmm_demo_source(&src, NULL);
    const double mu[2] = {0.3, -0.2}, var[1] = {0.25};
    tgdp_gmm_init(&one, 1, 2, NULL, mu, var, NULL, NULL);
    float *x = malloc(N * 2 * sizeof *x);
    int *lab = malloc(N * sizeof *lab), *flip = malloc(N * sizeof *flip);
    tgdp_rng r = tgdp_rng_new(12);
    /* NLL of a Gaussian's own samples -> its entropy d/2 log(2 pi e s^2) */
    CHECK(tgdp_gmm_sample(&one, N, &r, x, NULL, NULL) == TGDP_OK);
    double nll, nll_src;
    CHECK(tgdp_mean_nll(&one, N, x, &nll, NULL) == TGDP_OK);
    CHECK_CLOSE(nll, log(2 * 3.141592653589793 * 2.718281828459045 * 0.25), 0.02, 0);
    /* target samples: mode mass balanced, labels recovered, NLL lower under the target */
    CHECK(tgdp_gmm_sample(&tgt, N, &r, x, lab, NULL) == TGDP_OK);
    double mode, acc, acc_flip;
    CHECK(tgdp_mode_mass_error(&tgt, 0, N, x, &mode, NULL) == TGDP_OK);
    CHECK(mode < 0.02);
    for (int i = 0; i < N; i++) flip[i] = 1 - lab[i];
    CHECK(tgdp_label_accuracy(&tgt, N, x, lab, &acc, NULL) == TGDP_OK);
    CHECK(tgdp_label_accuracy(&tgt, N, x, flip, &acc_flip, NULL) == TGDP_OK);
    /* P(a draw falls on the other component's side) = Phi(-(1/sqrt2)/sqrt(0.1)) = 1.27% */
    CHECK_CLOSE(acc, 1 - 0.0127, 0.004, 0);
    CHECK_CLOSE(acc + acc_flip, 1.0, 1e-12, 0);
    CHECK(tgdp_mean_nll(&tgt, N, x, &nll, NULL) == TGDP_OK);
    CHECK(tgdp_mean_nll(&src, N, x, &nll_src, NULL) == TGDP_OK);
    CHECK(nll_src > nll + 1.0);
    /* all samples on one component: mode-mass error 0.5 */
    for (int i = 0; i < N; i++) lab[i] = 1;
    CHECK(tgdp_gmm_sample_cond(&tgt, N, lab, &r, x, NULL) == TGDP_OK);
    CHECK(tgdp_mode_mass_error(&tgt, 0, N, x, &mode, NULL) == TGDP_OK);
    CHECK(mode > 0.48);
    tgdp_error err;
    CHECK(tgdp_mode_mass_error(&tgt, 2, N, x, &mode, &err) == TGDP_EINVAL);
    free(x);
    free(lab);
    free(flip);
    tgdp_gmm_free(&tgt);
    tgdp_gmm_free(&src);
    tgdp_gmm_free(&one);
}

static void test_simple_errors(void)
{
    const float ge[6] = {1, 2, 3, 0, 0, 0}, gt[6] = {1, 0, 3, 1, 1, 1}, sg[2] = {0.5f, 2.0f};
    double e;
    /* (0.25 * 4 + 4 * 3) / (2 * 3) */
    CHECK(tgdp_guidance_grad_error(2, 3, ge, gt, sg, &e, NULL) == TGDP_OK);
    CHECK_CLOSE(e, (0.25 * 4 + 4 * 3) / 6.0, 1e-12, 0);
    CHECK(tgdp_guidance_grad_error(2, 3, ge, gt, NULL, &e, NULL) == TGDP_OK);
    CHECK_CLOSE(e, 7 / 6.0, 1e-12, 0);
    const float est[3] = {0.5f, -1, 2};
    const double truth[3] = {0, -1, 3};
    CHECK(tgdp_log_ratio_mae(3, est, truth, &e, NULL) == TGDP_OK);
    CHECK_CLOSE(e, 0.5, 1e-12, 0);
    tgdp_error err;
    float bad[4] = {0, NAN, 1, 2};
    CHECK(tgdp_mmd2_rbf(2, 2, 1, bad, bad + 2, NULL, 0, &e, &err) == TGDP_ENONFINITE);
    CHECK(tgdp_mmd2_rbf(1, 2, 1, bad + 2, bad + 2, NULL, 0, &e, &err) == TGDP_EINVAL);
    const double bw0[1] = {0};
    CHECK(tgdp_mmd2_rbf(2, 2, 1, bad + 2, bad + 2, bw0, 1, &e, &err) == TGDP_EINVAL);
}

int main(void)
{
    test_against_brute_force();
    test_two_sample();
    test_oracle_metrics();
    test_simple_errors();
    TEST_MAIN_END();
}

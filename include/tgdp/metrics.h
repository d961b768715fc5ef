/* tgdp metrics: two-sample distances (MMD^2 with a sum of RBF kernels, energy distance) and
 * oracle-based scores for the Gaussian-mixture simulation (NLL, mode mass, label accuracy,
 * guidance-gradient error, log-ratio error).
 *
 * All sums are accumulated in double, in parallel over rows with one partial sum per row and
 * then a serial sum over rows: results are bit-identical for any thread count.
 * Arrays are float, n*d, C order. */
#ifndef TGDP_METRICS_H
#define TGDP_METRICS_H

#include "tgdp/api.h"

#include "tgdp/core.h"
#include "tgdp/gmm.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

/* Default MMD bandwidths b: k(x, y) = sum_b exp(-||x - y||^2 / (2 b^2)), so k(x, x) = 5. */
#define TGDP_MMD_NUM_BANDWIDTHS 5
extern const double tgdp_mmd_default_bandwidths[TGDP_MMD_NUM_BANDWIDTHS]; /* 0.05 0.1 0.2 0.5 1.0 */

/* Unbiased MMD^2 between x (n*d) and y (m*d), n, m >= 2:
 *   1/(n(n-1)) sum_{i!=j} k(x_i,x_j) + 1/(m(m-1)) sum_{i!=j} k(y_i,y_j) - 2/(nm) sum_{i,j} k(x_i,y_j)
 * with k the sum of RBF kernels above. bw: nbw bandwidths > 0, or NULL for the defaults.
 * Can be slightly negative when the distributions are equal. */
int tgdp_mmd2_rbf(int n, int m, int d, const float *x, const float *y, const double *bw, int nbw, double *out,
                  tgdp_error *err);

/* Energy distance 2 E||X - Y|| - E||X - X'|| - E||Y - Y'|| with unbiased within-sample
 * terms (i != j pairs); n, m >= 2. */
int tgdp_energy_distance(int n, int m, int d, const float *x, const float *y, double *out, tgdp_error *err);

/* Mean of -log g(x_i) under the mixture at t = 0. */
int tgdp_mean_nll(const tgdp_gmm *g, int n, const float *x, double *out, tgdp_error *err);

/* |share of rows whose most probable component of g (t = 0) is `comp` - w_comp|. For the demo
 * target with comp = 0 (the +mu_T component, weight 0.5) this is |share(+mu_T) - 0.5|. */
int tgdp_mode_mass_error(const tgdp_gmm *g, int comp, int n, const float *x, double *out, tgdp_error *err);

/* Share of rows whose most probable component of g (t = 0) carries the label labels[i]. */
int tgdp_label_accuracy(const tgdp_gmm *g, int n, const float *x, const int *labels, double *out,
                        tgdp_error *err);

/* Guidance-gradient error in noise units: mean_i sigma_i^2 ||g_est_i - g_true_i||^2 / d
 * (sigma: n values, the sigma_t of each row; NULL means 1). */
int tgdp_guidance_grad_error(int n, int d, const float *g_est, const float *g_true, const float *sigma,
                             double *out, tgdp_error *err);

/* Mean absolute error of log r: mean_i |est_i - truth_i|. */
int tgdp_log_ratio_mae(int n, const float *est, const double *truth, double *out, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

/* tgdp gmm: exact oracle for mixtures of isotropic Gaussians in any dimension.
 *
 * Under the forward process x_t = alpha x0 + sigma eps, component k, N(mu_k, s_k^2 I), becomes
 * N(alpha mu_k, (alpha^2 s_k^2 + sigma^2) I), so every time-t quantity is exact: the density
 * p_t, its score, the component posterior, and for a source/target pair (P, Q) the guidance
 * h*(x, t) = q_t(x)/p_t(x), its gradient and the exact target noise -sigma ∇ log q_t.
 *
 * Time-t functions take (alpha, sigma) = (alpha_t, sigma_t) of any schedule (see diffusion.h);
 * (1, 0) is the data distribution at t = 0. Arrays are float (n*d, C order) in, and float or
 * double out as stated; everything is computed in double, batched over rows with OpenMP.
 *
 * Labels: each component carries a label index >= 0 (default: its component index). Where a
 * function takes `labels` (n entries, may be NULL), a non-NULL array restricts row i to the
 * components whose label is labels[i]: log_prob then gives the joint log p_t(x, y), and score
 * the conditional score ∇_x log p_t(x | y) (the score of the single component when labels
 * are component indices). A label without a component is an error (TGDP_EINVAL). */
#ifndef TGDP_GMM_H
#define TGDP_GMM_H

#include "tgdp/api.h"

#include "tgdp/core.h"
#include "tgdp/diffusion.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

typedef struct tgdp_gmm {
    int k, d;
    double *w;    /* k weights, normalised to sum to 1 */
    double *mu;   /* k*d means */
    double *var;  /* k variances: s_k^2 of an isotropic component, the mean of dvar otherwise */
    int *label;   /* k label indices >= 0 */
    double *dvar; /* k*d variances along the axes of the rotation (all s_k^2 when isotropic) */
    double *rot;  /* d*d orthonormal R (row-major): component c is N(mu_c, R diag(dvar_c) R^T); NULL = I */
    double *mu_rot; /* k*d means in the rotated basis, R^T mu_c (internal) */
} tgdp_gmm;

#define TGDP_GMM_MAX_ROT_DIM 256

/* Copies the parameters. w: k non-negative weights with a positive sum (normalised here), or
 * NULL for equal weights; label: k indices >= 0, or NULL for label = component index. */
int tgdp_gmm_init(tgdp_gmm *g, int k, int d, const double *w, const double *mu, const double *var,
                  const int *label, tgdp_error *err);
/* Anisotropic components sharing one orthonormal rotation R (d*d, row-major; NULL: axes):
 * component c is N(mu_c, R diag(dvar_c) R^T), dvar: k*d positive variances. Under the forward
 * process every time-t quantity stays exact (covariance R diag(a^2 dvar_c + sigma^2) R^T).
 * Functions taking two mixtures need them to share the same rotation. */
int tgdp_gmm_init_full(tgdp_gmm *g, int k, int d, const double *w, const double *mu, const double *dvar,
                       const double *rot, const int *label, tgdp_error *err);
void tgdp_gmm_free(tgdp_gmm *g);
/* 1 + the largest label index */
int tgdp_gmm_num_labels(const tgdp_gmm *g);

/* The 2-D simulation of the method page (covariance 0.1 I, i.e. s^2 = 0.1, equal weights):
 *   source: component 0 = N(+mu_S, 0.1 I), component 1 = N(-mu_S, 0.1 I), mu_S = (0.5, 0.5)
 *   target: component 0 = N(+mu_T, 0.1 I), component 1 = N(-mu_T, 0.1 I), mu_T = (0.5, -0.5)
 * The paper's label +1 (the + component) is label index 0, label -1 is label index 1. */
#define TGDP_GMM_DEMO_VAR 0.1
int tgdp_gmm_demo_source(tgdp_gmm *g, tgdp_error *err);
int tgdp_gmm_demo_target(tgdp_gmm *g, tgdp_error *err);

/* n draws at t = 0; labels_out (may be NULL) gets each draw's component label. Component
 * choices are drawn serially, the Gaussian noise with tgdp_rng_fill_normal: results do not
 * depend on the thread count. */
int tgdp_gmm_sample(const tgdp_gmm *g, int n, tgdp_rng *rng, float *x, int *labels_out, tgdp_error *err);
/* n draws at t = 0 of x | y = labels[i] */
int tgdp_gmm_sample_cond(const tgdp_gmm *g, int n, const int *labels, tgdp_rng *rng, float *x, tgdp_error *err);

/* log p_t(x) (labels NULL) or log p_t(x, y) (labels given); out: n doubles */
int tgdp_gmm_log_prob(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, const int *labels,
                      double *out, tgdp_error *err);
/* ∇_x log p_t(x) or ∇_x log p_t(x | y); out: n*d */
int tgdp_gmm_score(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, const int *labels,
                   float *out, tgdp_error *err);
/* exact noise -sigma ∇_x log p_t (x [| y]); out: n*d */
int tgdp_gmm_eps(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, const int *labels,
                 float *out, tgdp_error *err);
/* P(component k | x_t); out: n*k, rows sum to 1 */
int tgdp_gmm_posterior(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, float *out,
                       tgdp_error *err);
/* index of the most probable component of each row at time t (first on ties); out: n */
int tgdp_gmm_argmax_component(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, int *out,
                              tgdp_error *err);

/* Source P, target Q (same d): log h*(x, t) = log q_t(x [, y]) - log p_t(x [, y]); at
 * (alpha, sigma) = (1, 0) this is the density ratio log r. out: n doubles */
int tgdp_gmm_log_h(const tgdp_gmm *p, const tgdp_gmm *q, double alpha, double sigma, int n, const float *x,
                   const int *labels, double *out, tgdp_error *err);
/* ∇_x log h*(x, t) = ∇ log q_t - ∇ log p_t; out: n*d */
int tgdp_gmm_grad_log_h(const tgdp_gmm *p, const tgdp_gmm *q, double alpha, double sigma, int n, const float *x,
                        const int *labels, float *out, tgdp_error *err);

/* Laplacian (trace of the Hessian) of log p_t(x) or log p_t(x | y); out: n doubles. The exact
 * divergence of the oracle noise -sigma grad log p_t is -sigma times this. */
int tgdp_gmm_laplacian(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, const int *labels,
                       double *out, tgdp_error *err);
/* Laplacian of log h*(x, t) = log q_t - log p_t; out: n doubles */
int tgdp_gmm_laplacian_log_h(const tgdp_gmm *p, const tgdp_gmm *q, double alpha, double sigma, int n, const float *x,
                             const int *labels, double *out, tgdp_error *err);

/* Noise-predictor callback (tgdp_eps_fn) returning the exact noise of `gmm` at time t under
 * `schedule`: the "oracle" sampler input. labels NULL: unconditional; otherwise labels[i] is
 * the requested label of sample i (at least n entries), giving the conditional noise. */
typedef struct tgdp_gmm_oracle {
    const tgdp_gmm *gmm;
    const tgdp_schedule *schedule;
    const int *labels;
} tgdp_gmm_oracle;
int tgdp_gmm_oracle_eps(void *ctx, int n, int d, const float *x, float t, float *eps_out, tgdp_error *err);
/* the same with the exact divergence of that noise (tgdp_eps_div_fn) */
int tgdp_gmm_oracle_eps_div(void *ctx, int n, int d, const float *x, float t, float *eps_out, double *div_out,
                            tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

/* tgdp diffusion: VP noise schedules (continuous linear and discrete DDPM), forward noising,
 * and samplers (DDPM ancestral, DDIM, DPM-Solver-1, DPM-Solver-2) driven by any noise
 * predictor through a callback.
 *
 * Conventions:
 *  - time t in [0, 1]; x_t = alpha_t x0 + sigma_t eps, alpha_t^2 + sigma_t^2 = 1;
 *    lambda_t = log alpha_t - log sigma_t (half log-SNR), strictly decreasing in t.
 *  - samplers integrate from t = 1 down to t_end (e.g. 1e-3) and return x at t_end (no extra
 *    "denoise to zero" step); every sampler targets the same marginal p_{t_end}.
 */
#ifndef TGDP_DIFFUSION_H
#define TGDP_DIFFUSION_H

#include "tgdp/api.h"

#include "tgdp/core.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

/* ---------- noise schedules ---------- */
typedef enum tgdp_schedule_kind {
    TGDP_SCHEDULE_VP_LINEAR = 0, /* beta(t) = beta0 + t (beta1 - beta0), continuous */
    TGDP_SCHEDULE_DISCRETE = 1   /* DDPM: T steps, linear betas beta0..beta1 */
} tgdp_schedule_kind;

typedef struct tgdp_schedule {
    tgdp_schedule_kind kind;
    double beta0, beta1; /* VP linear: continuous rates (0.1, 20); discrete: first/last beta (1e-4, 0.02) */
    int T;               /* discrete only: number of steps */
    /* discrete only: T+1 knots, log_alpha[k] = 0.5 log(abar_k) at t = k/T, with abar_0 = 1.
     * On [1/T, 1] this is DPM-Solver's NoiseScheduleVP('discrete') piecewise-linear log alpha;
     * the extra knot (0, 0) extends it to (0, 1/T) with sigma -> 0 as t -> 0 (DPM-Solver
     * extrapolates the first segment instead, which makes alpha > 1 near t = 0). For t > 1
     * the last segment is extrapolated. Owned; freed by tgdp_schedule_free. */
    double *log_alpha;
} tgdp_schedule;

/* Continuous VP linear schedule; beta1 > beta0 >= 0. Allocates nothing. */
int tgdp_schedule_init_vp_linear(tgdp_schedule *s, double beta0, double beta1, tgdp_error *err);
/* Discrete DDPM schedule with T >= 2 steps and linear betas beta_start..beta_end in (0, 1). */
int tgdp_schedule_init_discrete(tgdp_schedule *s, int T, double beta_start, double beta_end, tgdp_error *err);
/* Defaults: VP linear (0.1, 20); discrete (T, 1e-4, 0.02). */
int tgdp_schedule_init_default(tgdp_schedule *s, tgdp_schedule_kind kind, int T, tgdp_error *err);
void tgdp_schedule_free(tgdp_schedule *s);
/* "linear" / "vp-linear" / "vp" and "discrete" / "ddpm-discrete" */
int tgdp_schedule_kind_parse(const char *name, tgdp_schedule_kind *out, tgdp_error *err);
const char *tgdp_schedule_kind_name(tgdp_schedule_kind kind);

/* Marginal coefficients at time t (t >= 0; t = 0 gives alpha = 1, sigma = 0, lambda = +inf). */
double tgdp_schedule_log_alpha(const tgdp_schedule *s, double t);
double tgdp_schedule_alpha(const tgdp_schedule *s, double t);
double tgdp_schedule_sigma(const tgdp_schedule *s, double t);
double tgdp_schedule_lambda(const tgdp_schedule *s, double t);
/* Inverse of lambda_t, in closed form (VP linear, as DPM-Solver) or by inverting the
 * piecewise-linear log alpha (discrete). */
double tgdp_schedule_t_of_lambda(const tgdp_schedule *s, double lambda);

/* Forward noising of a batch, one time per row: xt[i,:] = alpha(t[i]) x0[i,:] + sigma(t[i]) eps[i,:].
 * xt may alias x0 or eps. */
void tgdp_schedule_noise(const tgdp_schedule *s, int n, int d, const float *x0, const float *t,
                         const float *eps, float *xt);

/* ---------- samplers ---------- */
/* Noise predictor: eps_out[n*d] = eps(x[n*d], t); all n rows share t. Labels, guidance and
 * networks live in ctx. Returns TGDP_OK or an error code (filling err). */
typedef int (*tgdp_eps_fn)(void *ctx, int n, int d, const float *x, float t, float *eps_out, tgdp_error *err);
/* Called after each solver step with step = 1..total. */
typedef void (*tgdp_progress_fn)(void *ctx, int step, int total);

typedef enum tgdp_sampler {
    TGDP_SAMPLER_DDPM = 0, /* ancestral sampling, time-uniform grid, 1 evaluation per step */
    TGDP_SAMPLER_DDIM = 1, /* deterministic DDIM (eta = 0), time-uniform grid, 1 evaluation per step */
    TGDP_SAMPLER_DPM1 = 2, /* DPM-Solver-1, grid uniform in lambda, 1 evaluation per step */
    TGDP_SAMPLER_DPM2 = 3  /* singlestep DPM-Solver-2 (r1 = 0.5), grid uniform in lambda, 2 evaluations per step */
} tgdp_sampler;

/* "ddpm", "ddim", "dpm1" / "dpm-solver-1", "dpm2" / "dpm-solver-2" (case-insensitive). */
int tgdp_sampler_parse(const char *name, tgdp_sampler *out, tgdp_error *err);
const char *tgdp_sampler_name(tgdp_sampler kind);
/* Number of noise-predictor evaluations for `steps` solver steps. `steps` always counts solver
 * steps: DPM-Solver-2 with 25 steps evaluates the predictor 50 times. */
int tgdp_sampler_nfe(tgdp_sampler kind, int steps);

/* The steps+1 times t[0] = 1 > t[1] > ... > t[steps] = t_end the sampler visits. DDPM and DDIM
 * use a grid uniform in t; DPM-Solver-1/2 a grid uniform in lambda (logSNR), as DPM-Solver's
 * "logSNR" skip type. Requires steps >= 1 and 0 < t_end < 1. */
int tgdp_sampler_time_grid(const tgdp_schedule *s, tgdp_sampler kind, int steps, double t_end, double *ts,
                           tgdp_error *err);

/* Draw x_1 ~ N(0, I) from rng (tgdp_rng_fill_normal: thread-count invariant) and integrate to
 * t_end with `steps` solver steps. x_out: n*d floats. Buffers are allocated once per call.
 * Fails with TGDP_ENONFINITE if the result contains NaN/Inf. */
int tgdp_sample(const tgdp_schedule *s, tgdp_sampler kind, int steps, double t_end, tgdp_eps_fn fn, void *ctx,
                int n, int d, tgdp_rng *rng, float *x_out, tgdp_error *err);
/* Same, reporting progress after each step (progress may be NULL). */
int tgdp_sample_progress(const tgdp_schedule *s, tgdp_sampler kind, int steps, double t_end, tgdp_eps_fn fn,
                         void *ctx, int n, int d, tgdp_rng *rng, float *x_out, tgdp_progress_fn progress,
                         void *progress_ctx, tgdp_error *err);

/* ---------- likelihood through the probability-flow ODE ----------
 * A noise predictor with the exact divergence of its output: eps_out[n*d] = eps(x, t) and
 * div_out[n] = tr(d eps / d x) per row. */
typedef int (*tgdp_eps_div_fn)(void *ctx, int n, int d, const float *x, float t, float *eps_out, double *div_out,
                               tgdp_error *err);

/* log p_{t_min}(x0) of the model defined by fn: the probability-flow ODE
 *   dx/dt = f(t) (x - eps(x, t) / sigma_t),   f(t) = d log alpha_t / dt,
 * is integrated from t_min to 1 with `steps` classical Runge-Kutta steps (a grid uniform in
 * sqrt(t), finer near the data), together with the instantaneous change of variables
 *   d log p(x_t) / dt = -div(dx/dt) = -f(t) (d - div eps / sigma_t),
 * and log p_1(x_1) = log N(x_1; 0, I). logp_out: n doubles. The result depends on the step count
 * only through the integration error (tests/test_likelihood.c measures it on exact mixtures). */
int tgdp_flow_log_prob(const tgdp_schedule *s, tgdp_eps_div_fn fn, void *ctx, int n, int d, const float *x0,
                       int steps, double t_min, double *logp_out, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

/* Samplers for noise-prediction diffusion models: DDPM ancestral, DDIM (eta = 0),
 * DPM-Solver-1 and singlestep DPM-Solver-2 (r1 = 0.5, the "midpoint" method of Lu et al.,
 * NeurIPS 2022, Algorithm 1, noise-prediction form). The noise predictor is a callback, so the
 * same code samples source, target, guided and oracle models.
 *
 * Step formulas, from time t to time s < t (h = lambda_s - lambda_t > 0):
 *   DDIM:      x0 = (x - sigma_t eps)/alpha_t;  x_s = alpha_s x0 + sigma_s eps
 *   DPM-1:     x_s = (alpha_s/alpha_t) x - sigma_s expm1(h) eps(x, t)            (= DDIM, other grid)
 *   DPM-2:     m = t(lambda_t + h/2)
 *              u = (alpha_m/alpha_t) x - sigma_m expm1(h/2) eps(x, t)
 *              x_s = (alpha_s/alpha_t) x - sigma_s expm1(h) eps(u, m)
 *   DDPM:      x_s ~ q(x_s | x_t, x0 = (x - sigma_t eps)/alpha_t), i.e.
 *              x_s = (alpha_s/alpha_t) (x - sigma_{t|s}^2/sigma_t eps) + (sigma_{t|s} sigma_s/sigma_t) z,
 *              sigma_{t|s}^2 = 1 - (alpha_t/alpha_s)^2; noise is added on every step, the last
 *              included, so that the output is a draw of p_{t_end} like the other samplers'. */
#include "tgdp/diffusion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PAR_MIN 16384 /* element count above which loops run in parallel */

int tgdp_sampler_parse(const char *name, tgdp_sampler *out, tgdp_error *err)
{
    static const struct {
        const char *name;
        tgdp_sampler kind;
    } names[] = {{"ddpm", TGDP_SAMPLER_DDPM},         {"ddim", TGDP_SAMPLER_DDIM},
                 {"dpm1", TGDP_SAMPLER_DPM1},         {"dpm-solver-1", TGDP_SAMPLER_DPM1},
                 {"dpm_solver_1", TGDP_SAMPLER_DPM1}, {"dpm2", TGDP_SAMPLER_DPM2},
                 {"dpm-solver-2", TGDP_SAMPLER_DPM2}, {"dpm_solver_2", TGDP_SAMPLER_DPM2}};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (!strcasecmp(name, names[i].name)) {
            *out = names[i].kind;
            return TGDP_OK;
        }
    }
    return tgdp_fail(err, TGDP_EINVAL, "unknown sampler '%s' (expected ddpm, ddim, dpm1 or dpm2)",
                     name ? name : "(null)");
}

const char *tgdp_sampler_name(tgdp_sampler kind)
{
    switch (kind) {
    case TGDP_SAMPLER_DDPM: return "ddpm";
    case TGDP_SAMPLER_DDIM: return "ddim";
    case TGDP_SAMPLER_DPM1: return "dpm1";
    case TGDP_SAMPLER_DPM2: return "dpm2";
    default: return "unknown";
    }
}

int tgdp_sampler_nfe(tgdp_sampler kind, int steps) { return kind == TGDP_SAMPLER_DPM2 ? 2 * steps : steps; }

int tgdp_sampler_time_grid(const tgdp_schedule *s, tgdp_sampler kind, int steps, double t_end, double *ts,
                           tgdp_error *err)
{
    if (steps < 1) return tgdp_fail(err, TGDP_EINVAL, "sampler: steps must be >= 1 (got %d)", steps);
    if (!(t_end > 0 && t_end < 1)) return tgdp_fail(err, TGDP_EINVAL, "sampler: t_end must lie in (0, 1) (got %g)", t_end);
    if (kind == TGDP_SAMPLER_DPM1 || kind == TGDP_SAMPLER_DPM2) {
        /* uniform in lambda (DPM-Solver's "logSNR" skip type) */
        double l0 = tgdp_schedule_lambda(s, 1.0), l1 = tgdp_schedule_lambda(s, t_end);
        for (int i = 1; i < steps; i++) ts[i] = tgdp_schedule_t_of_lambda(s, l0 + (l1 - l0) * i / steps);
    } else if (kind == TGDP_SAMPLER_DDPM || kind == TGDP_SAMPLER_DDIM) {
        for (int i = 1; i < steps; i++) ts[i] = 1.0 + (t_end - 1.0) * i / steps;
    } else {
        return tgdp_fail(err, TGDP_EINVAL, "sampler: unknown kind %d", (int)kind);
    }
    ts[0] = 1.0;
    ts[steps] = t_end;
    return TGDP_OK;
}

/* ---------- per-element kernels (double coefficients, float storage) ---------- */

/* out = a x + b y (out may alias x or y) */
static void lin2(float *out, double a, const float *x, double b, const float *y, size_t nd)
{
#pragma omp parallel for schedule(static) if (nd > PAR_MIN)
    for (size_t i = 0; i < nd; i++) out[i] = (float)(a * x[i] + b * y[i]);
}

/* out = a x + b y + c z */
static void lin3(float *out, double a, const float *x, double b, const float *y, double c, const float *z,
                 size_t nd)
{
#pragma omp parallel for schedule(static) if (nd > PAR_MIN)
    for (size_t i = 0; i < nd; i++) out[i] = (float)(a * x[i] + b * y[i] + c * z[i]);
}

/* ---------- one sampler run ---------- */

typedef struct sampler_run {
    const tgdp_schedule *s;
    tgdp_eps_fn fn;
    void *ctx;
    int n, d;
    size_t nd;
    float *x;   /* current state, n*d (the caller's output array) */
    float *eps; /* predictor output, n*d */
    float *aux; /* DPM-Solver-2 midpoint state or DDPM noise, n*d */
    tgdp_rng *rng;
} sampler_run;

static int eval_eps(sampler_run *r, const float *x, double t, float *eps, tgdp_error *err)
{
    if (err) {
        err->code = TGDP_OK;
        err->msg[0] = '\0';
    }
    int rc = r->fn(r->ctx, r->n, r->d, x, (float)t, eps, err);
    if (rc != TGDP_OK) {
        if (err && err->code != rc) tgdp_fail(err, rc, "returned %s", tgdp_error_name(rc));
        tgdp_error_prefix(err, "noise predictor at t=%g", t);
    }
    return rc;
}

static int ddim_step(sampler_run *r, double t, double s, tgdp_error *err)
{
    int rc = eval_eps(r, r->x, t, r->eps, err);
    if (rc) return rc;
    double la_t = tgdp_schedule_log_alpha(r->s, t), la_s = tgdp_schedule_log_alpha(r->s, s);
    double a_t = exp(la_t), a_s = exp(la_s);
    double sg_t = tgdp_schedule_sigma(r->s, t), sg_s = tgdp_schedule_sigma(r->s, s);
    /* x_s = alpha_s (x - sigma_t eps)/alpha_t + sigma_s eps */
    lin2(r->x, exp(la_s - la_t), r->x, sg_s - a_s * sg_t / a_t, r->eps, r->nd);
    return TGDP_OK;
}

static int dpm_solver1_step(sampler_run *r, double t, double s, tgdp_error *err)
{
    int rc = eval_eps(r, r->x, t, r->eps, err);
    if (rc) return rc;
    double h = tgdp_schedule_lambda(r->s, s) - tgdp_schedule_lambda(r->s, t);
    double ratio = exp(tgdp_schedule_log_alpha(r->s, s) - tgdp_schedule_log_alpha(r->s, t));
    lin2(r->x, ratio, r->x, -tgdp_schedule_sigma(r->s, s) * expm1(h), r->eps, r->nd);
    return TGDP_OK;
}

static int dpm_solver2_step(sampler_run *r, double t, double s, tgdp_error *err)
{
    const tgdp_schedule *sc = r->s;
    double lam_t = tgdp_schedule_lambda(sc, t), h = tgdp_schedule_lambda(sc, s) - lam_t;
    double m = tgdp_schedule_t_of_lambda(sc, lam_t + 0.5 * h); /* midpoint in lambda, r1 = 0.5 */
    double la_t = tgdp_schedule_log_alpha(sc, t);
    int rc = eval_eps(r, r->x, t, r->eps, err);
    if (rc) return rc;
    /* u = (alpha_m/alpha_t) x - sigma_m expm1(h/2) eps(x, t) */
    lin2(r->aux, exp(tgdp_schedule_log_alpha(sc, m) - la_t), r->x, -tgdp_schedule_sigma(sc, m) * expm1(0.5 * h),
         r->eps, r->nd);
    rc = eval_eps(r, r->aux, m, r->eps, err);
    if (rc) return rc;
    /* x_s = (alpha_s/alpha_t) x - sigma_s expm1(h) eps(u, m) */
    lin2(r->x, exp(tgdp_schedule_log_alpha(sc, s) - la_t), r->x, -tgdp_schedule_sigma(sc, s) * expm1(h), r->eps,
         r->nd);
    return TGDP_OK;
}

static int ddpm_ancestral_step(sampler_run *r, double t, double s, tgdp_error *err)
{
    int rc = eval_eps(r, r->x, t, r->eps, err);
    if (rc) return rc;
    double la_t = tgdp_schedule_log_alpha(r->s, t), la_s = tgdp_schedule_log_alpha(r->s, s);
    double sg_t = tgdp_schedule_sigma(r->s, t), sg_s = tgdp_schedule_sigma(r->s, s);
    double var_ts = -expm1(2.0 * (la_t - la_s)); /* sigma_{t|s}^2 = 1 - (alpha_t/alpha_s)^2 */
    double ratio = exp(la_s - la_t);             /* alpha_s/alpha_t */
    double std = sqrt(var_ts) * sg_s / sg_t;
    tgdp_rng_fill_normal(r->rng, r->aux, r->nd, 0.0f, 1.0f);
    lin3(r->x, ratio, r->x, -ratio * var_ts / sg_t, r->eps, std, r->aux, r->nd);
    return TGDP_OK;
}

static int sampler_step(sampler_run *r, tgdp_sampler kind, double t, double s, tgdp_error *err)
{
    switch (kind) {
    case TGDP_SAMPLER_DDPM: return ddpm_ancestral_step(r, t, s, err);
    case TGDP_SAMPLER_DDIM: return ddim_step(r, t, s, err);
    case TGDP_SAMPLER_DPM1: return dpm_solver1_step(r, t, s, err);
    case TGDP_SAMPLER_DPM2: return dpm_solver2_step(r, t, s, err);
    default: return tgdp_fail(err, TGDP_EINVAL, "sampler: unknown kind %d", (int)kind);
    }
}

int tgdp_sample_progress(const tgdp_schedule *s, tgdp_sampler kind, int steps, double t_end, tgdp_eps_fn fn,
                         void *ctx, int n, int d, tgdp_rng *rng, float *x_out, tgdp_progress_fn progress,
                         void *progress_ctx, tgdp_error *err)
{
    if (!s || !fn || !rng || !x_out || n < 1 || d < 1)
        return tgdp_fail(err, TGDP_EINVAL, "sampler: invalid arguments (n=%d, d=%d)", n, d);
    if (steps < 1) return tgdp_fail(err, TGDP_EINVAL, "sampler: steps must be >= 1 (got %d)", steps);
    size_t nd, bytes;
    if (!tgdp_mul_size((size_t)n, (size_t)d, &nd) || !tgdp_mul_size(nd, 2 * sizeof(float), &bytes))
        return tgdp_fail(err, TGDP_ENOMEM, "sampler: n*d overflows");
    double *ts = malloc(((size_t)steps + 1) * sizeof *ts);
    float *buf = malloc(bytes);
    int rc = TGDP_OK;
    if (!ts || !buf) rc = tgdp_fail(err, TGDP_ENOMEM, "sampler: cannot allocate buffers for %zu values", nd);
    else rc = tgdp_sampler_time_grid(s, kind, steps, t_end, ts, err);
    if (rc == TGDP_OK) {
        sampler_run r = {s, fn, ctx, n, d, nd, x_out, buf, buf + nd, rng};
        tgdp_rng_fill_normal(rng, x_out, nd, 0.0f, 1.0f);
        for (int i = 0; i < steps && rc == TGDP_OK; i++) {
            rc = sampler_step(&r, kind, ts[i], ts[i + 1], err);
            if (rc == TGDP_OK && progress) progress(progress_ctx, i + 1, steps);
        }
        if (rc != TGDP_OK) tgdp_error_prefix(err, "%s sampler", tgdp_sampler_name(kind));
        else rc = tgdp_check_finite(x_out, nd, "sampler output", err);
    }
    free(ts);
    free(buf);
    return rc;
}

int tgdp_sample(const tgdp_schedule *s, tgdp_sampler kind, int steps, double t_end, tgdp_eps_fn fn, void *ctx,
                int n, int d, tgdp_rng *rng, float *x_out, tgdp_error *err)
{
    return tgdp_sample_progress(s, kind, steps, t_end, fn, ctx, n, d, rng, x_out, NULL, NULL, err);
}

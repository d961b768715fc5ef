/* Log-likelihood of data under a diffusion model through the probability-flow ODE (see
 * tgdp_flow_log_prob in tgdp/diffusion.h). */
#include "tgdp/diffusion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

/* f(t) = d log alpha_t / dt: -beta(t)/2 for the VP linear schedule, the slope of the piecewise-
 * linear log alpha for the discrete one */
static double dlog_alpha(const tgdp_schedule *s, double t)
{
    if (s->kind == TGDP_SCHEDULE_VP_LINEAR) return -0.5 * (s->beta0 + t * (s->beta1 - s->beta0));
    const double h = 1e-7;
    return (tgdp_schedule_log_alpha(s, t + h) - tgdp_schedule_log_alpha(s, t - h > 0 ? t - h : 0)) /
           (t - h > 0 ? 2 * h : t + h);
}

typedef struct flow {
    const tgdp_schedule *s;
    tgdp_eps_div_fn fn;
    void *ctx;
    int n, d;
    float *xf, *eps;
    double *div;
} flow;

/* dx/du and dL/du at u (t = u^2, dt/du = 2u) for the state (x, L) */
static int deriv(flow *F, double u, const double *x, double *dx, double *dl, tgdp_error *err)
{
    const double t = u * u, f = dlog_alpha(F->s, t), sig = tgdp_schedule_sigma(F->s, t), dt = 2 * u;
    const size_t nd = (size_t)F->n * F->d;
    for (size_t i = 0; i < nd; i++) F->xf[i] = (float)x[i];
    int rc = F->fn(F->ctx, F->n, F->d, F->xf, (float)t, F->eps, F->div, err);
    if (rc) return rc;
    for (size_t i = 0; i < nd; i++) dx[i] = dt * f * (x[i] - F->eps[i] / sig);
    for (int i = 0; i < F->n; i++) {
        dl[i] = dt * f * (F->d - F->div[i] / sig); /* div of dx/dt; L accumulates its integral */
        if (!isfinite(dl[i])) return tgdp_fail(err, TGDP_ENONFINITE, "likelihood ODE: non-finite divergence at t = %g", t);
    }
    return TGDP_OK;
}

int tgdp_flow_log_prob(const tgdp_schedule *s, tgdp_eps_div_fn fn, void *ctx, int n, int d, const float *x0,
                       int steps, double t_min, double *logp_out, tgdp_error *err)
{
    if (!s || !fn || n < 0 || d < 1 || steps < 1 || !(t_min > 0 && t_min < 1))
        return tgdp_fail(err, TGDP_EINVAL, "likelihood: needs a schedule, a callback, steps >= 1 and 0 < t_min < 1");
    if (n == 0) return TGDP_OK;
    const size_t nd = (size_t)n * d;
    flow F = {s, fn, ctx, n, d, malloc(nd * sizeof(float)), malloc(nd * sizeof(float)), malloc((size_t)n * sizeof(double))};
    double *x = malloc(nd * sizeof *x), *xs = malloc(nd * sizeof *xs), *k = malloc(4 * nd * sizeof *k);
    double *L = calloc((size_t)n, sizeof *L), *kl = malloc(4 * (size_t)n * sizeof *kl);
    int rc = (!F.xf || !F.eps || !F.div || !x || !xs || !k || !L || !kl)
                 ? tgdp_fail(err, TGDP_ENOMEM, "likelihood: out of memory for %d rows", n)
                 : TGDP_OK;
    if (!rc)
        for (size_t i = 0; i < nd; i++) x[i] = x0[i];
    const double u0 = sqrt(t_min), h = (1.0 - u0) / steps;
    static const double a[4] = {0, 0.5, 0.5, 1}, b[4] = {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6};
    for (int st = 0; st < steps && !rc; st++) {
        const double u = u0 + st * h;
        for (int q = 0; q < 4 && !rc; q++) { /* classical Runge-Kutta */
            const double *xin = x;
            if (q > 0) {
                for (size_t i = 0; i < nd; i++) xs[i] = x[i] + a[q] * h * k[(size_t)(q - 1) * nd + i];
                xin = xs;
            }
            rc = deriv(&F, u + a[q] * h, xin, k + (size_t)q * nd, kl + (size_t)q * n, err);
        }
        if (rc) break;
        for (size_t i = 0; i < nd; i++)
            x[i] += h * (b[0] * k[i] + b[1] * k[nd + i] + b[2] * k[2 * nd + i] + b[3] * k[3 * nd + i]);
        for (int i = 0; i < n; i++)
            L[i] += h * (b[0] * kl[i] + b[1] * kl[n + i] + b[2] * kl[2 * n + i] + b[3] * kl[3 * n + i]);
    }
    for (int i = 0; i < n && !rc; i++) {
        double q = 0;
        for (int j = 0; j < d; j++) q += x[(size_t)i * d + j] * x[(size_t)i * d + j];
        logp_out[i] = -0.5 * (d * LOG_2PI + q) + L[i];
        if (!isfinite(logp_out[i])) rc = tgdp_fail(err, TGDP_ENONFINITE, "likelihood: row %d is not finite", i);
    }
    free(F.xf); free(F.eps); free(F.div); free(x); free(xs); free(k); free(L); free(kl);
    return rc;
}

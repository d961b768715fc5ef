/* VP noise schedules: continuous linear-beta schedule and discrete DDPM schedule (piecewise
 * linear log alpha as DPM-Solver's NoiseScheduleVP('discrete')), their inverses t(lambda),
 * and forward noising x_t = alpha_t x0 + sigma_t eps. */
#include "tgdp/diffusion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tgdp_schedule_init_vp_linear(tgdp_schedule *s, double beta0, double beta1, tgdp_error *err)
{
    memset(s, 0, sizeof *s);
    if (!(beta0 >= 0) || !(beta1 > beta0) || !isfinite(beta1))
        return tgdp_fail(err, TGDP_EINVAL, "schedule: VP linear needs 0 <= beta0 < beta1 < inf (got %g, %g)", beta0,
                         beta1);
    s->kind = TGDP_SCHEDULE_VP_LINEAR;
    s->beta0 = beta0;
    s->beta1 = beta1;
    return TGDP_OK;
}

int tgdp_schedule_init_discrete(tgdp_schedule *s, int T, double beta_start, double beta_end, tgdp_error *err)
{
    memset(s, 0, sizeof *s);
    if (T < 2) return tgdp_fail(err, TGDP_EINVAL, "schedule: discrete needs T >= 2 steps (got %d)", T);
    if (!(beta_start > 0 && beta_start < 1 && beta_end > 0 && beta_end < 1))
        return tgdp_fail(err, TGDP_EINVAL, "schedule: discrete betas must lie in (0, 1) (got %g, %g)", beta_start,
                         beta_end);
    s->log_alpha = malloc((size_t)(T + 1) * sizeof *s->log_alpha);
    if (!s->log_alpha) return tgdp_fail(err, TGDP_ENOMEM, "schedule: cannot allocate %d knots", T + 1);
    s->kind = TGDP_SCHEDULE_DISCRETE;
    s->beta0 = beta_start;
    s->beta1 = beta_end;
    s->T = T;
    /* log alpha_k = 0.5 sum_{j<=k} log(1 - beta_j), betas = linspace(beta_start, beta_end, T) */
    s->log_alpha[0] = 0.0;
    for (int k = 1; k <= T; k++) {
        double beta = beta_start + (beta_end - beta_start) * (double)(k - 1) / (double)(T - 1);
        s->log_alpha[k] = s->log_alpha[k - 1] + 0.5 * log1p(-beta);
    }
    return TGDP_OK;
}

int tgdp_schedule_init_default(tgdp_schedule *s, tgdp_schedule_kind kind, int T, tgdp_error *err)
{
    if (kind == TGDP_SCHEDULE_VP_LINEAR) return tgdp_schedule_init_vp_linear(s, 0.1, 20.0, err);
    if (kind == TGDP_SCHEDULE_DISCRETE) return tgdp_schedule_init_discrete(s, T, 1e-4, 0.02, err);
    memset(s, 0, sizeof *s);
    return tgdp_fail(err, TGDP_EINVAL, "schedule: unknown kind %d", (int)kind);
}

void tgdp_schedule_free(tgdp_schedule *s)
{
    if (!s) return;
    free(s->log_alpha);
    s->log_alpha = NULL;
}

int tgdp_schedule_kind_parse(const char *name, tgdp_schedule_kind *out, tgdp_error *err)
{
    if (name && (!strcasecmp(name, "linear") || !strcasecmp(name, "vp-linear") || !strcasecmp(name, "vp"))) {
        *out = TGDP_SCHEDULE_VP_LINEAR;
        return TGDP_OK;
    }
    if (name && (!strcasecmp(name, "discrete") || !strcasecmp(name, "ddpm-discrete"))) {
        *out = TGDP_SCHEDULE_DISCRETE;
        return TGDP_OK;
    }
    return tgdp_fail(err, TGDP_EINVAL, "unknown schedule '%s' (expected linear or discrete)", name ? name : "(null)");
}

const char *tgdp_schedule_kind_name(tgdp_schedule_kind kind)
{
    switch (kind) {
    case TGDP_SCHEDULE_VP_LINEAR: return "linear";
    case TGDP_SCHEDULE_DISCRETE: return "discrete";
    default: return "unknown";
    }
}

/* log(1 + exp(z)) without overflow */
static double log1pexp(double z) { return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)); }

/* piecewise-linear log alpha through the knots (k/T, log_alpha[k]) */
static double discrete_log_alpha(const tgdp_schedule *s, double t)
{
    if (!(t > 0)) return 0.0;
    double u = t * s->T;
    int k = u >= s->T ? s->T - 1 : (int)u; /* t > 1 extrapolates the last segment */
    double frac = u - k;
    return s->log_alpha[k] + frac * (s->log_alpha[k + 1] - s->log_alpha[k]);
}

/* inverse of discrete_log_alpha: the knots decrease strictly in k */
static double discrete_t_of_log_alpha(const tgdp_schedule *s, double la)
{
    if (la >= 0) return 0.0;
    const double *a = s->log_alpha;
    int lo = 0, hi = s->T; /* find k with a[k] >= la > a[k+1] */
    if (la <= a[hi]) {
        lo = hi - 1;
    } else {
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            if (a[mid] >= la) lo = mid;
            else hi = mid;
        }
    }
    return (lo + (a[lo] - la) / (a[lo] - a[lo + 1])) / s->T;
}

double tgdp_schedule_log_alpha(const tgdp_schedule *s, double t)
{
    if (s->kind == TGDP_SCHEDULE_DISCRETE) return discrete_log_alpha(s, t);
    return -0.5 * (s->beta0 * t + 0.5 * (s->beta1 - s->beta0) * t * t);
}

double tgdp_schedule_alpha(const tgdp_schedule *s, double t) { return exp(tgdp_schedule_log_alpha(s, t)); }

/* sigma = sqrt(1 - alpha^2) = sqrt(-expm1(2 log alpha)): accurate for alpha near 1 */
double tgdp_schedule_sigma(const tgdp_schedule *s, double t)
{
    return sqrt(-expm1(2.0 * tgdp_schedule_log_alpha(s, t)));
}

double tgdp_schedule_lambda(const tgdp_schedule *s, double t)
{
    double la = tgdp_schedule_log_alpha(s, t);
    return la - 0.5 * log(-expm1(2.0 * la));
}

double tgdp_schedule_t_of_lambda(const tgdp_schedule *s, double lambda)
{
    /* -log alpha = 0.5 log(1 + exp(-2 lambda)) since alpha^2 = sigmoid(2 lambda) */
    double neg_log_alpha = 0.5 * log1pexp(-2.0 * lambda);
    if (s->kind == TGDP_SCHEDULE_DISCRETE) return discrete_t_of_log_alpha(s, -neg_log_alpha);
    /* solve 0.25 (b1 - b0) t^2 + 0.5 b0 t = L for t >= 0, in DPM-Solver's cancellation-free form */
    double db = s->beta1 - s->beta0;
    double tmp = 4.0 * db * neg_log_alpha;
    return tmp / (sqrt(s->beta0 * s->beta0 + tmp) + s->beta0) / db;
}

void tgdp_schedule_noise(const tgdp_schedule *s, int n, int d, const float *x0, const float *t, const float *eps,
                         float *xt)
{
#pragma omp parallel for schedule(static) if ((long)n * d > 16384)
    for (int i = 0; i < n; i++) {
        double la = tgdp_schedule_log_alpha(s, t[i]);
        double a = exp(la), sg = sqrt(-expm1(2.0 * la));
        size_t o = (size_t)i * d;
        for (int j = 0; j < d; j++) xt[o + j] = (float)(a * x0[o + j] + sg * eps[o + j]);
    }
}

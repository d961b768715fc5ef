/* Exact oracle for isotropic Gaussian mixtures under the VP forward process: sampling, log
 * densities, scores, component posteriors, the true guidance log h* = log q_t - log p_t and
 * its gradient, and an exact-noise callback for the samplers. See gmm.h. */
#include "tgdp/gmm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

/* ---------- construction ---------- */

int tgdp_gmm_init(tgdp_gmm *g, int k, int d, const double *w, const double *mu, const double *var,
                  const int *label, tgdp_error *err)
{
    memset(g, 0, sizeof *g);
    if (k < 1 || d < 1 || !mu || !var)
        return tgdp_fail(err, TGDP_EINVAL, "gmm: need k >= 1 components in d >= 1 dimensions with means and variances");
    size_t kd;
    if (!tgdp_mul_size((size_t)k, (size_t)d, &kd) || kd > SIZE_MAX / sizeof(double))
        return tgdp_fail(err, TGDP_ENOMEM, "gmm: k*d overflows");
    double wsum = 0;
    for (int c = 0; c < k; c++) {
        double wc = w ? w[c] : 1.0;
        if (!(wc >= 0) || !isfinite(wc)) return tgdp_fail(err, TGDP_EINVAL, "gmm: weight %d is %g", c, wc);
        if (!(var[c] > 0) || !isfinite(var[c])) return tgdp_fail(err, TGDP_EINVAL, "gmm: variance %d is %g", c, var[c]);
        if (label && label[c] < 0) return tgdp_fail(err, TGDP_EINVAL, "gmm: label %d is negative", c);
        wsum += wc;
    }
    if (!(wsum > 0)) return tgdp_fail(err, TGDP_EINVAL, "gmm: the weights sum to zero");
    for (size_t i = 0; i < kd; i++)
        if (!isfinite(mu[i])) return tgdp_fail(err, TGDP_EINVAL, "gmm: mean entry %zu is not finite", i);
    g->w = malloc((size_t)k * sizeof *g->w);
    g->var = malloc((size_t)k * sizeof *g->var);
    g->label = malloc((size_t)k * sizeof *g->label);
    g->mu = malloc(kd * sizeof *g->mu);
    if (!g->w || !g->var || !g->label || !g->mu) {
        tgdp_gmm_free(g);
        return tgdp_fail(err, TGDP_ENOMEM, "gmm: cannot allocate %d components", k);
    }
    g->k = k;
    g->d = d;
    for (int c = 0; c < k; c++) {
        g->w[c] = (w ? w[c] : 1.0) / wsum;
        g->var[c] = var[c];
        g->label[c] = label ? label[c] : c;
    }
    memcpy(g->mu, mu, kd * sizeof *g->mu);
    return TGDP_OK;
}

void tgdp_gmm_free(tgdp_gmm *g)
{
    if (!g) return;
    free(g->w);
    free(g->mu);
    free(g->var);
    free(g->label);
    memset(g, 0, sizeof *g);
}

int tgdp_gmm_num_labels(const tgdp_gmm *g)
{
    int m = -1;
    for (int c = 0; c < g->k; c++)
        if (g->label[c] > m) m = g->label[c];
    return m + 1;
}

/* equal mixture of N(+m, 0.1 I) (label 0) and N(-m, 0.1 I) (label 1) in 2-D */
static int demo_pair(tgdp_gmm *g, double m0, double m1, tgdp_error *err)
{
    const double mu[4] = {m0, m1, -m0, -m1};
    const double var[2] = {TGDP_GMM_DEMO_VAR, TGDP_GMM_DEMO_VAR};
    return tgdp_gmm_init(g, 2, 2, NULL, mu, var, NULL, err);
}

int tgdp_gmm_demo_source(tgdp_gmm *g, tgdp_error *err) { return demo_pair(g, 0.5, 0.5, err); }
int tgdp_gmm_demo_target(tgdp_gmm *g, tgdp_error *err) { return demo_pair(g, 0.5, -0.5, err); }

/* ---------- sampling at t = 0 ---------- */

/* x[i,:] = mu_{comp[i]} + s_{comp[i]} z[i,:], z already in x */
static void place_draws(const tgdp_gmm *g, int n, const int *comp, float *x)
{
    const int d = g->d;
#pragma omp parallel for schedule(static) if ((long)n * d > 16384)
    for (int i = 0; i < n; i++) {
        const double *mu = g->mu + (size_t)comp[i] * d;
        double s = sqrt(g->var[comp[i]]);
        for (int j = 0; j < d; j++) x[(size_t)i * d + j] = (float)(mu[j] + s * x[(size_t)i * d + j]);
    }
}

static int sample_components(const tgdp_gmm *g, int n, const int *labels, tgdp_rng *rng, int *comp,
                             tgdp_error *err)
{
    double *wk = malloc((size_t)g->k * sizeof *wk);
    if (!wk) return tgdp_fail(err, TGDP_ENOMEM, "gmm sample: cannot allocate");
    int rc = TGDP_OK;
    for (int i = 0; i < n && rc == TGDP_OK; i++) {
        for (int c = 0; c < g->k; c++) wk[c] = (!labels || g->label[c] == labels[i]) ? g->w[c] : 0.0;
        comp[i] = tgdp_rng_categorical(rng, wk, g->k);
        if (comp[i] < 0) rc = tgdp_fail(err, TGDP_EINVAL, "gmm sample: label %d has no component", labels[i]);
    }
    free(wk);
    return rc;
}

static int sample_impl(const tgdp_gmm *g, int n, const int *labels, tgdp_rng *rng, float *x, int *labels_out,
                       tgdp_error *err)
{
    if (!g || !rng || n < 0 || (n > 0 && !x)) return tgdp_fail(err, TGDP_EINVAL, "gmm sample: invalid arguments");
    if (n == 0) return TGDP_OK;
    int *comp = malloc((size_t)n * sizeof *comp);
    if (!comp) return tgdp_fail(err, TGDP_ENOMEM, "gmm sample: cannot allocate %d indices", n);
    int rc = sample_components(g, n, labels, rng, comp, err);
    if (rc == TGDP_OK) {
        tgdp_rng_fill_normal(rng, x, (size_t)n * g->d, 0.0f, 1.0f);
        place_draws(g, n, comp, x);
        if (labels_out)
            for (int i = 0; i < n; i++) labels_out[i] = g->label[comp[i]];
    }
    free(comp);
    return rc;
}

int tgdp_gmm_sample(const tgdp_gmm *g, int n, tgdp_rng *rng, float *x, int *labels_out, tgdp_error *err)
{
    return sample_impl(g, n, NULL, rng, x, labels_out, err);
}

int tgdp_gmm_sample_cond(const tgdp_gmm *g, int n, const int *labels, tgdp_rng *rng, float *x, tgdp_error *err)
{
    if (!labels) return tgdp_fail(err, TGDP_EINVAL, "gmm sample_cond: labels are required");
    return sample_impl(g, n, labels, rng, x, NULL, err);
}

/* ---------- per-row kernels ---------- */

/* Per-call constants of a mixture at time t: v_c = a^2 s_c^2 + sigma^2,
 * base[c] = log w_c - d/2 log(2 pi v_c) (-inf for a zero weight), inv_v[c] = 1 / v_c. */
typedef struct gmm_time {
    const tgdp_gmm *g;
    double a;
    double *base, *inv_v;
} gmm_time;

static void gmm_time_fill(gmm_time *gt, const tgdp_gmm *g, double a, double s2, double *mem)
{
    gt->g = g;
    gt->a = a;
    gt->base = mem;
    gt->inv_v = mem + g->k;
    for (int c = 0; c < g->k; c++) {
        double v = a * a * g->var[c] + s2;
        gt->base[c] = g->w[c] > 0 ? log(g->w[c]) - 0.5 * g->d * (LOG_2PI + log(v)) : -INFINITY;
        gt->inv_v[c] = 1.0 / v;
    }
}

/* l[c] = log w_c + log N(x; a mu_c, v_c I), or -inf for components excluded by the label y
 * (y NULL: none excluded). Returns log-sum-exp of l. */
static double row_logits(const gmm_time *gt, const float *x, const int *y, double *l)
{
    const tgdp_gmm *g = gt->g;
    const int d = g->d;
    double mx = -INFINITY;
    for (int c = 0; c < g->k; c++) {
        if ((y && g->label[c] != *y) || gt->base[c] == -INFINITY) {
            l[c] = -INFINITY;
            continue;
        }
        double dist2 = 0;
        const double *mu = g->mu + (size_t)c * d;
        for (int j = 0; j < d; j++) {
            double e = x[j] - gt->a * mu[j];
            dist2 += e * e;
        }
        l[c] = gt->base[c] - 0.5 * dist2 * gt->inv_v[c];
        if (l[c] > mx) mx = l[c];
    }
    if (mx == -INFINITY) return -INFINITY;
    double s = 0;
    for (int c = 0; c < g->k; c++) s += exp(l[c] - mx);
    return mx + log(s);
}

/* score[j] = sum_c P(c | x) (a mu_cj - x_j) / v_c, given the logits l and their log-sum-exp */
static void row_score(const gmm_time *gt, const float *x, const double *l, double lse, double *score)
{
    const tgdp_gmm *g = gt->g;
    const int d = g->d;
    for (int j = 0; j < d; j++) score[j] = 0;
    for (int c = 0; c < g->k; c++) {
        if (l[c] == -INFINITY) continue;
        double pv = exp(l[c] - lse) * gt->inv_v[c];
        const double *mu = g->mu + (size_t)c * d;
        for (int j = 0; j < d; j++) score[j] += pv * (gt->a * mu[j] - x[j]);
    }
}

/* ---------- batched driver ---------- */

typedef enum { OP_LOGP, OP_SCORE, OP_POSTERIOR, OP_ARGMAX, OP_LOGH, OP_GRADH } gmm_op;

typedef struct gmm_job {
    gmm_op op;
    gmm_time p, q; /* q: target of a pair (OP_LOGH, OP_GRADH), else q.g == NULL */
    double scale;  /* multiplier of vector outputs (1 for scores, -sigma for noise) */
    int n;
    const float *x;
    const int *labels;
    double *dout;
    float *fout;
    int *iout;
} gmm_job;

/* scratch: l_p[k_p], l_q[k_q], g_p[d], g_q[d] */
static void gmm_row(const gmm_job *jb, int i, double *buf)
{
    const tgdp_gmm *p = jb->p.g, *q = jb->q.g;
    const int d = p->d;
    const float *x = jb->x + (size_t)i * d;
    const int *y = jb->labels ? jb->labels + i : NULL;
    double *lp = buf, *lq = lp + p->k, *gp = lq + (q ? q->k : 0), *gq = gp + d;
    double lse_p = row_logits(&jb->p, x, y, lp);
    switch (jb->op) {
    case OP_LOGP: jb->dout[i] = lse_p; break;
    case OP_SCORE:
        row_score(&jb->p, x, lp, lse_p, gp);
        for (int j = 0; j < d; j++) jb->fout[(size_t)i * d + j] = (float)(jb->scale * gp[j]);
        break;
    case OP_POSTERIOR:
        for (int c = 0; c < p->k; c++) jb->fout[(size_t)i * p->k + c] = (float)exp(lp[c] - lse_p);
        break;
    case OP_ARGMAX: {
        int best = 0;
        for (int c = 1; c < p->k; c++)
            if (lp[c] > lp[best]) best = c;
        jb->iout[i] = best;
        break;
    }
    case OP_LOGH: jb->dout[i] = row_logits(&jb->q, x, y, lq) - lse_p; break;
    case OP_GRADH: {
        double lse_q = row_logits(&jb->q, x, y, lq);
        row_score(&jb->p, x, lp, lse_p, gp);
        row_score(&jb->q, x, lq, lse_q, gq);
        for (int j = 0; j < d; j++) jb->fout[(size_t)i * d + j] = (float)(jb->scale * (gq[j] - gp[j]));
        break;
    }
    }
}

/* Fills the time constants of p (and q) and runs gmm_row over all rows in parallel. */
static int gmm_run(gmm_job *jb, const tgdp_gmm *p, const tgdp_gmm *q, double a, double sigma, tgdp_error *err)
{
    const int kq = q ? q->k : 0, d = p->d;
    double *consts = malloc(2 * (size_t)(p->k + kq) * sizeof *consts);
    if (!consts) return tgdp_fail(err, TGDP_ENOMEM, "gmm: cannot allocate %d components", p->k + kq);
    gmm_time_fill(&jb->p, p, a, sigma * sigma, consts);
    memset(&jb->q, 0, sizeof jb->q);
    if (q) gmm_time_fill(&jb->q, q, a, sigma * sigma, consts + 2 * p->k);
    const size_t per = (size_t)p->k + (size_t)kq + 2 * (size_t)d;
    const long work = (long)jb->n * (p->k + kq) * d;
    int failed = 0;
#pragma omp parallel if (work > 8192)
    {
        double *buf = malloc(per * sizeof *buf);
        if (!buf) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int i = 0; i < jb->n; i++)
            if (buf) gmm_row(jb, i, buf);
        free(buf);
    }
    free(consts);
    return failed ? tgdp_fail(err, TGDP_ENOMEM, "gmm: cannot allocate scratch") : TGDP_OK;
}

/* ---------- argument checks ---------- */

static int label_present(const tgdp_gmm *g, int y)
{
    for (int c = 0; c < g->k; c++)
        if (g->label[c] == y && g->w[c] > 0) return 1;
    return 0;
}

static int check_args(const tgdp_gmm *g, double a, double sigma, int n, const float *x, const void *out,
                      const int *labels, tgdp_error *err)
{
    if (!g || !g->w || n < 0 || (n > 0 && (!x || !out)))
        return tgdp_fail(err, TGDP_EINVAL, "gmm: invalid arguments (n=%d)", n);
    if (!(a >= 0 && sigma >= 0 && isfinite(a) && isfinite(sigma)))
        return tgdp_fail(err, TGDP_EINVAL, "gmm: alpha=%g, sigma=%g must be finite and non-negative", a, sigma);
    if (!(a > 0 || sigma > 0)) return tgdp_fail(err, TGDP_EINVAL, "gmm: alpha and sigma are both zero");
    for (int i = 0; labels && i < n; i++)
        if (!label_present(g, labels[i]))
            return tgdp_fail(err, TGDP_EINVAL, "gmm: label %d of row %d has no component", labels[i], i);
    return TGDP_OK;
}

static int run_single(gmm_op op, const tgdp_gmm *g, double a, double sigma, double scale, int n, const float *x,
                      const int *labels, double *dout, float *fout, int *iout, tgdp_error *err)
{
    int rc = check_args(g, a, sigma, n, x, dout ? (void *)dout : fout ? (void *)fout : (void *)iout, labels, err);
    if (rc) return rc;
    gmm_job jb = {.op = op, .scale = scale, .n = n, .x = x, .labels = labels, .dout = dout, .fout = fout, .iout = iout};
    return gmm_run(&jb, g, NULL, a, sigma, err);
}

static int run_pair(gmm_op op, const tgdp_gmm *p, const tgdp_gmm *q, double a, double sigma, int n,
                    const float *x, const int *labels, double *dout, float *fout, tgdp_error *err)
{
    const void *out = dout ? (void *)dout : (void *)fout;
    int rc = check_args(p, a, sigma, n, x, out, labels, err);
    if (!rc) rc = check_args(q, a, sigma, n, x, out, labels, err);
    if (rc) return rc;
    if (p->d != q->d) return tgdp_fail(err, TGDP_EINVAL, "gmm: source d=%d and target d=%d differ", p->d, q->d);
    gmm_job jb = {.op = op, .scale = 1.0, .n = n, .x = x, .labels = labels, .dout = dout, .fout = fout};
    return gmm_run(&jb, p, q, a, sigma, err);
}

/* ---------- public batched functions ---------- */

int tgdp_gmm_log_prob(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, const int *labels,
                      double *out, tgdp_error *err)
{
    return run_single(OP_LOGP, g, alpha, sigma, 1.0, n, x, labels, out, NULL, NULL, err);
}

int tgdp_gmm_score(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, const int *labels,
                   float *out, tgdp_error *err)
{
    return run_single(OP_SCORE, g, alpha, sigma, 1.0, n, x, labels, NULL, out, NULL, err);
}

int tgdp_gmm_eps(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, const int *labels,
                 float *out, tgdp_error *err)
{
    return run_single(OP_SCORE, g, alpha, sigma, -sigma, n, x, labels, NULL, out, NULL, err);
}

int tgdp_gmm_posterior(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, float *out,
                       tgdp_error *err)
{
    return run_single(OP_POSTERIOR, g, alpha, sigma, 1.0, n, x, NULL, NULL, out, NULL, err);
}

int tgdp_gmm_argmax_component(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, int *out,
                              tgdp_error *err)
{
    return run_single(OP_ARGMAX, g, alpha, sigma, 1.0, n, x, NULL, NULL, NULL, out, err);
}

int tgdp_gmm_log_h(const tgdp_gmm *p, const tgdp_gmm *q, double alpha, double sigma, int n, const float *x,
                   const int *labels, double *out, tgdp_error *err)
{
    return run_pair(OP_LOGH, p, q, alpha, sigma, n, x, labels, out, NULL, err);
}

int tgdp_gmm_grad_log_h(const tgdp_gmm *p, const tgdp_gmm *q, double alpha, double sigma, int n, const float *x,
                        const int *labels, float *out, tgdp_error *err)
{
    return run_pair(OP_GRADH, p, q, alpha, sigma, n, x, labels, NULL, out, err);
}

int tgdp_gmm_oracle_eps(void *ctx, int n, int d, const float *x, float t, float *eps_out, tgdp_error *err)
{
    const tgdp_gmm_oracle *o = ctx;
    if (!o || !o->gmm || !o->schedule) return tgdp_fail(err, TGDP_EINVAL, "gmm oracle: missing gmm or schedule");
    if (d != o->gmm->d) return tgdp_fail(err, TGDP_EINVAL, "gmm oracle: d=%d but the mixture has d=%d", d, o->gmm->d);
    double la = tgdp_schedule_log_alpha(o->schedule, t);
    double sigma = sqrt(-expm1(2.0 * la));
    return tgdp_gmm_eps(o->gmm, exp(la), sigma, n, x, o->labels, eps_out, err);
}

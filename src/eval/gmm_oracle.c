/* Exact oracle for isotropic Gaussian mixtures under the VP forward process: sampling, log
 * densities, scores, component posteriors, the true guidance log h* = log q_t - log p_t and
 * its gradient, and an exact-noise callback for the samplers. See gmm.h. */
#include "tgdp/gmm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

/* ---------- construction ---------- */

/* rot must be orthonormal (R^T R = I within 1e-6) */
static int check_rotation(const double *rot, int d, tgdp_error *err)
{
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double dot = 0;
            for (int r = 0; r < d; r++) dot += rot[(size_t)r * d + i] * rot[(size_t)r * d + j];
            if (!isfinite(dot) || fabs(dot - (i == j)) > 1e-6)
                return tgdp_fail(err, TGDP_EINVAL, "gmm: the rotation is not orthonormal (column %d . column %d = %g)", i,
                                 j, dot);
        }
    return TGDP_OK;
}

int tgdp_gmm_init_full(tgdp_gmm *g, int k, int d, const double *w, const double *mu, const double *dvar,
                       const double *rot, const int *label, tgdp_error *err)
{
    memset(g, 0, sizeof *g);
    if (k < 1 || d < 1 || !mu || !dvar)
        return tgdp_fail(err, TGDP_EINVAL, "gmm: need k >= 1 components in d >= 1 dimensions with means and variances");
    size_t kd;
    if (!tgdp_mul_size((size_t)k, (size_t)d, &kd) || kd > SIZE_MAX / sizeof(double) / 2 ||
        (size_t)d > SIZE_MAX / sizeof(double) / (size_t)d)
        return tgdp_fail(err, TGDP_ENOMEM, "gmm: k*d overflows");
    double wsum = 0;
    for (int c = 0; c < k; c++) {
        double wc = w ? w[c] : 1.0;
        if (!(wc >= 0) || !isfinite(wc)) return tgdp_fail(err, TGDP_EINVAL, "gmm: weight %d is %g", c, wc);
        for (int j = 0; j < d; j++)
            if (!(dvar[(size_t)c * d + j] > 0) || !isfinite(dvar[(size_t)c * d + j]))
                return tgdp_fail(err, TGDP_EINVAL, "gmm: variance %d of component %d is %g", j, c, dvar[(size_t)c * d + j]);
        if (label && label[c] < 0) return tgdp_fail(err, TGDP_EINVAL, "gmm: label %d is negative", c);
        wsum += wc;
    }
    if (!(wsum > 0)) return tgdp_fail(err, TGDP_EINVAL, "gmm: the weights sum to zero");
    for (size_t i = 0; i < kd; i++)
        if (!isfinite(mu[i])) return tgdp_fail(err, TGDP_EINVAL, "gmm: mean entry %zu is not finite", i);
    if (rot && d > TGDP_GMM_MAX_ROT_DIM)
        return tgdp_fail(err, TGDP_EINVAL, "gmm: a rotated mixture has at most %d dimensions (got %d)",
                         TGDP_GMM_MAX_ROT_DIM, d);
    int rc = rot ? check_rotation(rot, d, err) : TGDP_OK;
    if (rc) return rc;
    g->w = malloc((size_t)k * sizeof *g->w);
    g->var = malloc((size_t)k * sizeof *g->var);
    g->label = malloc((size_t)k * sizeof *g->label);
    g->mu = malloc(kd * sizeof *g->mu);
    g->dvar = malloc(kd * sizeof *g->dvar);
    g->mu_rot = malloc(kd * sizeof *g->mu_rot);
    if (rot) g->rot = malloc((size_t)d * d * sizeof *g->rot);
    if (!g->w || !g->var || !g->label || !g->mu || !g->dvar || !g->mu_rot || (rot && !g->rot)) {
        tgdp_gmm_free(g);
        return tgdp_fail(err, TGDP_ENOMEM, "gmm: cannot allocate %d components", k);
    }
    g->k = k;
    g->d = d;
    memcpy(g->mu, mu, kd * sizeof *g->mu);
    memcpy(g->dvar, dvar, kd * sizeof *g->dvar);
    if (rot) memcpy(g->rot, rot, (size_t)d * d * sizeof *g->rot);
    for (int c = 0; c < k; c++) {
        g->w[c] = (w ? w[c] : 1.0) / wsum;
        double m = 0;
        for (int j = 0; j < d; j++) m += dvar[(size_t)c * d + j] / d;
        g->var[c] = m;
        g->label[c] = label ? label[c] : c;
        /* the mean in the rotated basis: R^T mu */
        for (int j = 0; j < d; j++) {
            double v = mu[(size_t)c * d + j];
            if (rot) {
                v = 0;
                for (int r = 0; r < d; r++) v += rot[(size_t)r * d + j] * mu[(size_t)c * d + r];
            }
            g->mu_rot[(size_t)c * d + j] = v;
        }
    }
    return TGDP_OK;
}

int tgdp_gmm_init(tgdp_gmm *g, int k, int d, const double *w, const double *mu, const double *var,
                  const int *label, tgdp_error *err)
{
    memset(g, 0, sizeof *g);
    if (k < 1 || d < 1 || !mu || !var)
        return tgdp_fail(err, TGDP_EINVAL, "gmm: need k >= 1 components in d >= 1 dimensions with means and variances");
    size_t kd;
    if (!tgdp_mul_size((size_t)k, (size_t)d, &kd) || kd > SIZE_MAX / sizeof(double))
        return tgdp_fail(err, TGDP_ENOMEM, "gmm: k*d overflows");
    double *dv = malloc(kd * sizeof *dv);
    if (!dv) return tgdp_fail(err, TGDP_ENOMEM, "gmm: cannot allocate %d components", k);
    for (int c = 0; c < k; c++)
        for (int j = 0; j < d; j++) dv[(size_t)c * d + j] = var[c];
    int rc = tgdp_gmm_init_full(g, k, d, w, mu, dv, NULL, label, err);
    free(dv);
    return rc;
}

void tgdp_gmm_free(tgdp_gmm *g)
{
    if (!g) return;
    free(g->w);
    free(g->mu);
    free(g->var);
    free(g->label);
    free(g->dvar);
    free(g->mu_rot);
    free(g->rot);
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

/* x[i,:] = mu_c + R (sqrt(dvar_c) * z[i,:]) with c = comp[i], z already in x (R = I without a
 * rotation) */
static void place_draws(const tgdp_gmm *g, int n, const int *comp, float *x)
{
    const int d = g->d;
#pragma omp parallel for schedule(static) if ((long)n * d > 16384)
    for (int i = 0; i < n; i++) {
        const double *mu = g->mu + (size_t)comp[i] * d, *dv = g->dvar + (size_t)comp[i] * d;
        float *xi = x + (size_t)i * d;
        if (!g->rot) {
            for (int j = 0; j < d; j++) xi[j] = (float)(mu[j] + sqrt(dv[j]) * xi[j]);
            continue;
        }
        double z[TGDP_GMM_MAX_ROT_DIM];
        for (int j = 0; j < d; j++) z[j] = sqrt(dv[j]) * xi[j];
        for (int r = 0; r < d; r++) {
            double v = mu[r];
            for (int j = 0; j < d; j++) v += g->rot[(size_t)r * d + j] * z[j];
            xi[r] = (float)v;
        }
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

/* ---------- per-row kernels ----------
 * Everything is computed in the rotated basis z = R^T x (z = x without a rotation), where every
 * component is a product of 1-D Gaussians: at time t component c is N(a R^T mu_c, diag(v_c)) with
 * v_cj = a^2 dvar_cj + sigma^2. Vectors (scores) are rotated back to x; the Laplacian is a trace
 * and needs no rotation. */

/* Per-call constants of a mixture at time t: base[c] = log w_c - 1/2 sum_j log(2 pi v_cj)
 * (-inf for a zero weight), inv_v[c*d + j] = 1 / v_cj. */
typedef struct gmm_time {
    const tgdp_gmm *g;
    double a;
    double *base, *inv_v;
} gmm_time;

static void gmm_time_fill(gmm_time *gt, const tgdp_gmm *g, double a, double s2, double *mem)
{
    const int d = g->d;
    gt->g = g;
    gt->a = a;
    gt->base = mem;
    gt->inv_v = mem + g->k;
    for (int c = 0; c < g->k; c++) {
        double b = g->w[c] > 0 ? log(g->w[c]) : -INFINITY;
        for (int j = 0; j < d; j++) {
            double v = a * a * g->dvar[(size_t)c * d + j] + s2;
            b -= 0.5 * (LOG_2PI + log(v));
            gt->inv_v[(size_t)c * d + j] = 1.0 / v;
        }
        gt->base[c] = b;
    }
}

/* z = R^T x (or x) */
static void to_rotated(const tgdp_gmm *g, const float *x, double *z)
{
    const int d = g->d;
    for (int j = 0; j < d; j++) {
        if (!g->rot) {
            z[j] = x[j];
            continue;
        }
        double v = 0;
        for (int r = 0; r < d; r++) v += g->rot[(size_t)r * d + j] * x[r];
        z[j] = v;
    }
}

/* out = R v (or v) */
static void from_rotated(const tgdp_gmm *g, const double *v, double *out)
{
    const int d = g->d;
    for (int r = 0; r < d; r++) {
        if (!g->rot) {
            out[r] = v[r];
            continue;
        }
        double s = 0;
        for (int j = 0; j < d; j++) s += g->rot[(size_t)r * d + j] * v[j];
        out[r] = s;
    }
}

/* l[c] = log w_c + log N(z; a mu_c, diag v_c), or -inf for components excluded by the label y
 * (y NULL: none excluded). Returns log-sum-exp of l. */
static double row_logits(const gmm_time *gt, const double *z, const int *y, double *l)
{
    const tgdp_gmm *g = gt->g;
    const int d = g->d;
    double mx = -INFINITY;
    for (int c = 0; c < g->k; c++) {
        if ((y && g->label[c] != *y) || gt->base[c] == -INFINITY) {
            l[c] = -INFINITY;
            continue;
        }
        double q = 0;
        const double *mu = g->mu_rot + (size_t)c * d, *iv = gt->inv_v + (size_t)c * d;
        for (int j = 0; j < d; j++) {
            double e = z[j] - gt->a * mu[j];
            q += e * e * iv[j];
        }
        l[c] = gt->base[c] - 0.5 * q;
        if (l[c] > mx) mx = l[c];
    }
    if (mx == -INFINITY) return -INFINITY;
    double s = 0;
    for (int c = 0; c < g->k; c++) s += exp(l[c] - mx);
    return mx + log(s);
}

/* In the rotated basis: score[j] = sum_c P(c | z) s_cj with s_cj = (a mu_cj - z_j) / v_cj, and
 * (lap != NULL) the Laplacian of log p, the trace of its Hessian
 *   sum_c P(c|z) (|s_c|^2 - sum_j 1/v_cj) - |score|^2. */
static void row_score(const gmm_time *gt, const double *z, const double *l, double lse, double *score, double *lap)
{
    const tgdp_gmm *g = gt->g;
    const int d = g->d;
    for (int j = 0; j < d; j++) score[j] = 0;
    double acc = 0;
    for (int c = 0; c < g->k; c++) {
        if (l[c] == -INFINITY) continue;
        double pc = exp(l[c] - lse), s2 = 0, tr = 0;
        const double *mu = g->mu_rot + (size_t)c * d, *iv = gt->inv_v + (size_t)c * d;
        for (int j = 0; j < d; j++) {
            double sc = (gt->a * mu[j] - z[j]) * iv[j];
            score[j] += pc * sc;
            s2 += sc * sc;
            tr += iv[j];
        }
        acc += pc * (s2 - tr);
    }
    if (lap) {
        double n2 = 0;
        for (int j = 0; j < d; j++) n2 += score[j] * score[j];
        *lap = acc - n2;
    }
}

/* ---------- batched driver ---------- */

typedef enum { OP_LOGP, OP_SCORE, OP_POSTERIOR, OP_ARGMAX, OP_LOGH, OP_GRADH, OP_LAPP, OP_LAPH } gmm_op;

typedef struct gmm_job {
    gmm_op op;
    gmm_time p, q; /* q: target of a pair (OP_LOGH, OP_GRADH, OP_LAPH), else q.g == NULL */
    double scale;  /* multiplier of vector and Laplacian outputs (1 for scores, -sigma for noise) */
    int n;
    const float *x;
    const int *labels;
    double *dout;
    float *fout;
    int *iout;
} gmm_job;

/* scratch: l_p[k_p], l_q[k_q], z[d], g_p[d], g_q[d], v[d] */
static void gmm_row(const gmm_job *jb, int i, double *buf)
{
    const tgdp_gmm *p = jb->p.g, *q = jb->q.g;
    const int d = p->d;
    const float *x = jb->x + (size_t)i * d;
    const int *y = jb->labels ? jb->labels + i : NULL;
    double *lp = buf, *lq = lp + p->k, *z = lq + (q ? q->k : 0), *gp = z + d, *gq = gp + d, *v = gq + d;
    to_rotated(p, x, z);
    double lse_p = row_logits(&jb->p, z, y, lp), lap_p = 0, lap_q = 0;
    switch (jb->op) {
    case OP_LOGP: jb->dout[i] = lse_p; break;
    case OP_SCORE:
        row_score(&jb->p, z, lp, lse_p, gp, NULL);
        from_rotated(p, gp, v);
        for (int j = 0; j < d; j++) jb->fout[(size_t)i * d + j] = (float)(jb->scale * v[j]);
        break;
    case OP_LAPP:
        row_score(&jb->p, z, lp, lse_p, gp, &lap_p);
        jb->dout[i] = jb->scale * lap_p;
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
    case OP_LOGH: jb->dout[i] = row_logits(&jb->q, z, y, lq) - lse_p; break;
    case OP_GRADH:
    case OP_LAPH: {
        double lse_q = row_logits(&jb->q, z, y, lq);
        row_score(&jb->p, z, lp, lse_p, gp, &lap_p);
        row_score(&jb->q, z, lq, lse_q, gq, &lap_q);
        if (jb->op == OP_LAPH) {
            jb->dout[i] = jb->scale * (lap_q - lap_p);
            break;
        }
        for (int j = 0; j < d; j++) gq[j] -= gp[j];
        from_rotated(p, gq, v);
        for (int j = 0; j < d; j++) jb->fout[(size_t)i * d + j] = (float)(jb->scale * v[j]);
        break;
    }
    }
}

/* Fills the time constants of p (and q) and runs gmm_row over all rows in parallel. */
static int gmm_run(gmm_job *jb, const tgdp_gmm *p, const tgdp_gmm *q, double a, double sigma, tgdp_error *err)
{
    const int kq = q ? q->k : 0, d = p->d;
    double *consts = malloc((size_t)(p->k + kq) * (size_t)(d + 1) * sizeof *consts);
    if (!consts) return tgdp_fail(err, TGDP_ENOMEM, "gmm: cannot allocate %d components", p->k + kq);
    gmm_time_fill(&jb->p, p, a, sigma * sigma, consts);
    memset(&jb->q, 0, sizeof jb->q);
    if (q) gmm_time_fill(&jb->q, q, a, sigma * sigma, consts + (size_t)p->k * (d + 1));
    const size_t per = (size_t)p->k + (size_t)kq + 4 * (size_t)d;
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

static int same_rotation(const tgdp_gmm *p, const tgdp_gmm *q)
{
    if (!p->rot || !q->rot) return !p->rot && !q->rot;
    return memcmp(p->rot, q->rot, (size_t)p->d * p->d * sizeof *p->rot) == 0;
}

static int run_pair(gmm_op op, const tgdp_gmm *p, const tgdp_gmm *q, double a, double sigma, int n,
                    const float *x, const int *labels, double *dout, float *fout, tgdp_error *err)
{
    const void *out = dout ? (void *)dout : (void *)fout;
    int rc = check_args(p, a, sigma, n, x, out, labels, err);
    if (!rc) rc = check_args(q, a, sigma, n, x, out, labels, err);
    if (rc) return rc;
    if (p->d != q->d) return tgdp_fail(err, TGDP_EINVAL, "gmm: source d=%d and target d=%d differ", p->d, q->d);
    if (!same_rotation(p, q))
        return tgdp_fail(err, TGDP_EINVAL, "gmm: source and target must share their rotation (or have none)");
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

int tgdp_gmm_laplacian(const tgdp_gmm *g, double alpha, double sigma, int n, const float *x, const int *labels,
                       double *out, tgdp_error *err)
{
    return run_single(OP_LAPP, g, alpha, sigma, 1.0, n, x, labels, out, NULL, NULL, err);
}

int tgdp_gmm_laplacian_log_h(const tgdp_gmm *p, const tgdp_gmm *q, double alpha, double sigma, int n, const float *x,
                             const int *labels, double *out, tgdp_error *err)
{
    return run_pair(OP_LAPH, p, q, alpha, sigma, n, x, labels, out, NULL, err);
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

int tgdp_gmm_oracle_eps_div(void *ctx, int n, int d, const float *x, float t, float *eps_out, double *div_out,
                            tgdp_error *err)
{
    const tgdp_gmm_oracle *o = ctx;
    int rc = tgdp_gmm_oracle_eps(ctx, n, d, x, t, eps_out, err);
    if (rc) return rc;
    double la = tgdp_schedule_log_alpha(o->schedule, t);
    double sigma = sqrt(-expm1(2.0 * la));
    rc = tgdp_gmm_laplacian(o->gmm, exp(la), sigma, n, x, o->labels, div_out, err);
    for (int i = 0; !rc && i < n; i++) div_out[i] *= -sigma;
    return rc;
}

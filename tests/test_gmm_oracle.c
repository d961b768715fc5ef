/* Gaussian-mixture oracle: sampling moments and labels, normalisation, score and ∇log h*
 * against central finite differences of the log densities, the guidance identity
 * eps_target = eps_source - sigma ∇log h*, conditional scores, posteriors, errors. */
#include "testutil.h"
#include "tgdp/gmm.h"

#include <string.h>

/* float points on a grid of 2^-10, so x +- h with h = 2^-14 is exact in float */
static void grid_points(tgdp_rng *r, int n, int d, double scale, float *x)
{
    for (int i = 0; i < n * d; i++) x[i] = (float)(ldexp(floor(ldexp(scale * tgdp_rng_normal(r), 10)), -10));
}

/* worst |analytic - FD| / (1e-4 + |FD|) of a float gradient vs central differences of the
 * double scalar field f (step 2^-14: truncation ~1e-9, rounding ~1e-12; the float output
 * limits agreement to ~1e-6) */
typedef int (*scalar_fn)(const void *ctx, int n, const float *x, double *out);

static double fd_worst(scalar_fn f, const void *ctx, int n, int d, const float *x, const float *grad)
{
    const double h = ldexp(1.0, -14);
    float *xp = malloc((size_t)n * d * sizeof *xp), *xm = malloc((size_t)n * d * sizeof *xm);
    double *fp = malloc((size_t)n * sizeof *fp), *fm = malloc((size_t)n * sizeof *fm);
    double worst = 0;
    for (int j = 0; j < d; j++) {
        memcpy(xp, x, (size_t)n * d * sizeof *xp);
        memcpy(xm, x, (size_t)n * d * sizeof *xm);
        for (int i = 0; i < n; i++) {
            xp[i * d + j] += (float)h;
            xm[i * d + j] -= (float)h;
        }
        f(ctx, n, xp, fp);
        f(ctx, n, xm, fm);
        for (int i = 0; i < n; i++) {
            double fd = (fp[i] - fm[i]) / (2 * h);
            double e = fabs(grad[i * d + j] - fd) / (1e-4 + fabs(fd));
            if (e > worst) worst = e;
        }
    }
    free(xp);
    free(xm);
    free(fp);
    free(fm);
    return worst;
}

typedef struct fd_ctx {
    const tgdp_gmm *p, *q;
    double a, s;
    const int *labels;
} fd_ctx;

static int logp_field(const void *c, int n, const float *x, double *out)
{
    const fd_ctx *f = c;
    return tgdp_gmm_log_prob(f->p, f->a, f->s, n, x, f->labels, out, NULL);
}

static int logh_field(const void *c, int n, const float *x, double *out)
{
    const fd_ctx *f = c;
    return tgdp_gmm_log_h(f->p, f->q, f->a, f->s, n, x, f->labels, out, NULL);
}

/* A 3-D mixture with unequal weights and variances and a label shared by two components. */
static void random_mixtures(tgdp_gmm *p, tgdp_gmm *q)
{
    const double wp[3] = {0.2, 0.5, 0.3}, wq[3] = {0.6, 0.1, 0.3};
    const double mup[9] = {1, 0, -1, -0.5, 0.8, 0.2, 0, -1, 0.5};
    const double muq[9] = {0.7, 0.3, -0.6, -1, 0.2, 0.9, 0.4, -0.4, 0};
    const double vp[3] = {0.05, 0.3, 0.1}, vq[3] = {0.2, 0.04, 0.5};
    const int lab[3] = {0, 1, 0};
    CHECK(tgdp_gmm_init(p, 3, 3, wp, mup, vp, lab, NULL) == TGDP_OK);
    CHECK(tgdp_gmm_init(q, 3, 3, wq, muq, vq, lab, NULL) == TGDP_OK);
}

static void test_finite_differences(void)
{
    double worst_score = 0, worst_h = 0;
    enum { N = 64 };
    tgdp_schedule s;
    tgdp_schedule_init_vp_linear(&s, 0.1, 20, NULL);
    tgdp_gmm pairs[2][2];
    CHECK(tgdp_gmm_demo_source(&pairs[0][0], NULL) == TGDP_OK);
    CHECK(tgdp_gmm_demo_target(&pairs[0][1], NULL) == TGDP_OK);
    random_mixtures(&pairs[1][0], &pairs[1][1]);
    tgdp_rng r = tgdp_rng_new(11);
    const double ts[] = {0.0, 1e-3, 0.05, 0.3, 0.7, 1.0};
    int labels[N];
    for (int i = 0; i < N; i++) labels[i] = i % 2;
    for (int m = 0; m < 2; m++) {
        const tgdp_gmm *p = &pairs[m][0], *q = &pairs[m][1];
        int d = p->d;
        float *x = malloc((size_t)N * d * sizeof *x), *g = malloc((size_t)N * d * sizeof *g);
        for (size_t it = 0; it < sizeof ts / sizeof ts[0]; it++) {
            fd_ctx c = {p, q, tgdp_schedule_alpha(&s, ts[it]), tgdp_schedule_sigma(&s, ts[it]), NULL};
            grid_points(&r, N, d, 0.8, x);
            for (int cond = 0; cond < 2; cond++) {
                c.labels = cond ? labels : NULL;
                /* score of p (conditional: of p(x | y), the FD of the joint log p(x, y)) */
                CHECK(tgdp_gmm_score(p, c.a, c.s, N, x, c.labels, g, NULL) == TGDP_OK);
                double e1 = fd_worst(logp_field, &c, N, d, x, g);
                CHECKF(e1 < 2e-5, "mixture %d t=%g cond=%d: score vs FD %g", m, ts[it], cond, e1);
                worst_score = e1 > worst_score ? e1 : worst_score;
                /* ∇ log h* */
                CHECK(tgdp_gmm_grad_log_h(p, q, c.a, c.s, N, x, c.labels, g, NULL) == TGDP_OK);
                double e2 = fd_worst(logh_field, &c, N, d, x, g);
                CHECKF(e2 < 2e-5, "mixture %d t=%g cond=%d: grad log h vs FD %g", m, ts[it], cond, e2);
                worst_h = e2 > worst_h ? e2 : worst_h;
            }
        }
        free(x);
        free(g);
        tgdp_gmm_free(&pairs[m][0]);
        tgdp_gmm_free(&pairs[m][1]);
    }
    printf("worst relative error vs central differences: score %.2g, grad log h* %.2g\n", worst_score, worst_h);
    tgdp_schedule_free(&s);
}

/* eps_target = eps_source - sigma ∇ log h* (the theorem, exactly, for mixtures) */
static void test_guidance_identity(void)
{
    enum { N = 500 };
    tgdp_gmm p, q;
    random_mixtures(&p, &q);
    tgdp_schedule s;
    tgdp_schedule_init_discrete(&s, 1000, 1e-4, 0.02, NULL);
    tgdp_rng r = tgdp_rng_new(3);
    float x[N * 3], es[N * 3], eq[N * 3], gh[N * 3];
    double worst = 0;
    for (double t = 0.01; t <= 1.0; t += 0.1) {
        double a = tgdp_schedule_alpha(&s, t), sg = tgdp_schedule_sigma(&s, t);
        tgdp_rng_fill_normal(&r, x, N * 3, 0, 1);
        CHECK(tgdp_gmm_eps(&p, a, sg, N, x, NULL, es, NULL) == TGDP_OK);
        CHECK(tgdp_gmm_eps(&q, a, sg, N, x, NULL, eq, NULL) == TGDP_OK);
        CHECK(tgdp_gmm_grad_log_h(&p, &q, a, sg, N, x, NULL, gh, NULL) == TGDP_OK);
        for (int i = 0; i < N * 3; i++) {
            double e = fabs(es[i] - sg * gh[i] - eq[i]);
            if (e > worst) worst = e;
        }
        /* oracle callback == tgdp_gmm_eps at the schedule's (alpha, sigma) */
        tgdp_gmm_oracle o = {&q, &s, NULL};
        CHECK(tgdp_gmm_oracle_eps(&o, N, 3, x, (float)t, es, NULL) == TGDP_OK);
        double a2 = tgdp_schedule_alpha(&s, (float)t), s2 = tgdp_schedule_sigma(&s, (float)t);
        CHECK(tgdp_gmm_eps(&q, a2, s2, N, x, NULL, eq, NULL) == TGDP_OK);
        CHECK(memcmp(es, eq, sizeof es) == 0);
    }
    CHECKF(worst < 1e-4, "eps_source - sigma grad log h vs eps_target: %g", worst);
    tgdp_gmm_free(&p);
    tgdp_gmm_free(&q);
    tgdp_schedule_free(&s);
}

static void test_sampling(void)
{
    enum { N = 40000 };
    tgdp_gmm g;
    CHECK(tgdp_gmm_demo_target(&g, NULL) == TGDP_OK);
    CHECK(g.k == 2 && g.d == 2 && g.label[0] == 0 && g.label[1] == 1);
    CHECK(g.mu[0] == 0.5 && g.mu[1] == -0.5 && g.mu[2] == -0.5 && g.mu[3] == 0.5);
    CHECK(tgdp_gmm_num_labels(&g) == 2);
    float *x = malloc(N * 2 * sizeof *x), *x2 = malloc(N * 2 * sizeof *x2);
    int *lab = malloc(N * sizeof *lab), *lab2 = malloc(N * sizeof *lab2);
    tgdp_rng r1 = tgdp_rng_new(5), r2 = tgdp_rng_new(5);
    tgdp_set_threads(1);
    CHECK(tgdp_gmm_sample(&g, N, &r1, x, lab, NULL) == TGDP_OK);
    tgdp_set_threads(2);
    CHECK(tgdp_gmm_sample(&g, N, &r2, x2, lab2, NULL) == TGDP_OK);
    CHECK(memcmp(x, x2, N * 2 * sizeof *x) == 0 && memcmp(lab, lab2, N * sizeof *lab) == 0);
    /* per-component moments: mean mu_k, variance 0.1 per coordinate */
    double cnt[2] = {0}, s[2][2] = {{0}}, s2[2][2] = {{0}};
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 2; j++) {
            s[lab[i]][j] += x[i * 2 + j];
            s2[lab[i]][j] += (double)x[i * 2 + j] * x[i * 2 + j];
        }
    for (int i = 0; i < N; i++) cnt[lab[i]]++;
    CHECK_CLOSE(cnt[0] / N, 0.5, 0.01, 0);
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 2; j++) {
            double m = s[k][j] / cnt[k];
            CHECK_CLOSE(m, g.mu[k * 2 + j], 0.01, 0);
            CHECK_CLOSE(s2[k][j] / cnt[k] - m * m, 0.1, 0.005, 0);
        }
    /* conditional draws: all from the requested component */
    for (int i = 0; i < N; i++) lab[i] = (i % 3 == 0);
    CHECK(tgdp_gmm_sample_cond(&g, N, lab, &r1, x, NULL) == TGDP_OK);
    int *am = lab2;
    CHECK(tgdp_gmm_argmax_component(&g, 1, 0, N, x, am, NULL) == TGDP_OK);
    int agree = 0;
    for (int i = 0; i < N; i++) agree += am[i] == lab[i];
    CHECK((double)agree / N > 0.98); /* overlap of the two components: P(wrong side) = 1.3% */
    free(x);
    free(x2);
    free(lab);
    free(lab2);
    tgdp_gmm_free(&g);
}

/* the t = 0 density integrates to 1, at t = 1 it is almost N(0, I), posteriors sum to 1 */
static void test_density(void)
{
    tgdp_gmm g;
    tgdp_gmm_demo_source(&g, NULL);
    enum { M = 241 };
    const double lo = -3, step = 6.0 / (M - 1);
    float *x = malloc(M * M * 2 * sizeof *x);
    double *lp = malloc(M * M * sizeof *lp);
    for (int a = 0; a < M; a++)
        for (int b = 0; b < M; b++) {
            x[(a * M + b) * 2] = (float)(lo + a * step);
            x[(a * M + b) * 2 + 1] = (float)(lo + b * step);
        }
    CHECK(tgdp_gmm_log_prob(&g, 1, 0, M * M, x, NULL, lp, NULL) == TGDP_OK);
    double mass = 0;
    for (int i = 0; i < M * M; i++) mass += exp(lp[i]) * step * step;
    CHECK_CLOSE(mass, 1.0, 1e-4, 0);
    /* alpha = 0.01, sigma = sqrt(1 - 1e-4): close to the standard normal */
    double a = 0.01, sg = sqrt(1 - a * a);
    CHECK(tgdp_gmm_log_prob(&g, a, sg, 1, x + ((M / 2) * M + M / 2) * 2, NULL, lp, NULL) == TGDP_OK);
    CHECK_CLOSE(lp[0], -log(6.283185307179586), 1e-3, 0);
    float post[6];
    const float pts[6] = {0.5f, 0.5f, -0.5f, -0.5f, 0.0f, 0.0f};
    CHECK(tgdp_gmm_posterior(&g, 1, 0, 3, pts, post, NULL) == TGDP_OK);
    CHECK(post[0] > 0.99 && post[3] > 0.99);
    CHECK_CLOSE(post[4], 0.5, 1e-6, 0);
    for (int i = 0; i < 3; i++) CHECK_CLOSE(post[2 * i] + post[2 * i + 1], 1.0, 1e-6, 0);
    /* demo log r at t = 0 is known in closed form: log q/p with equal variances */
    tgdp_gmm q;
    tgdp_gmm_demo_target(&q, NULL);
    double lr[3];
    CHECK(tgdp_gmm_log_h(&g, &q, 1, 0, 3, pts, NULL, lr, NULL) == TGDP_OK);
    /* at x = mu_S = (0.5, 0.5): ||x-mu_T||^2 = 1 for both target comps; source: 0 and 2 */
    double expect = -1.0 / 0.2 - log(0.5 * (1 + exp(-2.0 / 0.2)));
    CHECK_CLOSE(lr[0], expect, 1e-9, 1e-9);
    CHECK_CLOSE(lr[2], 0.0, 1e-12, 0); /* symmetric point */
    free(x);
    free(lp);
    tgdp_gmm_free(&g);
    tgdp_gmm_free(&q);
}

static void test_errors(void)
{
    tgdp_gmm g, q3;
    tgdp_error err;
    tgdp_gmm_demo_source(&g, NULL);
    const double mu3[3] = {0, 0, 0}, v1[1] = {1};
    tgdp_gmm_init(&q3, 1, 3, NULL, mu3, v1, NULL, NULL);
    float x[4] = {0}, out[4];
    double lp[2];
    int bad[2] = {0, 2};
    CHECK(tgdp_gmm_score(&g, 1, 0, 2, x, bad, out, &err) == TGDP_EINVAL);
    CHECK(strstr(err.msg, "label 2") != NULL);
    CHECK(tgdp_gmm_log_h(&g, &q3, 1, 0, 2, x, NULL, lp, &err) == TGDP_EINVAL);
    CHECK(tgdp_gmm_log_prob(&g, 0, 0, 2, x, NULL, lp, &err) == TGDP_EINVAL);
    const double v0[2] = {0.1, 0.0}, mu4[4] = {0};
    tgdp_gmm z;
    CHECK(tgdp_gmm_init(&z, 2, 2, NULL, mu4, v0, NULL, &err) == TGDP_EINVAL);
    tgdp_schedule s;
    tgdp_schedule_init_vp_linear(&s, 0.1, 20, NULL);
    tgdp_gmm_oracle o = {&g, &s, NULL};
    CHECK(tgdp_gmm_oracle_eps(&o, 1, 3, x, 0.5f, out, &err) == TGDP_EINVAL);
    tgdp_gmm_free(&g);
    tgdp_gmm_free(&q3);
}


/* a 3-D rotation: R = rotation about z by 0.7 rad, then about x by -1.1 rad */
static void rotation3(double *R)
{
    const double a = 0.7, b = -1.1;
    const double Rz[9] = {cos(a), -sin(a), 0, sin(a), cos(a), 0, 0, 0, 1};
    const double Rx[9] = {1, 0, 0, 0, cos(b), -sin(b), 0, sin(b), cos(b)};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            R[i * 3 + j] = 0;
            for (int k = 0; k < 3; k++) R[i * 3 + j] += Rx[i * 3 + k] * Rz[k * 3 + j];
        }
}

/* Laplacian of log p (and of log h*) against second central differences of the log density */
static double lap_fd_worst(scalar_fn f, const void *ctx, int n, int d, const float *x, const double *lap)
{
    const double h = ldexp(1.0, -13);
    float *xp = malloc((size_t)n * d * sizeof *xp), *xm = malloc((size_t)n * d * sizeof *xm);
    double *fp = malloc((size_t)n * sizeof *fp), *fm = malloc((size_t)n * sizeof *fm), *f0 = malloc((size_t)n * sizeof *f0);
    double *acc = calloc((size_t)n, sizeof *acc), worst = 0;
    f(ctx, n, x, f0);
    for (int j = 0; j < d; j++) {
        memcpy(xp, x, (size_t)n * d * sizeof *xp);
        memcpy(xm, x, (size_t)n * d * sizeof *xm);
        for (int i = 0; i < n; i++) {
            xp[i * d + j] += (float)h;
            xm[i * d + j] -= (float)h;
        }
        f(ctx, n, xp, fp);
        f(ctx, n, xm, fm);
        for (int i = 0; i < n; i++) acc[i] += (fp[i] - 2 * f0[i] + fm[i]) / (h * h);
    }
    for (int i = 0; i < n; i++) {
        double e = fabs(lap[i] - acc[i]) / (1e-2 + fabs(acc[i]));
        if (e > worst) worst = e;
    }
    free(xp); free(xm); free(fp); free(fm); free(f0); free(acc);
    return worst;
}

/* anisotropic mixtures sharing a rotation: sampling covariance, score, grad log h* and both
 * Laplacians against finite differences; isotropic mixtures through init_full equal init */
static void test_rotated(void)
{
    double R[9];
    rotation3(R);
    const double mup[6] = {1, 0.5, -0.5, -1, -0.5, 0.5}, muq[6] = {0.2, -1, 0.4, -0.2, 1, -0.4};
    const double dv[6] = {0.04, 0.2, 0.5, 0.1, 0.05, 0.3};
    tgdp_gmm p, q;
    CHECK(tgdp_gmm_init_full(&p, 2, 3, NULL, mup, dv, R, NULL, NULL) == TGDP_OK);
    CHECK(tgdp_gmm_init_full(&q, 2, 3, (const double[]){0.3, 0.7}, muq, dv, R, NULL, NULL) == TGDP_OK);
    /* covariance of component 0's draws is R diag(dvar_0) R^T */
    enum { NS = 200000 };
    float *xs = malloc((size_t)NS * 3 * sizeof *xs);
    int *lab = malloc(NS * sizeof *lab), *want = malloc(NS * sizeof *want);
    for (int i = 0; i < NS; i++) want[i] = 0;
    tgdp_rng r = tgdp_rng_new(3);
    CHECK(tgdp_gmm_sample_cond(&p, NS, want, &r, xs, NULL) == TGDP_OK);
    double worst_cov = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double c = 0, truth = 0;
            for (int i = 0; i < NS; i++) c += (xs[i * 3 + a] - mup[a]) * (xs[i * 3 + b] - mup[b]) / NS;
            for (int k = 0; k < 3; k++) truth += R[a * 3 + k] * dv[k] * R[b * 3 + k];
            if (fabs(c - truth) > worst_cov) worst_cov = fabs(c - truth);
        }
    CHECKF(worst_cov < 5e-3, "rotated sampling covariance off by %g", worst_cov);
    /* derivatives */
    tgdp_schedule s;
    tgdp_schedule_init_vp_linear(&s, 0.1, 20, NULL);
    enum { N = 48 };
    float x[N * 3], g[N * 3];
    double lap[N];
    const double ts[] = {0.0, 0.02, 0.3, 0.9};
    double w_score = 0, w_h = 0, w_lap = 0, w_laph = 0;
    for (size_t it = 0; it < sizeof ts / sizeof *ts; it++) {
        fd_ctx c = {&p, &q, tgdp_schedule_alpha(&s, ts[it]), tgdp_schedule_sigma(&s, ts[it]), NULL};
        grid_points(&r, N, 3, 0.8, x);
        CHECK(tgdp_gmm_score(&p, c.a, c.s, N, x, NULL, g, NULL) == TGDP_OK);
        w_score = fmax(w_score, fd_worst(logp_field, &c, N, 3, x, g));
        CHECK(tgdp_gmm_grad_log_h(&p, &q, c.a, c.s, N, x, NULL, g, NULL) == TGDP_OK);
        w_h = fmax(w_h, fd_worst(logh_field, &c, N, 3, x, g));
        CHECK(tgdp_gmm_laplacian(&p, c.a, c.s, N, x, NULL, lap, NULL) == TGDP_OK);
        w_lap = fmax(w_lap, lap_fd_worst(logp_field, &c, N, 3, x, lap));
        CHECK(tgdp_gmm_laplacian_log_h(&p, &q, c.a, c.s, N, x, NULL, lap, NULL) == TGDP_OK);
        w_laph = fmax(w_laph, lap_fd_worst(logh_field, &c, N, 3, x, lap));
    }
    printf("rotated mixtures vs finite differences: score %.2g, grad log h* %.2g, Laplacian %.2g, of log h* %.2g\n",
           w_score, w_h, w_lap, w_laph);
    CHECK(w_score < 2e-5 && w_h < 2e-5);
    CHECK(w_lap < 3e-4 && w_laph < 3e-4); /* truncation O(h^2): 1.3e-4 at h = 2^-11, 3e-2 at 2^-7 */
    /* a source and target with different rotations cannot be paired; a non-orthonormal R is refused */
    tgdp_gmm q2;
    tgdp_error e;
    CHECK(tgdp_gmm_init_full(&q2, 2, 3, NULL, muq, dv, NULL, NULL, NULL) == TGDP_OK);
    CHECK(tgdp_gmm_grad_log_h(&p, &q2, 1, 0.1, N, x, NULL, g, &e) == TGDP_EINVAL && strstr(e.msg, "rotation"));
    tgdp_gmm_free(&q2);
    double bad[9];
    memcpy(bad, R, sizeof bad);
    bad[0] *= 1.01;
    CHECK(tgdp_gmm_init_full(&q2, 2, 3, NULL, muq, dv, bad, NULL, &e) == TGDP_EINVAL && strstr(e.msg, "orthonormal"));
    /* isotropic: init_full with equal variances and no rotation is init */
    tgdp_gmm a, b;
    const double v2[2] = {0.1, 0.2}, dv2[6] = {0.1, 0.1, 0.1, 0.2, 0.2, 0.2};
    CHECK(tgdp_gmm_init(&a, 2, 3, NULL, mup, v2, NULL, NULL) == TGDP_OK);
    CHECK(tgdp_gmm_init_full(&b, 2, 3, NULL, mup, dv2, NULL, NULL, NULL) == TGDP_OK);
    double la[N], lb[N];
    CHECK(tgdp_gmm_log_prob(&a, 0.9, 0.3, N, x, NULL, la, NULL) == TGDP_OK);
    CHECK(tgdp_gmm_log_prob(&b, 0.9, 0.3, N, x, NULL, lb, NULL) == TGDP_OK);
    CHECK(memcmp(la, lb, sizeof la) == 0);
    tgdp_gmm_free(&a); tgdp_gmm_free(&b); tgdp_gmm_free(&p); tgdp_gmm_free(&q); tgdp_gmm_free(&q2);
    tgdp_schedule_free(&s);
    free(xs); free(lab); free(want);
}

int main(void)
{
    test_rotated();
    test_finite_differences();
    test_guidance_identity();
    test_sampling();
    test_density();
    test_errors();
    TEST_MAIN_END();
}

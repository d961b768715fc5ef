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

int main(void)
{
    test_finite_differences();
    test_guidance_identity();
    test_sampling();
    test_density();
    test_errors();
    TEST_MAIN_END();
}

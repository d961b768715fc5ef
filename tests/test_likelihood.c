/* Likelihoods through the probability-flow ODE: the exact divergence of networks (tangent
 * passes) against finite differences computed from first-order evaluations only, the guided
 * noise's divergence against finite differences of the guided noise itself, and the ODE
 * log-likelihood of exact mixtures (their exact noise and divergence) against their closed-form
 * density, in 2-D and in a rotated anisotropic 8-D mixture. */
#include "testutil.h"
#include "tgdp/gmm.h"
#include "tgdp/tgdp.h"

#include <string.h>

static tgdp_schedule S;

static void mknet(tgdp_net *n, tgdp_role role, const char *hid, int in, int out, int nc, uint64_t seed)
{
    tgdp_mlp_config c;
    memset(&c, 0, sizeof c);
    c.in_dim = in;
    c.out_dim = out;
    c.time_mode = role == TGDP_ROLE_CLASSIFIER ? TGDP_TIME_NONE : TGDP_TIME_RAW;
    c.n_classes = nc;
    c.label_dim = nc;
    c.act = TGDP_ACT_SILU;
    tgdp_mlp_parse_hidden(&c, hid, NULL);
    CHECK(tgdp_net_create(n, role, &c, seed, NULL) == TGDP_OK);
}

/* the divergence of a vector field F (x -> F(x), n*d) by central differences in double steps */
typedef int (*field_fn)(void *ctx, int n, const float *x, float *out);

static void fd_divergence(field_fn F, void *ctx, int n, int d, const float *x, double h, double *div)
{
    float *xp = malloc((size_t)n * d * sizeof *xp), *xm = malloc((size_t)n * d * sizeof *xm);
    float *fp = malloc((size_t)n * d * sizeof *fp), *fm = malloc((size_t)n * d * sizeof *fm);
    for (int i = 0; i < n; i++) div[i] = 0;
    for (int j = 0; j < d; j++) {
        memcpy(xp, x, (size_t)n * d * sizeof *xp);
        memcpy(xm, x, (size_t)n * d * sizeof *xm);
        double step[1024];
        for (int i = 0; i < n; i++) {
            xp[i * d + j] = (float)(x[i * d + j] + h);
            xm[i * d + j] = (float)(x[i * d + j] - h);
            step[i] = (double)xp[i * d + j] - (double)xm[i * d + j]; /* the step actually taken in float */
        }
        CHECK(F(ctx, n, xp, fp) == TGDP_OK);
        CHECK(F(ctx, n, xm, fm) == TGDP_OK);
        for (int i = 0; i < n; i++) div[i] += ((double)fp[i * d + j] - fm[i * d + j]) / step[i];
    }
    free(xp); free(xm); free(fp); free(fm);
}

/* worst |a - b| / (atol + |b|) */
static double worst_rel(const double *a, const double *b, int n, double atol)
{
    double w = 0;
    for (int i = 0; i < n; i++) w = fmax(w, fabs(a[i] - b[i]) / (atol + fabs(b[i])));
    return w;
}

typedef struct {
    tgdp_net *net;
    tgdp_arena *ar;
    float t;
    tgdp_act act;
    float scale;
    const int64_t *labels;
} net_field;

static int eps_field(void *c, int n, const float *x, float *out)
{
    net_field *f = c;
    float tv[1024];
    for (int i = 0; i < n; i++) tv[i] = f->t;
    return tgdp_net_eval(f->net, f->ar, n, x, tv, f->labels, out, NULL);
}

static int grad_field(void *c, int n, const float *x, float *out)
{
    net_field *f = c;
    float tv[1024];
    for (int i = 0; i < n; i++) tv[i] = f->t;
    return tgdp_net_input_grad(f->net, f->ar, n, x, tv, f->labels, f->act, f->scale, out, NULL);
}

static void test_net_divergence(void)
{
    enum { N = 64, D = 3 };
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    tgdp_rng r = tgdp_rng_new(5);
    float x[N * D], tv[N], eps[N * D], g[N * D];
    double div[N], fd[N];
    tgdp_rng_fill_normal(&r, x, N * D, 0, 1);
    int64_t lab[N];
    for (int i = 0; i < N; i++) lab[i] = i % 3;
    for (int cond = 0; cond < 2; cond++) {
        /* a denoiser: div eps against FD of eps */
        tgdp_net e;
        mknet(&e, TGDP_ROLE_EPS, "32,32", D, D, cond ? 3 : 0, 3 + cond);
        for (int i = 0; i < N; i++) tv[i] = 0.37f;
        CHECK(tgdp_net_eps_div(&e, &ar, N, x, tv, cond ? lab : NULL, eps, div, NULL) == TGDP_OK);
        net_field f = {&e, &ar, 0.37f, TGDP_ACT_IDENTITY, 1, cond ? lab : NULL};
        float ref[N * D];
        CHECK(eps_field(&f, N, x, ref) == TGDP_OK);
        CHECK(memcmp(ref, eps, sizeof ref) == 0); /* the same noise as tgdp_net_eval */
        fd_divergence(eps_field, &f, N, D, x, 1e-2, fd);
        double w = worst_rel(div, fd, N, 0.05);
        printf("denoiser divergence vs FD (cond %d): worst %.2g\n", cond, w);
        CHECKF(w < 2e-3, "denoiser divergence off by %g", w);
        tgdp_net_free(&e);
        /* scalar nets: grad and Laplacian of -logit c' (time classifier) and log softplus z */
        for (int kind = 0; kind < 2; kind++) {
            tgdp_net c;
            mknet(&c, kind ? TGDP_ROLE_GUIDANCE : TGDP_ROLE_TIME_CLASSIFIER, "32,32", D, 1, cond ? 3 : 0, 7 + kind);
            net_field s = {&c, &ar, 0.2f, kind ? TGDP_ACT_LOG_SOFTPLUS : TGDP_ACT_IDENTITY, kind ? 1.0f : -1.0f,
                           cond ? lab : NULL};
            for (int i = 0; i < N; i++) tv[i] = 0.2f;
            CHECK(tgdp_net_input_grad_lap(&c, &ar, N, x, tv, s.labels, s.act, s.scale, g, div, NULL) == TGDP_OK);
            float gref[N * D];
            CHECK(grad_field(&s, N, x, gref) == TGDP_OK);
            double gw = 0;
            for (int i = 0; i < N * D; i++) gw = fmax(gw, fabs(g[i] - gref[i]));
            CHECKF(gw < 1e-6, "gradient differs from tgdp_net_input_grad by %g", gw);
            fd_divergence(grad_field, &s, N, D, x, 1e-2, fd);
            w = worst_rel(div, fd, N, 0.05);
            printf("%s Laplacian vs FD (cond %d): worst %.2g\n", kind ? "guidance" : "time classifier", cond, w);
            CHECKF(w < 2e-3, "Laplacian off by %g", w);
            tgdp_net_free(&c);
        }
    }
    tgdp_arena_free(&ar);
}

/* the guided noise eps_src - w sigma grad log h: its divergence against FD of the noise, with
 * one guide and with bagged guides */
typedef struct {
    tgdp_eps_ctx *e;
    float t;
} guided_field_ctx;

static int guided_field(void *c, int n, const float *x, float *out)
{
    guided_field_ctx *g = c;
    return tgdp_eps_guided(g->e, n, 3, x, g->t, out, NULL);
}

static void test_guided_divergence(void)
{
    enum { N = 48, D = 3 };
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    tgdp_net e, c1, c2;
    mknet(&e, TGDP_ROLE_EPS, "32,32", D, D, 0, 11);
    mknet(&c1, TGDP_ROLE_TIME_CLASSIFIER, "16,16", D, 1, 0, 12);
    mknet(&c2, TGDP_ROLE_TIME_CLASSIFIER, "16,16", D, 1, 0, 13);
    tgdp_net *bag[2] = {&c1, &c2};
    float x[N * D], scratch[N * D], eps[N * D], ref[N * D];
    double div[N], fd[N];
    tgdp_rng r = tgdp_rng_new(9);
    tgdp_rng_fill_normal(&r, x, N * D, 0, 1);
    for (int bagged = 0; bagged < 2; bagged++) {
        tgdp_eps_ctx ctx = {&S, &e, NULL, &c1, 1.5, NULL, &ar, scratch, bagged ? bag : NULL, bagged ? 2 : 0};
        CHECK(tgdp_eps_guided_div(&ctx, N, D, x, 0.3f, eps, div, NULL) == TGDP_OK);
        CHECK(tgdp_eps_guided(&ctx, N, D, x, 0.3f, ref, NULL) == TGDP_OK);
        double ew = 0;
        for (int i = 0; i < N * D; i++) ew = fmax(ew, fabs(eps[i] - ref[i]));
        CHECKF(ew < 1e-6, "guided noise with divergence differs by %g", ew);
        guided_field_ctx gc = {&ctx, 0.3f};
        fd_divergence(guided_field, &gc, N, D, x, 1e-2, fd);
        double w = worst_rel(div, fd, N, 0.05);
        printf("guided divergence vs FD (bagged %d): worst %.2g\n", bagged, w);
        CHECKF(w < 2e-3, "guided divergence off by %g", w);
    }
    /* the bag of two equal guides is the guide itself */
    tgdp_net *same[2] = {&c1, &c1};
    tgdp_eps_ctx one = {&S, &e, NULL, &c1, 1.0, NULL, &ar, scratch, NULL, 0};
    tgdp_eps_ctx two = {&S, &e, NULL, NULL, 1.0, NULL, &ar, scratch, same, 2};
    CHECK(tgdp_eps_guided(&one, N, D, x, 0.5f, eps, NULL) == TGDP_OK);
    CHECK(tgdp_eps_guided(&two, N, D, x, 0.5f, ref, NULL) == TGDP_OK);
    double bw = 0;
    for (int i = 0; i < N * D; i++) bw = fmax(bw, fabs(eps[i] - ref[i]));
    CHECKF(bw < 1e-6, "bag of equal guides differs from the guide by %g", bw);
    tgdp_net_free(&e); tgdp_net_free(&c1); tgdp_net_free(&c2);
    tgdp_arena_free(&ar);
}

/* ODE log-likelihood of exact samples under the exact noise of their own mixture = the exact
 * log density at t_min */
static void check_ode(const tgdp_gmm *g, const char *name, int steps, double tol)
{
    enum { N = 300 };
    const int d = g->d;
    float *x = malloc((size_t)N * d * sizeof *x);
    double *lp = malloc(N * sizeof *lp), *exact = malloc(N * sizeof *exact);
    tgdp_rng r = tgdp_rng_new(21);
    CHECK(tgdp_gmm_sample(g, N, &r, x, NULL, NULL) == TGDP_OK);
    const double tmin = 1e-3;
    tgdp_gmm_oracle o = {g, &S, NULL};
    CHECK(tgdp_flow_log_prob(&S, tgdp_gmm_oracle_eps_div, &o, N, d, x, steps, tmin, lp, NULL) == TGDP_OK);
    CHECK(tgdp_gmm_log_prob(g, tgdp_schedule_alpha(&S, tmin), tgdp_schedule_sigma(&S, tmin), N, x, NULL, exact, NULL) ==
          TGDP_OK);
    double worst = 0, mean = 0;
    for (int i = 0; i < N; i++) {
        worst = fmax(worst, fabs(lp[i] - exact[i]));
        mean += (lp[i] - exact[i]) / N;
    }
    printf("%s: ODE log-likelihood with %d RK4 steps vs exact: worst |error| %.2g nats, mean error %.2g\n", name, steps,
           worst, mean);
    CHECKF(worst < tol, "%s: ODE log-likelihood off by %g nats", name, worst);
    free(x); free(lp); free(exact);
}

static void test_ode_exact(void)
{
    tgdp_gmm q;
    CHECK(tgdp_gmm_demo_target(&q, NULL) == TGDP_OK);
    check_ode(&q, "2-D demo target", 40, 5e-3);
    tgdp_gmm_free(&q);
    /* 8-D: a random rotation (Gram-Schmidt of normal draws), variances 0.03 .. 0.3 */
    enum { D = 8 };
    double R[D * D], mu[2 * D], dv[2 * D];
    tgdp_rng r = tgdp_rng_new(4);
    for (int i = 0; i < D * D; i++) R[i] = tgdp_rng_normal(&r);
    for (int c = 0; c < D; c++) { /* orthonormal columns */
        for (int p = 0; p < c; p++) {
            double dot = 0;
            for (int k = 0; k < D; k++) dot += R[k * D + c] * R[k * D + p];
            for (int k = 0; k < D; k++) R[k * D + c] -= dot * R[k * D + p];
        }
        double nn = 0;
        for (int k = 0; k < D; k++) nn += R[k * D + c] * R[k * D + c];
        for (int k = 0; k < D; k++) R[k * D + c] /= sqrt(nn);
    }
    for (int j = 0; j < D; j++) {
        mu[j] = 0.4 * tgdp_rng_normal(&r);
        mu[D + j] = -mu[j];
        dv[j] = dv[D + j] = 0.03 * pow(10.0, (double)j / (D - 1));
    }
    CHECK(tgdp_gmm_init_full(&q, 2, D, NULL, mu, dv, R, NULL, NULL) == TGDP_OK);
    check_ode(&q, "8-D rotated mixture", 40, 1e-2);
    /* the error falls with the step count (it is integration error, not a bias) */
    check_ode(&q, "8-D rotated mixture", 80, 5e-3);
    tgdp_gmm_free(&q);
    /* a bad call */
    tgdp_error e;
    double out[1];
    float x1[2] = {0, 0};
    CHECK(tgdp_flow_log_prob(&S, tgdp_gmm_oracle_eps_div, NULL, 1, 2, x1, 0, 1e-3, out, &e) == TGDP_EINVAL);
}

int main(void)
{
    tgdp_set_threads(2);
    CHECK(tgdp_schedule_init_vp_linear(&S, 0.1, 20, NULL) == TGDP_OK);
    test_net_divergence();
    test_guided_divergence();
    test_ode_exact();
    tgdp_schedule_free(&S);
    TEST_MAIN_END();
}

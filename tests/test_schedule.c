/* Schedules: VP linear and discrete DDPM values vs closed form, accuracy near t = 0, the
 * inverse t(lambda) round trip, forward noising, and name parsing. */
#include "testutil.h"
#include "tgdp/diffusion.h"

#include <string.h>

static void test_vp_linear_values(void)
{
    tgdp_schedule s;
    tgdp_error err;
    CHECK(tgdp_schedule_init_vp_linear(&s, 0.1, 20.0, &err) == TGDP_OK);
    const double ts[] = {1e-3, 0.01, 0.1, 0.25, 0.5, 0.75, 1.0};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        double t = ts[i];
        double la = -0.5 * (0.1 * t + 0.5 * 19.9 * t * t);
        double a = exp(la), sg = sqrt(1 - a * a);
        CHECK_CLOSE(tgdp_schedule_log_alpha(&s, t), la, 1e-15, 1e-13);
        CHECK_CLOSE(tgdp_schedule_alpha(&s, t), a, 1e-15, 1e-13);
        CHECK_CLOSE(tgdp_schedule_sigma(&s, t), sg, 1e-12, 1e-9);
        CHECK_CLOSE(tgdp_schedule_lambda(&s, t), log(a / sg), 1e-10, 1e-9);
        double al = tgdp_schedule_alpha(&s, t), sgm = tgdp_schedule_sigma(&s, t);
        CHECK_CLOSE(al * al + sgm * sgm, 1.0, 1e-14, 0);
    }
    /* alpha(1) = exp(-0.5 (0.1 + 9.95)) */
    CHECK_CLOSE(tgdp_schedule_alpha(&s, 1.0), exp(-5.025), 1e-15, 1e-12);
    /* near t = 0: sigma^2 = 1 - exp(-(b0 t + b' t^2/2)) ~ b0 t to full relative precision
     * (1 - alpha^2 computed naively would lose ~8 digits here) */
    double t = 1e-9, u = 0.1 * t + 0.5 * 19.9 * t * t;
    double sg2 = tgdp_schedule_sigma(&s, t);
    sg2 *= sg2;
    CHECK_CLOSE(sg2, u - 0.5 * u * u, 0, 1e-12);
    CHECK_CLOSE(tgdp_schedule_lambda(&s, t), -0.5 * u - 0.5 * log(u - 0.5 * u * u), 0, 1e-12);
    /* t = 0: alpha = 1, sigma = 0, lambda = +inf */
    CHECK(tgdp_schedule_sigma(&s, 0.0) == 0.0);
    CHECK(isinf(tgdp_schedule_lambda(&s, 0.0)) && tgdp_schedule_lambda(&s, 0.0) > 0);
    CHECK(tgdp_schedule_t_of_lambda(&s, INFINITY) == 0.0);
    tgdp_schedule_free(&s);
}

/* t(lambda(t)) = t, lambda strictly decreasing */
static void check_round_trip(const tgdp_schedule *s, double t_lo)
{
    double worst = 0, prev = INFINITY;
    int monotone = 1;
    for (int i = 0; i <= 2000; i++) {
        double t = t_lo * pow(1.0 / t_lo, i / 2000.0); /* log-spaced t_lo..1 */
        double lam = tgdp_schedule_lambda(s, t);
        double back = tgdp_schedule_t_of_lambda(s, lam);
        double rel = fabs(back - t) / t;
        if (rel > worst) worst = rel;
        if (!(lam < prev)) monotone = 0;
        prev = lam;
    }
    CHECKF(worst < 1e-9, "%s: worst relative round-trip error %g", tgdp_schedule_kind_name(s->kind), worst);
    CHECK(monotone);
    /* the other way round, over a wide lambda range */
    double worst_l = 0;
    for (double lam = -6; lam <= 8; lam += 0.37) {
        double back = tgdp_schedule_lambda(s, tgdp_schedule_t_of_lambda(s, lam));
        if (fabs(back - lam) > worst_l) worst_l = fabs(back - lam);
    }
    CHECKF(worst_l < 1e-9, "%s: worst lambda round-trip error %g", tgdp_schedule_kind_name(s->kind), worst_l);
}

static void test_round_trips(void)
{
    tgdp_schedule s;
    CHECK(tgdp_schedule_init_default(&s, TGDP_SCHEDULE_VP_LINEAR, 0, NULL) == TGDP_OK);
    check_round_trip(&s, 1e-6);
    tgdp_schedule_free(&s);
    CHECK(tgdp_schedule_init_default(&s, TGDP_SCHEDULE_DISCRETE, 1000, NULL) == TGDP_OK);
    check_round_trip(&s, 1e-6); /* includes (0, 1/T), the segment added to DPM-Solver's knots */
    tgdp_schedule_free(&s);
}

static void test_discrete_values(void)
{
    enum { T = 1000 };
    tgdp_schedule s;
    CHECK(tgdp_schedule_init_discrete(&s, T, 1e-4, 0.02, NULL) == TGDP_OK);
    /* abar_k = prod_{j<=k} (1 - beta_j), betas = linspace(1e-4, 0.02, T) */
    double abar = 1.0, worst = 0;
    for (int k = 1; k <= T; k++) {
        abar *= 1.0 - (1e-4 + (0.02 - 1e-4) * (k - 1) / (T - 1.0));
        double a = tgdp_schedule_alpha(&s, (double)k / T);
        double e = fabs(a * a - abar) / abar;
        if (e > worst) worst = e;
    }
    CHECKF(worst < 1e-10, "discrete alpha^2 vs cumulative product: %g", worst);
    CHECK_CLOSE(tgdp_schedule_alpha(&s, 1.0) * tgdp_schedule_alpha(&s, 1.0), abar, 0, 1e-9);
    /* piecewise linear in log alpha between knots */
    double la_mid = 0.5 * (tgdp_schedule_log_alpha(&s, 0.100) + tgdp_schedule_log_alpha(&s, 0.101));
    CHECK_CLOSE(tgdp_schedule_log_alpha(&s, 0.1005), la_mid, 1e-15, 1e-12);
    /* first knot: alpha^2 = 1 - 1e-4, and the segment (0, 1/T) goes to alpha = 1 */
    CHECK_CLOSE(tgdp_schedule_sigma(&s, 1.0 / T), sqrt(1e-4), 0, 1e-10);
    CHECK_CLOSE(tgdp_schedule_log_alpha(&s, 0.5 / T), 0.25 * log1p(-1e-4), 0, 1e-12);
    CHECK(tgdp_schedule_sigma(&s, 0.0) == 0.0);
    CHECK(tgdp_schedule_sigma(&s, 1e-7) > 0);
    tgdp_schedule_free(&s);
    tgdp_error err;
    CHECK(tgdp_schedule_init_discrete(&s, 1, 1e-4, 0.02, &err) == TGDP_EINVAL);
    CHECK(tgdp_schedule_init_discrete(&s, 10, 0, 0.02, &err) == TGDP_EINVAL);
    CHECK(tgdp_schedule_init_vp_linear(&s, 1.0, 0.5, &err) == TGDP_EINVAL);
    CHECK(strlen(err.msg) > 0);
}

static void test_noise(void)
{
    tgdp_schedule s;
    tgdp_schedule_init_vp_linear(&s, 0.1, 20, NULL);
    enum { N = 3, D = 2 };
    const float x0[N * D] = {1, -2, 0.5f, 0.25f, 3, 0};
    const float eps[N * D] = {0.1f, 0.2f, -1, 1, 0, 2};
    const float t[N] = {0.0f, 0.5f, 1.0f};
    float xt[N * D];
    tgdp_schedule_noise(&s, N, D, x0, t, eps, xt);
    for (int i = 0; i < N; i++) {
        double a = tgdp_schedule_alpha(&s, t[i]), sg = tgdp_schedule_sigma(&s, t[i]);
        for (int j = 0; j < D; j++) CHECK_CLOSE(xt[i * D + j], a * x0[i * D + j] + sg * eps[i * D + j], 1e-6, 1e-6);
    }
    CHECK(xt[0] == 1.0f && xt[1] == -2.0f); /* t = 0 returns x0 */
    tgdp_schedule_free(&s);
}

static void test_parse(void)
{
    tgdp_schedule_kind k;
    CHECK(tgdp_schedule_kind_parse("linear", &k, NULL) == TGDP_OK && k == TGDP_SCHEDULE_VP_LINEAR);
    CHECK(tgdp_schedule_kind_parse("Discrete", &k, NULL) == TGDP_OK && k == TGDP_SCHEDULE_DISCRETE);
    tgdp_error err;
    CHECK(tgdp_schedule_kind_parse("cosine", &k, &err) == TGDP_EINVAL);
    CHECK(strstr(err.msg, "cosine") != NULL);
    CHECK(strcmp(tgdp_schedule_kind_name(TGDP_SCHEDULE_DISCRETE), "discrete") == 0);
}

int main(void)
{
    test_vp_linear_values();
    test_round_trips();
    test_discrete_values();
    test_noise();
    test_parse();
    TEST_MAIN_END();
}

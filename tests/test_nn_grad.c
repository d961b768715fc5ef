/* Every layer's analytic gradients (to inputs and to parameters) against central finite
 * differences, element by element on small shapes; the second-order pass
 * grad_psi [v . grad_x S] and the Hessian-vector product grad_x [v . grad_x S] against finite
 * differences of the first-order input gradient; conv1d im2col vs the direct kernel. */
#include "fd_harness.h"
#include "nn/fastmath.h"
#include "nn/ops.h"
#include "testutil.h"
#include "tgdp/models.h"
#include "tgdp/nn.h"

#include <math.h>
#include <string.h>

static tgdp_arena arena;

/* the finite-difference check of one case (tests/fd_harness.h) */
static void run_check(const char *name, fd_build_fn f, void *ctx, tgdp_params *P, float *x, int64_t B, int64_t C,
                      int64_t L, double eps, int second_order)
{
    fd_case h = {.name = name, .build = f, .ctx = ctx, .P = P, .x = x, .B = B, .C = C, .L = L, .eps = eps,
                 .second_order = second_order, .arena = &arena};
    fd_check(&h);
}

/* --- parameter sets and builders --- */
static void mkparams(tgdp_params *P, int count, const char **names, const int *ndims, const int64_t (*shapes)[3],
                     uint64_t seed)
{
    tgdp_params_init(P);
    for (int i = 0; i < count; i++) tgdp_params_add(P, names[i], ndims[i], shapes[i]);
    tgdp_params_alloc(P, NULL);
    tgdp_rng r = tgdp_rng_new(seed);
    tgdp_rng_fill_normal(&r, P->w, P->n, 0, 0.7f);
}

static int b_linear_act(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    tgdp_act a = *(tgdp_act *)ctx;
    int y = tgdp_linear(gr, x, tgdp_param(gr, P, 0), tgdp_param(gr, P, 1));
    return tgdp_act_node(gr, y, a);
}

static void test_linear_acts(void)
{
    const char *names[] = {"W", "b"};
    int nd[] = {2, 1};
    int64_t sh[][3] = {{3, 4}, {3}};
    tgdp_act acts[] = {TGDP_ACT_IDENTITY, TGDP_ACT_SILU, TGDP_ACT_SOFTPLUS, TGDP_ACT_SIGMOID,
                       TGDP_ACT_TANH,     TGDP_ACT_EXP,  TGDP_ACT_LOG_SOFTPLUS, TGDP_ACT_SQUARE};
    for (size_t k = 0; k < sizeof acts / sizeof *acts; k++) {
        tgdp_params P;
        mkparams(&P, 2, names, nd, sh, 1 + k);
        float x[2 * 4];
        tgdp_rng r = tgdp_rng_new(5);
        tgdp_rng_fill_normal(&r, x, 8, 0, 0.8f);
        char name[64];
        snprintf(name, sizeof name, "linear+%s", tgdp_act_name(acts[k]));
        run_check(name, b_linear_act, &acts[k], &P, x, 2, 4, 1, 0, 1);
        tgdp_params_free(&P);
    }
}

static int b_rsqrt(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    (void)ctx;
    int sq = tgdp_act_node(gr, x, TGDP_ACT_SQUARE);
    int y = tgdp_addb(gr, sq, tgdp_param(gr, P, 0), 3, 0, 1.0f);
    return tgdp_act_node(gr, y, TGDP_ACT_RSQRT_EPS);
}

static int b_elementwise(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    (void)ctx;
    /* x [2,3,4]; params: a [2,3,4], pc [3] (per channel), ps [2,3] (per sample) */
    int a = tgdp_param(gr, P, 0);
    int a2 = tgdp_view(gr, a, 2, 3, 4);
    int s = tgdp_act_node(gr, tgdp_add(gr, x, a2, -0.5f), TGDP_ACT_SILU);
    int m = tgdp_mul(gr, s, tgdp_act_node(gr, x, TGDP_ACT_TANH));
    int b1 = tgdp_mulb(gr, m, tgdp_param(gr, P, 1), 3, 0);
    int b2 = tgdp_addb(gr, b1, tgdp_view(gr, tgdp_param(gr, P, 2), 2, 3, 1), 3, 1, 0.7f);
    int b3 = tgdp_mulb(gr, b2, tgdp_mean_inner(gr, tgdp_act_node(gr, x, TGDP_ACT_SIGMOID), 3), 3, 1);
    int c = tgdp_concat(gr, b3, tgdp_act_node(gr, x, TGDP_ACT_SOFTPLUS));
    return tgdp_act_node(gr, c, TGDP_ACT_SILU);
}

static int b_conv(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    const int *cfg = ctx; /* stride, padding, dilation */
    int y = tgdp_conv1d(gr, x, tgdp_param(gr, P, 0), tgdp_param(gr, P, 1), cfg[0], cfg[1], cfg[2]);
    return tgdp_act_node(gr, y, TGDP_ACT_SILU);
}

/* conv1d + a per-sample term e [B, Cout]: a parameter (ctx NULL), or a function of x, so that its
 * tangent and second-order gradients are checked too */
static int b_conv_add(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    int e = tgdp_view(gr, tgdp_param(gr, P, 2), 2, 4, 1);
    if (ctx) e = tgdp_mean_inner(gr, tgdp_act_node(gr, x, TGDP_ACT_TANH), 4); /* [2, 4, 1] */
    int y = tgdp_conv1d_add(gr, x, tgdp_param(gr, P, 0), tgdp_param(gr, P, 1), e, 1, 1, 1);
    return tgdp_act_node(gr, y, TGDP_ACT_SILU);
}

/* conv1d + a residual e [B, Cout, Lo] added element by element: a parameter (ctx NULL), or x itself
 * (Cout = Cin, same length: the residual block's identity skip; tangent and second order) */
static int b_conv_residual(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    int e = ctx ? x : tgdp_view(gr, tgdp_param(gr, P, 2), 2, 4, 9);
    int y = tgdp_conv1d_add(gr, x, tgdp_param(gr, P, 0), tgdp_param(gr, P, 1), e, 1, 1, 1);
    return tgdp_act_node(gr, y, TGDP_ACT_SILU);
}

static int b_pool(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    (void)ctx;
    int y = tgdp_conv1d(gr, x, tgdp_param(gr, P, 0), tgdp_param(gr, P, 1), 1, 1, 1);
    int d = tgdp_act_node(gr, tgdp_avgpool2(gr, y), TGDP_ACT_SILU);
    return tgdp_act_node(gr, tgdp_upsample2(gr, d), TGDP_ACT_TANH);
}

/* silu(groupnorm(x)): two nodes (ctx NULL), or the one fused op */
static int b_groupnorm(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    if (ctx) return tgdp_groupnorm_act(gr, x, 2, tgdp_param(gr, P, 0), tgdp_param(gr, P, 1), TGDP_ACT_SILU);
    int y = tgdp_groupnorm(gr, x, 2, tgdp_param(gr, P, 0), tgdp_param(gr, P, 1));
    return tgdp_act_node(gr, y, TGDP_ACT_SILU);
}

/* residual block: x + conv(silu(groupnorm(conv(x)) + temb)) */
static int b_resblock(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    (void)ctx;
    int h = tgdp_conv1d(gr, x, tgdp_param(gr, P, 0), tgdp_param(gr, P, 1), 1, 1, 1);
    h = tgdp_groupnorm(gr, h, 2, tgdp_param(gr, P, 2), tgdp_param(gr, P, 3));
    h = tgdp_addb(gr, h, tgdp_param(gr, P, 4), 4, 1, 1.0f); /* per-sample time embedding [B=2, C=4] */
    h = tgdp_act_node(gr, h, TGDP_ACT_SILU);
    h = tgdp_conv1d(gr, h, tgdp_param(gr, P, 5), tgdp_param(gr, P, 6), 1, 2, 2);
    return tgdp_act_node(gr, tgdp_add(gr, x, h, 1.0f), TGDP_ACT_SOFTPLUS);
}

static void test_conv_family(void)
{
    tgdp_rng r = tgdp_rng_new(11);
    float x[2 * 4 * 9];
    tgdp_rng_fill_normal(&r, x, 72, 0, 1);
    {
        const char *names[] = {"W", "b"};
        int nd[] = {3, 1};
        int64_t sh[][3] = {{3, 4, 3}, {3}};
        int cfgs[][3] = {{1, 0, 1}, {2, 1, 1}, {1, 2, 2}, {3, 2, 2}};
        for (int k = 0; k < 4; k++) {
            tgdp_params P;
            mkparams(&P, 2, names, nd, sh, 20 + k);
            char name[64];
            snprintf(name, sizeof name, "conv1d(s%d,p%d,d%d)", cfgs[k][0], cfgs[k][1], cfgs[k][2]);
            run_check(name, b_conv, cfgs[k], &P, x, 2, 4, 9, 0, 1);
            tgdp_params_free(&P);
        }
    }
    for (int full = 0; full < 2; full++) { /* e per sample [2, 4], or element by element [2, 4, 9] */
        const char *names[] = {"W", "b", "e"};
        int nd[] = {3, 1, full ? 3 : 2};
        int64_t sh[][3] = {{4, 4, 3}, {4}, {2, 4, full ? 9 : 0}};
        tgdp_params P;
        mkparams(&P, 3, names, nd, sh, 28 + (uint64_t)full);
        const fd_build_fn f = full ? b_conv_residual : b_conv_add;
        run_check(full ? "conv1d + residual (parameter)" : "conv1d + per-sample term (parameter)", f, NULL, &P, x, 2, 4,
                  9, 0, 1);
        int of_x = 1;
        run_check(full ? "conv1d + residual (x itself)" : "conv1d + per-sample term (of x)", f, &of_x, &P, x, 2, 4, 9, 0,
                  1);
        tgdp_params_free(&P);
    }
    {
        const char *names[] = {"W", "b"};
        int nd[] = {3, 1};
        int64_t sh[][3] = {{2, 4, 3}, {2}};
        tgdp_params P;
        mkparams(&P, 2, names, nd, sh, 30);
        float x8[2 * 4 * 8];
        tgdp_rng_fill_normal(&r, x8, 64, 0, 1);
        run_check("avgpool2/upsample2", b_pool, NULL, &P, x8, 2, 4, 8, 0, 1);
        tgdp_params_free(&P);
    }
    {
        const char *names[] = {"gamma", "beta"};
        int nd[] = {1, 1};
        int64_t sh[][3] = {{4}, {4}};
        tgdp_params P;
        mkparams(&P, 2, names, nd, sh, 31);
        run_check("groupnorm", b_groupnorm, NULL, &P, x, 2, 4, 9, 0, 1);
        int fused = 1;
        run_check("groupnorm+silu", b_groupnorm, &fused, &P, x, 2, 4, 9, 0, 1);
        tgdp_params_free(&P);
    }
    {
        const char *names[] = {"W1", "b1", "gamma", "beta", "temb", "W2", "b2"};
        int nd[] = {3, 1, 1, 1, 2, 3, 1};
        int64_t sh[][3] = {{4, 4, 3}, {4}, {4}, {4}, {2, 4}, {4, 4, 3}, {4}};
        tgdp_params P;
        mkparams(&P, 7, names, nd, sh, 32);
        run_check("residual block", b_resblock, NULL, &P, x, 2, 4, 9, 0, 1);
        tgdp_params_free(&P);
    }
}

/* the library's residual block (channel change -> 1x1 skip), with a per-sample embedding */
typedef struct { tgdp_resblock1d rb; int temb_idx; } rb_ctx;

static int b_lib_resblock(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    rb_ctx *c = ctx;
    int temb = tgdp_view(gr, tgdp_param(gr, P, c->temb_idx), 2, 4, 1);
    return tgdp_act_node(gr, tgdp_resblock1d_forward(gr, &c->rb, P, x, temb), TGDP_ACT_TANH);
}

static void test_lib_resblock(void)
{
    rb_ctx c;
    tgdp_params P;
    tgdp_params_init(&P);
    CHECK(tgdp_resblock1d_register(&c.rb, 2, 4, 3, 2, &P, "rb.", NULL) == TGDP_OK);
    int64_t ts[2] = {2, 4};
    c.temb_idx = tgdp_params_add(&P, "temb", 2, ts);
    CHECK(tgdp_params_alloc(&P, NULL) == TGDP_OK);
    tgdp_rng r = tgdp_rng_new(77);
    tgdp_resblock1d_init_weights(&c.rb, &P, &r);
    /* perturb the norms' affine parameters away from 1/0 so their gradients are generic */
    for (size_t i = 0; i < P.n; i++) P.w[i] += 0.1f * (float)tgdp_rng_normal(&r);
    float x[2 * 2 * 6];
    tgdp_rng_fill_normal(&r, x, 24, 0, 1);
    run_check("tgdp_resblock1d", b_lib_resblock, &c, &P, x, 2, 2, 6, 0, 1);
    CHECK(tgdp_resblock1d_register(&c.rb, 3, 4, 2, 1, &P, "bad.", NULL) != TGDP_OK);
    tgdp_params_free(&P);
}

static void test_elementwise(void)
{
    const char *names[] = {"a", "pc", "ps"};
    int nd[] = {3, 1, 2};
    int64_t sh[][3] = {{2, 3, 4}, {3}, {2, 3}};
    tgdp_params P;
    mkparams(&P, 3, names, nd, sh, 40);
    float x[24];
    tgdp_rng r = tgdp_rng_new(41);
    tgdp_rng_fill_normal(&r, x, 24, 0, 1);
    run_check("add/mul/addb/mulb/mean/concat/view", b_elementwise, NULL, &P, x, 2, 3, 4, 0, 1);
    tgdp_params_free(&P);

    const char *n2[] = {"e"};
    int nd2[] = {1};
    int64_t sh2[][3] = {{3}};
    mkparams(&P, 1, n2, nd2, sh2, 42);
    for (int i = 0; i < 3; i++) P.w[i] = 0.5f + 0.3f * i; /* keep x^2 + e > 0 */
    run_check("rsqrt_eps", b_rsqrt, NULL, &P, x, 2, 3, 1, 0, 1);
    tgdp_params_free(&P);
}

/* MLP with x, t (raw and Fourier) and labels: first order for all leaves, second order in x */
typedef struct {
    tgdp_mlp m;
    float t[3];
    int64_t y[3];
    int with_t_grad;
} mlp_ctx;

static int b_mlp(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    mlp_ctx *c = ctx;
    int t = tgdp_input(gr, c->t, 3, 1, 1, 0);
    int o = tgdp_mlp_forward(gr, &c->m, P, x, t, c->y);
    return tgdp_act_node(gr, o, TGDP_ACT_LOG_SOFTPLUS);
}

static void test_mlp(void)
{
    tgdp_time_mode modes[] = {TGDP_TIME_RAW, TGDP_TIME_FOURIER};
    for (int k = 0; k < 2; k++) {
        mlp_ctx c;
        memset(&c, 0, sizeof c);
        tgdp_mlp_config cfg = {.in_dim = 2, .out_dim = 1, .n_hidden = 2, .hidden = {5, 4}, .time_mode = modes[k],
                               .temb = 3, .n_classes = 2, .label_dim = 3, .act = TGDP_ACT_SILU};
        tgdp_params P;
        tgdp_params_init(&P);
        CHECK(tgdp_mlp_register(&c.m, &cfg, &P, "g.", NULL) == TGDP_OK);
        CHECK(tgdp_params_alloc(&P, NULL) == TGDP_OK);
        tgdp_rng r = tgdp_rng_new(50 + k);
        tgdp_mlp_init_weights(&c.m, &P, &r);
        float x[6];
        tgdp_rng_fill_normal(&r, x, 6, 0, 1);
        c.t[0] = 0.1f; c.t[1] = 0.5f; c.t[2] = 0.9f;
        c.y[0] = 0; c.y[1] = 1; c.y[2] = 1;
        run_check(k ? "mlp(fourier t, labels)" : "mlp(raw t, labels)", b_mlp, &c, &P, x, 3, 2, 1, 0, 1);
        tgdp_mlp bound;
        CHECK(tgdp_mlp_bind(&bound, &cfg, &P, "g.", NULL) == TGDP_OK);
        CHECK(bound.w[2] == c.m.w[2] && bound.emb == c.m.emb);
        tgdp_params_free(&P);
    }
}

/* time-embedding gradient w.r.t. t (first order) */
static int b_fourier(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    (void)ctx;
    int f = tgdp_fourier(gr, x, 4);
    return tgdp_linear(gr, f, tgdp_param(gr, P, 0), -1);
}

/* The paired row sums (fastmath.h: two chains at once, AVX-512 where built with it) give exactly
 * what the single-row sums give, bit for bit, at every length (vector tails included) and with
 * NaN, infinities and signed zeros in the data: group norm's statistics rest on it. */
static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}
static void test_paired_sums(void)
{
    enum { N = 1003 };
    static float a[N], b[N];
    uint64_t s = 12345;
    int bad = 0, cases = 0;
    for (int kind = 0; kind < 3; kind++) {
        for (int i = 0; i < N; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            a[i] = (float)((int32_t)(s >> 32)) * 1e-9f * (i % 7 == 0 ? 1e4f : 1.0f);
            b[i] = (float)((int32_t)(s & 0xffffffffu)) * 3e-10f;
        }
        if (kind == 1) a[17] = -0.0f, b[5] = -0.0f, a[300] = INFINITY, b[301] = -INFINITY;
        if (kind == 2) a[999] = NAN, b[0] = NAN;
        const int64_t lens[] = {0, 1, 5, 7, 8, 9, 15, 16, 17, 31, 62, 125, 250, 1000, N};
        for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
            const int64_t n = lens[k];
            const double ma = n ? sum8(a, n) / (double)n : 0, mb = n ? sum8(b, n) / (double)n : 0;
            double x, y;
            sum8_2(a, b, n, &x, &y);
            bad += dbits(x) != dbits(sum8(a, n)) || dbits(y) != dbits(sum8(b, n));
            sqdev8_2(a, (float)ma, b, (float)mb, n, &x, &y);
            bad += dbits(x) != dbits(sqdev8(a, (float)ma, n)) || dbits(y) != dbits(sqdev8(b, (float)mb, n));
            sumdot8(a, b, n, &x, &y);
            bad += dbits(x) != dbits(sum8(a, n)) || dbits(y) != dbits(dot8(a, b, n));
            cases += 3;
        }
    }
    CHECKF(bad == 0, "paired sums: %d of %d cases differ from the single-row sums", bad, cases);
}

/* group norm's per-channel kernels (fastmath.h: masked 16- and 8-wide vectors where built with
 * AVX-512) against the scalar formulas they replace, bit for bit: the exponential and sigmoid at
 * the clamps, NaN (any NaN for a NaN), infinities, -0 and subnormals; the forward's z and SiLU and the backward's gz
 * with its sums at every length (tails included) */
static uint32_t fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}
/* a differs from b: other bits, except that any NaN stands for any NaN (which operand's NaN an
 * operation passes on is the compiler's choice of operand order, not a value) */
static int fdiff(float a, float b) { return fbits(a) != fbits(b) && !(isnan(a) && isnan(b)); }
static void test_norm_kernels(void)
{
    enum { N = 1003 };
    static float x[N], sg[N], gy[N], y[N], sv[N], gz[N];
    uint64_t st = 777;
    for (int i = 0; i < N; i++) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (float)((int32_t)(st >> 32)) * (i % 5 == 0 ? 5e-8f : 1e-9f); /* up to about +-107 */
        gy[i] = (float)((int32_t)(st & 0xffffffffu)) * 1e-9f;
        sg[i] = tg_sigmoidf(0.7f * x[i]);
    }
    const float special[] = {NAN, -NAN, INFINITY, -INFINITY, -0.0f, 0.0f, 1e-40f, -1e-40f, 87.0f, -87.0f, 88.0f,
                             -88.0f, 87.5f, -87.5f, 88.7f, -103.0f, 1e30f, -1e30f, 0.5f, -0.5f};
    for (size_t i = 0; i < sizeof special / sizeof *special; i++) x[700 + 3 * i] = special[i]; /* only the full length */
    int bad = 0, cases = 0;
    const float mu = 0.3f, rs = 1.7f, g = 0.9f, b = -0.2f;
    const int64_t lens[] = {0, 1, 5, 8, 15, 16, 17, 24, 31, 40, 62, 125, 250, N};
    for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
        const int64_t L = lens[k];
        for (int silu = 0; silu < 2; silu++) { /* forward */
            gn_channel(x, mu, rs, g, b, L, y, silu ? sv : NULL);
            for (int64_t i = 0; i < L; i++) {
                const float z = ((x[i] - mu) * rs) * g + b, s = tg_sigmoidf(z), want = silu ? z * s : z;
                bad += fdiff(y[i], want) || (silu && fdiff(sv[i], s));
            }
            cases++;
        }
        double su, dt; /* backward */
        gn_silu_grad_sums(x, sg, gy, mu, rs, g, b, L, gz, &su, &dt);
        float ref[N];
        for (int64_t i = 0; i < L; i++) {
            const float z = ((x[i] - mu) * rs) * g + b;
            ref[i] = gy[i] * (sg[i] * (1.0f + z * (1.0f - sg[i])));
            bad += fdiff(gz[i], ref[i]);
        }
        const double rsu = sum8(ref, L), rdt = dot8(ref, x, L); /* with NaN (full length): any NaN */
        bad += !(dbits(su) == dbits(rsu) || (isnan(su) && isnan(rsu))) || !(dbits(dt) == dbits(rdt) || (isnan(dt) && isnan(rdt)));
        cases++;
    }
#if defined(__AVX512F__) && defined(__AVX512VL__)
    for (int i = 0; i + 16 <= N; i += 16) { /* the 16-wide exponential and sigmoid themselves */
        float e[16], s[16];
        _mm512_storeu_ps(e, tg_expf16(_mm512_loadu_ps(x + i)));
        _mm512_storeu_ps(s, tg_sigmoidf16(_mm512_loadu_ps(x + i)));
        for (int j = 0; j < 16; j++) bad += fdiff(e[j], tg_expf(x[i + j])) || fdiff(s[j], tg_sigmoidf(x[i + j]));
        cases++;
    }
#endif
    CHECKF(bad == 0, "group norm kernels: %d values in %d cases differ from the scalar formulas", bad, cases);
}

/* average pooling and up-sampling by 2, bit for bit against their definitions, even and odd
 * lengths: the value, the input gradient assigned (one use of x) and accumulated (two uses: the
 * second adjoint is added to the first), i.e. every loop of pool_apply and pool_adjoint */
static void test_pool_exact(void)
{
    enum { B = 2, C = 3, LMAX = 41 };
    static float x[B * C * LMAX], seed[B * C * 2 * LMAX], want[B * C * LMAX], first[B * C * LMAX];
    tgdp_rng r = tgdp_rng_new(77);
    int bad = 0, cases = 0;
    for (int L = 1; L <= LMAX; L += 5) {
        for (int up = 0; up < 2; up++) {
            if (!up && L < 2) continue;
            const int64_t Lx = L, Ly = up ? 2 * L : L / 2, rows = B * C;
            tgdp_rng_fill_normal(&r, x, (size_t)(rows * Lx), 0, 1);
            tgdp_rng_fill_normal(&r, seed, (size_t)(rows * Ly), 0, 1);
            for (int uses = 1; uses <= 2; uses++) {
                tgdp_graph gr;
                tgdp_arena_reset(&arena);
                tgdp_graph_init(&gr, &arena);
                const int xi = tgdp_input(&gr, x, B, C, L, 1);
                const int p1 = up ? tgdp_upsample2(&gr, xi) : tgdp_avgpool2(&gr, xi);
                const int y = uses == 1 ? p1 : tgdp_add(&gr, p1, up ? tgdp_upsample2(&gr, xi) : tgdp_avgpool2(&gr, xi), 1.0f);
                CHECK(y >= 0 && !gr.failed && gr.nodes[y].L == Ly);
                if (y < 0 || gr.failed) return;
                for (int64_t q = 0; q < rows; q++)
                    for (int64_t l = 0; l < Ly; l++) {
                        const float *s = x + q * Lx;
                        float v = up ? s[l / 2] : 0.5f * (s[2 * l] + s[2 * l + 1]);
                        if (uses == 2) v = v + v;
                        bad += fdiff(gr.nodes[y].v[q * Ly + l], v);
                    }
                CHECK(tgdp_graph_backward(&gr, y, seed, NULL, 1) == TGDP_OK);
                for (int64_t q = 0; q < rows; q++) { /* one adjoint into zeros, then (two uses) one added */
                    const float *g = seed + q * Ly;
                    float *a = first + q * Lx, *w = want + q * Lx;
                    for (int64_t l = 0; l < Lx; l++)
                        a[l] = up ? g[2 * l] + g[2 * l + 1] : (l < 2 * Ly ? 0.5f * g[l / 2] : 0.0f);
                    for (int64_t l = 0; l < Lx; l++) {
                        if (uses == 1) w[l] = a[l];
                        else if (up) w[l] = (a[l] + g[2 * l]) + g[2 * l + 1];
                        else w[l] = l < 2 * Ly ? a[l] + 0.5f * g[l / 2] : 0.0f;
                    }
                }
                for (int64_t i = 0; i < rows * Lx; i++) bad += fdiff(gr.nodes[xi].g[i], want[i]);
                cases++;
            }
        }
    }
    CHECKF(bad == 0, "pooling: %d values in %d cases differ from the definitions", bad, cases);
}

/* The fused builders give bit for bit what the separate ops give: tgdp_conv1d_add against
 * tgdp_conv1d + tgdp_addb (per-sample term) or + tgdp_add (element-wise term), tgdp_norm_conv1d
 * against tgdp_groupnorm_act + tgdp_conv1d_add: value, tangent, and the first- and second-order
 * gradients of the input and of every parameter, on whichever backend and precision this run has */
static int b_fused(tgdp_graph *gr, tgdp_params *P, int x, int fused, int which)
{
    const int W = tgdp_param(gr, P, 0), b = tgdp_param(gr, P, 1), g = tgdp_param(gr, P, 2), be = tgdp_param(gr, P, 3);
    const int e = which == 1 ? tgdp_act_node(gr, x, TGDP_ACT_TANH) : tgdp_view(gr, tgdp_param(gr, P, 4), 3, 8, 1);
    if (which == 2)
        return fused ? tgdp_norm_conv1d(gr, x, 4, g, be, TGDP_ACT_SILU, W, b, e, 1, 1, 1)
                     : tgdp_conv1d_add(gr, tgdp_groupnorm_act(gr, x, 4, g, be, TGDP_ACT_SILU), W, b, e, 1, 1, 1);
    if (fused) return tgdp_conv1d_add(gr, x, W, b, e, 1, 1, 1);
    const int y = tgdp_conv1d(gr, x, W, b, 1, 1, 1);
    return which == 1 ? tgdp_add(gr, e, y, 1.0f) : tgdp_addb(gr, y, e, 8, 1, 1.0f);
}

static void test_fused_equal(void)
{
    enum { B = 3, C = 8, L = 29, N = B * C * L };
    const char *names[] = {"W", "b", "g", "be", "e"};
    int nd[] = {3, 1, 1, 1, 2};
    int64_t sh[][3] = {{C, C, 3}, {C}, {C}, {C}, {B, C}};
    tgdp_params P;
    mkparams(&P, 5, names, nd, sh, 41);
    tgdp_rng r = tgdp_rng_new(42);
    static float x[N], v[N], seed[N], out[2][5][N];
    static float pg[2][2][4096];
    CHECK(P.n <= 4096);
    tgdp_rng_fill_normal(&r, x, N, 0, 1);
    tgdp_rng_fill_normal(&r, v, N, 0, 1);
    tgdp_rng_fill_normal(&r, seed, N, 0, 1);
    const char *what[3] = {"conv1d_add (per sample)", "conv1d_add (element-wise)", "norm_conv1d"};
    for (int which = 0; which < 3; which++) {
        for (int fused = 0; fused < 2; fused++) {
            tgdp_graph gr;
            tgdp_arena_reset(&arena);
            tgdp_graph_init(&gr, &arena);
            const int xi = tgdp_input(&gr, x, B, C, L, 1);
            const int y = b_fused(&gr, &P, xi, fused, which);
            CHECK(y >= 0 && !gr.failed && gr.nodes[y].n == N);
            memcpy(out[fused][0], gr.nodes[y].v, sizeof x);
            CHECK(tgdp_graph_tangent(&gr, xi, v) == TGDP_OK);
            memcpy(out[fused][1], gr.nodes[y].dv, sizeof x);
            memset(P.g, 0, P.n * sizeof *P.g);
            CHECK(tgdp_graph_backward(&gr, y, seed, NULL, 1) == TGDP_OK);
            memcpy(out[fused][2], gr.nodes[xi].g, sizeof x);
            memcpy(pg[fused][0], P.g, P.n * sizeof *P.g);
            tgdp_graph_zero_grads(&gr);
            memset(P.g, 0, P.n * sizeof *P.g);
            CHECK(tgdp_graph_backward(&gr, y, seed, seed, 1) == TGDP_OK);
            memcpy(out[fused][3], gr.nodes[xi].g, sizeof x);
            memcpy(pg[fused][1], P.g, P.n * sizeof *P.g);
        }
        int bad[4] = {0, 0, 0, 0}, badp = 0;
        for (int k = 0; k < 4; k++) bad[k] = memcmp(out[0][k], out[1][k], sizeof x) != 0;
        badp = memcmp(pg[0], pg[1], sizeof pg[0]) != 0;
        CHECKF(!bad[0] && !bad[1] && !bad[2] && !bad[3] && !badp,
               "%s: differs from the separate ops (value %d, tangent %d, gradient %d, second order %d, parameters %d)",
               what[which], bad[0], bad[1], bad[2], bad[3], badp);
    }
    tgdp_params_free(&P);
}

static void test_fourier(void)
{
    const char *names[] = {"W"};
    int nd[] = {2};
    int64_t sh[][3] = {{2, 8}};
    tgdp_params P;
    mkparams(&P, 1, names, nd, sh, 60);
    float t[3] = {0.0013f, 0.4f, 0.77f};
    /* frequencies reach 1000 rad per unit t: a small step keeps the difference quotient valid */
    run_check("fourier", b_fourier, NULL, &P, t, 3, 1, 1, 2e-5, 0);
    tgdp_params_free(&P);
}

static void test_losses(void)
{
    float p[5] = {0.3f, -1.2f, 2.0f, 40.0f, -40.0f}, t[5] = {0.1f, 0.0f, 1.0f, 1.0f, 0.0f}, g[5], w[5] = {1, 2, 3, 4, 5};
    double l = tgdp_mse_loss(p, t, 5, g);
    double ref = 0;
    for (int i = 0; i < 5; i++) ref += (p[i] - t[i]) * (p[i] - t[i]);
    CHECK_CLOSE(l, ref / 5, 1e-9, 1e-6);
    for (int i = 0; i < 5; i++) CHECK_CLOSE(g[i], 2 * (p[i] - t[i]) / 5, 1e-6, 1e-5);
    /* BCE: finite at extreme logits, gradient vs finite differences in double */
    l = tgdp_bce_logits_loss(p, t, w, 5, g);
    CHECK(isfinite(l));
    for (int i = 0; i < 5; i++) {
        float q[5];
        memcpy(q, p, sizeof q);
        q[i] = p[i] + 1e-2f;
        double lp = tgdp_bce_logits_loss(q, t, w, 5, NULL);
        q[i] = p[i] - 1e-2f;
        double lm = tgdp_bce_logits_loss(q, t, w, 5, NULL);
        CHECK_CLOSE(g[i], (lp - lm) / 2e-2, 1e-3, 1e-3);
    }
    float big[1] = {1000.0f}, one[1] = {0.0f};
    CHECK_CLOSE(tgdp_bce_logits_loss(big, one, NULL, 1, NULL), 1000.0, 1e-9, 1e-9);
}

static void test_conv_ref_vs_gemm(void)
{
    tgdp_rng r = tgdp_rng_new(70);
    const int64_t B = 3, Cin = 5, L = 37, Cout = 6;
    int cfgs[][4] = {{3, 1, 1, 1}, {5, 2, 2, 1}, {3, 1, 4, 3}, {7, 3, 3, 2}, {1, 1, 0, 1}};
    for (int k = 0; k < 5; k++) {
        int K = cfgs[k][0], s = cfgs[k][1], p = cfgs[k][2], d = cfgs[k][3];
        int64_t Lo = tgdp_conv1d_out_len(L, K, s, p, d);
        CHECK(Lo > 0);
        float *x = malloc(B * Cin * L * 4), *W = malloc(Cout * Cin * K * 4), *b = malloc(Cout * 4);
        float *y1 = malloc(B * Cout * Lo * 4), *y2 = malloc(B * Cout * Lo * 4), *col = malloc(Cin * K * Lo * 4);
        tgdp_rng_fill_normal(&r, x, B * Cin * L, 0, 1);
        tgdp_rng_fill_normal(&r, W, Cout * Cin * K, 0, 1);
        tgdp_rng_fill_normal(&r, b, Cout, 0, 1);
        tgdp_conv1d_forward_ref(x, W, b, y1, B, Cin, L, Cout, K, s, p, d);
        tgdp_conv1d_forward_gemm(x, W, b, y2, B, Cin, L, Cout, K, s, p, d, col);
        double md = 0;
        for (int64_t i = 0; i < B * Cout * Lo; i++) md = fmax(md, fabs(y1[i] - y2[i]));
        CHECKF(md < 1e-4, "conv K=%d s=%d p=%d d=%d: max diff %g", K, s, p, d, md);
        free(x); free(W); free(b); free(y1); free(y2); free(col);
    }
    CHECK(tgdp_conv1d_out_len(3, 5, 1, 0, 1) == 0);
}

/* The threaded paths (per-sample convolutions split over threads with per-thread weight-gradient
 * buffers, broadcast backward rows in parallel) only run on tensors larger than the finite-
 * difference checks use: a residual block at [8, 16, 300] must give the same value, tangent,
 * gradients and second-order gradients on 2 threads as on 1. */
static void big_block_pass(int threads, const float *x, const float *v, tgdp_params *P, float *out)
{
    tgdp_set_threads(threads);
    tgdp_graph gr;
    tgdp_arena_reset(&arena);
    tgdp_graph_init(&gr, &arena);
    const int64_t B = 8, C = 16, L = 300, n = B * C * L;
    int xi = tgdp_input(&gr, x, B, C, L, 1);
    int h = tgdp_conv1d(&gr, xi, tgdp_param(&gr, P, 0), tgdp_param(&gr, P, 1), 1, 1, 1);
    h = tgdp_groupnorm(&gr, h, 4, tgdp_param(&gr, P, 2), tgdp_param(&gr, P, 3));
    h = tgdp_addb(&gr, h, tgdp_param(&gr, P, 4), C, 1, 1.0f);
    h = tgdp_act_node(&gr, h, TGDP_ACT_SILU);
    h = tgdp_conv1d(&gr, h, tgdp_param(&gr, P, 5), tgdp_param(&gr, P, 6), 1, 2, 2);
    int y = tgdp_act_node(&gr, tgdp_add(&gr, xi, h, 1.0f), TGDP_ACT_TANH);
    CHECK(y >= 0 && tgdp_graph_tangent(&gr, xi, v) == TGDP_OK);
    memcpy(out, gr.nodes[y].v, (size_t)n * sizeof *out);
    memcpy(out + n, gr.nodes[y].dv, (size_t)n * sizeof *out);
    tgdp_params_zero_grad(P);
    CHECK(tgdp_graph_backward(&gr, y, v, v, 1) == TGDP_OK); /* seeds: g = v, dg = v */
    memcpy(out + 2 * n, gr.nodes[xi].g, (size_t)n * sizeof *out);
    memcpy(out + 3 * n, P->g, P->n * sizeof *out);
    tgdp_set_threads(2);
}

static void test_threads_equal_serial(void)
{
    const int64_t B = 8, C = 16, L = 300, n = B * C * L;
    const char *names[] = {"W1", "b1", "gamma", "beta", "temb", "W2", "b2"};
    int nd[] = {3, 1, 1, 1, 2, 3, 1};
    int64_t sh[][3] = {{C, C, 3}, {C}, {C}, {C}, {B, C}, {C, C, 3}, {C}};
    tgdp_params P;
    mkparams(&P, 7, names, nd, sh, 77);
    tgdp_rng r = tgdp_rng_new(78);
    float *x = malloc((size_t)n * 4), *v = malloc((size_t)n * 4);
    const size_t no = (size_t)(3 * n) + P.n;
    float *o1 = malloc(no * 4), *o2 = malloc(no * 4);
    tgdp_rng_fill_normal(&r, x, (size_t)n, 0, 1);
    tgdp_rng_fill_normal(&r, v, (size_t)n, 0, 1);
    big_block_pass(1, x, v, &P, o1);
    big_block_pass(2, x, v, &P, o2);
    const char *part[] = {"value", "tangent", "input gradient", "parameter gradient"};
    for (int k = 0; k < 4; k++) {
        size_t lo = (size_t)k * (size_t)n, hi = k < 3 ? lo + (size_t)n : no;
        double scale = fd_max_abs(o1 + lo, hi - lo), md = 0;
        for (size_t i = lo; i < hi; i++) md = fmax(md, fabs((double)o1[i] - o2[i]));
        CHECKF(scale > 0 && md <= 1e-5 * scale, "2 threads vs 1: %s differs by %g (scale %g)", part[k], md, scale);
    }
    free(x), free(v), free(o1), free(o2);
    tgdp_params_free(&P);
}

static void test_optim(void)
{
    /* Adam with bias correction against a scalar hand computation */
    tgdp_adam o;
    CHECK(tgdp_adam_init(&o, 2, 0.1, 0.0, NULL) == TGDP_OK);
    float w[2] = {1.0f, -2.0f}, g[2] = {0.5f, -3.0f};
    double m[2] = {0}, v[2] = {0}, wr[2] = {1.0, -2.0};
    for (int step = 1; step <= 3; step++) {
        tgdp_adam_step(&o, w, g);
        for (int i = 0; i < 2; i++) {
            m[i] = 0.9 * m[i] + 0.1 * g[i];
            v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
            double mh = m[i] / (1 - pow(0.9, step)), vh = v[i] / (1 - pow(0.999, step));
            wr[i] -= 0.1 * mh / (sqrt(vh) + 1e-8);
        }
    }
    CHECK_CLOSE(w[0], wr[0], 1e-5, 1e-5);
    CHECK_CLOSE(w[1], wr[1], 1e-5, 1e-5);
    tgdp_adam_free(&o);
    /* AdamW: decoupled decay shrinks weights with zero gradient */
    CHECK(tgdp_adam_init(&o, 1, 0.1, 0.5, NULL) == TGDP_OK);
    float w1[1] = {2.0f}, g0[1] = {0.0f};
    tgdp_adam_step(&o, w1, g0);
    CHECK_CLOSE(w1[0], 2.0 * (1 - 0.05), 1e-6, 1e-6);
    tgdp_adam_free(&o);
    /* clipping */
    float gg[2] = {3, 4};
    CHECK_CLOSE(tgdp_clip_grad_norm(gg, 2, 1.0), 5.0, 1e-9, 1e-9);
    CHECK_CLOSE(sqrt(gg[0] * gg[0] + gg[1] * gg[1]), 1.0, 1e-6, 1e-6);
    float gs[2] = {0.3f, 0.4f};
    tgdp_clip_grad_norm(gs, 2, 1.0);
    CHECK(gs[0] == 0.3f && gs[1] == 0.4f);
    /* clipping fused into the Adam step: bit-identical to clip-then-step; the norm of a large
     * gradient is the same on 1 and 2 threads and matches a plain double sum */
    {
        enum { NB = 300001 };
        float *gb = malloc(NB * sizeof(float)), *g2 = malloc(NB * sizeof(float));
        float *wa = malloc(NB * sizeof(float)), *wb = malloc(NB * sizeof(float));
        tgdp_rng r = tgdp_rng_new(5);
        tgdp_rng_fill_normal(&r, gb, NB, 0, 0.01f);
        tgdp_rng_fill_normal(&r, wa, NB, 0, 1);
        memcpy(wb, wa, NB * sizeof(float));
        memcpy(g2, gb, NB * sizeof(float));
        double ref = 0;
        for (int i = 0; i < NB; i++) ref += (double)gb[i] * gb[i];
        tgdp_set_threads(1);
        const double n1 = tgdp_grad_norm(gb, NB);
        tgdp_set_threads(2);
        const double n2 = tgdp_grad_norm(gb, NB);
        CHECK(n1 == n2);
        CHECK_CLOSE(n2, sqrt(ref), 0, 1e-12);
        CHECK(tgdp_clip_factor(n2, 2 * n2) == 1.0f && tgdp_clip_factor(n2, 0) == 1.0f);
        tgdp_adam oa, ob;
        CHECK(tgdp_adam_init(&oa, NB, 1e-3, 0.01, NULL) == TGDP_OK && tgdp_adam_init(&ob, NB, 1e-3, 0.01, NULL) == TGDP_OK);
        for (int step = 0; step < 3; step++) {
            const float k = tgdp_clip_factor(tgdp_grad_norm(gb, NB), 0.5);
            CHECK(k < 1.0f);
            tgdp_adam_step_scaled(&oa, wa, gb, k);
            memcpy(g2, gb, NB * sizeof(float));
            tgdp_clip_grad_norm(g2, NB, 0.5);
            tgdp_adam_step(&ob, wb, g2);
        }
        CHECK(memcmp(wa, wb, NB * sizeof(float)) == 0);
        tgdp_adam_free(&oa);
        tgdp_adam_free(&ob);
        free(gb);
        free(g2);
        free(wa);
        free(wb);
    }
    /* EMA */
    float e[1] = {0.0f}, ww[1] = {1.0f};
    for (int i = 0; i < 10; i++) tgdp_ema_update(e, ww, 1, 0.9);
    CHECK_CLOSE(e[0], 1 - pow(0.9, 10), 1e-6, 1e-5);
}

/* the fused group norm (one op, with and without SiLU) computes what the ten ops it replaces
 * (and the activation node) compute: value, tangent, first- and second-order gradients of input,
 * tangent and parameters, on a [3, 12, 37] block with 4 groups, seeded on both the output and
 * its tangent */
static void groupnorm_fused_vs_composed(tgdp_act act)
{
    enum { B = 3, C = 12, L = 37, N = B * C * L };
    static float x[N], v[N], c[N], out[2][4 * N + 64];
    tgdp_rng r = tgdp_rng_new(41);
    tgdp_rng_fill_normal(&r, x, N, 0.3f, 2);
    tgdp_rng_fill_normal(&r, v, N, 0, 1);
    tgdp_rng_fill_normal(&r, c, N, 0, 1);
    const char *names[] = {"gamma", "beta"};
    int nd[] = {1, 1};
    int64_t sh[][3] = {{C}, {C}};
    tgdp_params P;
    mkparams(&P, 2, names, nd, sh, 42);
    for (int k = 0; k < 2; k++) {
        tgdp_graph gr;
        tgdp_arena_reset(&arena);
        tgdp_graph_init(&gr, &arena);
        int xi = tgdp_input(&gr, x, B, C, L, 1), g = tgdp_param(&gr, &P, 0), b = tgdp_param(&gr, &P, 1);
        int y = k ? tgdp_groupnorm_act(&gr, xi, 4, g, b, act) : nn_groupnorm_composed(&gr, xi, 4, g, b);
        if (!k && act != TGDP_ACT_IDENTITY) y = tgdp_act_node(&gr, y, act);
        CHECK(y >= 0 && gr.nodes[y].op == (k ? TGDP_OP_GROUPNORM : act ? TGDP_OP_ACT : TGDP_OP_ADDB));
        CHECK(tgdp_graph_tangent(&gr, xi, v) == TGDP_OK);
        tgdp_params_zero_grad(&P);
        CHECK(tgdp_graph_backward(&gr, y, c, c, 1) == TGDP_OK);
        const float *parts[4] = {gr.nodes[y].v, gr.nodes[y].dv, gr.nodes[xi].g, gr.nodes[xi].dg};
        for (int q = 0; q < 4; q++) memcpy(out[k] + q * N, parts[q], N * sizeof(float));
        for (int i = 0; i < 2 * C; i++) out[k][4 * N + i] = P.g[P.info[i / C].off + i % C];
    }
    const char *what[5] = {"value", "tangent", "input gradient", "tangent gradient", "parameter gradients"};
    for (int q = 0; q < 5; q++) {
        double d = 0, m = 0;
        for (int i = q * N; i < (q < 4 ? (q + 1) * N : 4 * N + 2 * C); i++)
            d = fmax(d, fabs(out[0][i] - out[1][i])), m = fmax(m, fabs(out[0][i]));
        CHECKF(m > 0 && d <= 2e-5 * m, "fused group norm (%s) %s differs by %g (max %g)", tgdp_act_name(act), what[q],
               d, m);
    }
    tgdp_params_free(&P);
}

static void test_groupnorm_fused_vs_composed(void)
{
    groupnorm_fused_vs_composed(TGDP_ACT_IDENTITY);
    groupnorm_fused_vs_composed(TGDP_ACT_SILU);
}

int main(void)
{
    tgdp_set_threads(2);
    tgdp_arena_init(&arena);
    test_groupnorm_fused_vs_composed();
    test_linear_acts();
    test_elementwise();
    test_conv_family();
    test_lib_resblock();
    test_fourier();
    test_paired_sums();
    test_norm_kernels();
    test_pool_exact();
    test_fused_equal();
    test_mlp();
    test_losses();
    test_conv_ref_vs_gemm();
    test_threads_equal_serial();
    test_optim();
    tgdp_arena_free(&arena);
    TEST_MAIN_END();
}

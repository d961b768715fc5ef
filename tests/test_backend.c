/* The compute backends and precisions (tgdp/nn.h): oneDNN computes what OpenBLAS computes
 * (outputs, first- and second-order gradients of an MLP and a 1-D U-Net, within float32
 * rounding); bf16 mixed precision computes the same quantities within a stated tolerance and is
 * not silently float32; training steps in bf16 stay close to float32 on the same batches; the
 * bf16 fallback (TGDP_NO_BF16) says why; oneDNN runs every call of these nets (no fallback to
 * OpenBLAS) and creates no primitive after the first step. Skipped (77) without oneDNN. */
#include "nn/ops.h"
#include "testutil.h"
#include "tgdp/tgdp.h"
#ifdef TGDP_HAVE_DNNL
#include "nn/dnnl_cache.h"
#endif

#include <stdlib.h>
#include <string.h>

static tgdp_schedule S;

/* tolerances (relative L2 error against float32 on OpenBLAS), stated in docs/precision.md */
#define TOL_FP32 1e-4 /* oneDNN float32: another summation order */
#define TOL_BF16_OUT 1.5e-2
#define TOL_BF16_GRAD 3e-2

static double rel_l2(const float *a, const float *b, size_t n)
{
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        s += (double)b[i] * b[i];
    }
    return sqrt(d / (s > 0 ? s : 1));
}

static void set(tgdp_gemm_backend be, tgdp_precision p)
{
    CHECK(tgdp_set_gemm_backend(be, NULL) == TGDP_OK);
    tgdp_use_precision(p);
    CHECK(tgdp_get_precision() == p);
}

typedef struct net_case {
    const char *name;
    tgdp_net net;
    int B, d;
    float *x, *t, *target, *dir;
    int64_t *y;
} net_case;

/* out[0 .. B*d): the output; then the parameter gradient of the MSE to target; then the
 * parameter gradient of the second-order term dir . grad_x (sum of outputs) */
static size_t case_eval(net_case *c, float *out)
{
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    tgdp_graph gr;
    tgdp_graph_init(&gr, &ar);
    tgdp_net *n = &c->net;
    const size_t nout = (size_t)c->B * (size_t)tgdp_net_out_dim(n), np = n->p.n;
    int x = tgdp_input(&gr, c->x, c->B, c->d, 1, 1), t = tgdp_input(&gr, c->t, c->B, 1, 1, 0);
    int o = tgdp_net_build(&gr, n, x, tgdp_net_time_input(n) ? t : -1, c->y);
    CHECK(o >= 0 && !gr.failed);
    memcpy(out, gr.nodes[o].v, nout * sizeof *out);
    float *seed = calloc(nout, sizeof *seed), *ones = malloc(nout * sizeof *ones);
    tgdp_mse_loss(gr.nodes[o].v, c->target, nout, seed);
    tgdp_params_zero_grad(&n->p);
    CHECK(tgdp_graph_backward(&gr, o, seed, NULL, 1) == TGDP_OK);
    memcpy(out + nout, n->p.g, np * sizeof *out);
    /* second order: the tangent along dir, then the gradient of its sum (forward over reverse) */
    CHECK(tgdp_graph_tangent(&gr, x, c->dir) == TGDP_OK);
    for (size_t i = 0; i < nout; i++) ones[i] = 1.0f;
    tgdp_graph_zero_grads(&gr);
    tgdp_params_zero_grad(&n->p);
    CHECK(tgdp_graph_backward(&gr, o, NULL, ones, 1) == TGDP_OK);
    memcpy(out + nout + np, n->p.g, np * sizeof *out);
    free(seed);
    free(ones);
    tgdp_arena_free(&ar);
    return nout;
}

static void case_init(net_case *c, const char *name, int B, int d, uint64_t seed)
{
    c->name = name;
    c->B = B;
    c->d = d;
    const int od = tgdp_net_out_dim(&c->net);
    c->x = malloc((size_t)B * d * sizeof(float));
    c->dir = malloc((size_t)B * d * sizeof(float));
    c->t = malloc((size_t)B * sizeof(float));
    c->target = malloc((size_t)B * od * sizeof(float));
    c->y = malloc((size_t)B * sizeof(int64_t));
    tgdp_rng r = tgdp_rng_new(seed);
    tgdp_rng_fill_normal(&r, c->x, (size_t)B * d, 0, 1);
    tgdp_rng_fill_normal(&r, c->dir, (size_t)B * d, 0, 1);
    tgdp_rng_fill_uniform(&r, c->t, (size_t)B, 0.05f, 0.95f);
    tgdp_rng_fill_normal(&r, c->target, (size_t)B * od, 0, 1);
    for (int i = 0; i < B; i++) c->y[i] = i % 4;
}

static void case_free(net_case *c)
{
    tgdp_net_free(&c->net);
    free(c->x), free(c->dir), free(c->t), free(c->target), free(c->y);
}

/* the same quantities on both backends in float32, and in bf16 on oneDNN */
static void compare_case(net_case *c)
{
    const size_t np = c->net.p.n, nmax = (size_t)c->B * tgdp_net_out_dim(&c->net) + 2 * np;
    float *ref = malloc(nmax * sizeof *ref), *f32 = malloc(nmax * sizeof *f32), *bf = malloc(nmax * sizeof *bf);
    set(TGDP_GEMM_OPENBLAS, TGDP_FP32);
    const size_t no = case_eval(c, ref);
    set(TGDP_GEMM_ONEDNN, TGDP_FP32);
    const int64_t fb0 = nn_dnnl_fallbacks();
    case_eval(c, f32);
    set(TGDP_GEMM_ONEDNN, TGDP_BF16);
    case_eval(c, bf);
    CHECKF(nn_dnnl_fallbacks() == fb0, "%s: %lld oneDNN calls fell back to OpenBLAS", c->name,
           (long long)(nn_dnnl_fallbacks() - fb0));
    const char *what[3] = {"output", "gradient", "second-order gradient"};
    const size_t off[3] = {0, no, no + np}, len[3] = {no, np, np};
    for (int k = 0; k < 3; k++) {
        const double e32 = rel_l2(f32 + off[k], ref + off[k], len[k]), e16 = rel_l2(bf + off[k], ref + off[k], len[k]);
        double nrm = 0;
        for (size_t i = 0; i < len[k]; i++) nrm += (double)ref[off[k] + i] * ref[off[k] + i];
        printf("%-8s %-22s (norm %.3g) onednn fp32 %.2e, bf16 %.2e (relative L2 against openblas fp32)\n", c->name,
               what[k], sqrt(nrm), e32, e16);
        CHECKF(nrm > 0, "%s %s is zero", c->name, what[k]);
        CHECKF(e32 <= TOL_FP32, "%s %s: oneDNN fp32 differs by %.3g", c->name, what[k], e32);
        CHECKF(e16 <= (k ? TOL_BF16_GRAD : TOL_BF16_OUT), "%s %s: bf16 differs by %.3g", c->name, what[k], e16);
        CHECKF(e16 > 1e-5, "%s %s: bf16 equals fp32 (%.3g): not computed in bf16?", c->name, what[k], e16);
    }
    set(TGDP_GEMM_ONEDNN, TGDP_FP32);
    free(ref), free(f32), free(bf);
}

static void test_mlp_and_unet(void)
{
    net_case m;
    tgdp_mlp_config mc;
    memset(&mc, 0, sizeof mc);
    mc.in_dim = 2;
    mc.out_dim = 2;
    mc.time_mode = TGDP_TIME_RAW;
    mc.act = TGDP_ACT_SILU;
    tgdp_mlp_parse_hidden(&mc, "256,256,128", NULL);
    CHECK(tgdp_net_create(&m.net, TGDP_ROLE_EPS, &mc, 5, NULL) == TGDP_OK);
    case_init(&m, "mlp", 300, 2, 11);
    compare_case(&m);
    case_free(&m);

    net_case u;
    tgdp_net_config nc;
    memset(&nc, 0, sizeof nc);
    nc.arch = TGDP_ARCH_UNET1D;
    tgdp_conv_config_default(&nc.conv, TGDP_ARCH_UNET1D, 3, 40, 3 * 40, 1, 4);
    nc.conv.width = 16;
    nc.conv.groups = 4;
    CHECK(tgdp_net_create_arch(&u.net, TGDP_ROLE_EPS, &nc, 6, NULL) == TGDP_OK);
    case_init(&u, "unet1d", 6, 3 * 40, 12);
    compare_case(&u);
    case_free(&u);
}

/* Adam steps of a denoiser on the same batches: bf16 within a stated tolerance of float32 */
static void test_training_steps(void)
{
    enum { N = 512, D = 2 };
    float *x = malloc(N * D * sizeof *x);
    tgdp_rng r = tgdp_rng_new(3);
    tgdp_rng_fill_normal(&r, x, N * D, 0, 1);
    const tgdp_dataset data = {N, D, x, NULL};
    tgdp_mlp_config mc;
    memset(&mc, 0, sizeof mc);
    mc.in_dim = D;
    mc.out_dim = D;
    mc.time_mode = TGDP_TIME_RAW;
    mc.act = TGDP_ACT_SILU;
    tgdp_mlp_parse_hidden(&mc, "256,256", NULL);
    tgdp_net n0, nets[2];
    CHECK(tgdp_net_create(&n0, TGDP_ROLE_EPS, &mc, 9, NULL) == TGDP_OK);
    double loss[2];
    for (int k = 0; k < 2; k++) {
        set(TGDP_GEMM_ONEDNN, k ? TGDP_BF16 : TGDP_FP32);
        CHECK(tgdp_net_copy(&nets[k], &n0, NULL) == TGDP_OK);
        tgdp_train_opts o;
        tgdp_train_opts_default(&o);
        o.steps = 40;
        o.batch = 256;
        o.seed = 4;
        o.precision = k ? TGDP_BF16 : TGDP_FP32;
        tgdp_train_result res;
        CHECK(tgdp_train_denoiser(&nets[k], &S, &data, &o, &res, NULL) == TGDP_OK);
        loss[k] = res.final_loss;
    }
    set(TGDP_GEMM_ONEDNN, TGDP_FP32);
    /* the change of the weights from the same start, bf16 against fp32 */
    const size_t np = n0.p.n;
    float *d32 = malloc(np * sizeof *d32), *d16 = malloc(np * sizeof *d16);
    for (size_t i = 0; i < np; i++) d32[i] = nets[0].p.w[i] - n0.p.w[i], d16[i] = nets[1].p.w[i] - n0.p.w[i];
    const double e = rel_l2(d16, d32, np);
    printf("40 Adam steps: loss fp32 %.5f, bf16 %.5f; weight updates differ by %.3g (relative L2)\n", loss[0], loss[1], e);
    CHECK_CLOSE(loss[1], loss[0], 0, 0.02);
    CHECKF(e <= 0.1 && e > 1e-6, "bf16 weight updates differ from fp32 by %.3g", e);
    for (int k = 0; k < 2; k++) tgdp_net_free(&nets[k]);
    tgdp_net_free(&n0);
    free(d32), free(d16), free(x);
}

static void test_names_and_fallback(void)
{
    tgdp_gemm_backend b;
    tgdp_precision p;
    CHECK(tgdp_gemm_backend_parse("onednn", &b) == TGDP_OK && b == TGDP_GEMM_ONEDNN);
    CHECK(tgdp_gemm_backend_parse("openblas", &b) == TGDP_OK && b == TGDP_GEMM_OPENBLAS);
    CHECK(tgdp_gemm_backend_parse("mkl", &b) != TGDP_OK);
    CHECK(tgdp_precision_parse("bf16", &p) == TGDP_OK && p == TGDP_BF16);
    CHECK(tgdp_precision_parse("fp16", &p) != TGDP_OK);
    CHECK(strcmp(tgdp_precision_name(TGDP_BF16), "bf16") == 0);
    char why[160] = "";
    CHECK(tgdp_precision_check(TGDP_FP32, why, sizeof why));
    /* bf16 only on oneDNN */
    set(TGDP_GEMM_OPENBLAS, TGDP_FP32);
    CHECK(!tgdp_precision_check(TGDP_BF16, why, sizeof why) && strstr(why, "onednn"));
    CHECK(tgdp_precision_effective(TGDP_BF16) == TGDP_FP32);
    CHECK(tgdp_set_gemm_backend(TGDP_GEMM_ONEDNN, NULL) == TGDP_OK);
    /* the forced fallback */
    setenv("TGDP_NO_BF16", "1", 1);
    CHECK(!tgdp_precision_check(TGDP_BF16, why, sizeof why) && strstr(why, "TGDP_NO_BF16"));
    tgdp_use_precision(TGDP_BF16);
    CHECK(tgdp_get_precision() == TGDP_FP32);
    unsetenv("TGDP_NO_BF16");
    printf("bf16 on this machine: %s%s\n", tgdp_precision_check(TGDP_BF16, why, sizeof why) ? "yes" : "no: ",
           tgdp_precision_check(TGDP_BF16, NULL, 0) ? "" : why);
}

#ifdef TGDP_HAVE_DNNL
/* the reference rounding: nearest even on the upper 16 bits, a NaN stays NaN */
static uint16_t ref_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* The layout copies around the convolutions, element by element against their definition, on
 * shapes with full 16 x 16 tiles, partial ones in either direction, and both: [B, C, L] to
 * [B, L, C] in float32 and bf16 (with ties, a NaN and infinities), and back, assigned and added. */
static void test_layouts(void)
{
    static const int64_t Cs[] = {1, 3, 12, 16, 20, 33, 64}, Ls[] = {1, 7, 16, 37, 62, 125};
    tgdp_rng r = tgdp_rng_new(11);
    for (size_t ci = 0; ci < sizeof Cs / sizeof *Cs; ci++)
        for (size_t li = 0; li < sizeof Ls / sizeof *Ls; li++) {
            const int64_t B = 2, C = Cs[ci], L = Ls[li], n = B * C * L;
            float *x = malloc((size_t)n * sizeof *x), *t = malloc((size_t)n * sizeof *t);
            float *y = malloc((size_t)n * sizeof *y), *base = malloc((size_t)n * sizeof *base);
            uint16_t *h = malloc((size_t)n * sizeof *h);
            tgdp_rng_fill_normal(&r, x, (size_t)n, 0.0f, 1.0f);
            tgdp_rng_fill_normal(&r, base, (size_t)n, 0.0f, 1.0f);
            x[0] = 1.00390625f;               /* a tie between two bf16 values (1 + 2^-8) */
            if (n > 1) x[n - 1] = NAN;
            if (n > 2) x[n / 2] = -INFINITY;
            dn_to_nwc(x, B, C, L, 0, t);
            dn_to_nwc(x, B, C, L, 1, h);
            int bad32 = 0, bad16 = 0;
            for (int64_t b = 0; b < B; b++)
                for (int64_t c = 0; c < C; c++)
                    for (int64_t l = 0; l < L; l++) {
                        const float v = x[(b * C + c) * L + l];
                        const int64_t j = (b * L + l) * C + c;
                        bad32 += memcmp(&t[j], &v, sizeof v) != 0;
                        bad16 += h[j] != ref_bf16(v);
                    }
            CHECKF(bad32 == 0 && bad16 == 0, "to channels-last, C %lld L %lld: %d float32 and %d bf16 values wrong",
                      (long long)C, (long long)L, bad32, bad16);
            memcpy(y, base, (size_t)n * sizeof *y);
            dn_from_nwc(t, B, C, L, 1, NULL, 0, y);
            int bad_add = 0, bad_set = 0;
            for (int64_t i = 0; i < n; i++) {
                const float want = base[i] + x[i];
                bad_add += !(y[i] == want || (isnan(y[i]) && isnan(want)));
            }
            dn_from_nwc(t, B, C, L, 0, NULL, 0, y);
            for (int64_t i = 0; i < n; i++) bad_set += memcmp(&y[i], &x[i], sizeof *y) != 0;
            CHECKF(bad_add == 0 && bad_set == 0, "from channels-last, C %lld L %lld: %d added and %d assigned wrong",
                      (long long)C, (long long)L, bad_add, bad_set);
            /* with a per-(sample, channel) term e: y = x + e, and y = base + (x + e) */
            float *e = malloc((size_t)(B * C) * sizeof *e);
            tgdp_rng_fill_normal(&r, e, (size_t)(B * C), 0.0f, 1.0f);
            e[0] = -0.0f;
            int bad_eadd = 0, bad_eset = 0;
            dn_from_nwc(t, B, C, L, 0, e, 0, y);
            for (int64_t i = 0; i < n; i++) {
                const float want = x[i] + e[i / L];
                bad_eset += !(memcmp(&y[i], &want, sizeof want) == 0 || (isnan(y[i]) && isnan(want)));
            }
            memcpy(y, base, (size_t)n * sizeof *y);
            dn_from_nwc(t, B, C, L, 1, e, 0, y);
            for (int64_t i = 0; i < n; i++) {
                const float want = base[i] + (x[i] + e[i / L]);
                bad_eadd += !(memcmp(&y[i], &want, sizeof want) == 0 || (isnan(y[i]) && isnan(want)));
            }
            CHECKF(bad_eadd == 0 && bad_eset == 0,
                   "from channels-last with a per-channel term, C %lld L %lld: %d added and %d assigned wrong",
                   (long long)C, (long long)L, bad_eadd, bad_eset);
            /* with a term e [B, C, L] element by element (base as e): y = x + base, y = base + (x + base) */
            int bad_fadd = 0, bad_fset = 0;
            dn_from_nwc(t, B, C, L, 0, base, 1, y);
            for (int64_t i = 0; i < n; i++) {
                const float want = x[i] + base[i];
                bad_fset += !(memcmp(&y[i], &want, sizeof want) == 0 || (isnan(y[i]) && isnan(want)));
            }
            memcpy(y, base, (size_t)n * sizeof *y);
            dn_from_nwc(t, B, C, L, 1, base, 1, y);
            for (int64_t i = 0; i < n; i++) {
                const float want = base[i] + (x[i] + base[i]);
                bad_fadd += !(memcmp(&y[i], &want, sizeof want) == 0 || (isnan(y[i]) && isnan(want)));
            }
            CHECKF(bad_fadd == 0 && bad_fset == 0,
                   "from channels-last with an element-wise term, C %lld L %lld: %d added and %d assigned wrong",
                   (long long)C, (long long)L, bad_fadd, bad_fset);
            free(e);
            free(x), free(t), free(y), free(base), free(h);
        }
}
#endif

#ifdef TGDP_HAVE_DNNL
/* Group norm (+ SiLU) written straight into the channels-last copy (dn_norm_to_nwc, what
 * tgdp_norm_conv1d feeds the convolution) gives bit for bit the group norm's output then dn_to_nwc,
 * and the same sigmoid(z), at odd sizes (partial tiles), float32 and bf16 */
static void test_norm_layout(void)
{
    const int64_t shapes[][3] = {{12, 37, 4}, {32, 62, 8}, {20, 17, 5}, {64, 250, 8}, {3, 5, 1}};
    tgdp_rng r = tgdp_rng_new(99);
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++)
        for (int silu = 0; silu < 2; silu++) {
            const int64_t B = 2, C = shapes[k][0], L = shapes[k][1], G = shapes[k][2], n = B * C * L;
            tgdp_params P;
            tgdp_params_init(&P);
            const int64_t sh[1] = {C};
            tgdp_params_add(&P, "gamma", 1, sh);
            tgdp_params_add(&P, "beta", 1, sh);
            CHECK(tgdp_params_alloc(&P, NULL) == TGDP_OK);
            tgdp_rng_fill_normal(&r, P.w, P.n, 0.5f, 1.0f);
            float *x = malloc((size_t)n * sizeof *x), *sig = malloc((size_t)n * sizeof *sig);
            float *f32 = malloc((size_t)n * sizeof *f32), *g32 = malloc((size_t)n * sizeof *g32);
            uint16_t *h = malloc((size_t)n * 2), *g16 = malloc((size_t)n * 2);
            tgdp_rng_fill_normal(&r, x, (size_t)n, 0.3f, 2.0f);
            tgdp_arena ar;
            tgdp_arena_init(&ar);
            tgdp_graph gr;
            tgdp_graph_init(&gr, &ar);
            const int xi = tgdp_input(&gr, x, B, C, L, 0);
            const int y = tgdp_groupnorm_act(&gr, xi, (int)G, tgdp_param(&gr, &P, 0), tgdp_param(&gr, &P, 1),
                                             silu ? TGDP_ACT_SILU : TGDP_ACT_IDENTITY);
            CHECK(y >= 0 && gr.nodes[y].op == TGDP_OP_GROUPNORM);
            const tgdp_node *ny = &gr.nodes[y];
            dn_to_nwc(ny->v, B, C, L, 0, f32);
            dn_to_nwc(ny->v, B, C, L, 1, h);
            dn_norm_to_nwc(x, B, C, L, G, ny->aux, P.w + P.info[0].off, P.w + P.info[1].off, silu ? sig : NULL, 0, g32);
            int bad = memcmp(f32, g32, (size_t)n * sizeof *f32) != 0;
            dn_norm_to_nwc(x, B, C, L, G, ny->aux, P.w + P.info[0].off, P.w + P.info[1].off, silu ? sig : NULL, 1, g16);
            bad += memcmp(h, g16, (size_t)n * 2) != 0;
            if (silu) bad += memcmp(sig, ny->aux + 2 * B * G, (size_t)n * sizeof *sig) != 0;
            CHECKF(bad == 0, "group norm into channels-last, C %lld L %lld G %lld%s: %d of 3 differ", (long long)C,
                   (long long)L, (long long)G, silu ? " + SiLU" : "", bad);
            tgdp_arena_free(&ar);
            tgdp_params_free(&P);
            free(x), free(sig), free(f32), free(g32), free(h), free(g16);
        }
}
#endif

int main(void)
{
    if (!tgdp_gemm_backend_available(TGDP_GEMM_ONEDNN)) {
        printf("built without oneDNN: skipped\n");
        return 77;
    }
    CHECK(tgdp_schedule_init_default(&S, TGDP_SCHEDULE_VP_LINEAR, 1000, NULL) == TGDP_OK);
    tgdp_set_threads(2);
#ifdef TGDP_HAVE_DNNL
    test_layouts();
    test_norm_layout();
#endif
    test_names_and_fallback();
    if (!tgdp_precision_check(TGDP_BF16, NULL, 0)) {
        printf("no avx512_bf16 on this CPU: the bf16 comparisons are skipped\n");
        tgdp_schedule_free(&S);
        TEST_MAIN_END();
    }
    test_mlp_and_unet();
    test_training_steps();
    tgdp_schedule_free(&S);
    TEST_MAIN_END();
}

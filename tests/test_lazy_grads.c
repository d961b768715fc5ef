/* The backward pass leaves the gradient buffers it allocates uninitialised until their first
 * writer (src/nn/graph.c); the ops of nn_backward_assigns then assign their first input's
 * gradient instead of adding into a zeroed buffer. This checks the contract that makes it safe:
 * gradients (input and parameters; first and second order) are bit for bit the same whether the
 * arena held zeros, NaN or 1e30 before the graph was built, for every assigning op, in shapes with
 * odd lengths, aliased inputs (add(x, x), concat(x, x), a view of x beside x, a convolution with its
 * input as its added term), views as first input, the fused group norm + convolution, and a chain of
 * them; on OpenBLAS and oneDNN, in float32 and (where it runs) bf16. An op
 * that skipped an element, or wrote another input before its first, leaves NaN or 1e30 behind. */
#include "testutil.h"
#include "tgdp/tgdp.h"

#include <stdint.h>

enum { B = 3, C = 20, L = 37, N = B * C * L };
static tgdp_params P;
static float xin[N], dir[N];

static int build(tgdp_graph *gr, int c, int x)
{
    const int W = tgdp_param(gr, &P, 0), b = tgdp_param(gr, &P, 1), g = tgdp_param(gr, &P, 2);
    const int be = tgdp_param(gr, &P, 3), W2 = tgdp_param(gr, &P, 4);
    const int t = tgdp_act_node(gr, x, TGDP_ACT_TANH); /* a fresh buffer in front of the op */
    switch (c) {
    case 0: return tgdp_add(gr, x, x, 0.5f);
    case 1: return tgdp_add(gr, tgdp_view(gr, t, B, 1, C * L), t, -0.7f);
    case 2: return tgdp_concat(gr, t, t);
    case 3: return tgdp_concat(gr, tgdp_view(gr, t, B, C, L), x);
    case 4: return tgdp_addb(gr, t, t, C * L, 1, 0.3f);
    case 5: return tgdp_addb(gr, t, b, C, 0, 1.0f);
    case 6: return tgdp_avgpool2(gr, t); /* odd length: the last sample has no gradient */
    case 7: return tgdp_upsample2(gr, t);
    case 8: return tgdp_conv1d(gr, t, W, b, 1, 1, 1);
    case 9: return tgdp_conv1d(gr, t, W, b, 3, 0, 1); /* trailing input samples unused */
    case 10: return tgdp_groupnorm_act(gr, t, 4, g, be, TGDP_ACT_SILU);
    case 11: return tgdp_groupnorm_act(gr, t, 4, g, be, TGDP_ACT_IDENTITY);
    case 12: return tgdp_conv1d_add(gr, t, W, b, tgdp_mean_inner(gr, t, C), 1, 1, 1); /* per-sample term */
    case 13: return tgdp_conv1d_add(gr, t, W, b, t, 1, 1, 1);                        /* the input as the residual */
    case 14: return tgdp_norm_conv1d(gr, t, 4, g, be, TGDP_ACT_SILU, W, b, x, 1, 1, 1); /* lazy group norm */
    case 15: return tgdp_norm_conv1d(gr, x, 4, g, be, TGDP_ACT_IDENTITY, W, -1, tgdp_mean_inner(gr, t, C), 1, 2, 2);
    default: { /* a residual chain like the U-Net's */
        int h = tgdp_conv1d(gr, x, W, b, 1, 1, 1);
        h = tgdp_groupnorm_act(gr, h, 4, g, be, TGDP_ACT_SILU);
        const int p = tgdp_upsample2(gr, tgdp_avgpool2(gr, tgdp_view(gr, h, B, C, L)));
        const int q = tgdp_concat(gr, p, tgdp_act_node(gr, p, TGDP_ACT_TANH));
        const int r = tgdp_conv1d(gr, q, W2, -1, 1, 1, 1);
        const int s = tgdp_upsample2(gr, tgdp_avgpool2(gr, tgdp_addb(gr, x, b, C, 0, 1.0f)));
        return tgdp_act_node(gr, tgdp_add(gr, r, s, 1.0f), TGDP_ACT_SOFTPLUS);
    }
    }
}
enum { CASES = 17 };

/* the gradients of one case, with the arena first filled with fill; 0 on success */
static int grads(int c, int second, float fill, float *gx, float *gp)
{
    tgdp_arena a;
    tgdp_arena_init(&a);
    const size_t nf = (size_t)4 << 20; /* 16 MB: more than any case uses */
    float *f = tgdp_arena_floats(&a, nf);
    if (!f) return -1;
    for (size_t i = 0; i < nf; i++) f[i] = fill;
    tgdp_arena_reset(&a); /* keeps the block, and what it holds */
    tgdp_graph gr;
    tgdp_graph_init(&gr, &a);
    const int x = tgdp_input(&gr, xin, B, C, L, 1);
    const int y = build(&gr, c, x);
    int rc = y < 0 || gr.failed ? -1 : 0;
    float *seed = NULL;
    if (!rc) {
        const size_t n = gr.nodes[y].n;
        seed = malloc(n * sizeof *seed);
        for (size_t i = 0; i < n; i++) seed[i] = (float)((int)(i * 37 % 11) - 5) * 0.1f;
        memset(P.g, 0, P.n * sizeof *P.g);
        if (second) rc = tgdp_graph_tangent(&gr, x, dir) || tgdp_graph_backward(&gr, y, seed, seed, 1);
        else rc = tgdp_graph_backward(&gr, y, seed, NULL, 1);
    }
    if (!rc) {
        memcpy(gx, gr.nodes[x].g, sizeof xin);
        memcpy(gp, P.g, P.n * sizeof *P.g);
    } else {
        fprintf(stderr, "case %d: %s\n", c, gr.err.msg);
    }
    free(seed);
    tgdp_arena_free(&a);
    return rc;
}

static void run_all(const char *what)
{
    static float gx0[N], gx1[N];
    float *gp0 = malloc(P.n * sizeof *gp0), *gp1 = malloc(P.n * sizeof *gp1);
    static const float fills[] = {NAN, 1e30f};
    for (int c = 0; c < CASES; c++)
        for (int second = 0; second < 2; second++) {
            CHECKF(grads(c, second, 0.0f, gx0, gp0) == 0, "%s case %d: the graph failed", what, c);
            int finite = 1;
            for (int i = 0; i < N; i++) finite &= isfinite(gx0[i]) != 0;
            CHECKF(finite, "%s case %d order %d: non-finite gradient on a zeroed arena", what, c, second + 1);
            for (size_t k = 0; k < sizeof fills / sizeof *fills; k++) {
                if (grads(c, second, fills[k], gx1, gp1)) continue;
                int dx = 0, dp = 0;
                for (int i = 0; i < N; i++) dx += memcmp(&gx0[i], &gx1[i], sizeof *gx0) != 0;
                for (size_t i = 0; i < P.n; i++) dp += memcmp(&gp0[i], &gp1[i], sizeof *gp0) != 0;
                CHECKF(dx == 0 && dp == 0, "%s case %d order %d, arena filled with %g: %d input and %d parameter "
                       "gradients differ from a zeroed arena's", what, c, second + 1, (double)fills[k], dx, dp);
            }
        }
    free(gp0), free(gp1);
}

int main(void)
{
    tgdp_set_threads(2);
    tgdp_params_init(&P);
    const int64_t sw[3] = {C, C, 3}, sc[1] = {C}, sw2[3] = {C, 2 * C, 3};
    tgdp_params_add(&P, "W", 3, sw);
    tgdp_params_add(&P, "b", 1, sc);
    tgdp_params_add(&P, "g", 1, sc);
    tgdp_params_add(&P, "be", 1, sc);
    tgdp_params_add(&P, "W2", 3, sw2);
    CHECK(tgdp_params_alloc(&P, NULL) == TGDP_OK);
    tgdp_rng r = tgdp_rng_new(3);
    tgdp_rng_fill_normal(&r, P.w, P.n, 0.0f, 0.5f);
    tgdp_rng_fill_normal(&r, xin, N, 0.0f, 1.0f);
    tgdp_rng_fill_normal(&r, dir, N, 0.0f, 1.0f);
    static const struct { tgdp_gemm_backend be; tgdp_precision p; const char *name; } runs[] = {
        {TGDP_GEMM_OPENBLAS, TGDP_FP32, "openblas fp32"},
        {TGDP_GEMM_ONEDNN, TGDP_FP32, "onednn fp32"},
        {TGDP_GEMM_ONEDNN, TGDP_BF16, "onednn bf16"},
    };
    int ran = 0;
    for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
        if (!tgdp_gemm_backend_available(runs[k].be) || !tgdp_precision_check(runs[k].p, NULL, 0)) {
            printf("%s: not on this build or CPU\n", runs[k].name);
            continue;
        }
        CHECK(tgdp_set_gemm_backend(runs[k].be, NULL) == TGDP_OK);
        tgdp_use_precision(runs[k].p);
        run_all(runs[k].name);
        ran++;
    }
    CHECK(ran > 0);
    tgdp_params_free(&P);
    TEST_MAIN_END();
}

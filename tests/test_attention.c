/* The attention ops and block against central finite differences (tests/fd_harness.h), first and
 * second order: the batched matrix product tgdp_bmm in its four transpose combinations with both
 * factors depending on the input and on parameters, the row softmax, the self-attention block
 * tgdp_attn1d, and the dilated residual block; plus the values of bmm and softmax against plain
 * loops, and the errors of misfitting shapes. */
#include "fd_harness.h"
#include "testutil.h"
#include "tgdp/models.h"
#include "tgdp/nn.h"

#include <string.h>

static tgdp_arena arena;

static void run_check(const char *name, fd_build_fn f, void *ctx, tgdp_params *P, float *x, int64_t B, int64_t C,
                      int64_t L)
{
    fd_case h = {.name = name, .build = f, .ctx = ctx, .P = P, .x = x, .B = B, .C = C, .L = L, .second_order = 1,
                 .arena = &arena};
    fd_check(&h);
}

static void mkparams(tgdp_params *P, int count, const char **names, const int *ndims, const int64_t (*shapes)[3],
                     uint64_t seed)
{
    tgdp_params_init(P);
    for (int i = 0; i < count; i++) tgdp_params_add(P, names[i], ndims[i], shapes[i]);
    tgdp_params_alloc(P, NULL);
    tgdp_rng r = tgdp_rng_new(seed);
    tgdp_rng_fill_normal(&r, P->w, P->n, 0, 0.7f);
}

/* x [2, 3, 4]: A = x + Pa, B = tanh(x) + Pb viewed so that op(A) op(B) fits; y = tanh(0.7 op(A) op(B)) */
static int b_bmm(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    const int *t = ctx;
    const int r = t[0] == t[1] ? 4 : 3, c = 12 / r; /* B's stored shape (see the cases above) */
    int a = tgdp_add(gr, x, tgdp_view(gr, tgdp_param(gr, P, 0), 2, 3, 4), 1.0f);
    int b = tgdp_add(gr, tgdp_view(gr, tgdp_act_node(gr, x, TGDP_ACT_TANH), 2, r, c),
                     tgdp_view(gr, tgdp_param(gr, P, 1), 2, r, c), 1.0f);
    return tgdp_act_node(gr, tgdp_bmm(gr, a, b, t[0], t[1], 0.7f), TGDP_ACT_TANH);
}

/* y = softmax(x + p per channel) * tanh(x) */
static int b_softmax(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    (void)ctx;
    int s = tgdp_softmax(gr, tgdp_addb(gr, x, tgdp_param(gr, P, 0), 3, 0, 1.0f));
    return tgdp_mul(gr, s, tgdp_act_node(gr, x, TGDP_ACT_TANH));
}

static void test_ops(void)
{
    tgdp_rng r = tgdp_rng_new(3);
    float x[24];
    tgdp_rng_fill_normal(&r, x, 24, 0, 1);
    const char *names[] = {"Pa", "Pb"};
    int nd[] = {3, 2};
    int64_t sh[][3] = {{2, 3, 4}, {2, 12}};
    const int tt[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    for (int k = 0; k < 4; k++) {
        tgdp_params P;
        mkparams(&P, 2, names, nd, sh, 10 + k);
        char name[32];
        snprintf(name, sizeof name, "bmm(ta %d, tb %d)", tt[k][0], tt[k][1]);
        run_check(name, b_bmm, (void *)tt[k], &P, x, 2, 3, 4);
        tgdp_params_free(&P);
    }
    const char *n2[] = {"p"};
    int nd2[] = {1};
    int64_t sh2[][3] = {{3}};
    tgdp_params P;
    mkparams(&P, 1, n2, nd2, sh2, 20);
    run_check("softmax", b_softmax, NULL, &P, x, 2, 3, 4);
    tgdp_params_free(&P);
}

/* values against plain loops: bmm with both transposes, softmax rows summing to 1 */
static void test_values(void)
{
    float a[2 * 3 * 4], b[2 * 5 * 3];
    tgdp_rng r = tgdp_rng_new(4);
    tgdp_rng_fill_normal(&r, a, 24, 0, 1);
    tgdp_rng_fill_normal(&r, b, 30, 0, 1);
    tgdp_arena_reset(&arena);
    tgdp_graph gr;
    tgdp_graph_init(&gr, &arena);
    int na = tgdp_input(&gr, a, 2, 3, 4, 0), nb = tgdp_input(&gr, b, 2, 5, 3, 0);
    int y = tgdp_bmm(&gr, na, nb, 1, 1, 0.5f); /* [2, 4, 5]: y[i, j] = 0.5 sum_k a[k, i] b[j, k] */
    CHECK(y >= 0 && gr.nodes[y].C == 4 && gr.nodes[y].L == 5);
    double worst = 0;
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 5; j++) {
                double s = 0;
                for (int k = 0; k < 3; k++) s += 0.5 * a[m * 12 + k * 4 + i] * b[m * 15 + j * 3 + k];
                worst = fmax(worst, fabs(s - gr.nodes[y].v[m * 20 + i * 5 + j]));
            }
    CHECKF(worst < 1e-5, "bmm differs from the loops by %g", worst);
    int s = tgdp_softmax(&gr, y);
    for (int row = 0; row < 8; row++) {
        double sum = 0;
        for (int j = 0; j < 5; j++) sum += gr.nodes[s].v[row * 5 + j];
        CHECK_CLOSE(sum, 1.0, 1e-6, 1e-6);
    }
    /* a misfit: inner sizes 4 and 5 */
    CHECK(tgdp_bmm(&gr, na, nb, 0, 1, 1.0f) < 0 && gr.failed && strstr(gr.err.msg, "bmm"));
}

typedef struct { tgdp_attn1d a; tgdp_resblock1d rb; } blk_ctx;

static int b_attn(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    blk_ctx *c = ctx;
    return tgdp_act_node(gr, tgdp_attn1d_forward(gr, &c->a, P, x), TGDP_ACT_TANH);
}

static int b_dilated(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    blk_ctx *c = ctx;
    return tgdp_act_node(gr, tgdp_resblock1d_forward(gr, &c->rb, P, x, -1), TGDP_ACT_TANH);
}

static void test_blocks(void)
{
    blk_ctx c;
    tgdp_params P;
    tgdp_params_init(&P);
    CHECK(tgdp_attn1d_register(&c.a, 4, 5, 2, 2, &P, "attn.", NULL) == TGDP_OK);
    CHECK(tgdp_params_alloc(&P, NULL) == TGDP_OK);
    tgdp_rng r = tgdp_rng_new(5);
    tgdp_attn1d_init_weights(&c.a, &P, &r);
    for (size_t i = 0; i < P.n; i++) P.w[i] += 0.2f * (float)tgdp_rng_normal(&r); /* general position */
    float x[2 * 4 * 5];
    tgdp_rng_fill_normal(&r, x, 40, 0, 1);
    run_check("tgdp_attn1d (4 channels, 2 heads, length 5)", b_attn, &c, &P, x, 2, 4, 5);
    tgdp_params_free(&P);
    tgdp_params_init(&P);
    CHECK(tgdp_attn1d_register(&c.a, 4, 5, 3, 2, &P, "bad.", NULL) != TGDP_OK); /* 3 heads, 4 channels */
    tgdp_params_free(&P);

    tgdp_params_init(&P);
    CHECK(tgdp_resblock1d_register(&c.rb, 2, 4, 3, 2, &P, "rb.", NULL) == TGDP_OK && c.rb.dil == 1);
    c.rb.dil = 3;
    CHECK(tgdp_params_alloc(&P, NULL) == TGDP_OK);
    tgdp_resblock1d_init_weights(&c.rb, &P, &r);
    for (size_t i = 0; i < P.n; i++) P.w[i] += 0.1f * (float)tgdp_rng_normal(&r);
    float x2[2 * 2 * 9];
    tgdp_rng_fill_normal(&r, x2, 36, 0, 1);
    run_check("tgdp_resblock1d, conv2 dilation 3", b_dilated, &c, &P, x2, 2, 2, 9);
    tgdp_params_free(&P);
}

int main(void)
{
    tgdp_set_threads(2);
    tgdp_arena_init(&arena);
    test_ops();
    test_values();
    test_blocks();
    tgdp_arena_free(&arena);
    TEST_MAIN_END();
}

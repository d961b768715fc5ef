/* The 1-D convolutional networks (unet1d, resnet1d) as tgdp_nets: first-order parameter and
 * input gradients and the second-order term grad_psi [v . grad_x S] against central finite
 * differences on small instances with an odd length (the U-Net's padding path); the consistency
 * regulariser of a resnet1d guidance network; checkpoint round trips (and an MLP checkpoint
 * still without tgdp.arch); short training runs of every role (the denoiser's loss falls);
 * guided sampling; clear errors for bad shapes. */
#include "fd_harness.h"
#include "testutil.h"
#include "tgdp/checkpoint.h"
#include "tgdp/ecg_prepare.h"
#include "tgdp/io.h"
#include "tgdp/tgdp.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static tgdp_schedule S;
static tgdp_arena arena;
static int g_wide; /* small_config: the unet1d with dilated blocks and attention at the lowest level */

enum { C = 3, L = 13, B = 2, D = C * L, NCLS = 3 };

static void small_config(tgdp_net_config *c, tgdp_arch arch, int out_dim, int timed, int ncls)
{
    memset(c, 0, sizeof *c);
    c->arch = arch;
    tgdp_conv_config_default(&c->conv, arch, C, L, out_dim, timed, ncls);
    c->conv.width = 4;
    c->conv.groups = 2;
    c->conv.temb = 3;
    c->conv.emb_dim = 6;
    if (arch == TGDP_ARCH_UNET1D) { /* 13 -> 6 -> 3: one up-sampling needs the padding, one not */
        c->conv.levels = 3;
        c->conv.mult[0] = 1, c->conv.mult[1] = 2, c->conv.mult[2] = 2;
        if (g_wide) {
            c->conv.dilation[1] = 2, c->conv.dilation[2] = 3;
            c->conv.attn = 2, c->conv.attn_heads = 2;
        }
    } else {
        c->conv.levels = 2;
        c->conv.mult[0] = 1, c->conv.mult[1] = 2;
    }
}

static void mknet(tgdp_net *n, tgdp_arch arch, tgdp_role role, int out_dim, int timed, int ncls, uint64_t seed)
{
    tgdp_net_config c;
    small_config(&c, arch, out_dim, timed, ncls);
    tgdp_error err;
    int rc = tgdp_net_create_arch(n, role, &c, seed, &err);
    CHECKF(rc == TGDP_OK, "create %s: %s", tgdp_arch_name(arch), rc ? err.msg : "");
    if (rc) exit(1);
    /* non-trivial group-norm affine parameters, so their gradients are tested in general position */
    tgdp_rng r = tgdp_rng_new(seed + 100);
    for (int q = 0; q < n->p.count; q++)
        if (strstr(n->p.info[q].name, "norm"))
            for (size_t j = 0; j < n->p.info[q].n; j++)
                n->p.w[n->p.info[q].off + j] += 0.3f * (tgdp_rng_uniform(&r) - 0.5f);
}

/* ---------- finite differences over a whole net (tests/fd_harness.h) ---------- */
typedef struct {
    tgdp_net *net;
    float *t;
    const int64_t *y;
} net_ctx;

static int build_net(tgdp_graph *gr, tgdp_params *P, int x, void *ctx)
{
    (void)P;
    net_ctx *c = ctx;
    int t = tgdp_input(gr, c->t, B, 1, 1, 0);
    return tgdp_net_build(gr, c->net, x, t, c->y);
}

static double max_abs(const float *v, size_t n) { return fd_max_abs(v, n); }

/* every stride1-th parameter element (first order) and every stride2-th one (second order) of
 * every parameter tensor, every input element */
static void fd_net(const char *name, tgdp_net *net, int stride1, int stride2)
{
    tgdp_rng r = tgdp_rng_new(7);
    float x[B * D], t[B] = {0.3f, 0.7f};
    int64_t y[B] = {2, 0};
    tgdp_rng_fill_normal(&r, x, B * D, 0, 1);
    net_ctx c = {net, t, tgdp_net_n_classes(net) ? y : NULL};
    double t0 = now_s();
    fd_case h = {.name = name, .build = build_net, .ctx = &c, .P = &net->p, .x = x, .B = B, .C = D, .L = 1,
                 .stride1 = stride1, .stride2 = stride2, .second_order = 1, .arena = &arena};
    fd_check(&h);
    printf("%s: %zu parameters, %.2f s\n", name, net->p.n, now_s() - t0);
}

static void test_gradients(void)
{
    tgdp_net n;
    mknet(&n, TGDP_ARCH_UNET1D, TGDP_ROLE_EPS, D, 1, NCLS, 1);
    CHECK(tgdp_net_in_dim(&n) == D && tgdp_net_out_dim(&n) == D && tgdp_net_time_input(&n) && tgdp_net_n_classes(&n) == NCLS);
    fd_net("unet1d eps (time, labels)", &n, 3, 9);
    tgdp_net_free(&n);
    mknet(&n, TGDP_ARCH_RESNET1D, TGDP_ROLE_GUIDANCE, 1, 1, NCLS, 2);
    fd_net("resnet1d guidance (time, labels)", &n, 1, 2);
    tgdp_net_free(&n);
    mknet(&n, TGDP_ARCH_RESNET1D, TGDP_ROLE_CLASSIFIER, 1, 0, 0, 3);
    CHECK(!tgdp_net_time_input(&n) && tgdp_net_n_classes(&n) == 0);
    fd_net("resnet1d classifier (no time, no labels)", &n, 1, 3);
    tgdp_net_free(&n);
    mknet(&n, TGDP_ARCH_UNET1D, TGDP_ROLE_TIME_CLASSIFIER, 1, 1, 0, 4);
    CHECK(tgdp_net_pooled_dim(&n) == 4);
    fd_net("unet1d pooled head (time)", &n, 7, 17);
    tgdp_net_free(&n);
    g_wide = 1;
    mknet(&n, TGDP_ARCH_UNET1D, TGDP_ROLE_EPS, D, 1, NCLS, 6);
    char desc[200];
    tgdp_net_describe(&n, desc, sizeof desc);
    CHECKF(strstr(desc, "dilation 1,2,3") && strstr(desc, "attention 2 x 2 heads"), "description: %s", desc);
    fd_net("unet1d eps, dilated, 2 attention blocks", &n, 3, 9);
    tgdp_net_free(&n);
    g_wide = 0;
}

/* the consistency regulariser (Alg 4) of a resnet1d guidance net: value and gradient against
 * finite differences of the loss computed from first-order input gradients only */
static double cons_loss(tgdp_net *h, const float *xt, const float *t, const int64_t *y, const float *eps,
                        const float *eps_s)
{
    double sum = 0;
    float g[D];
    for (int i = 0; i < B; i++) {
        tgdp_guidance_grad(h, &arena, 1, D, xt + i * D, t[i], y + i, g, NULL);
        double sg = tgdp_schedule_sigma(&S, t[i]);
        for (int j = 0; j < D; j++) {
            double r = eps_s[i * D + j] - sg * g[j] - eps[i * D + j];
            sum += r * r;
        }
    }
    return sum / (B * D);
}

static void test_consistency(void)
{
    tgdp_net h;
    mknet(&h, TGDP_ARCH_RESNET1D, TGDP_ROLE_GUIDANCE, 1, 1, NCLS, 5);
    tgdp_rng r = tgdp_rng_new(8);
    float xt[B * D], t[B] = {0.2f, 0.6f}, eps[B * D], es[B * D];
    int64_t y[B] = {1, 2};
    tgdp_rng_fill_normal(&r, xt, B * D, 0, 1);
    tgdp_rng_fill_normal(&r, eps, B * D, 0, 1);
    tgdp_rng_fill_normal(&r, es, B * D, 0, 1);
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    tgdp_params_zero_grad(&h.p);
    double loss;
    CHECK(tgdp_consistency_term(&h, &ar, &S, B, D, xt, t, y, eps, es, 1.0, &loss, NULL) == TGDP_OK);
    CHECK_CLOSE(loss, cons_loss(&h, xt, t, y, eps, es), 1e-6, 1e-4);
    float *g = malloc(h.p.n * sizeof *g);
    memcpy(g, h.p.g, h.p.n * sizeof *g);
    double gmax = max_abs(g, h.p.n);
    CHECKF(gmax > 1e-5, "consistency gradient of resnet1d is (nearly) zero: %g", gmax);
    int bad = 0;
    for (size_t i = 0; i < h.p.n; i += 3) {
        float o = h.p.w[i];
        const float e = 3e-3f;
        h.p.w[i] = o + e;
        double lp = cons_loss(&h, xt, t, y, eps, es);
        h.p.w[i] = o - e;
        double lm = cons_loss(&h, xt, t, y, eps, es);
        h.p.w[i] = o;
        double fd = (lp - lm) / (2 * e);
        if (fabs(fd - g[i]) > 3e-2 * (gmax + fabs(fd)) && bad++ < 5)
            fprintf(stderr, "consistency grad [%zu]: analytic %g vs fd %g\n", i, g[i], fd);
    }
    CHECKF(bad == 0, "%d consistency-gradient entries of resnet1d disagree with finite differences", bad);
    free(g);
    tgdp_arena_free(&ar);
    tgdp_net_free(&h);
}

/* ---------- checkpoints ---------- */
static void roundtrip(const char *dir, tgdp_arch arch, tgdp_role role, int out_dim, int timed, int ncls)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.safetensors", dir, tgdp_arch_name(arch));
    tgdp_net a, b;
    mknet(&a, arch, role, out_dim, timed, ncls, 11);
    a.hparam = TGDP_H_EXP;
    tgdp_error err;
    tgdp_ckpt_info info = {.step = 7, .seed = 3};
    CHECK(tgdp_checkpoint_save(path, &a, &info, &err) == TGDP_OK);
    int rc = tgdp_checkpoint_load(path, &b, NULL, &err);
    CHECKF(rc == TGDP_OK, "load %s: %s", path, rc ? err.msg : "");
    if (rc) {
        tgdp_net_free(&a);
        return;
    }
    tgdp_net_config ca, cb;
    tgdp_net_get_config(&a, &ca);
    tgdp_net_get_config(&b, &cb);
    CHECK(b.arch == arch && b.role == role && b.hparam == TGDP_H_EXP);
    CHECK(memcmp(&ca.conv, &cb.conv, sizeof ca.conv) == 0);
    CHECK(b.p.n == a.p.n && memcmp(a.p.w, b.p.w, a.p.n * sizeof(float)) == 0);
    int64_t sh[2];
    CHECK(tgdp_net_sample_shape(&b, sh) == 2 && sh[0] == C && sh[1] == L);
    float x[B * D], t[B] = {0.5f, 0.1f}, oa[B * D], ob[B * D];
    int64_t y[B] = {0, 1};
    tgdp_rng r = tgdp_rng_new(1);
    tgdp_rng_fill_normal(&r, x, B * D, 0, 1);
    CHECK(tgdp_net_eval(&a, &arena, B, x, t, ncls ? y : NULL, oa, &err) == TGDP_OK);
    CHECK(tgdp_net_eval(&b, &arena, B, x, t, ncls ? y : NULL, ob, &err) == TGDP_OK);
    CHECK(memcmp(oa, ob, (size_t)B * out_dim * sizeof(float)) == 0);
    /* a checkpoint whose metadata breaks the architecture is a clear error naming the file */
    tgdp_st_file f;
    CHECK(tgdp_safetensors_read(path, &f, &err) == TGDP_OK);
    CHECK(strcmp(tgdp_st_meta(&f, "tgdp.arch"), tgdp_arch_name(arch)) == 0);
    const char *dil = tgdp_st_meta(&f, "tgdp.dilation"), *at = tgdp_st_meta(&f, "tgdp.attn");
    CHECK(g_wide ? dil && !strcmp(dil, "1,2,3") && at && !strcmp(at, "2") : !dil && !at); /* only when used */
    tgdp_st_file_free(&f);
    tgdp_net_free(&a);
    tgdp_net_free(&b);
    unlink(path);
}

static void test_checkpoints(void)
{
    char dir[] = "/tmp/tgdp_conv_XXXXXX", path[256];
    CHECK(mkdtemp(dir) != NULL);
    roundtrip(dir, TGDP_ARCH_UNET1D, TGDP_ROLE_EPS, D, 1, NCLS);
    g_wide = 1; /* tgdp.dilation, tgdp.attn, tgdp.attn_heads */
    roundtrip(dir, TGDP_ARCH_UNET1D, TGDP_ROLE_EPS, D, 1, NCLS);
    g_wide = 0;
    roundtrip(dir, TGDP_ARCH_RESNET1D, TGDP_ROLE_TIME_CLASSIFIER, 1, 1, 0);
    roundtrip(dir, TGDP_ARCH_RESNET1D, TGDP_ROLE_CLASSIFIER, 5, 0, NCLS);
    /* MLP checkpoints carry no tgdp.arch and load as MLPs */
    tgdp_mlp_config m;
    memset(&m, 0, sizeof m);
    m.in_dim = 4, m.out_dim = 4, m.time_mode = TGDP_TIME_RAW, m.act = TGDP_ACT_SILU;
    tgdp_mlp_parse_hidden(&m, "8,8", NULL);
    tgdp_net a, b;
    tgdp_error err;
    CHECK(tgdp_net_create(&a, TGDP_ROLE_EPS, &m, 1, &err) == TGDP_OK);
    snprintf(path, sizeof path, "%s/mlp.safetensors", dir);
    CHECK(tgdp_checkpoint_save(path, &a, NULL, &err) == TGDP_OK);
    tgdp_st_file f;
    CHECK(tgdp_safetensors_read(path, &f, &err) == TGDP_OK);
    CHECK(tgdp_st_meta(&f, "tgdp.arch") == NULL && tgdp_st_get(&f, "layers.0.weight") != NULL);
    tgdp_st_file_free(&f);
    CHECK(tgdp_checkpoint_load(path, &b, NULL, &err) == TGDP_OK);
    CHECK(b.arch == TGDP_ARCH_MLP && tgdp_net_in_dim(&b) == 4 && memcmp(a.p.w, b.p.w, a.p.n * sizeof(float)) == 0);
    int64_t sh[2];
    CHECK(tgdp_net_sample_shape(&b, sh) == 1 && sh[0] == 4);
    tgdp_net_free(&a);
    tgdp_net_free(&b);
    unlink(path);
    rmdir(dir);
}

/* ---------- training and sampling ---------- */
typedef struct {
    double first, last;
    int64_t n_first, n_last, total;
} loss_track;

static void track(void *ctx, int64_t step, int64_t total, double loss)
{
    loss_track *lt = ctx;
    if (step <= 10) lt->first += loss, lt->n_first++;
    if (step > total - 10) lt->last += loss, lt->n_last++;
    lt->total = total;
}

/* x[i, c, l] = a_i sin(2 pi (f_c l / L + p_i)): smooth multi-channel signals */
static void make_signals(float *x, int64_t *y, int n, float shift, uint64_t seed)
{
    tgdp_rng r = tgdp_rng_new(seed);
    for (int i = 0; i < n; i++) {
        float a = 0.8f + 0.4f * tgdp_rng_uniform(&r), p = tgdp_rng_uniform(&r);
        y[i] = i % NCLS;
        for (int c = 0; c < C; c++)
            for (int l = 0; l < L; l++)
                x[(i * C + c) * L + l] = a * sinf(6.2831853f * ((c + 1 + (float)y[i]) * l / (float)L + p)) + shift;
    }
}

static void test_training(void)
{
    enum { N = 64 };
    static float xs[N * D], xq[N * D];
    static int64_t ys[N], yq[N];
    make_signals(xs, ys, N, 0.0f, 1);
    make_signals(xq, yq, N, 0.5f, 2);
    tgdp_dataset src = {N, D, xs, ys}, tgt = {N, D, xq, yq};
    tgdp_error err;
    tgdp_train_opts o;
    /* the denoiser's loss falls */
    tgdp_net eps;
    mknet(&eps, TGDP_ARCH_UNET1D, TGDP_ROLE_EPS, D, 1, NCLS, 21);
    tgdp_train_opts_default(&o);
    o.steps = 80;
    o.batch = 16;
    o.lr = 3e-3;
    loss_track lt = {0};
    o.progress = track;
    o.progress_ctx = &lt;
    int rc = tgdp_train_denoiser(&eps, &S, &src, &o, NULL, &err);
    CHECKF(rc == TGDP_OK, "unet1d denoiser training: %s", rc ? err.msg : "");
    double first = lt.first / (double)lt.n_first, last = lt.last / (double)lt.n_last;
    printf("unet1d denoiser: loss %.4f (first 10 steps) -> %.4f (last 10)\n", first, last);
    CHECKF(last < 0.8 * first, "unet1d denoiser loss did not fall: %.4f -> %.4f", first, last);
    /* classifiers and guidance networks (with both regularisers: the second-order term in the loop) */
    tgdp_net cls, tcls, h;
    mknet(&cls, TGDP_ARCH_RESNET1D, TGDP_ROLE_CLASSIFIER, 1, 0, NCLS, 22);
    mknet(&tcls, TGDP_ARCH_RESNET1D, TGDP_ROLE_TIME_CLASSIFIER, 1, 1, NCLS, 23);
    mknet(&h, TGDP_ARCH_RESNET1D, TGDP_ROLE_GUIDANCE, 1, 1, NCLS, 24);
    tgdp_train_opts_default(&o);
    o.steps = 100;
    o.lr = 3e-3;
    o.batch = 16;
    memset(&lt, 0, sizeof lt);
    o.progress = track;
    o.progress_ctx = &lt;
    rc = tgdp_train_classifier(&cls, NULL, &src, &tgt, &o, NULL, NULL, &err);
    CHECKF(rc == TGDP_OK, "resnet1d classifier: %s", rc ? err.msg : "");
    first = lt.first / (double)lt.n_first, last = lt.last / (double)lt.n_last;
    printf("resnet1d classifier: loss %.4f -> %.4f\n", first, last);
    CHECKF(last < first, "resnet1d classifier loss did not fall: %.4f -> %.4f", first, last);
    /* the time classifier (with the gradient penalty) separates the noised domains: the source
     * (the shift-0 signals) gets the larger logit of P(source) at small t */
    o.steps = 150;
    o.lr = 3e-3;
    tgdp_classifier_opts co = {.grad_penalty = 0.01};
    rc = tgdp_train_classifier(&tcls, &S, &src, &tgt, &o, &co, NULL, &err);
    CHECKF(rc == TGDP_OK, "resnet1d time classifier: %s", rc ? err.msg : "");
    static float xn[2 * N * D], tn[2 * N], lg[2 * N];
    static int64_t yn[2 * N];
    {
        tgdp_rng rn = tgdp_rng_new(17);
        float ep[2 * N * D];
        memcpy(xn, xs, sizeof xs);
        memcpy(xn + N * D, xq, sizeof xq);
        memcpy(yn, ys, sizeof ys);
        memcpy(yn + N, yq, sizeof yq);
        for (int i = 0; i < 2 * N; i++) tn[i] = 0.05f;
        tgdp_rng_fill_normal(&rn, ep, 2 * N * D, 0, 1);
        tgdp_schedule_noise(&S, 2 * N, D, xn, tn, ep, xn);
    }
    CHECK(tgdp_net_eval(&tcls, &arena, 2 * N, xn, tn, yn, lg, &err) == TGDP_OK);
    double ls_src = 0, ls_tgt = 0;
    for (int i = 0; i < N; i++) ls_src += lg[i] / N, ls_tgt += lg[N + i] / N;
    printf("resnet1d time classifier at t = 0.05: mean logit %.3f (source) vs %.3f (target)\n", ls_src, ls_tgt);
    CHECKF(ls_src > ls_tgt + 0.5, "time classifier does not separate the domains: %.3f vs %.3f", ls_src, ls_tgt);
    /* the guidance network with both regularisers: its loss falls, and log h (~ log q_t/p_t) is
     * larger on the target than on the source */
    tgdp_guidance_opts go = {.eta_cycle = 0.1, .eta_consistency = 0.1};
    o.steps = 100;
    memset(&lt, 0, sizeof lt);
    o.progress = track;
    o.progress_ctx = &lt;
    rc = tgdp_train_guidance(&h, &cls, &tcls, &eps, &S, &src, &tgt, &o, &go, NULL, &err);
    CHECKF(rc == TGDP_OK, "resnet1d guidance with regularisers: %s", rc ? err.msg : "");
    first = lt.first / (double)lt.n_first, last = lt.last / (double)lt.n_last;
    printf("resnet1d guidance (Alg 4): loss %.4f -> %.4f\n", first, last);
    CHECKF(last < first, "guidance loss did not fall: %.4f -> %.4f", first, last);
    o.progress = NULL;
    CHECK(tgdp_net_eval(&h, &arena, 2 * N, xn, tn, yn, lg, &err) == TGDP_OK);
    double lh_src = 0, lh_tgt = 0;
    for (int i = 0; i < N; i++) lh_src += lg[i] / N, lh_tgt += lg[N + i] / N;
    printf("resnet1d guidance at t = 0.05: mean z %.3f (source) vs %.3f (target)\n", lh_src, lh_tgt);
    CHECKF(lh_tgt > lh_src, "guidance: h is not larger on the target (%.3f vs %.3f)", lh_tgt, lh_src);
    float feats[N * 8];
    CHECK(tgdp_net_pooled_dim(&cls) == 8);
    CHECK(tgdp_net_pooled_features(&cls, &arena, N, xs, NULL, ys, feats, &err) == TGDP_OK);
    CHECK(max_abs(feats, N * 8) > 0 && isfinite(max_abs(feats, N * 8)));
    /* guided sampling with both guides */
    enum { NS = 5 };
    float xo[NS * D], scratch[NS * D];
    int64_t lab[NS] = {0, 1, 2, 0, 1};
    tgdp_eps_ctx e = {&S, &eps, NULL, &h, 1.0, lab, &arena, scratch, NULL, 0};
    tgdp_rng r = tgdp_rng_new(3);
    rc = tgdp_sample(&S, TGDP_SAMPLER_DPM2, 3, 1e-3, tgdp_eps_guided, &e, NS, D, &r, xo, &err);
    CHECKF(rc == TGDP_OK, "guided sampling (unet1d + resnet1d guidance): %s", rc ? err.msg : "");
    CHECK(isfinite(max_abs(xo, NS * D)));
    /* guided by the time classifier, from the same starting noise: scale 0 is the source model
     * exactly, and a positive scale moves the samples towards the target's higher level */
    float x0[NS * D], xg[NS * D];
    e.guide = &tcls;
    e.w = 0;
    r = tgdp_rng_new(5);
    rc = tgdp_sample(&S, TGDP_SAMPLER_DDIM, 3, 1e-3, tgdp_eps_guided, &e, NS, D, &r, x0, &err);
    tgdp_eps_ctx plain = {&S, &eps, NULL, NULL, 1.0, lab, &arena, scratch, NULL, 0};
    r = tgdp_rng_new(5);
    CHECK(tgdp_sample(&S, TGDP_SAMPLER_DDIM, 3, 1e-3, tgdp_eps_plain, &plain, NS, D, &r, xo, &err) == TGDP_OK);
    CHECK(rc == TGDP_OK && memcmp(x0, xo, sizeof xo) == 0);
    e.w = 3;
    r = tgdp_rng_new(5);
    rc = tgdp_sample(&S, TGDP_SAMPLER_DDIM, 3, 1e-3, tgdp_eps_guided, &e, NS, D, &r, xg, &err);
    CHECKF(rc == TGDP_OK, "guided sampling (unet1d + resnet1d time classifier): %s", rc ? err.msg : "");
    double m0 = 0, mg = 0;
    for (int i = 0; i < NS * D; i++) m0 += x0[i] / (NS * D), mg += xg[i] / (NS * D);
    printf("guided sampling: mean level %.3f without guidance, %.3f with (target shift +0.5)\n", m0, mg);
    CHECKF(mg > m0, "guidance did not move the samples towards the target: %.3f vs %.3f", mg, m0);
    tgdp_net_free(&eps);
    tgdp_net_free(&cls);
    tgdp_net_free(&tcls);
    tgdp_net_free(&h);
}

/* ---------- clear errors ---------- */
static void expect_create_error(tgdp_net_config *c, const char *what)
{
    tgdp_net n;
    tgdp_error err;
    memset(&err, 0, sizeof err);
    int rc = tgdp_net_create_arch(&n, TGDP_ROLE_EPS, c, 1, &err);
    CHECKF(rc == TGDP_EINVAL && strstr(err.msg, what), "expected an error about '%s', got %d '%s'", what, rc, err.msg);
    if (rc == TGDP_OK) tgdp_net_free(&n);
}

static void test_errors(void)
{
    tgdp_net_config c;
    small_config(&c, TGDP_ARCH_UNET1D, D, 1, 0);
    c.conv.groups = 3;
    expect_create_error(&c, "groups");
    small_config(&c, TGDP_ARCH_UNET1D, D, 1, 0);
    c.conv.length = 3; /* 3 levels need 4 samples */
    expect_create_error(&c, "too short");
    small_config(&c, TGDP_ARCH_RESNET1D, 1, 1, 0);
    c.conv.kernel = 4;
    expect_create_error(&c, "odd");
    small_config(&c, TGDP_ARCH_RESNET1D, 1, 1, 0);
    c.conv.time_mode = TGDP_TIME_RAW;
    expect_create_error(&c, "Fourier");
    small_config(&c, TGDP_ARCH_RESNET1D, 1, 1, 0);
    c.conv.attn = 1;
    expect_create_error(&c, "attention blocks");
    small_config(&c, TGDP_ARCH_UNET1D, D, 1, 0);
    c.conv.attn = 1, c.conv.attn_heads = 3; /* 8 channels at the lowest level */
    expect_create_error(&c, "heads");
    small_config(&c, TGDP_ARCH_UNET1D, D, 1, 0);
    c.conv.dilation[2] = 65;
    expect_create_error(&c, "dilation");
    tgdp_error err;
    CHECK(tgdp_conv_parse_mult(&c.conv, "1,2,4,8,16", &err) == TGDP_EINVAL && strstr(err.msg, "at most"));
    CHECK(tgdp_conv_parse_dilation(&c.conv, "1,2", &err) == TGDP_EINVAL && strstr(err.msg, "one per level"));
    CHECK(tgdp_conv_parse_dilation(&c.conv, "1,2,4", &err) == TGDP_OK && tgdp_conv_dilation(&c.conv, 2) == 4 &&
          tgdp_conv_dilation(&c.conv, 0) == 1);
    /* data of the wrong size for the net */
    tgdp_net n;
    mknet(&n, TGDP_ARCH_UNET1D, TGDP_ROLE_EPS, D, 1, 0, 1);
    float x[4 * (D - 1)];
    memset(x, 0, sizeof x);
    tgdp_dataset ds = {4, D - 1, x, NULL};
    tgdp_train_opts o;
    tgdp_train_opts_default(&o);
    o.steps = 1;
    o.batch = 2;
    int rc = tgdp_train_denoiser(&n, &S, &ds, &o, NULL, &err);
    CHECKF(rc == TGDP_EINVAL && strstr(err.msg, "unet1d [3, 13]") && strstr(err.msg, "expects 39"),
           "dimension mismatch message: %s", err.msg);
    /* no labels for a conditional net, no time for a timed one */
    tgdp_net_free(&n);
    mknet(&n, TGDP_ARCH_RESNET1D, TGDP_ROLE_GUIDANCE, 1, 1, NCLS, 1);
    float out[2], xx[2 * D] = {0}, t[2] = {0.5f, 0.5f};
    rc = tgdp_net_eval(&n, &arena, 2, xx, t, NULL, out, &err);
    CHECKF(rc == TGDP_EINVAL && strstr(err.msg, "labels"), "missing labels: %s", err.msg);
    rc = tgdp_net_eval(&n, &arena, 2, xx, NULL, NULL, out, &err);
    CHECKF(rc == TGDP_EINVAL && strstr(err.msg, "time"), "missing time: %s", err.msg);
    tgdp_net_free(&n);
    /* an MLP has no pooled features */
    tgdp_mlp_config m;
    memset(&m, 0, sizeof m);
    m.in_dim = 2, m.out_dim = 1, m.act = TGDP_ACT_SILU;
    tgdp_mlp_parse_hidden(&m, "4", NULL);
    CHECK(tgdp_net_create(&n, TGDP_ROLE_CLASSIFIER, &m, 1, NULL) == TGDP_OK);
    rc = tgdp_net_pooled_features(&n, &arena, 1, xx, NULL, NULL, out, &err);
    CHECKF(rc == TGDP_EINVAL && strstr(err.msg, "pooled"), "features of an MLP: %s", err.msg);
    tgdp_net_free(&n);
}

/* multi-hot rows -> one conditioning label: first set column among 1..k-1, else 0, else k */
static void test_conditioning_labels(void)
{
    const int64_t rows[5 * 4] = {1, 0, 0, 0, /* NORM only */ 1, 0, 1, 1, /* NORM + 2 + 3 */ 0, 0, 0, 0, /* none */
                                 0, 1, 0, 1, /* 1 + 3 */ 0, 0, 0, 1};
    int64_t out[5];
    tgdp_error err;
    CHECK(tgdp_conditioning_labels(rows, 5, 4, out, &err) == TGDP_OK);
    CHECK(out[0] == 0 && out[1] == 2 && out[2] == 4 && out[3] == 1 && out[4] == 3);
    const int64_t badrow[4] = {0, 2, 0, 0};
    CHECK(tgdp_conditioning_labels(badrow, 1, 4, out, &err) == TGDP_EINVAL && strstr(err.msg, "not 0 or 1"));
}

/* the ECG default: shapes and an evaluation chunked below the memory budget */
static void test_ecg_default(void)
{
    tgdp_net n;
    tgdp_error err;
    int rc = tgdp_net_create_ecg_unet1d(&n, 12, 1, &err);
    CHECKF(rc == TGDP_OK, "ecg unet1d: %s", rc ? err.msg : "");
    if (rc) return;
    int64_t sh[2];
    CHECK(tgdp_net_sample_shape(&n, sh) == 2 && sh[0] == 12 && sh[1] == 250);
    char desc[160];
    tgdp_net_describe(&n, desc, sizeof desc);
    printf("%s: %zu parameters\n", desc, n.p.n);
    enum { NE = 3 };
    float *x = calloc((size_t)NE * 3000, sizeof *x), *out = malloc((size_t)NE * 3000 * sizeof *out);
    float t[NE] = {0.1f, 0.5f, 0.9f};
    int64_t y[NE] = {0, 5, 11};
    CHECK(tgdp_net_eval(&n, &arena, NE, x, t, y, out, &err) == TGDP_OK);
    CHECK(isfinite(max_abs(out, (size_t)NE * 3000)));
    free(x);
    free(out);
    tgdp_net_free(&n);
}

int main(void)
{
    tgdp_set_threads(2);
    tgdp_arena_init(&arena);
    tgdp_schedule_init_vp_linear(&S, 0.1, 20, NULL);
    double t0 = now_s();
    test_gradients();
    printf("gradients %.2f s\n", now_s() - t0);
    test_consistency();
    printf("consistency %.2f s\n", now_s() - t0);
    test_checkpoints();
    test_training();
    printf("training %.2f s\n", now_s() - t0);
    test_errors();
    test_conditioning_labels();
    test_ecg_default();
    printf("total %.2f s\n", now_s() - t0);
    tgdp_schedule_free(&S);
    tgdp_arena_free(&arena);
    TEST_MAIN_END();
}

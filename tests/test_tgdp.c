/* The method's building blocks: the consistency regulariser's exact second-order gradient
 * against finite differences (and that it is not a no-op), checkpoints round trip, a
 * classifier's density ratio and a denoiser on Gaussian data. */
#include "fd_harness.h"
#include "testutil.h"
#include "tgdp/train_util.h"
#include "tgdp/checkpoint.h"
#include "tgdp/gmm.h"
#include "tgdp/metrics.h"
#include "tgdp/tgdp.h"
#include "tgdp/train_util.h"

#include <string.h>
#include <unistd.h>

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

/* consistency loss from first-order machinery only: mean ||eps_s - sigma grad log h - eps||^2 / d */
static double cons_loss(tgdp_net *h, tgdp_arena *ar, int B, int d, const float *xt, const float *t, const int64_t *y,
                        const float *eps, const float *eps_s)
{
    double sum = 0;
    float g[64];
    for (int i = 0; i < B; i++) {
        tgdp_guidance_grad(h, ar, 1, d, xt + i * d, t[i], y ? y + i : NULL, g, NULL);
        double sg = tgdp_schedule_sigma(&S, t[i]);
        for (int j = 0; j < d; j++) {
            double r = eps_s[i * d + j] - sg * g[j] - eps[i * d + j];
            sum += r * r;
        }
    }
    return sum / (B * d);
}

static void test_consistency_gradient(tgdp_h_param hp, int nc)
{
    enum { B = 5, D = 3 };
    tgdp_net h;
    mknet(&h, TGDP_ROLE_GUIDANCE, "6,5", D, 1, nc, 3 + hp);
    h.hparam = hp;
    tgdp_rng r = tgdp_rng_new(17);
    float xt[B * D], t[B], eps[B * D], es[B * D];
    int64_t y[B] = {0, 1, 1, 0, 1};
    tgdp_rng_fill_normal(&r, xt, B * D, 0, 1);
    tgdp_rng_fill_uniform(&r, t, B, 0.05f, 0.9f);
    tgdp_rng_fill_normal(&r, eps, B * D, 0, 1);
    tgdp_rng_fill_normal(&r, es, B * D, 0, 1);
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    const int64_t *yy = nc ? y : NULL;
    tgdp_params_zero_grad(&h.p);
    double loss;
    CHECK(tgdp_consistency_term(&h, &ar, &S, B, D, xt, t, yy, eps, es, 1.0, &loss, NULL) == TGDP_OK);
    CHECK_CLOSE(loss, cons_loss(&h, &ar, B, D, xt, t, yy, eps, es), 1e-6, 1e-4);
    float *g = malloc(h.p.n * sizeof *g);
    memcpy(g, h.p.g, h.p.n * sizeof *g);
    double gmax = 0;
    for (size_t i = 0; i < h.p.n; i++) gmax = fmax(gmax, fabs(g[i]));
    CHECKF(gmax > 1e-4, "consistency gradient is (nearly) zero: %g", gmax); /* pitfall 1: not a no-op */
    int bad = 0;
    for (int q = 0; q < h.p.count; q++)
        for (size_t j = 0; j < h.p.info[q].n; j++) {
            size_t i = h.p.info[q].off + j;
            float o = h.p.w[i];
            const float e = 3e-3f;
            h.p.w[i] = o + e;
            double lp = cons_loss(&h, &ar, B, D, xt, t, yy, eps, es);
            h.p.w[i] = o - e;
            double lm = cons_loss(&h, &ar, B, D, xt, t, yy, eps, es);
            h.p.w[i] = o;
            double fd = (lp - lm) / (2 * e);
            if (fabs(fd - g[i]) > 2e-2 * (gmax + fabs(fd))) {
                if (bad++ < 5)
                    fprintf(stderr, "consistency grad %s[%zu]: analytic %g vs fd %g\n", h.p.info[q].name, j, g[i], fd);
            }
        }
    CHECKF(bad == 0, "%d consistency-gradient entries disagree with finite differences (h-param %d)", bad, hp);
    free(g);
    tgdp_arena_free(&ar);
    tgdp_net_free(&h);
}

static void test_checkpoint(void)
{
    char dir[] = "/tmp/tgdp_ckpt_XXXXXX", path[256], bad[256];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/g.safetensors", dir);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    tgdp_net h, h2;
    mknet(&h, TGDP_ROLE_GUIDANCE, "7,4", 2, 1, 3, 5);
    h.hparam = TGDP_H_EXP;
    tgdp_ckpt_info info = {.step = 123, .seed = 9};
    tgdp_error err;
    CHECK(tgdp_checkpoint_save(path, &h, &info, &err) == TGDP_OK);
    tgdp_ckpt_info back;
    CHECK(tgdp_checkpoint_load(path, &h2, &back, &err) == TGDP_OK);
    CHECK(back.step == 123 && back.seed == 9 && back.schedule[0] == '\0'); /* none written: none read */
    CHECK(h2.role == TGDP_ROLE_GUIDANCE && h2.hparam == TGDP_H_EXP && h2.mlp.cfg.n_classes == 3);
    CHECK(h2.p.n == h.p.n && memcmp(h2.p.w, h.p.w, h.p.n * sizeof(float)) == 0);
    tgdp_net_free(&h2);
    /* the schedule: written, read back, turned into the schedule, compared with a model's */
    tgdp_schedule vp, dis;
    CHECK(tgdp_ckpt_schedule_init(&back, &vp, &err) == TGDP_OK && vp.kind == TGDP_SCHEDULE_VP_LINEAR);
    snprintf(info.schedule, sizeof info.schedule, "discrete");
    CHECK(tgdp_checkpoint_save(path, &h, &info, &err) == TGDP_OK);
    CHECK(tgdp_checkpoint_load(path, &h2, &back, &err) == TGDP_OK && strcmp(back.schedule, "discrete") == 0);
    tgdp_net_free(&h2);
    CHECK(tgdp_ckpt_schedule_init(&back, &dis, &err) == TGDP_OK && dis.kind == TGDP_SCHEDULE_DISCRETE);
    CHECK(tgdp_ckpt_schedule_check(&back, &dis, path, &err) == TGDP_OK);
    CHECK(tgdp_ckpt_schedule_check(&back, &vp, path, &err) == TGDP_EINVAL && strstr(err.msg, path) &&
          strstr(err.msg, "discrete schedule, not with linear"));
    snprintf(back.schedule, sizeof back.schedule, "cosine");
    CHECK(tgdp_ckpt_schedule_init(&back, &dis, &err) != TGDP_OK);
    CHECK(tgdp_ckpt_schedule_check(&back, &vp, path, &err) != TGDP_OK && strstr(err.msg, path) && strstr(err.msg, "cosine"));
    tgdp_schedule_free(&vp);
    tgdp_schedule_free(&dis);
    /* an unknown h parameterisation is an error, not softplus: patch "exp" in the header */
    {
        FILE *in = fopen(path, "rb");
        static char all[1 << 16];
        size_t len = in ? fread(all, 1, sizeof all, in) : 0;
        if (in) fclose(in);
        char *at = NULL;
        for (size_t i = 0; i + 22 < len && !at; i++)
            if (memcmp(all + i, "\"tgdp.h_param\":\"exp\"", 20) == 0) at = all + i + 16;
        CHECK(at != NULL);
        if (at) {
            memcpy(at, "xyz", 3);
            FILE *out = fopen(bad, "wb");
            fwrite(all, 1, len, out);
            fclose(out);
            CHECK(tgdp_checkpoint_load(bad, &h2, NULL, &err) == TGDP_EFORMAT);
            CHECKF(strstr(err.msg, "unknown tgdp.h_param 'xyz'") != NULL, "message: %s", err.msg);
        }
    }
    /* a graph failure says what failed: a label outside the conditional network's classes */
    {
        tgdp_arena ar;
        tgdp_arena_init(&ar);
        float x[4] = {0, 0, 1, 1}, t[2] = {0.5f, 0.5f}, out[2];
        int64_t lab[2] = {1, 5};
        CHECK(tgdp_net_eval(&h, &ar, 2, x, t, lab, out, &err) == TGDP_EINVAL);
        CHECKF(strstr(err.msg, "label 5 of row 1 is outside 0..2") != NULL, "message: %s", err.msg);
        CHECK(tgdp_net_input_grad(&h, &ar, 2, x, t, lab, TGDP_ACT_IDENTITY, 1.0f, x, &err) == TGDP_EINVAL);
        CHECKF(strstr(err.msg, "input gradient: label 5") != NULL, "message: %s", err.msg);
        tgdp_arena_free(&ar);
    }
    /* a truncated checkpoint is an error naming the file */
    FILE *f = fopen(path, "rb"), *g = fopen(bad, "wb");
    char buf[100];
    size_t k = fread(buf, 1, sizeof buf, f);
    fwrite(buf, 1, k, g);
    fclose(f);
    fclose(g);
    CHECK(tgdp_checkpoint_load(bad, &h2, NULL, &err) != TGDP_OK);
    CHECK(strstr(err.msg, "bad.safetensors") != NULL);
    unlink(path);
    unlink(bad);
    rmdir(dir);
    tgdp_net_free(&h);
}

/* with plenty of target data the class-balanced classifier recovers log r = log q/p */
static void test_classifier_ratio(void)
{
    tgdp_gmm P, Q;
    tgdp_gmm_demo_source(&P, NULL);
    tgdp_gmm_demo_target(&Q, NULL);
    enum { M = 4000, N = 1000 };
    static float xs[M * 2], xt[N * 2], lr[M], rr[M];
    static double truth[M];
    tgdp_rng r = tgdp_rng_new(3);
    tgdp_gmm_sample(&P, M, &r, xs, NULL, NULL);
    tgdp_gmm_sample(&Q, N, &r, xt, NULL, NULL);
    tgdp_dataset SD = {M, 2, xs, NULL}, TD = {N, 2, xt, NULL};
    tgdp_net c;
    mknet(&c, TGDP_ROLE_CLASSIFIER, "64,64", 2, 1, 0, 4);
    tgdp_train_opts o;
    tgdp_train_opts_default(&o);
    o.steps = 1500;
    o.batch = 512;
    o.weight_decay = 0.01;
    CHECK(tgdp_train_classifier(&c, NULL, &SD, &TD, &o, NULL, NULL, NULL) == TGDP_OK);
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    CHECK(tgdp_density_ratio(&c, &ar, &SD, rr, lr, NULL) == TGDP_OK);
    tgdp_gmm_log_h(&P, &Q, 1, 0, M, xs, NULL, truth, NULL);
    /* compare where both densities are non-negligible: |log r| < 6 */
    double mae = 0;
    int cnt = 0;
    for (int i = 0; i < M; i++)
        if (fabs(truth[i]) < 6) {
            mae += fabs(lr[i] - truth[i]);
            cnt++;
        }
    mae /= cnt;
    CHECKF(mae < 0.6, "classifier log-ratio error %.3f on %d source samples", mae, cnt);
    /* the loss is class-balanced: mean r over source samples ~ 1 (E_p[q/p] = 1) */
    double mr = 0;
    for (int i = 0; i < M; i++) mr += rr[i] / M;
    CHECKF(mr > 0.5 && mr < 2.0, "mean ratio %.3f", mr);
    tgdp_arena_free(&ar);
    tgdp_net_free(&c);
    tgdp_gmm_free(&P);
    tgdp_gmm_free(&Q);
}

/* the input-gradient penalty flattens the learned log ratio: mean sigma^2 |grad_x logit|^2 drops */
static double mean_slope(tgdp_net *c, const float *x, int n)
{
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    float *g = malloc((size_t)n * 2 * sizeof *g), *t = malloc((size_t)n * sizeof *t);
    for (int i = 0; i < n; i++) t[i] = 0.1f;
    tgdp_net_input_grad(c, &ar, n, x, t, NULL, TGDP_ACT_IDENTITY, 1.0f, g, NULL);
    double s2 = tgdp_schedule_sigma(&S, 0.1), m = 0;
    for (int i = 0; i < n * 2; i++) m += s2 * s2 * g[i] * g[i] / n;
    free(g);
    free(t);
    tgdp_arena_free(&ar);
    return m;
}

/* the penalty tests' data: M source and N target samples of the demo mixtures */
static void penalty_data(int m, float *xs, int n, float *xt)
{
    tgdp_gmm P, Q;
    tgdp_gmm_demo_source(&P, NULL);
    tgdp_gmm_demo_target(&Q, NULL);
    tgdp_rng r = tgdp_rng_new(8);
    tgdp_gmm_sample(&P, m, &r, xs, NULL, NULL);
    tgdp_gmm_sample(&Q, n, &r, xt, NULL, NULL);
    tgdp_gmm_free(&P);
    tgdp_gmm_free(&Q);
}

/* a 32x32 time classifier trained 300 steps on the penalty data with the given penalties */
static void train_penalised(tgdp_net *c, const tgdp_dataset *SD, const tgdp_dataset *TD, double gp, double curv,
                            double *final_loss)
{
    mknet(c, TGDP_ROLE_TIME_CLASSIFIER, "32,32", 2, 1, 0, 12);
    tgdp_train_opts o;
    tgdp_train_opts_default(&o);
    o.steps = 300;
    tgdp_classifier_opts co = {.grad_penalty = gp, .curv_penalty = curv};
    tgdp_train_result res;
    CHECK(tgdp_train_classifier(c, &S, SD, TD, &o, &co, &res, NULL) == TGDP_OK);
    CHECK(isfinite(res.final_loss));
    *final_loss = res.final_loss;
}

static void test_gradient_penalty(void)
{
    enum { M = 2000, N = 10 };
    static float xs[M * 2], xt[N * 2];
    penalty_data(M, xs, N, xt);
    tgdp_dataset SD = {M, 2, xs, NULL}, TD = {N, 2, xt, NULL};
    double slope[2];
    for (int k = 0; k < 2; k++) {
        tgdp_net c;
        double loss;
        train_penalised(&c, &SD, &TD, k ? 1.0 : 0.0, 0.0, &loss);
        slope[k] = mean_slope(&c, xs, M);
        tgdp_net_free(&c);
    }
    CHECKF(slope[1] < 0.5 * slope[0], "penalised slope %.4g vs unpenalised %.4g", slope[1], slope[0]);
}

/* the curvature penalty: mean sigma^2 |grad logit(x + sigma u) - grad logit(x)|^2 at t = 0.1 over
 * the target points (where an unpenalised classifier of 10 points grows a peak) */
static double mean_curvature(tgdp_net *c, const float *x, int n)
{
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    const double sg = tgdp_schedule_sigma(&S, 0.1);
    float *g = malloc((size_t)n * 2 * sizeof *g), *g2 = malloc((size_t)n * 2 * sizeof *g2);
    float *t = malloc((size_t)n * sizeof *t), *x2 = malloc((size_t)n * 2 * sizeof *x2);
    tgdp_rng r = tgdp_rng_new(3);
    for (int i = 0; i < n; i++) t[i] = 0.1f;
    for (int i = 0; i < n * 2; i++) x2[i] = x[i] + (float)(sg * tgdp_rng_normal(&r));
    tgdp_net_input_grad(c, &ar, n, x, t, NULL, TGDP_ACT_IDENTITY, 1.0f, g, NULL);
    tgdp_net_input_grad(c, &ar, n, x2, t, NULL, TGDP_ACT_IDENTITY, 1.0f, g2, NULL);
    double m = 0;
    for (int i = 0; i < n * 2; i++) m += sg * sg * (g2[i] - g[i]) * (g2[i] - g[i]) / n;
    free(g), free(g2), free(t), free(x2);
    tgdp_arena_free(&ar);
    return m;
}

static void test_curvature_penalty(void)
{
    enum { M = 2000, N = 10, K = 400 };
    static float xs[M * 2], xt[N * 2], probe[K * 2];
    penalty_data(M, xs, N, xt);
    for (int i = 0; i < K * 2; i++) probe[i] = xt[i % (N * 2)]; /* the target points, repeated */
    tgdp_dataset SD = {M, 2, xs, NULL}, TD = {N, 2, xt, NULL};
    double curv[2], loss[2];
    for (int k = 0; k < 2; k++) {
        tgdp_net c;
        train_penalised(&c, &SD, &TD, 0.0, k ? 10.0 : 0.0, &loss[k]);
        curv[k] = mean_curvature(&c, probe, K);
        tgdp_net_free(&c);
    }
    printf("curvature at the target points: %.4g without, %.4g with the penalty (final loss %.4f / %.4f)\n", curv[0],
           curv[1], loss[0], loss[1]);
    CHECK(isfinite(loss[0]) && isfinite(loss[1]));
    CHECKF(curv[1] < 0.5 * curv[0], "penalised curvature %.4g vs unpenalised %.4g", curv[1], curv[0]);
}

/* Large batches run as chunks of rows on the threads (train_run_chunks). For every training
 * loop: the weights after a few steps are bit-identical on 1 and 2 threads, and within float
 * rounding of the same steps run unchunked; another seed gives other weights (the check can fail). */
enum { CH_M = 3000, CH_N = 300, CH_BATCH = 1536 };
static float ch_xs[CH_M * 2], ch_xt[CH_N * 2];

static void chunk_train(int kind, int threads, int chunk_rows, uint64_t seed, tgdp_net *out)
{
    tgdp_dataset SD = {CH_M, 2, ch_xs, NULL}, TD = {CH_N, 2, ch_xt, NULL};
    tgdp_set_threads(threads);
    train_chunk_rows = chunk_rows;
    tgdp_train_opts o;
    tgdp_train_opts_default(&o);
    o.steps = 4;
    o.batch = CH_BATCH;
    o.seed = seed;
    int rc;
    if (kind == 0) {
        mknet(out, TGDP_ROLE_EPS, "32,32", 2, 2, 0, 7);
        rc = tgdp_train_denoiser(out, &S, &SD, &o, NULL, NULL);
    } else if (kind == 1) {
        mknet(out, TGDP_ROLE_TIME_CLASSIFIER, "32,32", 2, 1, 0, 8);
        tgdp_classifier_opts co = {.grad_penalty = 0.01, .curv_penalty = 0.01};
        rc = tgdp_train_classifier(out, &S, &SD, &TD, &o, &co, NULL, NULL);
    } else {
        tgdp_net tc, eps;
        mknet(&tc, TGDP_ROLE_TIME_CLASSIFIER, "16", 2, 1, 0, 9);
        mknet(&eps, TGDP_ROLE_EPS, "16", 2, 2, 0, 10);
        mknet(out, TGDP_ROLE_GUIDANCE, "32,32", 2, 1, 0, 11);
        float r[CH_M];
        for (int i = 0; i < CH_M; i++) r[i] = (float)exp(0.5 * ch_xs[2 * i]);
        tgdp_guidance_opts go = {.eta_cycle = 0.1, .eta_consistency = 0.1};
        rc = tgdp_train_guidance_ratios(out, r, &tc, &eps, &S, &SD, &TD, &o, &go, NULL, NULL);
        tgdp_net_free(&tc);
        tgdp_net_free(&eps);
    }
    CHECK(rc == TGDP_OK);
    train_chunk_rows = TRAIN_CHUNK_ROWS;
    tgdp_set_threads(2);
}

static double max_abs_diff(const tgdp_net *a, const tgdp_net *b)
{
    double m = 0;
    for (size_t i = 0; i < a->p.n; i++) m = fmax(m, fabs((double)a->p.w[i] - b->p.w[i]));
    return m;
}

static void test_chunked_steps(void)
{
    tgdp_rng r = tgdp_rng_new(21);
    tgdp_rng_fill_normal(&r, ch_xs, CH_M * 2, 0, 1);
    tgdp_rng_fill_normal(&r, ch_xt, CH_N * 2, 1, 0.5f);
    static const char *name[3] = {"denoiser", "time classifier + penalties", "guidance (Alg 4)"};
    for (int kind = 0; kind < 3; kind++) {
        tgdp_net two, one, whole, other;
        chunk_train(kind, 2, 512, 1, &two);   /* 3 chunks of 512 rows */
        chunk_train(kind, 1, 512, 1, &one);
        chunk_train(kind, 2, 1 << 30, 1, &whole); /* one chunk: the batch at once */
        chunk_train(kind, 2, 512, 2, &other);
        CHECKF(memcmp(two.p.w, one.p.w, two.p.n * sizeof(float)) == 0, "%s: 2 threads differ from 1 (max %.3g)",
               name[kind], max_abs_diff(&two, &one));
        double dw = max_abs_diff(&two, &whole), ds = max_abs_diff(&two, &other);
        CHECKF(dw < 2e-5, "%s: chunked vs whole batch max weight difference %.3g", name[kind], dw);
        CHECKF(ds > 1e-3, "%s: another seed changes the weights by only %.3g", name[kind], ds);
        tgdp_net_free(&two);
        tgdp_net_free(&one);
        tgdp_net_free(&whole);
        tgdp_net_free(&other);
    }
}

/* the chunks' gradient sum (train_run_chunks): per parameter the chunk buffers' values added in
 * chunk order, ((g_0 + g_1) + g_2) + ..., bit for bit, for parameter counts below and above the
 * sum's block and its threading threshold; values of very different magnitudes, so that another
 * order of the additions gives other bits (checked, so the comparison can fail) */
static float chunk_val(int64_t lo, size_t i)
{
    uint64_t h = (uint64_t)(lo + 1) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)i * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 29;
    h *= 0x94D049BB133111EBULL;
    h ^= h >> 32;
    return (float)ldexp((double)(int32_t)(h & 0xffffff) - 8388608.0, (int)((h >> 24) % 40) - 40);
}

static int sum_chunk(void *ctx, train_chunk *c)
{
    (void)ctx;
    for (size_t i = 0; i < c->net.p.n; i++) c->net.p.g[i] += chunk_val(c->rows.lo, i);
    c->loss = (double)c->rows.lo;
    return TGDP_OK;
}

static void test_chunk_gradient_sum(void)
{
    static const size_t counts[] = {1000, 2048, 70001};
    for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++) {
        const size_t np = counts[ci];
        for (int threads = 1; threads <= 2; threads++) {
            tgdp_set_threads(threads);
            train_state st;
            memset(&st, 0, sizeof st);
            tgdp_net net;
            memset(&net, 0, sizeof net);
            net.arch = TGDP_ARCH_MLP;
            net.p.n = np;
            net.p.g = malloc(np * sizeof(float));
            float *want = malloc(np * sizeof(float));
            CHECK(net.p.g && want);
            if (!net.p.g || !want) return;
            const int B = 8 * TRAIN_CHUNK_ROWS; /* 8 chunks */
            double loss = -1;
            CHECK(train_run_chunks(&st, &net, B, sum_chunk, NULL, &loss, NULL) == TGDP_OK);
            size_t other = 0;
            for (size_t i = 0; i < np; i++) {
                float s = chunk_val(0, i), r = chunk_val(7 * TRAIN_CHUNK_ROWS, i);
                for (int k = 1; k < 8; k++) s += chunk_val((int64_t)k * TRAIN_CHUNK_ROWS, i);
                for (int k = 6; k >= 0; k--) r += chunk_val((int64_t)k * TRAIN_CHUNK_ROWS, i);
                want[i] = s;
                other += memcmp(&s, &r, sizeof s) != 0;
            }
            CHECKF(memcmp(net.p.g, want, np * sizeof(float)) == 0, "chunk gradient sum of %zu parameters on %d threads "
                   "differs from the sum in chunk order", np, threads);
            CHECKF(other > np / 100, "the reversed order gives the same bits for all but %zu of %zu parameters", other, np);
            CHECK(loss == 28.0 * TRAIN_CHUNK_ROWS); /* 0 + 1 + ... + 7 chunks' first rows */
            free(st.chunk_g);
            for (int k = 0; k < TRAIN_CHUNKS_MAX; k++) {
                tgdp_arena_free(&st.chunk_ar[k]);
                tgdp_arena_free(&st.chunk_ev[k]);
            }
            free(net.p.g);
            free(want);
        }
    }
    tgdp_set_threads(2);
}

/* MLP evaluations of many rows run as chunks on the threads: outputs and input gradients are
 * bit-identical on 1 and 2 threads and agree with evaluating rows one at a time */
static void test_parallel_eval(void)
{
    enum { N = 2600 };
    static float x[N * 2], t[N], o1[N], o2[N], g1[N * 2], g2[N * 2];
    tgdp_rng r = tgdp_rng_new(31);
    tgdp_rng_fill_normal(&r, x, N * 2, 0, 1);
    tgdp_rng_fill_uniform(&r, t, N, 0.01f, 1.0f);
    tgdp_net h;
    mknet(&h, TGDP_ROLE_GUIDANCE, "64,64", 2, 1, 0, 12);
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    tgdp_set_threads(1);
    CHECK(tgdp_net_eval(&h, &ar, N, x, t, NULL, o1, NULL) == TGDP_OK);
    CHECK(tgdp_net_input_grad(&h, &ar, N, x, t, NULL, TGDP_ACT_LOG_SOFTPLUS, 1.0f, g1, NULL) == TGDP_OK);
    tgdp_set_threads(2);
    CHECK(tgdp_net_eval(&h, &ar, N, x, t, NULL, o2, NULL) == TGDP_OK);
    CHECK(tgdp_net_input_grad(&h, &ar, N, x, t, NULL, TGDP_ACT_LOG_SOFTPLUS, 1.0f, g2, NULL) == TGDP_OK);
    CHECK(memcmp(o1, o2, sizeof o1) == 0);
    CHECK(memcmp(g1, g2, sizeof g1) == 0);
    double eo = 0, eg = 0;
    for (int i = 0; i < N; i += 97) {
        float oi, gi[2];
        CHECK(tgdp_net_eval(&h, &ar, 1, x + 2 * i, t + i, NULL, &oi, NULL) == TGDP_OK);
        CHECK(tgdp_net_input_grad(&h, &ar, 1, x + 2 * i, t + i, NULL, TGDP_ACT_LOG_SOFTPLUS, 1.0f, gi, NULL) == TGDP_OK);
        eo = fmax(eo, fabs(oi - o2[i]) / (1e-3 + fabs(oi)));
        eg = fmax(eg, fmax(fabs(gi[0] - g2[2 * i]), fabs(gi[1] - g2[2 * i + 1])) / (1e-3 + fabs(gi[0]) + fabs(gi[1])));
    }
    CHECKF(eo < 1e-5 && eg < 1e-5, "chunked vs one row: outputs %.3g, gradients %.3g", eo, eg);
    tgdp_arena_free(&ar);
    tgdp_net_free(&h);
}

/* ---------- the classifiers' penalties: exact parameter gradients ---------- */
typedef struct {
    tgdp_net *net;
    tgdp_arena *ar;
    const tgdp_classifier_opts *co;
    int B;
    const float *x, *t, *tgt, *w, *u;
    const int64_t *y;
} pen_ctx;

static double pen_loss(void *ctx)
{
    pen_ctx *p = ctx;
    double l = 0;
    if (classifier_batch_loss(p->net, p->ar, &S, p->co, p->B, p->x, p->t, p->y, p->tgt, p->w, p->u, &l, NULL)) return NAN;
    return l;
}

/* the penalised classifier loss on a fixed batch: its parameter gradient (tangent pass and its
 * backward) against finite differences of its value (first-order machinery only), for the
 * input-gradient and the curvature penalties, in noise and data units, with and without time
 * and labels; the penalties change the gradient (they are not silently off) */
static void test_penalty_gradients(void)
{
    enum { B = 8 };
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    tgdp_rng r = tgdp_rng_new(31);
    float x[B * 2], t[B], tgt[B], w[B], u[B * 2];
    int64_t y[B];
    tgdp_rng_fill_normal(&r, x, B * 2, 0, 1);
    tgdp_rng_fill_normal(&r, u, B * 2, 0, 1);
    tgdp_rng_fill_uniform(&r, t, B, 0.05f, 0.9f);
    for (int i = 0; i < B; i++) {
        tgt[i] = i < B / 2 ? 0.95f : 0.05f; /* label smoothing 0.1 */
        w[i] = 1.0f / (B / 2);
        y[i] = i % 3;
    }
    const struct {
        const char *name;
        tgdp_role role;
        int nc;
        tgdp_classifier_opts co;
    } cases[] = {
        {"classifier, gradient penalty", TGDP_ROLE_CLASSIFIER, 0, {.grad_penalty = 0.5}},
        {"time classifier, gradient penalty (noise units)", TGDP_ROLE_TIME_CLASSIFIER, 0, {.grad_penalty = 0.5}},
        {"time classifier, gradient penalty (data units)", TGDP_ROLE_TIME_CLASSIFIER, 0,
         {.grad_penalty = 0.5, .grad_penalty_data_units = 1}},
        {"time classifier, curvature penalty", TGDP_ROLE_TIME_CLASSIFIER, 0, {.curv_penalty = 0.5}},
        {"conditional time classifier, both penalties", TGDP_ROLE_TIME_CLASSIFIER, 3,
         {.grad_penalty = 3, .curv_penalty = 7}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        tgdp_net c;
        mknet(&c, cases[k].role, "16,16", 2, 1, cases[k].nc, 40 + k);
        pen_ctx p = {&c, &ar, &cases[k].co, B, x, t, tgt, w, cases[k].co.curv_penalty > 0 ? u : NULL, y};
        float *g = calloc(c.p.n, sizeof *g), *g0 = calloc(c.p.n, sizeof *g0);
        double l = 0, l0 = 0;
        tgdp_params_zero_grad(&c.p);
        CHECK(classifier_batch_loss(&c, &ar, &S, &cases[k].co, B, x, t, y, tgt, w, p.u, &l, NULL) == TGDP_OK);
        memcpy(g, c.p.g, c.p.n * sizeof *g);
        /* without the penalties: a different loss and gradient */
        tgdp_classifier_opts none = {0};
        tgdp_params_zero_grad(&c.p);
        CHECK(classifier_batch_loss(&c, &ar, &S, &none, B, x, t, y, tgt, w, NULL, &l0, NULL) == TGDP_OK);
        memcpy(g0, c.p.g, c.p.n * sizeof *g0);
        double dg = 0;
        for (size_t i = 0; i < c.p.n; i++) dg = fmax(dg, fabs(g[i] - g0[i]));
        CHECKF(l > l0 && dg > 1e-3, "%s: the penalty changes nothing (loss %g vs %g, gradient %g)", cases[k].name, l, l0, dg);
        int checked = 0;
        int bad = fd_params(cases[k].name, &c.p, g, 1, 1e-3, 1e-2, 1e-4 * fd_max_abs(g, c.p.n), pen_loss, &p, &checked);
        CHECKF(bad == 0 && checked > 100, "%s: %d of %d gradient entries disagree with finite differences",
               cases[k].name, bad, checked);
        free(g);
        free(g0);
        tgdp_net_free(&c);
    }
    tgdp_arena_free(&ar);
}

int main(void)
{
    tgdp_set_threads(2);
    tgdp_schedule_init_vp_linear(&S, 0.1, 20, NULL);
    test_penalty_gradients();
    test_consistency_gradient(TGDP_H_SOFTPLUS, 0);
    test_consistency_gradient(TGDP_H_EXP, 2);
    test_checkpoint();
    test_classifier_ratio();
    test_gradient_penalty();
    test_curvature_penalty();
    test_chunked_steps();
    test_chunk_gradient_sum();
    test_parallel_eval();
    tgdp_schedule_free(&S);
    TEST_MAIN_END();
}

/* The denoisers' input skip (out = net + g(t) x). MLP (tgdp_mlp_config.skip): a noise predictor
 * whose inputs are wider than its hidden layers cannot learn eps ~ x_t / sigma_t without it
 * (the ECG case: 3000 inputs, a few hundred units). unet1d (tgdp_conv_config.skip): the U-Net
 * has the width but passes the identity only approximately after short training, and at high
 * noise the sampler multiplies that error by sigma / alpha; with the skip its error at t >= 0.9
 * is far smaller. Both survive a checkpoint round trip bit for bit, and the configuration is
 * checked. */
#include "testutil.h"
#include "tgdp/checkpoint.h"
#include "tgdp/io.h"
#include "tgdp/tgdp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { D = 96, N = 2000 };

static int make(tgdp_net *net, int skip, int out_dim, tgdp_time_mode tm, tgdp_error *err)
{
    tgdp_mlp_config c;
    memset(&c, 0, sizeof c);
    c.in_dim = D;
    c.out_dim = out_dim;
    c.time_mode = tm;
    c.temb = 8;
    c.act = TGDP_ACT_SILU;
    c.skip = skip;
    if (tgdp_mlp_parse_hidden(&c, "8,8", err)) return -1;
    return tgdp_net_create(net, TGDP_ROLE_EPS, &c, 5, err);
}

/* checkpoint round trip: metadata tgdp.skip = 1 and the same outputs */
static void round_trip(tgdp_net *net, const float *x, int skip_flag_of_loaded)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/tgdp_skip_%d.safetensors", (int)getpid());
    CHECK(tgdp_checkpoint_save(path, net, NULL, NULL) == TGDP_OK);
    tgdp_net back;
    tgdp_error e = {0, ""};
    CHECKF(tgdp_checkpoint_load(path, &back, NULL, &e) == TGDP_OK, "%s", e.msg);
    CHECK((back.arch == TGDP_ARCH_MLP ? back.mlp.cfg.skip : back.conv.cfg.skip) == skip_flag_of_loaded);
    tgdp_st_file f;
    CHECK(tgdp_safetensors_read(path, &f, NULL) == TGDP_OK);
    const char *m = tgdp_st_meta(&f, "tgdp.skip");
    CHECK(m && strcmp(m, "1") == 0);
    tgdp_st_file_free(&f);
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    float t[4] = {0.01f, 0.2f, 0.6f, 1.0f}, o1[4 * D], o2[4 * D];
    CHECK(tgdp_net_eval(net, &ar, 4, x, t, NULL, o1, NULL) == TGDP_OK);
    CHECK(tgdp_net_eval(&back, &ar, 4, x, t, NULL, o2, NULL) == TGDP_OK);
    CHECK(memcmp(o1, o2, sizeof o1) == 0);
    tgdp_arena_free(&ar);
    tgdp_net_free(&back);
    unlink(path);
}

/* a small unet1d over [3, 32] (= D values) */
static int make_unet(tgdp_net *net, tgdp_arch arch, int skip, tgdp_error *err)
{
    tgdp_net_config nc;
    memset(&nc, 0, sizeof nc);
    nc.arch = arch;
    tgdp_conv_config_default(&nc.conv, arch, 3, 32, arch == TGDP_ARCH_UNET1D ? D : 1, 1, 0);
    nc.conv.width = 8;
    nc.conv.groups = 4;
    nc.conv.skip = skip;
    if (tgdp_conv_parse_mult(&nc.conv, "1,2", err)) return -1;
    return tgdp_net_create_arch(net, TGDP_ROLE_EPS, &nc, 7, err);
}

/* mean squared error of the eps prediction at t on fresh noise over the first n rows */
static double eps_mse_at(tgdp_net *net, const tgdp_schedule *S, const float *x, int n, float t)
{
    float *xt = malloc(sizeof(float) * n * D), *e = malloc(sizeof(float) * n * D), *o = malloc(sizeof(float) * n * D);
    float *tt = malloc(sizeof(float) * n);
    tgdp_rng r = tgdp_rng_new(99);
    tgdp_rng_fill_normal(&r, e, (size_t)n * D, 0, 1);
    const double a = tgdp_schedule_alpha(S, t), s = tgdp_schedule_sigma(S, t);
    for (int i = 0; i < n * D; i++) xt[i] = (float)(a * x[i] + s * e[i]);
    for (int i = 0; i < n; i++) tt[i] = t;
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    CHECK(tgdp_net_eval(net, &ar, n, xt, tt, NULL, o, NULL) == TGDP_OK);
    double m = 0;
    for (int i = 0; i < n * D; i++) m += (double)(o[i] - e[i]) * (o[i] - e[i]);
    tgdp_arena_free(&ar);
    free(xt), free(e), free(o), free(tt);
    return m / ((double)n * D);
}

static void test_unet_skip(const tgdp_schedule *S, const tgdp_dataset *ds)
{
    double hi[2];
    for (int skip = 0; skip < 2; skip++) {
        tgdp_net net;
        tgdp_error e = {0, ""};
        CHECKF(make_unet(&net, TGDP_ARCH_UNET1D, skip, &e) == TGDP_OK, "%s", e.msg);
        tgdp_train_opts o;
        tgdp_train_opts_default(&o);
        o.steps = 150;
        o.batch = 64;
        CHECK(tgdp_train_denoiser(&net, S, ds, &o, NULL, NULL) == TGDP_OK);
        hi[skip] = 0.5 * (eps_mse_at(&net, S, ds->x, 256, 0.9f) + eps_mse_at(&net, S, ds->x, 256, 1.0f));
        if (skip) round_trip(&net, ds->x, 1);
        tgdp_net_free(&net);
    }
    printf("unet1d eps error at t >= 0.9 after 150 steps: %.4f without the skip, %.4f with it\n", hi[0], hi[1]);
    CHECKF(hi[1] < 0.5 * hi[0], "unet1d skip: high-noise error %.4f vs %.4f without", hi[1], hi[0]);
    /* only the unet1d noise predictor takes the skip */
    tgdp_net bad;
    tgdp_error e = {0, ""};
    CHECK(make_unet(&bad, TGDP_ARCH_RESNET1D, 1, &e) == TGDP_EINVAL);
    CHECK(strstr(e.msg, "skip") != NULL);
}

int main(void)
{
    tgdp_set_threads(2);
    tgdp_schedule S;
    CHECK(tgdp_schedule_init_vp_linear(&S, 0.1, 20, NULL) == TGDP_OK);
    /* data wider than the hidden layers: smooth random "signals" of D samples, sd ~0.5 */
    float *x = malloc(sizeof(float) * N * D);
    tgdp_rng r = tgdp_rng_new(1);
    for (int i = 0; i < N; i++) {
        double a = tgdp_rng_normal(&r), b = tgdp_rng_normal(&r), ph = 6.283 * tgdp_rng_uniform(&r);
        for (int j = 0; j < D; j++)
            x[i * D + j] = (float)(0.4 * a * sin(0.2 * j + ph) + 0.2 * b * cos(0.05 * j) + 0.1 * tgdp_rng_normal(&r));
    }
    tgdp_dataset ds = {N, D, x, NULL};
    double loss[2];
    for (int skip = 0; skip < 2; skip++) {
        tgdp_net net;
        CHECK(make(&net, skip, D, TGDP_TIME_RAW, NULL) == TGDP_OK);
        tgdp_train_opts o;
        tgdp_train_opts_default(&o);
        o.steps = 400;
        o.batch = 128;
        tgdp_train_result res;
        CHECK(tgdp_train_denoiser(&net, &S, &ds, &o, &res, NULL) == TGDP_OK);
        loss[skip] = res.final_loss;
        if (skip) round_trip(&net, x, 1);
        tgdp_net_free(&net);
    }
    printf("denoiser loss with %d inputs through 8 units: %.4f without the skip, %.4f with it\n", D, loss[0], loss[1]);
    /* without the skip the bottleneck passes ~8/96 of the noise: loss near 1 */
    CHECKF(loss[0] > 0.7, "no skip: loss %.4f (expected near 1)", loss[0]);
    CHECKF(loss[1] < 0.6 * loss[0], "skip: loss %.4f vs %.4f without", loss[1], loss[0]);
    /* configuration: the skip needs out_dim == in_dim and a time input */
    tgdp_net bad;
    tgdp_error e = {0, ""};
    CHECK(make(&bad, 1, D / 2, TGDP_TIME_RAW, &e) == TGDP_EINVAL);
    CHECK(strstr(e.msg, "skip") != NULL);
    CHECK(make(&bad, 1, D, TGDP_TIME_NONE, &e) == TGDP_EINVAL);
    test_unet_skip(&S, &ds);
    free(x);
    tgdp_schedule_free(&S);
    TEST_MAIN_END();
}

/* The MLP denoiser's input skip (tgdp_mlp_config.skip: out = MLP + g(t) x): a noise predictor
 * whose inputs are wider than its hidden layers cannot learn eps ~ x_t / sigma_t without it
 * (the ECG case: 3000 inputs, a few hundred units); the skip survives a checkpoint round trip,
 * and the configuration is checked. */
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
        CHECK(tgdp_train_denoiser(&net, &S, &ds, &o, NULL) == TGDP_OK);
        loss[skip] = o.final_loss;
        if (skip) { /* round trip: same outputs, metadata tgdp.skip = 1 */
            char path[64];
            snprintf(path, sizeof path, "/tmp/tgdp_skip_%d.safetensors", (int)getpid());
            CHECK(tgdp_checkpoint_save(path, &net, NULL, NULL) == TGDP_OK);
            tgdp_net back;
            tgdp_error e = {0, ""};
            CHECKF(tgdp_checkpoint_load(path, &back, NULL, &e) == TGDP_OK, "%s", e.msg);
            CHECK(back.mlp.cfg.skip == 1);
            tgdp_st_file f;
            CHECK(tgdp_safetensors_read(path, &f, NULL) == TGDP_OK);
            const char *m = tgdp_st_meta(&f, "tgdp.skip");
            CHECK(m && strcmp(m, "1") == 0);
            tgdp_st_file_free(&f);
            tgdp_arena ar;
            tgdp_arena_init(&ar);
            float t[4] = {0.01f, 0.2f, 0.6f, 1.0f}, o1[4 * D], o2[4 * D];
            CHECK(tgdp_net_eval(&net, &ar, 4, x, t, NULL, o1, NULL) == TGDP_OK);
            CHECK(tgdp_net_eval(&back, &ar, 4, x, t, NULL, o2, NULL) == TGDP_OK);
            CHECK(memcmp(o1, o2, sizeof o1) == 0);
            tgdp_arena_free(&ar);
            tgdp_net_free(&back);
            unlink(path);
        }
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
    free(x);
    tgdp_schedule_free(&S);
    TEST_MAIN_END();
}

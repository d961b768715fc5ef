/* A small program against the installed libtgdp: build an MLP noise predictor, train it for a
 * few steps on a 2-D Gaussian mixture, and sample from it with DPM-Solver-2.
 *   cc hello_tgdp.c $(pkg-config --cflags --libs tgdp) -o hello_tgdp */
#include <tgdp/gmm.h>
#include <tgdp/metrics.h>
#include <tgdp/tgdp.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    tgdp_error err = {0, ""};
    tgdp_gmm src;
    tgdp_schedule s;
    if (tgdp_gmm_demo_source(&src, &err) || tgdp_schedule_init_vp_linear(&s, 0.1, 20.0, &err)) goto fail;
    enum { M = 2000, N = 500 };
    static float x[M * 2], gen[N * 2], scratch[N * 2];
    tgdp_rng rng = tgdp_rng_new(1);
    if (tgdp_gmm_sample(&src, M, &rng, x, NULL, &err)) goto fail;
    tgdp_mlp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.in_dim = cfg.out_dim = 2;
    cfg.time_mode = TGDP_TIME_RAW;
    cfg.act = TGDP_ACT_SILU;
    if (tgdp_mlp_parse_hidden(&cfg, "64,64", &err)) goto fail;
    tgdp_net net;
    if (tgdp_net_create(&net, TGDP_ROLE_EPS, &cfg, 7, &err)) goto fail;
    tgdp_dataset data = {M, 2, x, NULL};
    tgdp_train_opts o;
    tgdp_train_opts_default(&o);
    o.steps = 200;
    tgdp_train_result res;
    if (tgdp_train_denoiser(&net, &s, &data, &o, &res, &err)) goto fail;
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    tgdp_eps_ctx e = {.s = &s, .eps = &net, .w = 1.0, .arena = &ar, .scratch = scratch};
    if (tgdp_sample(&s, TGDP_SAMPLER_DPM2, 25, 1e-3, tgdp_eps_plain, &e, N, 2, &rng, gen, &err)) goto fail;
    double mmd;
    if (tgdp_mmd2_rbf(N, N, 2, gen, x, NULL, 0, &mmd, &err)) goto fail;
    printf("trained 200 steps (final loss %.4f); MMD^2 of %d samples to the data: %.4f\n", res.final_loss, N, mmd);
    tgdp_arena_free(&ar);
    tgdp_net_free(&net);
    tgdp_gmm_free(&src);
    tgdp_schedule_free(&s);
    return 0;
fail:
    fprintf(stderr, "hello_tgdp: %s\n", err.msg);
    return 1;
}

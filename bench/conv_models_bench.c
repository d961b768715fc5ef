/* Training-step times of the default ECG convolutional networks ([12, 250] windows): the unet1d
 * denoiser, the resnet1d domain classifier, time-dependent classifier and guidance network
 * (Algorithm 3 alone and with the consistency regulariser, which adds a tangent pass and a
 * second backward), at batch 32 and 64, and a forward evaluation for sampling.
 * Usage: conv_models_bench [threads (default 2)] [steps (default 5)]
 * Per-step time = (time of 2 + steps steps - time of 2 steps) / steps, so the optimiser
 * allocation, the arena's growth (first step) and its first reuse (second step: a fresh block
 * of the peak size) are not counted. Wall-clock and process CPU seconds are both shown: on a
 * machine shared with other jobs the CPU time is the steadier number. */
#include "tgdp/tgdp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { N = 256, D = 12 * 250, NCLS = 12 };

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static tgdp_schedule S;
static float *xs, *xt;
static int64_t ys[N], yt[N];

typedef int (*train_fn)(tgdp_net *net, tgdp_train_opts *o, tgdp_error *err);
static tgdp_net *g_cls, *g_eps;
static double g_eta_con; /* the consistency weight of run_guidance */

static int run_eps(tgdp_net *net, tgdp_train_opts *o, tgdp_error *err)
{
    tgdp_dataset d = {N, D, xs, ys};
    return tgdp_train_denoiser(net, &S, &d, o, NULL, err);
}

static int run_cls(tgdp_net *net, tgdp_train_opts *o, tgdp_error *err)
{
    tgdp_dataset a = {N, D, xs, ys}, b = {N, D, xt, yt};
    return tgdp_train_classifier(net, net->role == TGDP_ROLE_TIME_CLASSIFIER ? &S : NULL, &a, &b, o, NULL, NULL, err);
}

static int run_guidance(tgdp_net *net, tgdp_train_opts *o, tgdp_error *err)
{
    tgdp_dataset a = {N, D, xs, ys}, b = {N, D, xt, yt};
    tgdp_guidance_opts go = {.eta_consistency = g_eta_con};
    return tgdp_train_guidance(net, g_cls, NULL, g_eta_con > 0 ? g_eps : NULL, &S, &a, &b, o, &go, NULL, err);
}

/* wall and CPU seconds per step */
static void step_time(tgdp_net *net, train_fn f, int batch, int steps, double eta_con, double *wall, double *cpu)
{
    tgdp_error err;
    double t[2], c[2];
    for (int k = 0; k < 2; k++) {
        tgdp_train_opts o;
        tgdp_train_opts_default(&o);
        o.batch = batch;
        o.steps = k == 0 ? 2 : 2 + steps;
        g_eta_con = eta_con;
        double t0 = now_s(), c0 = cpu_s();
        if (f(net, &o, &err)) {
            fprintf(stderr, "training failed: %s\n", err.msg);
            exit(1);
        }
        t[k] = now_s() - t0;
        c[k] = cpu_s() - c0;
    }
    *wall = (t[1] - t[0]) / steps;
    *cpu = (c[1] - c[0]) / steps;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2, steps = argc > 2 ? atoi(argv[2]) : 5;
    tgdp_set_threads(threads);
    tgdp_schedule_init_vp_linear(&S, 0.1, 20, NULL);
    xs = malloc((size_t)N * D * sizeof *xs);
    xt = malloc((size_t)N * D * sizeof *xt);
    tgdp_rng r = tgdp_rng_new(1);
    tgdp_rng_fill_normal(&r, xs, (size_t)N * D, 0, 1);
    tgdp_rng_fill_normal(&r, xt, (size_t)N * D, 0.3f, 1);
    for (int i = 0; i < N; i++) ys[i] = i % NCLS, yt[i] = (i * 7) % NCLS;
    tgdp_error err;
    tgdp_net eps, cls, tcls, h;
    if (tgdp_net_create_ecg_unet1d(&eps, NCLS, 1, &err) || tgdp_net_create_ecg_resnet1d(&cls, TGDP_ROLE_CLASSIFIER, NCLS, 2, &err) ||
        tgdp_net_create_ecg_resnet1d(&tcls, TGDP_ROLE_TIME_CLASSIFIER, NCLS, 3, &err) ||
        tgdp_net_create_ecg_resnet1d(&h, TGDP_ROLE_GUIDANCE, NCLS, 4, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    g_cls = &cls;
    g_eps = &eps;
    char desc[160];
    tgdp_net_describe(&eps, desc, sizeof desc);
    printf("threads %d; eps: %s, %zu parameters\n", threads, desc, eps.p.n);
    tgdp_net_describe(&cls, desc, sizeof desc);
    printf("classifiers/guidance: %s, %zu parameters\n", desc, cls.p.n);
    printf("%-44s %16s %16s\n", "training step: wall s (cpu s)", "batch 32", "batch 64");
    struct {
        const char *name;
        tgdp_net *net;
        train_fn f;
        double eta;
    } rows[] = {
        {"eps (unet1d, labels)", &eps, run_eps, 0},
        {"classifier (resnet1d, labels)", &cls, run_cls, 0},
        {"time classifier (resnet1d, time, labels)", &tcls, run_cls, 0},
        {"guidance (resnet1d, Alg 3)", &h, run_guidance, 0},
        {"guidance + consistency (Alg 4, 2nd order)", &h, run_guidance, 0.1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        double a, ac, b, bc;
        step_time(rows[i].net, rows[i].f, 32, steps, rows[i].eta, &a, &ac);
        step_time(rows[i].net, rows[i].f, 64, steps, rows[i].eta, &b, &bc);
        printf("%-44s %7.3f (%6.3f) %7.3f (%6.3f)\n", rows[i].name, a, ac, b, bc);
        fflush(stdout);
    }
    /* sampling cost: one eps evaluation of 64 windows */
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    float *out = malloc((size_t)64 * D * sizeof *out), t[64];
    for (int i = 0; i < 64; i++) t[i] = 0.5f;
    tgdp_net_eval(&eps, &ar, 64, xs, t, ys, out, &err);
    double t0 = now_s(), c0 = cpu_s();
    tgdp_net_eval(&eps, &ar, 64, xs, t, ys, out, &err);
    printf("%-44s %7.3f (%6.3f)\n", "eps evaluation of 64 windows", now_s() - t0, cpu_s() - c0);
    free(out);
    tgdp_arena_free(&ar);
    tgdp_net_free(&eps), tgdp_net_free(&cls), tgdp_net_free(&tcls), tgdp_net_free(&h);
    free(xs), free(xt);
    tgdp_schedule_free(&S);
    return 0;
}

/* The guidance-estimator study on the Gaussian mixtures (docs/guidance-study.md).
 * One source model per seed; for each target size and each variant: domain classifier,
 * guidance estimator, guided DPM-Solver-2 samples; prints the classifier's log-ratio error,
 * the guidance error in noise units against the exact h*, and MMD^2 to the exact target.
 * usage: gmm_guidance_study [seeds] [scale%]   (prints one line per (n, seed, variant)) */
#include "tgdp/gmm.h"
#include "tgdp/metrics.h"
#include "tgdp/tgdp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct variant {
    const char *name;
    const char *cls_hidden;
    double cls_wd, cls_ls;
    int cls_steps;
    int time_cls_guidance; /* guide with -grad logit c'(x_t,t) */
    int bregman, normalize, hexp;
    double eta_cycle, eta_cons;
    int exact_r;           /* diagnostic only: regress on the exact r (not a method) */
    double gp;             /* classifier input-gradient penalty */
} variant;

static const variant variants[] = {
    {"alg3_paper", "256,256,256", 0, 0, 800, 0, 0, 0, 0, 0, 0, 0, 0},
    {"alg3_exact_r(diag)", "256,256,256", 0, 0, 800, 0, 0, 0, 0, 0, 0, 1, 0},
    {"alg3_bregman_exp", "256,256,256", 0, 0, 800, 0, 1, 1, 1, 0, 0, 0, 0},
    {"alg3_breg_exp_exact_r(diag)", "256,256,256", 0, 0, 800, 0, 1, 1, 1, 0, 0, 1, 0},
    {"alg3_breg_wd1", "256,256,256", 1.0, 0, 800, 0, 1, 1, 1, 0, 0, 0, 0},
    {"alg3_breg_small_wd", "64,64", 1.0, 0.1, 800, 0, 1, 1, 1, 0, 0, 0, 0},
    {"alg4_breg_small_wd", "64,64", 1.0, 0.1, 800, 0, 1, 1, 1, 0.1, 0.1, 0, 0},
    {"time_cls", "256,256,256", 0, 0, 800, 1, 0, 0, 0, 0, 0, 0, 0},
    {"time_cls_small_wd", "64,64", 1.0, 0.1, 800, 1, 0, 0, 0, 0, 0, 0, 0},
    {"time_cls_wd0.01", "256,256,256", 0.01, 0, 800, 1, 0, 0, 0, 0, 0, 0, 0},
    {"time_cls_wd0.1", "256,256,256", 0.1, 0, 800, 1, 0, 0, 0, 0, 0, 0, 0},
    {"time_cls_ls0.1", "256,256,256", 0, 0.1, 800, 1, 0, 0, 0, 0, 0, 0, 0},
    {"time_cls_400steps", "256,256,256", 0, 0, 400, 1, 0, 0, 0, 0, 0, 0, 0},
    {"time_cls_1600steps", "256,256,256", 0, 0, 1600, 1, 0, 0, 0, 0, 0, 0, 0},
    {"time_cls_512x3", "512,512,512", 0, 0, 800, 1, 0, 0, 0, 0, 0, 0, 0},
    {"time_cls_gp0.01", "256,256,256", 0, 0, 800, 1, 0, 0, 0, 0, 0, 0, 0.01},
    {"time_cls_gp0.1", "256,256,256", 0, 0, 800, 1, 0, 0, 0, 0, 0, 0, 0.1},
    {"time_cls_gp1", "256,256,256", 0, 0, 800, 1, 0, 0, 0, 0, 0, 0, 1.0},
    {"time_cls_gp0.1_ls0.1", "256,256,256", 0, 0.1, 800, 1, 0, 0, 0, 0, 0, 0, 0.1},
};
#define NV (int)(sizeof variants / sizeof *variants)

static tgdp_schedule S;
static tgdp_gmm P, Q;
static tgdp_arena AR;

static void mk(tgdp_net *n, tgdp_role role, const char *hid, int out, uint64_t seed)
{
    tgdp_mlp_config c;
    memset(&c, 0, sizeof c);
    c.in_dim = 2;
    c.out_dim = out;
    c.time_mode = role == TGDP_ROLE_CLASSIFIER ? TGDP_TIME_NONE : TGDP_TIME_RAW;
    c.act = TGDP_ACT_SILU;
    tgdp_mlp_parse_hidden(&c, hid, NULL);
    tgdp_net_create(n, role, &c, seed, NULL);
}

static double per_t_err[5];

static double guid_err(tgdp_net *g, uint64_t seed)
{
    static const double ts[5] = {0.05, 0.1, 0.3, 0.5, 0.8};
    enum { N = 2000 };
    static float x0[N * 2], xt[N * 2], ge[N * 2], gt[N * 2], sg[N], ep[N * 2];
    tgdp_rng r = tgdp_rng_new(seed);
    double acc = 0;
    for (int k = 0; k < 5; k++) {
        double a = tgdp_schedule_alpha(&S, ts[k]), s = tgdp_schedule_sigma(&S, ts[k]), e;
        tgdp_gmm_sample(&Q, N, &r, x0, NULL, NULL);
        tgdp_rng_fill_normal(&r, ep, N * 2, 0, 1);
        for (int i = 0; i < N * 2; i++) xt[i] = (float)(a * x0[i] + s * ep[i]);
        for (int i = 0; i < N; i++) sg[i] = (float)s;
        tgdp_guidance_grad(g, &AR, N, 2, xt, (float)ts[k], NULL, ge, NULL);
        tgdp_gmm_grad_log_h(&P, &Q, a, s, N, xt, NULL, gt, NULL);
        tgdp_guidance_grad_error(N, 2, ge, gt, sg, &e, NULL);
        per_t_err[k] = e;
        acc += e / 5;
    }
    return acc;
}

static double mmd_of(tgdp_net *src, tgdp_net *g, uint64_t seed)
{
    enum { N = 2000 };
    static float x[N * 2], fresh[N * 2], scratch[N * 2];
    tgdp_rng r = tgdp_rng_new(seed);
    tgdp_eps_ctx e = {&S, src, NULL, g, 1.0, NULL, &AR, scratch, NULL, 0};
    tgdp_sample(&S, TGDP_SAMPLER_DPM2, 25, 1e-3, g ? tgdp_eps_guided : tgdp_eps_plain, &e, N, 2, &r, x, NULL);
    tgdp_rng r2 = tgdp_rng_new(seed ^ 77);
    tgdp_gmm_sample(&Q, N, &r2, fresh, NULL, NULL);
    double m;
    tgdp_mmd2_rbf(N, N, 2, x, fresh, tgdp_mmd_default_bandwidths, TGDP_MMD_NUM_BANDWIDTHS, &m, NULL);
    return m;
}

int main(int argc, char **argv)
{
    int seeds = argc > 1 ? atoi(argv[1]) : 1, scale = argc > 2 ? atoi(argv[2]) : 100;
    const char *only = argc > 3 ? argv[3] : NULL;
    tgdp_set_threads(argc > 4 ? atoi(argv[4]) : 0);
    tgdp_schedule_init_vp_linear(&S, 0.1, 20, NULL);
    tgdp_gmm_demo_source(&P, NULL);
    tgdp_gmm_demo_target(&Q, NULL);
    tgdp_arena_init(&AR);
    const int m = 10000, ns[2] = {10, 100};
    float *xs = malloc(m * 2 * sizeof *xs), *xt = malloc(1000 * 2 * sizeof *xt);
    for (int seed = 0; seed < seeds; seed++) {
        tgdp_rng r = tgdp_rng_new(500 + seed);
        tgdp_gmm_sample(&P, m, &r, xs, NULL, NULL);
        tgdp_gmm_sample(&Q, 1000, &r, xt, NULL, NULL);
        tgdp_dataset SD = {m, 2, xs, NULL};
        tgdp_net src;
        mk(&src, TGDP_ROLE_EPS, "256,256,256", 2, 10 + seed);
        tgdp_train_opts o;
        tgdp_train_opts_default(&o);
        o.steps = 1500 * scale / 100;
        o.seed = seed;
        tgdp_train_denoiser(&src, &S, &SD, &o, NULL, NULL);
        printf("seed %d source-only mmd2 %.4f\n", seed, mmd_of(&src, NULL, 9));
        fflush(stdout);
        for (int ni = 0; ni < 2; ni++) {
            tgdp_dataset TD = {ns[ni], 2, xt, NULL};
            for (int v = 0; v < NV; v++) {
                const variant *V = &variants[v];
                if (only && !strstr(V->name, only)) continue;
                tgdp_net cls, tcls, h;
                tgdp_role crole = V->time_cls_guidance ? TGDP_ROLE_TIME_CLASSIFIER : TGDP_ROLE_CLASSIFIER;
                mk(&cls, crole, V->cls_hidden, 1, 20 + v);
                tgdp_train_opts_default(&o);
                o.steps = V->cls_steps * scale / 100;
                o.weight_decay = V->cls_wd;
                tgdp_classifier_opts co = {.label_smoothing = V->cls_ls, .grad_penalty = V->gp};
                o.seed = 30 + v;
                tgdp_train_classifier(&cls, &S, &SD, &TD, &o, &co, NULL, NULL);
                double lrmae = NAN, ge, mm;
                if (!V->time_cls_guidance) {
                    float *lr = malloc(m * sizeof *lr), *rr = malloc(m * sizeof *rr);
                    double *tr = malloc(m * sizeof *tr);
                    tgdp_density_ratio(&cls, &AR, &SD, rr, lr, NULL);
                    tgdp_gmm_log_h(&P, &Q, 1, 0, m, xs, NULL, tr, NULL);
                    tgdp_log_ratio_mae(m, lr, tr, &lrmae, NULL);
                    if (V->exact_r) /* diagnostic: the exact ratio in place of the classifier's */
                        for (int i = 0; i < m; i++) rr[i] = (float)exp(tr[i]);
                    mk(&h, TGDP_ROLE_GUIDANCE, "256,256,256", 1, 40 + v);
                    h.hparam = V->hexp ? TGDP_H_EXP : TGDP_H_SOFTPLUS;
                    int need_t = V->eta_cycle > 0;
                    if (need_t) {
                        mk(&tcls, TGDP_ROLE_TIME_CLASSIFIER, V->cls_hidden, 1, 50 + v);
                        tgdp_train_opts_default(&o);
                        o.steps = V->cls_steps * scale / 100;
                        o.weight_decay = V->cls_wd;
                        tgdp_classifier_opts tco = {.label_smoothing = V->cls_ls};
                        tgdp_train_classifier(&tcls, &S, &SD, &TD, &o, &tco, NULL, NULL);
                    }
                    tgdp_train_opts_default(&o);
                    o.steps = 1000 * scale / 100;
                    tgdp_guidance_opts go = {.bregman = V->bregman, .normalize_r = V->normalize,
                                             .eta_cycle = V->eta_cycle, .eta_consistency = V->eta_cons};
                    o.seed = 60 + v;
                    tgdp_train_guidance_ratios(&h, rr, need_t ? &tcls : NULL, &src, &S, &SD, &TD, &o, &go, NULL, NULL);
                    if (need_t) tgdp_net_free(&tcls);
                    free(lr); free(rr); free(tr);
                    ge = guid_err(&h, 99);
                    mm = mmd_of(&src, &h, 9);
                    tgdp_net_free(&h);
                } else {
                    ge = guid_err(&cls, 99);
                    mm = mmd_of(&src, &cls, 9);
                }
                printf("n %4d seed %d %-28s |log r err| %6.2f  guid err %.4f (t=.05 %.3f .1 %.3f .3 %.3f .5 %.3f .8 %.3f)  mmd2 %.4f\n",
                       ns[ni], seed, V->name, lrmae, ge, per_t_err[0], per_t_err[1], per_t_err[2], per_t_err[3],
                       per_t_err[4], mm);
                fflush(stdout);
                tgdp_net_free(&cls);
            }
        }
        tgdp_net_free(&src);
    }
    return 0;
}

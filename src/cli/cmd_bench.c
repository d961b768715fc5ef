/* tgdp bench: steady-state speed of the method's workloads on the 2-D mixture with the method
 * page's network sizes (untrained weights), in one precision (--precision) on one backend
 * (--gemm), next to the rate of the same backend's matrix products in the same precision
 * measured in the same run.
 *
 *   eps_train_4096/256/64  one Adam step of the noise predictor MLP [512,512,512,512,256]
 *                          (t as an extra input): batch, t and noise draws, forward, loss,
 *                          backward, clip, update
 *   g_alg3_4096            one Adam step of the guidance net [512]x4 (Alg 3, h = softplus z)
 *   g_alg4_4096            Alg 3 + cycle term on 4096 target samples (time classifier [512]x4)
 *                          + consistency term on 4096 more (exact second order), eta = 0.1
 *   sample_10000           guided DPM-Solver-2, 25 steps, 10000 samples
 *   ecg_unet_train_32      one Adam step of the default ECG denoiser (label-conditional 1-D
 *                          U-Net, tgdp_net_create_ecg_unet1d) on [12, 250] windows, batch 32
 *
 * GFLOP/s counts the matrix products and convolutions (2 M N K per GEMM, 2 B Cout Lo Cin K per
 * convolution, counted as they run). Two peak rates are measured: gemm_gflops, the GEMM of the
 * dominant layer shape 4096 x 512 x 512, and, per workload, gemm_gflops_shapes: the exact
 * sequence of the step's matrix products and convolutions (oneDNN primitives, or OpenBLAS GEMMs)
 * replayed back to back on their own, in the step's precision, without the bf16 conversions
 * and layout copies around them (the practical peak at the layers' own shapes). Each is the
 * better of two ways to use the threads: one call at a time on all of them, or one
 * single-threaded call per thread at once (the chunked training steps). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "tgdp/dist.h"
#include "tgdp/gmm.h"
#include "tgdp/tgdp.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define NOPT(o) (int)(sizeof o / sizeof *o)

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* kB on Linux */
}

/* GEMM rate (GFLOP/s) of one shape, M x N x K (A row-major, B transposed), in precision prec on
 * the current backend, as tgdp_gemm_replay runs it */
static double gemm_rate(int M, int N, int K, tgdp_precision prec, double min_time, int concurrent)
{
    const tgdp_gemm_call one = {.ta = CblasNoTrans, .tb = CblasTrans, .M = M, .N = N, .K = K, .op = TGDP_CALL_GEMM,
                                .precision = prec};
    return tgdp_gemm_replay(&one, 1, min_time, concurrent);
}

/* the better of the two ways to use the threads (replay_rate), NAN-safe */
static double best_rate(double a, double b) { return isnan(a) ? b : isnan(b) ? a : a > b ? a : b; }

typedef struct wl_result {
    const char *name;
    double rate;        /* steps/s or samples/s */
    double step_s;      /* seconds per step (per sampling run for sample_10000) */
    double gflops;      /* achieved GEMM GFLOP/s over the whole step */
    double gemm_time_fraction;
    double comm_time_fraction; /* MPI all-reduce (data-parallel runs) */
    double gemm_shapes; /* GEMM rate at the step's own shapes, replayed */
    int ok;
} wl_result;

/* ---- timing through the training progress callback ---- */
typedef struct timer_ctx {
    int64_t warm;
    double t_warm, t_end, comm_warm, comm_end;
    tgdp_gemm_stats at_warm;
} timer_ctx;

static void timer_progress(void *ctx, int64_t step, int64_t total, double loss)
{
    (void)loss;
    timer_ctx *c = ctx;
    if (step == c->warm) {
        c->t_warm = tgdp_now_s();
        c->comm_warm = tgdp_dist_comm_seconds();
        c->at_warm = tgdp_gemm_stats_get();
        tgdp_gemm_record(1); /* record the next step's GEMM shapes */
    } else if (step == c->warm + 1) {
        tgdp_gemm_record(0);
    }
    if (step == total) {
        c->t_end = tgdp_now_s();
        c->comm_end = tgdp_dist_comm_seconds();
    }
}

typedef struct bench_env {
    tgdp_schedule s;
    tgdp_dataset src, tgt;
    float *xs, *xt, *r, *ecg;
    int64_t *ecg_y;
    tgdp_dataset ecg_set;
    tgdp_net eps, g, tcls, unet;
    double min_time;
} bench_env;

enum { W_EPS, W_G3, W_G4, W_ECG };
enum { ECG_N = 256, ECG_LEADS = 12, ECG_LEN = 250, ECG_CLASSES = 8 };

/* the ECG workload's data and network, made on first use (synthetic windows: speed only) */
static int ecg_setup(bench_env *E, tgdp_error *err)
{
    if (E->ecg) return TGDP_OK;
    const size_t nd = (size_t)ECG_N * ECG_LEADS * ECG_LEN;
    E->ecg = malloc(nd * sizeof(float));
    E->ecg_y = malloc((size_t)ECG_N * sizeof(int64_t));
    if (!E->ecg || !E->ecg_y) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    tgdp_rng rng = tgdp_rng_new(11);
    tgdp_rng_fill_normal(&rng, E->ecg, nd, 0, 1);
    for (int i = 0; i < ECG_N; i++) E->ecg_y[i] = i % ECG_CLASSES;
    E->ecg_set = (tgdp_dataset){ECG_N, ECG_LEADS * ECG_LEN, E->ecg, E->ecg_y};
    return tgdp_net_create_ecg_unet1d(&E->unet, ECG_CLASSES, 5, err);
}

/* run `steps` steps after `warm` warm-up steps; steps chosen from a probe to last ~min_time */
static int run_train(bench_env *E, int kind, int batch, wl_result *res, tgdp_error *err)
{
    const int warm = 2;
    int64_t steps = 3;
    for (int pass = 0; pass < 2; pass++) {
        tgdp_train_opts o;
        tgdp_train_opts_default(&o);
        o.batch = batch;
        o.lr = 1e-4;
        o.steps = warm + steps;
        o.seed = 1;
        o.precision = tgdp_get_precision();
        timer_ctx tc = {warm, 0, 0, 0, 0, {0, 0, 0}};
        o.progress = timer_progress;
        o.progress_ctx = &tc;
        tgdp_gemm_stats_reset();
        tgdp_gemm_record_reset();
        int rc;
        if (kind == W_EPS) rc = tgdp_train_denoiser(&E->eps, &E->s, &E->src, &o, NULL, err);
        else if (kind == W_ECG) rc = (rc = ecg_setup(E, err)) ? rc : tgdp_train_denoiser(&E->unet, &E->s, &E->ecg_set, &o, NULL, err);
        else {
            tgdp_guidance_opts go = {0};
            if (kind == W_G4) go.eta_cycle = go.eta_consistency = 0.1;
            rc = tgdp_train_guidance_ratios(&E->g, E->r, kind == W_G4 ? &E->tcls : NULL, kind == W_G4 ? &E->eps : NULL,
                                            &E->s, &E->src, &E->tgt, &o, &go, NULL, err);
        }
        if (rc) return rc;
        double dt = tc.t_end - tc.t_warm;
        tgdp_gemm_stats st = tgdp_gemm_stats_get();
        res->step_s = dt / (double)steps;
        res->rate = (double)steps / dt;
        res->gflops = (st.flops - tc.at_warm.flops) / dt / 1e9;
        res->gemm_time_fraction = (st.seconds - tc.at_warm.seconds) / dt;
        res->comm_time_fraction = (tc.comm_end - tc.comm_warm) / dt;
        if (pass == 0) {
            /* every rank must run the same number of steps: take rank 0's choice */
            float probe = (float)res->step_s;
            if (tgdp_dist_bcast(&probe, 1)) return tgdp_fail(err, TGDP_EIO, "MPI broadcast failed");
            res->step_s = probe;
            int64_t want = (int64_t)(E->min_time / res->step_s);
            if (want <= steps) break;
            steps = want > 100000 ? 100000 : want;
        }
    }
    int n = 0;
    const tgdp_gemm_call *calls = tgdp_gemm_recorded(&n);
    res->gemm_shapes = best_rate(tgdp_gemm_replay(calls, n, E->min_time / 4, 0), tgdp_gemm_replay(calls, n, E->min_time / 4, 1));
    res->ok = 1;
    return TGDP_OK;
}

static int run_sample(bench_env *E, int n, wl_result *res, tgdp_error *err)
{
    float *x = malloc((size_t)n * 2 * sizeof *x), *scratch = malloc((size_t)n * 2 * sizeof *scratch);
    if (!x || !scratch) {
        free(x); free(scratch);
        return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    }
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    tgdp_eps_ctx e = {&E->s, &E->eps, NULL, &E->g, 1.0, NULL, &ar, scratch, NULL, 0};
    int rc = TGDP_OK, runs = 0;
    double t0 = 0, dt = 0;
    tgdp_gemm_stats s0 = {0, 0, 0};
    for (int r = 0; !rc; r++) {
        if (r == 1) { /* the first run is the warm-up */
            t0 = tgdp_now_s();
            s0 = tgdp_gemm_stats_get();
        }
        if (r == 1) tgdp_gemm_record_reset(), tgdp_gemm_record(1);
        tgdp_rng rng = tgdp_rng_new((uint64_t)r);
        rc = tgdp_sample(&E->s, TGDP_SAMPLER_DPM2, 25, 1e-3, tgdp_eps_guided, &e, n, 2, &rng, x, err);
        if (r == 1) tgdp_gemm_record(0);
        if (r >= 1) {
            runs++;
            dt = tgdp_now_s() - t0;
            if (dt >= E->min_time) break;
        }
    }
    tgdp_arena_free(&ar);
    free(x); free(scratch);
    if (rc) return rc;
    tgdp_gemm_stats st = tgdp_gemm_stats_get();
    res->step_s = dt / runs;
    res->rate = (double)n * runs / dt;
    res->gflops = (st.flops - s0.flops) / dt / 1e9;
    res->gemm_time_fraction = (st.seconds - s0.seconds) / dt;
    int nc = 0;
    const tgdp_gemm_call *calls = tgdp_gemm_recorded(&nc);
    res->gemm_shapes = best_rate(tgdp_gemm_replay(calls, nc, E->min_time / 4, 0), tgdp_gemm_replay(calls, nc, E->min_time / 4, 1));
    res->ok = 1;
    return TGDP_OK;
}

static int mlp_net(tgdp_net *net, tgdp_role role, int out, const char *hidden, uint64_t seed, tgdp_error *err)
{
    tgdp_mlp_config c;
    memset(&c, 0, sizeof c);
    c.in_dim = 2;
    c.out_dim = out;
    c.time_mode = TGDP_TIME_RAW;
    c.act = TGDP_ACT_SILU;
    int rc = tgdp_mlp_parse_hidden(&c, hidden, err);
    return rc ? rc : tgdp_net_create(net, role, &c, seed, err);
}

static int env_init(bench_env *E, double min_time, tgdp_error *err)
{
    memset(E, 0, sizeof *E);
    E->min_time = min_time;
    const int m = 10000, n = 1000;
    int rc = tgdp_schedule_init_default(&E->s, TGDP_SCHEDULE_VP_LINEAR, 1000, err);
    if (rc) return rc;
    E->xs = malloc((size_t)m * 2 * sizeof(float));
    E->xt = malloc((size_t)n * 2 * sizeof(float));
    E->r = malloc((size_t)m * sizeof(float));
    if (!E->xs || !E->xt || !E->r) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    tgdp_gmm p, q;
    if ((rc = tgdp_gmm_demo_source(&p, err))) return rc;
    if ((rc = tgdp_gmm_demo_target(&q, err))) {
        tgdp_gmm_free(&p);
        return rc;
    }
    tgdp_rng rng = tgdp_rng_new(7);
    rc = tgdp_gmm_sample(&p, m, &rng, E->xs, NULL, err);
    if (!rc) rc = tgdp_gmm_sample(&q, n, &rng, E->xt, NULL, err);
    tgdp_gmm_free(&p);
    tgdp_gmm_free(&q);
    if (rc) return rc;
    for (int i = 0; i < m; i++) E->r[i] = (float)exp(0.5 * tgdp_rng_normal(&rng)); /* positive ratios */
    E->src = (tgdp_dataset){m, 2, E->xs, NULL};
    E->tgt = (tgdp_dataset){n, 2, E->xt, NULL};
    if ((rc = mlp_net(&E->eps, TGDP_ROLE_EPS, 2, "512,512,512,512,256", 1, err))) return rc;
    if ((rc = mlp_net(&E->g, TGDP_ROLE_GUIDANCE, 1, "512,512,512,512", 2, err))) return rc;
    return mlp_net(&E->tcls, TGDP_ROLE_TIME_CLASSIFIER, 1, "512,512,512,512", 3, err);
}

static void env_free(bench_env *E)
{
    tgdp_schedule_free(&E->s);
    free(E->xs); free(E->xt); free(E->r); free(E->ecg); free(E->ecg_y);
    tgdp_net_free(&E->eps); tgdp_net_free(&E->g); tgdp_net_free(&E->tcls); tgdp_net_free(&E->unet);
}

static int wanted(const char *list, const char *name)
{
    if (!list || !*list || strcmp(list, "all") == 0) return 1;
    size_t k = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += k)
        if ((p == list || p[-1] == ',') && (p[k] == 0 || p[k] == ',')) return 1;
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    const char *cmd = "bench";
    const char *only = "all", *gemm_s = NULL, *prec_s = CLI_PRECISION_DEFAULT;
    int threads = 0, json = 0, quiet_rank = 0;
    double min_time = 2.0;
    cli_opt opts[] = {
        {"threads", OPT_INT, &threads, "0", "threads (0: all cores)", 0, 1024},
        {"workloads", OPT_STRING, &only, "all",
         "comma-separated subset of eps_train_4096, eps_train_256, eps_train_64, g_alg3_4096, g_alg4_4096,\n"
         "                             sample_10000, ecg_unet_train_32", 0, -1},
        {"min-time", OPT_DOUBLE, &min_time, "2", "seconds of timed steady state per workload", 0.01, 3600},
        {"json", OPT_FLAG, &json, NULL, "print one JSON object on stdout", 0, -1},
        CLI_COMPUTE_OPTS(gemm_s, prec_s),
    };
    int pr = cli_parse(cmd, "Steady-state speed of the method's workloads (2-D mixture, the method page's network sizes,\n"
                            "untrained weights) in one precision, and the rate of the same backend's matrix products at\n"
                            "the same precision measured in the same run (the peak).",
                       opts, NOPT(opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    tgdp_precision prec;
    if ((pr = cli_compute(cmd, gemm_s, prec_s, &prec))) return pr;
    tgdp_set_threads(threads);
    const tgdp_precision prev_prec = tgdp_use_precision(prec);
    tgdp_error err;
    bench_env E;
    if (env_init(&E, min_time, &err)) {
        env_free(&E);
        return cli_error(cmd, &err);
    }
    /* the practical GEMM peak: the better of one threaded sgemm and one single-threaded sgemm per
     * thread at the same time (as the chunked training steps run them) */
    const double gemm_one = gemm_rate(4096, 512, 512, prec, min_time / 4, 0);
    const double gemm_conc = tgdp_get_threads() > 1 ? gemm_rate(4096, 512, 512, prec, min_time / 4, 1) : gemm_one;
    const char *backend = tgdp_gemm_backend_name(tgdp_get_gemm_backend());
    const double gemm = best_rate(gemm_one, gemm_conc);
    const int ranks = tgdp_dist_size();
    if (tgdp_dist_rank() != 0) json = 0, quiet_rank = 1;
    if (!json && !quiet_rank)
        fprintf(stderr, "bench: %d rank(s) x %d threads, %s%s%s%s, %s; GEMM 4096x512x512: %.1f GFLOP/s (one on all threads "
                        "%.1f, one per thread at once %.1f)\n",
                ranks, tgdp_get_threads(), backend, tgdp_get_gemm_backend() == TGDP_GEMM_ONEDNN ? " (" : "",
                tgdp_get_gemm_backend() == TGDP_GEMM_ONEDNN ? tgdp_onednn_isa() : "",
                tgdp_get_gemm_backend() == TGDP_GEMM_ONEDNN ? ")" : "", tgdp_precision_name(prec), gemm, gemm_one,
                gemm_conc);
    struct { const char *name; int kind, batch; } wl[] = {
        {"eps_train_4096", W_EPS, 4096}, {"eps_train_256", W_EPS, 256}, {"eps_train_64", W_EPS, 64},
        {"g_alg3_4096", W_G3, 4096},     {"g_alg4_4096", W_G4, 4096},   {"sample_10000", -1, 10000},
        {"ecg_unet_train_32", W_ECG, 32},
    };
    enum { NW = sizeof wl / sizeof *wl };
    wl_result res[NW];
    memset(res, 0, sizeof res);
    tgdp_gemm_stats_enable(1);
    int rc = 0;
    for (int i = 0; i < NW && !rc; i++) {
        res[i].name = wl[i].name;
        if (!wanted(only, wl[i].name)) continue;
        rc = wl[i].kind < 0 ? run_sample(&E, wl[i].batch, &res[i], &err) : run_train(&E, wl[i].kind, wl[i].batch, &res[i], &err);
        if (rc) break;
        if (!json && !quiet_rank)
            fprintf(stderr, "  %-15s %10.2f %-10s %8.1f GFLOP/s  %5.1f%% of GEMM  %5.1f%% of own shapes (%.1f)  "
                            "GEMM %4.1f%%, MPI %4.1f%% of time\n",
                    wl[i].name, res[i].rate, wl[i].kind < 0 ? "samples/s" : "steps/s", res[i].gflops,
                    100 * res[i].gflops / gemm, 100 * res[i].gflops / res[i].gemm_shapes, res[i].gemm_shapes,
                    100 * res[i].gemm_time_fraction, 100 * res[i].comm_time_fraction);
    }
    tgdp_gemm_stats_enable(0);
    tgdp_use_precision(prev_prec);
    if (rc) {
        env_free(&E);
        return cli_error(cmd, &err);
    }
    if (json) {
        printf("{\"threads\": %d, \"ranks\": %d, \"precision\": \"%s\", \"backend\": \"%s\", \"isa\": \"%s\", "
               "\"gemm_gflops\": %.3f, \"gemm_gflops_one_call\": %.3f, \"gemm_gflops_per_thread_calls\": %.3f, "
               "\"peak_rss_mb\": %.1f, \"workloads\": {",
               tgdp_get_threads(), ranks, tgdp_precision_name(prec), backend, tgdp_onednn_isa(), gemm, gemm_one,
               gemm_conc, peak_rss_mb());
        int first = 1;
        for (int i = 0; i < NW; i++) {
            if (!res[i].ok) continue;
            printf("%s\"%s\": {\"rate\": %.4f, \"gflops\": %.3f, \"peak_fraction\": %.4f, \"gemm_gflops_shapes\": %.3f, "
                   "\"shape_peak_fraction\": %.4f, \"gemm_time_fraction\": %.4f, \"comm_time_fraction\": %.4f, "
                   "\"seconds_per_step\": %.6g}",
                   first ? "" : ", ", res[i].name, res[i].rate, res[i].gflops, res[i].gflops / gemm, res[i].gemm_shapes,
                   res[i].gflops / res[i].gemm_shapes, res[i].gemm_time_fraction, res[i].comm_time_fraction,
                   res[i].step_s);
            first = 0;
        }
        printf("}}\n");
    } else if (!quiet_rank)
        fprintf(stderr, "bench: peak RSS %.1f MB\n", peak_rss_mb());
    env_free(&E);
    return 0;
}

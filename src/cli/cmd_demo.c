/* tgdp demo gmm: the Gaussian-mixture comparison (the README's main job). Prints the table,
 * writes results.json, results.md and PNG scatter plots over the exact target density. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "tgdp/experiment.h"
#include "tgdp/gmm.h"
#include "tgdp/io.h"
#include "tgdp/plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void log_line(void *ctx, const char *msg)
{
    int quiet = *(int *)ctx;
    if (!quiet) fprintf(stderr, "[demo gmm] %s\n", msg);
}

/* "a,b,c" -> items passed one by one to fn */
static int each_item(const char *list, int (*fn)(void *ctx, const char *item), void *ctx)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf) return -1;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (fn(ctx, tok)) return -1;
    return 0;
}

typedef struct set_ctx {
    tgdp_gmm_demo_config *c;
    tgdp_error *err;
    int n[TGDP_GMM_MAX_N], count;
} set_ctx;

static int set_item(void *ctx, const char *item)
{
    set_ctx *s = ctx;
    return tgdp_gmm_demo_config_set(s->c, item, s->err);
}

static int method_item(void *ctx, const char *item)
{
    set_ctx *s = ctx;
    int m = tgdp_gmm_method_parse(item);
    if (m < 0) return tgdp_fail(s->err, TGDP_EINVAL, "--methods: unknown method '%s'", item);
    s->c->enabled[m] = 1;
    return 0;
}

static int n_item(void *ctx, const char *item)
{
    set_ctx *s = ctx;
    char *end;
    long v = strtol(item, &end, 10);
    if (end == item || *end || s->count >= TGDP_GMM_MAX_N || v < 2 || v > 100000)
        return tgdp_fail(s->err, TGDP_EINVAL, "--n '%s': expected up to %d sizes in 2..100000", item, TGDP_GMM_MAX_N);
    s->n[s->count++] = (int)v;
    return 0;
}

typedef struct demo_args {
    int quick, quiet, threads, seeds, first_seed, dim, tune, sample_steps, nll_points, steps_scale;
    const char *out, *ns, *sampler, *methods, *set, *precision;
} demo_args;

/* the configuration from the options; 0, or the exit status */
static int demo_config(const char *cmd, const demo_args *a, tgdp_gmm_demo_config *c, int *quiet)
{
    tgdp_error err = {0, ""};
    tgdp_gmm_demo_config_default(c, a->dim, a->quick);
    set_ctx sc = {c, &err, {0}, 0};
    if (a->seeds > 0) c->seeds = a->seeds;
    c->first_seed = a->first_seed;
    if (a->sample_steps > 0) c->sample_steps = a->sample_steps;
    if (a->nll_points >= 0) c->n_nll = a->nll_points;
    if (a->sampler && tgdp_sampler_parse(a->sampler, &c->sampler, &err)) return cli_error(cmd, &err), 2;
    if (a->ns && (each_item(a->ns, n_item, &sc) || tgdp_gmm_demo_config_set_n(c, sc.n, sc.count, &err)))
        return cli_error(cmd, &err), 2;
    if (a->methods) {
        for (int m = 0; m < TGDP_M_COUNT; m++) c->enabled[m] = 0;
        if (each_item(a->methods, method_item, &sc)) return cli_error(cmd, &err), 2;
    }
    if (a->set && each_item(a->set, set_item, &sc)) return cli_error(cmd, &err), 2;
    int pr = cli_compute(cmd, NULL, a->precision, &c->precision);
    if (pr) return pr;
    if (a->steps_scale != 100) { /* every training step count, as a percentage */
        c->eps_steps = (int)((int64_t)c->eps_steps * a->steps_scale / 100);
        for (int m = 0; m < TGDP_M_COUNT; m++)
            for (int i = 0; i < c->n_count; i++) c->hp[m][i].steps = (int)((int64_t)c->hp[m][i].steps * a->steps_scale / 100);
        if (c->eps_steps < 1) c->eps_steps = 1;
    }
    c->log = log_line;
    c->log_ctx = quiet;
    return 0;
}

static int demo_gmm(int argc, char **argv)
{
    const char *cmd = "demo gmm";
    demo_args a = {0, 0, 0, -1, 0, 2, 0, -1, -1, 100, "out/gmm", NULL, NULL, NULL, NULL, CLI_PRECISION_DEFAULT};
    cli_opt opts[] = {
        {"out", OPT_STRING, &a.out, "out/gmm", "output folder for results.json, results.md and PNG plots", 0, -1},
        {"seeds", OPT_INT, &a.seeds, NULL, "replicates (default 3, 1 with --quick); the decisive study uses 30", 1, 1000},
        {"first-seed", OPT_INT, &a.first_seed, "0", "first seed; tuning uses 1000 and up, never reported", 0, 1000000},
        {"dim", OPT_INT, &a.dim, "2", "dimension: 2 (the method page's mixtures) or 3..64 (anisotropic pair)", 2, 64},
        {"n", OPT_STRING, &a.ns, NULL, "target sizes, comma separated (default 10,100,1000; 10,100 with --quick)", 0, -1},
        {"methods", OPT_STRING, &a.methods, NULL, "rows to run, comma separated (default: all)", 0, -1},
        {"set", OPT_STRING, &a.set, NULL, "override hyperparameters: method.key=value,... (keys steps lr w gp curv wd ls eta_cycle eta_cons; method 'all')", 0, -1},
        {"tune", OPT_FLAG, &a.tune, NULL, "tune every row's grid on these seeds instead (use --first-seed 1000); writes tuning.json and tuned_hp.inc", 0, -1},
        {"quick", OPT_FLAG, &a.quick, NULL, "small run for tests: n = 10, 100, one seed, fewer samples and steps", 0, -1},
        {"steps-scale", OPT_INT, &a.steps_scale, "100", "percentage applied to every training step count", 1, 10000},
        {"sampler", OPT_STRING, &a.sampler, "dpm2", "ddpm, ddim, dpm1 or dpm2", 0, -1},
        {"sample-steps", OPT_INT, &a.sample_steps, "25", "sampler steps (t from 1 to 1e-3)", 1, 10000},
        {"nll-points", OPT_INT, &a.nll_points, NULL, "held-out exact target points for the NLL (default 500, 200 with --quick; 0: no NLL)", 0, 100000},
        {"threads", OPT_INT, &a.threads, "0", "threads (0: all cores)", 0, 1024},
        {"quiet", OPT_FLAG, &a.quiet, NULL, "no progress lines", 0, -1},
        {"precision", OPT_STRING, &a.precision, CLI_PRECISION_DEFAULT, "fp32, bf16 or auto (as train-source --precision)", 0, -1},
    };
    int pr = cli_parse(cmd, "The Gaussian-mixture transfer study: every method for each target size and seed, measured\n"
                            "against the exact target; paired differences to finetune and target_only with 95% bootstrap\n"
                            "intervals, Wilcoxon p-values and win rates.",
                       opts, (int)(sizeof opts / sizeof *opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    tgdp_set_threads(a.threads);
    tgdp_gmm_demo_config c;
    int quiet = a.quiet;
    if ((pr = demo_config(cmd, &a, &c, &quiet))) return pr;
    tgdp_error err = {0, ""};
    if (tgdp_mkdir_p(a.out, &err)) return cli_error(cmd, &err);
    if (a.tune) {
        if (tgdp_gmm_tune(&c, a.out, &err)) return cli_error(cmd, &err);
        printf("wrote %s/tuning.json and %s/tuned_hp.inc\n", a.out, a.out);
        return 0;
    }
    tgdp_gmm_demo_output o;
    int rc = tgdp_gmm_demo_run(&c, &o, &err);
    if (!rc) {
        tgdp_gmm_demo_print(stdout, &c, &o);
        rc = tgdp_gmm_demo_write(a.out, &c, &o, &err);
    }
    if (!rc) printf("\nwrote %s/results.json, results.md and samples_n*.png in %.0f s\n", a.out, o.seconds_total);
    tgdp_gmm_demo_output_free(&o);
    return rc ? cli_error(cmd, &err) : 0;
}

int cmd_demo(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "gmm") == 0) return demo_gmm(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "ecg") == 0) return cmd_demo_ecg(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: tgdp demo gmm|ecg [options]\n\n  gmm   the Gaussian-mixture comparison with the exact oracle\n"
               "  ecg   the ECG transfer comparison on real records (--data DIR)\n");
        return 0;
    }
    fprintf(stderr, "tgdp demo: expected 'gmm' or 'ecg' (see tgdp demo --help)\n");
    return 2;
}

/* tgdp gmm-data: write the demo's source and target mixtures as .npy files (to try the commands) */
int cmd_gmm_data(int argc, char **argv)
{
    const char *cmd = "gmm-data";
    const char *out = "gmm-data";
    int m = 10000, n = 100, seed = 0, dim = 2;
    cli_opt opts[] = {
        {"out", OPT_STRING, &out, "gmm-data", "output directory", 0, -1},
        {"dim", OPT_INT, &dim, "2", "dimension: 2 (the method page's mixtures) or 3..64 (the anisotropic pair of demo gmm --dim)", 2, 64},
        {"m", OPT_INT, &m, "10000", "source samples", 1, 100000000},
        {"n", OPT_INT, &n, "100", "target samples", 1, 100000000},
        {"seed", OPT_INT, &seed, "0", "random seed", 0, 2147483647},
    };
    int pr = cli_parse(cmd, "Write the Gaussian-mixture demo data: source.npy, source_labels.npy, target.npy,\n"
                            "target_labels.npy (labels: component 0 = +mu, 1 = -mu).",
                       opts, (int)(sizeof opts / sizeof *opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    tgdp_error err;
    if (tgdp_mkdir_p(out, &err)) return cli_error(cmd, &err);
    tgdp_gmm g[2];
    if (tgdp_gmm_study_mixtures(dim, &g[0], &g[1], &err)) return cli_error(cmd, &err);
    int rc = 0;
    tgdp_rng base = tgdp_rng_new((uint64_t)seed);
    for (int k = 0; k < 2 && !rc; k++) {
        int cnt = k ? n : m;
        float *x = malloc((size_t)cnt * dim * sizeof *x);
        int *l = malloc((size_t)cnt * sizeof *l);
        int64_t *l64 = malloc((size_t)cnt * sizeof *l64);
        tgdp_rng r = tgdp_rng_split(&base, (uint64_t)k);
        char path[4096];
        int64_t shape[2] = {cnt, dim};
        if (!x || !l || !l64) rc = cli_errorf(cmd, "out of memory");
        if (!rc && tgdp_gmm_sample(&g[k], cnt, &r, x, l, &err)) rc = cli_error(cmd, &err);
        for (int i = 0; !rc && i < cnt; i++) l64[i] = l[i];
        snprintf(path, sizeof path, "%s/%s.npy", out, k ? "target" : "source");
        if (!rc && tgdp_npy_write_f32(path, x, 2, shape, &err)) rc = cli_error(cmd, &err);
        snprintf(path, sizeof path, "%s/%s_labels.npy", out, k ? "target" : "source");
        if (!rc && tgdp_npy_write_i64(path, l64, 1, shape, &err)) rc = cli_error(cmd, &err);
        free(x); free(l); free(l64);
    }
    tgdp_gmm_free(&g[0]);
    tgdp_gmm_free(&g[1]);
    if (!rc) fprintf(stderr, "gmm-data: wrote %s/{source,target}{,_labels}.npy (m = %d, n = %d)\n", out, m, n);
    return rc;
}

/* tgdp sample: draw samples with any method through any sampler, and tgdp evaluate: two-sample
 * metrics between two .npy files. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/data.h"
#include "cli/emit.h"
#include "cli/progress.h"
#include "tgdp/checkpoint.h"
#include "tgdp/io.h"
#include "tgdp/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOPT(o) (int)(sizeof o / sizeof *o)

/* labels for conditional sampling: drawn from the label frequencies in a .npy label file */
static int draw_labels(const char *path, int n, uint64_t seed, int n_classes, int64_t *out, tgdp_error *err)
{
    tgdp_array y;
    int rc = cli_load_labels(path, &y, NULL, err); /* integers [N] or multi-hot [N, K] */
    if (rc) return rc;
    size_t m = tgdp_array_numel(&y);
    double *freq = calloc((size_t)n_classes, sizeof *freq);
    if (!freq) rc = tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < m; i++) {
        int64_t v = ((const int64_t *)y.data)[i];
        if (v < 0 || v >= n_classes)
            rc = tgdp_fail(err, TGDP_EINVAL, "%s: label %lld outside the model's 0..%d", path, (long long)v, n_classes - 1);
        else freq[v] += 1;
    }
    if (!rc && m == 0) rc = tgdp_fail(err, TGDP_EINVAL, "%s: no labels", path);
    tgdp_rng r = tgdp_rng_new(seed ^ 0x1abe1ULL);
    for (int i = 0; !rc && i < n; i++) out[i] = tgdp_rng_categorical(&r, freq, n_classes);
    free(freq);
    tgdp_array_free(&y);
    return rc;
}

/* the networks of a sampling run and the schedule they share */
typedef struct sample_nets {
    tgdp_net src, g, ft; /* the model; guidance (tgdp); fine-tuned model (domain guidance) */
    tgdp_schedule s;
    int d, nc, guided, dg; /* guided: tgdp with g; dg: domain guidance with ft */
} sample_nets;

static void nets_free(sample_nets *N)
{
    tgdp_net_free(&N->src);
    tgdp_net_free(&N->g);
    tgdp_net_free(&N->ft);
    tgdp_schedule_free(&N->s);
}

/* a second network (guidance or fine-tuned model) for the model: same schedule, dimension, labels */
static int load_partner(const char *cmd, const char *path, const sample_nets *N, tgdp_net *net)
{
    tgdp_ckpt_info info;
    tgdp_error err;
    if (tgdp_checkpoint_load(path, net, &info, &err) || tgdp_ckpt_schedule_check(&info, &N->s, path, &err))
        return cli_error(cmd, &err);
    if (tgdp_net_in_dim(net) != N->d || tgdp_net_n_classes(net) != N->nc)
        return cli_errorf(cmd, "%s does not match the model (dimension or labels)", path);
    return 0;
}

static int load_nets(const char *cmd, const char *model, const char *guidance, const char *finetuned, int has_labels,
                     sample_nets *N)
{
    tgdp_ckpt_info info;
    tgdp_error err;
    if (tgdp_checkpoint_load(model, &N->src, &info, &err)) return cli_error(cmd, &err);
    if (N->src.role != TGDP_ROLE_EPS)
        return cli_errorf(cmd, "%s is a %s, not a denoiser", model, tgdp_role_name(N->src.role));
    if (tgdp_ckpt_schedule_init(&info, &N->s, &err)) return cli_errorf(cmd, "%s: %s", model, err.msg);
    N->d = tgdp_net_in_dim(&N->src);
    N->nc = tgdp_net_n_classes(&N->src);
    N->guided = guidance != NULL;
    N->dg = finetuned != NULL;
    if (N->guided && load_partner(cmd, guidance, N, &N->g)) return 1;
    if (N->dg && load_partner(cmd, finetuned, N, &N->ft)) return 1;
    if (N->nc > 0 && !has_labels) return cli_errorf(cmd, "%s is label-conditional: give --labels FILE", model);
    if (N->nc == 0 && has_labels) return cli_errorf(cmd, "--labels does not apply: %s is not label-conditional", model);
    return 0;
}

/* the options of the other methods are errors (2) */
static int check_method_options(const char *cmd, const char *method, const cli_opt *opts, int nopt)
{
    static const char *const source[] = {"guidance", "guidance-scale", "finetuned", NULL};
    static const char *const tgdp[] = {"finetuned", NULL}, *const dg[] = {"guidance", NULL};
    char why[64];
    snprintf(why, sizeof why, "to --method %s", method);
    if (!strcmp(method, "tgdp")) return cli_reject(cmd, opts, nopt, why, tgdp);
    if (!strcmp(method, "domain-guidance")) return cli_reject(cmd, opts, nopt, why, dg);
    if (!strcmp(method, "source")) return cli_reject(cmd, opts, nopt, why, source);
    return cli_errorf(cmd, "--method: expected source, tgdp or domain-guidance, got '%s'", method), 2;
}

typedef struct sample_run {
    const char *out, *labels, *method;
    int n, steps, seed, quiet, json;
    double w, t_end;
    tgdp_sampler sampler;
} sample_run;

/* draws the samples (and their labels) and writes them */
static int run_sampler(const char *cmd, const sample_run *R, sample_nets *N)
{
    const int n = R->n, d = N->d, nc = N->nc;
    size_t nd = (size_t)n * (size_t)d;
    float *x = malloc(nd * sizeof *x), *scratch = malloc(nd * sizeof *scratch);
    int64_t *lab = nc > 0 ? malloc((size_t)n * sizeof *lab) : NULL;
    tgdp_error err;
    int rc = 0;
    if (!x || !scratch || (nc > 0 && !lab)) rc = cli_errorf(cmd, "out of memory for %d samples", n);
    if (!rc && nc > 0 && draw_labels(R->labels, n, (uint64_t)R->seed, nc, lab, &err)) rc = cli_error(cmd, &err);
    if (!rc) {
        const int guided = N->guided, dg = N->dg;
        tgdp_arena ar;
        tgdp_arena_init(&ar);
        tgdp_eps_ctx e = {&N->s, &N->src, dg ? &N->ft : NULL, guided ? &N->g : NULL, R->w, lab, &ar, scratch, NULL, 0};
        tgdp_eps_fn fn = guided ? tgdp_eps_guided : dg ? tgdp_eps_domain_guidance : tgdp_eps_plain;
        tgdp_rng r = tgdp_rng_new((uint64_t)R->seed);
        cli_progress pg;
        cli_progress_init(&pg, cmd, R->quiet || R->json);
        double t0 = tgdp_now_s();
        if (tgdp_sample_progress(&N->s, R->sampler, R->steps, R->t_end, fn, &e, n, d, &r, x, cli_progress_sample, &pg, &err))
            rc = cli_error(cmd, &err);
        tgdp_arena_free(&ar);
        int64_t shape[3] = {n, d, 0}; /* [n, d], or [n, C, L] for a convolutional model */
        int ndim = 1 + tgdp_net_sample_shape(&N->src, shape + 1);
        if (!rc && tgdp_npy_write_f32(R->out, x, ndim, shape, &err)) rc = cli_error(cmd, &err);
        if (!rc && lab) {
            char lp[4096];
            snprintf(lp, sizeof lp, "%s.labels.npy", R->out);
            if (tgdp_npy_write_i64(lp, lab, 1, shape, &err)) rc = cli_error(cmd, &err);
        }
        cli_emit em; /* JSON on stdout, or a line on stderr */
        cli_emit_begin(&em, R->json ? stdout : R->quiet || rc ? NULL : stderr, R->json && !rc, 6, 0);
        cli_emitf(&em, "{command:%s}: wrote {out:%s} ({n:%d} x {d:%d}, {seconds:%.1f} s)\n", cmd, R->out, n, d,
                  tgdp_now_s() - t0);
        cli_emit_str(&em, "method", R->method);
        cli_emit_finish(&em);
    }
    free(x);
    free(scratch);
    free(lab);
    return rc;
}

int cmd_sample(int argc, char **argv)
{
    const char *cmd = "sample";
    const char *model = NULL, *guidance = NULL, *finetuned = NULL, *sampler = "dpm2";
    const char *gemm = NULL, *precision = CLI_PRECISION_DEFAULT;
    sample_run R = {.out = "samples.npy", .method = "source", .n = 1000, .steps = 25, .w = 1.0, .t_end = 1e-3};
    int threads = 0;
    cli_opt opts[] = {
        {"model", OPT_STRING, &model, NULL, "source (or any) denoiser checkpoint (required)", 0, -1},
        {"method", OPT_STRING, &R.method, "source",
         "source (the model as is), tgdp (with --guidance: a guidance network or a time-dependent classifier),\n"
         "                             domain-guidance (with --finetuned)", 0, -1},
        {"guidance", OPT_STRING, &guidance, NULL, "guidance network or time-dependent classifier checkpoint", 0, -1},
        {"finetuned", OPT_STRING, &finetuned, NULL, "fine-tuned denoiser (domain guidance)", 0, -1},
        {"guidance-scale", OPT_DOUBLE, &R.w, "1", "guidance scale w of tgdp and domain-guidance (1 is the theory)", 0, 1000},
        {"sampler", OPT_STRING, &sampler, "dpm2", "ddpm, ddim, dpm1 or dpm2", 0, -1},
        {"steps", OPT_INT, &R.steps, "25", "sampler steps", 1, 100000},
        {"t-end", OPT_DOUBLE, &R.t_end, "1e-3", "final time", 1e-6, 0.5},
        {"n", OPT_INT, &R.n, "1000", "number of samples", 1, 100000000},
        {"labels", OPT_STRING, &R.labels, NULL, "label .npy whose frequencies the sampled labels follow (conditional)", 0, -1},
        {"out", OPT_STRING, &R.out, "samples.npy", "output .npy [n, d], or [n, C, L] for unet1d/resnet1d models (labels go to\n"
         "                             <out>.labels.npy as integers [n]; multi-hot --labels as conditioning labels 0..K)", 0, -1},
        {"seed", OPT_INT, &R.seed, "0", "random seed", 0, 2147483647},
        {"threads", OPT_INT, &threads, "0", "threads (0: all cores)", 0, 1024},
        {"quiet", OPT_FLAG, &R.quiet, NULL, "no progress output", 0, -1},
        {"json", OPT_FLAG, &R.json, NULL, "print a JSON summary on stdout", 0, -1},
        CLI_COMPUTE_OPTS(gemm, precision),
    };
    int pr = cli_parse(cmd, "Generate samples: eps = eps_source - w sigma_t grad log h (tgdp), eps_source + w (eps_ft - eps_source)\n"
                            "(domain-guidance), or a plain denoiser (source, target-only, fine-tuned).",
                       opts, NOPT(opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if (!model) return cli_errorf(cmd, "--model FILE is required"), 2;
    if ((pr = check_method_options(cmd, R.method, opts, NOPT(opts)))) return pr;
    if (!strcmp(R.method, "tgdp") && !guidance) return cli_errorf(cmd, "--method tgdp needs --guidance FILE"), 2;
    if (!strcmp(R.method, "domain-guidance") && !finetuned)
        return cli_errorf(cmd, "--method domain-guidance needs --finetuned FILE"), 2;
    tgdp_set_threads(threads);
    tgdp_precision prec;
    if ((pr = cli_compute(cmd, gemm, precision, &prec))) return pr;
    tgdp_use_precision(prec); /* the networks' evaluations */
    tgdp_error err;
    if (tgdp_sampler_parse(sampler, &R.sampler, &err)) return cli_error(cmd, &err), 2;
    sample_nets N;
    memset(&N, 0, sizeof N);
    int rc = load_nets(cmd, model, guidance, finetuned, R.labels != NULL, &N);
    if (!rc) rc = run_sampler(cmd, &R, &N);
    nets_free(&N);
    return rc ? 1 : 0;
}

int cmd_evaluate(int argc, char **argv)
{
    const char *cmd = "evaluate";
    const char *a = NULL, *b = NULL;
    int json = 0, threads = 0, max_n = 5000;
    cli_opt opts[] = {
        {"samples", OPT_STRING, &a, NULL, "generated samples .npy [n, d] (required)", 0, -1},
        {"reference", OPT_STRING, &b, NULL, "reference samples .npy [m, d] (required)", 0, -1},
        {"max-n", OPT_INT, &max_n, "5000", "use at most this many rows of each (the metrics are O(n^2))", 2, 1000000},
        {"threads", OPT_INT, &threads, "0", "threads (0: all cores)", 0, 1024},
        {"json", OPT_FLAG, &json, NULL, "print JSON", 0, -1},
    };
    int pr = cli_parse(cmd, "Two-sample metrics between two .npy files: unbiased MMD^2 (RBF bandwidths 0.05, 0.1, 0.2,\n"
                            "0.5, 1.0) and the energy distance.", opts, NOPT(opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if (!a || !b) return cli_errorf(cmd, "--samples FILE and --reference FILE are required"), 2;
    tgdp_set_threads(threads);
    tgdp_error err;
    cli_data A, B;
    if (cli_load_data(a, NULL, &A, &err)) return cli_error(cmd, &err);
    if (cli_load_data(b, NULL, &B, &err)) {
        cli_free_data(&A);
        return cli_error(cmd, &err);
    }
    int rc = 0;
    double mmd = NAN, en = NAN;
    int na = A.ds.n > max_n ? max_n : (int)A.ds.n, nb = B.ds.n > max_n ? max_n : (int)B.ds.n;
    if (A.ds.d != B.ds.d) rc = cli_errorf(cmd, "%s has dimension %d but %s has %d", a, A.ds.d, b, B.ds.d);
    else if (na < 2 || nb < 2) rc = cli_errorf(cmd, "need at least 2 samples in each file");
    if (!rc && (tgdp_mmd2_rbf(na, nb, A.ds.d, A.ds.x, B.ds.x, tgdp_mmd_default_bandwidths, TGDP_MMD_NUM_BANDWIDTHS, &mmd, &err) ||
                tgdp_energy_distance(na, nb, A.ds.d, A.ds.x, B.ds.x, &en, &err)))
        rc = cli_error(cmd, &err);
    if (!rc) {
        cli_emit e;
        cli_emit_begin(&e, stdout, json, 8, 0);
        cli_emitf(&e, "MMD^2 {mmd2:%.6f}   energy distance {energy:%.6f}   ({n_samples:%d} vs {n_reference:%d} samples)\n",
                  mmd, en, na, nb);
        cli_emit_finish(&e);
    }
    cli_free_data(&A);
    cli_free_data(&B);
    return rc ? 1 : 0;
}

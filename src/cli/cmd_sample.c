/* tgdp sample: draw samples with any method through any sampler, and tgdp evaluate: two-sample
 * metrics between two .npy files. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/data.h"
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

static int schedule_of(const char *path, tgdp_schedule *s, tgdp_error *err)
{
    tgdp_st_file f;
    char name[32] = "vp";
    if (tgdp_safetensors_read(path, &f, err) == 0) {
        const char *v = tgdp_st_meta(&f, "tgdp.schedule");
        if (v) snprintf(name, sizeof name, "%s", v);
        tgdp_st_file_free(&f);
    }
    tgdp_schedule_kind k;
    int rc = tgdp_schedule_kind_parse(name, &k, err);
    return rc ? rc : tgdp_schedule_init_default(s, k, 1000, err);
}

int cmd_sample(int argc, char **argv)
{
    const char *cmd = "sample";
    const char *model = NULL, *guidance = NULL, *finetuned = NULL, *method = "source", *sampler = "dpm2";
    const char *labels = NULL, *out = "samples.npy";
    int n = 1000, steps = 25, seed = 0, threads = 0, quiet = 0, json = 0;
    double w = 1.0, t_end = 1e-3;
    cli_opt opts[] = {
        {"model", OPT_STRING, &model, NULL, "source (or any) denoiser checkpoint (required)", 0, -1},
        {"method", OPT_STRING, &method, "source",
         "source (the model as is), tgdp (with --guidance: a guidance network or a time-dependent classifier),\n"
         "                             domain-guidance (with --finetuned)", 0, -1},
        {"guidance", OPT_STRING, &guidance, NULL, "guidance network or time-dependent classifier checkpoint", 0, -1},
        {"finetuned", OPT_STRING, &finetuned, NULL, "fine-tuned denoiser (domain guidance)", 0, -1},
        {"guidance-scale", OPT_DOUBLE, &w, "1", "guidance scale w (1 is the theory)", 0, 1000},
        {"sampler", OPT_STRING, &sampler, "dpm2", "ddpm, ddim, dpm1 or dpm2", 0, -1},
        {"steps", OPT_INT, &steps, "25", "sampler steps", 1, 100000},
        {"t-end", OPT_DOUBLE, &t_end, "1e-3", "final time", 1e-6, 0.5},
        {"n", OPT_INT, &n, "1000", "number of samples", 1, 100000000},
        {"labels", OPT_STRING, &labels, NULL, "label .npy whose frequencies the sampled labels follow (conditional)", 0, -1},
        {"out", OPT_STRING, &out, "samples.npy", "output .npy [n, d], or [n, C, L] for unet1d/resnet1d models (labels go to\n"
         "                             <out>.labels.npy as integers [n]; multi-hot --labels as conditioning labels 0..K)", 0, -1},
        {"seed", OPT_INT, &seed, "0", "random seed", 0, 2147483647},
        {"threads", OPT_INT, &threads, "0", "threads (0: all cores)", 0, 1024},
        {"quiet", OPT_FLAG, &quiet, NULL, "no progress output", 0, -1},
        {"json", OPT_FLAG, &json, NULL, "print a JSON summary on stdout", 0, -1},
    };
    int pr = cli_parse(cmd, "Generate samples: eps = eps_source - w sigma_t grad log h (tgdp), eps_source + w (eps_ft - eps_source)\n"
                            "(domain-guidance), or a plain denoiser (source, target-only, fine-tuned).",
                       opts, NOPT(opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if (!model) return cli_errorf(cmd, "--model FILE is required"), 2;
    int is_tgdp = strcmp(method, "tgdp") == 0, is_dg = strcmp(method, "domain-guidance") == 0;
    if (!is_tgdp && !is_dg && strcmp(method, "source"))
        return cli_errorf(cmd, "--method: expected source, tgdp or domain-guidance, got '%s'", method), 2;
    if (is_tgdp && !guidance) return cli_errorf(cmd, "--method tgdp needs --guidance FILE"), 2;
    if (is_dg && !finetuned) return cli_errorf(cmd, "--method domain-guidance needs --finetuned FILE"), 2;
    tgdp_set_threads(threads);
    tgdp_error err;
    tgdp_sampler sk;
    if (tgdp_sampler_parse(sampler, &sk, &err)) return cli_error(cmd, &err), 2;
    tgdp_net src, g, ft;
    memset(&src, 0, sizeof src); memset(&g, 0, sizeof g); memset(&ft, 0, sizeof ft);
    int rc = 0;
    if (tgdp_checkpoint_load(model, &src, NULL, &err)) return cli_error(cmd, &err);
    if (src.role != TGDP_ROLE_EPS) rc = cli_errorf(cmd, "%s is a %s, not a denoiser", model, tgdp_role_name(src.role));
    if (!rc && is_tgdp && tgdp_checkpoint_load(guidance, &g, NULL, &err)) rc = cli_error(cmd, &err);
    if (!rc && is_dg && tgdp_checkpoint_load(finetuned, &ft, NULL, &err)) rc = cli_error(cmd, &err);
    const int d = rc ? 0 : tgdp_net_in_dim(&src), nc = rc ? 0 : tgdp_net_n_classes(&src);
    if (!rc && is_tgdp && (tgdp_net_in_dim(&g) != d || tgdp_net_n_classes(&g) != nc))
        rc = cli_errorf(cmd, "%s does not match the model (dimension or labels)", guidance);
    if (!rc && is_dg && (tgdp_net_in_dim(&ft) != d || tgdp_net_n_classes(&ft) != nc))
        rc = cli_errorf(cmd, "%s does not match the model (dimension or labels)", finetuned);
    if (!rc && nc > 0 && !labels) rc = cli_errorf(cmd, "%s is label-conditional: give --labels FILE", model);
    size_t nd = (size_t)n * (size_t)d;
    float *x = rc ? NULL : malloc(nd * sizeof *x), *scratch = rc ? NULL : malloc(nd * sizeof *scratch);
    int64_t *lab = (!rc && nc > 0) ? malloc((size_t)n * sizeof *lab) : NULL;
    if (!rc && (!x || !scratch || (nc > 0 && !lab))) rc = cli_errorf(cmd, "out of memory for %d samples", n);
    if (!rc && nc > 0 && draw_labels(labels, n, (uint64_t)seed, nc, lab, &err)) rc = cli_error(cmd, &err);
    tgdp_schedule s;
    memset(&s, 0, sizeof s);
    if (!rc && schedule_of(model, &s, &err)) rc = cli_error(cmd, &err);
    if (!rc) {
        tgdp_arena ar;
        tgdp_arena_init(&ar);
        tgdp_eps_ctx e = {&s, &src, is_dg ? &ft : NULL, is_tgdp ? &g : NULL, w, lab, &ar, scratch, NULL, 0};
        tgdp_eps_fn fn = is_tgdp ? tgdp_eps_guided : is_dg ? tgdp_eps_domain_guidance : tgdp_eps_plain;
        tgdp_rng r = tgdp_rng_new((uint64_t)seed);
        cli_progress pg;
        cli_progress_init(&pg, cmd, quiet || json);
        double t0 = cli_now();
        if (tgdp_sample_progress(&s, sk, steps, t_end, fn, &e, n, d, &r, x, cli_progress_sample, &pg, &err))
            rc = cli_error(cmd, &err);
        tgdp_arena_free(&ar);
        int64_t shape[3] = {n, d, 0}; /* [n, d], or [n, C, L] for a convolutional model */
        int ndim = 1 + tgdp_net_sample_shape(&src, shape + 1);
        if (!rc && tgdp_npy_write_f32(out, x, ndim, shape, &err)) rc = cli_error(cmd, &err);
        if (!rc && lab) {
            char lp[4096];
            snprintf(lp, sizeof lp, "%s.labels.npy", out);
            if (tgdp_npy_write_i64(lp, lab, 1, shape, &err)) rc = cli_error(cmd, &err);
        }
        if (!rc && json)
            printf("{\"command\": \"sample\", \"out\": \"%s\", \"n\": %d, \"d\": %d, \"method\": \"%s\", \"seconds\": %.3f}\n",
                   out, n, d, method, cli_now() - t0);
        else if (!rc && !quiet)
            fprintf(stderr, "sample: wrote %s (%d x %d, %.1f s)\n", out, n, d, cli_now() - t0);
    }
    tgdp_schedule_free(&s);
    free(x); free(scratch); free(lab);
    tgdp_net_free(&src); tgdp_net_free(&g); tgdp_net_free(&ft);
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
        if (json) printf("{\"mmd2\": %.8g, \"energy\": %.8g, \"n_samples\": %d, \"n_reference\": %d}\n", mmd, en, na, nb);
        else printf("MMD^2 %.6f   energy distance %.6f   (%d vs %d samples)\n", mmd, en, na, nb);
    }
    cli_free_data(&A);
    cli_free_data(&B);
    return rc ? 1 : 0;
}

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

static void mean_sd(const tgdp_gmm_demo_output *o, int n, int meth, size_t field, double *mean, double *sd, int *cnt)
{
    double s = 0, s2 = 0;
    int k = 0;
    for (int i = 0; i < o->n_results; i++) {
        const tgdp_gmm_result *r = &o->results[i];
        if (r->n != n || r->method != meth) continue;
        double v = *(const double *)((const char *)r + field);
        if (isnan(v)) continue;
        s += v;
        s2 += v * v;
        k++;
    }
    *cnt = k;
    *mean = k ? s / k : NAN;
    *sd = k > 1 ? sqrt(fmax(0, (s2 - s * s / k) / (k - 1))) : 0;
}

static void json_num(FILE *f, double v)
{
    if (isnan(v) || isinf(v)) fputs("null", f);
    else fprintf(f, "%.6g", v);
}

typedef struct { const tgdp_gmm_demo_config *c; const tgdp_gmm_demo_output *o; } report;

static int write_json(FILE *f, void *ctx)
{
    const report *r = ctx;
    fprintf(f, "{\n  \"experiment\": \"gmm\",\n  \"sampler\": \"%s\",\n  \"sample_steps\": %d,\n  \"m\": %d,\n  \"n_eval\": %d,\n",
            tgdp_sampler_name(r->c->sampler), r->c->sample_steps, r->c->m, r->c->n_eval);
    fprintf(f, "  \"noise_floor\": [");
    for (int ni = 0; ni < r->c->n_count; ni++)
        for (int s = 0; s < r->c->seeds; s++) {
            fprintf(f, "%s\n    {\"n\": %d, \"seed\": %d, \"mmd2\": ", (ni || s) ? "," : "", r->c->n_list[ni], r->c->first_seed + s);
            json_num(f, r->o->floor_mmd2[ni * r->c->seeds + s]);
            fputs(", \"energy\": ", f);
            json_num(f, r->o->floor_energy[ni * r->c->seeds + s]);
            fputs("}", f);
        }
    fprintf(f, "\n  ],\n  \"results\": [");
    for (int i = 0; i < r->o->n_results; i++) {
        const tgdp_gmm_result *x = &r->o->results[i];
        fprintf(f, "%s\n    {\"n\": %d, \"seed\": %d, \"method\": \"%s\", \"mmd2\": ", i ? "," : "", x->n, x->seed,
                tgdp_method_names[x->method]);
        json_num(f, x->mmd2);
        fputs(", \"energy\": ", f);
        json_num(f, x->energy);
        fputs(", \"nll\": ", f);
        json_num(f, x->nll);
        fputs(", \"mode_error\": ", f);
        json_num(f, x->mode_error);
        fputs(", \"label_accuracy\": ", f);
        json_num(f, x->label_accuracy);
        fputs(", \"guidance_grad_rel_error\": ", f);
        json_num(f, x->guidance_error);
        fputs(", \"classifier_log_r_mae\": ", f);
        json_num(f, x->log_r_mae);
        fputs("}", f);
    }
    fputs("\n  ]\n}\n", f);
    return ferror(f) ? -1 : 0;
}

static const struct { const char *name; size_t off; const char *fmt; } columns[] = {
    {"MMD^2", offsetof(tgdp_gmm_result, mmd2), "%.4f"},
    {"energy", offsetof(tgdp_gmm_result, energy), "%.4f"},
    {"NLL", offsetof(tgdp_gmm_result, nll), "%.3f"},
    {"mode err", offsetof(tgdp_gmm_result, mode_error), "%.3f"},
    {"label acc", offsetof(tgdp_gmm_result, label_accuracy), "%.3f"},
    {"guid err", offsetof(tgdp_gmm_result, guidance_error), "%.4f"},
    {"|log r| err", offsetof(tgdp_gmm_result, log_r_mae), "%.2f"},
};
#define NCOL (int)(sizeof columns / sizeof *columns)

static void print_table(FILE *f, const report *r, int markdown)
{
    const tgdp_gmm_demo_config *c = r->c;
    for (int ni = 0; ni < c->n_count; ni++) {
        int n = c->n_list[ni];
        double fm = 0;
        for (int s = 0; s < c->seeds; s++) fm += r->o->floor_mmd2[ni * c->seeds + s] / c->seeds;
        if (markdown) {
            fprintf(f, "\n### n = %d target samples (m = %d source; %d seeds; MMD^2 noise floor %.4f)\n\n| method |", n,
                    c->m, c->seeds, fm);
            for (int k = 0; k < NCOL; k++) fprintf(f, " %s |", columns[k].name);
            fprintf(f, "\n|---|");
            for (int k = 0; k < NCOL; k++) fprintf(f, "---|");
            fputc('\n', f);
        } else {
            fprintf(f, "\nn = %d (m = %d, %d seeds, mean ± sd; MMD^2 noise floor %.4f)\n%-16s", n, c->m, c->seeds, fm, "method");
            for (int k = 0; k < NCOL; k++) fprintf(f, " %18s", columns[k].name);
            fputc('\n', f);
        }
        for (int m = 0; m < TGDP_M_COUNT; m++) {
            fprintf(f, markdown ? "| %s |" : "%-16s", tgdp_method_names[m]);
            for (int k = 0; k < NCOL; k++) {
                double mean, sd;
                int cnt;
                mean_sd(r->o, n, m, columns[k].off, &mean, &sd, &cnt);
                char cell[64], a[24], b[24];
                if (!cnt) snprintf(cell, sizeof cell, "-");
                else {
                    snprintf(a, sizeof a, columns[k].fmt, mean);
                    snprintf(b, sizeof b, columns[k].fmt, sd);
                    snprintf(cell, sizeof cell, "%s ± %s", a, b);
                }
                fprintf(f, markdown ? " %s |" : " %18s", cell);
            }
            fputc('\n', f);
        }
    }
}

static int write_md(FILE *f, void *ctx)
{
    const report *r = ctx;
    fprintf(f, "# TGDP on Gaussian mixtures\n\nSampler %s, %d steps; metrics against %d fresh exact target samples.\n",
            tgdp_sampler_name(r->c->sampler), r->c->sample_steps, r->c->n_eval);
    print_table(f, r, 1);
    return ferror(f) ? -1 : 0;
}

/* one PNG per n: a panel per method, samples over the exact target log-density */
static int write_plots(const char *dir, const report *r, tgdp_error *err)
{
    const int P = 260, G = 130, cols = 4, rows = (TGDP_M_COUNT + cols - 1) / cols, pad = 24;
    tgdp_gmm Q;
    int rc = tgdp_gmm_demo_target(&Q, err);
    if (rc) return rc;
    double *dens = malloc((size_t)G * G * sizeof *dens);
    float *grid = malloc((size_t)G * G * 2 * sizeof *grid);
    if (!dens || !grid) rc = tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    const double lo = -2, hi = 2;
    for (int i = 0; !rc && i < G; i++)
        for (int j = 0; j < G; j++) {
            grid[(i * G + j) * 2] = (float)(lo + (hi - lo) * (j + 0.5) / G);
            grid[(i * G + j) * 2 + 1] = (float)(hi - (hi - lo) * (i + 0.5) / G);
        }
    if (!rc) rc = tgdp_gmm_log_prob(&Q, 1.0, 0.0, G * G, grid, NULL, dens, err);
    static const unsigned char white[3] = {255, 255, 255}, black[3] = {0, 0, 0}, red[3] = {230, 40, 40};
    for (int ni = 0; !rc && ni < r->c->n_count; ni++) {
        tgdp_canvas cv;
        if ((rc = tgdp_canvas_init(&cv, cols * (P + pad) + pad, rows * (P + 2 * pad) + 2 * pad, err))) break;
        char title[96];
        snprintf(title, sizeof title, "TGDP GAUSSIAN MIXTURE, N = %d TARGET SAMPLES (SEED %d)", r->c->n_list[ni], r->c->first_seed);
        tgdp_canvas_text(&cv, pad, 8, title, 2, black);
        for (int m = 0; m < TGDP_M_COUNT; m++) {
            int x0 = pad + (m % cols) * (P + pad), y0 = 2 * pad + (m / cols) * (P + 2 * pad) + 14;
            tgdp_canvas_heat(&cv, x0, y0, P, P, dens, G, G, -8, 1);
            if (r->o->samples[ni][m])
                tgdp_canvas_scatter(&cv, x0, y0, P, P, r->o->samples[ni][m], r->c->n_eval > 1000 ? 1000 : r->c->n_eval,
                                    lo, hi, lo, hi, red);
            tgdp_canvas_rect(&cv, x0, y0, P, P, black);
            tgdp_canvas_text(&cv, x0, y0 - 14, tgdp_method_names[m], 1, black);
        }
        (void)white;
        char path[4096];
        snprintf(path, sizeof path, "%s/samples_n%d.png", dir, r->c->n_list[ni]);
        rc = tgdp_canvas_write_png(&cv, path, err);
        tgdp_canvas_free(&cv);
    }
    free(dens);
    free(grid);
    tgdp_gmm_free(&Q);
    return rc;
}

static int parse_n_list(const char *s, tgdp_gmm_demo_config *c)
{
    int k = 0;
    const char *p = s;
    while (*p && k < 8) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 2 || v > 1000) return -1;
        c->n_list[k++] = (int)v;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') return -1;
    }
    if (*p || k == 0) return -1;
    c->n_count = k;
    return 0;
}

static int demo_gmm(int argc, char **argv)
{
    const char *cmd = "demo gmm";
    int quick = 0, quiet = 0, threads = 0, seeds = -1, steps_scale_pct = 100, bregman = -1, normalize = -1, hexp = -1;
    const char *out = "out/gmm", *ns = NULL, *sampler = NULL;
    double wd = -1, ls = -1, twd = -1, tls = -1, tgp = -1, wdom = -1, tema = -1, tcurv = -1, tccurv = -1;
    int first_seed = 0, tgp_data = -1, sample_steps = -1;
    const char *estimator = NULL, *eps_hidden = NULL, *tcls_hidden = NULL;
    int eps_steps = -1, tcls_steps = -1;
    cli_opt opts[] = {
        {"out", OPT_STRING, &out, "out/gmm", "output directory for results.json, results.md and PNG plots", 0, -1},
        {"seeds", OPT_INT, &seeds, NULL, "number of seeds (default 3, 1 with --quick)", 1, 100},
        {"first-seed", OPT_INT, &first_seed, "0", "first seed (seeds first-seed .. first-seed + seeds - 1)", 0, 1000000},
        {"n", OPT_STRING, &ns, NULL, "target sizes, comma separated (default 10,100,1000; 10,100 with --quick)", 0, -1},
        {"quick", OPT_FLAG, &quick, NULL, "small networks and fewer steps (for tests)", 0, -1},
        {"steps-scale", OPT_INT, &steps_scale_pct, "100", "percentage applied to every training step count", 1, 10000},
        {"sampler", OPT_STRING, &sampler, "dpm2", "ddpm, ddim, dpm1 or dpm2", 0, -1},
        {"sample-steps", OPT_INT, &sample_steps, "25", "sampler steps (t from 1 to 1e-3)", 1, 10000},
        {"estimator", OPT_STRING, &estimator, "time-classifier",
         "guidance of 'tgdp': time-classifier (log h = -logit c'(x_t,t)) or guidance-net (Algorithm 3)", 0, -1},
        {"eps-hidden", OPT_STRING, &eps_hidden, NULL, "hidden widths of the denoisers (default 128,128,128)", 0, -1},
        {"eps-steps", OPT_INT, &eps_steps, NULL, "training steps of the source and target-only denoisers (default 800)", 1, 10000000},
        {"tcls-hidden", OPT_STRING, &tcls_hidden, NULL, "hidden widths of the time-dependent classifiers (default 128,128,128)", 0, -1},
        {"tcls-steps", OPT_INT, &tcls_steps, NULL, "training steps of the time-dependent classifiers (default 500)", 1, 10000000},
        {"tcls-weight-decay", OPT_DOUBLE, &twd, NULL, "AdamW weight decay of the time-dependent classifiers", 0, 100},
        {"tcls-label-smoothing", OPT_DOUBLE, &tls, NULL, "label smoothing of the time-dependent classifiers", 0, 0.5},
        {"tcls-grad-penalty", OPT_DOUBLE, &tgp, NULL, "input-gradient penalty of the time classifiers, times 1/n (default 0.1)", 0, 1e6},
        {"tcls-gp-data-units", OPT_INT, &tgp_data, NULL, "1: penalty weight 1 (data units) instead of sigma_t^2 (noise units, default)", 0, 1},
        {"tcls-curv-penalty", OPT_DOUBLE, &tcurv, NULL, "curvature penalty of the unconditional time classifier (tgdp) (default 0.1)", 0, 1e6},
        {"tcond-curv-penalty", OPT_DOUBLE, &tccurv, NULL, "curvature penalty of the conditional time classifier (tgdp_cond) (default 1)", 0, 1e6},
        {"tcls-ema", OPT_DOUBLE, &tema, NULL, "EMA decay of the time-dependent classifiers' weights (default 0: none)", 0, 0.99999},
        {"w-domain", OPT_DOUBLE, &wdom, NULL, "domain-guidance scale (default 1.5)", 0, 100},
        {"bregman", OPT_INT, &bregman, NULL, "guidance-net loss: 1 = Bregman h - r log h (default), 0 = squared error", 0, 1},
        {"normalize-r", OPT_INT, &normalize, NULL, "guidance-net: 1 = divide r by its source mean (default)", 0, 1},
        {"h-exp", OPT_INT, &hexp, NULL, "guidance-net: 1 = h = exp(z) (default), 0 = softplus(z)", 0, 1},
        {"cls-weight-decay", OPT_DOUBLE, &wd, NULL, "AdamW weight decay of the domain classifiers", 0, 100},
        {"cls-label-smoothing", OPT_DOUBLE, &ls, NULL, "label smoothing of the domain classifiers", 0, 0.5},
        {"threads", OPT_INT, &threads, "0", "threads (0: all cores)", 0, 1024},
        {"quiet", OPT_FLAG, &quiet, NULL, "no progress lines", 0, -1},
    };
    int pr = cli_parse(cmd, "The Gaussian-mixture transfer comparison: every method for each target size and seed,\n"
                            "measured against the exact target (MMD^2, energy distance, NLL, mode-mass error,\n"
                            "label accuracy, guidance-gradient error).",
                       opts, (int)(sizeof opts / sizeof *opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    tgdp_set_threads(threads);
    tgdp_gmm_demo_config c;
    tgdp_gmm_demo_config_default(&c, quick);
    if (seeds > 0) c.seeds = seeds;
    c.first_seed = first_seed;
    if (sample_steps > 0) c.sample_steps = sample_steps;
    if (tgp_data >= 0) c.tcls_gp_data_units = tgp_data;
    if (tema >= 0) c.tcls_ema = tema;
    if (tcurv >= 0) c.tcls_curv_penalty = tcurv;
    if (tccurv >= 0) c.tcond_curv_penalty = tccurv;
    if (ns && parse_n_list(ns, &c)) return cli_errorf(cmd, "--n '%s': expected sizes in 2..1000 separated by commas", ns), 2;
    tgdp_error err = {0, ""};
    if (sampler && tgdp_sampler_parse(sampler, &c.sampler, &err)) return cli_error(cmd, &err), 2;
    if (bregman >= 0) c.guid_bregman = bregman;
    if (normalize >= 0) c.guid_normalize = normalize;
    if (hexp >= 0) c.guid_exp = hexp;
    if (wd >= 0) c.cls_weight_decay = wd;
    if (twd >= 0) c.tcls_weight_decay = twd;
    if (tls >= 0) c.tcls_label_smoothing = tls;
    if (tgp >= 0) c.tcls_grad_penalty = tgp;
    if (eps_steps > 0) c.eps_steps = eps_steps;
    if (tcls_steps > 0) c.tcls_steps = tcls_steps;
    if ((eps_hidden && snprintf(c.eps_hidden, sizeof c.eps_hidden, "%s", eps_hidden) >= (int)sizeof c.eps_hidden) ||
        (tcls_hidden && snprintf(c.tcls_hidden, sizeof c.tcls_hidden, "%s", tcls_hidden) >= (int)sizeof c.tcls_hidden))
        return cli_errorf(cmd, "--eps-hidden/--tcls-hidden: list too long"), 2;
    if (wdom >= 0) c.w_domain = wdom;
    if (estimator && strcmp(estimator, "time-classifier") == 0) c.estimator = TGDP_EST_TIME_CLASSIFIER;
    else if (estimator && strcmp(estimator, "guidance-net") == 0) c.estimator = TGDP_EST_GUIDANCE_NET;
    else if (estimator) return cli_errorf(cmd, "--estimator: expected time-classifier or guidance-net"), 2;
    if (ls >= 0) c.cls_label_smoothing = ls;
    c.eps_steps = c.eps_steps * steps_scale_pct / 100 + 1;
    c.cls_steps = c.cls_steps * steps_scale_pct / 100 + 1;
    c.tcls_steps = c.tcls_steps * steps_scale_pct / 100 + 1;
    c.guid_steps = c.guid_steps * steps_scale_pct / 100 + 1;
    c.ft_steps = c.ft_steps * steps_scale_pct / 100 + 1;
    c.log = log_line;
    c.log_ctx = &quiet;
    if (tgdp_mkdir_p(out, &err)) return cli_error(cmd, &err);
    time_t t0 = time(NULL);
    tgdp_gmm_demo_output o;
    if (tgdp_gmm_demo_run(&c, &o, &err)) {
        tgdp_gmm_demo_output_free(&o);
        return cli_error(cmd, &err);
    }
    report r = {&c, &o};
    print_table(stdout, &r, 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/results.json", out);
    int rc = tgdp_atomic_write(path, write_json, &r, &err);
    if (!rc) {
        snprintf(path, sizeof path, "%s/results.md", out);
        rc = tgdp_atomic_write(path, write_md, &r, &err);
    }
    if (!rc) rc = write_plots(out, &r, &err);
    tgdp_gmm_demo_output_free(&o);
    if (rc) return cli_error(cmd, &err);
    printf("\nwrote %s/results.json, results.md and samples_n*.png in %ld s\n", out, (long)(time(NULL) - t0));
    return 0;
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
    int m = 10000, n = 100, seed = 0;
    cli_opt opts[] = {
        {"out", OPT_STRING, &out, "gmm-data", "output directory", 0, -1},
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
    if (tgdp_gmm_demo_source(&g[0], &err) || tgdp_gmm_demo_target(&g[1], &err)) return cli_error(cmd, &err);
    int rc = 0;
    tgdp_rng base = tgdp_rng_new((uint64_t)seed);
    for (int k = 0; k < 2 && !rc; k++) {
        int cnt = k ? n : m;
        float *x = malloc((size_t)cnt * 2 * sizeof *x);
        int *l = malloc((size_t)cnt * sizeof *l);
        int64_t *l64 = malloc((size_t)cnt * sizeof *l64);
        tgdp_rng r = tgdp_rng_split(&base, (uint64_t)k);
        char path[4096];
        int64_t shape[2] = {cnt, 2};
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

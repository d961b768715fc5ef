/* tgdp demo ecg: the ECG transfer comparison on real records (tgdp/ecg_demo.h). Prints the
 * table (mean ± sd over folds x seeds), writes results.json, results.md and one 12-lead PNG
 * per method (real held-out target windows next to generated ones). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "tgdp/ecg.h"
#include "tgdp/ecg_demo.h"
#include "tgdp/io.h"
#include "tgdp/ecg_plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const CMD = "demo ecg";

static void log_line(void *ctx, const char *msg)
{
    if (!*(int *)ctx) fprintf(stderr, "[demo ecg] %s\n", msg);
}

typedef struct report {
    const tgdp_ecg_demo_config *c;
    const tgdp_ecg_demo_output *o;
    const char *data;
    tgdp_ecg_eval_summary sm[TGDP_ECG_M_COUNT];
} report;

static void summarize(report *r)
{
    tgdp_ecg_eval_result *tmp = malloc((size_t)(r->o->n_results ? r->o->n_results : 1) * sizeof *tmp);
    for (int m = 0; m < TGDP_ECG_M_COUNT; m++) {
        int k = 0;
        for (int i = 0; tmp && i < r->o->n_results; i++)
            if (r->o->results[i].method == m) tmp[k++] = r->o->results[i].r;
        tgdp_ecg_eval_summarize(tmp, k, &r->sm[m]);
    }
    free(tmp);
}

static void json_num(FILE *f, double v)
{
    if (isnan(v) || isinf(v)) fputs("null", f);
    else fprintf(f, "%.6g", v);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

static void json_stat(FILE *f, const char *name, tgdp_stat s)
{
    fprintf(f, "\"%s\": {\"mean\": ", name);
    json_num(f, s.mean);
    fputs(", \"sd\": ", f);
    json_num(f, s.sd);
    fprintf(f, ", \"n\": %d}", s.n);
}

static int write_json(FILE *f, void *ctx)
{
    const report *r = ctx;
    const tgdp_ecg_demo_config *c = r->c;
    const tgdp_ecg_demo_output *o = r->o;
    fputs("{\n  \"experiment\": \"ecg\",\n  \"data\": ", f);
    json_str(f, r->data);
    fputs(",\n  \"source_dbs\": ", f);
    json_str(f, c->source_dbs);
    fputs(", \"target_dbs\": ", f);
    json_str(f, c->target_dbs);
    fprintf(f, ",\n  \"source_windows\": %lld, \"source_records\": %zu, \"target_windows\": %lld, \"target_records\": %zu,"
               " \"skipped_records\": %lld, \"window\": %lld, \"rate_hz\": %g,\n",
            (long long)o->n_source, o->source_records, (long long)o->n_target, o->target_records, (long long)o->skipped,
            (long long)o->window, c->prep.fs);
    fputs("  \"classes\": [", f);
    for (int j = 0; j < o->n_classes; j++) {
        const char *nm = o->class_label[j] >= 0 ? tgdp_ecg_label_name(o->class_label[j]) : "other";
        fprintf(f, "%s\"%s\"", j ? ", " : "", nm ? nm : "?");
    }
    fprintf(f, "],\n  \"folds\": %d, \"seeds\": %d, \"n_gen\": %d, \"sampler\": \"%s\", \"sample_steps\": %d,\n",
            c->folds, c->seeds, c->n_gen, tgdp_sampler_name(c->sampler), c->sample_steps);
    fputs("  \"eps_arch\": ", f);
    json_str(f, c->eps_arch);
    fputs(", \"cls_arch\": ", f);
    json_str(f, c->cls_arch);
    fputs(", \"eps_hidden\": ", f);
    json_str(f, c->eps_hidden);
    fprintf(f, ", \"conv_width\": %d", c->conv_width);
    fprintf(f, ", \"eps_steps\": %lld, \"target_steps\": %lld, \"ft_steps\": %lld, \"tcls_steps\": %lld, \"guid_steps\": %lld,\n",
            (long long)c->eps_steps, (long long)c->target_steps, (long long)c->ft_steps, (long long)c->tcls_steps,
            (long long)c->guid_steps);
    fprintf(f, "  \"batch\": %d, \"target_batch\": %d, \"eps_ema\": %g, \"source_per_seed\": %s,\n", c->batch,
            c->target_batch, c->eps_ema, c->source_per_seed ? "true" : "false");
    fprintf(f, "  \"seconds\": %.1f,\n  \"summary\": {", o->seconds_total);
    for (int m = 0; m < TGDP_ECG_M_COUNT; m++) {
        fprintf(f, "%s\n    \"%s\": {", m ? "," : "", tgdp_ecg_method_names[m]);
        json_stat(f, "c2st_auroc", r->sm[m].c2st_auroc);
        fputs(", ", f);
        json_stat(f, "feature_distance", r->sm[m].feature_distance);
        fputs(", ", f);
        json_stat(f, "mmd2", r->sm[m].mmd2);
        fputs(", ", f);
        json_stat(f, "tstr_macro_auroc", r->sm[m].tstr_macro_auroc);
        fputs(", ", f);
        json_stat(f, "trtr_macro_auroc", r->sm[m].trtr_macro_auroc);
        fputs("}", f);
    }
    fputs("\n  },\n  \"results\": [", f);
    for (int i = 0; i < o->n_results; i++) {
        const tgdp_ecg_demo_result *x = &o->results[i];
        fprintf(f, "%s\n    {\"method\": \"%s\", \"fold\": %d, \"seed\": %d, \"c2st_auroc\": ", i ? "," : "",
                tgdp_ecg_method_names[x->method], x->fold, x->seed);
        json_num(f, x->r.c2st_auroc);
        fputs(", \"feature_distance\": ", f);
        json_num(f, x->r.feature_distance);
        fputs(", \"mmd2\": ", f);
        json_num(f, x->r.mmd2);
        fputs(", \"tstr_macro_auroc\": ", f);
        json_num(f, x->r.tstr_macro_auroc);
        fputs(", \"trtr_macro_auroc\": ", f);
        json_num(f, x->r.trtr_macro_auroc);
        fprintf(f, ", \"n_gen\": %lld, \"n_real_test\": %lld, \"n_real_train\": %lld}", (long long)x->r.n_gen,
                (long long)x->r.n_real_test, (long long)x->r.n_real_train);
    }
    fputs("\n  ]\n}\n", f);
    return ferror(f) ? -1 : 0;
}

static void cell(char *buf, size_t cap, tgdp_stat s, const char *fmt)
{
    char a[24], b[24];
    if (!s.n) {
        snprintf(buf, cap, "-");
        return;
    }
    snprintf(a, sizeof a, fmt, s.mean);
    snprintf(b, sizeof b, fmt, s.sd);
    snprintf(buf, cap, "%s ± %s", a, b);
}

static void print_table(FILE *f, const report *r, int md)
{
    static const char *const head[] = {"c2st_auroc (0.5 best)", "feature_distance", "mmd2", "tstr_macro_auroc"};
    if (md) {
        fputs("| method |", f);
        for (int k = 0; k < 4; k++) fprintf(f, " %s |", head[k]);
        fputs("\n|---|---|---|---|---|\n", f);
    } else {
        fprintf(f, "%-16s", "method");
        for (int k = 0; k < 4; k++) fprintf(f, " %22s", head[k]);
        fputc('\n', f);
    }
    for (int m = 0; m < TGDP_ECG_M_COUNT; m++) {
        const tgdp_ecg_eval_summary *s = &r->sm[m];
        char c[4][64];
        cell(c[0], sizeof c[0], s->c2st_auroc, "%.3f");
        cell(c[1], sizeof c[1], s->feature_distance, "%.2f");
        cell(c[2], sizeof c[2], s->mmd2, "%.3f");
        cell(c[3], sizeof c[3], s->tstr_macro_auroc, "%.3f");
        if (md) fprintf(f, "| %s | %s | %s | %s | %s |\n", tgdp_ecg_method_names[m], c[0], c[1], c[2], c[3]);
        else fprintf(f, "%-16s %22s %22s %22s %22s\n", tgdp_ecg_method_names[m], c[0], c[1], c[2], c[3]);
    }
    char t[64];
    cell(t, sizeof t, r->sm[0].trtr_macro_auroc, "%.3f");
    fprintf(f, md ? "\nReference: a classifier trained on the real target training windows (TRTR) reaches macro-AUROC %s.\n"
                  : "(TRTR reference, trained on the real target training windows: macro-AUROC %s)\n",
            t);
}

static int write_md(FILE *f, void *ctx)
{
    const report *r = ctx;
    const tgdp_ecg_demo_output *o = r->o;
    fprintf(f, "# TGDP on ECG: %s -> %s\n\n", r->c->source_dbs, r->c->target_dbs);
    fprintf(f, "Source %lld windows (%zu records), target %lld windows (%zu records), windows of 12 x %lld at %g Hz; "
               "%d folds of target records x %d seeds; %d generated windows per method and fold (%s, %d steps). "
               "Mean ± sd over folds x seeds; every metric against the held-out target records of the fold.\n\n",
            (long long)o->n_source, o->source_records, (long long)o->n_target, o->target_records, (long long)o->window,
            r->c->prep.fs, r->c->folds, r->c->seeds, r->c->n_gen, tgdp_sampler_name(r->c->sampler), r->c->sample_steps);
    print_table(f, r, 1);
    fprintf(f, "\nRun time %.0f s.\n", o->seconds_total);
    return ferror(f) ? -1 : 0;
}

/* one PNG per method: 12 rows (leads), real held-out windows (black) then generated ones (red) */
static int write_plots(const char *dir, const report *r, tgdp_error *err)
{
    const tgdp_ecg_demo_output *o = r->o;
    const int64_t L = o->window, d = 12 * L;
    const int ncol = o->n_plot_real + o->n_plot;
    tgdp_ecg_plot_column cols[64];
    char labels[64][32];
    if (ncol > 64) return tgdp_fail(err, TGDP_EINVAL, "demo ecg: %d plot columns (at most 64)", ncol);
    int rc = 0;
    for (int m = 0; m < TGDP_ECG_M_COUNT && !rc; m++) {
        if (!o->plot_gen[m]) continue;
        for (int j = 0; j < ncol; j++) {
            int real = j < o->n_plot_real;
            if (real) {
                snprintf(labels[j], sizeof labels[j], "REAL %d", j + 1);
            } else {
                int li = o->class_label[o->plot_gen_class[m][j - o->n_plot_real]];
                snprintf(labels[j], sizeof labels[j], "GEN Y=%s", li >= 0 ? tgdp_ecg_label_name(li) : "OTHER");
            }
            cols[j].window = real ? o->plot_real + (size_t)(j * d) : o->plot_gen[m] + (size_t)((j - o->n_plot_real) * d);
            cols[j].label = labels[j];
            cols[j].generated = !real;
        }
        char title[200], path[4200];
        snprintf(title, sizeof title, "%s: REAL HELD-OUT TARGET (BLACK)  VS  GENERATED (RED), SEED 0 FOLD 1",
                 tgdp_ecg_method_names[m]);
        snprintf(path, sizeof path, "%s/ecg_%s.png", dir, tgdp_ecg_method_names[m]);
        rc = tgdp_ecg_plot_png(path, title, L, cols, ncol, err);
    }
    return rc;
}

static int set_str(char *dst, size_t cap, const char *v, const char *opt)
{
    if (!v) return 0;
    if (snprintf(dst, cap, "%s", v) >= (int)cap) return cli_errorf(CMD, "--%s: too long", opt), -1;
    return 0;
}

int cmd_demo_ecg(int argc, char **argv)
{
    int quick = 0, quiet = 0, threads = 0, folds = 0, seeds = 0, max_records = -1, n_gen = 0, seed = 0, width = 0;
    int steps_scale = 100, source_per_seed = 0, target_records = 0;
    double window_s = 0;
    const char *data = NULL, *out = "out/ecg", *src_dbs = NULL, *tgt_dbs = NULL, *eps_arch = NULL, *cls_arch = NULL;
    const char *eps_hidden = NULL;
    cli_opt opts[] = {
        {"data", OPT_STRING, &data, NULL, "folder holding the database folders (as for tgdp ecg prepare; required)", 0, -1},
        {"out", OPT_STRING, &out, "out/ecg", "output folder for results.json, results.md and the PNG plots", 0, -1},
        {"quick", OPT_FLAG, &quick, NULL, "the small configuration of the test suite (3 folds, 1 seed, 20 records per database, MLP denoisers)", 0, -1},
        {"folds", OPT_INT, &folds, NULL, "folds of target records (default 3)", 2, 1000},
        {"seeds", OPT_INT, &seeds, NULL, "seeds (default 2, 1 with --quick)", 1, 100},
        {"seed", OPT_INT, &seed, "0", "base seed", 0, 2147483647},
        {"source-dbs", OPT_STRING, &src_dbs, "ludb,ptbxl,georgia", "source databases (names or folders under --data)", 0, -1},
        {"target-dbs", OPT_STRING, &tgt_dbs, "ningbo,cpsc2018", "target databases", 0, -1},
        {"max-records", OPT_INT, &max_records, NULL, "records per database (default all, 20 with --quick)", 0, 2147483647},
        {"window-s", OPT_DOUBLE, &window_s, "2.5", "window length in seconds at 100 Hz, no overlap (10: 1000 samples, the paper's)", 0.1, 60},
        {"target-records", OPT_INT, &target_records, "0", "target records in all, a random choice by --seed (0: all; the paper: ~690, 10% of CPSC 2018)", 0, 2147483647},
        {"eps-arch", OPT_STRING, &eps_arch, NULL, "denoiser architecture: unet1d (with the input skip) or mlp (default unet1d, mlp with --quick)", 0, -1},
        {"cls-arch", OPT_STRING, &cls_arch, "mlp", "classifier and guidance architecture: mlp or resnet1d", 0, -1},
        {"conv-width", OPT_INT, &width, NULL, "base width of the convolutional archs (default 16)", 1, 1024},
        {"eps-hidden", OPT_STRING, &eps_hidden, NULL, "MLP denoiser widths (default 256,256,256; 128,128 with --quick)", 0, -1},
        {"steps-scale", OPT_INT, &steps_scale, "100", "percentage applied to every training step count", 1, 10000},
        {"n-gen", OPT_INT, &n_gen, NULL, "generated windows per method and fold (default 96, 48 with --quick)", 8, 1000000},
        {"source-per-seed", OPT_FLAG, &source_per_seed, NULL, "train a source denoiser per seed (default: one pre-trained source model shared by the seeds, as the method assumes)", 0, -1},
        {"threads", OPT_INT, &threads, "0", "threads (0: all cores)", 0, 1024},
        {"quiet", OPT_FLAG, &quiet, NULL, "no progress lines", 0, -1},
    };
    int pr = cli_parse(CMD,
                       "The ECG transfer comparison on real records: prepare the source and target windows, then for\n"
                       "every seed and fold of target records (split by record) train source only, target only,\n"
                       "fine-tune, domain guidance, TGDP (time-dependent classifier guidance), TGDP + regularisers\n"
                       "(Alg 4 guidance network) and conditional TGDP on source + the fold's training records,\n"
                       "generate label-conditional windows and measure them against the held-out records: C2ST AUROC\n"
                       "(0.5 best), Frechet distance and MMD^2 in a source classifier's feature space, TSTR\n"
                       "macro-AUROC. Writes results.json, results.md and ecg_<method>.png to --out.",
                       opts, (int)(sizeof opts / sizeof *opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if (!data) return cli_errorf(CMD, "--data DIR is required (a folder laid out like ../shared/data/ecg)"), 2;
    struct stat st;
    if (stat(data, &st) || !S_ISDIR(st.st_mode)) return cli_errorf(CMD, "--data %s: no such folder", data), 1;
    tgdp_set_threads(threads);
    tgdp_ecg_demo_config c;
    tgdp_ecg_demo_config_default(&c, quick);
    if (folds) c.folds = folds;
    if (seeds) c.seeds = seeds;
    if (max_records >= 0) c.max_records = max_records;
    c.target_records = target_records;
    if (window_s > 0) c.prep.window = c.prep.stride = (int64_t)llround(window_s * c.prep.fs);
    if (n_gen) c.n_gen = n_gen;
    if (width) c.conv_width = width;
    if (source_per_seed) c.source_per_seed = 1;
    c.seed = (uint64_t)seed;
    if (set_str(c.source_dbs, sizeof c.source_dbs, src_dbs, "source-dbs") ||
        set_str(c.target_dbs, sizeof c.target_dbs, tgt_dbs, "target-dbs") ||
        set_str(c.eps_arch, sizeof c.eps_arch, eps_arch, "eps-arch") ||
        set_str(c.cls_arch, sizeof c.cls_arch, cls_arch, "cls-arch") ||
        set_str(c.eps_hidden, sizeof c.eps_hidden, eps_hidden, "eps-hidden"))
        return 2;
    if (eps_arch && strcmp(eps_arch, "mlp") && strcmp(eps_arch, "unet1d"))
        return cli_errorf(CMD, "--eps-arch: expected mlp or unet1d, got '%s'", eps_arch), 2;
    if (cls_arch && strcmp(cls_arch, "mlp") && strcmp(cls_arch, "resnet1d"))
        return cli_errorf(CMD, "--cls-arch: expected mlp or resnet1d, got '%s'", cls_arch), 2;
    int64_t *steps[] = {&c.eps_steps, &c.target_steps, &c.ft_steps, &c.cls_steps, &c.tcls_steps, &c.guid_steps};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) *steps[i] = *steps[i] * steps_scale / 100 + 1;
    c.log = log_line;
    c.log_ctx = &quiet;
    tgdp_error err = {0, ""};
    if (tgdp_mkdir_p(out, &err)) return cli_error(CMD, &err);
    tgdp_ecg_demo_output o;
    if (tgdp_ecg_demo_run(&c, data, &o, &err)) {
        tgdp_ecg_demo_output_free(&o);
        return cli_error(CMD, &err);
    }
    report r;
    memset(&r, 0, sizeof r);
    r.c = &c;
    r.o = &o;
    r.data = data;
    summarize(&r);
    printf("\nECG transfer %s -> %s: %d folds x %d seeds, mean ± sd against held-out target records\n", c.source_dbs,
           c.target_dbs, c.folds, c.seeds);
    print_table(stdout, &r, 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/results.json", out);
    int rc = tgdp_atomic_write(path, write_json, &r, &err);
    if (!rc) {
        snprintf(path, sizeof path, "%s/results.md", out);
        rc = tgdp_atomic_write(path, write_md, &r, &err);
    }
    if (!rc) rc = write_plots(out, &r, &err);
    double secs = o.seconds_total;
    tgdp_ecg_demo_output_free(&o);
    if (rc) return cli_error(CMD, &err);
    printf("\nwrote %s/results.json, results.md and ecg_<method>.png in %.0f s\n", out, secs);
    return 0;
}

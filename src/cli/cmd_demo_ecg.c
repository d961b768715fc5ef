/* tgdp demo ecg: the ECG transfer comparison on real records (tgdp/ecg_demo.h). Prints the
 * table (mean ± sd over folds x seeds), writes results.json, results.md and one 12-lead PNG
 * per method (real held-out target windows next to generated ones). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "tgdp/ecg.h"
#include "tgdp/ecg_demo.h"
#include "tgdp/io.h"
#include "tgdp/json.h"
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
    tgdp_ecg_eval_summary src; /* the source model against held-out source records */
    /* every method against each baseline on the compared metrics, paired by (seed, fold) */
    tgdp_paired_stats cmp[2][TGDP_ECG_M_COUNT][TGDP_ECG_N_COMPARE];
    /* every method's generated windows as extra training data: aug_* - real_only_* of the same run */
    tgdp_paired_stats gain[TGDP_ECG_M_COUNT][TGDP_ECG_N_COMPARE]; /* the first 3 columns (AUG) */
} report;

static const int BASELINES[2] = {TGDP_ECG_M_FINETUNE, TGDP_ECG_M_SOURCE_ONLY};
static const int AUG[3] = {TGDP_EM_AUG_MACRO_AUROC, TGDP_EM_AUG_FBETA2, TGDP_EM_AUG_GBETA2};

/* the paired comparisons (2000 bootstrap resamples of the runs, seeded by the demo's seed) */
static int compare(report *r, tgdp_error *err)
{
    for (int b = 0; b < 2; b++)
        for (int m = 0; m < TGDP_ECG_M_COUNT; m++)
            for (int k = 0; k < TGDP_ECG_N_COMPARE; k++) {
                const uint64_t seed = r->c->seed * 7919ULL + (uint64_t)(b * 100 + m * 10 + k);
                int rc = tgdp_ecg_demo_compare(r->o, m, BASELINES[b], tgdp_ecg_compare_metrics[k], 2000, seed,
                                               &r->cmp[b][m][k], err);
                if (rc) return rc;
            }
    for (int m = 0; m < TGDP_ECG_M_COUNT; m++)
        for (int k = 0; k < 3; k++) {
            int rc = tgdp_ecg_demo_compare(r->o, m, TGDP_ECG_BASE_REAL_ONLY, AUG[k], 2000,
                                           r->c->seed * 7919ULL + (uint64_t)(300 + m * 10 + k), &r->gain[m][k], err);
            if (rc) return rc;
        }
    return TGDP_OK;
}

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
    tgdp_ecg_eval_summarize(r->o->source_results, r->o->n_source_results, &r->src);
}

/* "key": {"mean", "sd", "n"} of metric m (the utility metrics with their interval "lo", "hi") */
static void json_stat(tgdp_json *j, int m, const tgdp_ecg_eval_summary *s)
{
    tgdp_json_begin_object(j, tgdp_ecg_metric_key(m));
    tgdp_json_num(j, "mean", s->m[m].mean);
    tgdp_json_num(j, "sd", s->m[m].sd);
    tgdp_json_int(j, "n", s->m[m].n);
    if (m >= TGDP_EM_AUG_MACRO_AUROC) {
        tgdp_json_num(j, "lo", s->lo[m]);
        tgdp_json_num(j, "hi", s->hi[m]);
    }
    tgdp_json_end_object(j);
}

static void write_settings(tgdp_json *j, const report *r)
{
    const tgdp_ecg_demo_config *c = r->c;
    const tgdp_ecg_demo_output *o = r->o;
    tgdp_json_str(j, "data", r->data);
    tgdp_json_str(j, "source_dbs", c->source_dbs);
    tgdp_json_str(j, "target_dbs", c->target_dbs);
    tgdp_json_int(j, "source_windows", o->n_source);
    tgdp_json_int(j, "source_records", (int64_t)o->source_records);
    tgdp_json_int(j, "target_windows", o->n_target);
    tgdp_json_int(j, "target_records", (int64_t)o->target_records);
    tgdp_json_int(j, "skipped_records", o->skipped);
    tgdp_json_int(j, "window", o->window);
    tgdp_json_num(j, "rate_hz", c->prep.fs);
    tgdp_json_int(j, "source_heldout_windows", o->source_heldout_windows);
    tgdp_json_begin_array(j, "classes");
    for (int k = 0; k < o->n_classes; k++) {
        const char *nm = o->class_label[k] >= 0 ? tgdp_ecg_label_name(o->class_label[k]) : "other";
        tgdp_json_str(j, NULL, nm ? nm : "?");
    }
    tgdp_json_end_array(j);
    tgdp_json_int(j, "folds", c->folds);
    tgdp_json_int(j, "seeds", c->seeds);
    tgdp_json_int(j, "n_gen", c->n_gen);
    tgdp_json_str(j, "sampler", tgdp_sampler_name(c->sampler));
    tgdp_json_int(j, "sample_steps", c->sample_steps);
    tgdp_json_str(j, "eps_arch", c->eps_arch);
    tgdp_json_str(j, "cls_arch", c->cls_arch);
    tgdp_json_str(j, "eps_hidden", c->eps_hidden);
    tgdp_json_int(j, "conv_width", c->conv_width);
    tgdp_json_str(j, "eps_mult", c->eps_mult);
    tgdp_json_int(j, "eps_blocks", c->eps_blocks);
    tgdp_json_str(j, "eps_dilation", c->eps_dilation);
    tgdp_json_int(j, "eps_attn", c->eps_attn);
    tgdp_json_num(j, "eps_lr", c->eps_lr > 0 ? c->eps_lr : c->lr);
    const struct { const char *k; int64_t v; } steps[] = {{"eps_steps", c->eps_steps}, {"target_steps", c->target_steps},
        {"ft_steps", c->ft_steps}, {"tcls_steps", c->tcls_steps}, {"guid_steps", c->guid_steps},
        {"utility_steps", c->eval.util.cls.steps}, {"utility_width", c->eval.util.cls.width}};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) tgdp_json_int(j, steps[i].k, steps[i].v);
    tgdp_json_int(j, "batch", c->batch);
    tgdp_json_int(j, "target_batch", c->target_batch);
    tgdp_json_num(j, "eps_ema", c->eps_ema);
    tgdp_json_str(j, "precision", tgdp_precision_name(tgdp_precision_effective(c->precision)));
    tgdp_json_bool(j, "source_per_seed", c->source_per_seed);
    tgdp_json_num(j, "source_holdout", c->source_holdout);
}

/* the source model against the held-out source records: source_c2st_auroc (mean over the source
 * models) and every metric of theirs in "source_model" */
static void write_source(tgdp_json *j, const report *r)
{
    tgdp_json_num(j, "source_c2st_auroc", r->src.m[TGDP_EM_C2ST_AUROC].mean);
    tgdp_json_begin_object(j, "source_model");
    for (int m = 0; m <= TGDP_EM_HF_NOISE_RATIO; m++)
        if (m != TGDP_EM_TSTR_MACRO_AUROC && m != TGDP_EM_TRTR_MACRO_AUROC) json_stat(j, m, &r->src); /* no labels */
    tgdp_json_end_object(j);
}

static void write_result(tgdp_json *j, const tgdp_ecg_demo_result *x)
{
    char key[64];
    tgdp_json_begin_object(j, NULL);
    tgdp_json_str(j, "method", tgdp_ecg_method_names[x->method]);
    tgdp_json_int(j, "fold", x->fold);
    tgdp_json_int(j, "seed", x->seed);
    for (int k = 0; k < TGDP_EM_COUNT; k++) {
        int um = 0;
        const tgdp_utility_result *u = tgdp_ecg_metric_utility(&x->r, k, &um);
        tgdp_json_num(j, tgdp_ecg_metric_key(k), tgdp_ecg_metric_value(&x->r, k));
        if (!u) continue;
        snprintf(key, sizeof key, "%s_lo", tgdp_ecg_metric_key(k));
        tgdp_json_num(j, key, u->lo[um]);
        snprintf(key, sizeof key, "%s_hi", tgdp_ecg_metric_key(k));
        tgdp_json_num(j, key, u->hi[um]);
    }
    tgdp_json_int(j, "n_gen", x->r.n_gen);
    tgdp_json_int(j, "n_real_test", x->r.n_real_test);
    tgdp_json_int(j, "n_real_train", x->r.n_real_train);
    tgdp_json_end_object(j);
}

static void write_comparison(tgdp_json *j, int m, const char *base, int metric, const tgdp_paired_stats *p)
{
    tgdp_json_begin_object(j, NULL);
    tgdp_json_str(j, "method", tgdp_ecg_method_names[m]);
    tgdp_json_str(j, "baseline", base);
    tgdp_json_str(j, "metric", tgdp_ecg_metric_key(metric));
    tgdp_json_int(j, "n", p->n);
    tgdp_json_paired(j, p);
    tgdp_json_end_object(j);
}

/* "comparisons": [{method, baseline, metric, n, mean_diff, ci_low, ci_high, p_wilcoxon, win_rate}];
 * baseline "real_only": the aug_* metric against the same run's real_only_* */
static void write_comparisons(tgdp_json *j, const report *r)
{
    tgdp_json_begin_array(j, "comparisons");
    for (int b = 0; b < 2; b++)
        for (int m = 0; m < TGDP_ECG_M_COUNT; m++)
            for (int k = 0; k < TGDP_ECG_N_COMPARE && m != BASELINES[b]; k++)
                write_comparison(j, m, tgdp_ecg_method_names[BASELINES[b]], tgdp_ecg_compare_metrics[k], &r->cmp[b][m][k]);
    for (int m = 0; m < TGDP_ECG_M_COUNT; m++)
        for (int k = 0; k < 3; k++) write_comparison(j, m, "real_only", AUG[k], &r->gain[m][k]);
    tgdp_json_end_array(j);
}

/* results.json: settings, the source model, the real-only reference, per method the mean/sd/n
 * (lo/hi) of every metric, and one line per (method, fold, seed) */
static int write_json(FILE *f, void *ctx)
{
    const report *r = ctx;
    const tgdp_ecg_demo_output *o = r->o;
    tgdp_json j;
    tgdp_json_init(&j, f, 2);
    tgdp_json_begin_object(&j, NULL);
    tgdp_json_str(&j, "experiment", "ecg");
    write_settings(&j, r);
    tgdp_json_num(&j, "seconds", o->seconds_total);
    write_source(&j, r);
    tgdp_json_begin_object(&j, "reference"); /* real_only_*: the same for every method */
    for (int k = TGDP_EM_REAL_ONLY_MACRO_AUROC; k < TGDP_EM_COUNT; k++) json_stat(&j, k, &r->sm[0]);
    tgdp_json_end_object(&j);
    tgdp_json_begin_object(&j, "summary");
    for (int m = 0; m < TGDP_ECG_M_COUNT; m++) {
        tgdp_json_begin_object(&j, tgdp_ecg_method_names[m]);
        for (int k = 0; k < TGDP_EM_COUNT; k++) json_stat(&j, k, &r->sm[m]);
        tgdp_json_end_object(&j);
    }
    tgdp_json_end_object(&j);
    write_comparisons(&j, r);
    tgdp_json_begin_array(&j, "results");
    for (int i = 0; i < o->n_results; i++) write_result(&j, &o->results[i]);
    tgdp_json_end_array(&j);
    tgdp_json_end_object(&j);
    tgdp_json_finish(&j);
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

/* one table of the given metrics, a row per method (md: Markdown) */
typedef struct table_col {
    int metric;
    const char *head, *fmt;
} table_col;

/* mean [lo, hi] */
static void cell_interval(char *buf, size_t cap, const tgdp_ecg_eval_summary *s, int m, const char *fmt)
{
    char a[24], lo[24], hi[24];
    if (!s->m[m].n) {
        snprintf(buf, cap, "-");
        return;
    }
    snprintf(a, sizeof a, fmt, s->m[m].mean);
    snprintf(lo, sizeof lo, fmt, s->lo[m]);
    snprintf(hi, sizeof hi, fmt, s->hi[m]);
    snprintf(buf, cap, "%s [%s, %s]", a, lo, hi);
}

static void print_metrics(FILE *f, const report *r, int md, const table_col *cols, int nc)
{
    if (md) {
        fputs("| method |", f);
        for (int k = 0; k < nc; k++) fprintf(f, " %s |", cols[k].head);
        fputs("\n|---|", f);
        for (int k = 0; k < nc; k++) fputs("---|", f);
        fputc('\n', f);
    } else {
        fprintf(f, "%-16s", "method");
        for (int k = 0; k < nc; k++) fprintf(f, " %22s", cols[k].head);
        fputc('\n', f);
    }
    for (int m = 0; m < TGDP_ECG_M_COUNT; m++) {
        fprintf(f, md ? "| %s |" : "%-16s", tgdp_ecg_method_names[m]);
        for (int k = 0; k < nc; k++) {
            char c[96];
            if (cols[k].metric >= TGDP_EM_AUG_MACRO_AUROC) cell_interval(c, sizeof c, &r->sm[m], cols[k].metric, cols[k].fmt);
            else cell(c, sizeof c, r->sm[m].m[cols[k].metric], cols[k].fmt);
            fprintf(f, md ? " %s |" : " %22s", c);
        }
        fputc('\n', f);
    }
}

/* one table of paired differences: a row per method but `skip`, a column per metric (st[m][k]) */
static void print_paired(FILE *f, int md, const char *title, const int *metrics, int nk, int skip,
                         const tgdp_paired_stats (*st)[TGDP_ECG_N_COMPARE])
{
    fprintf(f, "\n%s\n%s", title, md ? "\n| method |" : "");
    if (!md) fprintf(f, "%-16s", "method");
    for (int k = 0; k < nk; k++) fprintf(f, md ? " %s |" : " %26s", tgdp_ecg_metric_key(metrics[k]));
    if (md) {
        fputs("\n|---|", f);
        for (int k = 0; k < nk; k++) fputs("---|", f);
    }
    fputc('\n', f);
    for (int m = 0; m < TGDP_ECG_M_COUNT; m++) {
        if (m == skip) continue;
        fprintf(f, md ? "| %s |" : "%-16s", tgdp_ecg_method_names[m]);
        for (int k = 0; k < nk; k++) {
            const tgdp_paired_stats *p = &st[m][k];
            const char *fmt = metrics[k] == TGDP_EM_HR_W1 ? "%+.1f [%+.1f, %+.1f]" : "%+.3f [%+.3f, %+.3f]";
            char c[96];
            if (p->n) snprintf(c, sizeof c, fmt, p->mean_diff, p->ci_low, p->ci_high);
            else snprintf(c, sizeof c, "-");
            fprintf(f, md ? " %s |" : " %26s", c);
        }
        fputc('\n', f);
    }
}

/* per baseline, a row per other method: value(method) - value(baseline) [95% interval] per metric;
 * then every method's windows as extra training data against the real windows alone */
static void print_comparisons(FILE *f, const report *r, int md)
{
    char title[400];
    for (int b = 0; b < 2; b++) {
        const char *bn = tgdp_ecg_method_names[BASELINES[b]];
        snprintf(title, sizeof title,
                 "Paired against %s (the same seed and fold): method - %s, mean [95%% bootstrap interval] over the "
                 "runs; lower is better for c2st_auroc, mmd2 and hr_w1, higher for tstr and aug macro-AUROC.",
                 bn, bn);
        print_paired(f, md, title, tgdp_ecg_compare_metrics, TGDP_ECG_N_COMPARE, BASELINES[b], r->cmp[b]);
    }
    print_paired(f, md,
                 "The utility of the generated windows: the classifier trained on real + the method's windows minus "
                 "the one trained on the real windows alone, in the same run (aug - real_only), mean [95% bootstrap "
                 "interval] over the runs; higher is better.",
                 AUG, 3, -1, r->gain);
}

static void print_table(FILE *f, const report *r, int md)
{
    static const table_col dist[] = {{TGDP_EM_C2ST_AUROC, "c2st_auroc (0.5 best)", "%.3f"},
                                     {TGDP_EM_FEATURE_DISTANCE, "feature_distance", "%.2f"},
                                     {TGDP_EM_MMD2, "mmd2", "%.3f"},
                                     {TGDP_EM_TSTR_MACRO_AUROC, "tstr_macro_auroc", "%.3f"}};
    static const table_col real[] = {{TGDP_EM_BEAT_FRACTION, "beat_fraction", "%.2f"},
                                     {TGDP_EM_HR_W1, "hr_w1 (bpm)", "%.1f"},
                                     {TGDP_EM_RR_CV, "rr_cv", "%.3f"},
                                     {TGDP_EM_HF_NOISE_RATIO, "hf_noise_ratio (1 best)", "%.2f"}};
    print_metrics(f, r, md, dist, 4);
    char t[64];
    cell(t, sizeof t, r->sm[0].m[TGDP_EM_TRTR_MACRO_AUROC], "%.3f");
    fprintf(f, md ? "\nReference: a classifier trained on the real target training windows (TRTR) reaches macro-AUROC %s.\n\n"
                  : "(TRTR reference, trained on the real target training windows: macro-AUROC %s)\n\n",
            t);
    print_metrics(f, r, md, real, 4);
    char b[64], c[64], s2[64];
    cell(b, sizeof b, r->sm[0].m[TGDP_EM_REAL_BEAT_FRACTION], "%.2f");
    cell(c, sizeof c, r->sm[0].m[TGDP_EM_REAL_RR_CV], "%.3f");
    cell(s2, sizeof s2, r->src.m[TGDP_EM_C2ST_AUROC], "%.3f");
    fprintf(f, md ? "\nThe held-out real target windows: beat_fraction %s, rr_cv %s. The source model against held-out "
                    "source records: source_c2st_auroc %s.\n\n"
                  : "(held-out real target windows: beat_fraction %s, rr_cv %s; source model vs held-out source "
                    "records: source_c2st_auroc %s)\n\n",
            b, c, s2);
    static const table_col util[] = {{TGDP_EM_AUG_MACRO_AUROC, "aug_macro_auroc", "%.3f"},
                                     {TGDP_EM_AUG_FBETA2, "aug_fbeta2", "%.3f"},
                                     {TGDP_EM_AUG_GBETA2, "aug_gbeta2", "%.3f"}};
    print_metrics(f, r, md, util, 3);
    char u[3][96];
    for (int k = 0; k < 3; k++) cell_interval(u[k], sizeof u[k], &r->sm[0], TGDP_EM_REAL_ONLY_MACRO_AUROC + k, "%.3f");
    fprintf(f, md ? "\nUtility: a 1-D ResNet trained on the real target training windows plus the method's generated "
                    "windows, tested on the held-out records (mean over folds x seeds [bootstrap 5-95%% interval over "
                    "the test records]). Reference, trained on the real windows alone: real_only_macro_auroc %s, "
                    "real_only_fbeta2 %s, real_only_gbeta2 %s.\n"
                  : "(utility reference, trained on the real target training windows alone: real_only_macro_auroc %s, "
                    "real_only_fbeta2 %s, real_only_gbeta2 %s)\n",
            u[0], u[1], u[2]);
    print_comparisons(f, r, md);
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

typedef struct demo_args {
    int quick, quiet, threads, folds, seeds, max_records, target_records, n_gen, seed, width, steps_scale, source_per_seed;
    int eps_blocks, eps_attn, eps_steps;
    double eps_ema;
    double holdout, window_s, eps_lr;
    const char *data, *out, *src_dbs, *tgt_dbs, *eps_arch, *cls_arch, *eps_hidden, *eps_mult, *eps_dilation;
    const char *gemm, *precision; /* --gemm, --precision */
} demo_args;

static const char *const SUMMARY =
    "The ECG transfer comparison on real records: prepare the source and target windows, then for\n"
    "every seed and fold of target records (split by record) train source only, target only,\n"
    "fine-tune, domain guidance, TGDP (time-dependent classifier guidance), TGDP + regularisers\n"
    "(Alg 4 guidance network) and conditional TGDP on source + the fold's training records,\n"
    "generate label-conditional windows and measure them against the held-out records: C2ST AUROC\n"
    "(0.5 best), Frechet distance and MMD^2 in a source classifier's feature space, TSTR\n"
    "macro-AUROC, and realism (beat_fraction, hr_w1, rr_cv, hf_noise_ratio: see tgdp ecg evaluate\n"
    "--help). A share of the source records (--source-holdout) is kept out of every source-side\n"
    "training to measure the source model on: source_c2st_auroc. Writes results.json, results.md\n"
    "and ecg_<method>.png to --out.";

/* 0: go on, 1: --help printed, -1: usage error (printed) */
static int parse_args(int argc, char **argv, demo_args *a)
{
    memset(a, 0, sizeof *a);
    cli_opt opts[] = {
        {"data", OPT_STRING, &a->data, NULL, "folder holding the database folders (as for tgdp ecg prepare; required)", 0, -1},
        {"out", OPT_STRING, &a->out, "out/ecg", "output folder for results.json, results.md and the PNG plots", 0, -1},
        {"quick", OPT_FLAG, &a->quick, NULL, "the small configuration of the test suite (3 folds, 1 seed, 20 records per database, MLP denoisers)", 0, -1},
        {"folds", OPT_INT, &a->folds, NULL, "folds of target records (default 3)", 2, 1000},
        {"seeds", OPT_INT, &a->seeds, NULL, "seeds (default 3, 1 with --quick)", 1, 100},
        {"seed", OPT_INT, &a->seed, "0", "base seed", 0, 2147483647},
        {"source-dbs", OPT_STRING, &a->src_dbs, "ludb,ptbxl,georgia", "source databases (names or folders under --data)", 0, -1},
        {"target-dbs", OPT_STRING, &a->tgt_dbs, "ningbo,cpsc2018", "target databases", 0, -1},
        {"max-records", OPT_INT, &a->max_records, NULL, "records per database (default all, 20 with --quick)", 0, 2147483647},
        {"window-s", OPT_DOUBLE, &a->window_s, "2.5", "window length in seconds at 100 Hz, no overlap (10: 1000 samples, the paper's)", 0.1, 60},
        {"target-records", OPT_INT, &a->target_records, "0", "target records in all, a random choice by --seed (0: all; the paper: ~690, 10% of CPSC 2018)", 0, 2147483647},
        {"eps-arch", OPT_STRING, &a->eps_arch, NULL, "denoiser architecture: unet1d (with the input skip) or mlp (default unet1d, mlp with --quick)", 0, -1},
        {"cls-arch", OPT_STRING, &a->cls_arch, "mlp", "classifier and guidance architecture: mlp or resnet1d", 0, -1},
        {"conv-width", OPT_INT, &a->width, NULL, "base width of the convolutional archs (default 16)", 1, 1024},
        {"eps-hidden", OPT_STRING, &a->eps_hidden, NULL, "MLP denoiser widths (default 256,256,256; 128,128 with --quick)", 0, -1},
        {"eps-mult", OPT_STRING, &a->eps_mult, NULL, "unet1d denoisers: channel multipliers per level (default 1,2,4,8; 1,2,4 with --quick; docs/conv-models.md)", 0, -1},
        {"eps-blocks", OPT_INT, &a->eps_blocks, NULL, "unet1d denoisers: residual blocks per level", 1, TGDP_CONV_MAX_BLOCKS},
        {"eps-dilation", OPT_STRING, &a->eps_dilation, NULL, "unet1d denoisers: dilation per level (default 1,2,4,8, none with --quick; \"\": none)", 0, -1},
        {"eps-attn", OPT_INT, &a->eps_attn, NULL, "unet1d denoisers: attention blocks at the lowest level", 0, TGDP_CONV_MAX_ATTN},
        {"eps-lr", OPT_DOUBLE, &a->eps_lr, NULL, "learning rate of the source and target-only denoisers (default 2e-3; 1e-3 with --quick)", 1e-8, 1},
        {"eps-steps", OPT_INT, &a->eps_steps, NULL, "training steps of the source denoiser (default 8000, 300 with --quick; not scaled by --steps-scale)", 1, 100000000},
        {"eps-ema", OPT_DOUBLE, &a->eps_ema, NULL, "EMA decay of the source denoiser's weights (default 0.999, 0 with --quick; 0: off)", 0, 0.99999},
        {"steps-scale", OPT_INT, &a->steps_scale, "100", "percentage applied to every training step count", 1, 10000},
        {"n-gen", OPT_INT, &a->n_gen, NULL, "generated windows per method and fold (default 96, 48 with --quick)", 8, 1000000},
        {"source-holdout", OPT_DOUBLE, &a->holdout, NULL, "share of the source records held out of source training, to measure the source model on (source_c2st_auroc; default 0.1, 0: none)", 0, 0.9},
        {"source-per-seed", OPT_FLAG, &a->source_per_seed, NULL, "train a source denoiser per seed (default: one pre-trained source model shared by the seeds, as the method assumes)", 0, -1},
        {"threads", OPT_INT, &a->threads, "0", "threads (0: all cores)", 0, 1024},
        {"quiet", OPT_FLAG, &a->quiet, NULL, "no progress lines", 0, -1},
        CLI_COMPUTE_OPTS(a->gemm, a->precision),
    };
    a->max_records = -1;
    a->holdout = -1;
    a->eps_attn = -1;
    a->eps_ema = -1;
    int pr = cli_parse(CMD, SUMMARY, opts, (int)(sizeof opts / sizeof *opts), argc, argv);
    if (pr) return pr;
    if (!a->data) return cli_errorf(CMD, "--data DIR is required (a folder laid out like ../shared/data/ecg)"), -1;
    if (a->eps_arch && strcmp(a->eps_arch, "mlp") && strcmp(a->eps_arch, "unet1d"))
        return cli_errorf(CMD, "--eps-arch: expected mlp or unet1d, got '%s'", a->eps_arch), -1;
    if (a->cls_arch && strcmp(a->cls_arch, "mlp") && strcmp(a->cls_arch, "resnet1d"))
        return cli_errorf(CMD, "--cls-arch: expected mlp or resnet1d, got '%s'", a->cls_arch), -1;
    return 0;
}

/* the configuration: the defaults (quick or not) with the options given; -1 on a bad value */
static int make_config(const demo_args *a, tgdp_ecg_demo_config *c)
{
    tgdp_ecg_demo_config_default(c, a->quick);
    if (a->folds) c->folds = a->folds;
    if (a->seeds) c->seeds = a->seeds;
    if (a->max_records >= 0) c->max_records = a->max_records;
    c->target_records = a->target_records;
    if (a->window_s > 0) c->prep.window = c->prep.stride = (int64_t)llround(a->window_s * c->prep.fs);
    if (a->n_gen) c->n_gen = a->n_gen;
    if (a->width) c->conv_width = a->width;
    if (a->eps_blocks) c->eps_blocks = a->eps_blocks;
    if (a->eps_attn >= 0) c->eps_attn = a->eps_attn;
    if (a->eps_lr > 0) c->eps_lr = a->eps_lr;
    if (a->source_per_seed) c->source_per_seed = 1;
    if (a->holdout >= 0) c->source_holdout = a->holdout;
    c->seed = (uint64_t)a->seed;
    if (set_str(c->source_dbs, sizeof c->source_dbs, a->src_dbs, "source-dbs") ||
        set_str(c->target_dbs, sizeof c->target_dbs, a->tgt_dbs, "target-dbs") ||
        set_str(c->eps_arch, sizeof c->eps_arch, a->eps_arch, "eps-arch") ||
        set_str(c->cls_arch, sizeof c->cls_arch, a->cls_arch, "cls-arch") ||
        set_str(c->eps_hidden, sizeof c->eps_hidden, a->eps_hidden, "eps-hidden") ||
        set_str(c->eps_mult, sizeof c->eps_mult, a->eps_mult, "eps-mult") ||
        set_str(c->eps_dilation, sizeof c->eps_dilation, a->eps_dilation, "eps-dilation"))
        return -1;
    int64_t *steps[] = {&c->eps_steps, &c->target_steps, &c->ft_steps, &c->cls_steps, &c->tcls_steps, &c->guid_steps};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        *steps[i] = *steps[i] * a->steps_scale / 100;
        if (*steps[i] < 1) *steps[i] = 1;
    }
    if (a->eps_steps) c->eps_steps = a->eps_steps;
    if (a->eps_ema >= 0) c->eps_ema = a->eps_ema;
    return 0;
}

/* results.json, results.md and the plots in dir */
static int write_outputs(const char *dir, const report *r, tgdp_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/results.json", dir);
    int rc = tgdp_atomic_write(path, write_json, (void *)r, err);
    if (!rc) {
        snprintf(path, sizeof path, "%s/results.md", dir);
        rc = tgdp_atomic_write(path, write_md, (void *)r, err);
    }
    return rc ? rc : write_plots(dir, r, err);
}

int cmd_demo_ecg(int argc, char **argv)
{
    demo_args a;
    int pr = parse_args(argc, argv, &a);
    if (pr) return pr > 0 ? 0 : 2;
    struct stat st;
    if (stat(a.data, &st) || !S_ISDIR(st.st_mode)) return cli_errorf(CMD, "--data %s: no such folder", a.data), 1;
    tgdp_ecg_demo_config c;
    if (make_config(&a, &c)) return 2;
    if ((pr = cli_compute(CMD, a.gemm, a.precision, &c.precision))) return pr;
    tgdp_set_threads(a.threads);
    c.log = log_line;
    c.log_ctx = &a.quiet;
    tgdp_error err = {0, ""};
    if (tgdp_mkdir_p(a.out, &err)) return cli_error(CMD, &err);
    tgdp_ecg_demo_output o;
    if (tgdp_ecg_demo_run(&c, a.data, &o, &err)) {
        tgdp_ecg_demo_output_free(&o);
        return cli_error(CMD, &err);
    }
    report r;
    memset(&r, 0, sizeof r);
    r.c = &c;
    r.o = &o;
    r.data = a.data;
    summarize(&r);
    if (compare(&r, &err)) {
        tgdp_ecg_demo_output_free(&o);
        return cli_error(CMD, &err);
    }
    printf("\nECG transfer %s -> %s: %d folds x %d seeds, mean ± sd against held-out target records\n", c.source_dbs,
           c.target_dbs, c.folds, c.seeds);
    print_table(stdout, &r, 0);
    int rc = write_outputs(a.out, &r, &err);
    double secs = o.seconds_total;
    tgdp_ecg_demo_output_free(&o);
    if (rc) return cli_error(CMD, &err);
    printf("\nwrote %s/results.json, results.md and ecg_<method>.png in %.0f s\n", a.out, secs);
    return 0;
}

/* The Gaussian-mixture study's reports: the paired comparisons, results.json, results.md and the
 * printed table. */
#include "gmm_study.h"
#include "tgdp/io.h"
#include "tgdp/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int baselines[2] = {TGDP_M_FINETUNE, TGDP_M_TARGET_ONLY};

/* MMD^2 of method m at target size n for every seed, in seed order; returns the count */
static int per_seed(const tgdp_gmm_demo_config *c, const tgdp_gmm_demo_output *o, int n, int m, double *v)
{
    int k = 0;
    for (int s = 0; s < c->seeds; s++) {
        v[s] = NAN;
        for (int i = 0; i < o->n_results; i++)
            if (o->results[i].n == n && o->results[i].method == m && o->results[i].seed == c->first_seed + s)
                v[s] = o->results[i].mmd2;
        k += !isnan(v[s]);
    }
    return k;
}

int tgdp_gmm_compare(const tgdp_gmm_demo_config *c, tgdp_gmm_demo_output *out, tgdp_error *err)
{
    free(out->comparisons);
    out->n_comparisons = 0;
    out->comparisons = calloc((size_t)c->n_count * TGDP_M_COUNT * 2, sizeof *out->comparisons);
    double *x = malloc((size_t)c->seeds * sizeof *x), *b = malloc((size_t)c->seeds * sizeof *b);
    int rc = (!out->comparisons || !x || !b) ? tgdp_fail(err, TGDP_ENOMEM, "out of memory") : TGDP_OK;
    for (int ni = 0; ni < c->n_count && !rc; ni++)
        for (int m = 0; m < TGDP_M_COUNT && !rc; m++)
            for (int k = 0; k < 2 && !rc; k++) {
                const int base = baselines[k], n = c->n_list[ni];
                if (m == base || !c->enabled[m] || !c->enabled[base]) continue;
                if (per_seed(c, out, n, m, x) != c->seeds || per_seed(c, out, n, base, b) != c->seeds) continue;
                tgdp_gmm_comparison *cmp = &out->comparisons[out->n_comparisons];
                cmp->n = n;
                cmp->method = m;
                cmp->baseline = base;
                rc = tgdp_paired_compare(x, b, c->seeds, c->n_boot, 0.95, 0xb007ULL + (uint64_t)(ni * 64 + m * 2 + k), &cmp->s, err);
                if (!rc) out->n_comparisons++;
            }
    free(x);
    free(b);
    return rc;
}

static const tgdp_gmm_comparison *find_cmp(const tgdp_gmm_demo_output *o, int n, int m, int base)
{
    for (int i = 0; i < o->n_comparisons; i++)
        if (o->comparisons[i].n == n && o->comparisons[i].method == m && o->comparisons[i].baseline == base)
            return &o->comparisons[i];
    return NULL;
}

/* mean and sd over seeds of one field of the results of (n, method) */
static void field_stats(const tgdp_gmm_demo_output *o, int n, int m, size_t off, int seeds, double *mean, double *sd)
{
    double *v = malloc((size_t)(seeds > 0 ? seeds : 1) * sizeof *v);
    int k = 0;
    for (int i = 0; v && i < o->n_results && k < seeds; i++)
        if (o->results[i].n == n && o->results[i].method == m) v[k++] = *(const double *)((const char *)&o->results[i] + off);
    if (v) tgdp_mean_sd(v, k, mean, sd, NULL);
    else *mean = *sd = NAN;
    free(v);
}

/* ---------- results.json ---------- */

static void json_config(tgdp_json *j, const tgdp_gmm_demo_config *c)
{
    tgdp_json_begin_object(j, "config");
    tgdp_json_begin_object(j, "source_model");
    tgdp_json_str(j, "hidden", c->eps_hidden);
    tgdp_json_int(j, "steps", c->eps_steps);
    tgdp_json_num(j, "lr", c->lr);
    tgdp_json_int(j, "batch", c->batch);
    tgdp_json_str(j, "time_input", "raw t");
    tgdp_json_end_object(j);
    tgdp_json_begin_object(j, "networks");
    tgdp_json_str(j, "denoisers", c->eps_hidden);
    tgdp_json_str(j, "time_classifiers", c->tcls_hidden);
    tgdp_json_str(j, "classifiers_alg1", c->cls_hidden);
    tgdp_json_int(j, "classifiers_alg1_steps", GMM_CLS_STEPS);
    tgdp_json_str(j, "guidance_networks", c->guid_hidden);
    tgdp_json_str(j, "activation", "silu");
    tgdp_json_int(j, "batch", c->batch);
    tgdp_json_end_object(j);
    tgdp_json_int(j, "model_samples", c->model_samples);
    tgdp_json_int(j, "bag", c->bag);
    tgdp_json_int(j, "cv_folds", c->cv_folds);
    tgdp_json_str(j, "cv_candidates", "gp {0, 0.01} x curv {0, 0.1} x w {0.5, 0.75, 1}, 128 held-out draws per point");
    tgdp_json_str(j, "gp_units", "the classifier's input-gradient penalty is gp / n");
    tgdp_json_begin_object(j, "methods");
    for (int m = 0; m < TGDP_M_COUNT; m++) {
        if (!c->enabled[m]) continue;
        tgdp_json_begin_object(j, tgdp_method_names[m]);
        tgdp_json_str(j, "estimator", tgdp_gmm_method_description(m));
        tgdp_json_bool(j, "diagnostic", tgdp_gmm_method_is_diagnostic(m));
        tgdp_json_begin_array(j, "hyperparameters");
        for (int ni = 0; ni < c->n_count; ni++) {
            tgdp_json_begin_object(j, NULL);
            tgdp_json_int(j, "n", c->n_list[ni]);
            for (int k = 0; k < gmm_hp_field_count(); k++) {
                const char *key;
                double v = gmm_hp_get(&c->hp[m][ni], k, &key);
                if (gmm_hp_uses(m, key)) tgdp_json_num(j, key, v);
            }
            tgdp_json_end_object(j);
        }
        tgdp_json_end_array(j);
        tgdp_json_end_object(j);
    }
    tgdp_json_end_object(j);
    tgdp_json_end_object(j);
}

static void json_result(tgdp_json *j, const tgdp_gmm_result *x)
{
    tgdp_json_begin_object(j, NULL);
    tgdp_json_int(j, "n", x->n);
    tgdp_json_int(j, "seed", x->seed);
    tgdp_json_str(j, "method", tgdp_method_names[x->method]);
    tgdp_json_num(j, "mmd2", x->mmd2);
    tgdp_json_num(j, "energy", x->energy);
    tgdp_json_num(j, "nll", x->nll);
    tgdp_json_num(j, "mode_error", x->mode_error);
    tgdp_json_num(j, "label_accuracy", x->label_accuracy);
    tgdp_json_num(j, "guidance_error", x->guidance_error);
    tgdp_json_num(j, "eps_error", x->eps_error);
    tgdp_json_num(j, "classifier_log_r_mae", x->log_r_mae);
    tgdp_json_num(j, "seconds", x->seconds);
    tgdp_json_end_object(j);
}

typedef struct report {
    const tgdp_gmm_demo_config *c;
    const tgdp_gmm_demo_output *o;
} report;

static int write_json(FILE *f, void *ctx)
{
    const report *r = ctx;
    const tgdp_gmm_demo_config *c = r->c;
    tgdp_json j;
    tgdp_json_init(&j, f, 2);
    tgdp_json_begin_object(&j, NULL);
    tgdp_json_str(&j, "experiment", "gmm");
    tgdp_json_int(&j, "dim", c->dim);
    tgdp_json_int(&j, "first_seed", c->first_seed);
    tgdp_json_int(&j, "seeds", c->seeds);
    tgdp_json_str(&j, "sampler", tgdp_sampler_name(c->sampler));
    tgdp_json_int(&j, "sample_steps", c->sample_steps);
    tgdp_json_str(&j, "precision", tgdp_precision_name(tgdp_precision_effective(c->precision)));
    tgdp_json_int(&j, "m", c->m);
    tgdp_json_int(&j, "n_eval", c->n_eval);
    tgdp_json_int(&j, "n_nll", c->n_nll);
    tgdp_json_int(&j, "nll_ode_steps", c->nll_steps);
    tgdp_json_str(&j, "nll", "-mean log p_model(x) of held-out exact target samples, probability-flow ODE from t = 1e-3, exact divergence");
    tgdp_json_str(&j, "guidance_error", "E ||sigma_t (w grad log h - grad log h*)||^2 / d over x_t ~ q_t, t in {0.05, 0.1, 0.3, 0.5, 0.8}: an absolute error in noise units");
    tgdp_json_str(&j, "eps_error", "E ||eps_row(x_t, t) - eps_target(x_t, t)||^2 / d over the same points");
    tgdp_json_begin_object(&j, "bootstrap");
    tgdp_json_int(&j, "resamples", c->n_boot);
    tgdp_json_str(&j, "interval", "percentile");
    tgdp_json_num(&j, "level", 0.95);
    tgdp_json_end_object(&j);
    tgdp_json_num(&j, "seconds", r->o->seconds_total);
    json_config(&j, c);
    tgdp_json_begin_array(&j, "noise_floor");
    for (int ni = 0; ni < c->n_count; ni++)
        for (int s = 0; s < c->seeds; s++) {
            const size_t at = (size_t)ni * c->seeds + s;
            tgdp_json_begin_object(&j, NULL);
            tgdp_json_int(&j, "n", c->n_list[ni]);
            tgdp_json_int(&j, "seed", c->first_seed + s);
            tgdp_json_num(&j, "mmd2", r->o->floor_mmd2[at]);
            tgdp_json_num(&j, "energy", r->o->floor_energy[at]);
            tgdp_json_num(&j, "exact_nll", r->o->exact_nll[at]);
            tgdp_json_end_object(&j);
        }
    tgdp_json_end_array(&j);
    tgdp_json_begin_array(&j, "results");
    for (int i = 0; i < r->o->n_results; i++) json_result(&j, &r->o->results[i]);
    tgdp_json_end_array(&j);
    tgdp_json_begin_array(&j, "comparisons");
    for (int i = 0; i < r->o->n_comparisons; i++) {
        const tgdp_gmm_comparison *x = &r->o->comparisons[i];
        tgdp_json_begin_object(&j, NULL);
        tgdp_json_int(&j, "n", x->n);
        tgdp_json_str(&j, "method", tgdp_method_names[x->method]);
        tgdp_json_str(&j, "baseline", tgdp_method_names[x->baseline]);
        tgdp_json_int(&j, "seeds", x->s.n);
        tgdp_json_paired(&j, &x->s);
        tgdp_json_end_object(&j);
    }
    tgdp_json_end_array(&j);
    tgdp_json_end_object(&j);
    tgdp_json_finish(&j);
    return ferror(f) ? -1 : 0;
}

/* ---------- tables ---------- */

/* "+0.012 [-0.003, +0.027]" or "-" */
static void diff_cell(char *buf, size_t cap, const tgdp_gmm_comparison *x)
{
    if (!x) snprintf(buf, cap, "-");
    else snprintf(buf, cap, "%+.4f [%+.4f, %+.4f]", x->s.mean_diff, x->s.ci_low, x->s.ci_high);
}

/* the verdict of an interval: below zero (better), above (worse), or neither */
static const char *verdict(const tgdp_gmm_comparison *x)
{
    if (!x) return "";
    return x->s.ci_high < 0 ? "better" : x->s.ci_low > 0 ? "worse" : "tie";
}

static void table(FILE *f, const report *r, int md)
{
    const tgdp_gmm_demo_config *c = r->c;
    for (int ni = 0; ni < c->n_count; ni++) {
        const int n = c->n_list[ni];
        double fl = 0, xn = 0;
        for (int s = 0; s < c->seeds; s++) {
            fl += r->o->floor_mmd2[(size_t)ni * c->seeds + s] / c->seeds;
            xn += r->o->exact_nll[(size_t)ni * c->seeds + s] / c->seeds;
        }
        if (md)
            fprintf(f, "\n### n = %d target points (%d seeds, paired; MMD^2 noise floor %.4f; exact NLL %.3f)\n\n"
                       "| method | MMD² mean ± sd | − finetune [95%% CI] | p | wins | − target_only [95%% CI] | p | wins "
                       "| NLL | eps err | guid err |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
                    n, c->seeds, fl, xn);
        else
            fprintf(f, "\nn = %d (%d seeds; MMD^2 floor %.4f, exact NLL %.3f; differences paired by seed, 95%% bootstrap CI)\n"
                       "%-22s %17s  %-34s %-7s %-34s %-7s %7s %8s\n",
                    n, c->seeds, fl, xn, "method", "MMD^2 mean ± sd", "- finetune [CI]", "", "- target_only [CI]", "",
                    "NLL", "eps err");
        for (int m = 0; m < TGDP_M_COUNT; m++) {
            if (!c->enabled[m]) continue;
            double mean, sd, nll, nsd, ee, esd, ge, gsd;
            field_stats(r->o, n, m, offsetof(tgdp_gmm_result, mmd2), c->seeds, &mean, &sd);
            field_stats(r->o, n, m, offsetof(tgdp_gmm_result, nll), c->seeds, &nll, &nsd);
            field_stats(r->o, n, m, offsetof(tgdp_gmm_result, eps_error), c->seeds, &ee, &esd);
            field_stats(r->o, n, m, offsetof(tgdp_gmm_result, guidance_error), c->seeds, &ge, &gsd);
            const tgdp_gmm_comparison *a = find_cmp(r->o, n, m, TGDP_M_FINETUNE), *b = find_cmp(r->o, n, m, TGDP_M_TARGET_ONLY);
            char da[64], db[64], ms[48];
            diff_cell(da, sizeof da, a);
            diff_cell(db, sizeof db, b);
            snprintf(ms, sizeof ms, "%.4f ± %.4f", mean, sd);
            if (md) {
                fprintf(f, "| %s%s | %s | %s | ", tgdp_method_names[m], tgdp_gmm_method_is_diagnostic(m) ? " (diagnostic)" : "",
                        ms, da);
                if (a) fprintf(f, "%.2g | %.0f%% | ", a->s.p_wilcoxon, 100 * a->s.win_rate);
                else fputs("- | - | ", f);
                fprintf(f, "%s | ", db);
                if (b) fprintf(f, "%.2g | %.0f%% | ", b->s.p_wilcoxon, 100 * b->s.win_rate);
                else fputs("- | - | ", f);
                fprintf(f, "%.3f | %.4f | ", nll, ee);
                if (isnan(ge)) fputs("- |\n", f);
                else fprintf(f, "%.4f |\n", ge);
            } else
                fprintf(f, "%-22s %17s  %-34s %-7s %-34s %-7s %7.3f %8.4f\n", tgdp_method_names[m], ms, da, verdict(a), db,
                        verdict(b), nll, ee);
        }
    }
}

void tgdp_gmm_demo_print(FILE *f, const tgdp_gmm_demo_config *c, const tgdp_gmm_demo_output *o)
{
    report r = {c, o};
    table(f, &r, 0);
}

static int write_md(FILE *f, void *ctx)
{
    const report *r = ctx;
    const tgdp_gmm_demo_config *c = r->c;
    fprintf(f, "# TGDP on Gaussian mixtures (D = %d)\n\nSeeds %d..%d (paired: every row of a seed shares the target points, "
               "source models, evaluation sets and the sampler's starting noise). Precision %s. Sampler %s, %d steps; MMD² of %d samples "
               "against %d fresh exact target samples; NLL of %d held-out exact target samples through the probability-flow "
               "ODE. Differences are MMD²(row) − MMD²(baseline) per seed: mean, 95%% percentile-bootstrap interval (%d "
               "resamples of the seeds), two-sided Wilcoxon signed-rank p, share of seeds where the row is lower. "
               "Hyperparameters were tuned at D = 2 on seeds 1000 and up (never reported) and frozen%s; see `config` in "
               "results.json.\n\n",
            c->dim, c->first_seed, c->first_seed + c->seeds - 1, tgdp_precision_name(tgdp_precision_effective(c->precision)),
            tgdp_sampler_name(c->sampler), c->sample_steps, c->n_eval,
            c->n_eval, c->n_nll, c->n_boot, c->dim == 2 ? "" : " (the same choices here: no row was re-tuned at this D)");
    fputs("## The rows\n\n", f);
    for (int m = 0; m < TGDP_M_COUNT; m++)
        if (c->enabled[m]) fprintf(f, "- `%s`: %s\n", tgdp_method_names[m], tgdp_gmm_method_description(m));
    table(f, r, 1);
    return ferror(f) ? -1 : 0;
}

int tgdp_gmm_demo_write(const char *dir, const tgdp_gmm_demo_config *c, const tgdp_gmm_demo_output *o, tgdp_error *err)
{
    report r = {c, o};
    char path[4096];
    snprintf(path, sizeof path, "%s/results.json", dir);
    int rc = tgdp_atomic_write(path, write_json, &r, err);
    if (!rc) {
        snprintf(path, sizeof path, "%s/results.md", dir);
        rc = tgdp_atomic_write(path, write_md, &r, err);
    }
    if (!rc) rc = gmm_write_plots(dir, c, o, err);
    return rc;
}

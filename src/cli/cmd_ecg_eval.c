/* tgdp ecg evaluate: generated ECG windows against real target windows, held out by record in
 * k folds (tgdp/ecg_eval.h does the work): classifier two-sample test, Frechet distance and MMD^2
 * in a feature space, train-on-synthetic-test-on-real macro-AUROC (and train-on-real as the
 * reference). This file loads the arrays, checks their shapes, and prints and writes results. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "tgdp/ecg.h"
#include "tgdp/ecg_eval.h"
#include "tgdp/io.h"
#include "tgdp/labels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOPT(o) (int)(sizeof o / sizeof *o)
static const char *const CMD = "ecg evaluate";

typedef struct eval_args {
    const char *real, *real_labels, *real_records, *gen, *gen_labels, *source, *source_labels, *out, *arch, *features;
    const char *c2st_hidden, *tstr_hidden, *feature_hidden, *classifier_input;
    int c2st_balance;
    int folds, seeds, seed, leads, c2st_steps, tstr_steps, feature_steps, batch, max_mmd, threads, quiet, json;
    double lr;
} eval_args;

/* windows [N, ...] -> rows [N, d]; *leads from a 3-D array [N, C, L] */
static int load_windows(const char *path, tgdp_tensor *t, int *d, int *leads, tgdp_error *err)
{
    int rc = tgdp_npy_read_f32_finite(path, t, err);
    if (rc) return rc;
    int64_t dim = 1;
    for (int i = 1; i < t->ndim; i++) dim *= t->shape[i];
    if (t->ndim < 2 || t->shape[0] < 1 || dim < 1 || dim > (1 << 24)) {
        tgdp_tensor_free(t);
        return tgdp_fail(err, TGDP_EINVAL, "%s: expected windows [N, leads, length] or [N, d] with N >= 1", path);
    }
    *d = (int)dim;
    *leads = t->ndim == 3 ? (int)t->shape[1] : 0;
    return TGDP_OK;
}

/* labels of n rows (tgdp_labels_read: [n, K] multi-hot, or [n] class indices, class K = no label),
 * as multi-hot rows: *out malloc'd [n, K] with K = want_k, or the file's (0) */
static int load_labels(const char *path, int64_t n, int want_k, int64_t **out, int *K, tgdp_error *err)
{
    tgdp_labels l;
    *out = NULL;
    int rc = tgdp_labels_read(path, n, want_k, 1, &l, err);
    if (!rc && (l.k < 1 || l.k > TGDP_EVAL_MAX_LABELS))
        rc = tgdp_fail(err, TGDP_EINVAL, "%s: %d label columns (expected 1..%d)", path, l.k, TGDP_EVAL_MAX_LABELS);
    if (!rc) {
        *out = l.multi_hot;
        l.multi_hot = NULL;
        *K = l.k;
    }
    tgdp_labels_free(&l);
    return rc;
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.8g", v);
    else fputs("null", f);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

static const char *label_name(int k, int K, char *buf, size_t cap)
{
    if (K == TGDP_ECG_NLABELS && tgdp_ecg_label_name(k)) return tgdp_ecg_label_name(k);
    snprintf(buf, cap, "label_%d", k);
    return buf;
}

static void json_per_label(FILE *f, const tgdp_macro_auroc *m, int K)
{
    char buf[32];
    fputc('{', f);
    for (int k = 0, first = 1; k < K; k++) {
        if (!m->used[k]) continue;
        fprintf(f, "%s", first ? "" : ", ");
        json_str(f, label_name(k, K, buf, sizeof buf));
        fputs(": ", f);
        json_num(f, m->per_label[k]);
        first = 0;
    }
    fputc('}', f);
}

static void json_stat(FILE *f, const char *name, tgdp_stat s, int last)
{
    fprintf(f, "    \"%s\": {\"mean\": ", name);
    json_num(f, s.mean);
    fputs(", \"sd\": ", f);
    json_num(f, s.sd);
    fprintf(f, ", \"n\": %d}%s\n", s.n, last ? "" : ",");
}

typedef struct report {
    const eval_args *a;
    const tgdp_ecg_eval_config *cfg;
    const char *features;
    int feature_dim, K, d, leads;
    int64_t n_real, n_records, n_gen, n_source;
    const tgdp_ecg_eval_result *r;
    int nr;
    tgdp_ecg_eval_summary sm;
    double seconds;
} report;

static int write_results(FILE *f, void *ctx)
{
    const report *p = ctx;
    const eval_args *a = p->a;
    fprintf(f, "{\n  \"command\": \"ecg evaluate\",\n  \"c2st_auroc\": ");
    json_num(f, p->sm.c2st_auroc.mean);
    fprintf(f, ",\n  \"feature_distance\": ");
    json_num(f, p->sm.feature_distance.mean);
    fprintf(f, ",\n  \"mmd2\": ");
    json_num(f, p->sm.mmd2.mean);
    fprintf(f, ",\n  \"tstr_macro_auroc\": ");
    json_num(f, p->sm.tstr_macro_auroc.mean);
    fprintf(f, ",\n  \"trtr_macro_auroc\": ");
    json_num(f, p->sm.trtr_macro_auroc.mean);
    fprintf(f, ",\n  \"summary\": {\n");
    json_stat(f, "c2st_auroc", p->sm.c2st_auroc, 0);
    json_stat(f, "feature_distance", p->sm.feature_distance, 0);
    json_stat(f, "mmd2", p->sm.mmd2, 0);
    json_stat(f, "tstr_macro_auroc", p->sm.tstr_macro_auroc, 0);
    json_stat(f, "trtr_macro_auroc", p->sm.trtr_macro_auroc, 1);
    fprintf(f, "  },\n  \"settings\": {\"real\": ");
    json_str(f, a->real);
    fprintf(f, ", \"generated\": ");
    json_str(f, a->gen);
    fprintf(f, ", \"source\": ");
    if (a->source) json_str(f, a->source);
    else fputs("null", f);
    fprintf(f, ", \"folds\": %d, \"seeds\": %d, \"seed\": %d, \"arch\": ", a->folds, a->seeds, a->seed);
    json_str(f, a->arch);
    fprintf(f, ", \"feature_extractor\": ");
    json_str(f, p->features);
    fprintf(f, ", \"feature_dim\": %d, \"leads\": %d, \"window_values\": %d, \"labels\": %d, \"max_mmd\": %d,\n"
               "    \"c2st\": {\"hidden\": ",
            p->feature_dim, p->leads, p->d, p->K, a->max_mmd);
    json_str(f, a->c2st_hidden);
    fprintf(f, ", \"steps\": %d, \"train_frac\": %g, \"balance\": %s}, \"tstr\": {\"hidden\": ", a->c2st_steps,
            p->cfg->c2st.train_frac, a->c2st_balance ? "true" : "false");
    json_str(f, a->tstr_hidden);
    fprintf(f, ", \"steps\": %d}, \"classifier_input\": ", a->tstr_steps);
    json_str(f, a->classifier_input);
    fprintf(f, ", \"batch\": %d, \"lr\": %g},\n", a->batch, a->lr);
    fprintf(f, "  \"counts\": {\"real_windows\": %lld, \"real_records\": %lld, \"generated_windows\": %lld, "
               "\"source_windows\": %lld},\n  \"seconds\": %.2f,\n  \"results\": [",
            (long long)p->n_real, (long long)p->n_records, (long long)p->n_gen, (long long)p->n_source, p->seconds);
    for (int i = 0; i < p->nr; i++) {
        const tgdp_ecg_eval_result *r = &p->r[i];
        fprintf(f, "%s\n    {\"fold\": %d, \"seed\": %llu, \"c2st_auroc\": ", i ? "," : "", r->fold,
                (unsigned long long)r->seed);
        json_num(f, r->c2st_auroc);
        fputs(", \"feature_distance\": ", f);
        json_num(f, r->feature_distance);
        fputs(", \"mmd2\": ", f);
        json_num(f, r->mmd2);
        fputs(", \"tstr_macro_auroc\": ", f);
        json_num(f, r->tstr_macro_auroc);
        fputs(", \"trtr_macro_auroc\": ", f);
        json_num(f, r->trtr_macro_auroc);
        fprintf(f, ", \"n_real_test\": %lld, \"n_real_train\": %lld,\n     \"tstr_per_label\": ",
                (long long)r->n_real_test, (long long)r->n_real_train);
        json_per_label(f, &r->tstr, p->K);
        fputs(", \"trtr_per_label\": ", f);
        json_per_label(f, &r->trtr, p->K);
        fputc('}', f);
    }
    fprintf(f, "%s]\n}\n", p->nr ? "\n  " : "");
    return ferror(f) ? TGDP_EIO : TGDP_OK;
}

static void on_fold(void *ctx, int done, int total, const tgdp_ecg_eval_result *r)
{
    const double *t0 = ctx;
    fprintf(stderr, "ecg evaluate: [%d/%d] seed %llu fold %d: c2st_auroc %.3f  feature_distance %.4g  mmd2 %.4g  "
                    "tstr %.3f  trtr %.3f  (%.1f s)\n",
            done, total, (unsigned long long)r->seed, r->fold, r->c2st_auroc, r->feature_distance, r->mmd2,
            r->tstr_macro_auroc, r->trtr_macro_auroc, tgdp_now_s() - *t0);
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* distinct record ids (0 when out of memory) */
static int64_t count_records(int64_t n, const int64_t *rec)
{
    int64_t *ids = malloc((size_t)n * sizeof *ids), c = 0;
    if (!ids) return 0;
    memcpy(ids, rec, (size_t)n * sizeof *ids);
    qsort(ids, (size_t)n, sizeof *ids, cmp_i64);
    for (int64_t i = 0; i < n; i++) c += i == 0 || ids[i] != ids[i - 1];
    free(ids);
    return c;
}

static int set_hidden(tgdp_eval_classifier_opts *o, const char *s, const char *opt)
{
    tgdp_error err;
    if (tgdp_eval_parse_hidden(o, s, &err)) return cli_errorf(CMD, "--%s: %s", opt, err.msg);
    return 0;
}

static void print_stat(const char *name, tgdp_stat s)
{
    if (s.n) printf("  %-18s %10.4f  +- %.4f  (n = %d)\n", name, s.mean, s.sd, s.n);
    else printf("  %-18s %10s\n", name, "n/a");
}

int cmd_ecg_evaluate(int argc, char **argv)
{
    eval_args a;
    memset(&a, 0, sizeof a);
    cli_opt opts[] = {
        {"real", OPT_STRING, &a.real, NULL, "real target windows .npy [N, 12, L] or [N, d] (required)", 0, -1},
        {"real-labels", OPT_STRING, &a.real_labels, NULL, "their labels .npy: multi-hot [N, K] or class indices [N]", 0, -1},
        {"real-records", OPT_STRING, &a.real_records, NULL, "their record ids .npy [N] (required: folds are by record)", 0, -1},
        {"generated", OPT_STRING, &a.gen, NULL, "generated windows .npy, the shape of --real (required)", 0, -1},
        {"generated-labels", OPT_STRING, &a.gen_labels, NULL,
         "the labels they were generated for: [M, K] multi-hot or [M] class indices (needed for TSTR)", 0, -1},
        {"source", OPT_STRING, &a.source, NULL, "source windows .npy to train the feature classifier on", 0, -1},
        {"source-labels", OPT_STRING, &a.source_labels, NULL, "their labels (multi-hot or class indices)", 0, -1},
        {"out", OPT_STRING, &a.out, "results.json", "results file (JSON)", 0, -1},
        {"folds", OPT_INT, &a.folds, "5", "k: folds over the real records (each record is tested once per seed)", 2, 1000},
        {"seeds", OPT_INT, &a.seeds, "1", "repeat with seeds seed, seed+1, ... (new folds and classifiers)", 1, 1000},
        {"seed", OPT_INT, &a.seed, "0", "first seed", 0, 2147483647},
        {"features", OPT_STRING, &a.features, "auto",
         "feature space: auto (source if --source is given, else stats), source (penultimate layer of a classifier "
         "trained on --source), stats (12 fixed statistics per lead)", 0, -1},
        {"arch", OPT_STRING, &a.arch, "mlp", "architecture of every classifier the evaluation trains", 0, -1},
        {"leads", OPT_INT, &a.leads, "12", "leads per window when the arrays are [N, d] (3-D arrays give their own)", 1, 4096},
        {"c2st-hidden", OPT_STRING, &a.c2st_hidden, "128,128", "hidden widths of the two-sample-test classifier", 0, -1},
        {"c2st-steps", OPT_INT, &a.c2st_steps, "300", "its training steps", 1, 100000000},
        {"tstr-hidden", OPT_STRING, &a.tstr_hidden, "256,256", "hidden widths of the TSTR/TRTR classifier", 0, -1},
        {"tstr-steps", OPT_INT, &a.tstr_steps, "400", "its training steps", 1, 100000000},
        {"feature-hidden", OPT_STRING, &a.feature_hidden, "256,256", "hidden widths of the source feature classifier", 0, -1},
        {"feature-steps", OPT_INT, &a.feature_steps, "1000", "its training steps", 1, 100000000},
        {"batch", OPT_INT, &a.batch, "64", "batch size of every classifier", 2, 1000000},
        {"lr", OPT_DOUBLE, &a.lr, "0.001", "Adam learning rate of every classifier", 1e-12, 10},
        {"classifier-input", OPT_STRING, &a.classifier_input, "features",
         "what the C2ST/TSTR/TRTR classifiers see: features (the standardised features of --features) or raw "
         "(the windows; for convolutional --arch)", 0, -1},
        {"c2st-balance", OPT_FLAG, &a.c2st_balance, NULL,
         "subsample the larger side of the C2ST to the smaller (default: all windows, class-balanced loss)", 0, -1},
        {"max-mmd", OPT_INT, &a.max_mmd, "1000", "windows per set for MMD^2 (a seeded subsample)", 2, 1000000},
        {"threads", OPT_INT, &a.threads, "0", "threads (0: all cores)", 0, 1024},
        {"quiet", OPT_FLAG, &a.quiet, NULL, "no progress lines", 0, -1},
        {"json", OPT_FLAG, &a.json, NULL, "print the results JSON on stdout instead of the table", 0, -1},
    };
    int pr = cli_parse(
        CMD,
        "Evaluate generated ECG windows against real target windows held out by record.\n\n"
        "The real records are split into --folds folds (by record, never by window; stratified by each record's\n"
        "rarest label); every fold is held out once and the generated windows are compared with it:\n"
        "  c2st_auroc         AUROC of a classifier trained to tell generated from real windows, on a\n"
        "                     held-out half (real half by record); 0.5 is ideal, 1 means fully separable\n"
        "  feature_distance   Frechet distance of the feature distributions (Gaussian fit; features\n"
        "                     standardised by the real fold), see --features\n"
        "  mmd2               unbiased MMD^2 in the same features (RBF, bandwidths 0.5/1/2 x median distance)\n"
        "  tstr_macro_auroc   train on synthetic (generated windows with --generated-labels), test on the\n"
        "                     real fold: macro-AUROC over the labels present in the fold\n"
        "  trtr_macro_auroc   the same classifier trained on the other real folds (reference)\n"
        "Prints mean +- standard deviation over folds x seeds and writes them, with every fold's numbers, to --out.",
        opts, NOPT(opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if (!a.real || !a.gen || !a.real_records)
        return cli_errorf(CMD, "--real, --real-records and --generated are required (see --help)"), 2;
    if (a.source_labels && !a.source) return cli_errorf(CMD, "--source-labels needs --source"), 2;
    if (strcmp(a.features, "auto") && strcmp(a.features, "stats") && strcmp(a.features, "source"))
        return cli_errorf(CMD, "--features: expected auto, stats or source, got '%s'", a.features), 2;
    if (strcmp(a.classifier_input, "features") && strcmp(a.classifier_input, "raw"))
        return cli_errorf(CMD, "--classifier-input: expected features or raw, got '%s'", a.classifier_input), 2;
    int use_source = strcmp(a.features, "source") == 0 || (strcmp(a.features, "auto") == 0 && a.source);
    if (use_source && (!a.source || !a.source_labels))
        return cli_errorf(CMD, "--features source needs --source and --source-labels"), 2;

    tgdp_ecg_eval_config cfg;
    tgdp_ecg_eval_config_default(&cfg);
    tgdp_error err;
    tgdp_eval_classifier_opts fo;
    tgdp_eval_classifier_opts_default(&fo);
    if (tgdp_ecg_eval_config_arch(&cfg, a.arch, &err)) return cli_error(CMD, &err), 2;
    snprintf(fo.arch, sizeof fo.arch, "%s", a.arch);
    if (set_hidden(&cfg.c2st.cls, a.c2st_hidden, "c2st-hidden") || set_hidden(&cfg.tstr, a.tstr_hidden, "tstr-hidden") ||
        set_hidden(&fo, a.feature_hidden, "feature-hidden"))
        return 2;
    cfg.c2st.cls.steps = a.c2st_steps;
    cfg.tstr.steps = a.tstr_steps;
    fo.steps = a.feature_steps;
    cfg.c2st.cls.batch = cfg.tstr.batch = fo.batch = a.batch;
    cfg.c2st.cls.lr = cfg.tstr.lr = fo.lr = a.lr;
    cfg.max_mmd = a.max_mmd;
    cfg.classifier_on_features = strcmp(a.classifier_input, "features") == 0;
    cfg.c2st.balance = a.c2st_balance;
    cfg.seed = (uint64_t)a.seed;
    fo.seed = (uint64_t)a.seed ^ 0xfeaull;
    tgdp_set_threads(a.threads);

    double t0 = tgdp_now_s();
    int rc = 0, K = 0, Kg = 0, Ks = 0, d = 0, dg = 0, ds = 0, leads = 0, lg = 0, ls = 0;
    tgdp_tensor xr = {0}, xg = {0}, xs = {0};
    tgdp_array rec = {0};
    int64_t *lr = NULL, *lgen = NULL, *lsrc = NULL;
    tgdp_feature_extractor fe = {0};
    tgdp_ecg_eval_result *res = NULL;
    if (load_windows(a.real, &xr, &d, &leads, &err) || load_windows(a.gen, &xg, &dg, &lg, &err)) {
        rc = cli_error(CMD, &err);
        goto done;
    }
    const int64_t n = xr.shape[0], m = xg.shape[0];
    if (dg != d) {
        rc = cli_errorf(CMD, "%s has windows of %d values but %s has %d", a.gen, dg, a.real, d);
        goto done;
    }
    if (!leads) leads = lg ? lg : a.leads;
    if (d % leads) {
        rc = cli_errorf(CMD, "windows of %d values are not %d leads of equal length (see --leads)", d, leads);
        goto done;
    }
    if (tgdp_npy_read_i64(a.real_records, &rec, &err)) {
        rc = cli_error(CMD, &err);
        goto done;
    }
    if (tgdp_array_numel(&rec) != (size_t)n) {
        rc = cli_errorf(CMD, "%s: %zu record ids for %lld windows in %s", a.real_records, tgdp_array_numel(&rec),
                        (long long)n, a.real);
        goto done;
    }
    if (a.real_labels && load_labels(a.real_labels, n, 0, &lr, &K, &err)) {
        rc = cli_error(CMD, &err);
        goto done;
    }
    if (a.gen_labels) {
        if (!lr) {
            rc = cli_errorf(CMD, "--generated-labels needs --real-labels (TSTR is tested on the real labels)");
            goto done;
        }
        if (load_labels(a.gen_labels, m, K, &lgen, &Kg, &err)) {
            rc = cli_error(CMD, &err);
            goto done;
        }
    }
    if (use_source) {
        if (load_windows(a.source, &xs, &ds, &ls, &err) || load_labels(a.source_labels, xs.shape[0], 0, &lsrc, &Ks, &err)) {
            rc = cli_error(CMD, &err);
            goto done;
        }
        if (ds != d) {
            rc = cli_errorf(CMD, "%s has windows of %d values but %s has %d", a.source, ds, a.real, d);
            goto done;
        }
        tgdp_eval_set src = {xs.shape[0], d, xs.data, Ks, lsrc, NULL};
        if (!a.quiet)
            fprintf(stderr, "ecg evaluate: training the feature classifier on %lld source windows (%d labels)\n",
                    (long long)src.n, Ks);
        if (tgdp_source_features(&fe, &src, &fo, &err)) {
            rc = cli_error(CMD, &err);
            goto done;
        }
    } else if (tgdp_ecg_stat_features(&fe, leads, d / leads, &err)) {
        rc = cli_error(CMD, &err);
        goto done;
    }
    tgdp_eval_set real = {n, d, xr.data, lr ? K : 0, lr, rec.data};
    tgdp_eval_set gen = {m, d, xg.data, lgen ? K : 0, lgen, NULL};
    const int nr = a.folds * a.seeds;
    if (!(res = calloc((size_t)nr, sizeof *res))) {
        rc = cli_errorf(CMD, "out of memory");
        goto done;
    }
    if (tgdp_ecg_eval_kfold(&cfg, &real, &gen, &fe, a.folds, a.seeds, res, a.quiet ? NULL : on_fold, &t0, &err)) {
        rc = cli_error(CMD, &err);
        goto done;
    }
    report p;
    memset(&p, 0, sizeof p);
    p.a = &a;
    p.cfg = &cfg;
    p.features = fe.name;
    p.feature_dim = fe.dim;
    p.K = K;
    p.d = d;
    p.leads = leads;
    p.n_real = n;
    p.n_gen = m;
    p.n_source = xs.data ? xs.shape[0] : 0;
    p.n_records = count_records(n, rec.data);
    p.r = res;
    p.nr = nr;
    tgdp_ecg_eval_summarize(res, nr, &p.sm);
    p.seconds = tgdp_now_s() - t0;
    if (tgdp_atomic_write(a.out, write_results, &p, &err)) {
        rc = cli_error(CMD, &err);
        goto done;
    }
    if (a.json) {
        write_results(stdout, &p);
    } else {
        printf("ecg evaluate: %lld generated vs %lld real windows, %d folds x %d seed(s), features %s (%d)\n",
               (long long)m, (long long)n, a.folds, a.seeds, fe.name, fe.dim);
        print_stat("c2st_auroc", p.sm.c2st_auroc);
        print_stat("feature_distance", p.sm.feature_distance);
        print_stat("mmd2", p.sm.mmd2);
        print_stat("tstr_macro_auroc", p.sm.tstr_macro_auroc);
        print_stat("trtr_macro_auroc", p.sm.trtr_macro_auroc);
        printf("wrote %s (%.1f s)\n", a.out, p.seconds);
    }
done:
    tgdp_feature_extractor_free(&fe);
    tgdp_tensor_free(&xr);
    tgdp_tensor_free(&xg);
    tgdp_tensor_free(&xs);
    if (rec.data) tgdp_array_free(&rec);
    free(lr), free(lgen), free(lsrc), free(res);
    return rc ? 1 : 0;
}

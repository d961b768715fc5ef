/* tgdp ecg evaluate: generated ECG windows against real target windows, held out by record in
 * k folds (tgdp/ecg_eval.h does the work): classifier two-sample test, Frechet distance and MMD^2
 * in a feature space, train-on-synthetic-test-on-real macro-AUROC (and train-on-real as the
 * reference), rhythm realism. This file parses the options, loads the arrays, checks their
 * shapes, and prints and writes results. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "tgdp/ecg.h"
#include "tgdp/ecg_eval.h"
#include "tgdp/io.h"
#include "tgdp/json.h"
#include "tgdp/labels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOPT(o) (int)(sizeof o / sizeof *o)
static const char *const CMD = "ecg evaluate";

typedef struct eval_args {
    const char *real, *real_labels, *real_records, *gen, *gen_labels, *source, *source_labels, *out, *arch, *features;
    const char *c2st_hidden, *tstr_hidden, *feature_hidden, *classifier_input, *lead, *utility_arch;
    int c2st_balance, use_source, no_utility, utility_width, utility_steps, boot;
    int folds, seeds, seed, leads, c2st_steps, tstr_steps, feature_steps, batch, max_mmd, threads, quiet, json;
    double lr, fs;
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

static const char *label_name(int k, int K, char *buf, size_t cap)
{
    if (K == TGDP_ECG_NLABELS && tgdp_ecg_label_name(k)) return tgdp_ecg_label_name(k);
    snprintf(buf, cap, "label_%d", k);
    return buf;
}

static void json_per_label(tgdp_json *j, const char *key, const tgdp_macro_auroc *m, int K)
{
    char buf[32];
    tgdp_json_begin_object(j, key);
    for (int k = 0; k < K; k++)
        if (m->used[k]) tgdp_json_num(j, label_name(k, K, buf, sizeof buf), m->per_label[k]);
    tgdp_json_end_object(j);
}

/* what the command loaded and computed */
typedef struct eval_run {
    const eval_args *a;
    tgdp_ecg_eval_config cfg;
    tgdp_eval_classifier_opts fo; /* the source feature classifier */
    tgdp_tensor xr, xg, xs;
    tgdp_array rec;
    int64_t *lr, *lgen, *lsrc;
    int K, Ks, d, leads;
    tgdp_feature_extractor fe;
    tgdp_ecg_eval_result *res;
    int nr;
    int64_t n_records;
    tgdp_ecg_eval_summary sm;
    double seconds;
} eval_run;

static void write_settings(tgdp_json *j, const eval_run *p)
{
    const eval_args *a = p->a;
    tgdp_json_begin_object(j, "settings");
    tgdp_json_str(j, "real", a->real);
    tgdp_json_str(j, "generated", a->gen);
    tgdp_json_str(j, "source", a->source);
    tgdp_json_int(j, "folds", a->folds);
    tgdp_json_int(j, "seeds", a->seeds);
    tgdp_json_int(j, "seed", a->seed);
    tgdp_json_str(j, "arch", a->arch);
    tgdp_json_str(j, "feature_extractor", p->fe.name);
    tgdp_json_int(j, "feature_dim", p->fe.dim);
    tgdp_json_int(j, "leads", p->leads);
    tgdp_json_int(j, "window_values", p->d);
    tgdp_json_int(j, "labels", p->K);
    tgdp_json_int(j, "max_mmd", a->max_mmd);
    tgdp_json_num(j, "fs", a->fs);
    tgdp_json_str(j, "realism_lead", tgdp_ecg_lead_name(p->cfg.realism_lead));
    tgdp_json_begin_object(j, "c2st");
    tgdp_json_str(j, "hidden", a->c2st_hidden);
    tgdp_json_int(j, "steps", a->c2st_steps);
    tgdp_json_num(j, "train_frac", p->cfg.c2st.train_frac);
    tgdp_json_bool(j, "balance", a->c2st_balance);
    tgdp_json_end_object(j);
    tgdp_json_begin_object(j, "tstr");
    tgdp_json_str(j, "hidden", a->tstr_hidden);
    tgdp_json_int(j, "steps", a->tstr_steps);
    tgdp_json_end_object(j);
    tgdp_json_begin_object(j, "utility");
    tgdp_json_bool(j, "on", !a->no_utility);
    tgdp_json_str(j, "arch", a->utility_arch);
    tgdp_json_int(j, "width", a->utility_width);
    tgdp_json_int(j, "steps", a->utility_steps);
    tgdp_json_int(j, "boot", a->boot);
    tgdp_json_num(j, "beta", p->cfg.util.beta);
    tgdp_json_num(j, "threshold", p->cfg.util.threshold);
    tgdp_json_end_object(j);
    tgdp_json_str(j, "classifier_input", a->classifier_input);
    tgdp_json_int(j, "batch", a->batch);
    tgdp_json_num(j, "lr", a->lr);
    tgdp_json_end_object(j);
}

/* "key": value, and for the utility metrics "key_lo": lo, "key_hi": hi */
static void json_metric(tgdp_json *j, int m, double v, double lo, double hi)
{
    char k[64];
    tgdp_json_num(j, tgdp_ecg_metric_key(m), v);
    if (m < TGDP_EM_AUG_MACRO_AUROC) return;
    snprintf(k, sizeof k, "%s_lo", tgdp_ecg_metric_key(m));
    tgdp_json_num(j, k, lo);
    snprintf(k, sizeof k, "%s_hi", tgdp_ecg_metric_key(m));
    tgdp_json_num(j, k, hi);
}

static void write_fold(tgdp_json *j, const tgdp_ecg_eval_result *r, int K)
{
    tgdp_json_begin_object(j, NULL);
    tgdp_json_int(j, "fold", r->fold);
    tgdp_json_int(j, "seed", (int64_t)r->seed);
    for (int m = 0; m < TGDP_EM_COUNT; m++) {
        int um = 0;
        const tgdp_utility_result *u = tgdp_ecg_metric_utility(r, m, &um);
        json_metric(j, m, tgdp_ecg_metric_value(r, m), u ? u->lo[um] : NAN, u ? u->hi[um] : NAN);
    }
    tgdp_json_int(j, "n_real_test", r->n_real_test);
    tgdp_json_int(j, "n_real_train", r->n_real_train);
    json_per_label(j, "tstr_per_label", &r->tstr, K);
    json_per_label(j, "trtr_per_label", &r->trtr, K);
    tgdp_json_end_object(j);
}

/* the results file: every metric's mean at the top level (the utility metrics with the bootstrap
 * interval of the mean as key_lo, key_hi), mean/sd/n (lo/hi) in "summary", each fold's values (and
 * the fold's own intervals) in "results", one line each */
static int write_results(FILE *f, void *ctx)
{
    const eval_run *p = ctx;
    tgdp_json j;
    tgdp_json_init(&j, f, 2);
    tgdp_json_begin_object(&j, NULL);
    tgdp_json_str(&j, "command", "ecg evaluate");
    for (int m = 0; m < TGDP_EM_COUNT; m++) json_metric(&j, m, p->sm.m[m].mean, p->sm.lo[m], p->sm.hi[m]);
    tgdp_json_begin_object(&j, "summary");
    for (int m = 0; m < TGDP_EM_COUNT; m++) {
        tgdp_json_begin_object(&j, tgdp_ecg_metric_key(m));
        tgdp_json_num(&j, "mean", p->sm.m[m].mean);
        tgdp_json_num(&j, "sd", p->sm.m[m].sd);
        tgdp_json_int(&j, "n", p->sm.m[m].n);
        if (m >= TGDP_EM_AUG_MACRO_AUROC) {
            tgdp_json_num(&j, "lo", p->sm.lo[m]);
            tgdp_json_num(&j, "hi", p->sm.hi[m]);
        }
        tgdp_json_end_object(&j);
    }
    tgdp_json_end_object(&j);
    write_settings(&j, p);
    tgdp_json_begin_object(&j, "counts");
    tgdp_json_int(&j, "real_windows", p->xr.shape[0]);
    tgdp_json_int(&j, "real_records", p->n_records);
    tgdp_json_int(&j, "generated_windows", p->xg.shape[0]);
    tgdp_json_int(&j, "source_windows", p->xs.data ? p->xs.shape[0] : 0);
    tgdp_json_end_object(&j);
    tgdp_json_num(&j, "seconds", p->seconds);
    tgdp_json_begin_array(&j, "results");
    for (int i = 0; i < p->nr; i++) write_fold(&j, &p->res[i], p->K);
    tgdp_json_end_array(&j);
    tgdp_json_end_object(&j);
    tgdp_json_finish(&j);
    return ferror(f) ? TGDP_EIO : TGDP_OK;
}

static void print_table(const eval_run *p)
{
    printf("ecg evaluate: %lld generated vs %lld real windows, %d folds x %d seed(s), features %s (%d)\n",
           (long long)p->xg.shape[0], (long long)p->xr.shape[0], p->a->folds, p->a->seeds, p->fe.name, p->fe.dim);
    for (int m = 0; m < TGDP_EM_COUNT; m++) {
        const tgdp_stat s = p->sm.m[m];
        if (!s.n) printf("  %-22s %10s\n", tgdp_ecg_metric_key(m), "n/a");
        else if (m >= TGDP_EM_AUG_MACRO_AUROC)
            printf("  %-22s %10.4f  +- %.4f  (n = %d)  %g-%g%%: [%.4f, %.4f]\n", tgdp_ecg_metric_key(m), s.mean, s.sd,
                   s.n, 100 * p->cfg.util.lo_q, 100 * p->cfg.util.hi_q, p->sm.lo[m], p->sm.hi[m]);
        else printf("  %-22s %10.4f  +- %.4f  (n = %d)\n", tgdp_ecg_metric_key(m), s.mean, s.sd, s.n);
    }
    printf("wrote %s (%.1f s)\n", p->a->out, p->seconds);
}

static void on_fold(void *ctx, int done, int total, const tgdp_ecg_eval_result *r)
{
    const double *t0 = ctx;
    fprintf(stderr, "ecg evaluate: [%d/%d] seed %llu fold %d: c2st_auroc %.3f  feature_distance %.4g  mmd2 %.4g  "
                    "tstr %.3f  trtr %.3f  beat_fraction %.2f/%.2f  hf_noise_ratio %.2f  (%.1f s)\n",
            done, total, (unsigned long long)r->seed, r->fold, r->c2st_auroc, r->feature_distance, r->mmd2,
            r->tstr_macro_auroc, r->trtr_macro_auroc, r->realism.beat_fraction, r->realism.real_beat_fraction,
            r->realism.hf_noise_ratio, tgdp_now_s() - *t0);
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

static const char *const SUMMARY =
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
    "  beat_fraction      share of generated windows with >= 2 R peaks (tgdp ecg beats' detector, on\n"
    "                     --lead at --fs) and a heart rate of 30-220 bpm; real_beat_fraction: the real fold's\n"
    "  hr_w1              Wasserstein-1 distance (bpm) between the heart rates of the two sides' windows\n"
    "  rr_cv, real_rr_cv  mean RR-interval coefficient of variation (windows with >= 3 beats)\n"
    "  hf_noise_ratio     generated windows' share of power above 30 Hz / the real windows' (1 is real-like)\n"
    "  aug_macro_auroc, aug_fbeta2, aug_gbeta2\n"
    "                     utility: a classifier (--utility-arch, the 1-D ResNet) trained on the other real folds\n"
    "                     plus the generated windows with their --generated-labels, tested on the real fold:\n"
    "                     macro-AUROC, and F_beta / G_beta with beta 2 (PhysioNet/CinC Challenge 2020, a label\n"
    "                     predicted at probability > 0.5)\n"
    "  real_only_macro_auroc, real_only_fbeta2, real_only_gbeta2\n"
    "                     the same classifier trained on the real folds alone (reference); each utility\n"
    "                     metric with a bootstrap 5-95% interval over the test records (key_lo, key_hi)\n"
    "Prints mean +- standard deviation over folds x seeds and writes them, with every fold's numbers, to --out.";

/* options into a; 0: go on, 1: --help printed, -1: usage error (printed) */
static int parse_args(int argc, char **argv, eval_args *a)
{
    memset(a, 0, sizeof *a);
    cli_opt opts[] = {
        {"real", OPT_STRING, &a->real, NULL, "real target windows .npy [N, 12, L] or [N, d] (required)", 0, -1},
        {"real-labels", OPT_STRING, &a->real_labels, NULL, "their labels .npy: multi-hot [N, K] or class indices [N]", 0, -1},
        {"real-records", OPT_STRING, &a->real_records, NULL, "their record ids .npy [N] (required: folds are by record)", 0, -1},
        {"generated", OPT_STRING, &a->gen, NULL, "generated windows .npy, the shape of --real (required)", 0, -1},
        {"generated-labels", OPT_STRING, &a->gen_labels, NULL,
         "the labels they were generated for: [M, K] multi-hot or [M] class indices (needed for TSTR)", 0, -1},
        {"source", OPT_STRING, &a->source, NULL, "source windows .npy to train the feature classifier on", 0, -1},
        {"source-labels", OPT_STRING, &a->source_labels, NULL, "their labels (multi-hot or class indices)", 0, -1},
        {"out", OPT_STRING, &a->out, "results.json", "results file (JSON)", 0, -1},
        {"folds", OPT_INT, &a->folds, "5", "k: folds over the real records (each record is tested once per seed)", 2, 1000},
        {"seeds", OPT_INT, &a->seeds, "1", "repeat with seeds seed, seed+1, ... (new folds and classifiers)", 1, 1000},
        {"seed", OPT_INT, &a->seed, "0", "first seed", 0, 2147483647},
        {"features", OPT_STRING, &a->features, "auto",
         "feature space: auto (source if --source is given, else stats), source (penultimate layer of a classifier "
         "trained on --source), stats (12 fixed statistics per lead)", 0, -1},
        {"arch", OPT_STRING, &a->arch, "mlp", "architecture of every classifier the evaluation trains", 0, -1},
        {"leads", OPT_INT, &a->leads, "12", "leads per window when the arrays are [N, d] (3-D arrays give their own)", 1, 4096},
        {"fs", OPT_DOUBLE, &a->fs, "100", "sampling rate of the windows in Hz, for the realism metrics (0: skip them)", 0, 1e6},
        {"lead", OPT_STRING, &a->lead, "II", "lead the beats are detected on (realism metrics)", 0, -1},
        {"c2st-hidden", OPT_STRING, &a->c2st_hidden, "128,128", "hidden widths of the two-sample-test classifier", 0, -1},
        {"c2st-steps", OPT_INT, &a->c2st_steps, "300", "its training steps", 1, 100000000},
        {"tstr-hidden", OPT_STRING, &a->tstr_hidden, "256,256", "hidden widths of the TSTR/TRTR classifier", 0, -1},
        {"tstr-steps", OPT_INT, &a->tstr_steps, "400", "its training steps", 1, 100000000},
        {"feature-hidden", OPT_STRING, &a->feature_hidden, "256,256", "hidden widths of the source feature classifier", 0, -1},
        {"feature-steps", OPT_INT, &a->feature_steps, "1000", "its training steps", 1, 100000000},
        {"batch", OPT_INT, &a->batch, "64", "batch size of every classifier", 2, 1000000},
        {"lr", OPT_DOUBLE, &a->lr, "0.001", "Adam learning rate of every classifier", 1e-12, 10},
        {"classifier-input", OPT_STRING, &a->classifier_input, "features",
         "what the C2ST/TSTR/TRTR classifiers see: features (the standardised features of --features) or raw "
         "(the windows; for convolutional --arch)", 0, -1},
        {"c2st-balance", OPT_FLAG, &a->c2st_balance, NULL,
         "subsample the larger side of the C2ST to the smaller (default: all windows, class-balanced loss)", 0, -1},
        {"utility-arch", OPT_STRING, &a->utility_arch, "resnet1d", "the utility classifier: resnet1d (over [leads, L]) or mlp", 0, -1},
        {"utility-width", OPT_INT, &a->utility_width, "16", "its base width (resnet1d)", 1, 1024},
        {"utility-steps", OPT_INT, &a->utility_steps, "600", "its training steps", 1, 100000000},
        {"boot", OPT_INT, &a->boot, "200", "bootstrap replicates of the utility intervals", 1, TGDP_BOOT_MAX},
        {"no-utility", OPT_FLAG, &a->no_utility, NULL, "skip the utility classifiers (aug_*, real_only_*: null)", 0, -1},
        {"max-mmd", OPT_INT, &a->max_mmd, "1000", "windows per set for MMD^2 (a seeded subsample)", 2, 1000000},
        {"threads", OPT_INT, &a->threads, "0", "threads (0: all cores)", 0, 1024},
        {"quiet", OPT_FLAG, &a->quiet, NULL, "no progress lines", 0, -1},
        {"json", OPT_FLAG, &a->json, NULL, "print the results JSON on stdout instead of the table", 0, -1},
    };
    int pr = cli_parse(CMD, SUMMARY, opts, NOPT(opts), argc, argv);
    if (pr) return pr;
    static const char *const utility_opts[] = {"utility-arch", "utility-width", "utility-steps", "boot", NULL};
    if (a->no_utility && cli_reject(CMD, opts, NOPT(opts), "with --no-utility", utility_opts)) return -1;
    if (!a->real || !a->gen || !a->real_records)
        return cli_errorf(CMD, "--real, --real-records and --generated are required (see --help)"), -1;
    if (a->source_labels && !a->source) return cli_errorf(CMD, "--source-labels needs --source"), -1;
    if (strcmp(a->features, "auto") && strcmp(a->features, "stats") && strcmp(a->features, "source"))
        return cli_errorf(CMD, "--features: expected auto, stats or source, got '%s'", a->features), -1;
    if (strcmp(a->classifier_input, "features") && strcmp(a->classifier_input, "raw"))
        return cli_errorf(CMD, "--classifier-input: expected features or raw, got '%s'", a->classifier_input), -1;
    if (strcmp(a->utility_arch, "resnet1d") && strcmp(a->utility_arch, "mlp"))
        return cli_errorf(CMD, "--utility-arch: expected resnet1d or mlp, got '%s'", a->utility_arch), -1;
    if (tgdp_ecg_lead_from_name(a->lead) < 0)
        return cli_errorf(CMD, "--lead: '%s' is not one of the 12 standard leads", a->lead), -1;
    a->use_source = strcmp(a->features, "source") == 0 || (strcmp(a->features, "auto") == 0 && a->source);
    if (a->use_source && (!a->source || !a->source_labels))
        return cli_errorf(CMD, "--features source needs --source and --source-labels"), -1;
    return 0;
}

/* the evaluation's configuration from the options; -1 on a bad value (printed) */
static int make_config(eval_run *p)
{
    const eval_args *a = p->a;
    tgdp_ecg_eval_config *cfg = &p->cfg;
    tgdp_eval_classifier_opts *fo = &p->fo;
    tgdp_error err;
    tgdp_ecg_eval_config_default(cfg);
    tgdp_eval_classifier_opts_default(fo);
    if (tgdp_ecg_eval_config_arch(cfg, a->arch, &err)) return cli_error(CMD, &err), -1;
    snprintf(fo->arch, sizeof fo->arch, "%s", a->arch);
    if (set_hidden(&cfg->c2st.cls, a->c2st_hidden, "c2st-hidden") || set_hidden(&cfg->tstr, a->tstr_hidden, "tstr-hidden") ||
        set_hidden(fo, a->feature_hidden, "feature-hidden"))
        return -1;
    cfg->c2st.cls.steps = a->c2st_steps;
    cfg->tstr.steps = a->tstr_steps;
    fo->steps = a->feature_steps;
    cfg->c2st.cls.batch = cfg->tstr.batch = fo->batch = a->batch;
    cfg->c2st.cls.lr = cfg->tstr.lr = fo->lr = a->lr;
    cfg->max_mmd = a->max_mmd;
    cfg->classifier_on_features = strcmp(a->classifier_input, "features") == 0;
    cfg->c2st.balance = a->c2st_balance;
    cfg->fs = a->fs;
    cfg->realism_lead = tgdp_ecg_lead_from_name(a->lead);
    cfg->utility = a->no_utility ? 0 : TGDP_UTILITY_AUG | TGDP_UTILITY_REAL_ONLY;
    snprintf(cfg->util.cls.arch, sizeof cfg->util.cls.arch, "%s", a->utility_arch);
    cfg->util.cls.width = a->utility_width;
    cfg->util.cls.steps = a->utility_steps;
    cfg->util.cls.batch = a->batch;
    cfg->util.cls.lr = a->lr;
    cfg->util.n_boot = a->boot;
    cfg->seed = (uint64_t)a->seed;
    fo->seed = (uint64_t)a->seed ^ 0xfeaull;
    return 0;
}

/* the real and generated windows, record ids and labels; -1 on failure (printed) */
static int load_real_and_generated(eval_run *p)
{
    const eval_args *a = p->a;
    tgdp_error err;
    int dg = 0, lg = 0, Kg = 0;
    if (load_windows(a->real, &p->xr, &p->d, &p->leads, &err) || load_windows(a->gen, &p->xg, &dg, &lg, &err))
        return cli_error(CMD, &err), -1;
    const int64_t n = p->xr.shape[0];
    if (dg != p->d) return cli_errorf(CMD, "%s has windows of %d values but %s has %d", a->gen, dg, a->real, p->d), -1;
    if (!p->leads) p->leads = lg ? lg : a->leads;
    if (p->d % p->leads)
        return cli_errorf(CMD, "windows of %d values are not %d leads of equal length (see --leads)", p->d, p->leads), -1;
    if (tgdp_npy_read_i64(a->real_records, &p->rec, &err)) return cli_error(CMD, &err), -1;
    if (tgdp_array_numel(&p->rec) != (size_t)n)
        return cli_errorf(CMD, "%s: %zu record ids for %lld windows in %s", a->real_records, tgdp_array_numel(&p->rec),
                          (long long)n, a->real), -1;
    if (a->real_labels && load_labels(a->real_labels, n, 0, &p->lr, &p->K, &err)) return cli_error(CMD, &err), -1;
    if (a->gen_labels) {
        if (!p->lr) return cli_errorf(CMD, "--generated-labels needs --real-labels (TSTR is tested on the real labels)"), -1;
        if (load_labels(a->gen_labels, p->xg.shape[0], p->K, &p->lgen, &Kg, &err)) return cli_error(CMD, &err), -1;
    }
    return 0;
}

/* the feature space: a classifier trained on --source, or the fixed statistics */
static int make_features(eval_run *p)
{
    const eval_args *a = p->a;
    tgdp_error err;
    int ds = 0, ls = 0;
    if (!a->use_source) {
        if (tgdp_ecg_stat_features(&p->fe, p->leads, p->d / p->leads, &err)) return cli_error(CMD, &err), -1;
        return 0;
    }
    if (load_windows(a->source, &p->xs, &ds, &ls, &err) ||
        load_labels(a->source_labels, p->xs.shape[0], 0, &p->lsrc, &p->Ks, &err))
        return cli_error(CMD, &err), -1;
    if (ds != p->d) return cli_errorf(CMD, "%s has windows of %d values but %s has %d", a->source, ds, a->real, p->d), -1;
    tgdp_eval_set src = {p->xs.shape[0], p->d, p->xs.data, p->Ks, p->lsrc, NULL};
    if (!a->quiet)
        fprintf(stderr, "ecg evaluate: training the feature classifier on %lld source windows (%d labels)\n",
                (long long)src.n, p->Ks);
    if (tgdp_source_features(&p->fe, &src, &p->fo, &err)) return cli_error(CMD, &err), -1;
    return 0;
}

static void run_free(eval_run *p)
{
    tgdp_feature_extractor_free(&p->fe);
    tgdp_tensor_free(&p->xr);
    tgdp_tensor_free(&p->xg);
    tgdp_tensor_free(&p->xs);
    if (p->rec.data) tgdp_array_free(&p->rec);
    free(p->lr), free(p->lgen), free(p->lsrc), free(p->res);
}

int cmd_ecg_evaluate(int argc, char **argv)
{
    eval_args a;
    int pr = parse_args(argc, argv, &a);
    if (pr) return pr > 0 ? 0 : 2;
    eval_run p;
    memset(&p, 0, sizeof p);
    p.a = &a;
    if (make_config(&p)) return 2;
    tgdp_set_threads(a.threads);
    double t0 = tgdp_now_s();
    tgdp_error err;
    int rc = load_real_and_generated(&p) || make_features(&p);
    if (!rc) {
        p.cfg.tstr.n_leads = p.cfg.c2st.cls.n_leads = p.cfg.util.cls.n_leads = p.leads;
        tgdp_eval_set real = {p.xr.shape[0], p.d, p.xr.data, p.lr ? p.K : 0, p.lr, p.rec.data};
        tgdp_eval_set gen = {p.xg.shape[0], p.d, p.xg.data, p.lgen ? p.K : 0, p.lgen, NULL};
        p.nr = a.folds * a.seeds;
        if (!(p.res = calloc((size_t)p.nr, sizeof *p.res))) rc = cli_errorf(CMD, "out of memory");
        else if (tgdp_ecg_eval_kfold(&p.cfg, &real, &gen, &p.fe, a.folds, a.seeds, p.res, a.quiet ? NULL : on_fold, &t0,
                                     &err))
            rc = cli_error(CMD, &err);
    }
    if (!rc) {
        p.n_records = count_records(p.xr.shape[0], p.rec.data);
        tgdp_ecg_eval_summarize(p.res, p.nr, &p.sm);
        p.seconds = tgdp_now_s() - t0;
        if (tgdp_atomic_write(a.out, write_results, &p, &err)) rc = cli_error(CMD, &err);
    }
    if (!rc && a.json) write_results(stdout, &p);
    else if (!rc) print_table(&p);
    run_free(&p);
    return rc ? 1 : 0;
}

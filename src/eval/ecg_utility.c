/* The paper's utility evaluation (tgdp/ecg_eval.h): a classifier trained on real (+ generated)
 * windows, tested on held-out real windows; macro AUROC, the PhysioNet/CinC Challenge F_beta and
 * G_beta, and bootstrap intervals over the test records. */
#include "tgdp/ecg_eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tgdp_utility_opts_default(tgdp_utility_opts *o)
{
    memset(o, 0, sizeof *o);
    tgdp_eval_classifier_opts_default(&o->cls);
    snprintf(o->cls.arch, sizeof o->cls.arch, "resnet1d");
    o->cls.width = 16;
    o->cls.steps = 600;
    o->beta = 2.0;
    o->threshold = 0.5;
    o->n_boot = TGDP_BOOT_MAX;
    o->lo_q = 0.05;
    o->hi_q = 0.95;
}

void tgdp_utility_result_clear(tgdp_utility_result *r)
{
    memset(r, 0, sizeof *r);
    for (int m = 0; m < TGDP_UM_COUNT; m++) r->value[m] = r->lo[m] = r->hi[m] = NAN;
}

/* PhysioNet/CinC Challenge 2020, evaluate_12ECG_score.py: compute_confusion_matrices(normalize=True)
 * and compute_beta_measures. Each recording (here: window) adds 1 / (number of its positive labels)
 * to the TP/FP/FN/TN cell of every class; the Challenge's label files always carry a label, ours
 * may not (weight 1 then). */
void tgdp_challenge_beta_measures(int64_t n, int K, const float *logits, const int64_t *labels, double threshold,
                                  double beta, double *fbeta, double *gbeta)
{
    const double t = log(threshold / (1.0 - threshold)); /* logit > t  <=>  sigmoid(logit) > threshold */
    double tp[TGDP_EVAL_MAX_LABELS] = {0}, fp[TGDP_EVAL_MAX_LABELS] = {0}, fn[TGDP_EVAL_MAX_LABELS] = {0};
    for (int64_t i = 0; i < n; i++) {
        int pos = 0;
        for (int k = 0; k < K; k++) pos += labels[i * K + k] != 0;
        const double w = 1.0 / (pos > 0 ? pos : 1);
        for (int k = 0; k < K; k++) {
            const int y = labels[i * K + k] != 0, p = logits[i * K + k] > t;
            if (y && p) tp[k] += w;
            else if (p) fp[k] += w;
            else if (y) fn[k] += w;
        }
    }
    double sf = 0, sg = 0;
    int nf = 0, ng = 0;
    for (int k = 0; k < K; k++) {
        const double df = (1 + beta * beta) * tp[k] + fp[k] + beta * beta * fn[k], dg = tp[k] + fp[k] + beta * fn[k];
        if (df > 0) sf += (1 + beta * beta) * tp[k] / df, nf++;
        if (dg > 0) sg += tp[k] / dg, ng++;
    }
    *fbeta = nf ? sf / nf : NAN;
    *gbeta = ng ? sg / ng : NAN;
}

/* the three metrics of rows [n, K] */
static void metrics_of(int64_t n, int K, const float *logits, const int64_t *labels, const tgdp_utility_opts *o,
                       double *v)
{
    tgdp_macro_auroc ma;
    tgdp_error e;
    v[TGDP_UM_MACRO_AUROC] = n > 1 && tgdp_macro_auroc_eval(n, K, logits, labels, &ma, &e) == 0 ? ma.value : NAN;
    tgdp_challenge_beta_measures(n, K, logits, labels, o->threshold, o->beta, &v[TGDP_UM_FBETA], &v[TGDP_UM_GBETA]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* the q quantile (linear interpolation) of the finite values of v[0..n) (sorted in place) */
static double quantile(double *v, int n, double q)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) v[k++] = v[i];
    if (!k) return NAN;
    qsort(v, (size_t)k, sizeof *v, cmp_double);
    const double pos = q * (k - 1);
    const int i = (int)floor(pos);
    return i + 1 < k ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[k - 1];
}

/* windows grouped by record: order[] lists the windows record after record, first[r]..first[r+1] */
typedef struct by_record {
    int64_t R, *order, *first;
} by_record;

static int group_records(const tgdp_eval_set *s, by_record *g, tgdp_error *err)
{
    const int64_t n = s->n;
    int64_t *key = malloc((size_t)n * 2 * sizeof *key);
    g->order = malloc((size_t)n * sizeof *g->order);
    g->first = malloc((size_t)(n + 1) * sizeof *g->first);
    if (!key || !g->order || !g->first) {
        free(key);
        return tgdp_fail(err, TGDP_ENOMEM, "bootstrap: out of memory");
    }
    for (int64_t i = 0; i < n; i++) key[2 * i] = s->record ? s->record[i] : i, key[2 * i + 1] = i;
    qsort(key, (size_t)n, 2 * sizeof *key, cmp_i64); /* by record, then window */
    g->R = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i == 0 || key[2 * i] != key[2 * i - 2]) g->first[g->R++] = i;
        g->order[i] = key[2 * i + 1];
    }
    g->first[g->R] = n;
    free(key);
    return TGDP_OK;
}

/* one replicate: R records drawn with replacement, their windows' rows gathered */
static int64_t draw(const tgdp_eval_set *s, const float *logits, const by_record *g, tgdp_rng *r, float *bl,
                    int64_t *by)
{
    const int K = s->n_labels;
    int64_t m = 0;
    for (int64_t j = 0; j < g->R; j++) {
        const int64_t rec = (int64_t)tgdp_rng_below(r, (uint64_t)g->R);
        for (int64_t p = g->first[rec]; p < g->first[rec + 1]; p++) {
            const int64_t i = g->order[p];
            memcpy(bl + m * K, logits + i * K, (size_t)K * sizeof *bl);
            memcpy(by + m * K, s->labels + i * K, (size_t)K * sizeof *by);
            m++;
        }
    }
    return m;
}

int tgdp_utility_scores(const tgdp_eval_set *test, const float *logits, const tgdp_utility_opts *o, uint64_t seed,
                        tgdp_utility_result *res, tgdp_error *err)
{
    tgdp_utility_result_clear(res);
    const int K = test->n_labels;
    if (!test->labels || K < 1 || K > TGDP_EVAL_MAX_LABELS || test->n < 1)
        return tgdp_fail(err, TGDP_EINVAL, "utility scores: the test set needs labels");
    if (o->n_boot < 1 || o->n_boot > TGDP_BOOT_MAX || !(o->threshold > 0 && o->threshold < 1) || !(o->beta > 0))
        return tgdp_fail(err, TGDP_EINVAL, "utility scores: n_boot 1..%d, threshold in (0, 1), beta > 0", TGDP_BOOT_MAX);
    res->n_test = test->n;
    metrics_of(test->n, K, logits, test->labels, o, res->value);
    by_record g = {0, NULL, NULL};
    int rc = group_records(test, &g, err);
    int64_t max_win = 0;
    for (int64_t j = 0; !rc && j < g.R; j++)
        if (g.first[j + 1] - g.first[j] > max_win) max_win = g.first[j + 1] - g.first[j];
    const int64_t cap = g.R * max_win;
    float *bl = rc ? NULL : malloc((size_t)(cap * K) * sizeof *bl);
    int64_t *by = rc ? NULL : malloc((size_t)(cap * K) * sizeof *by);
    double *tmp = malloc((size_t)o->n_boot * sizeof *tmp);
    if (!rc && (!bl || !by || !tmp)) rc = tgdp_fail(err, TGDP_ENOMEM, "bootstrap: out of memory");
    tgdp_rng base = tgdp_rng_new(seed ^ 0xb0075ULL);
    for (int b = 0; !rc && b < o->n_boot; b++) {
        tgdp_rng r = tgdp_rng_split(&base, (uint64_t)b);
        const int64_t m = draw(test, logits, &g, &r, bl, by);
        double v[TGDP_UM_COUNT];
        metrics_of(m, K, bl, by, o, v);
        for (int k = 0; k < TGDP_UM_COUNT; k++) res->boot[k][b] = (float)v[k];
    }
    if (!rc) {
        res->n_boot = o->n_boot;
        res->lo_q = o->lo_q;
        res->hi_q = o->hi_q;
        for (int k = 0; k < TGDP_UM_COUNT; k++) {
            for (int b = 0; b < o->n_boot; b++) tmp[b] = res->boot[k][b];
            res->lo[k] = quantile(tmp, o->n_boot, o->lo_q);
            for (int b = 0; b < o->n_boot; b++) tmp[b] = res->boot[k][b];
            res->hi[k] = quantile(tmp, o->n_boot, o->hi_q);
        }
    }
    free(g.order), free(g.first), free(bl), free(by), free(tmp);
    return rc;
}

/* train plus extra as one owned set */
static int concat(const tgdp_eval_set *a, const tgdp_eval_set *b, tgdp_eval_owned *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    const int64_t n = a->n + (b ? b->n : 0);
    const int d = a->d, K = a->n_labels;
    out->x = malloc((size_t)n * d * sizeof *out->x);
    out->labels = malloc((size_t)n * K * sizeof *out->labels);
    if (!out->x || !out->labels) {
        tgdp_eval_owned_free(out);
        return tgdp_fail(err, TGDP_ENOMEM, "utility: out of memory for %lld training windows", (long long)n);
    }
    memcpy(out->x, a->x, (size_t)a->n * d * sizeof *out->x);
    memcpy(out->labels, a->labels, (size_t)a->n * K * sizeof *out->labels);
    if (b) {
        memcpy(out->x + (size_t)a->n * d, b->x, (size_t)b->n * d * sizeof *out->x);
        memcpy(out->labels + (size_t)a->n * K, b->labels, (size_t)b->n * K * sizeof *out->labels);
    }
    out->set = (tgdp_eval_set){n, d, out->x, K, out->labels, NULL};
    return TGDP_OK;
}

int tgdp_utility_eval(const tgdp_utility_opts *o, const tgdp_eval_set *train, const tgdp_eval_set *extra,
                      const tgdp_eval_set *test, uint64_t seed, tgdp_utility_result *res, tgdp_error *err)
{
    tgdp_utility_result_clear(res);
    if (!train || !test || !train->labels || !test->labels || train->n < 1 || test->n < 1)
        return tgdp_fail(err, TGDP_EINVAL, "utility: needs labelled training and test windows");
    if (train->n_labels != test->n_labels || train->d != test->d ||
        (extra && (!extra->labels || extra->n_labels != test->n_labels || extra->d != test->d)))
        return tgdp_fail(err, TGDP_EINVAL, "utility: training and test sets differ in window size or labels");
    tgdp_eval_owned all;
    int rc = concat(train, extra, &all, err);
    if (rc) return rc;
    tgdp_net net;
    float *logits = malloc((size_t)test->n * test->n_labels * sizeof *logits);
    rc = logits ? tgdp_eval_classifier_create(&net, &o->cls, test->d, test->n_labels, o->cls.seed, err)
                : tgdp_fail(err, TGDP_ENOMEM, "utility: out of memory");
    if (!rc) {
        rc = tgdp_train_multilabel(&net, &all.set, &o->cls, err);
        if (!rc) {
            tgdp_arena ar;
            tgdp_arena_init(&ar);
            rc = tgdp_net_eval(&net, &ar, test->n, test->x, NULL, NULL, logits, err);
            tgdp_arena_free(&ar);
        }
        tgdp_net_free(&net);
    }
    if (!rc) rc = tgdp_utility_scores(test, logits, o, seed, res, err);
    res->n_train = all.set.n;
    free(logits);
    tgdp_eval_owned_free(&all);
    return rc;
}

void tgdp_utility_pool(const tgdp_utility_result *const *r, int n, int m, double lo_q, double hi_q, double *mean,
                       double *lo, double *hi)
{
    *mean = *lo = *hi = NAN;
    double s = 0, rep[TGDP_BOOT_MAX];
    int k = 0, B = TGDP_BOOT_MAX;
    for (int i = 0; i < n; i++)
        if (isfinite(r[i]->value[m])) {
            s += r[i]->value[m], k++;
            if (r[i]->n_boot < B) B = r[i]->n_boot;
        }
    if (!k) return;
    *mean = s / k;
    for (int b = 0; b < B; b++) {
        double t = 0;
        int c = 0;
        for (int i = 0; i < n; i++)
            if (isfinite(r[i]->value[m]) && isfinite(r[i]->boot[m][b])) t += r[i]->boot[m][b], c++;
        rep[b] = c == k ? t / c : NAN; /* a replicate counts when every fold has it */
    }
    if (B < 1) return;
    double tmp[TGDP_BOOT_MAX];
    memcpy(tmp, rep, (size_t)B * sizeof *tmp);
    *lo = quantile(tmp, B, lo_q);
    memcpy(tmp, rep, (size_t)B * sizeof *tmp);
    *hi = quantile(tmp, B, hi_q);
}

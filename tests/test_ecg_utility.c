/* The utility evaluation of tgdp/ecg_eval.h: the Challenge F_beta / G_beta against hand-computed
 * values, the bootstrap over records (perfect scores, interval order, record grouping), pooling
 * over folds, the 1-D ResNet classifier trained on real (+ synthetic) windows, and the demo's
 * metric keys. */
#include "tgdp/ecg_eval.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void test_beta_measures(void)
{
    /* K = 2, beta = 2, threshold 0.5 (logit > 0 predicts):
     *  row 1: labels 10, predicts 10 -> TP0 += 1
     *  row 2: labels 11, predicts 10 -> weight 1/2: TP0 += .5, FN1 += .5
     *  row 3: labels 01, predicts 11 -> FP0 += 1, TP1 += 1
     *  row 4: labels 00, predicts 01 -> no label: weight 1, FP1 += 1
     *  row 5: labels 01, predicts 00 -> FN1 += 1
     * class 0: TP 1.5 FP 1 FN 0: F = 5 (1.5) / (7.5 + 1) = 15/17, G = 1.5 / 2.5 = 0.6
     * class 1: TP 1 FP 1 FN 1.5: F = 5 / (5 + 1 + 4 (1.5)) = 5/12, G = 1 / (1 + 1 + 2 (1.5)) = 0.2 */
    const float logits[10] = {1, -1, 1, -1, 1, 1, -1, 1, -1, -1};
    const int64_t labels[10] = {1, 0, 1, 1, 0, 1, 0, 0, 0, 1};
    double f, g;
    tgdp_challenge_beta_measures(5, 2, logits, labels, 0.5, 2.0, &f, &g);
    CHECK_CLOSE(f, 0.5 * (15.0 / 17.0 + 5.0 / 12.0), 1e-12, 0);
    CHECK_CLOSE(g, 0.5 * (0.6 + 0.2), 1e-12, 0);
    /* beta = 1: F is the (weighted) F1 */
    tgdp_challenge_beta_measures(5, 2, logits, labels, 0.5, 1.0, &f, &g);
    CHECK_CLOSE(f, 0.5 * (3.0 / 4.0 + 2.0 / 4.5), 1e-12, 0);
    /* a threshold of 0.8 (logit 1.386): nothing is predicted; class 0 and 1 have FN only */
    tgdp_challenge_beta_measures(5, 2, logits, labels, 0.8, 2.0, &f, &g);
    CHECK(f == 0 && g == 0);
    /* no positives and no predictions anywhere: undefined */
    const int64_t none[10] = {0};
    const float neg[10] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    tgdp_challenge_beta_measures(5, 2, neg, none, 0.5, 2.0, &f, &g);
    CHECK(isnan(f) && isnan(g));
}

static void test_scores_and_pool(void)
{
    /* 12 records of 3 windows, label = record parity; perfect scores: every replicate is perfect */
    enum { N = 36, K = 1 };
    float logit[N], noisy[N];
    int64_t lab[N], rec[N];
    tgdp_rng r = tgdp_rng_new(3);
    for (int i = 0; i < N; i++) {
        rec[i] = 1000 + i / 3;
        lab[i] = (i / 3) % 2;
        logit[i] = lab[i] ? 2.0f : -2.0f;
        noisy[i] = (float)(lab[i] + 1.2 * tgdp_rng_normal(&r));
    }
    tgdp_eval_set test = {N, 1, NULL, K, lab, rec};
    tgdp_utility_opts o;
    tgdp_utility_opts_default(&o);
    o.n_boot = 100;
    tgdp_utility_result a, b, c;
    tgdp_error err;
    CHECK(tgdp_utility_scores(&test, logit, &o, 1, &a, &err) == 0);
    CHECK(a.value[TGDP_UM_MACRO_AUROC] == 1 && a.value[TGDP_UM_FBETA] == 1 && a.value[TGDP_UM_GBETA] == 1);
    CHECK(a.lo[TGDP_UM_MACRO_AUROC] == 1 && a.hi[TGDP_UM_MACRO_AUROC] == 1 && a.n_boot == 100 && a.n_test == N);
    CHECK(tgdp_utility_scores(&test, noisy, &o, 1, &b, &err) == 0);
    printf("noisy scores: AUROC %.3f [%.3f, %.3f], F2 %.3f [%.3f, %.3f], G2 %.3f [%.3f, %.3f]\n",
           b.value[0], b.lo[0], b.hi[0], b.value[1], b.lo[1], b.hi[1], b.value[2], b.lo[2], b.hi[2]);
    for (int m = 0; m < TGDP_UM_COUNT; m++)
        CHECKF(b.lo[m] <= b.value[m] + 0.05 && b.value[m] <= b.hi[m] + 0.05 && b.lo[m] < b.hi[m], "metric %d: %g [%g, %g]",
               m, b.value[m], b.lo[m], b.hi[m]);
    CHECK(b.value[TGDP_UM_MACRO_AUROC] > 0.6 && b.value[TGDP_UM_MACRO_AUROC] < 1);
    /* the same seed gives the same replicates; another seed other ones */
    CHECK(tgdp_utility_scores(&test, noisy, &o, 1, &c, &err) == 0 && memcmp(c.boot, b.boot, sizeof b.boot) == 0);
    CHECK(tgdp_utility_scores(&test, noisy, &o, 2, &c, &err) == 0 && memcmp(c.boot, b.boot, sizeof b.boot) != 0);
    /* resampling records, not windows: with one record per label value the replicates that draw
     * a single record have no AUROC (one class) and are left out */
    int64_t rec2[N];
    for (int i = 0; i < N; i++) rec2[i] = lab[i];
    tgdp_eval_set two = {N, 1, NULL, K, lab, rec2};
    CHECK(tgdp_utility_scores(&two, noisy, &o, 1, &c, &err) == 0);
    int undefined = 0;
    for (int k = 0; k < o.n_boot; k++) undefined += isnan(c.boot[TGDP_UM_MACRO_AUROC][k]);
    CHECKF(undefined > 20 && undefined < 80, "%d of 100 replicates drew one record twice", undefined);
    /* pooling two folds: the mean of the values; the interval of the mean is narrower than
     * either fold's */
    const tgdp_utility_result *two_folds[2] = {&b, &c};
    double mean, lo, hi;
    CHECK(tgdp_utility_scores(&test, noisy, &o, 7, &c, &err) == 0);
    tgdp_utility_pool(two_folds, 2, TGDP_UM_MACRO_AUROC, 0.05, 0.95, &mean, &lo, &hi);
    CHECK_CLOSE(mean, 0.5 * (b.value[0] + c.value[0]), 1e-12, 0);
    CHECKF(hi - lo < fmax(b.hi[0] - b.lo[0], c.hi[0] - c.lo[0]) && lo < mean && mean < hi, "pooled [%g, %g]", lo, hi);
    /* errors */
    o.n_boot = TGDP_BOOT_MAX + 1;
    CHECK(tgdp_utility_scores(&test, noisy, &o, 1, &c, &err) == TGDP_EINVAL);
}

/* [12, 64] windows whose label k (of 3) shows as a sine of frequency k + 1 on lead k; records of
 * 2 windows */
static void make_set(tgdp_rng *r, int n, float noise, int64_t rec0, float *x, int64_t *lab, int64_t *rec)
{
    const int C = 12, L = 64, K = 3;
    for (int i = 0; i < n; i++) {
        const int k = (int)((rec0 + i / 2) % K);
        for (int j = 0; j < K; j++) lab[i * K + j] = j == k;
        for (int c = 0; c < C; c++)
            for (int t = 0; t < L; t++)
                x[((size_t)i * C + c) * L + t] =
                    (float)((c == k ? sin(0.1 * (k + 1) * t * 6.28 / 6.4) : 0.0) + noise * tgdp_rng_normal(r));
        if (rec) rec[i] = rec0 + i / 2;
    }
}

static void test_utility_eval(void)
{
    enum { C = 12, L = 64, D = C * L, K = 3, NTR = 24, NTE = 60, NG = 48 };
    float *xtr = malloc(sizeof(float) * NTR * D), *xte = malloc(sizeof(float) * NTE * D), *xg = malloc(sizeof(float) * NG * D);
    int64_t ltr[NTR * K], lte[NTE * K], lg[NG * K], rte[NTE], wrong[NG * K];
    tgdp_rng r = tgdp_rng_new(11);
    make_set(&r, NTR, 0.8f, 0, xtr, ltr, NULL);
    make_set(&r, NTE, 0.8f, 100, xte, lte, rte);
    make_set(&r, NG, 0.8f, 500, xg, lg, NULL);
    for (int i = 0; i < NG; i++)
        for (int j = 0; j < K; j++) wrong[i * K + j] = lg[i * K + (j + 1) % K]; /* every label shifted */
    tgdp_eval_set train = {NTR, D, xtr, K, ltr, NULL}, test = {NTE, D, xte, K, lte, rte};
    tgdp_eval_set gen = {NG, D, xg, K, lg, NULL}, bad = {NG, D, xg, K, wrong, NULL};
    tgdp_utility_opts o;
    tgdp_utility_opts_default(&o);
    o.cls.width = 8;
    o.cls.steps = 120;
    o.cls.n_leads = C;
    o.cls.lr = 3e-3;
    o.n_boot = 50;
    tgdp_utility_result ro, aug, wr;
    tgdp_error err;
    CHECKF(tgdp_utility_eval(&o, &train, NULL, &test, 5, &ro, &err) == 0, "%s", err.msg);
    CHECKF(tgdp_utility_eval(&o, &train, &gen, &test, 5, &aug, &err) == 0, "%s", err.msg);
    CHECKF(tgdp_utility_eval(&o, &train, &bad, &test, 5, &wr, &err) == 0, "%s", err.msg);
    printf("resnet1d utility: real only AUROC %.3f F2 %.3f G2 %.3f; + right labels %.3f %.3f %.3f; + wrong labels %.3f "
           "%.3f %.3f\n",
           ro.value[0], ro.value[1], ro.value[2], aug.value[0], aug.value[1], aug.value[2], wr.value[0], wr.value[1],
           wr.value[2]);
    CHECK(ro.n_train == NTR && aug.n_train == NTR + NG && aug.n_test == NTE);
    CHECK(aug.value[TGDP_UM_MACRO_AUROC] > 0.9);                     /* the signal is easy with enough data */
    CHECK(wr.value[TGDP_UM_MACRO_AUROC] < aug.value[TGDP_UM_MACRO_AUROC] - 0.2); /* wrong labels hurt */
    CHECK(aug.value[TGDP_UM_FBETA] > wr.value[TGDP_UM_FBETA]);
    /* the MLP works too; an unknown architecture is refused */
    snprintf(o.cls.arch, sizeof o.cls.arch, "mlp");
    o.cls.n_hidden = 1;
    o.cls.hidden[0] = 16;
    CHECK(tgdp_utility_eval(&o, &train, &gen, &test, 5, &aug, &err) == 0 && isfinite(aug.value[0]));
    snprintf(o.cls.arch, sizeof o.cls.arch, "nope");
    CHECK(tgdp_utility_eval(&o, &train, &gen, &test, 5, &aug, &err) == TGDP_EUNSUPPORTED);
    tgdp_eval_set short_test = test;
    short_test.d = D - 1;
    CHECK(tgdp_utility_eval(&o, &train, &gen, &short_test, 5, &aug, &err) == TGDP_EINVAL);
    free(xtr), free(xte), free(xg);
}

static void test_metric_keys(void)
{
    static const char *const keys[] = {"c2st_auroc", "feature_distance", "mmd2", "tstr_macro_auroc", "trtr_macro_auroc",
                                       "beat_fraction", "real_beat_fraction", "hr_w1", "rr_cv", "real_rr_cv",
                                       "hf_noise_ratio", "aug_macro_auroc", "aug_fbeta2", "aug_gbeta2",
                                       "real_only_macro_auroc", "real_only_fbeta2", "real_only_gbeta2"};
    CHECK(sizeof keys / sizeof *keys == TGDP_EM_COUNT);
    for (int m = 0; m < TGDP_EM_COUNT; m++) CHECKF(strcmp(tgdp_ecg_metric_key(m), keys[m]) == 0, "%d", m);
    tgdp_ecg_eval_result r;
    memset(&r, 0, sizeof r);
    tgdp_utility_result_clear(&r.aug);
    tgdp_utility_result_clear(&r.real_only);
    r.aug.value[TGDP_UM_GBETA] = 0.25;
    r.real_only.value[TGDP_UM_FBETA] = 0.75;
    int um = -1;
    CHECK(tgdp_ecg_metric_value(&r, TGDP_EM_AUG_GBETA2) == 0.25 && tgdp_ecg_metric_value(&r, TGDP_EM_REAL_ONLY_FBETA2) == 0.75);
    CHECK(tgdp_ecg_metric_utility(&r, TGDP_EM_REAL_ONLY_GBETA2, &um) == &r.real_only && um == TGDP_UM_GBETA);
    CHECK(tgdp_ecg_metric_utility(&r, TGDP_EM_C2ST_AUROC, &um) == NULL);
}

int main(void)
{
    test_beta_measures();
    test_scores_and_pool();
    test_metric_keys();
    test_utility_eval();
    TEST_MAIN_END();
}

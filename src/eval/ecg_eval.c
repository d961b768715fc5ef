/* Evaluation of generated windows against held-out real target records: feature distances,
 * one fold (C2ST, Frechet, MMD^2, TSTR, TRTR), record-level k folds over seeds, and the mean
 * and spread of every metric. */
#include "tgdp/ecg_eval.h"
#include "tgdp/ecg.h"
#include "tgdp/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tgdp_ecg_eval_config_default(tgdp_ecg_eval_config *c)
{
    memset(c, 0, sizeof *c);
    tgdp_c2st_opts_default(&c->c2st);
    tgdp_eval_classifier_opts_default(&c->tstr);
    c->max_mmd = 1000;
    c->classifier_on_features = 1;
    c->fs = TGDP_ECG_DEFAULT_FS;
    c->realism_lead = TGDP_LEAD_II;
    c->utility = TGDP_UTILITY_AUG | TGDP_UTILITY_REAL_ONLY;
    tgdp_utility_opts_default(&c->util);
    c->seed = 0;
}

int tgdp_ecg_eval_config_arch(tgdp_ecg_eval_config *c, const char *arch, tgdp_error *err)
{
    if (!arch || !arch[0] || strlen(arch) >= sizeof c->tstr.arch)
        return tgdp_fail(err, TGDP_EINVAL, "evaluation: architecture name '%s'", arch ? arch : "");
    snprintf(c->c2st.cls.arch, sizeof c->c2st.cls.arch, "%s", arch);
    snprintf(c->tstr.arch, sizeof c->tstr.arch, "%s", arch);
    return TGDP_OK;
}

/* ---------- feature distances ---------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* first m rows of a seeded permutation of 0..n-1 */
static void subsample(int64_t n, int64_t m, tgdp_rng *r, int64_t *rows)
{
    for (int64_t i = 0; i < n; i++) rows[i] = i;
    for (int64_t j = 0; j < m && j < n; j++) {
        int64_t k = j + (int64_t)tgdp_rng_below(r, (uint64_t)(n - j)), t = rows[j];
        rows[j] = rows[k];
        rows[k] = t;
    }
}

static void gather(const float *x, int F, int64_t m, const int64_t *rows, float *out)
{
    for (int64_t j = 0; j < m; j++) memcpy(out + (size_t)j * F, x + (size_t)rows[j] * F, (size_t)F * sizeof(float));
}

/* Features of s (malloc'd [s->n, F] in *out). */
static int features_of(const tgdp_feature_extractor *fe, const tgdp_eval_set *s, float **out, tgdp_error *err)
{
    *out = malloc((size_t)(s->n > 0 ? s->n : 1) * fe->dim * sizeof **out);
    if (!*out) return tgdp_fail(err, TGDP_ENOMEM, "features: cannot allocate %lld x %d", (long long)s->n, fe->dim);
    int rc = tgdp_features(fe, s->n, s->d, s->x, *out, err);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* per-feature mean and standard deviation of f [n, F] (n >= 2; sd 1 for constant features).
 * Each sd is floored at 0.1 x the median sd over the features: a feature that is nearly
 * constant over the real windows (an almost dead unit) would otherwise turn a small absolute
 * difference of the generated windows into a z-score of thousands and dominate the distance
 * (Frechet distances of ~1e6 on folds of a few dozen windows). */
static void feature_moments(int64_t n, int F, const float *f, double *mu, double *sd)
{
    int nv = 0;
    for (int j = 0; j < F; j++) {
        double s = 0, s2 = 0;
        for (int64_t i = 0; i < n; i++) s += f[(size_t)i * F + j];
        mu[j] = s / (double)n;
        for (int64_t i = 0; i < n; i++) {
            double c = f[(size_t)i * F + j] - mu[j];
            s2 += c * c;
        }
        sd[j] = sqrt(s2 / (double)(n - 1));
        if (!(sd[j] > 1e-12 * (1 + fabs(mu[j])))) sd[j] = 0; /* constant: set below */
        else nv++;
    }
    double floor_sd = 1;
    double *tmp = nv ? malloc((size_t)nv * sizeof *tmp) : NULL;
    if (tmp) {
        int k = 0;
        for (int j = 0; j < F; j++)
            if (sd[j] > 0) tmp[k++] = sd[j];
        qsort(tmp, (size_t)nv, sizeof *tmp, cmp_double);
        floor_sd = 0.1 * (nv % 2 ? tmp[nv / 2] : 0.5 * (tmp[nv / 2 - 1] + tmp[nv / 2]));
        free(tmp);
    }
    for (int j = 0; j < F; j++) {
        if (sd[j] == 0) sd[j] = 1;
        else if (sd[j] < floor_sd) sd[j] = floor_sd;
    }
}

static void standardize(int64_t n, int F, float *f, const double *mu, const double *sd)
{
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < F; j++) f[(size_t)i * F + j] = (float)((f[(size_t)i * F + j] - mu[j]) / sd[j]);
}

/* Frechet distance and MMD^2 of standardised features fg [ng, F] and fr [nr, F] */
static int distances(int64_t ng, int64_t nr, int F, const float *fg, const float *fr, int64_t max_mmd, uint64_t seed,
                     tgdp_feature_distance *res, tgdp_error *err)
{
    if (ng > 2147483647 || nr > 2147483647) return tgdp_fail(err, TGDP_EINVAL, "feature distance: too many windows");
    if (max_mmd <= 0) max_mmd = 1000;
    if (max_mmd < 2) max_mmd = 2;
    const int64_t nmax = ng > nr ? ng : nr;
    int64_t mg = ng < max_mmd ? ng : max_mmd, mr = nr < max_mmd ? nr : max_mmd;
    float *sg = malloc((size_t)mg * F * sizeof *sg), *sr = malloc((size_t)mr * F * sizeof *sr);
    int64_t *rows = malloc((size_t)nmax * sizeof *rows);
    const int64_t np = 128; /* points per set for the median distance */
    double *dist = malloc((size_t)(2 * np) * (2 * np) / 2 * sizeof *dist);
    float *pool = malloc((size_t)(2 * np) * F * sizeof *pool);
    int rc = TGDP_OK;
    if (!sg || !sr || !rows || !dist || !pool) {
        rc = tgdp_fail(err, TGDP_ENOMEM, "feature distance: out of memory (%d features)", F);
        goto done;
    }
    if ((rc = tgdp_frechet_distance(ng, nr, F, fg, fr, &res->frechet, err))) goto done;
    tgdp_rng base = tgdp_rng_new(seed ^ 0xfea7ull);
    tgdp_rng r1 = tgdp_rng_split(&base, 1), r2 = tgdp_rng_split(&base, 2), r3 = tgdp_rng_split(&base, 3),
             r4 = tgdp_rng_split(&base, 4);
    subsample(ng, mg, &r1, rows);
    gather(fg, F, mg, rows, sg);
    subsample(nr, mr, &r2, rows);
    gather(fr, F, mr, rows, sr);
    /* bandwidth: median pairwise distance of a pooled subsample */
    int64_t pg = ng < np ? ng : np, pr = nr < np ? nr : np, P = pg + pr, nd = 0;
    subsample(ng, pg, &r3, rows);
    gather(fg, F, pg, rows, pool);
    subsample(nr, pr, &r4, rows);
    gather(fr, F, pr, rows, pool + (size_t)pg * F);
    for (int64_t a = 0; a < P; a++)
        for (int64_t b = a + 1; b < P; b++) {
            double s = 0;
            for (int j = 0; j < F; j++) {
                double dd = (double)pool[(size_t)a * F + j] - pool[(size_t)b * F + j];
                s += dd * dd;
            }
            dist[nd++] = sqrt(s);
        }
    qsort(dist, (size_t)nd, sizeof *dist, cmp_double);
    double med = nd % 2 ? dist[nd / 2] : 0.5 * (dist[nd / 2 - 1] + dist[nd / 2]);
    if (!(med > 1e-6)) med = 1;
    res->bandwidth = med;
    double bw[3] = {0.5 * med, med, 2 * med};
    rc = tgdp_mmd2_rbf((int)mg, (int)mr, F, sg, sr, bw, 3, &res->mmd2, err);
    res->dim = F;
done:
    free(sg), free(sr), free(rows), free(dist), free(pool);
    return rc;
}

int tgdp_feature_distances(const tgdp_feature_extractor *fe, const tgdp_eval_set *gen, const tgdp_eval_set *real,
                           int64_t max_mmd, uint64_t seed, tgdp_feature_distance *res, tgdp_error *err)
{
    res->frechet = res->mmd2 = res->bandwidth = NAN;
    res->dim = 0;
    if (!fe || !gen || !real || gen->n < 2 || real->n < 2)
        return tgdp_fail(err, TGDP_EINVAL, "feature distance: needs an extractor and at least 2 windows per set");
    const int F = fe->dim;
    float *fg = NULL, *fr = NULL;
    double *mu = malloc((size_t)F * sizeof *mu), *sd = malloc((size_t)F * sizeof *sd);
    int rc = mu && sd ? TGDP_OK : tgdp_fail(err, TGDP_ENOMEM, "feature distance: out of memory");
    if (!rc) rc = features_of(fe, gen, &fg, err);
    if (!rc) rc = features_of(fe, real, &fr, err);
    if (!rc) {
        feature_moments(real->n, F, fr, mu, sd);
        standardize(real->n, F, fr, mu, sd);
        standardize(gen->n, F, fg, mu, sd);
        rc = distances(gen->n, real->n, F, fg, fr, max_mmd, seed, res, err);
    }
    free(fg), free(fr), free(mu), free(sd);
    return rc;
}

/* ---------- one fold ---------- */

static uint64_t mix(uint64_t a, uint64_t b)
{
    uint64_t z = a + 0x9e3779b97f4a7c15ull * (b + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* what the classifiers see: the windows, or (with fe) their features standardised by the real
 * test windows; the feature distances on the way. The f* buffers are malloc'd (freed by the caller). */
typedef struct fold_inputs {
    tgdp_eval_set test, gen, train;
    float *fr, *fg, *ft;
} fold_inputs;

static int classifier_inputs(const tgdp_ecg_eval_config *cfg, const tgdp_eval_set *real_train,
                             const tgdp_eval_set *real_test, const tgdp_eval_set *gen, const tgdp_feature_extractor *fe,
                             uint64_t s, fold_inputs *in, tgdp_ecg_eval_result *res, tgdp_error *err)
{
    in->test = *real_test, in->gen = *gen, in->train = real_train ? *real_train : (tgdp_eval_set){0};
    in->fr = in->fg = in->ft = NULL;
    if (!fe) return TGDP_OK;
    const int F = fe->dim;
    double *mu = malloc((size_t)F * sizeof *mu), *sd = malloc((size_t)F * sizeof *sd);
    int rc = mu && sd ? TGDP_OK : tgdp_fail(err, TGDP_ENOMEM, "evaluation: out of memory");
    if (!rc) rc = features_of(fe, real_test, &in->fr, err);
    if (!rc) rc = features_of(fe, gen, &in->fg, err);
    if (!rc && real_train && cfg->classifier_on_features) rc = features_of(fe, real_train, &in->ft, err);
    tgdp_feature_distance fd;
    if (!rc) {
        feature_moments(real_test->n, F, in->fr, mu, sd);
        standardize(real_test->n, F, in->fr, mu, sd);
        standardize(gen->n, F, in->fg, mu, sd);
        if (in->ft) standardize(real_train->n, F, in->ft, mu, sd);
        rc = distances(gen->n, real_test->n, F, in->fg, in->fr, cfg->max_mmd, mix(s, 2), &fd, err);
    }
    if (!rc) {
        res->feature_distance = fd.frechet;
        res->mmd2 = fd.mmd2;
        if (cfg->classifier_on_features) {
            in->test.x = in->fr, in->test.d = F;
            in->gen.x = in->fg, in->gen.d = F;
            if (in->ft) in->train.x = in->ft, in->train.d = F;
        }
    }
    free(mu), free(sd);
    return rc;
}

static void result_init(tgdp_ecg_eval_result *res, const tgdp_ecg_eval_config *cfg, int fold)
{
    memset(res, 0, sizeof *res);
    res->fold = fold;
    res->seed = cfg->seed;
    res->c2st_auroc = res->feature_distance = res->mmd2 = res->tstr_macro_auroc = res->trtr_macro_auroc = NAN;
    res->tstr.value = res->trtr.value = NAN;
    tgdp_realism *q = &res->realism;
    q->beat_fraction = q->real_beat_fraction = q->hr_w1 = q->rr_cv = q->real_rr_cv = q->hf_noise_ratio = NAN;
    tgdp_utility_result_clear(&res->aug);
    tgdp_utility_result_clear(&res->real_only);
}

/* the utility classifiers on the raw windows (cfg->utility bits), one classifier seed for both */
static int fold_utility(const tgdp_ecg_eval_config *cfg, const tgdp_eval_set *real_train, const tgdp_eval_set *real_test,
                        const tgdp_eval_set *gen, uint64_t s, tgdp_ecg_eval_result *res, tgdp_error *err)
{
    if (!cfg->utility || !real_train || !real_train->labels || !real_test->labels) return TGDP_OK;
    tgdp_utility_opts uo = cfg->util;
    uo.cls.seed = mix(s, 4);
    uo.cls.n_leads = cfg->tstr.n_leads;
    int rc = TGDP_OK;
    if (cfg->utility & TGDP_UTILITY_REAL_ONLY) {
        rc = tgdp_utility_eval(&uo, real_train, NULL, real_test, mix(s, 5), &res->real_only, err);
        if (rc) tgdp_error_prefix(err, "utility, real only");
    }
    if (!rc && (cfg->utility & TGDP_UTILITY_AUG) && gen->labels) {
        rc = tgdp_utility_eval(&uo, real_train, gen, real_test, mix(s, 5), &res->aug, err);
        if (rc) tgdp_error_prefix(err, "utility, real + generated");
    }
    return rc;
}

/* the rhythm realism of gen against real_test (cfg->fs > 0) */
static int fold_realism(const tgdp_ecg_eval_config *cfg, const tgdp_eval_set *real_test, const tgdp_eval_set *gen,
                        tgdp_ecg_eval_result *res, tgdp_error *err)
{
    if (!(cfg->fs > 0)) return TGDP_OK;
    const int C = cfg->tstr.n_leads;
    if (C < 1 || gen->d % C || cfg->realism_lead < 0 || cfg->realism_lead >= C)
        return tgdp_fail(err, TGDP_EINVAL, "realism: windows of %d values are not %d leads with lead %d", gen->d, C,
                         cfg->realism_lead);
    return tgdp_ecg_realism(gen->n, gen->x, real_test->n, real_test->x, C, gen->d / C, cfg->fs, cfg->realism_lead,
                            &res->realism, err);
}

static int eval_fold(const tgdp_ecg_eval_config *cfg, const tgdp_eval_set *real_train, const tgdp_eval_set *real_test,
                     const tgdp_eval_set *gen, const tgdp_feature_extractor *fe, int fold, tgdp_ecg_eval_result *res,
                     tgdp_error *err)
{
    result_init(res, cfg, fold);
    if (!real_test || !gen || real_test->n < 2 || gen->n < 2)
        return tgdp_fail(err, TGDP_EINVAL, "evaluation: needs at least 2 real test and 2 generated windows");
    if (real_test->d != gen->d || (real_train && real_train->d != gen->d))
        return tgdp_fail(err, TGDP_EINVAL, "evaluation: windows of different sizes (real %d, generated %d)",
                         real_test->d, gen->d);
    res->n_real_test = real_test->n;
    res->n_real_train = real_train ? real_train->n : 0;
    res->n_gen = gen->n;
    const uint64_t s = mix(cfg->seed, (uint64_t)fold);
    fold_inputs in;
    int rc = classifier_inputs(cfg, real_train, real_test, gen, fe, s, &in, res, err);
    if (rc) goto done;
    tgdp_c2st_opts co = cfg->c2st;
    co.cls.seed = mix(s, 1);
    tgdp_c2st_result cr;
    if ((rc = tgdp_c2st(&in.test, &in.gen, &co, &cr, err))) goto done;
    res->c2st_auroc = cr.auroc;
    tgdp_eval_classifier_opts to = cfg->tstr;
    to.seed = mix(s, 3);
    if (gen->labels && real_test->labels) {
        if ((rc = tgdp_train_test_auroc(&in.gen, &in.test, &to, &res->tstr, err))) {
            tgdp_error_prefix(err, "TSTR");
            goto done;
        }
        res->tstr_macro_auroc = res->tstr.value;
    }
    if (real_train && real_train->labels && real_test->labels) {
        if ((rc = tgdp_train_test_auroc(&in.train, &in.test, &to, &res->trtr, err))) {
            tgdp_error_prefix(err, "TRTR");
            goto done;
        }
        res->trtr_macro_auroc = res->trtr.value;
    }
    rc = fold_realism(cfg, real_test, gen, res, err);
    if (!rc) rc = fold_utility(cfg, real_train, real_test, gen, s, res, err);
done:
    if (rc) tgdp_error_prefix(err, "fold %d", fold);
    free(in.fr), free(in.fg), free(in.ft);
    return rc;
}

/* the measurement is in fp32 whatever precision the generators ran in (the classifiers' training
 * sets its own; their evaluations follow the process-wide precision) */
int tgdp_ecg_eval_fold(const tgdp_ecg_eval_config *cfg, const tgdp_eval_set *real_train, const tgdp_eval_set *real_test,
                       const tgdp_eval_set *gen, const tgdp_feature_extractor *fe, int fold,
                       tgdp_ecg_eval_result *res, tgdp_error *err)
{
    const tgdp_precision caller = tgdp_use_precision(TGDP_FP32);
    const int rc = eval_fold(cfg, real_train, real_test, gen, fe, fold, res, err);
    tgdp_use_precision(caller);
    return rc;
}

/* ---------- k folds x seeds ---------- */

int tgdp_ecg_eval_kfold(const tgdp_ecg_eval_config *cfg, const tgdp_eval_set *real, const tgdp_eval_set *gen,
                        const tgdp_feature_extractor *fe, int k, int n_seeds, tgdp_ecg_eval_result *results,
                        tgdp_eval_progress progress, void *progress_ctx, tgdp_error *err)
{
    if (!real || !gen || !results || n_seeds < 1)
        return tgdp_fail(err, TGDP_EINVAL, "k-fold evaluation: invalid arguments");
    if (!real->record) return tgdp_fail(err, TGDP_EINVAL, "k-fold evaluation: the real windows need record ids");
    int *fold = malloc((size_t)real->n * sizeof *fold);
    int64_t *strata = real->labels ? malloc((size_t)real->n * sizeof *strata) : NULL;
    if (!fold || (real->labels && !strata)) {
        free(fold), free(strata);
        return tgdp_fail(err, TGDP_ENOMEM, "k-fold evaluation: out of memory");
    }
    int rc = real->labels ? tgdp_primary_labels(real->n, real->n_labels, real->labels, strata, err) : TGDP_OK;
    for (int j = 0; j < n_seeds && !rc; j++) {
        tgdp_ecg_eval_config c = *cfg;
        c.seed = cfg->seed + (uint64_t)j;
        if ((rc = tgdp_record_kfold(real->n, real->record, strata, k, c.seed, fold, err))) break;
        for (int f = 0; f < k && !rc; f++) {
            tgdp_eval_owned test, train;
            if ((rc = tgdp_eval_set_split(real, fold, f, &test, &train, err))) break;
            tgdp_ecg_eval_result *r = &results[j * k + f];
            rc = tgdp_ecg_eval_fold(&c, &train.set, &test.set, gen, fe, f, r, err);
            if (!rc) r->seed = c.seed;
            tgdp_eval_owned_free(&test);
            tgdp_eval_owned_free(&train);
            if (!rc && progress) progress(progress_ctx, j * k + f + 1, k * n_seeds, r);
        }
    }
    free(fold), free(strata);
    return rc;
}

/* ---------- aggregation ---------- */

tgdp_stat tgdp_stat_of(const double *v, int n)
{
    tgdp_stat s = {NAN, NAN, 0};
    double sum = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) sum += v[i], s.n++;
    if (!s.n) return s;
    s.mean = sum / s.n;
    double ss = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) ss += (v[i] - s.mean) * (v[i] - s.mean);
    s.sd = s.n > 1 ? sqrt(ss / (s.n - 1)) : 0;
    return s;
}

static const struct {
    const char *key, *help;
} metrics[TGDP_EM_COUNT] = {
    {"c2st_auroc", "AUROC of a classifier telling generated from held-out real windows (0.5 best)"},
    {"feature_distance", "Frechet distance of the feature distributions (0 best)"},
    {"mmd2", "MMD^2 in the same features (0 best)"},
    {"tstr_macro_auroc", "train on generated windows, test on real: macro-AUROC (higher better)"},
    {"trtr_macro_auroc", "train on the real training windows, test on real (reference)"},
    {"beat_fraction", "share of generated windows with >= 2 beats at 30-220 bpm"},
    {"real_beat_fraction", "the same for the held-out real windows"},
    {"hr_w1", "Wasserstein-1 distance of the heart rates, bpm (0 best)"},
    {"rr_cv", "mean RR coefficient of variation of the generated windows"},
    {"real_rr_cv", "the same for the real windows"},
    {"hf_noise_ratio", "generated share of power above 30 Hz / real share (1 best)"},
    {"aug_macro_auroc", "classifier trained on real + generated windows, tested on real: macro-AUROC"},
    {"aug_fbeta2", "the same classifier's F_beta, beta 2 (PhysioNet/CinC 2020)"},
    {"aug_gbeta2", "the same classifier's G_beta, beta 2"},
    {"real_only_macro_auroc", "the classifier trained on the real windows alone: macro-AUROC (reference)"},
    {"real_only_fbeta2", "its F_beta, beta 2"},
    {"real_only_gbeta2", "its G_beta, beta 2"},
};

const char *tgdp_ecg_metric_key(int m) { return m >= 0 && m < TGDP_EM_COUNT ? metrics[m].key : NULL; }
const char *tgdp_ecg_metric_help(int m) { return m >= 0 && m < TGDP_EM_COUNT ? metrics[m].help : NULL; }

const tgdp_utility_result *tgdp_ecg_metric_utility(const tgdp_ecg_eval_result *r, int m, int *um)
{
    if (m < TGDP_EM_AUG_MACRO_AUROC || m >= TGDP_EM_COUNT) return NULL;
    const int k = m - TGDP_EM_AUG_MACRO_AUROC;
    if (um) *um = k % TGDP_UM_COUNT;
    return k < TGDP_UM_COUNT ? &r->aug : &r->real_only;
}

double tgdp_ecg_metric_value(const tgdp_ecg_eval_result *r, int m)
{
    int um;
    const tgdp_utility_result *u = tgdp_ecg_metric_utility(r, m, &um);
    if (u) return u->value[um];
    switch (m) {
    case TGDP_EM_C2ST_AUROC: return r->c2st_auroc;
    case TGDP_EM_FEATURE_DISTANCE: return r->feature_distance;
    case TGDP_EM_MMD2: return r->mmd2;
    case TGDP_EM_TSTR_MACRO_AUROC: return r->tstr_macro_auroc;
    case TGDP_EM_TRTR_MACRO_AUROC: return r->trtr_macro_auroc;
    case TGDP_EM_BEAT_FRACTION: return r->realism.beat_fraction;
    case TGDP_EM_REAL_BEAT_FRACTION: return r->realism.real_beat_fraction;
    case TGDP_EM_HR_W1: return r->realism.hr_w1;
    case TGDP_EM_RR_CV: return r->realism.rr_cv;
    case TGDP_EM_REAL_RR_CV: return r->realism.real_rr_cv;
    case TGDP_EM_HF_NOISE_RATIO: return r->realism.hf_noise_ratio;
    default: return NAN;
    }
}

/* the bootstrap interval of metric m's mean: pooled over the folds of each seed, averaged over
 * the seeds (the folds of one seed test disjoint records; different seeds test the same ones) */
static void utility_interval(const tgdp_ecg_eval_result *r, int n, int m, double *lo, double *hi)
{
    *lo = *hi = NAN;
    const tgdp_utility_result **u = malloc((size_t)(n > 0 ? n : 1) * sizeof *u);
    char *done = calloc((size_t)(n > 0 ? n : 1), 1);
    double slo = 0, shi = 0;
    int k = 0, um = 0;
    for (int i = 0; u && done && i < n; i++) {
        if (done[i]) continue;
        int c = 0;
        for (int j = i; j < n; j++)
            if (!done[j] && r[j].seed == r[i].seed) u[c++] = tgdp_ecg_metric_utility(&r[j], m, &um), done[j] = 1;
        double mean, l, h;
        tgdp_utility_pool(u, c, um, u[0]->lo_q, u[0]->hi_q, &mean, &l, &h);
        if (isfinite(l) && isfinite(h)) slo += l, shi += h, k++;
    }
    if (k) *lo = slo / k, *hi = shi / k;
    free(u), free(done);
}

void tgdp_ecg_eval_summarize(const tgdp_ecg_eval_result *r, int n, tgdp_ecg_eval_summary *out)
{
    double *v = calloc((size_t)(n > 0 ? n : 1), sizeof *v);
    for (int m = 0; m < TGDP_EM_COUNT; m++) {
        for (int i = 0; v && i < n; i++) v[i] = tgdp_ecg_metric_value(&r[i], m);
        out->m[m] = tgdp_stat_of(v, v ? n : 0);
        out->lo[m] = out->hi[m] = NAN;
        if (m >= TGDP_EM_AUG_MACRO_AUROC) utility_interval(r, n, m, &out->lo[m], &out->hi[m]);
    }
    free(v);
}

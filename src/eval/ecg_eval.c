/* Evaluation of generated windows against held-out real target records: feature distances,
 * one fold (C2ST, Frechet, MMD^2, TSTR, TRTR), record-level k folds over seeds, and the mean
 * and spread of every metric. */
#include "tgdp/ecg_eval.h"
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

int tgdp_ecg_eval_fold(const tgdp_ecg_eval_config *cfg, const tgdp_eval_set *real_train, const tgdp_eval_set *real_test,
                       const tgdp_eval_set *gen, const tgdp_feature_extractor *fe, int fold,
                       tgdp_ecg_eval_result *res, tgdp_error *err)
{
    memset(res, 0, sizeof *res);
    res->fold = fold;
    res->seed = cfg->seed;
    res->c2st_auroc = res->feature_distance = res->mmd2 = res->tstr_macro_auroc = res->trtr_macro_auroc = NAN;
    res->tstr.value = res->trtr.value = NAN;
    if (!real_test || !gen || real_test->n < 2 || gen->n < 2)
        return tgdp_fail(err, TGDP_EINVAL, "evaluation: needs at least 2 real test and 2 generated windows");
    if (real_test->d != gen->d || (real_train && real_train->d != gen->d))
        return tgdp_fail(err, TGDP_EINVAL, "evaluation: windows of different sizes (real %d, generated %d)",
                         real_test->d, gen->d);
    res->n_real_test = real_test->n;
    res->n_real_train = real_train ? real_train->n : 0;
    res->n_gen = gen->n;
    const uint64_t s = mix(cfg->seed, (uint64_t)fold);
    /* what the classifiers see: the windows, or their standardised features */
    tgdp_eval_set ctest = *real_test, cgen = *gen, ctrain = real_train ? *real_train : (tgdp_eval_set){0};
    float *fr = NULL, *fg = NULL, *ft = NULL;
    double *mu = NULL, *sd = NULL;
    int rc = TGDP_OK;
    if (fe) {
        const int F = fe->dim;
        mu = malloc((size_t)F * sizeof *mu);
        sd = malloc((size_t)F * sizeof *sd);
        if (!mu || !sd) rc = tgdp_fail(err, TGDP_ENOMEM, "evaluation: out of memory");
        if (!rc) rc = features_of(fe, real_test, &fr, err);
        if (!rc) rc = features_of(fe, gen, &fg, err);
        if (!rc && real_train && cfg->classifier_on_features) rc = features_of(fe, real_train, &ft, err);
        if (rc) goto done;
        feature_moments(real_test->n, F, fr, mu, sd);
        standardize(real_test->n, F, fr, mu, sd);
        standardize(gen->n, F, fg, mu, sd);
        if (ft) standardize(real_train->n, F, ft, mu, sd);
        tgdp_feature_distance fd;
        if ((rc = distances(gen->n, real_test->n, F, fg, fr, cfg->max_mmd, mix(s, 2), &fd, err))) goto done;
        res->feature_distance = fd.frechet;
        res->mmd2 = fd.mmd2;
        if (cfg->classifier_on_features) {
            ctest.x = fr, ctest.d = F;
            cgen.x = fg, cgen.d = F;
            if (ft) ctrain.x = ft, ctrain.d = F;
        }
    }
    tgdp_c2st_opts co = cfg->c2st;
    co.cls.seed = mix(s, 1);
    tgdp_c2st_result cr;
    if ((rc = tgdp_c2st(&ctest, &cgen, &co, &cr, err))) goto done;
    res->c2st_auroc = cr.auroc;
    tgdp_eval_classifier_opts to = cfg->tstr;
    to.seed = mix(s, 3);
    if (gen->labels && real_test->labels) {
        if ((rc = tgdp_train_test_auroc(&cgen, &ctest, &to, &res->tstr, err))) {
            tgdp_error_prefix(err, "TSTR");
            goto done;
        }
        res->tstr_macro_auroc = res->tstr.value;
    }
    if (real_train && real_train->labels && real_test->labels) {
        if ((rc = tgdp_train_test_auroc(&ctrain, &ctest, &to, &res->trtr, err))) {
            tgdp_error_prefix(err, "TRTR");
            goto done;
        }
        res->trtr_macro_auroc = res->trtr.value;
    }
done:
    if (rc) tgdp_error_prefix(err, "fold %d", fold);
    free(fr), free(fg), free(ft), free(mu), free(sd);
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

void tgdp_ecg_eval_summarize(const tgdp_ecg_eval_result *r, int n, tgdp_ecg_eval_summary *out)
{
    double *v = calloc((size_t)(n > 0 ? n : 1), sizeof *v);
    tgdp_stat none = {NAN, NAN, 0};
    if (!v) {
        out->c2st_auroc = out->feature_distance = out->mmd2 = out->tstr_macro_auroc = out->trtr_macro_auroc = none;
        return;
    }
#define SUMMARY(field)                                   \
    do {                                                 \
        for (int i = 0; i < n; i++) v[i] = r[i].field;   \
        out->field = tgdp_stat_of(v, n);                 \
    } while (0)
    SUMMARY(c2st_auroc);
    SUMMARY(feature_distance);
    SUMMARY(mmd2);
    SUMMARY(tstr_macro_auroc);
    SUMMARY(trtr_macro_auroc);
#undef SUMMARY
    free(v);
}

/* The Gaussian-mixture study's rows, scenario and configuration: method names and what each row
 * is, the mixtures in 2 and D dimensions, the defaults (with the tuned hyperparameters of
 * gmm_study_tuned.c) and "method.key=value" overrides. */
#include "gmm_study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const tgdp_method_names[TGDP_M_COUNT] = {
    "source_only", "target_only", "finetune",  "finetune_cond", "domain_guidance",       "tgdp",  "tgdp_alg3", "tgdp_reg",
    "tgdp_model",  "tgdp_bagged", "tgdp_cv",   "tgdp_ft",       "tgdp_cond",             "source_exact_guidance", "oracle"};

static const char *const descriptions[TGDP_M_COUNT] = {
    "the source denoiser alone (no transfer)",
    "a denoiser trained from scratch on the target points",
    "the source denoiser trained further on the target points (lower learning rate)",
    "the label-conditional source denoiser fine-tuned on the labelled target points; labels drawn as tgdp_cond's",
    "domain guidance: eps_src + w (eps_finetune - eps_src), with finetune's model",
    "TGDP, time-classifier estimator: log h = -logit c'(x_t, t) of a time-dependent source-vs-target classifier "
    "(Algorithm 2) with input-gradient and curvature penalties; no regression",
    "TGDP, the paper's Algorithm 3 as specified: Algorithm 1 classifier, guidance network regressed on r = "
    "exp(-logit c) with the squared loss over source samples, h = softplus(z)",
    "TGDP, Algorithm 4 as implemented: Algorithm 1 classifier (weight decay, label smoothing), guidance network "
    "with the Bregman loss h - r log h, h = exp(z), r normalised to mean 1, plus the cycle term (target: tgdp's c') "
    "and the consistency term (source model)",
    "TGDP time-classifier estimator trained against samples of the source model instead of the source data, so "
    "the guidance also corrects the model's own error",
    "TGDP time-classifier estimator, bagged: the mean of the guidance of several classifiers trained on bootstrap "
    "resamples of the target points with different initialisations",
    "TGDP time-classifier estimator whose penalties and guidance scale are chosen per run by K-fold held-out "
    "denoising loss of the guided model on the target points (no MMD, no oracle)",
    "our extension beyond the paper: the fine-tuned model as the base, plus guidance from a time classifier "
    "between its samples and the target points (guidance scale 0 is exactly fine-tuning)",
    "conditional TGDP: label-conditional source model and time classifier c'(x_t, y, t); sampling labels from "
    "the target's label frequencies shrunk towards the source's (Dirichlet prior, strength by leave-one-out "
    "likelihood)",
    "diagnostic, not a competitor: the learned source model plus the exact grad log h* (the ceiling of any "
    "guidance on this source model)",
    "diagnostic: the exact target noise (validates the sampler and the metrics)",
};

const char *tgdp_gmm_method_description(int m) { return m >= 0 && m < TGDP_M_COUNT ? descriptions[m] : "?"; }

int tgdp_gmm_method_parse(const char *name)
{
    for (int m = 0; m < TGDP_M_COUNT; m++)
        if (strcmp(name, tgdp_method_names[m]) == 0) return m;
    return -1;
}

int tgdp_gmm_method_is_diagnostic(int m) { return m == TGDP_M_SOURCE_EXACT_GUIDANCE || m == TGDP_M_ORACLE; }

/* ---------- the mixtures ---------- */

/* orthonormal columns of a d x d matrix by Gram-Schmidt of normal draws from a fixed stream */
static void random_rotation(int d, uint64_t seed, double *R)
{
    tgdp_rng r = tgdp_rng_new(seed);
    for (int i = 0; i < d * d; i++) R[i] = tgdp_rng_normal(&r);
    for (int c = 0; c < d; c++) {
        for (int p = 0; p < c; p++) {
            double dot = 0;
            for (int k = 0; k < d; k++) dot += R[k * d + c] * R[k * d + p];
            for (int k = 0; k < d; k++) R[k * d + c] -= dot * R[k * d + p];
        }
        double nn = 0;
        for (int k = 0; k < d; k++) nn += R[k * d + c] * R[k * d + c];
        for (int k = 0; k < d; k++) R[k * d + c] /= sqrt(nn);
    }
}

int tgdp_gmm_study_mixtures(int dim, tgdp_gmm *P, tgdp_gmm *Q, tgdp_error *err)
{
    if (dim == 2) {
        int rc = tgdp_gmm_demo_source(P, err);
        if (!rc && (rc = tgdp_gmm_demo_target(Q, err))) tgdp_gmm_free(P);
        return rc;
    }
    if (dim < 3 || dim > GMM_STUDY_MAX_DIM)
        return tgdp_fail(err, TGDP_EINVAL, "demo gmm: --dim must be 2 or 3..%d (got %d)", GMM_STUDY_MAX_DIM, dim);
    const int d = dim;
    double *R = malloc((size_t)d * d * sizeof *R), *B = malloc((size_t)d * d * sizeof *B);
    double *mu = malloc(2 * (size_t)d * sizeof *mu), *dv = malloc(2 * (size_t)d * sizeof *dv);
    int rc = (!R || !B || !mu || !dv) ? tgdp_fail(err, TGDP_ENOMEM, "demo gmm: out of memory") : TGDP_OK;
    if (!rc) {
        /* the shared covariance R diag(lambda) R^T, lambda log-spaced over a decade (0.05 .. 0.5) */
        random_rotation(d, 0x67d5ULL + (uint64_t)d, R);
        for (int j = 0; j < d; j++) dv[j] = dv[d + j] = GMM_STUDY_VAR_LO * pow(10.0, (double)j / (d - 1));
        /* source means +-a u, target means +-a (cos th u + sin th v), u, v orthonormal */
        random_rotation(d, 0x9e37ULL + (uint64_t)d, B);
        const double a = GMM_STUDY_MEAN_NORM, th = GMM_STUDY_ANGLE_DEG * 3.14159265358979323846 / 180;
        double *mq = mu + d;
        for (int k = 0; k < d; k++) {
            mu[k] = a * B[k * d];
            mq[k] = a * (cos(th) * B[k * d] + sin(th) * B[k * d + 1]);
        }
        double mus[4 * GMM_STUDY_MAX_DIM];
        for (int k = 0; k < d; k++) {
            mus[k] = mu[k], mus[d + k] = -mu[k];
            mus[2 * d + k] = mq[k], mus[3 * d + k] = -mq[k];
        }
        rc = tgdp_gmm_init_full(P, 2, d, NULL, mus, dv, R, NULL, err);
        if (!rc && (rc = tgdp_gmm_init_full(Q, 2, d, NULL, mus + 2 * d, dv, R, NULL, err))) tgdp_gmm_free(P);
    }
    free(R); free(B); free(mu); free(dv);
    return rc;
}

/* ---------- configuration ---------- */

/* the tuned table entry nearest (in log n) to n; every dimension uses the D = 2 choices (not
 * re-tuned for D > 2: the same for every row, so no row gets more tuning than another) */
static const tgdp_gmm_hp *tuned_for(int method, int n)
{
    const gmm_tuned_table *t = &gmm_tuned_2d;
    int best = 0;
    for (int i = 1; i < GMM_TUNED_NS; i++)
        if (fabs(log((double)n / t->n[i])) < fabs(log((double)n / t->n[best]))) best = i;
    return &t->hp[method][best];
}

static void load_tuned(tgdp_gmm_demo_config *c)
{
    for (int m = 0; m < TGDP_M_COUNT; m++)
        for (int i = 0; i < c->n_count; i++) c->hp[m][i] = *tuned_for(m, c->n_list[i]);
}

void tgdp_gmm_demo_config_default(tgdp_gmm_demo_config *c, int dim, int quick)
{
    memset(c, 0, sizeof *c);
    c->dim = dim;
    c->n_list[0] = 10;
    c->n_list[1] = 100;
    c->n_list[2] = 1000;
    c->n_count = 3;
    c->seeds = 3;
    c->m = 10000;
    c->n_eval = 2000;
    c->n_nll = 500;
    c->nll_steps = 40;
    c->eps_steps = 2000;
    c->batch = 256;
    c->lr = 1e-3;
    c->sample_steps = 25;
    c->sampler = TGDP_SAMPLER_DPM2;
    c->model_samples = 10000;
    c->bag = 3;
    c->cv_folds = 3;
    c->n_boot = 10000;
    snprintf(c->eps_hidden, sizeof c->eps_hidden, "256,256,256");
    snprintf(c->tcls_hidden, sizeof c->tcls_hidden, "128,128,128");
    snprintf(c->cls_hidden, sizeof c->cls_hidden, "64,64");
    snprintf(c->guid_hidden, sizeof c->guid_hidden, "128,128");
    for (int m = 0; m < TGDP_M_COUNT; m++) c->enabled[m] = 1;
    load_tuned(c);
    if (quick) { /* the end-to-end test: two sizes, one seed, fewer samples and steps */
        c->n_count = 2;
        c->seeds = 1;
        c->m = 4000;
        c->n_eval = 1000;
        c->n_nll = 200;
        c->nll_steps = 20;
        c->eps_steps = 800;
        c->model_samples = 4000;
        c->bag = 3;
        c->cv_folds = 3;
        snprintf(c->eps_hidden, sizeof c->eps_hidden, "128,128,128");
        for (int m = 0; m < TGDP_M_COUNT; m++)
            for (int i = 0; i < c->n_count; i++)
                if (c->hp[m][i].steps > 400) c->hp[m][i].steps = 400;
    }
}

int tgdp_gmm_demo_config_set_n(tgdp_gmm_demo_config *c, const int *n, int count, tgdp_error *err)
{
    if (count < 1 || count > TGDP_GMM_MAX_N)
        return tgdp_fail(err, TGDP_EINVAL, "demo gmm: 1 to %d target sizes (got %d)", TGDP_GMM_MAX_N, count);
    for (int i = 0; i < count; i++)
        if (n[i] < 2 || n[i] > GMM_STUDY_MAX_TARGET)
            return tgdp_fail(err, TGDP_EINVAL, "demo gmm: target size %d outside 2..%d", n[i], GMM_STUDY_MAX_TARGET);
    c->n_count = count;
    memcpy(c->n_list, n, (size_t)count * sizeof *n);
    load_tuned(c);
    return TGDP_OK;
}

/* the hyperparameter fields by name */
static const struct {
    const char *key;
    size_t off;
    int is_int;
} hp_fields[] = {
    {"steps", offsetof(tgdp_gmm_hp, steps), 1},   {"lr", offsetof(tgdp_gmm_hp, lr), 0},
    {"w", offsetof(tgdp_gmm_hp, w), 0},           {"gp", offsetof(tgdp_gmm_hp, gp), 0},
    {"curv", offsetof(tgdp_gmm_hp, curv), 0},     {"wd", offsetof(tgdp_gmm_hp, wd), 0},
    {"ls", offsetof(tgdp_gmm_hp, ls), 0},         {"eta_cycle", offsetof(tgdp_gmm_hp, eta_cycle), 0},
    {"eta_cons", offsetof(tgdp_gmm_hp, eta_cons), 0},
};
#define N_HP_FIELDS (int)(sizeof hp_fields / sizeof *hp_fields)

int gmm_hp_set(tgdp_gmm_hp *hp, const char *key, double v)
{
    for (int k = 0; k < N_HP_FIELDS; k++)
        if (strcmp(key, hp_fields[k].key) == 0) {
            if (hp_fields[k].is_int) *(int *)((char *)hp + hp_fields[k].off) = (int)v;
            else *(double *)((char *)hp + hp_fields[k].off) = v;
            return TGDP_OK;
        }
    return TGDP_EINVAL;
}

double gmm_hp_get(const tgdp_gmm_hp *hp, int k, const char **key)
{
    *key = hp_fields[k].key;
    if (hp_fields[k].is_int) return *(const int *)((const char *)hp + hp_fields[k].off);
    return *(const double *)((const char *)hp + hp_fields[k].off);
}

int gmm_hp_field_count(void) { return N_HP_FIELDS; }

int tgdp_gmm_demo_config_set(tgdp_gmm_demo_config *c, const char *as, tgdp_error *err)
{
    char meth[64], key[32];
    const char *dot = strchr(as, '.'), *eq = strchr(as, '=');
    if (!dot || !eq || eq < dot || (size_t)(dot - as) >= sizeof meth || (size_t)(eq - dot - 1) >= sizeof key)
        return tgdp_fail(err, TGDP_EINVAL, "--set '%s': expected method.key=value", as);
    memcpy(meth, as, (size_t)(dot - as));
    meth[dot - as] = '\0';
    memcpy(key, dot + 1, (size_t)(eq - dot - 1));
    key[eq - dot - 1] = '\0';
    char *end;
    double v = strtod(eq + 1, &end);
    if (end == eq + 1 || *end || !isfinite(v) || v < 0)
        return tgdp_fail(err, TGDP_EINVAL, "--set '%s': the value must be a non-negative number", as);
    const int all = strcmp(meth, "all") == 0, m = all ? -1 : tgdp_gmm_method_parse(meth);
    if (!all && m < 0) return tgdp_fail(err, TGDP_EINVAL, "--set '%s': unknown method '%s'", as, meth);
    for (int k = 0; k < TGDP_M_COUNT; k++) {
        if (!all && k != m) continue;
        for (int i = 0; i < c->n_count; i++) {
            tgdp_gmm_hp tmp = c->hp[k][i];
            if (gmm_hp_set(&tmp, key, v))
                return tgdp_fail(err, TGDP_EINVAL, "--set '%s': unknown key '%s' (steps lr w gp curv wd ls eta_cycle eta_cons)",
                                 as, key);
            if (all && !gmm_hp_uses(k, key)) continue;
            if (!all && !gmm_hp_uses(k, key))
                return tgdp_fail(err, TGDP_EINVAL, "--set '%s': %s has no hyperparameter '%s'", as, meth, key);
            c->hp[k][i] = tmp;
        }
    }
    return TGDP_OK;
}

/* The rows of the Gaussian-mixture study: what each method trains, from which shared artifacts,
 * and the noise callback (with its exact divergence) it samples and is scored with. */
#include "gmm_study.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* which artifacts each row uses (tgdp/plan.h) */
#define B(a) TGDP_PLAN_BIT(a)
const uint32_t gmm_method_needs[TGDP_M_COUNT] = {
    [TGDP_M_FINETUNE] = B(A_FT),
    [TGDP_M_FINETUNE_COND] = B(A_FTC) | B(A_LABELS),
    [TGDP_M_DOMAIN_GUIDANCE] = B(A_FT),
    [TGDP_M_TGDP] = B(A_TCLS),
    [TGDP_M_TGDP_REG] = B(A_TCLS),
    [TGDP_M_TGDP_MODEL] = B(A_MODEL_X),
    [TGDP_M_TGDP_FT] = B(A_FT_X) | B(A_FT),
    [TGDP_M_TGDP_COND] = B(A_LABELS),
};
const uint32_t gmm_artifact_needs[A_COUNT] = {[A_FT_X] = B(A_FT)};

int gmm_hp_uses(int m, const char *key)
{
    static const char *const uses[TGDP_M_COUNT] = {
        [TGDP_M_TARGET_ONLY] = " steps lr ",
        [TGDP_M_FINETUNE] = " steps lr ",
        [TGDP_M_FINETUNE_COND] = " steps lr ",
        [TGDP_M_DOMAIN_GUIDANCE] = " w ",
        [TGDP_M_TGDP] = " steps lr w gp curv wd ls ",
        [TGDP_M_TGDP_ALG3] = " steps lr w wd ls ",
        [TGDP_M_TGDP_REG] = " steps lr w wd ls eta_cycle eta_cons ",
        [TGDP_M_TGDP_MODEL] = " steps lr w gp curv wd ls ",
        [TGDP_M_TGDP_BAGGED] = " steps lr w gp curv wd ls ",
        [TGDP_M_TGDP_CV] = " steps lr ",
        [TGDP_M_TGDP_FT] = " steps lr w gp curv wd ls ",
        [TGDP_M_TGDP_COND] = " steps lr w gp curv wd ls ",
    };
    if (m < 0 || m >= TGDP_M_COUNT || !uses[m]) return 0;
    char pat[40];
    snprintf(pat, sizeof pat, " %s ", key);
    return strstr(uses[m], pat) != NULL;
}

/* ---------- training helpers ---------- */

int gmm_make_net(const gmm_seed *S, tgdp_net *net, tgdp_role role, const char *hidden, int n_classes, uint64_t seed,
                 tgdp_error *err)
{
    tgdp_mlp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.in_dim = S->d;
    cfg.out_dim = role == TGDP_ROLE_EPS ? S->d : 1;
    cfg.time_mode = role == TGDP_ROLE_CLASSIFIER ? TGDP_TIME_NONE : TGDP_TIME_RAW;
    cfg.n_classes = n_classes;
    cfg.label_dim = n_classes;
    cfg.act = TGDP_ACT_SILU;
    int rc = tgdp_mlp_parse_hidden(&cfg, hidden, err);
    return rc ? rc : tgdp_net_create(net, role, &cfg, seed, err);
}

void gmm_train_opts(tgdp_train_opts *o, const gmm_seed *S, int64_t steps, double lr, uint64_t seed)
{
    tgdp_train_opts_default(o);
    o->steps = steps;
    o->batch = S->c->batch;
    o->lr = lr;
    o->seed = seed;
    o->precision = S->c->precision;
}

/* A time-dependent classifier c'(x_t[, y], t) between src and tgt with the penalties of hp (the
 * gradient penalty is a prior on the slope of log h: its weight falls as 1/n). */
int gmm_train_tcls(gmm_cell *C, tgdp_net *net, const tgdp_gmm_hp *hp, const tgdp_dataset *src, const tgdp_dataset *tgt,
                   int n_classes, uint64_t seed, tgdp_error *err)
{
    const gmm_seed *S = C->S;
    int rc = gmm_make_net(S, net, TGDP_ROLE_TIME_CLASSIFIER, S->c->tcls_hidden, n_classes, seed, err);
    if (rc) return rc;
    tgdp_train_opts o;
    gmm_train_opts(&o, S, hp->steps, hp->lr, seed + 1);
    o.weight_decay = hp->wd;
    tgdp_classifier_opts co = {.label_smoothing = hp->ls, .grad_penalty = hp->gp / tgt->n, .curv_penalty = hp->curv};
    return tgdp_train_classifier(net, S->sched, src, tgt, &o, &co, NULL, err);
}

static int sample_model(gmm_cell *C, tgdp_net *net, int n, uint64_t seed, float *x, tgdp_error *err)
{
    const gmm_seed *S = C->S;
    float *scratch = malloc((size_t)n * S->d * sizeof *scratch);
    if (!scratch) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    tgdp_eps_ctx e = {S->sched, net, NULL, NULL, 1.0, NULL, &C->S->ar, scratch, NULL, 0};
    tgdp_rng r = tgdp_rng_new(seed);
    int rc = tgdp_sample(S->sched, S->c->sampler, S->c->sample_steps, 1e-3, tgdp_eps_plain, &e, n, S->d, &r, x, err);
    free(scratch);
    return rc;
}

/* label frequencies of the target shrunk towards the source's by a Dirichlet prior of strength
 * a, pi_y = (n_y + a p_y) / (n + a), a chosen by the leave-one-out log-likelihood of the labels */
static void shrunk_frequencies(const int *lt, int n, const int *ls, int m, double *pi, double *prior)
{
    double ps[2] = {0, 0}, cnt[2] = {0, 0};
    for (int i = 0; i < m; i++) ps[ls[i]] += 1.0 / m;
    for (int i = 0; i < n; i++) cnt[lt[i]] += 1;
    static const double grid[] = {0, 0.5, 1, 2, 5, 10, 20, 50, 100, 1000, 1e6};
    double best = -INFINITY;
    *prior = 0;
    for (size_t g = 0; g < sizeof grid / sizeof *grid; g++) {
        const double a = grid[g];
        double ll = 0;
        for (int y = 0; y < 2; y++)
            if (cnt[y] > 0) ll += cnt[y] * log((cnt[y] - 1 + a * ps[y]) / (n - 1 + a));
        if (isnan(ll)) ll = -INFINITY; /* 0 * log 0 with a = 0 */
        if (ll > best + 1e-12) {
            best = ll;
            *prior = a;
        }
    }
    for (int y = 0; y < 2; y++) pi[y] = (cnt[y] + *prior * ps[y]) / (n + *prior);
}

/* ---------- artifacts ---------- */

int gmm_build_artifact(gmm_cell *C, int a, tgdp_error *err)
{
    gmm_seed *S = C->S;
    const int n = C->n, d = S->d;
    tgdp_dataset T = {n, d, S->xt_all, NULL}, TC = {n, d, S->xt_all, S->lt64}, SD = {S->c->m, d, S->xs, NULL};
    tgdp_train_opts o;
    const uint64_t k = C->key ^ (0x1000u * (unsigned)(a + 1));
    switch (a) {
    case A_FT:
    case A_FTC: {
        const tgdp_gmm_hp *hp = &C->hp[a == A_FT ? TGDP_M_FINETUNE : TGDP_M_FINETUNE_COND];
        tgdp_net *net = a == A_FT ? &C->ft : &C->ftc;
        int rc = tgdp_net_copy(net, a == A_FT ? &S->src : &S->srcc, err);
        if (rc) return rc;
        gmm_train_opts(&o, S, hp->steps, hp->lr, k + 2);
        return tgdp_train_denoiser(net, S->sched, a == A_FT ? &T : &TC, &o, NULL, err);
    }
    case A_TCLS: return gmm_train_tcls(C, &C->tcls, &C->hp[TGDP_M_TGDP], &SD, &T, 0, k + 7, err);
    case A_MODEL_X:
    case A_FT_X: {
        float **x = a == A_MODEL_X ? &C->model_x : &C->ft_x;
        *x = malloc((size_t)S->c->model_samples * d * sizeof **x);
        if (!*x) return tgdp_fail(err, TGDP_ENOMEM, "out of memory for model samples");
        return sample_model(C, a == A_MODEL_X ? &S->src : &C->ft, S->c->model_samples, k + 3, *x, err);
    }
    case A_LABELS: {
        const int ne = S->c->n_eval;
        C->glab = malloc((size_t)ne * sizeof *C->glab);
        C->glab64 = malloc((size_t)ne * sizeof *C->glab64);
        if (!C->glab || !C->glab64) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
        shrunk_frequencies(S->lt, n, S->ls, S->c->m, C->pi, &C->prior);
        tgdp_rng r = tgdp_rng_new(C->key ^ 0x1abe1ULL); /* the same labels for every conditional row */
        for (int i = 0; i < ne; i++) C->glab64[i] = C->glab[i] = tgdp_rng_categorical(&r, C->pi, 2);
        return TGDP_OK;
    }
    }
    return tgdp_fail(err, TGDP_EINVAL, "unknown artifact %d", a);
}

void gmm_release_artifact(gmm_cell *C, int a)
{
    switch (a) {
    case A_FT: tgdp_net_free(&C->ft); break;
    case A_FTC: tgdp_net_free(&C->ftc); break;
    case A_TCLS: tgdp_net_free(&C->tcls); break;
    case A_MODEL_X: free(C->model_x), C->model_x = NULL; break;
    case A_FT_X: free(C->ft_x), C->ft_x = NULL; break;
    case A_LABELS:
        free(C->glab), C->glab = NULL;
        free(C->glab64), C->glab64 = NULL;
        break;
    }
}

/* ---------- exact guidance on the learned source model (diagnostic row) ---------- */

typedef struct exact_guidance {
    tgdp_eps_ctx e;
    const tgdp_gmm *P, *Q;
} exact_guidance;

static int exact_terms(exact_guidance *x, int n, int d, const float *xin, float t, float *eps, double *div,
                       tgdp_error *err)
{
    int rc = div ? tgdp_eps_plain_div(&x->e, n, d, xin, t, eps, div, err) : tgdp_eps_plain(&x->e, n, d, xin, t, eps, err);
    if (rc) return rc;
    const double a = tgdp_schedule_alpha(x->e.s, t), s = tgdp_schedule_sigma(x->e.s, t);
    if ((rc = tgdp_gmm_grad_log_h(x->P, x->Q, a, s, n, xin, NULL, x->e.scratch, err))) return rc;
    for (size_t i = 0; i < (size_t)n * d; i++) eps[i] -= (float)s * x->e.scratch[i];
    if (!div) return TGDP_OK;
    double *lap = malloc((size_t)n * sizeof *lap);
    if (!lap) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    rc = tgdp_gmm_laplacian_log_h(x->P, x->Q, a, s, n, xin, NULL, lap, err);
    for (int i = 0; !rc && i < n; i++) div[i] -= s * lap[i];
    free(lap);
    return rc;
}

static int exact_eps(void *ctx, int n, int d, const float *x, float t, float *eps, tgdp_error *err)
{
    return exact_terms(ctx, n, d, x, t, eps, NULL, err);
}

static int exact_eps_div(void *ctx, int n, int d, const float *x, float t, float *eps, double *div, tgdp_error *err)
{
    return exact_terms(ctx, n, d, x, t, eps, div, err);
}

/* ---------- the rows ---------- */

static tgdp_net *own(gmm_row *row) { return &row->nets[row->n_nets++]; }

static void plain(gmm_row *row, gmm_cell *C, tgdp_net *net)
{
    row->e = (tgdp_eps_ctx){C->S->sched, net, NULL, NULL, 1.0, NULL, &C->S->ar, NULL, NULL, 0};
    row->fn = tgdp_eps_plain;
    row->div_fn = tgdp_eps_plain_div;
}

static void guided(gmm_row *row, gmm_cell *C, tgdp_net *base, tgdp_net *guide, double w)
{
    row->e = (tgdp_eps_ctx){C->S->sched, base, NULL, guide, w, NULL, &C->S->ar, NULL, NULL, 0};
    row->fn = tgdp_eps_guided;
    row->div_fn = tgdp_eps_guided_div;
}

/* Algorithm 3 (reg = 0: as specified) or Algorithm 4 as implemented (reg = 1) */
static int alg34(gmm_cell *C, gmm_row *row, int reg, tgdp_error *err)
{
    gmm_seed *S = C->S;
    const tgdp_gmm_hp *hp = &C->hp[reg ? TGDP_M_TGDP_REG : TGDP_M_TGDP_ALG3];
    const uint64_t k = C->key ^ (reg ? 0x51ULL : 0x52ULL);
    tgdp_dataset SD = {S->c->m, S->d, S->xs, NULL}, T = {C->n, S->d, S->xt_all, NULL};
    tgdp_net *cls = own(row), *h = own(row);
    int rc = gmm_make_net(S, cls, TGDP_ROLE_CLASSIFIER, S->c->cls_hidden, 0, k + 1, err);
    if (rc) return rc;
    tgdp_train_opts o;
    gmm_train_opts(&o, S, GMM_CLS_STEPS, S->c->lr, k + 2);
    o.weight_decay = hp->wd;
    tgdp_classifier_opts co = {.label_smoothing = hp->ls};
    if ((rc = tgdp_train_classifier(cls, NULL, &SD, &T, &o, &co, NULL, err))) return rc;
    if ((rc = gmm_log_r_mae(C, cls, &row->log_r_mae, err))) return rc;
    if ((rc = gmm_make_net(S, h, TGDP_ROLE_GUIDANCE, S->c->guid_hidden, 0, k + 3, err))) return rc;
    h->hparam = reg ? TGDP_H_EXP : TGDP_H_SOFTPLUS;
    gmm_train_opts(&o, S, hp->steps, hp->lr, k + 4);
    tgdp_guidance_opts go = {0};
    if (reg) go = (tgdp_guidance_opts){.eta_cycle = hp->eta_cycle, .eta_consistency = hp->eta_cons, .normalize_r = 1, .bregman = 1};
    if ((rc = tgdp_train_guidance(h, cls, reg ? &C->tcls : NULL, &S->src, S->sched, &SD, &T, &o, &go, NULL, err))) return rc;
    guided(row, C, &S->src, h, hp->w);
    row->guide_kind = 1;
    return TGDP_OK;
}

static int bagged(gmm_cell *C, gmm_row *row, tgdp_error *err)
{
    gmm_seed *S = C->S;
    const int K = S->c->bag < 8 ? S->c->bag : 8, n = C->n, d = S->d;
    const tgdp_gmm_hp *hp = &C->hp[TGDP_M_TGDP_BAGGED];
    tgdp_dataset SD = {S->c->m, d, S->xs, NULL};
    float *xb = malloc((size_t)n * d * sizeof *xb);
    if (!xb) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    int rc = TGDP_OK;
    tgdp_rng r = tgdp_rng_new(C->key ^ 0xba99ULL);
    for (int k = 0; k < K && !rc; k++) {
        for (int i = 0; i < n; i++) /* a bootstrap resample of the target points */
            memcpy(xb + (size_t)i * d, S->xt_all + (size_t)tgdp_rng_below(&r, (uint64_t)n) * d, (size_t)d * sizeof *xb);
        tgdp_dataset TB = {n, d, xb, NULL};
        row->bag[k] = own(row);
        rc = gmm_train_tcls(C, row->bag[k], hp, &SD, &TB, 0, C->key ^ (0xb000ULL + 16 * (unsigned)k), err);
    }
    free(xb);
    if (rc) return rc;
    guided(row, C, &S->src, NULL, hp->w);
    row->e.guides = row->bag;
    row->e.n_guides = K;
    row->guide_kind = 1;
    return TGDP_OK;
}

/* tgdp_model (base: source model, classifier against its samples) and tgdp_ft (base: finetune's
 * model, classifier against its samples) */
static int against_model(gmm_cell *C, gmm_row *row, int ft, tgdp_error *err)
{
    gmm_seed *S = C->S;
    const tgdp_gmm_hp *hp = &C->hp[ft ? TGDP_M_TGDP_FT : TGDP_M_TGDP_MODEL];
    tgdp_dataset MX = {S->c->model_samples, S->d, ft ? C->ft_x : C->model_x, NULL}, T = {C->n, S->d, S->xt_all, NULL};
    tgdp_net *c = own(row);
    int rc = gmm_train_tcls(C, c, hp, &MX, &T, 0, C->key ^ (ft ? 0xf7ULL : 0x30dULL), err);
    if (rc) return rc;
    guided(row, C, ft ? &C->ft : &S->src, c, hp->w);
    return TGDP_OK;
}

static int conditional(gmm_cell *C, gmm_row *row, tgdp_error *err)
{
    gmm_seed *S = C->S;
    tgdp_dataset SC = {S->c->m, S->d, S->xs, S->ls64}, TC = {C->n, S->d, S->xt_all, S->lt64};
    tgdp_net *c = own(row);
    int rc = gmm_train_tcls(C, c, &C->hp[TGDP_M_TGDP_COND], &SC, &TC, 2, C->key ^ 0xc0dULL, err);
    if (rc) return rc;
    guided(row, C, &S->srcc, c, C->hp[TGDP_M_TGDP_COND].w);
    row->guide_kind = 1;
    return TGDP_OK;
}

int gmm_make_row(gmm_cell *C, int m, gmm_row *row, tgdp_error *err)
{
    gmm_seed *S = C->S;
    memset(row, 0, sizeof *row);
    row->log_r_mae = NAN;
    row->ctx = &row->e;
    const tgdp_gmm_hp *hp = &C->hp[m];
    int rc = TGDP_OK;
    switch (m) {
    case TGDP_M_SOURCE_ONLY: plain(row, C, &S->src); break;
    case TGDP_M_TARGET_ONLY: {
        tgdp_net *a = own(row);
        tgdp_dataset T = {C->n, S->d, S->xt_all, NULL};
        tgdp_train_opts o;
        if ((rc = gmm_make_net(S, a, TGDP_ROLE_EPS, S->c->eps_hidden, 0, C->key ^ 0x7a1ULL, err))) break;
        gmm_train_opts(&o, S, hp->steps, hp->lr, C->key ^ 0x7a2ULL);
        if ((rc = tgdp_train_denoiser(a, S->sched, &T, &o, NULL, err))) break;
        plain(row, C, a);
        break;
    }
    case TGDP_M_FINETUNE: plain(row, C, &C->ft); break;
    case TGDP_M_FINETUNE_COND:
        plain(row, C, &C->ftc);
        row->cond = 1;
        break;
    case TGDP_M_DOMAIN_GUIDANCE:
        row->e = (tgdp_eps_ctx){S->sched, &S->src, &C->ft, NULL, hp->w, NULL, &S->ar, NULL, NULL, 0};
        row->fn = tgdp_eps_domain_guidance;
        row->div_fn = tgdp_eps_domain_guidance_div;
        break;
    case TGDP_M_TGDP:
        guided(row, C, &S->src, &C->tcls, hp->w);
        row->guide_kind = 1;
        break;
    case TGDP_M_TGDP_ALG3: rc = alg34(C, row, 0, err); break;
    case TGDP_M_TGDP_REG: rc = alg34(C, row, 1, err); break;
    case TGDP_M_TGDP_MODEL: rc = against_model(C, row, 0, err); break;
    case TGDP_M_TGDP_BAGGED: rc = bagged(C, row, err); break;
    case TGDP_M_TGDP_CV: rc = gmm_cv_row(C, row, err); break;
    case TGDP_M_TGDP_FT: rc = against_model(C, row, 1, err); break;
    case TGDP_M_TGDP_COND:
        rc = conditional(C, row, err);
        row->cond = 1;
        break;
    case TGDP_M_SOURCE_EXACT_GUIDANCE: {
        exact_guidance *x = calloc(1, sizeof *x);
        if (!x) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
        x->e = (tgdp_eps_ctx){S->sched, &S->src, NULL, NULL, 1.0, NULL, &S->ar, NULL, NULL, 0};
        x->P = S->P;
        x->Q = S->Q;
        row->extra = x;
        row->ctx = x;
        row->fn = exact_eps;
        row->div_fn = exact_eps_div;
        break;
    }
    case TGDP_M_ORACLE: {
        tgdp_gmm_oracle *o = calloc(1, sizeof *o);
        if (!o) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
        *o = (tgdp_gmm_oracle){S->Q, S->sched, NULL};
        row->extra = o;
        row->ctx = o;
        row->fn = tgdp_gmm_oracle_eps;
        row->div_fn = tgdp_gmm_oracle_eps_div;
        break;
    }
    default: rc = tgdp_fail(err, TGDP_EINVAL, "unknown method %d", m);
    }
    if (!rc && row->cond) {
        row->labels = C->glab;
        row->e.labels = C->glab64;
    }
    return rc;
}

/* the scratch and labels of a row's context */
tgdp_eps_ctx *gmm_row_eps_ctx(gmm_row *row)
{
    if (row->ctx == &row->e) return &row->e;
    if (row->fn == exact_eps) return &((exact_guidance *)row->extra)->e;
    return NULL;
}

void gmm_row_free(gmm_row *row)
{
    for (int i = 0; i < row->n_nets; i++) tgdp_net_free(&row->nets[i]);
    free(row->extra);
    memset(row, 0, sizeof *row);
}

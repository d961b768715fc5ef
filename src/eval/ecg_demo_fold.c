/* One fold of the ECG demo (tgdp/ecg_demo.h): every method trained on the source model and the
 * fold's target training records, sampled with labels drawn from those records' classes, and
 * evaluated against the fold's held-out target records. */
#include "eval/ecg_demo_internal.h"
#include "tgdp/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct demo_fold {
    int seed, f;
    int first_result;              /* index of the fold's first result in the output */
    uint64_t ks;                   /* the fold's seed */
    tgdp_eval_owned test, train;   /* held-out and training target windows */
    int64_t ntr, *ytr;             /* training windows' classes */
    int ng;
    int64_t *lgen, *lgen_multi;    /* the generated windows' classes and multi-hot labels */
    float *gen;                    /* [ng, d] */
    tgdp_net tonly, ft, tcls_u, tcls_c, cls_u, h; /* the methods' networks (ft and tcls_u are reused) */
} demo_fold;

/* eps_src(x, y, t) - w sigma_t grad log h(x, [y,] t): the source model always sees the labels,
 * the guidance only when it is label-conditional */
typedef struct guided_ctx {
    tgdp_eps_ctx e;
    const int64_t *guide_labels;
} guided_ctx;

static int eps_guided(void *vctx, int n, int d, const float *x, float t, float *eps_out, tgdp_error *err)
{
    guided_ctx *g = vctx;
    int rc = tgdp_eps_plain(&g->e, n, d, x, t, eps_out, err);
    if (!rc) rc = tgdp_guidance_grad(g->e.guide, g->e.arena, n, d, x, t, g->guide_labels, g->e.scratch, err);
    if (rc) return rc;
    const float k = (float)(g->e.w * tgdp_schedule_sigma(g->e.s, t));
    for (size_t i = 0; i < (size_t)n * d; i++) eps_out[i] -= k * g->e.scratch[i];
    return TGDP_OK;
}

static int64_t *take_i64(const int64_t *v, const int *fold, int64_t n, int f, int want_in, int64_t *cnt)
{
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) k += (fold[i] == f) == want_in;
    int64_t *o = malloc((size_t)(k ? k : 1) * sizeof *o);
    if (!o) return NULL;
    k = 0;
    for (int64_t i = 0; i < n; i++)
        if ((fold[i] == f) == want_in) o[k++] = v[i];
    *cnt = k;
    return o;
}

static void fold_free(demo_fold *F)
{
    tgdp_net *nets[] = {&F->tonly, &F->ft, &F->tcls_u, &F->tcls_c, &F->cls_u, &F->h};
    for (size_t i = 0; i < sizeof nets / sizeof *nets; i++) tgdp_net_free(nets[i]);
    tgdp_eval_owned_free(&F->test);
    tgdp_eval_owned_free(&F->train);
    free(F->gen), free(F->ytr), free(F->lgen), free(F->lgen_multi);
}

static int fold_init(demo_run *R, int seed, int f, const int *fold, demo_fold *F, tgdp_error *err)
{
    const tgdp_ecg_demo_config *c = R->c;
    memset(F, 0, sizeof *F);
    F->seed = seed;
    F->f = f;
    F->ng = c->n_gen;
    F->ks = c->seed * 1000003ULL + (uint64_t)seed * 7919ULL + (uint64_t)f * 104729ULL + 17;
    tgdp_eval_set real = {R->nt, R->d, R->xt, TGDP_ECG_NLABELS, R->yt_multi, R->rec_t};
    int rc = tgdp_eval_set_split(&real, fold, f, &F->test, &F->train, err);
    if (rc) return rc;
    F->ytr = take_i64(R->yt, fold, R->nt, f, 0, &F->ntr);
    F->gen = malloc((size_t)F->ng * R->d * sizeof *F->gen);
    F->lgen = malloc((size_t)F->ng * sizeof *F->lgen);
    F->lgen_multi = malloc((size_t)F->ng * TGDP_ECG_NLABELS * sizeof *F->lgen_multi);
    if (!F->gen || !F->ytr || !F->lgen || !F->lgen_multi) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    if (F->ntr < 2 || F->test.set.n < 2) return tgdp_fail(err, TGDP_EINVAL, "demo ecg: fold %d has too few windows", f);
    /* labels of the generated windows: drawn from the classes of the target training windows */
    demo_draw_labels(R, F->ytr, F->ntr, F->ng, F->ks ^ 0xabcdefULL, F->lgen, F->lgen_multi);
    return TGDP_OK;
}

#define CHECK(x) do { if ((rc = (x))) return rc; } while (0)

static int sample_plain(demo_run *R, demo_fold *F, tgdp_net *eps, tgdp_net *eps2, double w, uint64_t ss, tgdp_error *err)
{
    tgdp_eps_ctx e;
    memset(&e, 0, sizeof e);
    e.labels = F->lgen;
    e.eps = eps;
    e.eps2 = eps2;
    e.w = w;
    return demo_sample(R, eps2 ? tgdp_eps_domain_guidance : tgdp_eps_plain, &e, &e, F->ng, ss, F->gen, err);
}

static int sample_guided(demo_run *R, demo_fold *F, tgdp_net *src, tgdp_net *guide, const int64_t *guide_labels,
                         uint64_t ss, tgdp_error *err)
{
    guided_ctx g;
    memset(&g, 0, sizeof g);
    g.e.labels = F->lgen;
    g.e.w = R->c->w_tgdp;
    g.e.eps = src;
    g.e.guide = guide;
    g.guide_labels = guide_labels;
    return demo_sample(R, eps_guided, &g.e, &g, F->ng, ss, F->gen, err);
}

/* a denoiser trained on the fold's target training windows: from scratch (target-only) or from
 * the source model (fine-tuning) */
static int train_target_denoiser(demo_run *R, demo_fold *F, tgdp_net *net, tgdp_net *from, uint64_t ss, tgdp_error *err)
{
    const tgdp_ecg_demo_config *c = R->c;
    int rc;
    if (from) CHECK(tgdp_net_copy(net, from, err));
    else CHECK(demo_make_net(c, net, TGDP_ROLE_EPS, c->eps_hidden, R->n_classes, ss + 1, err));
    tgdp_train_opts o;
    demo_train_opts(&o, c, from ? c->ft_steps : c->target_steps, from ? c->ft_lr : c->eps_lr > 0 ? c->eps_lr : c->lr,
                    ss + 2);
    if (c->target_batch > 0) o.batch = c->target_batch;
    tgdp_dataset T = {F->ntr, R->d, F->train.x, F->ytr};
    return tgdp_train_denoiser(net, &R->sched, &T, &o, NULL, err);
}

/* the time-dependent domain classifier c'(x_t, [y,] t) of Algorithm 2 (conditional: with labels) */
static int train_time_classifier(demo_run *R, demo_fold *F, tgdp_net *net, int conditional, uint64_t ss, tgdp_error *err)
{
    const tgdp_ecg_demo_config *c = R->c;
    int rc;
    CHECK(demo_make_net(c, net, TGDP_ROLE_TIME_CLASSIFIER, c->tcls_hidden, conditional ? R->n_classes : 0, ss + 1, err));
    tgdp_train_opts o;
    demo_train_opts(&o, c, c->tcls_steps, c->lr, ss + 2);
    o.weight_decay = c->tcls_weight_decay;
    /* the penalty divided by the target windows */
    const tgdp_classifier_opts co = {.grad_penalty = c->tcls_grad_penalty / (double)F->ntr};
    tgdp_dataset S = {R->src.set.n, R->d, R->src.x, conditional ? R->ys : NULL};
    tgdp_dataset T = {F->ntr, R->d, F->train.x, conditional ? F->ytr : NULL};
    return tgdp_train_classifier(net, &R->sched, &S, &T, &o, &co, NULL, err);
}

/* the Algorithm 1 domain classifier c(x0) (label-free) */
static int train_domain_classifier(demo_run *R, demo_fold *F, uint64_t ss, tgdp_error *err)
{
    const tgdp_ecg_demo_config *c = R->c;
    int rc;
    tgdp_dataset Su = {R->src.set.n, R->d, R->src.x, NULL}, Tu = {F->ntr, R->d, F->train.x, NULL};
    CHECK(demo_make_net(c, &F->cls_u, TGDP_ROLE_CLASSIFIER, c->cls_hidden, 0, ss + 1, err));
    tgdp_train_opts o;
    demo_train_opts(&o, c, c->cls_steps, c->lr, ss + 2);
    o.weight_decay = 1.0;
    const tgdp_classifier_opts co = {.label_smoothing = 0.1};
    return tgdp_train_classifier(&F->cls_u, NULL, &Su, &Tu, &o, &co, NULL, err);
}

/* the guidance network regressed on r = exp(-logit c) over the source windows with the cycle
 * (target: tgdp's time classifier) and consistency terms (Algorithm 4) */
static int train_guidance_net(demo_run *R, demo_fold *F, tgdp_net *src, uint64_t ss, tgdp_error *err)
{
    const tgdp_ecg_demo_config *c = R->c;
    int rc;
    tgdp_dataset S = {R->src.set.n, R->d, R->src.x, R->ys}, T = {F->ntr, R->d, F->train.x, F->ytr};
    CHECK(demo_make_net(c, &F->h, TGDP_ROLE_GUIDANCE, c->guid_hidden, 0, ss + 3, err));
    F->h.hparam = TGDP_H_EXP;
    tgdp_train_opts o;
    demo_train_opts(&o, c, c->guid_steps, c->lr, ss + 4);
    const tgdp_guidance_opts go = {.bregman = 1, .normalize_r = 1, .eta_cycle = c->eta_cycle,
                                   .eta_consistency = c->eta_consistency};
    /* labelled sets: the consistency term runs the conditional source model (the label-free
     * guidance network and classifiers ignore the labels) */
    return tgdp_train_guidance(&F->h, &F->cls_u, &F->tcls_u, src, &R->sched, &S, &T, &o, &go, NULL, err);
}

/* ---------------------------------------------------------------- the plan of a fold
 * The networks the methods share are artifacts of tgdp_plan_run (tgdp/plan.h): each is trained
 * just before the first method that needs it and freed after the last. Their seeds are those of
 * the method that first uses them. */
enum { A_TONLY = 0, A_FT, A_TCLS_U, A_CLS_U, A_H, A_TCLS_C, A_COUNT };
static const int artifact_method[A_COUNT] = {TGDP_ECG_M_TARGET_ONLY, TGDP_ECG_M_FINETUNE, TGDP_ECG_M_TGDP,
                                             TGDP_ECG_M_TGDP_REG,    TGDP_ECG_M_TGDP_REG, TGDP_ECG_M_TGDP_COND};
static const uint32_t artifact_needs[A_COUNT] = {0, 0, 0, 0, TGDP_PLAN_BIT(A_CLS_U) | TGDP_PLAN_BIT(A_TCLS_U), 0};
static const uint32_t method_needs[TGDP_ECG_M_COUNT] = {
    0, TGDP_PLAN_BIT(A_TONLY), TGDP_PLAN_BIT(A_FT), TGDP_PLAN_BIT(A_FT), TGDP_PLAN_BIT(A_TCLS_U), TGDP_PLAN_BIT(A_H),
    TGDP_PLAN_BIT(A_TCLS_C)};

typedef struct fold_ctx {
    demo_run *R;
    tgdp_net *src;
    demo_fold *F;
    tgdp_ecg_demo_output *out;
    double t_last; /* end of the previous method */
} fold_ctx;

static uint64_t method_seed(const demo_fold *F, int m) { return F->ks ^ (0x10000ULL * (uint64_t)(m + 1)); }

static int build_artifact(void *vctx, int a, tgdp_error *err)
{
    fold_ctx *x = vctx;
    demo_run *R = x->R;
    demo_fold *F = x->F;
    const uint64_t ss = method_seed(F, artifact_method[a]);
    switch (a) {
    case A_TONLY: return train_target_denoiser(R, F, &F->tonly, NULL, ss, err);
    case A_FT: return train_target_denoiser(R, F, &F->ft, x->src, ss, err);
    case A_TCLS_U: return train_time_classifier(R, F, &F->tcls_u, 0, ss, err);
    case A_CLS_U: return train_domain_classifier(R, F, ss, err);
    case A_H: return train_guidance_net(R, F, x->src, ss, err);
    case A_TCLS_C: return train_time_classifier(R, F, &F->tcls_c, 1, ss, err);
    default: return tgdp_fail(err, TGDP_EINVAL, "demo ecg: artifact %d", a);
    }
}

static void release_artifact(void *vctx, int a)
{
    demo_fold *F = ((fold_ctx *)vctx)->F;
    tgdp_net *nets[A_COUNT] = {&F->tonly, &F->ft, &F->tcls_u, &F->cls_u, &F->h, &F->tcls_c};
    tgdp_net_free(nets[a]);
    memset(nets[a], 0, sizeof *nets[a]);
}

/* sample method m's windows from its (already trained) networks into F->gen */
static int generate(demo_run *R, tgdp_net *src, int m, demo_fold *F, tgdp_error *err)
{
    const uint64_t ss = method_seed(F, m);
    switch (m) {
    case TGDP_ECG_M_SOURCE_ONLY: return sample_plain(R, F, src, NULL, 0, ss, err);
    case TGDP_ECG_M_TARGET_ONLY: return sample_plain(R, F, &F->tonly, NULL, 0, ss, err);
    case TGDP_ECG_M_FINETUNE: return sample_plain(R, F, &F->ft, NULL, 0, ss, err);
    case TGDP_ECG_M_DOMAIN_GUIDANCE: return sample_plain(R, F, src, &F->ft, R->c->w_domain, ss, err);
    /* Algorithm 2 classifier as the guidance: log h = -logit c'(x_t, t) */
    case TGDP_ECG_M_TGDP: return sample_guided(R, F, src, &F->tcls_u, NULL, ss, err);
    case TGDP_ECG_M_TGDP_REG: return sample_guided(R, F, src, &F->h, NULL, ss, err);
    case TGDP_ECG_M_TGDP_COND: return sample_guided(R, F, src, &F->tcls_c, F->lgen, ss, err);
    default: return tgdp_fail(err, TGDP_EINVAL, "demo ecg: method %d", m);
    }
}

/* the windows kept for the plots (seed 0, fold 0) */
static int keep_plot(demo_run *R, int m, const demo_fold *F, tgdp_ecg_demo_output *out, tgdp_error *err)
{
    const int d = R->d, np = F->ng < TGDP_ECG_DEMO_PLOT ? F->ng : TGDP_ECG_DEMO_PLOT;
    float *keep = malloc((size_t)np * d * sizeof *keep);
    if (!keep) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    memcpy(keep, F->gen, (size_t)np * d * sizeof *keep);
    free(out->plot_gen[m]);
    out->plot_gen[m] = keep;
    for (int i = 0; i < np; i++) out->plot_gen_class[m][i] = F->lgen[i];
    out->n_plot = np;
    if (out->plot_real) return TGDP_OK;
    const int64_t nt = F->test.set.n;
    const int nr = nt < TGDP_ECG_DEMO_PLOT ? (int)nt : TGDP_ECG_DEMO_PLOT;
    if (!(out->plot_real = malloc((size_t)nr * d * sizeof *out->plot_real)))
        return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    /* spread over the held-out windows (different records where possible) */
    for (int i = 0; i < nr; i++)
        memcpy(out->plot_real + (size_t)i * d, F->test.x + (size_t)(i * (nt / nr)) * d, (size_t)d * sizeof(float));
    out->n_plot_real = nr;
    return TGDP_OK;
}

/* the generated windows of method m against the fold's held-out target windows */
static int evaluate(demo_run *R, int m, const demo_fold *F, tgdp_ecg_demo_output *out, double seconds, tgdp_error *err)
{
    const tgdp_ecg_demo_config *c = R->c;
    for (size_t i = 0; i < (size_t)F->ng * R->d; i++)
        if (!isfinite(F->gen[i]))
            return tgdp_fail(err, TGDP_ENONFINITE, "demo ecg: %s generated a non-finite value (seed %d, fold %d)",
                             tgdp_ecg_method_names[m], F->seed, F->f);
    const double t1 = tgdp_now_s();
    tgdp_ecg_demo_result *res = &out->results[out->n_results];
    memset(res, 0, sizeof *res);
    res->method = m;
    res->fold = F->f;
    res->seed = F->seed;
    tgdp_ecg_eval_config ec = c->eval;
    ec.seed = F->ks ^ 0x5eedULL;
    ec.fs = c->prep.fs;
    /* the real-only utility classifier is the same for every method of the fold: trained with the
     * first method's evaluation, copied to the others */
    if (m != TGDP_ECG_M_SOURCE_ONLY) ec.utility &= ~TGDP_UTILITY_REAL_ONLY;
    tgdp_eval_set gset = {F->ng, R->d, F->gen, TGDP_ECG_NLABELS, F->lgen_multi, NULL};
    int rc = tgdp_ecg_eval_fold(&ec, &F->train.set, &F->test.set, &gset, &R->fe, F->f, &res->r, err);
    if (rc) return rc;
    if (m != TGDP_ECG_M_SOURCE_ONLY) res->r.real_only = out->results[F->first_result].r.real_only;
    res->r.seed = (uint64_t)F->seed;
    out->n_results++;
    const tgdp_ecg_eval_result *r = &res->r;
    demo_log(c, "seed %d fold %d/%d %-15s c2st %.3f  frechet %.3g  mmd2 %.3g  tstr %.3f  beats %.2f/%.2f  hr_w1 %.1f  "
                "hf %.2f  aug auroc %.3f (real only %.3f)  (train+sample %.0f s, eval %.0f s)",
             F->seed, F->f + 1, c->folds, tgdp_ecg_method_names[m], r->c2st_auroc, r->feature_distance, r->mmd2,
             r->tstr_macro_auroc, r->realism.beat_fraction, r->realism.real_beat_fraction, r->realism.hr_w1,
             r->realism.hf_noise_ratio, r->aug.value[TGDP_UM_MACRO_AUROC], r->real_only.value[TGDP_UM_MACRO_AUROC],
             seconds, tgdp_now_s() - t1);
    return F->seed == 0 && F->f == 0 ? keep_plot(R, m, F, out, err) : TGDP_OK;
}

static int run_method(void *vctx, int m, tgdp_error *err)
{
    fold_ctx *x = vctx;
    int rc = generate(x->R, x->src, m, x->F, err);
    const double t = tgdp_now_s();
    if (!rc) rc = evaluate(x->R, m, x->F, x->out, t - x->t_last, err);
    x->t_last = tgdp_now_s();
    return rc;
}

int demo_run_fold(demo_run *R, tgdp_net *src, int seed, int f, const int *fold, tgdp_ecg_demo_output *out,
                  tgdp_error *err)
{
    demo_fold F;
    int rc = fold_init(R, seed, f, fold, &F, err);
    F.first_result = out->n_results;
    if (!rc) {
        fold_ctx x = {R, src, &F, out, tgdp_now_s()};
        const tgdp_plan plan = {A_COUNT, artifact_needs, method_needs, build_artifact, release_artifact, run_method};
        int methods[TGDP_ECG_M_COUNT];
        for (int m = 0; m < TGDP_ECG_M_COUNT; m++) methods[m] = m;
        rc = tgdp_plan_run(&plan, methods, TGDP_ECG_M_COUNT, &x, err);
    }
    fold_free(&F);
    return rc;
}

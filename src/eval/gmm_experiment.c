/* The Gaussian-mixture comparison: source only, target only, fine-tune, domain guidance,
 * TGDP, TGDP + regularisers, conditional TGDP and the exact oracle, for each target size n
 * and seed; metrics against fresh exact target samples and the exact h*. */
#include "tgdp/experiment.h"

#include "tgdp/gmm.h"
#include "tgdp/metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const tgdp_method_names[TGDP_M_COUNT] = {"source_only", "target_only", "finetune", "domain_guidance",
                                                     "tgdp",        "tgdp_reg",    "tgdp_cond", "oracle"};

void tgdp_gmm_demo_config_default(tgdp_gmm_demo_config *c, int quick)
{
    memset(c, 0, sizeof *c);
    c->n_list[0] = 10;
    c->n_list[1] = 100;
    c->n_list[2] = 1000;
    c->n_count = 3;
    c->seeds = 3;
    c->m = 10000;
    c->n_eval = 2000;
    c->eps_steps = 800;
    c->cls_steps = 300;
    c->tcls_steps = 500;
    c->guid_steps = 600;
    c->ft_steps = 200;
    c->batch = 256;
    c->lr = 1e-3;
    c->ft_lr = 2e-4;
    c->w_domain = 1.5;
    c->eta_cycle = 0.1;
    c->eta_consistency = 0.1;
    c->sample_steps = 25;
    c->sampler = TGDP_SAMPLER_DPM2;
    /* sizes chosen so that the whole demo (3 sizes x 3 seeds x 8 methods) fits its 15-minute
     * budget on 2 cores; docs/guidance-study.md used 256-wide networks */
    snprintf(c->eps_hidden, sizeof c->eps_hidden, "128,128,128");
    snprintf(c->tcls_hidden, sizeof c->tcls_hidden, "128,128,128");
    snprintf(c->cls_hidden, sizeof c->cls_hidden, "64,64");
    snprintf(c->guid_hidden, sizeof c->guid_hidden, "128,128");
    c->estimator = TGDP_EST_TIME_CLASSIFIER;
    c->tcls_grad_penalty = 0.1; /* divided by n: 0.01 at n = 10, 0.001 at n = 100 */
    /* curvature penalties (a prior that log h is locally linear; docs/guidance-study.md section 3):
     * weak for the unconditional ratio, which must bend between the modes; strong for the
     * label-conditional one */
    c->tcls_curv_penalty = 0.1;
    c->tcond_curv_penalty = 1.0;
    /* Algorithm 1 classifier for tgdp_reg: small and weight-decayed (see docs/guidance-study.md) */
    c->cls_weight_decay = 1.0;
    c->cls_label_smoothing = 0.1;
    c->guid_bregman = 1;
    c->guid_normalize = 1;
    c->guid_exp = 1;
    if (quick) { /* the end-to-end test: the first two sizes (10, 100), one seed, fewer source samples */
        c->n_count = 2;
        c->seeds = 1;
        c->m = 4000;
        c->n_eval = 1000;
        c->guid_steps = 200;
        snprintf(c->guid_hidden, sizeof c->guid_hidden, "64,64");
    }
}

static void logf_(const tgdp_gmm_demo_config *c, const char *fmt, ...)
{
    if (!c->log) return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    c->log(c->log_ctx, buf);
}

static int make_net(tgdp_net *net, tgdp_role role, const char *hidden, int out_dim, int n_classes, uint64_t seed,
                    tgdp_error *err)
{
    tgdp_mlp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.in_dim = 2;
    cfg.out_dim = out_dim;
    cfg.time_mode = role == TGDP_ROLE_CLASSIFIER ? TGDP_TIME_NONE : TGDP_TIME_RAW;
    cfg.n_classes = n_classes;
    cfg.label_dim = n_classes;
    cfg.act = TGDP_ACT_SILU;
    int rc = tgdp_mlp_parse_hidden(&cfg, hidden, err);
    return rc ? rc : tgdp_net_create(net, role, &cfg, seed, err);
}

/* shared state of one (seed) run */
typedef struct run {
    const tgdp_gmm_demo_config *c;
    tgdp_schedule sched;
    tgdp_gmm P, Q;
    tgdp_arena ar;
} run;

static int sample_with(run *R, tgdp_eps_fn fn, tgdp_eps_ctx *ectx, void *ctx, int n, uint64_t seed, float *x,
                       tgdp_error *err)
{
    tgdp_rng rng = tgdp_rng_new(seed);
    float *scratch = malloc((size_t)n * 2 * sizeof *scratch);
    if (!scratch) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    if (ectx) {
        ectx->scratch = scratch;
        ectx->arena = &R->ar;
        ectx->s = &R->sched;
    }
    int rc = tgdp_sample(&R->sched, R->c->sampler, R->c->sample_steps, 1e-3, fn, ctx, n, 2, &rng, x, err);
    free(scratch);
    return rc;
}

static int metrics_for(run *R, const float *x, int n, const float *fresh, const int *labels, tgdp_gmm_result *res,
                       tgdp_error *err)
{
    int rc = tgdp_mmd2_rbf(n, n, 2, x, fresh, tgdp_mmd_default_bandwidths, TGDP_MMD_NUM_BANDWIDTHS, &res->mmd2, err);
    if (!rc) rc = tgdp_energy_distance(n, n, 2, x, fresh, &res->energy, err);
    if (!rc) rc = tgdp_mean_nll(&R->Q, n, x, &res->nll, err);
    if (!rc) rc = tgdp_mode_mass_error(&R->Q, 0, n, x, &res->mode_error, err);
    res->label_accuracy = NAN;
    if (!rc && labels) rc = tgdp_label_accuracy(&R->Q, n, x, labels, &res->label_accuracy, err);
    return rc;
}

/* E || sigma_t (grad log h_est - grad log h*) ||^2 / d over x_t ~ q_t, averaged over t in the list */
static int guidance_error(run *R, tgdp_net *guide, int conditional, uint64_t seed, double *out, tgdp_error *err)
{
    static const double ts[5] = {0.05, 0.1, 0.3, 0.5, 0.8};
    const int n = 2000;
    float *x0 = malloc(n * 2 * sizeof *x0), *xt = malloc(n * 2 * sizeof *xt), *ge = malloc(n * 2 * sizeof *ge);
    float *gt = malloc(n * 2 * sizeof *gt), *sig = malloc(n * sizeof *sig), *eps = malloc(n * 2 * sizeof *eps);
    int *lab = malloc(n * sizeof *lab);
    int64_t *lab64 = malloc(n * sizeof *lab64);
    int rc = (!x0 || !xt || !ge || !gt || !sig || !eps || !lab || !lab64) ? tgdp_fail(err, TGDP_ENOMEM, "out of memory") : 0;
    tgdp_rng rng = tgdp_rng_new(seed);
    double acc = 0;
    for (int k = 0; k < 5 && !rc; k++) {
        double t = ts[k], a = tgdp_schedule_alpha(&R->sched, t), s = tgdp_schedule_sigma(&R->sched, t);
        rc = tgdp_gmm_sample(&R->Q, n, &rng, x0, lab, err);
        if (rc) break;
        tgdp_rng_fill_normal(&rng, eps, n * 2, 0, 1);
        for (int i = 0; i < n * 2; i++) xt[i] = (float)(a * x0[i] + s * eps[i]);
        for (int i = 0; i < n; i++) {
            sig[i] = (float)s;
            lab64[i] = lab[i];
        }
        rc = tgdp_guidance_grad(guide, &R->ar, n, 2, xt, (float)t, conditional ? lab64 : NULL, ge, err);
        if (!rc) rc = tgdp_gmm_grad_log_h(&R->P, &R->Q, a, s, n, xt, conditional ? lab : NULL, gt, err);
        double e = 0;
        if (!rc) rc = tgdp_guidance_grad_error(n, 2, ge, gt, sig, &e, err);
        acc += e / 5;
    }
    *out = acc;
    free(x0); free(xt); free(ge); free(gt); free(sig); free(eps); free(lab); free(lab64);
    return rc;
}

static int log_r_mae(run *R, tgdp_net *cls, const tgdp_dataset *src, const int *lab, double *out, tgdp_error *err)
{
    float *lr = malloc((size_t)src->n * sizeof *lr), *r = malloc((size_t)src->n * sizeof *r);
    double *truth = malloc((size_t)src->n * sizeof *truth);
    int rc = (!lr || !r || !truth) ? tgdp_fail(err, TGDP_ENOMEM, "out of memory") : 0;
    if (!rc) rc = tgdp_density_ratio(cls, &R->ar, src, r, lr, err);
    if (!rc) rc = tgdp_gmm_log_h(&R->P, &R->Q, 1.0, 0.0, (int)src->n, src->x, tgdp_net_n_classes(cls) ? lab : NULL, truth, err);
    if (!rc) rc = tgdp_log_ratio_mae((int)src->n, lr, truth, out, err);
    free(lr); free(r); free(truth);
    return rc;
}

static void train_opts(tgdp_train_opts *o, const tgdp_gmm_demo_config *c, int64_t steps, double lr, uint64_t seed)
{
    tgdp_train_opts_default(o);
    o->steps = steps;
    o->batch = c->batch;
    o->lr = lr;
    o->seed = seed;
}

#define CHECKRC(x) do { if ((rc = (x))) goto done; } while (0)

static int run_seed(run *R, int si, tgdp_gmm_demo_output *out, tgdp_error *err)
{
    const int seed = R->c->first_seed + si; /* si: index into the per-seed arrays */
    const tgdp_gmm_demo_config *c = R->c;
    const int m = c->m, ne = c->n_eval;
    int rc = 0;
    float *xs = malloc((size_t)m * 2 * sizeof *xs), *fresh = malloc((size_t)ne * 2 * sizeof *fresh);
    float *fresh2 = malloc((size_t)ne * 2 * sizeof *fresh2), *gen = malloc((size_t)ne * 2 * sizeof *gen);
    int *ls = malloc((size_t)m * sizeof *ls), *lt = malloc(1000 * sizeof *lt), *lgen = malloc((size_t)ne * sizeof *lgen);
    int64_t *ls64 = malloc((size_t)m * sizeof *ls64), *lt64 = malloc(1000 * sizeof *lt64), *lgen64 = malloc((size_t)ne * sizeof *lgen64);
    float *xt_all = malloc(1000 * 2 * sizeof *xt_all);
    tgdp_net src, srcc;
    memset(&src, 0, sizeof src);
    memset(&srcc, 0, sizeof srcc);
    if (!xs || !fresh || !fresh2 || !gen || !ls || !lt || !lgen || !ls64 || !lt64 || !lgen64 || !xt_all)
        return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    tgdp_rng base = tgdp_rng_new(1000003ULL * (uint64_t)(seed + 1)), r;
    r = tgdp_rng_split(&base, 1);
    CHECKRC(tgdp_gmm_sample(&R->P, m, &r, xs, ls, err));
    for (int i = 0; i < m; i++) ls64[i] = ls[i];
    r = tgdp_rng_split(&base, 2);
    CHECKRC(tgdp_gmm_sample(&R->Q, 1000, &r, xt_all, lt, err)); /* n-sample sets are nested prefixes */
    for (int i = 0; i < 1000; i++) lt64[i] = lt[i];
    tgdp_dataset S = {m, 2, xs, NULL}, SC = {m, 2, xs, ls64};
    tgdp_train_opts o;
    /* source models: unconditional and label-conditional */
    logf_(c, "seed %d: training the source denoiser (%d steps)", seed, c->eps_steps);
    CHECKRC(make_net(&src, TGDP_ROLE_EPS, c->eps_hidden, 2, 0, base.key ^ 11, err));
    train_opts(&o, c, c->eps_steps, c->lr, base.key ^ 12);
    CHECKRC(tgdp_train_denoiser(&src, &R->sched, &S, &o, NULL, err));
    logf_(c, "seed %d: training the conditional source denoiser", seed);
    CHECKRC(make_net(&srcc, TGDP_ROLE_EPS, c->eps_hidden, 2, 2, base.key ^ 13, err));
    train_opts(&o, c, c->eps_steps, c->lr, base.key ^ 14);
    CHECKRC(tgdp_train_denoiser(&srcc, &R->sched, &SC, &o, NULL, err));

    for (int ni = 0; ni < c->n_count; ni++) {
        const int n = c->n_list[ni];
        tgdp_dataset T = {n, 2, xt_all, NULL}, TC = {n, 2, xt_all, lt64};
        uint64_t ks = base.key ^ (0x100u * (unsigned)(ni + 1));
        r = tgdp_rng_split(&base, 100 + ni);
        CHECKRC(tgdp_gmm_sample(&R->Q, ne, &r, fresh, NULL, err));
        CHECKRC(tgdp_gmm_sample(&R->Q, ne, &r, fresh2, NULL, err));
        double fl = 0, fe = 0;
        CHECKRC(tgdp_mmd2_rbf(ne, ne, 2, fresh2, fresh, tgdp_mmd_default_bandwidths, TGDP_MMD_NUM_BANDWIDTHS, &fl, err));
        CHECKRC(tgdp_energy_distance(ne, ne, 2, fresh2, fresh, &fe, err));
        out->floor_mmd2[ni * c->seeds + si] = fl;
        out->floor_energy[ni * c->seeds + si] = fe;
        /* labels for conditional sampling: drawn from the target's label frequencies */
        double freq[2] = {0, 0};
        for (int i = 0; i < n; i++) freq[lt[i]] += 1;
        for (int i = 0; i < ne; i++) {
            lgen[i] = tgdp_rng_categorical(&r, freq, 2);
            lgen64[i] = lgen[i];
        }
        /* shared across the methods of one n: the fine-tuned model (finetune, domain guidance),
         * the classifiers (unconditional: tgdp, tgdp_reg; conditional: tgdp_cond) */
        tgdp_net ft, cls_u, cls, tcls_u, tcls;
        memset(&ft, 0, sizeof ft);
        memset(&cls_u, 0, sizeof cls_u);
        memset(&cls, 0, sizeof cls);
        memset(&tcls_u, 0, sizeof tcls_u);
        memset(&tcls, 0, sizeof tcls);
        double log_r_mae_u = NAN, log_r_mae_c = NAN;
        for (int meth = 0; meth < TGDP_M_COUNT; meth++) {
            tgdp_net a, h;
            memset(&a, 0, sizeof a);
            memset(&h, 0, sizeof h);
            tgdp_eps_ctx e;
            memset(&e, 0, sizeof e);
            tgdp_gmm_result res;
            memset(&res, 0, sizeof res);
            res.n = n;
            res.seed = seed;
            res.method = meth;
            res.guidance_error = res.log_r_mae = NAN;
            const int *labels_used = NULL;
            uint64_t ss = ks ^ (0x10000u * (unsigned)(meth + 1));
            logf_(c, "seed %d, n = %d: %s", seed, n, tgdp_method_names[meth]);
            switch (meth) {
            case TGDP_M_SOURCE_ONLY:
                e.eps = &src;
                rc = sample_with(R, tgdp_eps_plain, &e, &e, ne, ss, gen, err);
                break;
            case TGDP_M_TARGET_ONLY:
                if (!(rc = make_net(&a, TGDP_ROLE_EPS, c->eps_hidden, 2, 0, ss + 1, err))) {
                    train_opts(&o, c, c->eps_steps, c->lr, ss + 2);
                    if (!(rc = tgdp_train_denoiser(&a, &R->sched, &T, &o, NULL, err))) {
                        e.eps = &a;
                        rc = sample_with(R, tgdp_eps_plain, &e, &e, ne, ss, gen, err);
                    }
                }
                break;
            case TGDP_M_FINETUNE:
            case TGDP_M_DOMAIN_GUIDANCE:
                if (!ft.p.w) {
                    if ((rc = tgdp_net_copy(&ft, &src, err))) break;
                    train_opts(&o, c, c->ft_steps, c->ft_lr, ks + 2);
                    if ((rc = tgdp_train_denoiser(&ft, &R->sched, &T, &o, NULL, err))) break;
                }
                if (meth == TGDP_M_FINETUNE) {
                    e.eps = &ft;
                    rc = sample_with(R, tgdp_eps_plain, &e, &e, ne, ss, gen, err);
                } else {
                    e.eps = &src;
                    e.eps2 = &ft;
                    e.w = c->w_domain;
                    rc = sample_with(R, tgdp_eps_domain_guidance, &e, &e, ne, ss, gen, err);
                }
                break;
            case TGDP_M_TGDP:
            case TGDP_M_TGDP_REG:
            case TGDP_M_TGDP_COND: {
                const int cond = meth == TGDP_M_TGDP_COND, reg = meth == TGDP_M_TGDP_REG;
                const int nc = cond ? 2 : 0;
                const tgdp_dataset *SS = cond ? &SC : &S, *TT = cond ? &TC : &T;
                tgdp_net *esrc = cond ? &srcc : &src;
                /* the time-dependent classifier (Algorithm 2): the guidance itself for the default
                 * estimator (log h = -logit c'), and the cycle term's target for tgdp_reg */
                tgdp_net *tc = cond ? &tcls : &tcls_u;
                if (!tc->p.w) {
                    if ((rc = make_net(tc, TGDP_ROLE_TIME_CLASSIFIER, c->tcls_hidden, 1, nc, ks + 7 + (unsigned)cond, err))) break;
                    train_opts(&o, c, c->tcls_steps, c->lr, ks + 9 + (unsigned)cond);
                    o.weight_decay = c->tcls_weight_decay;
                    o.ema = c->tcls_ema;
                    tgdp_classifier_opts co = {0};
                    co.label_smoothing = c->tcls_label_smoothing;
                    /* the penalty acts like a prior on the slope of log h: its weight falls as 1/n */
                    co.grad_penalty = c->tcls_grad_penalty / n;
                    co.grad_penalty_data_units = c->tcls_gp_data_units;
                    /* the curvature penalty is a prior on the shape of log h (locally linear), not
                     * on the data: its weight does not fall with n (docs/guidance-study.md) */
                    co.curv_penalty = cond ? c->tcond_curv_penalty : c->tcls_curv_penalty;
                    if ((rc = tgdp_train_classifier(tc, &R->sched, SS, TT, &o, &co, NULL, err))) break;
                }
                tgdp_net *guide = tc;
                if (reg || c->estimator == TGDP_EST_GUIDANCE_NET) {
                    /* Algorithm 1 classifier and the guidance network of Algorithm 3 (4 with tgdp_reg) */
                    tgdp_net *C = cond ? &cls : &cls_u;
                    if (!C->p.w) {
                        if ((rc = make_net(C, TGDP_ROLE_CLASSIFIER, c->cls_hidden, 1, nc, ks + 3 + (unsigned)cond, err))) break;
                        train_opts(&o, c, c->cls_steps, c->lr, ks + 5 + (unsigned)cond);
                        o.weight_decay = c->cls_weight_decay;
                        tgdp_classifier_opts co = {.label_smoothing = c->cls_label_smoothing};
                        if ((rc = tgdp_train_classifier(C, NULL, SS, TT, &o, &co, NULL, err))) break;
                        if ((rc = log_r_mae(R, C, SS, ls, cond ? &log_r_mae_c : &log_r_mae_u, err))) break;
                    }
                    res.log_r_mae = cond ? log_r_mae_c : log_r_mae_u;
                    if ((rc = make_net(&h, TGDP_ROLE_GUIDANCE, c->guid_hidden, 1, nc, ss + 7, err))) break;
                    h.hparam = c->guid_exp ? TGDP_H_EXP : TGDP_H_SOFTPLUS;
                    train_opts(&o, c, c->guid_steps, c->lr, ss + 8);
                    tgdp_guidance_opts go = {.bregman = c->guid_bregman, .normalize_r = c->guid_normalize};
                    if (reg) {
                        go.eta_cycle = c->eta_cycle;
                        go.eta_consistency = c->eta_consistency;
                    }
                    if ((rc = tgdp_train_guidance(&h, C, reg ? tc : NULL, esrc, &R->sched, SS, TT, &o, &go, NULL, err))) break;
                    guide = &h;
                }
                if ((rc = guidance_error(R, guide, cond, ss + 9, &res.guidance_error, err))) break;
                e.eps = esrc;
                e.guide = guide;
                e.w = 1.0;
                e.labels = cond ? lgen64 : NULL;
                labels_used = cond ? lgen : NULL;
                rc = sample_with(R, tgdp_eps_guided, &e, &e, ne, ss, gen, err);
                break;
            }
            case TGDP_M_ORACLE: {
                tgdp_gmm_oracle oc = {&R->Q, &R->sched, NULL};
                rc = sample_with(R, tgdp_gmm_oracle_eps, NULL, &oc, ne, ss, gen, err);
                break;
            }
            }
            tgdp_net_free(&a);
            tgdp_net_free(&h);
            if (!rc) rc = metrics_for(R, gen, ne, fresh, labels_used, &res, err);
            if (rc) break;
            out->results[out->n_results++] = res;
            logf_(c, "  %-16s mmd2 %.4f  energy %.4f  nll %.3f  mode err %.3f", tgdp_method_names[meth], res.mmd2,
                  res.energy, res.nll, res.mode_error);
            if (si == 0) {
                float *keep = malloc((size_t)ne * 2 * sizeof *keep);
                if (keep) memcpy(keep, gen, (size_t)ne * 2 * sizeof *keep);
                free(out->samples[ni][meth]);
                out->samples[ni][meth] = keep;
            }
        }
        tgdp_net_free(&ft);
        tgdp_net_free(&cls_u);
        tgdp_net_free(&cls);
        tgdp_net_free(&tcls_u);
        tgdp_net_free(&tcls);
        if (rc) goto done;
    }
done:
    tgdp_net_free(&src);
    tgdp_net_free(&srcc);
    free(xs); free(fresh); free(fresh2); free(gen); free(ls); free(lt); free(lgen); free(ls64); free(lt64);
    free(lgen64); free(xt_all);
    return rc;
}

int tgdp_gmm_demo_run(const tgdp_gmm_demo_config *c, tgdp_gmm_demo_output *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    if (c->n_count < 1 || c->n_count > 8 || c->seeds < 1 || c->first_seed < 0 || c->m < 2 || c->n_eval < 10)
        return tgdp_fail(err, TGDP_EINVAL, "demo gmm: invalid configuration");
    for (int i = 0; i < c->n_count; i++)
        if (c->n_list[i] < 2 || c->n_list[i] > 1000)
            return tgdp_fail(err, TGDP_EINVAL, "demo gmm: target size %d outside 2..1000", c->n_list[i]);
    out->results = calloc((size_t)c->n_count * c->seeds * TGDP_M_COUNT, sizeof *out->results);
    out->floor_mmd2 = calloc((size_t)c->n_count * c->seeds, sizeof(double));
    out->floor_energy = calloc((size_t)c->n_count * c->seeds, sizeof(double));
    if (!out->results || !out->floor_mmd2 || !out->floor_energy) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    run R;
    memset(&R, 0, sizeof R);
    R.c = c;
    int rc = tgdp_schedule_init_vp_linear(&R.sched, 0.1, 20.0, err);
    if (!rc) rc = tgdp_gmm_demo_source(&R.P, err);
    if (!rc) rc = tgdp_gmm_demo_target(&R.Q, err);
    tgdp_arena_init(&R.ar);
    for (int s = 0; s < c->seeds && !rc; s++) rc = run_seed(&R, s, out, err);
    tgdp_arena_free(&R.ar);
    tgdp_gmm_free(&R.P);
    tgdp_gmm_free(&R.Q);
    tgdp_schedule_free(&R.sched);
    return rc;
}

void tgdp_gmm_demo_output_free(tgdp_gmm_demo_output *out)
{
    free(out->results);
    free(out->floor_mmd2);
    free(out->floor_energy);
    for (int i = 0; i < 8; i++)
        for (int m = 0; m < TGDP_M_COUNT; m++) free(out->samples[i][m]);
    memset(out, 0, sizeof *out);
}

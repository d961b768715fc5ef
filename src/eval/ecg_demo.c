/* The ECG transfer comparison (tgdp/ecg_demo.h): prepare the windows, then for every seed
 * and fold of target records train every method on source + the fold's target training
 * records, sample, and evaluate against the held-out records. Mirrors gmm_experiment.c. */
#include "tgdp/ecg_demo.h"

#include "tgdp/ecg_domains.h"
#include "tgdp/tgdp.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const tgdp_ecg_method_names[TGDP_ECG_M_COUNT] = {"source_only", "target_only", "finetune", "domain_guidance",
                                                             "tgdp",        "tgdp_reg",    "tgdp_cond"};

void tgdp_ecg_demo_config_default(tgdp_ecg_demo_config *c, int quick)
{
    memset(c, 0, sizeof *c);
    snprintf(c->source_dbs, sizeof c->source_dbs, "ludb,ptbxl,georgia");
    snprintf(c->target_dbs, sizeof c->target_dbs, "ningbo,cpsc2018");
    tgdp_ecg_prepare_opts_default(&c->prep);
    /* sized for about 30 minutes on 2 cores with the shared records (README): a 5-fold run with
     * the 512-wide denoiser and twice the steps was on course for over an hour, 3 folds with
     * 2000/1000 source/target-only steps for about 45 minutes */
    c->folds = 3;
    c->seeds = 2;
    c->seed = 0;
    /* the denoisers: a width-16 U-Net with the input skip (an MLP over the flat window learns
     * the amplitudes but no beats); the classifiers and the guidance network: MLPs over the flat
     * window (the resnet1d is one option away, at several times the cost per step) */
    snprintf(c->eps_arch, sizeof c->eps_arch, "unet1d");
    snprintf(c->cls_arch, sizeof c->cls_arch, "mlp");
    snprintf(c->eps_hidden, sizeof c->eps_hidden, "256,256,256");
    snprintf(c->cls_hidden, sizeof c->cls_hidden, "128");
    snprintf(c->tcls_hidden, sizeof c->tcls_hidden, "256,256");
    snprintf(c->guid_hidden, sizeof c->guid_hidden, "256,256");
    c->conv_width = 16;
    /* 1500 / 300 / 150 / 300 / 250 steps and 128 windows were on course for 39 minutes (each of
     * the 6 fold x seed runs about 5 minutes); with 200 fewer source steps, fewer steps for the
     * target-side networks except fine-tuning (the strongest baseline) and 96 windows it took
     * 29 min 43 s on the idle 2-core machine (README) */
    c->eps_steps = 1300;
    c->target_steps = 200;
    c->ft_steps = 150;
    c->cls_steps = 200;
    c->tcls_steps = 200;
    c->guid_steps = 150;
    c->batch = 64;
    c->target_batch = 32;
    c->eps_ema = 0.995;
    c->source_per_seed = 0;
    c->lr = 1e-3;
    c->ft_lr = 2e-4;
    c->w_domain = 1.5;
    c->w_tgdp = 1.0;
    c->eta_cycle = 0.1;
    c->eta_consistency = 0.1;
    c->tcls_weight_decay = 1e-2;
    c->tcls_grad_penalty = 0.1;
    c->sample_steps = 25;
    c->sampler = TGDP_SAMPLER_DPM2;
    c->n_gen = 96;
    tgdp_ecg_eval_config_default(&c->eval);
    tgdp_eval_classifier_opts_default(&c->features);
    c->features.steps = 1000;
    if (quick) { /* the test suite: 3 folds, 1 seed, 20 records per database, small MLPs, short training */
        snprintf(c->eps_arch, sizeof c->eps_arch, "mlp");
        c->eps_ema = 0;
        c->target_steps = 200;
        c->ft_steps = 100;
        c->folds = 3;
        c->seeds = 1;
        c->max_records = 20;
        snprintf(c->eps_hidden, sizeof c->eps_hidden, "128,128");
        snprintf(c->tcls_hidden, sizeof c->tcls_hidden, "64");
        snprintf(c->cls_hidden, sizeof c->cls_hidden, "32");
        snprintf(c->guid_hidden, sizeof c->guid_hidden, "64");
        c->batch = 64;
        c->target_batch = 64;
        c->eps_steps = 300;
        c->cls_steps = 100;
        c->tcls_steps = 150;
        c->guid_steps = 100;
        c->n_gen = 48;
        c->sample_steps = 10;
        c->features.steps = 150;
        c->features.n_hidden = 1;
        c->features.hidden[0] = 128;
        c->eval.c2st.cls.steps = 150;
        c->eval.tstr.steps = 150;
    }
}

static void logf_(const tgdp_ecg_demo_config *c, const char *fmt, ...)
{
    if (!c->log) return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    c->log(c->log_ctx, buf);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---------------------------------------------------------------- data */

/* the source and target windows: the domain builder of ecg prepare (tgdp/ecg_domains.h; a record
 * in both domains stays in the target) */
static void log_database(void *ctx, const tgdp_ecg_db_run *db)
{
    logf_(ctx, "prepare: %s %s (%s%s): %zu records, %lld windows, %zu skipped", tgdp_ecg_domain_name(db->domain),
          db->name, db->folders.path[0], db->folders.n > 1 ? " + more" : "", db->used, (long long)db->windows,
          db->skipped);
}

static void log_skip(void *ctx, const tgdp_ecg_skip *s)
{
    logf_(ctx, "skipped %s record %s: %s", s->database, s->id, s->reason);
}

static int build_domains(const tgdp_ecg_demo_config *c, const char *dir, tgdp_ecg_set *S, tgdp_ecg_set *T,
                         int64_t *skipped, tgdp_error *err)
{
    tgdp_ecg_domains_opts o;
    tgdp_ecg_domains_opts_default(&o);
    o.source_dbs = c->source_dbs;
    o.target_dbs = c->target_dbs;
    o.max_records = c->max_records;
    o.target_records = c->target_records;
    o.seed = c->seed;
    o.prep = c->prep;
    o.on_database = log_database;
    o.on_skip = log_skip;
    o.ctx = (void *)c;
    tgdp_ecg_domains D;
    int rc = tgdp_ecg_domains_build(dir, &o, &D, err);
    if (!rc && !(D.has[TGDP_ECG_SOURCE] && D.has[TGDP_ECG_TARGET]))
        rc = tgdp_fail(err, TGDP_EINVAL, "demo ecg: needs source and target databases");
    if (!rc) {
        tgdp_ecg_set_free(S);
        tgdp_ecg_set_free(T);
        *S = D.set[TGDP_ECG_SOURCE]; /* the sets move out of D */
        *T = D.set[TGDP_ECG_TARGET];
        tgdp_ecg_set_init(&D.set[TGDP_ECG_SOURCE], c->prep.window);
        tgdp_ecg_set_init(&D.set[TGDP_ECG_TARGET], c->prep.window);
    }
    *skipped += (int64_t)D.n_skips;
    tgdp_ecg_domains_free(&D);
    return rc;
}

/* ---------------------------------------------------------------- networks */

static int make_net(const tgdp_ecg_demo_config *c, tgdp_net *net, tgdp_role role, const char *hidden, int n_classes,
                    uint64_t seed, tgdp_error *err)
{
    const int L = (int)c->prep.window, d = 12 * L;
    const int timed = role != TGDP_ROLE_CLASSIFIER;
    const int out_dim = role == TGDP_ROLE_EPS ? d : 1;
    tgdp_net_config nc;
    memset(&nc, 0, sizeof nc);
    const char *arch = role == TGDP_ROLE_EPS ? c->eps_arch : c->cls_arch;
    if (tgdp_arch_parse(arch, &nc.arch))
        return tgdp_fail(err, TGDP_EINVAL, "demo ecg: unknown architecture '%s' (mlp, unet1d, resnet1d)", arch);
    if (nc.arch == TGDP_ARCH_MLP) {
        tgdp_mlp_config *m = &nc.mlp;
        m->in_dim = d;
        m->out_dim = out_dim;
        m->time_mode = timed ? TGDP_TIME_FOURIER : TGDP_TIME_NONE;
        m->temb = 16;
        m->n_classes = n_classes;
        m->label_dim = n_classes;
        m->act = TGDP_ACT_SILU;
        m->skip = role == TGDP_ROLE_EPS; /* 3000 inputs through a few hundred units: see models.h */
        int rc = tgdp_mlp_parse_hidden(m, hidden, err);
        if (rc) return rc;
    } else {
        tgdp_conv_config_default(&nc.conv, nc.arch, 12, L, out_dim, timed, n_classes);
        nc.conv.width = c->conv_width;
        nc.conv.groups = c->conv_width >= 8 ? 8 : c->conv_width;
        nc.conv.skip = role == TGDP_ROLE_EPS; /* the exact identity at high noise: see nn/skip_gain.h */
    }
    return tgdp_net_create_arch(net, role, &nc, seed, err);
}

static void train_opts(tgdp_train_opts *o, const tgdp_ecg_demo_config *c, int64_t steps, double lr, uint64_t seed)
{
    tgdp_train_opts_default(o);
    o->steps = steps;
    o->batch = c->batch;
    o->lr = lr;
    o->seed = seed;
}

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

/* ---------------------------------------------------------------- one run */

typedef struct run {
    const tgdp_ecg_demo_config *c;
    tgdp_schedule sched;
    tgdp_arena ar;
    int d;
    /* source */
    int64_t ns;
    const float *xs;
    int64_t *ys_multi, *ys; /* [ns, K], [ns] classes */
    /* target */
    int64_t nt;
    const float *xt;
    int64_t *yt_multi, *yt, *rec_t, *strata;
    int n_classes;
    const int *class_label;
    tgdp_feature_extractor fe;
} run;

static int sample_n(run *R, tgdp_eps_fn fn, tgdp_eps_ctx *e, void *ctx, int n, uint64_t seed, float *x, tgdp_error *err)
{
    tgdp_rng rng = tgdp_rng_new(seed);
    float *scratch = malloc((size_t)n * R->d * sizeof *scratch);
    if (!scratch) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    e->scratch = scratch;
    e->arena = &R->ar;
    e->s = &R->sched;
    int rc = tgdp_sample(&R->sched, R->c->sampler, R->c->sample_steps, 1e-3, fn, ctx, n, R->d, &rng, x, err);
    free(scratch);
    return rc;
}

static int64_t *take_i64(const int64_t *v, int64_t width, const int *fold, int64_t n, int f, int want_in, int64_t *cnt)
{
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) k += (fold[i] == f) == want_in;
    int64_t *o = malloc((size_t)(k ? k : 1) * width * sizeof *o);
    if (!o) return NULL;
    k = 0;
    for (int64_t i = 0; i < n; i++)
        if ((fold[i] == f) == want_in) memcpy(o + k++ * width, v + i * width, (size_t)width * sizeof *o);
    *cnt = k;
    return o;
}

#define CHECK(x) do { if ((rc = (x))) goto done; } while (0)

static int run_fold(run *R, tgdp_net *src, int seed, int f, const int *fold, tgdp_ecg_demo_output *out, tgdp_error *err)
{
    const tgdp_ecg_demo_config *c = R->c;
    const int d = R->d, K = TGDP_ECG_NLABELS, ng = c->n_gen;
    int rc = 0;
    tgdp_eval_set real = {R->nt, d, R->xt, K, R->yt_multi, R->rec_t};
    tgdp_eval_owned test, train;
    memset(&test, 0, sizeof test);
    memset(&train, 0, sizeof train);
    int64_t ntr = 0;
    int64_t *ytr = NULL, *lgen = NULL, *lgen_multi = NULL;
    float *gen = malloc((size_t)ng * d * sizeof *gen);
    tgdp_net tonly, ft, tcls_u, tcls_c, cls_u, h;
    memset(&tonly, 0, sizeof tonly);
    memset(&ft, 0, sizeof ft);
    memset(&tcls_u, 0, sizeof tcls_u);
    memset(&tcls_c, 0, sizeof tcls_c);
    memset(&cls_u, 0, sizeof cls_u);
    memset(&h, 0, sizeof h);
    CHECK(tgdp_eval_set_split(&real, fold, f, &test, &train, err));
    ytr = take_i64(R->yt, 1, fold, R->nt, f, 0, &ntr);
    lgen = malloc((size_t)ng * sizeof *lgen);
    lgen_multi = calloc((size_t)ng * K, sizeof *lgen_multi);
    if (!gen || !ytr || !lgen || !lgen_multi) CHECK(tgdp_fail(err, TGDP_ENOMEM, "out of memory"));
    if (ntr < 2 || test.set.n < 2) CHECK(tgdp_fail(err, TGDP_EINVAL, "demo ecg: fold %d has too few windows", f));
    const uint64_t ks = c->seed * 1000003ULL + (uint64_t)seed * 7919ULL + (uint64_t)f * 104729ULL + 17;
    /* labels of the generated windows: drawn from the classes of the target training windows */
    double freq[TGDP_EVAL_MAX_LABELS + 1] = {0};
    for (int64_t i = 0; i < ntr; i++) freq[ytr[i]] += 1;
    tgdp_rng lr = tgdp_rng_new(ks ^ 0xabcdefULL);
    for (int i = 0; i < ng; i++) {
        lgen[i] = tgdp_rng_categorical(&lr, freq, R->n_classes);
        int lab = R->class_label[lgen[i]];
        if (lab >= 0) lgen_multi[(int64_t)i * K + lab] = 1;
    }
    tgdp_dataset S = {R->ns, d, R->xs, R->ys}, T = {ntr, d, train.x, ytr};
    tgdp_dataset Su = {R->ns, d, R->xs, NULL}, Tu = {ntr, d, train.x, NULL};
    tgdp_eval_set gset = {ng, d, gen, K, lgen_multi, NULL};
    tgdp_train_opts o;
    tgdp_classifier_opts co;
    tgdp_guidance_opts go;
    const double penalty = c->tcls_grad_penalty / (double)ntr;
    for (int m = 0; m < TGDP_ECG_M_COUNT; m++) {
        tgdp_eps_ctx e;
        memset(&e, 0, sizeof e);
        e.labels = lgen;
        guided_ctx g;
        memset(&g, 0, sizeof g);
        g.e.labels = lgen;
        g.e.w = c->w_tgdp;
        const uint64_t ss = ks ^ (0x10000ULL * (uint64_t)(m + 1));
        double t0 = now_s();
        switch (m) {
        case TGDP_ECG_M_SOURCE_ONLY:
            e.eps = src;
            CHECK(sample_n(R, tgdp_eps_plain, &e, &e, ng, ss, gen, err));
            break;
        case TGDP_ECG_M_TARGET_ONLY:
            CHECK(make_net(c, &tonly, TGDP_ROLE_EPS, c->eps_hidden, R->n_classes, ss + 1, err));
            train_opts(&o, c, c->target_steps, c->lr, ss + 2);
            if (c->target_batch > 0) o.batch = c->target_batch;
            CHECK(tgdp_train_denoiser(&tonly, &R->sched, &T, &o, NULL, err));
            e.eps = &tonly;
            CHECK(sample_n(R, tgdp_eps_plain, &e, &e, ng, ss, gen, err));
            break;
        case TGDP_ECG_M_FINETUNE:
            CHECK(tgdp_net_copy(&ft, src, err));
            train_opts(&o, c, c->ft_steps, c->ft_lr, ss + 2);
            if (c->target_batch > 0) o.batch = c->target_batch;
            CHECK(tgdp_train_denoiser(&ft, &R->sched, &T, &o, NULL, err));
            e.eps = &ft;
            CHECK(sample_n(R, tgdp_eps_plain, &e, &e, ng, ss, gen, err));
            break;
        case TGDP_ECG_M_DOMAIN_GUIDANCE:
            e.eps = src;
            e.eps2 = &ft;
            e.w = c->w_domain;
            CHECK(sample_n(R, tgdp_eps_domain_guidance, &e, &e, ng, ss, gen, err));
            break;
        case TGDP_ECG_M_TGDP:
            /* Algorithm 2 classifier as the guidance: log h = -logit c'(x_t, t) */
            CHECK(make_net(c, &tcls_u, TGDP_ROLE_TIME_CLASSIFIER, c->tcls_hidden, 0, ss + 1, err));
            train_opts(&o, c, c->tcls_steps, c->lr, ss + 2);
            o.weight_decay = c->tcls_weight_decay;
            co = (tgdp_classifier_opts){.grad_penalty = penalty};
            CHECK(tgdp_train_classifier(&tcls_u, &R->sched, &Su, &Tu, &o, &co, NULL, err));
            g.e.eps = src;
            g.e.guide = &tcls_u;
            g.guide_labels = NULL;
            CHECK(sample_n(R, eps_guided, &g.e, &g, ng, ss, gen, err));
            break;
        case TGDP_ECG_M_TGDP_REG:
            /* Algorithm 1 classifier, guidance network regressed on r over source windows with
             * the cycle (target of tgdp's time classifier) and consistency terms (Algorithm 4) */
            CHECK(make_net(c, &cls_u, TGDP_ROLE_CLASSIFIER, c->cls_hidden, 0, ss + 1, err));
            train_opts(&o, c, c->cls_steps, c->lr, ss + 2);
            o.weight_decay = 1.0;
            co = (tgdp_classifier_opts){.label_smoothing = 0.1};
            CHECK(tgdp_train_classifier(&cls_u, NULL, &Su, &Tu, &o, &co, NULL, err));
            CHECK(make_net(c, &h, TGDP_ROLE_GUIDANCE, c->guid_hidden, 0, ss + 3, err));
            h.hparam = TGDP_H_EXP;
            train_opts(&o, c, c->guid_steps, c->lr, ss + 4);
            go = (tgdp_guidance_opts){.bregman = 1, .normalize_r = 1, .eta_cycle = c->eta_cycle,
                                      .eta_consistency = c->eta_consistency};
            /* labelled sets: the consistency term runs the conditional source model (the
             * label-free guidance network and classifiers ignore the labels) */
            CHECK(tgdp_train_guidance(&h, &cls_u, &tcls_u, src, &R->sched, &S, &T, &o, &go, NULL, err));
            g.e.eps = src;
            g.e.guide = &h;
            g.guide_labels = NULL;
            CHECK(sample_n(R, eps_guided, &g.e, &g, ng, ss, gen, err));
            break;
        case TGDP_ECG_M_TGDP_COND:
            CHECK(make_net(c, &tcls_c, TGDP_ROLE_TIME_CLASSIFIER, c->tcls_hidden, R->n_classes, ss + 1, err));
            train_opts(&o, c, c->tcls_steps, c->lr, ss + 2);
            o.weight_decay = c->tcls_weight_decay;
            co = (tgdp_classifier_opts){.grad_penalty = penalty};
            CHECK(tgdp_train_classifier(&tcls_c, &R->sched, &S, &T, &o, &co, NULL, err));
            g.e.eps = src;
            g.e.guide = &tcls_c;
            g.guide_labels = lgen;
            CHECK(sample_n(R, eps_guided, &g.e, &g, ng, ss, gen, err));
            break;
        }
        for (size_t i = 0; i < (size_t)ng * d; i++)
            if (!isfinite(gen[i])) CHECK(tgdp_fail(err, TGDP_ENONFINITE, "demo ecg: %s generated a non-finite value (seed %d, fold %d)",
                                                   tgdp_ecg_method_names[m], seed, f));
        double t1 = now_s();
        tgdp_ecg_demo_result *res = &out->results[out->n_results];
        memset(res, 0, sizeof *res);
        res->method = m;
        res->fold = f;
        res->seed = seed;
        tgdp_ecg_eval_config ec = c->eval;
        ec.seed = ks ^ 0x5eedULL;
        CHECK(tgdp_ecg_eval_fold(&ec, &train.set, &test.set, &gset, &R->fe, f, &res->r, err));
        res->r.seed = (uint64_t)seed;
        out->n_results++;
        logf_(c, "seed %d fold %d/%d %-15s c2st %.3f  frechet %.3g  mmd2 %.3g  tstr %.3f  (train+sample %.0f s, eval %.0f s)",
              seed, f + 1, c->folds, tgdp_ecg_method_names[m], res->r.c2st_auroc, res->r.feature_distance, res->r.mmd2,
              res->r.tstr_macro_auroc, t1 - t0, now_s() - t1);
        if (seed == 0 && f == 0) {
            int np = ng < TGDP_ECG_DEMO_PLOT ? ng : TGDP_ECG_DEMO_PLOT;
            float *keep = malloc((size_t)np * d * sizeof *keep);
            if (!keep) CHECK(tgdp_fail(err, TGDP_ENOMEM, "out of memory"));
            memcpy(keep, gen, (size_t)np * d * sizeof *keep);
            free(out->plot_gen[m]);
            out->plot_gen[m] = keep;
            for (int i = 0; i < np; i++) out->plot_gen_class[m][i] = lgen[i];
            out->n_plot = np;
            if (!out->plot_real) {
                int nr = test.set.n < TGDP_ECG_DEMO_PLOT ? (int)test.set.n : TGDP_ECG_DEMO_PLOT;
                out->plot_real = malloc((size_t)nr * d * sizeof *out->plot_real);
                if (!out->plot_real) CHECK(tgdp_fail(err, TGDP_ENOMEM, "out of memory"));
                /* spread over the held-out windows (different records where possible) */
                for (int i = 0; i < nr; i++)
                    memcpy(out->plot_real + (size_t)i * d, test.x + (size_t)(i * (test.set.n / nr)) * d, (size_t)d * sizeof(float));
                out->n_plot_real = nr;
            }
        }
    }
done:
    tgdp_net_free(&tonly);
    tgdp_net_free(&ft);
    tgdp_net_free(&tcls_u);
    tgdp_net_free(&tcls_c);
    tgdp_net_free(&cls_u);
    tgdp_net_free(&h);
    tgdp_eval_owned_free(&test);
    tgdp_eval_owned_free(&train);
    free(gen);
    free(ytr);
    free(lgen);
    free(lgen_multi);
    return rc;
}

int tgdp_ecg_demo_run(const tgdp_ecg_demo_config *c, const char *data_dir, tgdp_ecg_demo_output *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    if (c->folds < 2 || c->seeds < 1 || c->n_gen < 8 || c->batch < 1 || c->sample_steps < 1)
        return tgdp_fail(err, TGDP_EINVAL, "demo ecg: invalid configuration (folds >= 2, seeds >= 1, n_gen >= 8)");
    const double t_start = now_s();
    const int K = TGDP_ECG_NLABELS;
    tgdp_ecg_set S, T;
    tgdp_ecg_set_init(&S, c->prep.window);
    tgdp_ecg_set_init(&T, c->prep.window);
    run R;
    memset(&R, 0, sizeof R);
    R.c = c;
    tgdp_arena_init(&R.ar);
    int *fold = NULL;
    int class_label[TGDP_EVAL_MAX_LABELS];
    tgdp_net src;
    memset(&src, 0, sizeof src);
    int rc = 0;
    logf_(c, "prepare: reading %s (source %s, target %s)", data_dir, c->source_dbs, c->target_dbs);
    CHECK(build_domains(c, data_dir, &S, &T, &out->skipped, err));
    out->n_source = S.n;
    out->n_target = T.n;
    out->window = c->prep.window;
    out->source_records = S.n_records;
    out->target_records = T.n_records;
    if ((int)T.n_records < c->folds)
        CHECK(tgdp_fail(err, TGDP_EINVAL, "demo ecg: %zu target records cannot make %d folds", T.n_records, c->folds));
    R.d = (int)(12 * c->prep.window);
    R.ns = S.n;
    R.xs = S.x;
    R.nt = T.n;
    R.xt = T.x;
    CHECK(tgdp_ecg_set_labels(&S, &R.ys_multi, err));
    CHECK(tgdp_ecg_set_labels(&T, &R.yt_multi, err));
    /* conditioning classes: the one rule of every command (tgdp_conditioning_labels, tgdp/labels.h):
     * class k = label k (a window's first abnormal label, NORM when it is only normal), class K = no label */
    for (int k = 0; k < K; k++) class_label[k] = k;
    class_label[K] = -1;
    R.n_classes = K + 1;
    R.class_label = class_label;
    out->n_classes = R.n_classes;
    memcpy(out->class_label, class_label, sizeof class_label);
    R.ys = malloc((size_t)S.n * sizeof *R.ys);
    R.yt = malloc((size_t)T.n * sizeof *R.yt);
    R.rec_t = malloc((size_t)T.n * sizeof *R.rec_t);
    R.strata = malloc((size_t)T.n * sizeof *R.strata);
    fold = malloc((size_t)T.n * sizeof *fold);
    out->results = calloc((size_t)c->seeds * c->folds * TGDP_ECG_M_COUNT, sizeof *out->results);
    if (!R.ys || !R.yt || !R.rec_t || !R.strata || !fold || !out->results) CHECK(tgdp_fail(err, TGDP_ENOMEM, "out of memory"));
    CHECK(tgdp_conditioning_labels(R.ys_multi, S.n, K, R.ys, err));
    CHECK(tgdp_conditioning_labels(R.yt_multi, T.n, K, R.yt, err));
    for (int64_t i = 0; i < T.n; i++) R.rec_t[i] = T.record[i];
    CHECK(tgdp_primary_labels(T.n, K, R.yt_multi, R.strata, err));
    out->seconds_prepare = now_s() - t_start;
    {
        char cls[256] = ""; /* the classes of the target windows */
        for (int j = 0; j < K; j++) {
            int64_t any = 0;
            for (int64_t i = 0; i < T.n && !any; i++) any = R.yt[i] == j;
            size_t l = strlen(cls);
            if (any) snprintf(cls + l, sizeof cls - l, "%s%s", l ? "," : "", tgdp_ecg_label_name(j));
        }
        logf_(c, "prepare: source %lld windows (%zu records), target %lld windows (%zu records), target classes %s, %.1f s",
              (long long)S.n, S.n_records, (long long)T.n, T.n_records, cls, out->seconds_prepare);
    }
    CHECK(tgdp_schedule_init_vp_linear(&R.sched, 0.1, 20.0, err));
    /* the evaluation's feature space: a multi-label classifier on the source windows */
    {
        double t0 = now_s();
        tgdp_eval_set sset = {S.n, R.d, S.x, K, R.ys_multi, NULL};
        tgdp_eval_classifier_opts fo = c->features;
        fo.seed = c->seed ^ 0xfea7ULL;
        CHECK(tgdp_source_features(&R.fe, &sset, &fo, err));
        logf_(c, "features: source classifier trained (%lld steps, %d features, %.0f s)", (long long)fo.steps, R.fe.dim,
              now_s() - t0);
    }
    for (int seed = 0; seed < c->seeds; seed++) {
        if (seed == 0 || c->source_per_seed) {
            double t0 = now_s();
            tgdp_dataset SD = {S.n, R.d, S.x, R.ys};
            tgdp_net_free(&src);
            CHECK(make_net(c, &src, TGDP_ROLE_EPS, c->eps_hidden, R.n_classes, c->seed * 31 + (uint64_t)seed * 1009 + 5,
                           err));
            tgdp_train_opts o;
            train_opts(&o, c, c->eps_steps, c->lr, c->seed * 37 + (uint64_t)seed * 1013 + 7);
            o.ema = c->eps_ema;
            char who[32];
            if (c->source_per_seed) snprintf(who, sizeof who, "seed %d", seed);
            else snprintf(who, sizeof who, "all %d seeds", c->seeds);
            logf_(c, "%s: training the conditional source denoiser (%s, %lld steps on %lld windows)", who, c->eps_arch,
                  (long long)c->eps_steps, (long long)S.n);
            tgdp_train_result tr;
            CHECK(tgdp_train_denoiser(&src, &R.sched, &SD, &o, &tr, err));
            logf_(c, "source denoiser done (loss %.4f, %.0f s)", tr.final_loss, now_s() - t0);
        }
        CHECK(tgdp_record_kfold(T.n, R.rec_t, R.strata, c->folds, c->seed + (uint64_t)seed, fold, err));
        for (int f = 0; f < c->folds; f++) {
            logf_(c, "seed %d fold %d/%d: training and sampling every method", seed, f + 1, c->folds);
            CHECK(run_fold(&R, &src, seed, f, fold, out, err));
        }
    }
    out->seconds_total = now_s() - t_start;
done:
    tgdp_net_free(&src);
    tgdp_feature_extractor_free(&R.fe);
    tgdp_schedule_free(&R.sched);
    tgdp_arena_free(&R.ar);
    free(R.ys_multi);
    free(R.yt_multi);
    free(R.ys);
    free(R.yt);
    free(R.rec_t);
    free(R.strata);
    free(fold);
    tgdp_ecg_set_free(&S);
    tgdp_ecg_set_free(&T);
    return rc;
}

void tgdp_ecg_demo_output_free(tgdp_ecg_demo_output *out)
{
    free(out->results);
    for (int m = 0; m < TGDP_ECG_M_COUNT; m++) free(out->plot_gen[m]);
    free(out->plot_real);
    memset(out, 0, sizeof *out);
}

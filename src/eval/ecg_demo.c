/* The ECG transfer comparison (tgdp/ecg_demo.h): prepare the windows, train the source model
 * (and measure it against held-out source records), then for every seed and fold of target
 * records run every method (ecg_demo_fold.c). Mirrors gmm_experiment.c. */
#include "eval/ecg_demo_internal.h"

#include "tgdp/ecg_domains.h"
#include "tgdp/labels.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const tgdp_ecg_method_names[TGDP_ECG_M_COUNT] = {"source_only", "target_only", "finetune", "domain_guidance",
                                                             "tgdp",        "tgdp_reg",    "tgdp_cond"};

void tgdp_ecg_demo_config_default(tgdp_ecg_demo_config *c, int quick)
{
    memset(c, 0, sizeof *c);
    snprintf(c->source_dbs, sizeof c->source_dbs, "ludb,ptbxl,georgia");
    snprintf(c->target_dbs, sizeof c->target_dbs, "ningbo,cpsc2018");
    tgdp_ecg_prepare_opts_default(&c->prep);
    /* sized for under 45 minutes on 2 cores with the shared records (README): with 2 seeds it took
     * 20 min on the idle Xeon in bf16 (8 min of it the source model, about 2 min per seed and fold) */
    c->folds = 3;
    c->seeds = 3; /* 9 paired (seed, fold) runs for the comparisons: about 26 minutes with r10's source model */
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
    /* the source U-Net of docs/conv-models.md (r10): four levels to 8x the width with dilations
     * 1,2,4,8 (a receptive field over whole beats), 8000 steps at lr 2e-3 with EMA 0.999: about 8
     * minutes in bf16 on 2 cores, and its samples meet the realism targets (beats, heart rate,
     * high-frequency noise, source C2ST); the 3-level, 1300-step model before it did not */
    snprintf(c->eps_mult, sizeof c->eps_mult, "1,2,4,8");
    snprintf(c->eps_dilation, sizeof c->eps_dilation, "1,2,4,8");
    c->eps_blocks = 1;
    /* 1500 / 300 / 150 / 300 / 250 steps and 128 windows were on course for 39 minutes (each of
     * the 6 fold x seed runs about 5 minutes); with 200 fewer source steps, fewer steps for the
     * target-side networks except fine-tuning (the strongest baseline) and 96 windows it took
     * 29 min 43 s on the idle 2-core machine (README) */
    c->eps_steps = 8000;
    c->eps_lr = 2e-3; /* also the target-only denoiser's */
    c->target_steps = 200;
    c->ft_steps = 150;
    c->cls_steps = 200;
    c->tcls_steps = 200;
    c->guid_steps = 150;
    c->batch = 64;
    c->target_batch = 32;
    c->eps_ema = 0.999;
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
    c->source_holdout = 0.1;
    tgdp_ecg_eval_config_default(&c->eval);
    tgdp_eval_classifier_opts_default(&c->features);
    c->features.steps = 1000;
    c->eval.util.cls.steps = 400; /* the utility resnet1d: 48 of them in a default run */
    if (quick) { /* the test suite: 3 folds, 1 seed, 20 records per database, small MLPs, short training */
        snprintf(c->eps_arch, sizeof c->eps_arch, "mlp");
        snprintf(c->eps_mult, sizeof c->eps_mult, "1,2,4"); /* --eps-arch unet1d: the small U-Net */
        c->eps_dilation[0] = '\0';
        c->eps_lr = 0;
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
        c->eval.util.cls.width = 8;
        c->eval.util.cls.steps = 100;
    }
}

void demo_log(const tgdp_ecg_demo_config *c, const char *fmt, ...)
{
    if (!c->log) return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    c->log(c->log_ctx, buf);
}


/* ---------------------------------------------------------------- data */

/* the source and target windows: the domain builder of ecg prepare (tgdp/ecg_domains.h; a record
 * in both domains stays in the target) */
static void log_database(void *ctx, const tgdp_ecg_db_run *db)
{
    demo_log(ctx, "prepare: %s %s (%s%s): %zu records, %lld windows, %zu skipped", tgdp_ecg_domain_name(db->domain),
             db->name, db->folders.path[0], db->folders.n > 1 ? " + more" : "", db->used, (long long)db->windows,
             db->skipped);
}

static void log_skip(void *ctx, const tgdp_ecg_skip *s)
{
    demo_log(ctx, "skipped %s record %s: %s", s->database, s->id, s->reason);
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

int demo_make_net(const tgdp_ecg_demo_config *c, tgdp_net *net, tgdp_role role, const char *hidden, int n_classes,
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
        if (role == TGDP_ROLE_EPS) { /* the denoiser's U-Net (docs/conv-models.md) */
            nc.conv.blocks = c->eps_blocks;
            nc.conv.attn = c->eps_attn;
            int rc = tgdp_conv_parse_mult(&nc.conv, c->eps_mult, err);
            if (!rc && c->eps_dilation[0]) rc = tgdp_conv_parse_dilation(&nc.conv, c->eps_dilation, err);
            if (rc) return tgdp_error_prefix(err, "demo ecg: the denoiser");
        }
    }
    return tgdp_net_create_arch(net, role, &nc, seed, err);
}

void demo_train_opts(tgdp_train_opts *o, const tgdp_ecg_demo_config *c, int64_t steps, double lr, uint64_t seed)
{
    tgdp_train_opts_default(o);
    o->steps = steps;
    o->batch = c->batch;
    o->lr = lr;
    o->seed = seed;
    o->precision = c->precision;
}

int demo_sample(demo_run *R, tgdp_eps_fn fn, tgdp_eps_ctx *e, void *ctx, int n, uint64_t seed, float *x,
                tgdp_error *err)
{
    tgdp_rng rng = tgdp_rng_new(seed);
    float *scratch = malloc((size_t)n * R->d * sizeof *scratch);
    if (!scratch) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    e->scratch = scratch;
    e->arena = &R->ar;
    e->s = &R->sched;
    const tgdp_precision caller = tgdp_use_precision(R->c->precision); /* the generators' evaluations */
    int rc = tgdp_sample(&R->sched, R->c->sampler, R->c->sample_steps, 1e-3, fn, ctx, n, R->d, &rng, x, err);
    tgdp_use_precision(caller);
    free(scratch);
    return rc;
}

void demo_draw_labels(const demo_run *R, const int64_t *cls, int64_t m, int n, uint64_t seed, int64_t *labels,
                      int64_t *multi)
{
    double freq[TGDP_EVAL_MAX_LABELS + 1] = {0};
    for (int64_t i = 0; i < m; i++) freq[cls[i]] += 1;
    tgdp_rng r = tgdp_rng_new(seed);
    if (multi) memset(multi, 0, (size_t)n * TGDP_ECG_NLABELS * sizeof *multi);
    for (int i = 0; i < n; i++) {
        labels[i] = tgdp_rng_categorical(&r, freq, R->n_classes);
        const int lab = R->class_label[labels[i]];
        if (multi && lab >= 0) multi[(int64_t)i * TGDP_ECG_NLABELS + lab] = 1;
    }
}

/* ---------------------------------------------------------------- preparation */

#define CHECK(x) do { if ((rc = (x))) goto done; } while (0)

/* the conditioning classes: the one rule of every command (tgdp_conditioning_labels, tgdp/labels.h):
 * class k = label k (a window's first abnormal label, NORM when it is only normal), class K = no label */
static int make_classes(demo_run *R, const int64_t *ys_multi, int64_t ns, int *class_label, tgdp_ecg_demo_output *out,
                        int64_t *ys, tgdp_error *err)
{
    const int K = TGDP_ECG_NLABELS;
    for (int k = 0; k < K; k++) class_label[k] = k;
    class_label[K] = -1;
    R->n_classes = K + 1;
    R->class_label = class_label;
    out->n_classes = R->n_classes;
    memcpy(out->class_label, class_label, sizeof out->class_label);
    int rc = tgdp_conditioning_labels(ys_multi, ns, K, ys, err);
    if (!rc) rc = tgdp_conditioning_labels(R->yt_multi, R->nt, K, R->yt, err);
    if (rc) return rc;
    char names[256] = ""; /* the classes of the target windows */
    for (int j = 0; j < K; j++) {
        int64_t any = 0;
        for (int64_t i = 0; i < R->nt && !any; i++) any = R->yt[i] == j;
        size_t l = strlen(names);
        if (any) snprintf(names + l, sizeof names - l, "%s%s", l ? "," : "", tgdp_ecg_label_name(j));
    }
    demo_log(R->c, "prepare: target classes %s", names);
    return TGDP_OK;
}

/* source windows into the training part and the held-out part (c->source_holdout of the records,
 * at least 2 and at least one left to train on; none when 0 or too few records) */
static int split_source(demo_run *R, const tgdp_ecg_set *S, const int64_t *ys_multi, const int64_t *ys, tgdp_error *err)
{
    const tgdp_ecg_demo_config *c = R->c;
    int64_t *rec = malloc((size_t)S->n * sizeof *rec);
    int *part = calloc((size_t)S->n, sizeof *part);
    int rc = rec && part ? TGDP_OK : tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    const int hold = !rc && c->source_holdout > 0 && S->n_records >= 3 &&
                     llround(c->source_holdout * (double)S->n_records) >= 2;
    if (!rc) {
        for (int64_t i = 0; i < S->n; i++) rec[i] = S->record[i];
        /* part 0 (training): the first round((1 - holdout) R) of the shuffled records */
        if (hold) rc = tgdp_record_split(S->n, rec, 1.0 - c->source_holdout, c->seed ^ 0x5012ceULL, part, err);
    }
    tgdp_eval_set all = {S->n, R->d, S->x, TGDP_ECG_NLABELS, ys_multi, rec};
    if (!rc) rc = tgdp_eval_set_split(&all, part, 0, &R->src, hold ? &R->src_test : NULL, err);
    int64_t nt = 0;
    R->ys = malloc((size_t)(S->n ? S->n : 1) * sizeof *R->ys);
    R->ys_test = malloc((size_t)(S->n ? S->n : 1) * sizeof *R->ys_test);
    if (!rc && (!R->ys || !R->ys_test)) rc = tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    for (int64_t i = 0, k = 0; !rc && i < S->n; i++) {
        if (part[i] == 0) R->ys[k++] = ys[i];
        else R->ys_test[nt++] = ys[i];
    }
    free(rec), free(part);
    return rc;
}

/* both domains' windows, labels, classes and the target's strata */
static int prepare(demo_run *R, tgdp_ecg_set *S, tgdp_ecg_set *T, const char *data_dir, int *class_label,
                   tgdp_ecg_demo_output *out, tgdp_error *err)
{
    const tgdp_ecg_demo_config *c = R->c;
    const double t0 = tgdp_now_s();
    int64_t *ys_multi = NULL, *ys = NULL;
    int rc;
    demo_log(c, "prepare: reading %s (source %s, target %s)", data_dir, c->source_dbs, c->target_dbs);
    CHECK(build_domains(c, data_dir, S, T, &out->skipped, err));
    out->n_source = S->n, out->n_target = T->n, out->window = c->prep.window;
    out->source_records = S->n_records, out->target_records = T->n_records;
    if ((int)T->n_records < c->folds)
        CHECK(tgdp_fail(err, TGDP_EINVAL, "demo ecg: %zu target records cannot make %d folds", T->n_records, c->folds));
    R->d = (int)(12 * c->prep.window);
    R->nt = T->n;
    R->xt = T->x;
    CHECK(tgdp_ecg_set_labels(S, &ys_multi, err));
    CHECK(tgdp_ecg_set_labels(T, &R->yt_multi, err));
    ys = malloc((size_t)S->n * sizeof *ys);
    R->yt = malloc((size_t)T->n * sizeof *R->yt);
    R->rec_t = malloc((size_t)T->n * sizeof *R->rec_t);
    R->strata = malloc((size_t)T->n * sizeof *R->strata);
    if (!ys || !R->yt || !R->rec_t || !R->strata) CHECK(tgdp_fail(err, TGDP_ENOMEM, "out of memory"));
    CHECK(make_classes(R, ys_multi, S->n, class_label, out, ys, err));
    for (int64_t i = 0; i < T->n; i++) R->rec_t[i] = T->record[i];
    CHECK(tgdp_primary_labels(T->n, TGDP_ECG_NLABELS, R->yt_multi, R->strata, err));
    CHECK(split_source(R, S, ys_multi, ys, err));
    out->source_heldout_windows = R->src_test.set.n;
    out->seconds_prepare = tgdp_now_s() - t0;
    demo_log(c, "prepare: source %lld windows (%zu records; %lld windows held out), target %lld windows (%zu records), "
                "%.1f s",
             (long long)S->n, S->n_records, (long long)R->src_test.set.n, (long long)T->n, T->n_records,
             out->seconds_prepare);
done:
    free(ys_multi), free(ys);
    return rc;
}

/* ---------------------------------------------------------------- the source model */

typedef struct {
    const tgdp_ecg_demo_config *c;
    double t0;
    int64_t next; /* the next step to report */
} source_progress;

/* a line at every tenth of the source denoiser's steps (minutes of training), with the time left */
static void on_source_step(void *ctx, int64_t step, int64_t total, double loss)
{
    source_progress *p = ctx;
    if (step < p->next && step < total) return;
    p->next = step + (total + 9) / 10;
    const double el = tgdp_now_s() - p->t0;
    demo_log(p->c, "source denoiser: step %lld/%lld, loss %.4f, %.0f s, about %.0f s left", (long long)step,
             (long long)total, loss, el, el * (double)(total - step) / (double)step);
}

static int train_source(demo_run *R, tgdp_net *src, int seed, tgdp_error *err)
{
    const tgdp_ecg_demo_config *c = R->c;
    const double t0 = tgdp_now_s();
    tgdp_dataset SD = {R->src.set.n, R->d, R->src.x, R->ys};
    tgdp_net_free(src);
    int rc = demo_make_net(c, src, TGDP_ROLE_EPS, c->eps_hidden, R->n_classes, c->seed * 31 + (uint64_t)seed * 1009 + 5,
                           err);
    if (rc) return rc;
    tgdp_train_opts o;
    tgdp_train_result tr;
    demo_train_opts(&o, c, c->eps_steps, c->eps_lr > 0 ? c->eps_lr : c->lr, c->seed * 37 + (uint64_t)seed * 1013 + 7);
    o.ema = c->eps_ema;
    source_progress sp = {c, t0, (c->eps_steps + 9) / 10};
    o.progress = on_source_step;
    o.progress_ctx = &sp;
    char who[32];
    if (c->source_per_seed) snprintf(who, sizeof who, "seed %d", seed);
    else snprintf(who, sizeof who, "all %d seeds", c->seeds);
    demo_log(c, "%s: training the conditional source denoiser (%s, %lld steps on %lld windows)", who, c->eps_arch,
             (long long)c->eps_steps, (long long)SD.n);
    if ((rc = tgdp_train_denoiser(src, &R->sched, &SD, &o, &tr, err))) return rc;
    demo_log(c, "source denoiser done (loss %.4f, %.0f s)", tr.final_loss, tgdp_now_s() - t0);
    return TGDP_OK;
}

/* the source model's samples against the held-out source records (labels drawn from their
 * classes): source_c2st_auroc and the source model's realism */
static int evaluate_source(demo_run *R, tgdp_net *src, int seed, tgdp_ecg_demo_output *out, tgdp_error *err)
{
    const tgdp_ecg_demo_config *c = R->c;
    const int ng = c->n_gen;
    if (R->src_test.set.n < 2) return TGDP_OK;
    float *gen = malloc((size_t)ng * R->d * sizeof *gen);
    int64_t *lab = malloc((size_t)ng * sizeof *lab);
    int rc = gen && lab ? TGDP_OK : tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    const uint64_t ks = c->seed * 1000003ULL + (uint64_t)seed * 7919ULL + 0x50c7ULL;
    if (!rc) {
        demo_draw_labels(R, R->ys_test, R->src_test.set.n, ng, ks, lab, NULL);
        tgdp_eps_ctx e;
        memset(&e, 0, sizeof e);
        e.labels = lab;
        e.eps = src;
        rc = demo_sample(R, tgdp_eps_plain, &e, &e, ng, ks ^ 0x77ULL, gen, err);
    }
    tgdp_ecg_eval_result *r = &out->source_results[out->n_source_results];
    if (!rc) {
        tgdp_ecg_eval_config ec = c->eval;
        ec.seed = ks ^ 0x5eedULL;
        ec.fs = c->prep.fs;
        ec.utility = 0;
        tgdp_eval_set gset = {ng, R->d, gen, 0, NULL, NULL}, real = R->src_test.set;
        real.n_labels = 0, real.labels = NULL; /* no TSTR: only how close the samples are */
        rc = tgdp_ecg_eval_fold(&ec, NULL, &real, &gset, &R->fe, 0, r, err);
    }
    if (!rc) {
        r->seed = (uint64_t)seed;
        out->n_source_results++;
        demo_log(c, "source model vs %lld held-out source windows: c2st %.3f  beats %.2f/%.2f  hr_w1 %.1f  rr_cv "
                    "%.3f/%.3f  hf %.2f",
                 (long long)R->src_test.set.n, r->c2st_auroc, r->realism.beat_fraction, r->realism.real_beat_fraction,
                 r->realism.hr_w1, r->realism.rr_cv, r->realism.real_rr_cv, r->realism.hf_noise_ratio);
    } else {
        tgdp_error_prefix(err, "source model evaluation");
    }
    free(gen), free(lab);
    return rc;
}

/* the evaluation's feature space: a multi-label classifier on the source training windows */
static int train_features(demo_run *R, tgdp_error *err)
{
    const double t0 = tgdp_now_s();
    tgdp_eval_classifier_opts fo = R->c->features;
    fo.seed = R->c->seed ^ 0xfea7ULL;
    tgdp_eval_set sset = R->src.set;
    sset.record = NULL;
    int rc = tgdp_source_features(&R->fe, &sset, &fo, err);
    if (!rc)
        demo_log(R->c, "features: source classifier trained (%lld steps, %d features, %.0f s)", (long long)fo.steps,
                 R->fe.dim, tgdp_now_s() - t0);
    return rc;
}

static void run_free(demo_run *R)
{
    tgdp_feature_extractor_free(&R->fe);
    tgdp_schedule_free(&R->sched);
    tgdp_arena_free(&R->ar);
    tgdp_eval_owned_free(&R->src);
    tgdp_eval_owned_free(&R->src_test);
    free(R->ys), free(R->ys_test), free(R->yt_multi), free(R->yt), free(R->rec_t), free(R->strata);
}

int tgdp_ecg_demo_run(const tgdp_ecg_demo_config *c, const char *data_dir, tgdp_ecg_demo_output *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    if (c->folds < 2 || c->seeds < 1 || c->n_gen < 8 || c->batch < 1 || c->sample_steps < 1 ||
        !(c->source_holdout >= 0 && c->source_holdout < 1))
        return tgdp_fail(err, TGDP_EINVAL,
                         "demo ecg: invalid configuration (folds >= 2, seeds >= 1, n_gen >= 8, 0 <= source_holdout < 1)");
    const double t_start = tgdp_now_s();
    tgdp_ecg_set S, T;
    tgdp_ecg_set_init(&S, c->prep.window);
    tgdp_ecg_set_init(&T, c->prep.window);
    demo_run R;
    memset(&R, 0, sizeof R);
    R.c = c;
    tgdp_arena_init(&R.ar);
    int *fold = NULL, class_label[TGDP_EVAL_MAX_LABELS];
    tgdp_net src;
    memset(&src, 0, sizeof src);
    int rc = 0;
    CHECK(prepare(&R, &S, &T, data_dir, class_label, out, err));
    fold = malloc((size_t)T.n * sizeof *fold);
    out->results = calloc((size_t)c->seeds * c->folds * TGDP_ECG_M_COUNT, sizeof *out->results);
    out->source_results = calloc((size_t)c->seeds, sizeof *out->source_results);
    if (!fold || !out->results || !out->source_results) CHECK(tgdp_fail(err, TGDP_ENOMEM, "out of memory"));
    CHECK(tgdp_schedule_init_vp_linear(&R.sched, 0.1, 20.0, err));
    CHECK(train_features(&R, err));
    for (int seed = 0; seed < c->seeds; seed++) {
        if (seed == 0 || c->source_per_seed) {
            CHECK(train_source(&R, &src, seed, err));
            CHECK(evaluate_source(&R, &src, seed, out, err));
        }
        CHECK(tgdp_record_kfold(T.n, R.rec_t, R.strata, c->folds, c->seed + (uint64_t)seed, fold, err));
        for (int f = 0; f < c->folds; f++) {
            demo_log(c, "seed %d fold %d/%d: training and sampling every method", seed, f + 1, c->folds);
            CHECK(demo_run_fold(&R, &src, seed, f, fold, out, err));
        }
    }
    out->seconds_total = tgdp_now_s() - t_start;
done:
    tgdp_net_free(&src);
    run_free(&R);
    free(fold);
    tgdp_ecg_set_free(&S);
    tgdp_ecg_set_free(&T);
    return rc;
}

void tgdp_ecg_demo_output_free(tgdp_ecg_demo_output *out)
{
    free(out->results);
    free(out->source_results);
    for (int m = 0; m < TGDP_ECG_M_COUNT; m++) free(out->plot_gen[m]);
    free(out->plot_real);
    memset(out, 0, sizeof *out);
}

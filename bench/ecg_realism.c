/* The source model of `tgdp demo ecg` on its own, as the demo trains and measures it: the source
 * windows of `tgdp ecg prepare` split by record (--holdout of the records held out, the demo's
 * split), the label-conditional U-Net denoiser with the input skip trained on the rest, windows
 * sampled with labels drawn from the held-out windows' classes, and measured against the held-out
 * windows: the realism of issue 14 (beat_fraction against real_beat_fraction, hr_w1, rr_cv,
 * hf_noise_ratio; tgdp_ecg_realism on lead II) and the C2ST AUROC (tgdp_ecg_eval_fold with a
 * feature extractor trained on the training windows, as demo ecg's source_c2st_auroc).
 *
 * Usage: ecg_realism --data DIR --out DIR [options]   (see usage() below; bench/ecg_realism.sh)
 * Writes OUT/gen.npy (the samples [n, 12, L]), OUT/real.npy (held-out windows, for tgdp ecg
 * plot), OUT/model.safetensors and OUT/result.json; prints one line of numbers. With --model the
 * training is skipped (a checkpoint of an earlier run: other sampler settings on the same model). */
#include "tgdp/checkpoint.h"
#include "tgdp/ecg.h"
#include "tgdp/ecg_beats.h"
#include "tgdp/ecg_eval.h"
#include "tgdp/io.h"
#include "tgdp/labels.h"
#include "tgdp/tgdp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct args {
    const char *data, *out, *model, *mult, *dilation, *sampler, *lr_schedule, *t_sampling, *precision;
    int width, blocks, kernel, attn, attn_heads, steps, batch, sample_steps, n_gen, seed, threads, warmup;
    int feature_steps;
    double lr, ema, holdout, t_end;
    int denoise; /* 1: the samples are the x0 prediction at t_end (one last denoising evaluation) */
} args;

static void usage(void)
{
    fprintf(stderr, "usage: ecg_realism --data DIR --out DIR [--model CKPT] [--width 16] [--mult 1,2,4] [--blocks 1]\n"
                    "  [--kernel 3] [--dilation 1,1,1] [--attn 0] [--attn-heads 4] [--steps 1300] [--batch 64]\n"
                    "  [--lr 1e-3] [--ema 0.995] [--lr-schedule constant|cosine] [--warmup 0] [--t-sampling uniform]\n"
                    "  [--precision fp32|bf16] [--sampler dpm2] [--sample-steps 25] [--n-gen 96] [--holdout 0.1]\n"
                    "  [--feature-steps 1000] [--seed 0] [--threads 2] [--t-end 1e-3] [--denoise 0|1]\n");
}

static int parse(args *a, int argc, char **argv)
{
    *a = (args){.mult = "1,2,4", .sampler = "dpm2", .lr_schedule = "constant", .t_sampling = "uniform",
                .precision = "fp32", .width = 16, .blocks = 1, .kernel = 3,
                .steps = 1300, .batch = 64, .sample_steps = 25, .n_gen = 96, .threads = 2, .feature_steps = 1000,
                .lr = 1e-3, .ema = 0.995, .holdout = 0.1, .t_end = 1e-3};
    const struct { const char *name; const char **s; int *i; double *d; } opt[] = {
        {"data", &a->data, 0, 0}, {"out", &a->out, 0, 0}, {"model", &a->model, 0, 0}, {"mult", &a->mult, 0, 0},
        {"dilation", &a->dilation, 0, 0}, {"sampler", &a->sampler, 0, 0}, {"lr-schedule", &a->lr_schedule, 0, 0},
        {"t-sampling", &a->t_sampling, 0, 0}, {"precision", &a->precision, 0, 0},
        {"width", 0, &a->width, 0}, {"blocks", 0, &a->blocks, 0}, {"kernel", 0, &a->kernel, 0},
        {"attn", 0, &a->attn, 0}, {"attn-heads", 0, &a->attn_heads, 0}, {"steps", 0, &a->steps, 0},
        {"batch", 0, &a->batch, 0}, {"sample-steps", 0, &a->sample_steps, 0}, {"n-gen", 0, &a->n_gen, 0},
        {"seed", 0, &a->seed, 0}, {"threads", 0, &a->threads, 0}, {"warmup", 0, &a->warmup, 0},
        {"feature-steps", 0, &a->feature_steps, 0}, {"lr", 0, 0, &a->lr}, {"ema", 0, 0, &a->ema},
        {"holdout", 0, 0, &a->holdout}, {"t-end", 0, 0, &a->t_end}, {"denoise", 0, &a->denoise, 0}};
    for (int i = 1; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t j = 0;
        while (j < sizeof opt / sizeof *opt && (strncmp(k, "--", 2) || strcmp(k + 2, opt[j].name))) j++;
        if (!v || j == sizeof opt / sizeof *opt) return fprintf(stderr, "ecg_realism: bad option %s\n", k), usage(), 2;
        if (opt[j].s) *opt[j].s = v;
        else if (opt[j].i) *opt[j].i = atoi(v);
        else *opt[j].d = atof(v);
    }
    if (!a->data || !a->out) return usage(), 2;
    return 0;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* the source windows, split by record into training (part 0) and held-out (part 1) sets */
typedef struct split {
    tgdp_tensor x;
    tgdp_array lab, rec;
    int L, K, d;
    tgdp_eval_owned train, test;
    int64_t *ytrain, *ytest; /* conditioning classes */
} split;

static int load_split(const args *a, split *s, tgdp_error *err)
{
    char p[3][1024];
    snprintf(p[0], sizeof p[0], "%s/source_x.npy", a->data);
    snprintf(p[1], sizeof p[1], "%s/source_labels.npy", a->data);
    snprintf(p[2], sizeof p[2], "%s/source_record.npy", a->data);
    int rc = tgdp_npy_read_f32_finite(p[0], &s->x, err);
    if (!rc) rc = tgdp_npy_read_i64(p[1], &s->lab, err);
    if (!rc) rc = tgdp_npy_read_i64(p[2], &s->rec, err);
    if (rc) return rc;
    if (s->x.ndim != 3 || s->x.shape[1] != 12 || s->lab.ndim != 2 || s->lab.shape[0] != s->x.shape[0] ||
        s->rec.shape[0] != s->x.shape[0])
        return tgdp_fail(err, TGDP_EINVAL, "%s: expected source_x [N, 12, L], source_labels [N, K], source_record [N]",
                         a->data);
    const int64_t n = s->x.shape[0];
    s->L = (int)s->x.shape[2], s->K = (int)s->lab.shape[1], s->d = 12 * s->L;
    int *part = malloc((size_t)n * sizeof *part);
    if (!part) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    /* the split of demo ecg: part 0 = the first round((1 - holdout) R) shuffled records */
    rc = tgdp_record_split(n, s->rec.data, 1.0 - a->holdout, (uint64_t)a->seed ^ 0x5012ceULL, part, err);
    tgdp_eval_set all = {n, s->d, s->x.data, s->K, s->lab.data, s->rec.data};
    if (!rc) rc = tgdp_eval_set_split(&all, part, 0, &s->train, &s->test, err);
    free(part);
    if (rc) return rc;
    s->ytrain = malloc((size_t)s->train.set.n * sizeof(int64_t));
    s->ytest = malloc((size_t)s->test.set.n * sizeof(int64_t));
    if (!s->ytrain || !s->ytest) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    rc = tgdp_conditioning_labels(s->train.set.labels, s->train.set.n, s->K, s->ytrain, err);
    if (!rc) rc = tgdp_conditioning_labels(s->test.set.labels, s->test.set.n, s->K, s->ytest, err);
    return rc;
}

/* the demo's source denoiser (make_net in ecg_demo.c) with the architecture options */
static int make_model(const args *a, const split *s, tgdp_net *net, tgdp_error *err)
{
    tgdp_net_config nc;
    memset(&nc, 0, sizeof nc);
    nc.arch = TGDP_ARCH_UNET1D;
    tgdp_conv_config *c = &nc.conv;
    tgdp_conv_config_default(c, nc.arch, 12, s->L, s->d, 1, s->K + 1);
    c->width = a->width;
    c->groups = a->width >= 8 ? 8 : a->width;
    c->blocks = a->blocks;
    c->kernel = a->kernel;
    c->skip = 1;
    int rc = tgdp_conv_parse_mult(c, a->mult, err);
    if (!rc && a->dilation) rc = tgdp_conv_parse_dilation(c, a->dilation, err);
    c->attn = a->attn;
    c->attn_heads = a->attn_heads;
    if (!rc) rc = tgdp_net_create_arch(net, TGDP_ROLE_EPS, &nc, (uint64_t)a->seed * 31 + 5, err);
    return rc;
}

static void progress(void *ctx, int64_t step, int64_t total, double loss)
{
    const double *t0 = ctx;
    if (step % 100 == 0 || step == total)
        fprintf(stderr, "ecg_realism: step %lld/%lld loss %.4f (%.0f s)\n", (long long)step, (long long)total, loss,
                tgdp_now_s() - *t0);
}

static int train(const args *a, const split *s, const tgdp_schedule *S, tgdp_net *net, double *loss, tgdp_error *err)
{
    tgdp_train_opts o;
    tgdp_train_opts_default(&o);
    o.steps = a->steps;
    o.batch = a->batch;
    o.lr = a->lr;
    o.ema = a->ema;
    o.seed = (uint64_t)a->seed * 37 + 7;
    o.warmup = a->warmup;
    if (tgdp_lr_schedule_parse(a->lr_schedule, &o.lr_schedule) || tgdp_t_sampling_parse(a->t_sampling, &o.t_sampling) ||
        tgdp_precision_parse(a->precision, &o.precision))
        return tgdp_fail(err, TGDP_EINVAL, "--lr-schedule, --t-sampling or --precision: unknown value");
    double t0 = tgdp_now_s();
    o.progress = progress;
    o.progress_ctx = &t0;
    tgdp_dataset D = {s->train.set.n, s->d, s->train.set.x, s->ytrain};
    tgdp_train_result r;
    int rc = tgdp_train_denoiser(net, S, &D, &o, &r, err);
    *loss = r.final_loss;
    return rc;
}

/* n windows with classes drawn from the held-out windows' class frequencies */
static int sample(const args *a, const split *s, const tgdp_schedule *S, tgdp_net *net, float *gen, tgdp_error *err)
{
    tgdp_sampler kind;
    int rc = tgdp_sampler_parse(a->sampler, &kind, err);
    if (rc) return rc;
    double freq[TGDP_EVAL_MAX_LABELS + 1] = {0};
    for (int64_t i = 0; i < s->test.set.n; i++) freq[s->ytest[i]] += 1;
    int64_t *lab = malloc((size_t)a->n_gen * sizeof *lab);
    float *scratch = malloc((size_t)a->n_gen * s->d * sizeof *scratch);
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    tgdp_rng lr = tgdp_rng_new((uint64_t)a->seed ^ 0xabcdefULL), rng = tgdp_rng_new((uint64_t)a->seed + 0x77ULL);
    if (!lab || !scratch) rc = tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    for (int i = 0; !rc && i < a->n_gen; i++) lab[i] = tgdp_rng_categorical(&lr, freq, s->K + 1);
    tgdp_eps_ctx e = {.s = S, .eps = net, .labels = lab, .arena = &ar, .scratch = scratch};
    if (!rc) rc = tgdp_sample(S, kind, a->sample_steps, a->t_end, tgdp_eps_plain, &e, a->n_gen, s->d, &rng, gen, err);
    if (!rc && a->denoise) { /* x0 = (x - sigma eps(x, t_end)) / alpha */
        float *eps = malloc((size_t)a->n_gen * s->d * sizeof *eps);
        rc = eps ? tgdp_eps_plain(&e, a->n_gen, s->d, gen, (float)a->t_end, eps, err) : TGDP_ENOMEM;
        const double al = tgdp_schedule_alpha(S, a->t_end), sg = tgdp_schedule_sigma(S, a->t_end);
        for (size_t i = 0; !rc && i < (size_t)a->n_gen * s->d; i++) gen[i] = (float)((gen[i] - sg * eps[i]) / al);
        free(eps);
    }
    tgdp_arena_free(&ar);
    free(scratch);
    free(lab);
    return rc;
}

/* C2ST (as demo ecg's source_c2st_auroc) and the realism numbers against the held-out windows */
static int measure(const args *a, const split *s, const float *gen, double *c2st, tgdp_realism *re, tgdp_error *err)
{
    tgdp_feature_extractor fe;
    memset(&fe, 0, sizeof fe);
    tgdp_eval_classifier_opts fo;
    tgdp_eval_classifier_opts_default(&fo);
    fo.steps = a->feature_steps;
    fo.seed = (uint64_t)a->seed ^ 0xfea7ULL;
    int rc = tgdp_source_features(&fe, &s->train.set, &fo, err);
    tgdp_ecg_eval_config ec;
    tgdp_ecg_eval_config_default(&ec);
    ec.seed = (uint64_t)a->seed ^ 0x5eedULL;
    tgdp_eval_set g = {a->n_gen, s->d, gen, 0, NULL, NULL}, real = s->test.set;
    real.n_labels = 0, real.labels = NULL;
    tgdp_ecg_eval_result r;
    if (!rc) rc = tgdp_ecg_eval_fold(&ec, NULL, &real, &g, &fe, 0, &r, err);
    *c2st = rc ? -1 : r.c2st_auroc;
    if (!rc) rc = tgdp_ecg_realism(a->n_gen, gen, real.n, real.x, 12, s->L, 100.0, TGDP_LEAD_II, re, err);
    tgdp_feature_extractor_free(&fe);
    return rc;
}

static int write_outputs(const args *a, const split *s, const float *gen, tgdp_error *err)
{
    char p[1100];
    int64_t sh[3] = {a->n_gen, 12, s->L};
    snprintf(p, sizeof p, "%s/gen.npy", a->out);
    int rc = tgdp_npy_write_f32(p, gen, 3, sh, err);
    sh[0] = s->test.set.n;
    snprintf(p, sizeof p, "%s/real.npy", a->out);
    if (!rc) rc = tgdp_npy_write_f32(p, s->test.set.x, 3, sh, err);
    return rc;
}

static void report(const args *a, const tgdp_net *net, double loss, const double *sec, double c2st,
                   const tgdp_realism *re)
{
    char desc[200], p[1100];
    tgdp_net_describe(net, desc, sizeof desc);
    printf("%s | %zu params | steps %d batch %d lr %g %s warmup %d ema %g t %s | %s %d steps, n %d | loss %.4f | "
           "train %.0f s (cpu %.0f) sample %.0f s | beat_fraction %.3f (real %.3f) hr_w1 %.1f rr_cv %.3f (real %.3f) "
           "hf_noise_ratio %.2f source_c2st_auroc %.3f\n",
           desc, net->p.n, a->steps, a->batch, a->lr, a->lr_schedule, a->warmup, a->ema, a->t_sampling, a->sampler,
           a->sample_steps, a->n_gen, loss, sec[0], sec[1], sec[2], re->beat_fraction, re->real_beat_fraction, re->hr_w1,
           re->rr_cv, re->real_rr_cv, re->hf_noise_ratio, c2st);
    snprintf(p, sizeof p, "%s/result.json", a->out);
    FILE *f = fopen(p, "w");
    if (!f) return;
    fprintf(f, "{\"net\": \"%s\", \"params\": %zu, \"steps\": %d, \"batch\": %d, \"lr\": %g, \"lr_schedule\": \"%s\", "
               "\"warmup\": %d, \"ema\": %g, \"sampler\": \"%s\", \"sample_steps\": %d, \"n_gen\": %d, \"loss\": %.6g,\n"
               " \"train_s\": %.1f, \"train_cpu_s\": %.1f, \"sample_s\": %.1f, \"beat_fraction\": %.4f, "
               "\"real_beat_fraction\": %.4f, \"hr_w1\": %.3f, \"rr_cv\": %.4f, \"real_rr_cv\": %.4f, "
               "\"hf_noise_ratio\": %.4f, \"source_c2st_auroc\": %.4f, \"gen_hr_mean\": %.2f, \"gen_hr_sd\": %.2f, "
               "\"real_hr_mean\": %.2f, \"real_hr_sd\": %.2f}\n",
            desc, net->p.n, a->steps, a->batch, a->lr, a->lr_schedule, a->warmup, a->ema, a->sampler, a->sample_steps,
            a->n_gen, loss, sec[0], sec[1], sec[2], re->beat_fraction, re->real_beat_fraction, re->hr_w1, re->rr_cv,
            re->real_rr_cv, re->hf_noise_ratio, c2st, re->gen.hr_mean, re->gen.hr_sd, re->real.hr_mean, re->real.hr_sd);
    fclose(f);
}

int main(int argc, char **argv)
{
    args a;
    int rc = parse(&a, argc, argv);
    if (rc) return rc;
    tgdp_set_threads(a.threads);
    tgdp_precision prec = TGDP_FP32;
    if (tgdp_precision_parse(a.precision, &prec)) return fprintf(stderr, "ecg_realism: --precision fp32 or bf16\n"), 2;
    tgdp_use_precision(prec); /* the sampler's evaluations; training sets its own */
    tgdp_error err;
    split s;
    memset(&s, 0, sizeof s);
    tgdp_net net;
    memset(&net, 0, sizeof net);
    tgdp_schedule S;
    memset(&S, 0, sizeof S);
    float *gen = NULL;
    double loss = -1, sec[3] = {0, 0, 0}, c2st = -1;
    tgdp_realism re;
    char ck[1100];
    snprintf(ck, sizeof ck, "%s/model.safetensors", a.out);
    tgdp_ckpt_info info = {.step = a.steps, .seed = (uint64_t)a.seed, .schedule = "vp"};
    rc = load_split(&a, &s, &err);
    if (!rc) rc = tgdp_schedule_init_vp_linear(&S, 0.1, 20.0, &err);
    if (!rc) rc = a.model ? tgdp_checkpoint_load(a.model, &net, NULL, &err) : make_model(&a, &s, &net, &err);
    fprintf(stderr, "ecg_realism: %lld training / %lld held-out windows\n", (long long)s.train.set.n,
            (long long)s.test.set.n);
    double t0 = tgdp_now_s(), c0 = cpu_s();
    if (!rc && !a.model) rc = train(&a, &s, &S, &net, &loss, &err);
    sec[0] = tgdp_now_s() - t0, sec[1] = cpu_s() - c0;
    if (!rc && !a.model) rc = tgdp_checkpoint_save(ck, &net, &info, &err);
    if (!rc && !(gen = malloc((size_t)a.n_gen * s.d * sizeof *gen))) rc = tgdp_fail(&err, TGDP_ENOMEM, "out of memory");
    t0 = tgdp_now_s();
    if (!rc) rc = sample(&a, &s, &S, &net, gen, &err);
    sec[2] = tgdp_now_s() - t0;
    if (!rc) rc = write_outputs(&a, &s, gen, &err);
    if (!rc) rc = measure(&a, &s, gen, &c2st, &re, &err);
    if (!rc) report(&a, &net, loss, sec, c2st, &re);
    else fprintf(stderr, "ecg_realism: %s\n", err.msg);
    free(gen);
    tgdp_net_free(&net);
    tgdp_schedule_free(&S);
    tgdp_eval_owned_free(&s.train);
    tgdp_eval_owned_free(&s.test);
    free(s.ytrain), free(s.ytest);
    tgdp_tensor_free(&s.x);
    tgdp_array_free(&s.lab), tgdp_array_free(&s.rec);
    return rc ? 1 : 0;
}

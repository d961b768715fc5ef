/* Shared training-loop plumbing: optimiser state, EMA, loss checks, batch and time draws. */
#include "tgdp/train_util.h"
#include "tgdp/dist.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tgdp_train_opts_default(tgdp_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->steps = 1000;
    o->batch = 256;
    o->lr = 1e-3;
    o->clip = 1.0;
    o->seed = 0;
    o->t_min = 1e-3;
}

int tgdp_lr_schedule_parse(const char *s, tgdp_lr_schedule *out)
{
    if (strcmp(s, "constant") == 0) *out = TGDP_LR_CONSTANT;
    else if (strcmp(s, "cosine") == 0) *out = TGDP_LR_COSINE;
    else return TGDP_EINVAL;
    return TGDP_OK;
}

const char *tgdp_lr_schedule_name(tgdp_lr_schedule s)
{
    return s == TGDP_LR_CONSTANT ? "constant" : s == TGDP_LR_COSINE ? "cosine" : "?";
}

int tgdp_t_sampling_parse(const char *s, tgdp_t_sampling *out)
{
    if (strcmp(s, "uniform") == 0) *out = TGDP_T_UNIFORM;
    else if (strcmp(s, "logsnr") == 0) *out = TGDP_T_LOGSNR;
    else return TGDP_EINVAL;
    return TGDP_OK;
}

const char *tgdp_t_sampling_name(tgdp_t_sampling s)
{
    return s == TGDP_T_UNIFORM ? "uniform" : s == TGDP_T_LOGSNR ? "logsnr" : "?";
}

double tgdp_train_lr(const tgdp_train_opts *o, int64_t step)
{
    double f = 1.0;
    if (o->lr_schedule == TGDP_LR_COSINE && o->steps > 0) f = 0.5 * (1.0 + cos(3.14159265358979323846 * (double)step / (double)o->steps));
    if (step < o->warmup) f *= (double)(step + 1) / (double)o->warmup;
    return o->lr * f;
}

/* a double as the shortest text that reads back as the same value */
static void fp_double(train_fp *fp, const char *key, double v)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    train_fp_add(fp, key, "%s", buf);
}

int train_begin(train_state *st, tgdp_net *net, const tgdp_train_opts *o, const tgdp_classifier_opts *co,
                const tgdp_guidance_opts *go, tgdp_train_result *res, train_fp *fp, tgdp_error *err)
{
    static const tgdp_classifier_opts no_co;
    static const tgdp_guidance_opts no_go;
    memset(st, 0, sizeof *st);
    if (!co) co = &no_co;
    if (!go) go = &no_go;
    st->o = o;
    st->res = res ? res : &st->own_res;
    st->res->final_loss = NAN;
    st->res->start_step = st->res->steps_done = 0;
    st->res->state_step = -1;
    if (o->steps <= 0) return tgdp_fail(err, TGDP_EINVAL, "training needs steps > 0 (got %lld)", (long long)o->steps);
    if (o->batch <= 0) return tgdp_fail(err, TGDP_EINVAL, "training needs batch > 0 (got %d)", o->batch);
    if (!(o->lr > 0) || !isfinite(o->lr)) return tgdp_fail(err, TGDP_EINVAL, "training needs a learning rate > 0");
    if (o->warmup < 0 || (o->lr_schedule != TGDP_LR_CONSTANT && o->lr_schedule != TGDP_LR_COSINE))
        return tgdp_fail(err, TGDP_EINVAL, "invalid learning-rate schedule (%d) or warm-up (%lld)", (int)o->lr_schedule,
                         (long long)o->warmup);
    if (o->t_sampling != TGDP_T_UNIFORM && o->t_sampling != TGDP_T_LOGSNR)
        return tgdp_fail(err, TGDP_EINVAL, "invalid time sampling (%d)", (int)o->t_sampling);
    if (o->resume && (!o->state_path || !*o->state_path))
        return tgdp_fail(err, TGDP_EINVAL, "resuming needs the path of a state file");
    /* everything that decides the result: the options ... (the caller added data and schedule) */
    train_fp_add(fp, "steps", "%lld", (long long)o->steps);
    train_fp_add(fp, "batch", "%d", o->batch);
    fp_double(fp, "lr", o->lr);
    /* only when used: the fingerprints of constant-rate runs stay as they were */
    if (o->lr_schedule != TGDP_LR_CONSTANT) train_fp_add(fp, "lr-schedule", "%s", tgdp_lr_schedule_name(o->lr_schedule));
    if (o->warmup > 0) train_fp_add(fp, "warmup", "%lld", (long long)o->warmup);
    if (o->t_sampling != TGDP_T_UNIFORM) train_fp_add(fp, "t-sampling", "%s", tgdp_t_sampling_name(o->t_sampling));
    fp_double(fp, "weight-decay", o->weight_decay);
    fp_double(fp, "clip", o->clip);
    fp_double(fp, "ema", o->ema);
    train_fp_add(fp, "seed", "%llu", (unsigned long long)o->seed);
    fp_double(fp, "t-min", o->t_min);
    train_fp_add(fp, "precision", "%s", tgdp_precision_name(tgdp_precision_effective(o->precision)));
    fp_double(fp, "label-smoothing", co->label_smoothing);
    fp_double(fp, "grad-penalty", co->grad_penalty);
    fp_double(fp, "curv-penalty", co->curv_penalty);
    train_fp_add(fp, "grad-penalty-units", "%s", co->grad_penalty_data_units ? "data" : "noise");
    fp_double(fp, "eta-cycle", go->eta_cycle);
    fp_double(fp, "eta-consistency", go->eta_consistency);
    fp_double(fp, "r-clip-quantile", go->r_clip_quantile);
    train_fp_add(fp, "normalize-r", "%d", go->normalize_r);
    train_fp_add(fp, "loss", "%s", go->bregman ? "bregman" : "mse");
    /* ... and the network with its starting weights (a fresh init, or the model fine-tuned) */
    train_fp_net(fp, "network", net);
    st->fp = fp;
    int rc = tgdp_adam_init(&st->adam, net->p.n, o->lr, o->weight_decay, err);
    if (rc) return rc;
    if (o->ema > 0) {
        st->ema = malloc(net->p.n * sizeof(float));
        if (!st->ema) {
            tgdp_adam_free(&st->adam);
            return tgdp_fail(err, TGDP_ENOMEM, "cannot allocate EMA weights");
        }
        memcpy(st->ema, net->p.w, net->p.n * sizeof(float));
    }
    if (o->resume && (rc = train_state_load(st, net, err))) {
        free(st->ema);
        tgdp_adam_free(&st->adam);
        return rc;
    }
    st->res->start_step = st->res->steps_done = st->start;
    /* data-parallel: every rank starts from rank 0's weights */
    if (tgdp_dist_bcast(net->p.w, net->p.n)) {
        free(st->ema);
        tgdp_adam_free(&st->adam);
        return tgdp_fail(err, TGDP_EIO, "MPI broadcast of the initial weights failed");
    }
    if (st->ema && !o->resume) memcpy(st->ema, net->p.w, net->p.n * sizeof(float)); /* resumed: the saved EMA */
    tgdp_arena_init(&st->arena);
    for (int k = 0; k < TRAIN_CHUNKS_MAX; k++) {
        tgdp_arena_init(&st->chunk_ar[k]);
        tgdp_arena_init(&st->chunk_ev[k]);
    }
    st->caller_precision = tgdp_use_precision(o->precision); /* the steps' graphs, until train_end */
    return TGDP_OK;
}

int train_step_end(train_state *st, tgdp_net *net, int64_t step, double loss, tgdp_error *err)
{
    const tgdp_train_opts *o = st->o;
    /* The optimiser step. A data-parallel run sums the ranks' gradients (each already weighted
     * by its share of the global batch) and losses here, before clipping. */
    if (tgdp_dist_size() > 1 &&
        (tgdp_dist_allreduce_sum(net->p.g, net->p.n) || tgdp_dist_allreduce_sum_d(&loss, 1)))
        return tgdp_fail(err, TGDP_EIO, "MPI all-reduce of the gradients failed at step %lld", (long long)step + 1);
    if (!isfinite(loss)) return train_diverged(st, step + 1, "loss", loss, err);
    const double gnorm = tgdp_grad_norm(net->p.g, net->p.n);
    if (!isfinite(gnorm)) return train_diverged(st, step + 1, "the gradient norm", gnorm, err);
    /* clipping (o->clip > 0) is a factor on the gradient inside the Adam step */
    st->adam.lr = tgdp_train_lr(o, step);
    tgdp_adam_step_scaled(&st->adam, net->p.w, net->p.g, tgdp_clip_factor(gnorm, o->clip));
    if (st->ema) tgdp_ema_update(st->ema, net->p.w, net->p.n, o->ema);
    if (step >= o->steps - (o->steps + 9) / 10) {
        st->loss_acc += loss;
        st->loss_cnt++;
    }
    st->res->steps_done = step + 1;
    if (o->progress) o->progress(o->progress_ctx, step + 1, o->steps, loss);
    return train_state_after_step(st, net, step + 1, err);
}

void train_end(train_state *st, tgdp_net *net)
{
    tgdp_use_precision(st->caller_precision);
    if (st->ema) memcpy(net->p.w, st->ema, net->p.n * sizeof(float));
    st->res->final_loss = st->loss_cnt ? st->loss_acc / (double)st->loss_cnt : NAN;
    free(st->ema);
    free(st->chunk_g);
    tgdp_adam_free(&st->adam);
    tgdp_arena_free(&st->arena);
    for (int k = 0; k < TRAIN_CHUNKS_MAX; k++) {
        tgdp_arena_free(&st->chunk_ar[k]);
        tgdp_arena_free(&st->chunk_ev[k]);
    }
}

int check_dataset(const tgdp_dataset *d, const tgdp_net *net, const char *what, tgdp_error *err)
{
    if (!d || d->n <= 0 || !d->x) return tgdp_fail(err, TGDP_EINVAL, "%s data set is empty", what);
    if (d->d != tgdp_net_in_dim(net)) {
        char arch[160];
        tgdp_net_describe(net, arch, sizeof arch);
        return tgdp_fail(err, TGDP_EINVAL, "%s data have dimension %d but the %s network (%s) expects %d", what, d->d,
                         tgdp_role_name(net->role), arch, tgdp_net_in_dim(net));
    }
    int nc = tgdp_net_n_classes(net);
    if (nc > 0) {
        if (!d->y) return tgdp_fail(err, TGDP_EINVAL, "%s data need labels: the network is label-conditional", what);
        for (int64_t i = 0; i < d->n; i++)
            if (d->y[i] < 0 || d->y[i] >= nc)
                return tgdp_fail(err, TGDP_EINVAL, "%s label %lld at row %lld is outside 0..%d", what,
                                 (long long)d->y[i], (long long)i, nc - 1);
    }
    return tgdp_check_finite(d->x, (size_t)d->n * (size_t)d->d, what, err);
}

void draw_batch(tgdp_rng *r, const tgdp_dataset *d, int B, float *x, int64_t *y, int64_t *idx)
{
    for (int i = 0; i < B; i++) {
        int64_t k = (int64_t)tgdp_rng_below(r, (uint64_t)d->n);
        if (idx) idx[i] = k;
        memcpy(x + (size_t)i * d->d, d->x + (size_t)k * d->d, (size_t)d->d * sizeof(float));
        if (y) y[i] = d->y ? d->y[k] : 0;
    }
}

train_slice train_slice_of(int B)
{
    train_slice s;
    int64_t n;
    tgdp_dist_slice(B, &s.lo, &n);
    s.n = (int)n;
    s.frac = (double)n / (double)B;
    return s;
}

int train_chunk_rows = TRAIN_CHUNK_ROWS, train_conv_chunk_rows = TRAIN_CONV_CHUNK_ROWS;

static void run_chunk(train_state *st, train_chunk *c, train_chunk_fn fn, void *ctx, int *rc, int thread)
{
    memset(c->net.p.g, 0, c->net.p.n * sizeof(float));
    c->ar = &st->chunk_ar[thread];
    c->ev = &st->chunk_ev[thread];
    tgdp_arena_reset(c->ar);
    c->loss = 0;
    c->err.code = 0;
    c->err.msg[0] = 0;
    *rc = fn(ctx, c);
}

int train_run_chunks(train_state *st, tgdp_net *net, int B, train_chunk_fn fn, void *ctx, double *loss,
                     tgdp_error *err)
{
    const train_slice sl = train_slice_of(B);
    const int rows = net->arch == TGDP_ARCH_MLP ? train_chunk_rows : train_conv_chunk_rows;
    int nc = sl.n / (rows > 0 ? rows : TRAIN_CHUNK_ROWS);
    nc = nc < 1 ? 1 : nc > TRAIN_CHUNKS_MAX ? TRAIN_CHUNKS_MAX : nc;
    const size_t np = net->p.n;
    if (nc - 1 > st->chunk_g_n) { /* the same every step of a run: allocated once */
        float *g = realloc(st->chunk_g, (size_t)(nc - 1) * np * sizeof(float));
        if (!g) return tgdp_fail(err, TGDP_ENOMEM, "out of memory for the gradients of %d batch chunks", nc);
        st->chunk_g = g;
        st->chunk_g_n = nc - 1;
    }
    train_chunk ch[TRAIN_CHUNKS_MAX];
    int rcs[TRAIN_CHUNKS_MAX];
    for (int k = 0; k < nc; k++) {
        const int64_t a = sl.n * (int64_t)k / nc, b = sl.n * (int64_t)(k + 1) / nc;
        ch[k].rows = (train_slice){sl.lo + a, (int)(b - a), (double)(b - a) / (double)B};
        ch[k].net = *net;
        if (k > 0) ch[k].net.p.g = st->chunk_g + (size_t)(k - 1) * np;
    }
    int T = omp_get_max_threads();
    T = T > nc ? nc : T;
    if (T == 1) { /* one chunk, or one thread: no enclosing region (not even an inactive one), so
                   * OpenBLAS and the element-wise loops use the threads' own pool */
        for (int k = 0; k < nc; k++) run_chunk(st, &ch[k], fn, ctx, &rcs[k], 0);
    } else {
#pragma omp parallel for num_threads(T) schedule(dynamic, 1)
        for (int k = 0; k < nc; k++) run_chunk(st, &ch[k], fn, ctx, &rcs[k], omp_get_thread_num());
    }
    double l = 0;
    for (int k = 0; k < nc; k++) {
        if (rcs[k]) {
            if (err) *err = ch[k].err;
            return ch[k].err.code ? ch[k].err.code : tgdp_fail(err, rcs[k], "training step failed (code %d)", rcs[k]);
        }
        l += ch[k].loss;
    }
    *loss = l;
    if (nc > 1) { /* g = ((g_0 + g_1) + g_2) + ... per parameter, in chunk order; a block of
                   * parameters at a time (it stays in L1) and one chunk's buffer at a time, so
                   * that the loop vectorises */
        float *g = net->p.g;
        const float *cg = st->chunk_g;
        enum { BLK = 2048 };
        const size_t nblk = (np + BLK - 1) / BLK;
#pragma omp parallel for schedule(static) if (np > 65536)
        for (size_t b = 0; b < nblk; b++) {
            const size_t lo = b * BLK, hi = lo + BLK < np ? lo + BLK : np;
            for (int k = 1; k < nc; k++) {
                const float *c = cg + (size_t)(k - 1) * np;
                for (size_t i = lo; i < hi; i++) g[i] += c[i];
            }
        }
    }
    return TGDP_OK;
}

void draw_times(tgdp_rng *r, int B, double t_min, float *t) { tgdp_rng_fill_uniform(r, t, (size_t)B, (float)t_min, 1.0f); }

void draw_times_logsnr(tgdp_rng *r, const tgdp_schedule *s, int B, double t_min, float *t)
{
    const double l0 = tgdp_schedule_lambda(s, 1.0), l1 = tgdp_schedule_lambda(s, t_min);
    tgdp_rng_fill_uniform(r, t, (size_t)B, 0.0f, 1.0f);
    for (int i = 0; i < B; i++) {
        double u = tgdp_schedule_t_of_lambda(s, l0 + (l1 - l0) * (double)t[i]);
        t[i] = (float)(u < t_min ? t_min : u > 1.0 ? 1.0 : u);
    }
}

/* The resumable training state (see "Training state" in tgdp.h): a safetensors file with the
 * weights, Adam moments, EMA weights, step and loss bookkeeping of a run, and the run's
 * fingerprint (options, network, schedule, data checksums) so that only the same run resumes.
 * Written atomically by tgdp_safetensors_write (temporary file, fsync, rename), never with a
 * non-finite value, every o->checkpoint_every steps and when *o->stop is set. */
#include "tgdp/io.h"
#include "tgdp/train_util.h"
#include "tgdp/dist.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_FORMAT "1"

/* ---------- fingerprint ---------- */

/* 64-bit checksum of a byte string (word-wise multiply-rotate mixing, then a final avalanche);
 * detects changed data, not adversaries. */
static uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    const uint64_t k1 = 0x9E3779B97F4A7C15ull, k2 = 0xC2B2AE3D27D4EB4Full;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h ^= w * k2;
        h = ((h << 31) | (h >> 33)) * k1;
    }
    uint64_t w = 0;
    for (size_t j = 0; i + j < n; j++) w |= (uint64_t)p[i + j] << (8 * j);
    h ^= (w ^ (uint64_t)n) * k2;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

void train_fp_init(train_fp *fp, const char *kind)
{
    memset(fp, 0, sizeof *fp);
    train_fp_add(fp, "kind", "%s", kind);
}

void train_fp_add(train_fp *fp, const char *key, const char *fmt, ...)
{
    if (fp->n >= TRAIN_FP_MAX) return; /* the table is sized for every caller; never reached */
    snprintf(fp->key[fp->n], sizeof fp->key[0], "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fp->val[fp->n], sizeof fp->val[0], fmt, ap);
    va_end(ap);
    fp->n++;
}

void train_fp_data(train_fp *fp, const char *key, const tgdp_dataset *d)
{
    if (!d || !d->x) {
        train_fp_add(fp, key, "none");
        return;
    }
    uint64_t hx = hash_bytes(1, d->x, (size_t)d->n * (size_t)d->d * sizeof(float));
    if (d->y)
        train_fp_add(fp, key, "%lld x %d, checksum %016" PRIx64 ", labels %016" PRIx64, (long long)d->n, d->d, hx,
                     hash_bytes(2, d->y, (size_t)d->n * sizeof(int64_t)));
    else
        train_fp_add(fp, key, "%lld x %d, checksum %016" PRIx64 ", no labels", (long long)d->n, d->d, hx);
}

void train_fp_floats(train_fp *fp, const char *key, const float *x, size_t n)
{
    train_fp_add(fp, key, "%zu values, checksum %016" PRIx64, n, hash_bytes(3, x, n * sizeof(float)));
}

void train_fp_net(train_fp *fp, const char *key, const tgdp_net *net)
{
    if (!net) {
        train_fp_add(fp, key, "none");
        return;
    }
    uint64_t layout = hash_bytes(4, &net->role, sizeof net->role);
    layout = hash_bytes(layout, &net->hparam, sizeof net->hparam);
    for (int i = 0; i < net->p.count; i++) {
        const tgdp_param_info *pi = &net->p.info[i];
        layout = hash_bytes(layout, pi->name, strlen(pi->name));
        layout = hash_bytes(layout, pi->shape, (size_t)pi->ndim * sizeof pi->shape[0]);
    }
    /* what changes the function without changing the parameters (only when used, so that the
     * fingerprints of earlier runs stay the same) */
    if (net->arch != TGDP_ARCH_MLP)
        for (int i = 0; i < net->conv.cfg.levels; i++)
            if (tgdp_conv_dilation(&net->conv.cfg, i) > 1) {
                layout = hash_bytes(layout, net->conv.cfg.dilation, sizeof net->conv.cfg.dilation);
                break;
            }
    train_fp_add(fp, key, "%s, %zu parameters, layout %016" PRIx64 ", weights %016" PRIx64, tgdp_role_name(net->role),
                 net->p.n, layout, hash_bytes(5, net->p.w, net->p.n * sizeof(float)));
}

void train_fp_schedule(train_fp *fp, const tgdp_schedule *s)
{
    if (!s) {
        train_fp_add(fp, "schedule", "none");
        return;
    }
    uint64_t h = hash_bytes(6, &s->kind, sizeof s->kind);
    h = hash_bytes(h, &s->beta0, sizeof s->beta0);
    h = hash_bytes(h, &s->beta1, sizeof s->beta1);
    if (s->log_alpha) h = hash_bytes(h, s->log_alpha, (size_t)(s->T + 1) * sizeof(double));
    train_fp_add(fp, "schedule", "%s, beta %g..%g, T %d, checksum %016" PRIx64, tgdp_schedule_kind_name(s->kind),
                 s->beta0, s->beta1, s->log_alpha ? s->T : 0, h);
}

/* ---------- state file ---------- */

static int check_state_finite(const train_state *st, const tgdp_net *net)
{
    tgdp_error e;
    size_t n = net->p.n;
    return tgdp_check_finite(net->p.w, n, "", &e) || tgdp_check_finite(st->adam.m, n, "", &e) ||
           tgdp_check_finite(st->adam.v, n, "", &e) || (st->ema && tgdp_check_finite(st->ema, n, "", &e));
}

int train_diverged(const train_state *st, int64_t at, const char *what, double value, tgdp_error *err)
{
    const tgdp_train_opts *o = st->o;
    char kept[1200] = "";
    if (o->state_path && st->res->state_step >= 0)
        snprintf(kept, sizeof kept, "; the last good state (step %lld) is kept in %s", (long long)st->res->state_step,
                 o->state_path);
    else if (o->state_path)
        snprintf(kept, sizeof kept, "; no state had been saved yet");
    if (isfinite(value))
        return tgdp_fail(err, TGDP_ENONFINITE, "%s became non-finite at step %lld/%lld: training stopped (lower --lr?)%s",
                         what, (long long)at, (long long)o->steps, kept);
    return tgdp_fail(err, TGDP_ENONFINITE, "%s became %g at step %lld/%lld: training stopped (lower --lr?)%s", what,
                     value, (long long)at, (long long)o->steps, kept);
}

int train_state_save(train_state *st, const tgdp_net *net, int64_t step, tgdp_error *err)
{
    const tgdp_train_opts *o = st->o;
    if (check_state_finite(st, net)) return train_diverged(st, step, "the weights", 1.0, err);
    tgdp_st_writer w;
    tgdp_st_writer_init(&w);
    const int64_t shape[1] = {(int64_t)net->p.n};
    int rc = tgdp_st_writer_meta(&w, "tgdp.state_format", STATE_FORMAT, err);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.step", err, "%lld", (long long)step);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.steps", err, "%lld", (long long)o->steps);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.adam_t", err, "%lld", (long long)st->adam.t);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.loss_acc", err, "%a", st->loss_acc);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.loss_cnt", err, "%lld", (long long)st->loss_cnt);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.threads", err, "%d", tgdp_get_threads());
    for (int i = 0; !rc && i < st->fp->n; i++) {
        char key[64];
        snprintf(key, sizeof key, "tgdp.fp.%s", st->fp->key[i]);
        rc = tgdp_st_writer_meta(&w, key, st->fp->val[i], err);
    }
    if (!rc) rc = tgdp_st_writer_add_f32(&w, "weights", net->p.w, 1, shape, err);
    if (!rc) rc = tgdp_st_writer_add_f32(&w, "adam.m", st->adam.m, 1, shape, err);
    if (!rc) rc = tgdp_st_writer_add_f32(&w, "adam.v", st->adam.v, 1, shape, err);
    if (!rc && st->ema) rc = tgdp_st_writer_add_f32(&w, "ema", st->ema, 1, shape, err);
    if (!rc) rc = tgdp_safetensors_write(o->state_path, &w, err);
    tgdp_st_writer_free(&w);
    if (!rc) st->res->state_step = step;
    return rc;
}

static int meta_i64(const tgdp_st_file *f, const char *key, int64_t lo, int64_t hi, int64_t *out, tgdp_error *err)
{
    const char *v = tgdp_st_meta(f, key);
    if (!v) return tgdp_fail(err, TGDP_EFORMAT, "%s: not a tgdp training state (metadata %s missing)", f->path, key);
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: metadata %s = '%s' is not an integer in [%lld, %lld]", f->path, key,
                         v, (long long)lo, (long long)hi);
    *out = x;
    return TGDP_OK;
}

static int open_state(const char *path, tgdp_st_file *f, int64_t *step, int64_t *steps, tgdp_error *err)
{
    int rc = tgdp_safetensors_read(path, f, err);
    if (rc) return rc;
    const char *fmt = tgdp_st_meta(f, "tgdp.state_format");
    if (!fmt || strcmp(fmt, STATE_FORMAT) != 0)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: not a tgdp training state (tgdp.state_format missing or not %s)", path,
                       STATE_FORMAT);
    if (!rc) rc = meta_i64(f, "tgdp.steps", 1, INT64_MAX, steps, err);
    if (!rc) rc = meta_i64(f, "tgdp.step", 0, *steps, step, err);
    if (rc) tgdp_st_file_free(f);
    return rc;
}

int tgdp_train_state_peek(const char *path, int64_t *step, int64_t *steps, tgdp_error *err)
{
    tgdp_st_file f;
    int64_t a, b;
    int rc = open_state(path, &f, &a, &b, err);
    if (rc) return rc;
    tgdp_st_file_free(&f);
    if (step) *step = a;
    if (steps) *steps = b;
    return TGDP_OK;
}

int train_state_load(train_state *st, tgdp_net *net, tgdp_error *err)
{
    const char *path = st->o->state_path;
    tgdp_st_file f;
    int64_t step, steps, adam_t, loss_cnt;
    int rc = open_state(path, &f, &step, &steps, err);
    if (rc) return rc;
    /* the same run? the first differing item of the fingerprint is named */
    for (int i = 0; !rc && i < st->fp->n; i++) {
        char key[64];
        snprintf(key, sizeof key, "tgdp.fp.%s", st->fp->key[i]);
        const char *was = tgdp_st_meta(&f, key);
        if (!was || strcmp(was, st->fp->val[i]) != 0)
            rc = tgdp_fail(err, TGDP_EINVAL,
                           "cannot resume from %s: it was written with %s = %s, this run has %s = %s; resume with the "
                           "same options and data, or delete the file to start over",
                           path, st->fp->key[i], was ? was : "(none)", st->fp->key[i], st->fp->val[i]);
    }
    /* and no item this run lacks (the items written only when used, e.g. a learning-rate schedule) */
    for (size_t m = 0; !rc && m < f.n_meta; m++) {
        const char *k = f.meta_keys[m];
        if (strncmp(k, "tgdp.fp.", 8) != 0) continue;
        int found = 0;
        for (int i = 0; !found && i < st->fp->n; i++) found = strcmp(k + 8, st->fp->key[i]) == 0;
        if (!found)
            rc = tgdp_fail(err, TGDP_EINVAL,
                           "cannot resume from %s: it was written with %s = %s, this run has none; resume with the "
                           "same options and data, or delete the file to start over",
                           path, k + 8, f.meta_values[m]);
    }
    if (!rc) rc = meta_i64(&f, "tgdp.adam_t", 0, INT64_MAX, &adam_t, err);
    if (!rc) rc = meta_i64(&f, "tgdp.loss_cnt", 0, step, &loss_cnt, err);
    double loss_acc = 0;
    if (!rc) {
        const char *v = tgdp_st_meta(&f, "tgdp.loss_acc");
        char *end = NULL;
        if (v) loss_acc = strtod(v, &end);
        if (!v || end == v || *end || !isfinite(loss_acc))
            rc = tgdp_fail(err, TGDP_EFORMAT, "%s: metadata tgdp.loss_acc missing or not a finite number", path);
    }
    const int64_t shape[1] = {(int64_t)net->p.n};
    if (!rc) rc = tgdp_st_load_f32(&f, "weights", 1, shape, net->p.w, err);
    if (!rc) rc = tgdp_st_load_f32(&f, "adam.m", 1, shape, st->adam.m, err);
    if (!rc) rc = tgdp_st_load_f32(&f, "adam.v", 1, shape, st->adam.v, err);
    if (!rc && st->ema) rc = tgdp_st_load_f32(&f, "ema", 1, shape, st->ema, err);
    if (!rc && check_state_finite(st, net))
        rc = tgdp_fail(err, TGDP_ENONFINITE, "%s: the saved state holds non-finite values", path);
    tgdp_st_file_free(&f);
    if (rc) return rc;
    st->adam.t = adam_t;
    st->loss_acc = loss_acc;
    st->loss_cnt = loss_cnt;
    st->start = step;
    st->res->state_step = step;
    return TGDP_OK;
}

int train_state_after_step(train_state *st, const tgdp_net *net, int64_t done, tgdp_error *err)
{
    const tgdp_train_opts *o = st->o;
    /* data-parallel: all ranks stop at the same step when any saw the request; rank 0 writes */
    const int stop = tgdp_dist_max_int(o->stop && *o->stop) && done < o->steps;
    const int due = o->checkpoint_every > 0 && done % o->checkpoint_every == 0 && done < o->steps;
    if (o->state_path && (stop || due) && tgdp_dist_rank() == 0) {
        int rc = train_state_save(st, net, done, err);
        if (rc && stop && rc != TGDP_ENONFINITE)
            return tgdp_error_prefix(err, "interrupted at step %lld/%lld, but the state could not be saved",
                                     (long long)done, (long long)o->steps);
        if (rc) return rc;
    }
    if (!stop) return TGDP_OK;
    if (o->state_path)
        return tgdp_fail(err, TGDP_EINTERRUPTED, "interrupted at step %lld/%lld; state saved to %s", (long long)done,
                         (long long)o->steps, o->state_path);
    return tgdp_fail(err, TGDP_EINTERRUPTED, "interrupted at step %lld/%lld (no state file)", (long long)done,
                     (long long)o->steps);
}

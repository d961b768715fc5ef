/* ECG data sets for `tgdp ecg prepare`: records of database folders -> resampled,
 * windowed, normalised arrays with multi-hot labels and the record of every window. */
#include "tgdp/ecg_prepare.h"

#include "data/ecg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tgdp_ecg_prepare_opts_default(tgdp_ecg_prepare_opts *o)
{
    memset(o, 0, sizeof *o);
    o->fs = TGDP_ECG_DEFAULT_FS;
    o->window = 250;
    o->stride = 250;
    o->normalize = 1;
}

const char *tgdp_ecg_prepare_normalization(const tgdp_ecg_prepare_opts *o)
{
    if (!o->normalize) return "none: millivolts as resampled";
    return "per window and lead: y = clamp(x - mean(x), -5 mV, +5 mV) / 0.5 mV "
           "(TGDP_ECG_CLIP_MV, TGDP_ECG_SCALE_MV; invert with x = 0.5 y mV plus the removed mean)";
}

/* ---- the set */
void tgdp_ecg_set_init(tgdp_ecg_set *s, int64_t window)
{
    memset(s, 0, sizeof *s);
    s->window = window;
}

void tgdp_ecg_set_free(tgdp_ecg_set *s)
{
    free(s->x);
    free(s->record);
    free(s->records);
    free(s->slots);
    tgdp_ecg_set_init(s, s->window);
}

static uint64_t key_hash(const char *database, const char *id)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = database; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ 0xffu) * 1099511628211ULL; /* separator no name contains */
    for (const char *p = id; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

long tgdp_ecg_set_find(const tgdp_ecg_set *s, const char *database, const char *id)
{
    if (!s->n_slots) return -1;
    for (size_t i = (size_t)(key_hash(database, id) & (s->n_slots - 1));; i = (i + 1) & (s->n_slots - 1)) {
        size_t v = s->slots[i];
        if (!v) return -1;
        const tgdp_ecg_set_record *r = &s->records[v - 1];
        if (strcmp(r->database, database) == 0 && strcmp(r->id, id) == 0) return (long)(v - 1);
    }
}

static void slot_insert(size_t *slots, size_t n_slots, const tgdp_ecg_set_record *r, size_t index)
{
    size_t i = (size_t)(key_hash(r->database, r->id) & (n_slots - 1));
    while (slots[i]) i = (i + 1) & (n_slots - 1);
    slots[i] = index + 1;
}

/* Room for one more record (and its hash slot) and nw more windows. */
static int reserve(tgdp_ecg_set *s, int64_t nw, tgdp_error *err)
{
    size_t per = (size_t)TGDP_ECG_NLEADS * (size_t)s->window, need = (size_t)s->n + (size_t)nw, bytes;
    if (need > s->cap_windows) {
        size_t nc = s->cap_windows ? s->cap_windows : 256;
        while (nc < need) nc *= 2;
        if (!tgdp_mul_size(nc, per, &bytes) || !tgdp_mul_size(bytes, sizeof(float), &bytes))
            return tgdp_fail(err, TGDP_ENOMEM, "ecg set: %zu windows of %lld samples is too many", nc,
                             (long long)s->window);
        float *x = realloc(s->x, bytes);
        if (!x) return tgdp_fail(err, TGDP_ENOMEM, "ecg set: cannot allocate %zu bytes for the windows", bytes);
        s->x = x;
        int64_t *rec = realloc(s->record, nc * sizeof *rec);
        if (!rec) return tgdp_fail(err, TGDP_ENOMEM, "ecg set: out of memory");
        s->record = rec;
        s->cap_windows = nc;
    }
    if (s->n_records == s->cap_records) {
        size_t nc = s->cap_records ? 2 * s->cap_records : 64;
        tgdp_ecg_set_record *r = realloc(s->records, nc * sizeof *r);
        if (!r) return tgdp_fail(err, TGDP_ENOMEM, "ecg set: out of memory");
        s->records = r;
        s->cap_records = nc;
    }
    if (2 * (s->n_records + 1) > s->n_slots) { /* load factor <= 1/2 */
        size_t ns = s->n_slots ? 2 * s->n_slots : 128;
        size_t *slots = calloc(ns, sizeof *slots);
        if (!slots) return tgdp_fail(err, TGDP_ENOMEM, "ecg set: out of memory");
        for (size_t i = 0; i < s->n_records; i++) slot_insert(slots, ns, &s->records[i], i);
        free(s->slots);
        s->slots = slots;
        s->n_slots = ns;
    }
    return TGDP_OK;
}

int tgdp_ecg_set_add_entry(tgdp_ecg_set *s, const tgdp_ecg_entry *e, const tgdp_ecg_prepare_opts *o,
                           tgdp_error *err)
{
    if (o->window != s->window || o->window <= 0 || o->stride <= 0 || !(o->fs > 0))
        return tgdp_fail(err, TGDP_EINVAL, "ecg set: bad options (window %lld, stride %lld, rate %g Hz)",
                         (long long)o->window, (long long)o->stride, o->fs);
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int rc = tgdp_ecg_load_entry(e, &r, err);
    if (rc) return rc;
    if (tgdp_ecg_set_find(s, r.database, r.id) >= 0) {
        rc = tgdp_fail(err, TGDP_EINVAL, "%s: record %s of %s is already in the set", e->path, r.id, r.database);
        tgdp_ecg_record_free(&r);
        return rc;
    }
    tgdp_ecg_set_record info;
    memset(&info, 0, sizeof info);
    ecg_strlcpy(info.database, r.database, sizeof info.database);
    ecg_strlcpy(info.id, r.id, sizeof info.id);
    info.labels = r.labels;
    ecg_strlcpy(info.source_labels, r.source_labels, sizeof info.source_labels);
    info.age = r.age;
    info.sex = r.sex;
    info.fold = e->fold;
    info.fs_in = r.fs;
    info.n_in = r.n;
    info.flags = r.flags;
    rc = tgdp_ecg_resample(&r, o->fs, err);
    tgdp_tensor w;
    memset(&w, 0, sizeof w);
    if (!rc && tgdp_ecg_num_windows(r.n, o->window, o->stride) == 0)
        rc = tgdp_fail(err, TGDP_EINVAL, "%s: %.2f s at %g Hz, shorter than one window of %lld samples", e->path,
                       (double)r.n / o->fs, o->fs, (long long)o->window);
    if (!rc) rc = tgdp_ecg_windows(&r, o->window, o->stride, o->normalize, &w, err);
    if (!rc) rc = tgdp_check_finite(w.data, tgdp_tensor_numel(&w), e->path, err);
    int64_t nw = rc ? 0 : w.shape[0];
    if (!rc) rc = reserve(s, nw, err);
    if (!rc) {
        size_t per = (size_t)TGDP_ECG_NLEADS * (size_t)s->window;
        memcpy(s->x + (size_t)s->n * per, w.data, (size_t)nw * per * sizeof(float));
        for (int64_t i = 0; i < nw; i++) s->record[s->n + i] = (int64_t)s->n_records;
        info.first_window = s->n;
        info.n_windows = nw;
        s->records[s->n_records] = info;
        slot_insert(s->slots, s->n_slots, &info, s->n_records);
        s->n_records++;
        s->n += nw;
    }
    tgdp_tensor_free(&w);
    tgdp_ecg_record_free(&r);
    return rc;
}

int tgdp_ecg_set_labels(const tgdp_ecg_set *s, int64_t **out, tgdp_error *err)
{
    *out = NULL;
    if (s->n == 0) return TGDP_OK;
    size_t count;
    if (!tgdp_mul_size((size_t)s->n, TGDP_ECG_NLABELS, &count) || count > SIZE_MAX / sizeof(int64_t))
        return tgdp_fail(err, TGDP_ENOMEM, "ecg set: too many windows");
    int64_t *y = malloc(count * sizeof *y);
    if (!y) return tgdp_fail(err, TGDP_ENOMEM, "ecg set: cannot allocate the labels");
    for (int64_t i = 0; i < s->n; i++) {
        tgdp_ecg_labels l = s->records[s->record[i]].labels;
        for (int k = 0; k < TGDP_ECG_NLABELS; k++) y[(size_t)i * TGDP_ECG_NLABELS + (size_t)k] = (l >> k) & 1u;
    }
    *out = y;
    return TGDP_OK;
}

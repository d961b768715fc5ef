/* Record-level splits of windowed data: k folds (stratified) and two parts, always by record,
 * never by window, so that windows of one recording never sit on both sides of a split. */
#include "tgdp/ecg_eval.h"

#include <stdlib.h>
#include <string.h>

typedef struct rec_key {
    int64_t id;
    int64_t stratum;
    int64_t first; /* first window */
} rec_key;

static int cmp_rows_by_id(const void *a, const void *b)
{
    const rec_key *x = a, *y = b;
    if (x->id != y->id) return (x->id > y->id) - (x->id < y->id);
    return (x->first > y->first) - (x->first < y->first);
}

static int cmp_stratum_id(const void *a, const void *b)
{
    const rec_key *x = a, *y = b;
    if (x->stratum != y->stratum) return (x->stratum > y->stratum) - (x->stratum < y->stratum);
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Unique records sorted by id: *recs (malloc'd, *nr of them), each with the stratum of its first
 * window. */
static int unique_records(int64_t n, const int64_t *record, const int64_t *strata, rec_key **recs, int64_t *nr,
                          tgdp_error *err)
{
    rec_key *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v) return tgdp_fail(err, TGDP_ENOMEM, "record split: cannot allocate %lld rows", (long long)n);
    for (int64_t i = 0; i < n; i++) {
        v[i].id = record ? record[i] : i;
        v[i].stratum = strata ? strata[i] : 0;
        v[i].first = i;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_rows_by_id);
    int64_t r = 0;
    for (int64_t i = 0; i < n; i++)
        if (i == 0 || v[i].id != v[i - 1].id) v[r++] = v[i];
    *recs = v;
    *nr = r;
    return TGDP_OK;
}

/* index of id in the sorted unique records */
static int64_t find_record(const rec_key *recs, int64_t nr, int64_t id)
{
    int64_t lo = 0, hi = nr - 1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (recs[mid].id == id) return mid;
        if (recs[mid].id < id) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

int tgdp_primary_labels(int64_t n, int K, const int64_t *labels, int64_t *out, tgdp_error *err)
{
    if (n < 0 || K < 1 || (n > 0 && (!labels || !out)))
        return tgdp_fail(err, TGDP_EINVAL, "primary labels: invalid arguments (n %lld, K %d)", (long long)n, K);
    int64_t *count = calloc((size_t)K, sizeof *count);
    if (!count) return tgdp_fail(err, TGDP_ENOMEM, "primary labels: out of memory");
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < K; k++) count[k] += labels[(size_t)i * K + k] != 0;
    for (int64_t i = 0; i < n; i++) {
        int best = K;
        for (int k = 0; k < K; k++)
            if (labels[(size_t)i * K + k] && (best == K || count[k] < count[best])) best = k;
        out[i] = best;
    }
    free(count);
    return TGDP_OK;
}

int tgdp_record_kfold(int64_t n, const int64_t *record, const int64_t *strata, int k, uint64_t seed, int *fold,
                      tgdp_error *err)
{
    if (n < 1 || !fold || !record) return tgdp_fail(err, TGDP_EINVAL, "k-fold: needs windows and their record ids");
    if (k < 2) return tgdp_fail(err, TGDP_EINVAL, "k-fold: k = %d (need at least 2 folds)", k);
    rec_key *recs = NULL;
    int64_t nr = 0;
    int rc = unique_records(n, record, strata, &recs, &nr, err);
    if (rc) return rc;
    if (nr < k) {
        free(recs);
        return tgdp_fail(err, TGDP_EINVAL, "k-fold: %lld records for %d folds (every fold needs a record)", (long long)nr,
                         k);
    }
    /* records grouped by stratum, each group in id order, then shuffled within the group */
    rec_key *byst = malloc((size_t)nr * sizeof *byst);
    int64_t *perm = malloc((size_t)nr * sizeof *perm);
    int *rfold = malloc((size_t)nr * sizeof *rfold);
    if (!byst || !perm || !rfold) {
        free(recs), free(byst), free(perm), free(rfold);
        return tgdp_fail(err, TGDP_ENOMEM, "k-fold: out of memory");
    }
    memcpy(byst, recs, (size_t)nr * sizeof *byst);
    qsort(byst, (size_t)nr, sizeof *byst, cmp_stratum_id);
    tgdp_rng base = tgdp_rng_new(seed);
    tgdp_rng r0 = tgdp_rng_split(&base, 0);
    uint64_t deal = tgdp_rng_below(&r0, (uint64_t)k);
    for (int64_t a = 0, g = 1; a < nr; g++) {
        int64_t b = a + 1;
        while (b < nr && byst[b].stratum == byst[a].stratum) b++;
        tgdp_rng r = tgdp_rng_split(&base, (uint64_t)g);
        tgdp_rng_permutation(&r, perm, (size_t)(b - a));
        for (int64_t j = 0; j < b - a; j++) {
            int64_t idx = find_record(recs, nr, byst[a + perm[j]].id);
            rfold[idx] = (int)(deal++ % (uint64_t)k);
        }
        a = b;
    }
    for (int64_t i = 0; i < n; i++) fold[i] = rfold[find_record(recs, nr, record[i])];
    free(recs), free(byst), free(perm), free(rfold);
    return TGDP_OK;
}

int tgdp_record_split(int64_t n, const int64_t *record, double frac, uint64_t seed, int *part, tgdp_error *err)
{
    if (n < 1 || !part) return tgdp_fail(err, TGDP_EINVAL, "record split: no windows");
    if (!(frac > 0 && frac < 1)) return tgdp_fail(err, TGDP_EINVAL, "record split: fraction %g not in (0, 1)", frac);
    int64_t *ids = malloc((size_t)n * sizeof *ids);
    if (!ids) return tgdp_fail(err, TGDP_ENOMEM, "record split: out of memory");
    for (int64_t i = 0; i < n; i++) ids[i] = record ? record[i] : i;
    qsort(ids, (size_t)n, sizeof *ids, cmp_i64);
    int64_t nr = 0;
    for (int64_t i = 0; i < n; i++)
        if (i == 0 || ids[i] != ids[i - 1]) ids[nr++] = ids[i];
    if (nr < 2) {
        free(ids);
        return tgdp_fail(err, TGDP_EINVAL, "record split: %lld record(s); two parts need at least 2", (long long)nr);
    }
    int64_t *perm = malloc((size_t)nr * sizeof *perm);
    char *first = malloc((size_t)nr);
    if (!perm || !first) {
        free(ids), free(perm), free(first);
        return tgdp_fail(err, TGDP_ENOMEM, "record split: out of memory");
    }
    tgdp_rng r = tgdp_rng_new(seed);
    tgdp_rng_permutation(&r, perm, (size_t)nr);
    int64_t m = (int64_t)(frac * (double)nr + 0.5);
    if (m < 1) m = 1;
    if (m > nr - 1) m = nr - 1;
    for (int64_t j = 0; j < nr; j++) first[perm[j]] = j < m;
    for (int64_t i = 0; i < n; i++) {
        int64_t id = record ? record[i] : i, lo = 0, hi = nr - 1;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (ids[mid] < id) lo = mid + 1;
            else hi = mid;
        }
        part[i] = first[lo] ? 0 : 1;
    }
    free(ids), free(perm), free(first);
    return TGDP_OK;
}

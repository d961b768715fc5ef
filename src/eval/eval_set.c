/* Sets of windows for the evaluation: row subsets (folds, parts) and label layouts. */
#include "tgdp/ecg_eval.h"

#include <stdlib.h>
#include <string.h>

void tgdp_eval_owned_free(tgdp_eval_owned *o)
{
    if (!o) return;
    free(o->x);
    free(o->labels);
    free(o->record);
    memset(o, 0, sizeof *o);
}

int tgdp_eval_set_take(const tgdp_eval_set *s, int64_t m, const int64_t *rows, tgdp_eval_owned *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    if (!s || m < 0 || (m > 0 && !rows) || s->d < 1)
        return tgdp_fail(err, TGDP_EINVAL, "eval set: invalid row selection");
    const size_t d = (size_t)s->d, K = (size_t)s->n_labels, mm = (size_t)(m > 0 ? m : 1);
    out->x = malloc(mm * d * sizeof(float));
    if (s->labels && K) out->labels = malloc(mm * K * sizeof(int64_t));
    if (s->record) out->record = malloc(mm * sizeof(int64_t));
    if (!out->x || (s->labels && K && !out->labels) || (s->record && !out->record)) {
        tgdp_eval_owned_free(out);
        return tgdp_fail(err, TGDP_ENOMEM, "eval set: cannot allocate %lld rows of %zu values", (long long)m, d);
    }
    for (int64_t j = 0; j < m; j++) {
        int64_t i = rows[j];
        if (i < 0 || i >= s->n) {
            tgdp_eval_owned_free(out);
            return tgdp_fail(err, TGDP_EINVAL, "eval set: row %lld out of range (%lld rows)", (long long)i,
                             (long long)s->n);
        }
        memcpy(out->x + (size_t)j * d, s->x + (size_t)i * d, d * sizeof(float));
        if (out->labels) memcpy(out->labels + (size_t)j * K, s->labels + (size_t)i * K, K * sizeof(int64_t));
        if (out->record) out->record[j] = s->record[i];
    }
    out->set.n = m;
    out->set.d = s->d;
    out->set.x = out->x;
    out->set.n_labels = out->labels ? s->n_labels : 0;
    out->set.labels = out->labels;
    out->set.record = out->record;
    return TGDP_OK;
}

int tgdp_eval_set_split(const tgdp_eval_set *s, const int *part, int p, tgdp_eval_owned *in, tgdp_eval_owned *out,
                        tgdp_error *err)
{
    if (in) memset(in, 0, sizeof *in);
    if (out) memset(out, 0, sizeof *out);
    if (!s || !part || s->n < 0) return tgdp_fail(err, TGDP_EINVAL, "eval set split: invalid arguments");
    int64_t *rows = malloc((size_t)(s->n > 0 ? s->n : 1) * sizeof *rows);
    if (!rows) return tgdp_fail(err, TGDP_ENOMEM, "eval set split: out of memory");
    int rc = TGDP_OK;
    for (int side = 0; side < 2 && !rc; side++) {
        tgdp_eval_owned *dst = side == 0 ? in : out;
        if (!dst) continue;
        int64_t m = 0;
        for (int64_t i = 0; i < s->n; i++)
            if ((part[i] == p) == (side == 0)) rows[m++] = i;
        rc = tgdp_eval_set_take(s, m, rows, dst, err);
    }
    free(rows);
    if (rc) {
        tgdp_eval_owned_free(in);
        tgdp_eval_owned_free(out);
    }
    return rc;
}

int tgdp_labels_one_hot(int64_t n, const int64_t *cls, int K, int64_t *out, tgdp_error *err)
{
    if (n < 0 || K < 1 || (n > 0 && (!cls || !out))) return tgdp_fail(err, TGDP_EINVAL, "one-hot: invalid arguments");
    for (int64_t i = 0; i < n; i++) {
        if (cls[i] < 0 || cls[i] >= K)
            return tgdp_fail(err, TGDP_EINVAL, "one-hot: label %lld of row %lld is not in 0..%d", (long long)cls[i],
                             (long long)i, K - 1);
        for (int k = 0; k < K; k++) out[(size_t)i * K + k] = cls[i] == k;
    }
    return TGDP_OK;
}

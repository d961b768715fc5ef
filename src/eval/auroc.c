/* AUROC by the Mann-Whitney rank formula (average ranks for ties) and macro-AUROC over labels. */
#include "tgdp/ecg_eval.h"

#include <math.h>
#include <stdlib.h>

typedef struct scored {
    double s;
    int pos;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return (x > y) - (x < y);
}

/* score[i * ss], label[i * ls] */
static int auroc_strided(int64_t n, const float *score, size_t ss, const int64_t *label, size_t ls, double *out,
                         int *one_class, tgdp_error *err)
{
    *one_class = 0;
    if (n < 0 || (n > 0 && (!score || !label)) || !out) return tgdp_fail(err, TGDP_EINVAL, "auroc: invalid arguments");
    int64_t npos = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(score[(size_t)i * ss]))
            return tgdp_fail(err, TGDP_ENONFINITE, "auroc: score %lld is not finite", (long long)i);
        npos += label[(size_t)i * ls] != 0;
    }
    int64_t nneg = n - npos;
    if (npos == 0 || nneg == 0) {
        *one_class = 1;
        return tgdp_fail(err, TGDP_EINVAL, "auroc: needs both classes (%lld positives, %lld negatives)",
                         (long long)npos, (long long)nneg);
    }
    scored *v = malloc((size_t)n * sizeof *v);
    if (!v) return tgdp_fail(err, TGDP_ENOMEM, "auroc: cannot allocate %lld scores", (long long)n);
    for (int64_t i = 0; i < n; i++) {
        v[i].s = score[(size_t)i * ss];
        v[i].pos = label[(size_t)i * ls] != 0;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_scored);
    double rpos = 0; /* sum of the positives' 1-based ranks, ties at their average rank */
    for (int64_t a = 0; a < n;) {
        int64_t b = a + 1, p = v[a].pos;
        while (b < n && v[b].s == v[a].s) p += v[b++].pos;
        rpos += (double)p * 0.5 * (double)(a + 1 + b); /* ranks a+1..b */
        a = b;
    }
    free(v);
    *out = (rpos - 0.5 * (double)npos * (double)(npos + 1)) / ((double)npos * (double)nneg);
    return TGDP_OK;
}

int tgdp_auroc(int64_t n, const float *score, const int64_t *label, double *out, tgdp_error *err)
{
    int one;
    return auroc_strided(n, score, 1, label, 1, out, &one, err);
}

int tgdp_macro_auroc_eval(int64_t n, int K, const float *scores, const int64_t *labels, tgdp_macro_auroc *out,
                          tgdp_error *err)
{
    if (!out || K < 1 || K > TGDP_EVAL_MAX_LABELS)
        return tgdp_fail(err, TGDP_EINVAL, "macro-AUROC: %d labels (need 1..%d)", K, TGDP_EVAL_MAX_LABELS);
    out->n_labels = K;
    out->n_used = 0;
    out->value = NAN;
    double sum = 0;
    for (int k = 0; k < TGDP_EVAL_MAX_LABELS; k++) {
        out->used[k] = 0;
        out->per_label[k] = NAN;
    }
    for (int k = 0; k < K; k++) {
        double a = NAN;
        int one = 0;
        tgdp_error e;
        int rc = auroc_strided(n, scores + k, (size_t)K, labels + k, (size_t)K, &a, &one, &e);
        if (rc && one) continue; /* only one class of label k in the set: skipped */
        if (rc) {
            if (err) {
                *err = e;
                tgdp_error_prefix(err, "macro-AUROC, label %d", k);
            }
            return rc;
        }
        out->used[k] = 1;
        out->per_label[k] = a;
        out->n_used++;
        sum += a;
    }
    if (out->n_used) out->value = sum / out->n_used;
    return TGDP_OK;
}

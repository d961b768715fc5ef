/* Label files and conditioning classes: the one meaning of tgdp/labels.h. */
#include "tgdp/labels.h"

#include "tgdp/io.h"

#include <stdlib.h>
#include <string.h>

int tgdp_conditioning_labels(const int64_t *multi_hot, int64_t n, int k, int64_t *out, tgdp_error *err)
{
    if (k < 1) return tgdp_fail(err, TGDP_EINVAL, "multi-hot labels need at least one column (got %d)", k);
    for (int64_t i = 0; i < n; i++) {
        const int64_t *row = multi_hot + i * k;
        int64_t primary = k;
        for (int j = 0; j < k; j++) {
            if (row[j] != 0 && row[j] != 1)
                return tgdp_fail(err, TGDP_EINVAL, "multi-hot label [%lld, %d] is %lld, not 0 or 1", (long long)i, j,
                                 (long long)row[j]);
            if (row[j] && j > 0 && primary == k) primary = j;
        }
        if (primary == k && row[0]) primary = 0;
        out[i] = primary;
    }
    return TGDP_OK;
}

void tgdp_labels_free(tgdp_labels *l)
{
    free(l->cls);
    free(l->multi_hot);
    memset(l, 0, sizeof *l);
}

static int alloc_rows(int64_t **p, int64_t n, int64_t width, const char *path, tgdp_error *err)
{
    size_t count;
    if (!tgdp_mul_size((size_t)n, (size_t)width, &count) || count > SIZE_MAX / sizeof **p)
        return tgdp_fail(err, TGDP_ENOMEM, "%s: %lld x %lld labels are too many", path, (long long)n, (long long)width);
    *p = calloc(count ? count : 1, sizeof **p);
    return *p ? TGDP_OK : tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
}

/* [n, k] 0/1 rows: classes by tgdp_conditioning_labels, the rows kept when asked for */
static int from_multi_hot(const char *path, tgdp_array *a, int k, int want_multi_hot, tgdp_labels *out,
                          tgdp_error *err)
{
    const int64_t cols = a->shape[1];
    if (cols > TGDP_LABELS_MAX || (k > 0 && cols != k))
        return tgdp_fail(err, TGDP_EINVAL, "%s: %lld label columns (expected %d)", path, (long long)cols,
                         k > 0 ? k : TGDP_LABELS_MAX);
    out->multi = 1;
    out->k = (int)cols;
    out->n_classes = out->k + 1;
    int rc = alloc_rows(&out->cls, out->n, 1, path, err);
    if (!rc && (rc = tgdp_conditioning_labels(a->data, out->n, out->k, out->cls, err))) tgdp_error_prefix(err, "%s", path);
    if (!rc && want_multi_hot) {
        out->multi_hot = a->data; /* the file's rows, checked 0/1 above */
        a->data = NULL;
    }
    return rc;
}

/* [n] class indices: k given (c == k: no label) or 1 + the largest */
static int from_classes(const char *path, const tgdp_array *a, int k, int want_multi_hot, tgdp_labels *out,
                        tgdp_error *err)
{
    const int64_t *v = a->data;
    int64_t top = -1;
    for (int64_t i = 0; i < out->n; i++) {
        if (v[i] < 0 || v[i] > TGDP_LABELS_MAX || (k > 0 && v[i] > k))
            return tgdp_fail(err, TGDP_EINVAL, "%s: label %lld at row %lld is not in 0..%d", path, (long long)v[i],
                             (long long)i, k > 0 ? k : TGDP_LABELS_MAX);
        if (v[i] > top) top = v[i];
    }
    out->k = k > 0 ? k : (int)(top + 1);
    out->n_classes = k > 0 ? k + 1 : out->k;
    int rc = alloc_rows(&out->cls, out->n, 1, path, err);
    if (!rc) memcpy(out->cls, v, (size_t)out->n * sizeof *v);
    if (!rc && want_multi_hot && out->k > 0 && !(rc = alloc_rows(&out->multi_hot, out->n, out->k, path, err)))
        for (int64_t i = 0; i < out->n; i++)
            if (v[i] < out->k) out->multi_hot[i * out->k + v[i]] = 1;
    return rc;
}

int tgdp_labels_read(const char *path, int64_t n, int k, int want_multi_hot, tgdp_labels *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    if (k < 0 || k > TGDP_LABELS_MAX) return tgdp_fail(err, TGDP_EINVAL, "%s: expected %d label columns", path, k);
    tgdp_array a;
    int rc = tgdp_npy_read_i64(path, &a, err);
    if (rc) return rc;
    out->n = a.ndim >= 1 ? a.shape[0] : 0;
    if (a.ndim < 1 || a.ndim > 2 || out->n < 1)
        rc = tgdp_fail(err, TGDP_EINVAL, "%s: labels must be [N] integers or [N, K] multi-hot rows (got %d-D)", path,
                       a.ndim);
    else if (n >= 0 && out->n != n)
        rc = tgdp_fail(err, TGDP_EINVAL, "%s: %lld label rows for %lld samples", path, (long long)out->n, (long long)n);
    else if (a.ndim == 2 && a.shape[1] > 1)
        rc = from_multi_hot(path, &a, k, want_multi_hot, out, err);
    else
        rc = from_classes(path, &a, k, want_multi_hot, out, err);
    if (a.data) tgdp_array_free(&a);
    if (rc) tgdp_labels_free(out);
    return rc;
}

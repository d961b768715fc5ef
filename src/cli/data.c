/* Loading training data and labels from .npy files for the commands. */
#include "cli/data.h"

#include "tgdp/labels.h"
#include "tgdp/io.h"

#include <stdlib.h>
#include <string.h>

int cli_load_data(const char *path, const char *labels_path, cli_data *d, tgdp_error *err)
{
    memset(d, 0, sizeof *d);
    int rc = tgdp_npy_read_f32_finite(path, &d->x, err);
    if (rc) return rc;
    if (d->x.ndim < 1 || d->x.shape[0] < 1) {
        tgdp_tensor_free(&d->x);
        return tgdp_fail(err, TGDP_EINVAL, "%s: expected an array [N, d] with N >= 1", path);
    }
    int64_t n = d->x.shape[0], dim = 1;
    for (int i = 1; i < d->x.ndim; i++) dim *= d->x.shape[i];
    if (dim < 1 || dim > (1 << 24)) {
        tgdp_tensor_free(&d->x);
        return tgdp_fail(err, TGDP_EINVAL, "%s: sample dimension %lld is not usable", path, (long long)dim);
    }
    d->ds.n = n;
    d->ds.d = (int)dim;
    d->ds.x = d->x.data;
    if (labels_path) {
        int nc = 0;
        rc = cli_load_labels(labels_path, &d->y, &nc, err);
        if (rc) {
            tgdp_tensor_free(&d->x);
            return rc;
        }
        if (tgdp_array_numel(&d->y) != (size_t)n) {
            rc = tgdp_fail(err, TGDP_EINVAL, "%s: %zu labels for %lld samples in %s", labels_path,
                           tgdp_array_numel(&d->y), (long long)n, path);
            cli_free_data(d);
            return rc;
        }
        d->n_classes = nc;
        d->ds.y = d->y.data;
    }
    return TGDP_OK;
}

int cli_load_labels(const char *path, tgdp_array *y, int *n_classes, tgdp_error *err)
{
    tgdp_labels l;
    int rc = tgdp_labels_read(path, -1, 0, 0, &l, err); /* the one meaning: tgdp/labels.h */
    if (rc) return rc;
    int64_t shape[1] = {l.n};
    rc = tgdp_array_alloc(y, TGDP_DT_I64, 1, shape, err);
    if (!rc) memcpy(y->data, l.cls, (size_t)l.n * sizeof *l.cls);
    if (!rc && n_classes) *n_classes = l.n_classes;
    tgdp_labels_free(&l);
    return rc;
}

void cli_data_sample_shape(const cli_data *d, int *channels, int *length)
{
    if (d->x.ndim >= 3) {
        *channels = (int)d->x.shape[1];
        *length = d->ds.d / *channels;
    } else {
        *channels = 1;
        *length = d->ds.d;
    }
}

void cli_free_data(cli_data *d)
{
    tgdp_tensor_free(&d->x);
    if (d->y.data) tgdp_array_free(&d->y);
    memset(d, 0, sizeof *d);
}

/* Loading training data and labels from .npy files for the commands. */
#include "cli/data.h"

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
        rc = tgdp_npy_read_i64(labels_path, &d->y, err);
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
        const int64_t *y = d->y.data;
        for (int64_t i = 0; i < n; i++) {
            if (y[i] < 0 || y[i] > 65535) {
                rc = tgdp_fail(err, TGDP_EINVAL, "%s: label %lld at row %lld is not in 0..65535", labels_path,
                               (long long)y[i], (long long)i);
                cli_free_data(d);
                return rc;
            }
            if (y[i] + 1 > d->n_classes) d->n_classes = (int)(y[i] + 1);
        }
        d->ds.y = y;
    }
    return TGDP_OK;
}

void cli_free_data(cli_data *d)
{
    tgdp_tensor_free(&d->x);
    if (d->y.data) tgdp_array_free(&d->y);
    memset(d, 0, sizeof *d);
}

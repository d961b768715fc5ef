/* float32 tensors with explicit shapes. */
#include "tgdp/core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t tgdp_tensor_numel(const tgdp_tensor *t)
{
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= (size_t)t->shape[i];
    return n;
}

int tgdp_tensor_alloc(tgdp_tensor *t, int ndim, const int64_t *shape, tgdp_error *err)
{
    memset(t, 0, sizeof *t);
    if (ndim < 0 || ndim > TGDP_MAX_DIMS)
        return tgdp_fail(err, TGDP_EINVAL, "tensor: %d dimensions (at most %d)", ndim, TGDP_MAX_DIMS);
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return tgdp_fail(err, TGDP_EINVAL, "tensor: negative dimension %lld", (long long)shape[i]);
        if (!tgdp_mul_size(n, (size_t)shape[i], &n))
            return tgdp_fail(err, TGDP_ENOMEM, "tensor: shape overflows size_t");
        t->shape[i] = shape[i];
    }
    size_t bytes;
    if (!tgdp_mul_size(n, sizeof(float), &bytes)) return tgdp_fail(err, TGDP_ENOMEM, "tensor: shape overflows size_t");
    t->data = malloc(bytes ? bytes : 1);
    if (!t->data) return tgdp_fail(err, TGDP_ENOMEM, "tensor: cannot allocate %zu bytes", bytes);
    t->ndim = ndim;
    return TGDP_OK;
}

void tgdp_tensor_free(tgdp_tensor *t)
{
    free(t->data);
    t->data = NULL;
    t->ndim = 0;
}

int tgdp_check_finite(const float *x, size_t n, const char *what, tgdp_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return tgdp_fail(err, TGDP_ENONFINITE, "%s: non-finite value %g at element %zu", what ? what : "array",
                             (double)x[i], i);
    return TGDP_OK;
}

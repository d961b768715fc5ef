/* Model parameters: names and shapes, one contiguous value buffer and one gradient buffer. */
#include "tgdp/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tgdp_params_init(tgdp_params *p) { memset(p, 0, sizeof *p); }

int tgdp_params_add(tgdp_params *p, const char *name, int ndim, const int64_t *shape)
{
    if (p->w || ndim < 1 || ndim > 4) return -1;
    if (p->count == p->cap) {
        int cap = p->cap ? 2 * p->cap : 16;
        tgdp_param_info *ni = realloc(p->info, (size_t)cap * sizeof *ni);
        if (!ni) return -1;
        p->info = ni;
        p->cap = cap;
    }
    tgdp_param_info *pi = &p->info[p->count];
    memset(pi, 0, sizeof *pi);
    snprintf(pi->name, sizeof pi->name, "%s", name);
    pi->ndim = ndim;
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] <= 0 || !tgdp_mul_size(n, (size_t)shape[i], &n)) return -1;
        pi->shape[i] = shape[i];
    }
    /* keep each parameter 16-float aligned inside the buffer */
    pi->off = (p->n + 15) & ~(size_t)15;
    pi->n = n;
    p->n = pi->off + n;
    return p->count++;
}

int tgdp_params_alloc(tgdp_params *p, tgdp_error *err)
{
    size_t bytes = ((p->n + 15) & ~(size_t)15) * sizeof(float);
    if (bytes == 0) bytes = 64;
    p->w = aligned_alloc(64, bytes);
    p->g = aligned_alloc(64, bytes);
    if (!p->w || !p->g) {
        free(p->w);
        free(p->g);
        p->w = p->g = NULL;
        return tgdp_fail(err, TGDP_ENOMEM, "parameters: cannot allocate %zu bytes", 2 * bytes);
    }
    memset(p->w, 0, bytes);
    memset(p->g, 0, bytes);
    return TGDP_OK;
}

void tgdp_params_free(tgdp_params *p)
{
    free(p->w);
    free(p->g);
    free(p->info);
    memset(p, 0, sizeof *p);
}

void tgdp_params_zero_grad(tgdp_params *p)
{
    if (p->g) memset(p->g, 0, p->n * sizeof(float));
}

int tgdp_params_find(const tgdp_params *p, const char *name)
{
    for (int i = 0; i < p->count; i++)
        if (strcmp(p->info[i].name, name) == 0) return i;
    return -1;
}

void tgdp_params_init_uniform(tgdp_params *p, int idx, float bound, tgdp_rng *rng)
{
    const tgdp_param_info *pi = &p->info[idx];
    tgdp_rng_fill_uniform(rng, p->w + pi->off, pi->n, -bound, bound);
}

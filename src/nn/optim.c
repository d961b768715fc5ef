/* Optimisers over one contiguous parameter buffer: Adam/AdamW with bias correction,
 * global gradient-norm clipping, exponential moving average of the weights. */
#include "tgdp/nn.h"
#include "nn/fastmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tgdp_adam_init(tgdp_adam *o, size_t n, double lr, double weight_decay, tgdp_error *err)
{
    memset(o, 0, sizeof *o);
    o->lr = lr;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->eps = 1e-8;
    o->weight_decay = weight_decay;
    o->n = n;
    o->m = calloc(n ? n : 1, sizeof(float));
    o->v = calloc(n ? n : 1, sizeof(float));
    if (!o->m || !o->v) {
        tgdp_adam_free(o);
        return tgdp_fail(err, TGDP_ENOMEM, "adam: cannot allocate state for %zu parameters", n);
    }
    return TGDP_OK;
}

void tgdp_adam_free(tgdp_adam *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

void tgdp_adam_step_scaled(tgdp_adam *o, float *w, const float *g, float g_scale)
{
    o->t++;
    const double b1 = o->beta1, b2 = o->beta2;
    const double c1 = 1.0 - pow(b1, (double)o->t), c2 = 1.0 - pow(b2, (double)o->t);
    const float lr_t = (float)(o->lr / c1), inv_sqrt_c2 = (float)(1.0 / sqrt(c2));
    const float eps = (float)o->eps, decay = (float)(o->lr * o->weight_decay);
    const float fb1 = (float)b1, fb2 = (float)b2;
    float *m = o->m, *v = o->v;
    const size_t n = o->n;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] * g_scale;
        m[i] = fb1 * m[i] + (1 - fb1) * gi;
        v[i] = fb2 * v[i] + (1 - fb2) * gi * gi;
        float wi = w[i] - decay * w[i];
        w[i] = wi - lr_t * m[i] / (sqrtf(v[i]) * inv_sqrt_c2 + eps);
    }
}

void tgdp_adam_step(tgdp_adam *o, float *w, const float *g) { tgdp_adam_step_scaled(o, w, g, 1.0f); }

/* The squared norm is summed in fixed blocks (dot8 within a block, the blocks in order), so it is
 * the same for every thread count and vector width. */
double tgdp_grad_norm(const float *g, size_t n)
{
    enum { MAX_BLOCKS = 64 };
    size_t bs = (n + MAX_BLOCKS - 1) / MAX_BLOCKS;
    if (bs < 16384) bs = 16384;
    bs = (bs + 7) & ~(size_t)7;
    const int nb = (int)((n + bs - 1) / bs);
    double part[MAX_BLOCKS];
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int b = 0; b < nb; b++) {
        const size_t lo = (size_t)b * bs, len = n - lo < bs ? n - lo : bs;
        part[b] = dot8(g + lo, g + lo, (int64_t)len);
    }
    double s = 0;
    for (int b = 0; b < nb; b++) s += part[b];
    return sqrt(s);
}

float tgdp_clip_factor(double norm, double max_norm)
{
    return max_norm > 0 && norm > max_norm ? (float)(max_norm / (norm + 1e-12)) : 1.0f;
}

double tgdp_clip_grad_norm(float *g, size_t n, double max_norm)
{
    const double norm = tgdp_grad_norm(g, n);
    const float k = tgdp_clip_factor(norm, max_norm);
    if (k != 1.0f) {
#pragma omp parallel for schedule(static) if (n > 65536)
        for (size_t i = 0; i < n; i++) g[i] *= k;
    }
    return norm;
}

void tgdp_ema_update(float *ema, const float *w, size_t n, double decay)
{
    const float d = (float)decay, e = (float)(1.0 - decay);
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) ema[i] = d * ema[i] + e * w[i];
}

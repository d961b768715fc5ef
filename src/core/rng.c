/* Counter-based, splittable random streams (SplitMix64 output function).
 * Draw number i of a stream with key k is mix(k + (i + 1) * GOLDEN): independent of the
 * order in which draws are made, which is what makes parallel fills thread-count invariant. */
#include "tgdp/core.h"

#include <math.h>

#define GOLDEN 0x9E3779B97F4A7C15ULL

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t draw_at(uint64_t key, uint64_t i) { return mix64(key + (i + 1) * GOLDEN); }

static inline double u01(uint64_t x) { return (double)(x >> 11) * (1.0 / 9007199254740992.0); }

tgdp_rng tgdp_rng_new(uint64_t seed)
{
    tgdp_rng r;
    r.key = mix64(seed ^ 0x5DEECE66DULL);
    r.ctr = 0;
    return r;
}

tgdp_rng tgdp_rng_split(const tgdp_rng *parent, uint64_t id)
{
    tgdp_rng r;
    r.key = mix64(mix64(parent->key ^ 0xA0761D6478BD642FULL) + mix64(id + 0xE7037ED1A0B428DBULL));
    r.ctr = 0;
    return r;
}

uint64_t tgdp_rng_u64(tgdp_rng *r) { return draw_at(r->key, r->ctr++); }

double tgdp_rng_uniform(tgdp_rng *r) { return u01(tgdp_rng_u64(r)); }

/* Box-Muller with both uniforms from consecutive counters; (0,1] for the log. */
static inline double normal_at(uint64_t key, uint64_t i)
{
    double u1 = 1.0 - u01(draw_at(key, 2 * i));
    double u2 = u01(draw_at(key, 2 * i + 1));
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double tgdp_rng_normal(tgdp_rng *r)
{
    /* consume two counters, aligned so that a scalar draw equals the fill formula */
    uint64_t i = (r->ctr + 1) / 2;
    r->ctr = 2 * i + 2;
    return normal_at(r->key, i);
}

uint64_t tgdp_rng_below(tgdp_rng *r, uint64_t n)
{
    /* rejection sampling removes modulo bias */
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = tgdp_rng_u64(r);
    while (x >= lim);
    return x % n;
}

int tgdp_rng_categorical(tgdp_rng *r, const double *p, int k)
{
    double tot = 0;
    for (int i = 0; i < k; i++) tot += p[i] > 0 ? p[i] : 0;
    if (!(tot > 0)) return -1;
    double u = tgdp_rng_uniform(r) * tot, c = 0;
    int last = -1;
    for (int i = 0; i < k; i++) {
        if (!(p[i] > 0)) continue;
        c += p[i];
        last = i;
        if (u < c) return i;
    }
    return last;
}

void tgdp_rng_permutation(tgdp_rng *r, int64_t *perm, size_t n)
{
    for (size_t i = 0; i < n; i++) perm[i] = (int64_t)i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)tgdp_rng_below(r, i);
        int64_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

void tgdp_rng_fill_uniform(tgdp_rng *r, float *out, size_t n, float lo, float hi)
{
    const uint64_t key = r->key, c0 = r->ctr;
    const double w = (double)hi - (double)lo;
#pragma omp parallel for schedule(static) if (n > 16384)
    for (size_t i = 0; i < n; i++) out[i] = (float)(lo + w * u01(draw_at(key, c0 + i)));
    r->ctr += n;
}

void tgdp_rng_fill_normal(tgdp_rng *r, float *out, size_t n, float mean, float stddev)
{
    uint64_t i0 = (r->ctr + 1) / 2;
    const uint64_t key = r->key;
#pragma omp parallel for schedule(static) if (n > 8192)
    for (size_t i = 0; i < n; i++) out[i] = (float)(mean + stddev * normal_at(key, i0 + i));
    r->ctr = 2 * (i0 + n);
}

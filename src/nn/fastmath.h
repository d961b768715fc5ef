/* Vectorisable float exp for the element-wise hot loops (SiLU forward/backward).
 * libm's expf is a call per element; this inline version has no calls or branches, so the
 * loops vectorise without fast-math. exp(x) = 2^k exp(r), x = k ln2 + r, |r| <= ln2/2, with a
 * degree-6 Taylor polynomial (relative error < 2e-7, i.e. about 1 ulp); x is clamped to
 * [-87, 88] (results below 1.6e-38 become 1.6e-38: harmless for the sigmoid). NaN propagates. */
#ifndef TGDP_NN_FASTMATH_H
#define TGDP_NN_FASTMATH_H
#include <stdint.h>
#include <string.h>

static inline float tg_expf(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float kf = (x * 1.44269504088896341f + shifter) - shifter;
    float r = x - kf * 0.693359375f;      /* ln2 split in two for an exact first product */
    r = r - kf * -2.12194440e-4f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t k = (int32_t)(kf == kf ? kf : 0.0f); /* NaN: keep the cast defined; p carries the NaN */
    uint32_t bits = (uint32_t)(k + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float tg_sigmoidf(float x) { return 1.0f / (1.0f + tg_expf(-x)); }

/* Sums in double over 8 fixed lanes, combined in a fixed order: the loops vectorise (no
 * reassociation is needed) and give the same result at every vector width and thread count. */
static inline double sum8(const float *v, int64_t n)
{
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += v[i + l];
    for (; i < n; i++) acc[i & 7] += v[i];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

static inline double dot8(const float *u, const float *v, int64_t n)
{
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += (double)u[i + l] * v[i + l];
    for (; i < n; i++) acc[i & 7] += (double)u[i] * v[i];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}
/* sum of (v[i] - mu)^2 in double over 8 fixed lanes */
static inline double sqdev8(const float *v, double mu, int64_t n)
{
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += ((double)v[i + l] - mu) * ((double)v[i + l] - mu);
    for (; i < n; i++) acc[i & 7] += ((double)v[i] - mu) * ((double)v[i] - mu);
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}
#endif

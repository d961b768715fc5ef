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

/* float to bfloat16, round to nearest even on the upper 16 bits; a NaN keeps a set mantissa bit
 * (stays NaN). The one rounding of every bf16 copy (products' inputs, layout copies). */
static inline uint16_t tg_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    const uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    return (uint16_t)((u & 0x7fffffffu) > 0x7f800000u ? (u >> 16) | 0x40u : r);
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
/* Two of the sums above at once, each exactly as the single-row function computes it (the same
 * additions in the same order per lane, the same final combination): two independent chains of
 * additions keep the adder busy where one chain waits on its latency. */
#if defined(__AVX512F__) && defined(__AVX512VL__)
#include <immintrin.h>
static inline double fm_combine8(__m512d a)
{
    double x[8];
    _mm512_storeu_pd(x, a);
    return ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]));
}
static inline __m512d fm_load8(const float *v, int64_t i, int64_t n) /* v[i..i+8) as doubles; 0 past n */
{
    if (i + 8 <= n) return _mm512_cvtps_pd(_mm256_loadu_ps(v + i));
    return _mm512_cvtps_pd(_mm256_maskz_loadu_ps((__mmask8)((1u << (n - i)) - 1u), v + i));
}
/* the low and the high 8 of 16 floats, as doubles */
static inline __m512d fm_lo8(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
static inline __m512d fm_hi8(__m512 v)
{
    return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}
static inline __mmask8 fm_mask8(int64_t i, int64_t n)
{
    return i + 8 <= n ? (__mmask8)0xff : (__mmask8)((1u << (n - i)) - 1u);
}
/* The three below take 16 floats at a time without masks and add the low 8, then the high 8,
 * into the lanes (every lane sums the same elements in the same order as 8 at a time), then at
 * most two masked groups of 8. */
/* sum8(a), sum8(b) */
static inline void sum8_2(const float *a, const float *b, int64_t n, double *sa, double *sb)
{
    __m512d x = _mm512_setzero_pd(), y = _mm512_setzero_pd();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 av = _mm512_loadu_ps(a + i), bv = _mm512_loadu_ps(b + i);
        x = _mm512_add_pd(x, fm_lo8(av));
        y = _mm512_add_pd(y, fm_lo8(bv));
        x = _mm512_add_pd(x, fm_hi8(av));
        y = _mm512_add_pd(y, fm_hi8(bv));
    }
    for (; i < n; i += 8) {
        const __mmask8 m = fm_mask8(i, n);
        x = _mm512_mask_add_pd(x, m, x, fm_load8(a, i, n));
        y = _mm512_mask_add_pd(y, m, y, fm_load8(b, i, n));
    }
    *sa = fm_combine8(x), *sb = fm_combine8(y);
}
/* sqdev8(a, ma), sqdev8(b, mb) */
static inline void sqdev8_2(const float *a, double ma, const float *b, double mb, int64_t n, double *sa, double *sb)
{
    __m512d x = _mm512_setzero_pd(), y = _mm512_setzero_pd();
    const __m512d mx = _mm512_set1_pd(ma), my = _mm512_set1_pd(mb);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 av = _mm512_loadu_ps(a + i), bv = _mm512_loadu_ps(b + i);
        const __m512d a0 = _mm512_sub_pd(fm_lo8(av), mx), b0 = _mm512_sub_pd(fm_lo8(bv), my);
        const __m512d a1 = _mm512_sub_pd(fm_hi8(av), mx), b1 = _mm512_sub_pd(fm_hi8(bv), my);
        x = _mm512_add_pd(x, _mm512_mul_pd(a0, a0));
        y = _mm512_add_pd(y, _mm512_mul_pd(b0, b0));
        x = _mm512_add_pd(x, _mm512_mul_pd(a1, a1));
        y = _mm512_add_pd(y, _mm512_mul_pd(b1, b1));
    }
    for (; i < n; i += 8) {
        const __mmask8 m = fm_mask8(i, n);
        const __m512d da = _mm512_sub_pd(fm_load8(a, i, n), mx), db = _mm512_sub_pd(fm_load8(b, i, n), my);
        x = _mm512_mask_add_pd(x, m, x, _mm512_mul_pd(da, da));
        y = _mm512_mask_add_pd(y, m, y, _mm512_mul_pd(db, db));
    }
    *sa = fm_combine8(x), *sb = fm_combine8(y);
}
/* sum8(u), dot8(u, v) */
static inline void sumdot8(const float *u, const float *v, int64_t n, double *s, double *d)
{
    __m512d x = _mm512_setzero_pd(), y = _mm512_setzero_pd();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 uv = _mm512_loadu_ps(u + i), vv = _mm512_loadu_ps(v + i);
        const __m512d a0 = fm_lo8(uv), a1 = fm_hi8(uv);
        x = _mm512_add_pd(x, a0);
        y = _mm512_add_pd(y, _mm512_mul_pd(a0, fm_lo8(vv)));
        x = _mm512_add_pd(x, a1);
        y = _mm512_add_pd(y, _mm512_mul_pd(a1, fm_hi8(vv)));
    }
    for (; i < n; i += 8) {
        const __mmask8 m = fm_mask8(i, n);
        const __m512d a = fm_load8(u, i, n);
        x = _mm512_mask_add_pd(x, m, x, a);
        y = _mm512_mask_add_pd(y, m, y, _mm512_mul_pd(a, fm_load8(v, i, n)));
    }
    *s = fm_combine8(x), *d = fm_combine8(y);
}
/* tg_expf of 16 floats, bit for bit (the same float operations in the same order, unfused) */
static inline __m512 tg_expf16(__m512 x)
{
    x = _mm512_max_ps(_mm512_set1_ps(-87.0f), x); /* max/min return their second operand for NaN: x */
    x = _mm512_min_ps(_mm512_set1_ps(88.0f), x);
    const __m512 shifter = _mm512_set1_ps(12582912.0f);
    const __m512 kf = _mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), shifter),
                                    shifter);
    __m512 r = _mm512_sub_ps(x, _mm512_mul_ps(kf, _mm512_set1_ps(0.693359375f)));
    r = _mm512_sub_ps(r, _mm512_mul_ps(kf, _mm512_set1_ps(-2.12194440e-4f)));
    __m512 p = _mm512_set1_ps(1.0f / 720.0f);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(0.5f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f));
    const __m512i k = _mm512_maskz_cvttps_epi32(_mm512_cmp_ps_mask(kf, kf, _CMP_ORD_Q), kf); /* NaN: 0 */
    const __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k, _mm512_set1_epi32(127)), 23));
    return _mm512_mul_ps(p, scale);
}
/* tg_sigmoidf of 16 floats, bit for bit */
static inline __m512 tg_sigmoidf16(__m512 x)
{
    const __m512 neg = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN)));
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, tg_expf16(neg)));
}
#else
static inline void sum8_2(const float *a, const float *b, int64_t n, double *sa, double *sb)
{
    *sa = sum8(a, n), *sb = sum8(b, n);
}
static inline void sqdev8_2(const float *a, double ma, const float *b, double mb, int64_t n, double *sa, double *sb)
{
    *sa = sqdev8(a, ma, n), *sb = sqdev8(b, mb, n);
}
static inline void sumdot8(const float *u, const float *v, int64_t n, double *s, double *d)
{
    *s = sum8(u, n), *d = dot8(u, v, n);
}
#endif

/* group norm's z = ((x - mu) rs) g + b of one value: the one formula (and operation order) that
 * every group-norm kernel uses, scalar and vector */
static inline float gn_zf(float x, float mu, float rs, float g, float b) { return ((x - mu) * rs) * g + b; }
#if defined(__AVX512F__) && defined(__AVX512VL__)
static inline __m512 gn_z16(__m512 x, float mu, float rs, float g, float b)
{
    const __m512 t = _mm512_mul_ps(_mm512_sub_ps(x, _mm512_set1_ps(mu)), _mm512_set1_ps(rs));
    return _mm512_add_ps(_mm512_mul_ps(t, _mm512_set1_ps(g)), _mm512_set1_ps(b));
}
#endif

/* Group norm, one channel of L values from its row's mean mu and 1/std rs: z = ((x - mu) rs) g + b;
 * with s (not NULL) s = sigmoid(z) and y = z s (SiLU), else y = z. Masked 16-wide vectors where
 * built with AVX-512 (no scalar tail per channel), the same values as the scalar loop. */
static inline void gn_channel(const float *x, float mu, float rs, float g, float b, int64_t L, float *y, float *s)
{
#if defined(__AVX512F__) && defined(__AVX512VL__)
    for (int64_t i = 0; i < L; i += 16) {
        const __mmask16 m = i + 16 <= L ? (__mmask16)0xffff : (__mmask16)((1u << (L - i)) - 1u);
        __m512 z = gn_z16(_mm512_maskz_loadu_ps(m, x + i), mu, rs, g, b);
        if (s) {
            const __m512 sg = tg_sigmoidf16(z);
            _mm512_mask_storeu_ps(s + i, m, sg);
            z = _mm512_mul_ps(z, sg);
        }
        _mm512_mask_storeu_ps(y + i, m, z);
    }
#else
    for (int64_t i = 0; i < L; i++) {
        const float z = gn_zf(x[i], mu, rs, g, b);
        if (s) {
            s[i] = tg_sigmoidf(z);
            y[i] = z * s[i];
        } else {
            y[i] = z;
        }
    }
#endif
}

#if defined(__AVX512F__) && defined(__AVX512VL__)
/* gn_silu_grad_sums on 16 elements (m: which of them; all 16 in the main loop, where the constant
 * mask makes every load, store and addition an unmasked one): gz, and the elements added into the
 * sums' 8 lanes, the low 8 and then the high 8 */
static inline void gn_silu_grad16(const float *x, const float *s, const float *gy, float mu, float rs, float g,
                                  float b, __mmask16 m, float *gz, __m512d *as, __m512d *ad)
{
    const int full = m == (__mmask16)0xffff;
    const __m512 xv = full ? _mm512_loadu_ps(x) : _mm512_maskz_loadu_ps(m, x);
    const __m512 sv = full ? _mm512_loadu_ps(s) : _mm512_maskz_loadu_ps(m, s);
    const __m512 gv = full ? _mm512_loadu_ps(gy) : _mm512_maskz_loadu_ps(m, gy);
    const __m512 z = gn_z16(xv, mu, rs, g, b), one = _mm512_set1_ps(1.0f);
    const __m512 t = _mm512_mul_ps(gv, _mm512_mul_ps(sv, _mm512_add_ps(one, _mm512_mul_ps(z, _mm512_sub_ps(one, sv)))));
    if (full) _mm512_storeu_ps(gz, t);
    else _mm512_mask_storeu_ps(gz, m, t);
    const __m512d t0 = fm_lo8(t), t1 = fm_hi8(t), p0 = _mm512_mul_pd(t0, fm_lo8(xv)), p1 = _mm512_mul_pd(t1, fm_hi8(xv));
    const __mmask8 m0 = (__mmask8)m, m1 = (__mmask8)(m >> 8);
    *as = full ? _mm512_add_pd(*as, t0) : _mm512_mask_add_pd(*as, m0, *as, t0);
    *ad = full ? _mm512_add_pd(*ad, p0) : _mm512_mask_add_pd(*ad, m0, *ad, p0);
    *as = full ? _mm512_add_pd(*as, t1) : _mm512_mask_add_pd(*as, m1, *as, t1);
    *ad = full ? _mm512_add_pd(*ad, p1) : _mm512_mask_add_pd(*ad, m1, *ad, p1);
}
#endif

/* Group norm's backward, first order with SiLU, one channel of L values: gz = gy silu'(z) with z
 * as in gn_channel and s = sigmoid(z) from the forward, silu'(z) = s (1 + z (1 - s)); and in the
 * same pass sumdot8(gz, x) (*sum, *dot): the same values as computing gz and then calling sumdot8,
 * without reading gz back. */
static inline void gn_silu_grad_sums(const float *x, const float *s, const float *gy, float mu, float rs, float g,
                                     float b, int64_t L, float *gz, double *sum, double *dot)
{
#if defined(__AVX512F__) && defined(__AVX512VL__)
    /* 16 at a time, each half added into the lanes in turn (elements i..i+7, then i+8..i+15): every
     * lane sums the same elements in the same order as 8 at a time; the last partial 16 masked */
    __m512d as = _mm512_setzero_pd(), ad = _mm512_setzero_pd();
    int64_t i = 0;
    for (; i + 16 <= L; i += 16) gn_silu_grad16(x + i, s + i, gy + i, mu, rs, g, b, (__mmask16)0xffff, gz + i, &as, &ad);
    if (i < L)
        gn_silu_grad16(x + i, s + i, gy + i, mu, rs, g, b, (__mmask16)((1u << (L - i)) - 1u), gz + i, &as, &ad);
    *sum = fm_combine8(as), *dot = fm_combine8(ad);
#else
    for (int64_t i = 0; i < L; i++) {
        const float z = gn_zf(x[i], mu, rs, g, b);
        gz[i] = gy[i] * (s[i] * (1.0f + z * (1.0f - s[i])));
    }
    sumdot8(gz, x, L, sum, dot);
#endif
}
#endif

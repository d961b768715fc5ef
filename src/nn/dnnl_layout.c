/* The layout copies around the oneDNN convolutions: the graph's [B, C, L] tensors (ncw) to and
 * from channels-last (nwc), and the rows of the weight gradient's product. Blocked in 16 x 16
 * tiles so that both sides stream through the cache; one sample per thread. (oneDNN's own
 * reorder took up to 20 times as long for nwc -> ncw at these shapes.) */
#include "nn/dnnl_cache.h"
#include "nn/fastmath.h"

#include <string.h>
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#include <immintrin.h>
#endif

enum { T = 16 };

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

void dn_to_bf16(const float *src, int64_t rows, int64_t cols, int64_t ld, uint16_t *dst)
{
#pragma omp parallel for schedule(static) if (rows * cols > 65536)
    for (int64_t r = 0; r < rows; r++) {
        const float *s = src + r * ld;
        uint16_t *d = dst + r * cols;
        for (int64_t c = 0; c < cols; c++) d[c] = tg_bf16(s[c]);
    }
}

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
/* r[i] holds row i of a 16 x 16 block; on return r[i] holds column i */
static inline void tr16(__m512 r[16])
{
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
        const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; i++) {
            t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xdd);
        }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

/* tg_bf16 on 16 values */
static inline __m256i to_bf16x16(__m512 v)
{
    const __m512i u = _mm512_castps_si512(v), one = _mm512_set1_epi32(1);
    const __m512i r = _mm512_srli_epi32(
        _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), _mm512_and_si512(_mm512_srli_epi32(u, 16), one)),
        16);
    const __m512i a = _mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff));
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(a, _mm512_set1_epi32(0x7f800000));
    const __m512i q = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40));
    return _mm512_cvtepi32_epi16(_mm512_mask_blend_epi32(nan, r, q));
}

/* one tile of cn x ln (at most 16 x 16; full tiles are the common case): rows c0.. of s (stride
 * L) from l0, to rows l0.. of d (stride C) from c0. Partial tiles load and store under masks. */
static inline void tile_to_nwc(const float *s, int64_t L, int64_t C, int bf16, void *d, int cn, int ln)
{
    __m512 r[16];
    if (cn == 16 && ln == 16) {
        for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(s + i * L);
        tr16(r);
        for (int i = 0; i < 16; i++) {
            if (bf16) _mm256_storeu_si256((__m256i *)((uint16_t *)d + i * C), to_bf16x16(r[i]));
            else _mm512_storeu_ps((float *)d + i * C, r[i]);
        }
        return;
    }
    const __mmask16 ml = (__mmask16)((1u << ln) - 1u), mc = (__mmask16)((1u << cn) - 1u);
    for (int i = 0; i < 16; i++) r[i] = i < cn ? _mm512_maskz_loadu_ps(ml, s + i * L) : _mm512_setzero_ps();
    tr16(r);
    for (int i = 0; i < ln; i++) {
        if (bf16) _mm256_mask_storeu_epi16((uint16_t *)d + i * C, mc, to_bf16x16(r[i]));
        else _mm512_mask_storeu_ps((float *)d + i * C, mc, r[i]);
    }
}

/* one tile back: rows l0.. of s (stride C) from c0, into rows c0.. of d (stride L) from l0; e
 * (NULL: none) added to it (d = s + e, or d += s + e): a value per row of d, or (full) rows laid out
 * as d's */
static inline void tile_from_nwc(const float *s, int64_t C, int64_t L, int add, const float *e, int full, float *d,
                                 int cn, int ln)
{
    __m512 r[16];
    if (cn == 16 && ln == 16) {
        for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(s + i * C);
        tr16(r);
        for (int i = 0; i < 16; i++) {
            if (e) r[i] = _mm512_add_ps(r[i], full ? _mm512_loadu_ps(e + i * L) : _mm512_set1_ps(e[i]));
            _mm512_storeu_ps(d + i * L, add ? _mm512_add_ps(_mm512_loadu_ps(d + i * L), r[i]) : r[i]);
        }
        return;
    }
    const __mmask16 ml = (__mmask16)((1u << ln) - 1u), mc = (__mmask16)((1u << cn) - 1u);
    for (int i = 0; i < 16; i++) r[i] = i < ln ? _mm512_maskz_loadu_ps(mc, s + i * C) : _mm512_setzero_ps();
    tr16(r);
    for (int i = 0; i < cn; i++) {
        if (e) r[i] = _mm512_add_ps(r[i], full ? _mm512_maskz_loadu_ps(ml, e + i * L) : _mm512_set1_ps(e[i]));
        _mm512_mask_storeu_ps(d + i * L, ml,
                              add ? _mm512_add_ps(_mm512_maskz_loadu_ps(ml, d + i * L), r[i]) : r[i]);
    }
}
#define TILES 1
#else
#define TILES 0
#endif

void dn_to_nwc(const float *x, int64_t B, int64_t C, int64_t L, int bf16, void *out)
{
#pragma omp parallel for schedule(static) if (B * C * L > 32768)
    for (int64_t b = 0; b < B; b++) {
        const float *s = x + b * C * L;
        float *df = bf16 ? NULL : (float *)out + b * L * C;
        uint16_t *dh = bf16 ? (uint16_t *)out + b * L * C : NULL;
        for (int64_t l0 = 0; l0 < L; l0 += T) /* a band of positions at a time: the rows written fill up */
            for (int64_t c0 = 0; c0 < C; c0 += T) {
                const int64_t cm = min64(c0 + T, C), lm = min64(l0 + T, L);
#if TILES
                tile_to_nwc(s + c0 * L + l0, L, C, bf16, bf16 ? (void *)(dh + l0 * C + c0) : (void *)(df + l0 * C + c0),
                            (int)(cm - c0), (int)(lm - l0));
                continue;
#endif
                for (int64_t l = l0; l < lm; l++) {
                    if (bf16)
                        for (int64_t c = c0; c < cm; c++) dh[l * C + c] = tg_bf16(s[c * L + l]);
                    else
                        for (int64_t c = c0; c < cm; c++) df[l * C + c] = s[c * L + l];
                }
            }
    }
}

/* the group norm (+ SiLU) of x, written channels-last: rows c of a tile normalised (the same
 * operations as gn_channel, fastmath.h), then transposed as tile_to_nwc; sig (NULL: no SiLU)
 * receives sigmoid(z) in x's layout */
typedef struct norm_args {
    const float *st, *ga, *be; /* the rows' (mean, 1/std) pairs; gamma, beta */
    int64_t CG, G;
} norm_args;

static inline float norm_one(float x, float mu, float rs, float g, float b, float *s)
{
    const float z = gn_zf(x, mu, rs, g, b);
    if (!s) return z;
    *s = tg_sigmoidf(z);
    return z * *s;
}

#if TILES
static inline void tile_norm_to_nwc(const float *s, int64_t L, int64_t C, int bf16, void *d, int cn, int ln,
                                    const norm_args *a, int64_t b, int64_t c0, float *sig)
{
    __m512 r[16];
    const __mmask16 ml = (__mmask16)((1u << ln) - 1u), mc = (__mmask16)((1u << cn) - 1u);
    for (int i = 0; i < 16; i++) {
        if (i >= cn) {
            r[i] = _mm512_setzero_ps();
            continue;
        }
        const int64_t c = c0 + i, row = b * a->G + c / a->CG;
        __m512 z = gn_z16(_mm512_maskz_loadu_ps(ml, s + i * L), a->st[2 * row], a->st[2 * row + 1], a->ga[c], a->be[c]);
        if (sig) {
            const __m512 sg = tg_sigmoidf16(z);
            _mm512_mask_storeu_ps(sig + i * L, ml, sg);
            z = _mm512_mul_ps(z, sg);
        }
        r[i] = z;
    }
    tr16(r);
    for (int i = 0; i < ln; i++) {
        if (bf16) _mm256_mask_storeu_epi16((uint16_t *)d + i * C, mc, to_bf16x16(r[i]));
        else _mm512_mask_storeu_ps((float *)d + i * C, mc, r[i]);
    }
}
#endif

void dn_norm_to_nwc(const float *x, int64_t B, int64_t C, int64_t L, int64_t G, const float *st, const float *ga,
                    const float *be, float *sig, int bf16, void *out)
{
    const norm_args a = {st, ga, be, C / G, G};
#pragma omp parallel for schedule(static) if (B * C * L > 32768)
    for (int64_t b = 0; b < B; b++) {
        const float *s = x + b * C * L;
        float *sb = sig ? sig + b * C * L : NULL;
        float *df = bf16 ? NULL : (float *)out + b * L * C;
        uint16_t *dh = bf16 ? (uint16_t *)out + b * L * C : NULL;
        for (int64_t l0 = 0; l0 < L; l0 += T)
            for (int64_t c0 = 0; c0 < C; c0 += T) {
                const int64_t cm = min64(c0 + T, C), lm = min64(l0 + T, L);
#if TILES
                tile_norm_to_nwc(s + c0 * L + l0, L, C, bf16,
                                 bf16 ? (void *)(dh + l0 * C + c0) : (void *)(df + l0 * C + c0), (int)(cm - c0),
                                 (int)(lm - l0), &a, b, c0, sb ? sb + c0 * L + l0 : NULL);
                continue;
#endif
                for (int64_t c = c0; c < cm; c++) {
                    const int64_t row = b * G + c / a.CG;
                    for (int64_t l = l0; l < lm; l++) {
                        const float y = norm_one(s[c * L + l], st[2 * row], st[2 * row + 1], ga[c], be[c],
                                                 sb ? sb + c * L + l : NULL);
                        if (bf16) dh[l * C + c] = tg_bf16(y);
                        else df[l * C + c] = y;
                    }
                }
            }
    }
}

int nn_dnnl_norm_to_nwc(tgdp_precision prec, const float *x, int64_t B, int64_t C, int64_t L, int64_t G,
                        const float *st, const float *ga, const float *be, float *sig, void *xs)
{
    dn_norm_to_nwc(x, B, C, L, G, st, ga, be, sig, prec == TGDP_BF16, xs);
    return 0;
}

void dn_from_nwc(const float *in, int64_t B, int64_t C, int64_t L, int add, const float *e, int full, float *out)
{
#pragma omp parallel for schedule(static) if (B * C * L > 32768)
    for (int64_t b = 0; b < B; b++) {
        const float *s = in + b * L * C, *eb = e ? e + b * C * (full ? L : 1) : NULL;
        float *d = out + b * C * L;
        for (int64_t c0 = 0; c0 < C; c0 += T) /* a band of channels at a time: 16 rows written in order */
            for (int64_t l0 = 0; l0 < L; l0 += T) {
                const int64_t cm = min64(c0 + T, C), lm = min64(l0 + T, L);
#if TILES
                tile_from_nwc(s + l0 * C + c0, C, L, add, eb ? eb + (full ? c0 * L + l0 : c0) : NULL, full,
                              d + c0 * L + l0, (int)(cm - c0), (int)(lm - l0));
                continue;
#endif
                for (int64_t c = c0; c < cm; c++)
                    for (int64_t l = l0; l < lm; l++) {
                        const float v = eb ? s[l * C + c] + (full ? eb[c * L + l] : eb[c]) : s[l * C + c];
                        d[c * L + l] = add ? d[c * L + l] + v : v;
                    }
            }
    }
}

void dn_conv_rows(const void *xs, const tgdp_conv_shape *s, size_t es, void *rows)
{
    const int64_t Cin = s->Cin, L = s->L, Lo = s->Lo, K = s->K;
    const size_t row = (size_t)Cin * es;
#pragma omp parallel for schedule(static) if (s->B * Lo * K * Cin > 32768)
    for (int64_t b = 0; b < s->B; b++) {
        const unsigned char *src = (const unsigned char *)xs + (size_t)(b * L) * row;
        unsigned char *d = (unsigned char *)rows + (size_t)(b * Lo * K) * row;
        for (int64_t l = 0; l < Lo; l++, d += K * row) {
            const int64_t p0 = l * s->stride - s->padding, pn = p0 + (K - 1) * s->dilation;
            if (s->dilation == 1 && p0 >= 0 && pn < L) { /* the K positions are one contiguous run */
                memcpy(d, src + (size_t)p0 * row, (size_t)K * row);
                continue;
            }
            for (int64_t k = 0; k < K; k++) {
                const int64_t p = p0 + k * s->dilation;
                if (p >= 0 && p < L) memcpy(d + k * row, src + (size_t)p * row, row);
                else memset(d + k * row, 0, row);
            }
        }
    }
}

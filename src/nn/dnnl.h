/* The oneDNN backend (TGDP_GEMM_ONEDNN, see tgdp/nn.h): matrix products and 1-D convolutions
 * through oneDNN primitives. Each thread keeps its own primitives, made the first time a shape is
 * seen and reused afterwards, so the hot loop creates none; inside a parallel region (the
 * chunked training steps) a primitive runs on its caller's thread only, outside one it uses all
 * threads. Every function returns 0 when it did the work, non-zero when oneDNN could not (no
 * implementation for the shape, out of memory): the caller then computes the same result with
 * OpenBLAS in float32. Without oneDNN at build time these are stubs that always decline. */
#ifndef TGDP_NN_DNNL_H
#define TGDP_NN_DNNL_H
#include "tgdp/nn.h"

#ifdef TGDP_HAVE_DNNL
static inline int nn_dnnl_built(void) { return 1; }
/* C = alpha op(A) op(B) + beta C (+ bias[j] on every row when bias), row-major as cblas_sgemm; in
 * bf16, A16 and B16 are A's and B's bf16 copies (dense: the leading dimension is the stored
 * matrix's row length) when the caller has them, else NULL (rounded here) */
int nn_dnnl_gemm(tgdp_precision prec, int ta, int tb, int M, int N, int K, float alpha, const float *A,
                 const uint16_t *A16, int lda, const float *B, const uint16_t *B16, int ldb, float beta, float *C,
                 int ldc, const float *bias);
/* dst[i] = bf16(src[i]) for n values (rounded to nearest even) */
void nn_dnnl_to_bf16(const float *src, size_t n, uint16_t *dst);
/* y = conv(x, W) + b (+ e[n, c] at every position of sample n, or with e_full e[n, c, l]; b and e
 * may be NULL); xs (NULL: scratch) receives x channels-last in the precision's type (B L Cin values:
 * uint16_t in bf16, else float), for the backward; x = NULL: xs holds it already */
int nn_dnnl_conv_fwd(tgdp_precision prec, const tgdp_conv_shape *s, const float *x, void *xs, const float *W,
                     const float *b, const float *e, int e_full, float *y);
/* given gy, the gradient of y: gx += its input gradient (gx_assign: gx = it; gx need not hold
 * anything), gW += its weight gradient (with src as the input; srcs: src channels-last as the
 * forward kept it, or NULL); each may be NULL (the bias's gradient is the caller's). -1: declined
 * before writing anything; -2: failed after gx was written */
int nn_dnnl_conv_bwd(tgdp_precision prec, const tgdp_conv_shape *s, const float *gy, const float *W, const float *src,
                     const void *srcs, float *gx, int gx_assign, float *gW);
/* group norm (+ SiLU: sig not NULL, receives sigmoid(z)) of x [B, C, L] from the rows' (mean,
 * 1/std) pairs st, written channels-last in the precision's type into xs: the input copy that
 * nn_dnnl_conv_fwd takes with x = NULL */
int nn_dnnl_norm_to_nwc(tgdp_precision prec, const float *x, int64_t B, int64_t C, int64_t L, int64_t G,
                        const float *st, const float *ga, const float *be, float *sig, void *xs);
/* Runs the primitive of one recorded call (tgdp_gemm_call) on the thread's scratch buffers, without
 * the conversions around it: the primitive's own rate. */
int nn_dnnl_replay(const tgdp_gemm_call *c);
/* the instruction set oneDNN dispatches to, e.g. "avx512_core_amx" */
const char *nn_dnnl_isa(void);
#else
static inline int nn_dnnl_built(void) { return 0; }
static inline int nn_dnnl_gemm(tgdp_precision prec, int ta, int tb, int M, int N, int K, float alpha, const float *A,
                               const uint16_t *A16, int lda, const float *B, const uint16_t *B16, int ldb, float beta,
                               float *C, int ldc, const float *bias)
{
    (void)prec, (void)ta, (void)tb, (void)M, (void)N, (void)K, (void)alpha, (void)A, (void)A16, (void)lda, (void)B;
    (void)B16, (void)ldb, (void)beta, (void)C, (void)ldc, (void)bias;
    return -1;
}
static inline void nn_dnnl_to_bf16(const float *src, size_t n, uint16_t *dst) { (void)src, (void)n, (void)dst; }
static inline int nn_dnnl_conv_fwd(tgdp_precision prec, const tgdp_conv_shape *s, const float *x, void *xs,
                                   const float *W, const float *b, const float *e, int e_full, float *y)
{
    (void)prec, (void)s, (void)x, (void)xs, (void)W, (void)b, (void)e, (void)e_full, (void)y;
    return -1;
}
static inline int nn_dnnl_conv_bwd(tgdp_precision prec, const tgdp_conv_shape *s, const float *gy, const float *W,
                                   const float *src, const void *srcs, float *gx, int gx_assign, float *gW)
{
    (void)prec, (void)s, (void)gy, (void)W, (void)src, (void)srcs, (void)gx, (void)gx_assign, (void)gW;
    return -1;
}
static inline int nn_dnnl_norm_to_nwc(tgdp_precision prec, const float *x, int64_t B, int64_t C, int64_t L,
                                      int64_t G, const float *st, const float *ga, const float *be, float *sig, void *xs)
{
    (void)prec, (void)x, (void)B, (void)C, (void)L, (void)G, (void)st, (void)ga, (void)be, (void)sig, (void)xs;
    return -1;
}
static inline int nn_dnnl_replay(const tgdp_gemm_call *c)
{
    (void)c;
    return -1;
}
static inline const char *nn_dnnl_isa(void) { return "none"; }
#endif
#endif

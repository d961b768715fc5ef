/* Inside the oneDNN backend (dnnl_gemm.c, dnnl_conv.c): the engine, each thread's stream, its
 * cache of primitives keyed by shape, its scratch buffers, and bf16 rounding. */
#ifndef TGDP_NN_DNNL_CACHE_H
#define TGDP_NN_DNNL_CACHE_H
#include "nn/dnnl.h"

#include <oneapi/dnnl/dnnl.h>

enum { DN_MAX_ARGS = 6, DN_KEY = 16 };

/* a primitive with a memory object per argument (data handles set at each execution) */
typedef struct dn_prim {
    dnnl_primitive_t p;        /* NULL: oneDNN had none for this key (not retried) */
    int n_args;
    int arg[DN_MAX_ARGS];      /* DNNL_ARG_* */
    dnnl_memory_t mem[DN_MAX_ARGS];
    size_t bytes[DN_MAX_ARGS]; /* size of each argument in the primitive's layout */
} dn_prim;

/* Fills p (primitive and arguments) for the caller's key; returns dnnl_success or an error. */
typedef dnnl_status_t (*dn_make_fn)(dn_prim *p, dnnl_engine_t eng, const void *ctx);

dnnl_engine_t dn_engine(void);
/* The calling thread's primitive for key[0 .. n-1] (n <= DN_KEY - 1), made by make on first use;
 * NULL when it cannot be made. Keys also tell apart calls inside and outside a parallel region. */
dn_prim *dn_get(const int *key, int n, dn_make_fn make, const void *ctx);
/* the primitive's arguments from a pd: one memory object per argument, as the pd lays it out */
dnnl_status_t dn_prim_from_pd(dn_prim *p, dnnl_primitive_desc_t pd, const int *args, int n_args);
/* runs p with handles[i] as the data of argument i; 0 on success */
int dn_exec(dn_prim *p, void *const *handles);
/* the calling thread's scratch buffer number slot (0 .. 7), at least bytes long, 64-byte aligned */
void *dn_scratch(int slot, size_t bytes);
/* the same, with bytes newly allocated filled with small finite numbers (replays of recorded calls) */
void *dn_scratch_filled(int slot, size_t bytes);
/* nn_dnnl_replay of a convolution */
int nn_dnnl_conv_replay(const tgdp_gemm_call *c);
/* a plain 2-D or 3-D memory descriptor with the given strides */
dnnl_status_t dn_md(dnnl_memory_desc_t *md, int nd, const int64_t *dims, dnnl_data_type_t dt, const int64_t *strides);
/* a primitive attribute: the scratchpad in the library's care, alpha as output scale (when not 1)
 * and beta * dst added (sum post-op, when not 0) */
dnnl_status_t dn_attr(dnnl_primitive_attr_t *attr, float alpha, float beta);
/* C = op(A) op(B) + beta C with A and B already in precision prec (bf16 as uint16_t) */
int dn_matmul(tgdp_precision prec, int ta, int tb, int M, int N, int K, const void *A, int lda, const void *B, int ldb,
              float beta, float *C, int ldc);

/* dnnl_layout.c: bf16 rounding (to nearest even; NaN stays NaN) and the convolutions' layouts */
/* dst[r * cols + c] = bf16(src[r * ld + c]) */
void dn_to_bf16(const float *src, int64_t rows, int64_t cols, int64_t ld, uint16_t *dst);
/* [B, C, L] float32 -> [B, L, C], as bf16 (uint16_t) or float32 */
void dn_to_nwc(const float *x, int64_t B, int64_t C, int64_t L, int bf16, void *out);
/* group norm (+ SiLU) of x [B, C, L] written as [B, L, C] (bf16 or float32): y = z or z sigmoid(z),
 * z = ((x - mu) rs) gamma_c + beta_c with row (b, c / (C/G))'s (mu, rs) pair in st; sig (NULL: no
 * SiLU) receives sigmoid(z) [B, C, L]. The same values as group norm's forward, then dn_to_nwc. */
void dn_norm_to_nwc(const float *x, int64_t B, int64_t C, int64_t L, int64_t G, const float *st, const float *ga,
                    const float *be, float *sig, int bf16, void *out);
/* out [B, C, L] = (add: +=) in [B, L, C] (+ e when not NULL: [B, C] at every position, or with full
 * [B, C, L] element by element) */
void dn_from_nwc(const float *in, int64_t B, int64_t C, int64_t L, int add, const float *e, int full, float *out);
/* the input rows of a convolution's weight gradient from its channels-last input xs (elements of
 * es bytes): rows[(n Lo + l) K Cin + k Cin + ci] = xs[n, l stride - padding + k dilation, ci]
 * (0 outside) */
void dn_conv_rows(const void *xs, const tgdp_conv_shape *s, size_t es, void *rows);
#endif

/* Internal interface between the graph driver (graph.c) and the op kernels. */
#ifndef TGDP_NN_OPS_H
#define TGDP_NN_OPS_H
#include "tgdp/nn.h"

#include <cblas.h>

int nn_new_node(tgdp_graph *gr, int op, int64_t B, int64_t C, int64_t L, int alloc_value);
float *nn_zeros(tgdp_graph *gr, size_t n);
/* compute nd->dv from its inputs' tangents (NULL = identically zero) */
int nn_tangent(tgdp_graph *gr, tgdp_node *nd);
/* accumulate gradients (and tangent gradients) into the inputs that need them */
void nn_backward(tgdp_graph *gr, tgdp_node *nd);
/* whether nd's backward assigns (rather than adds) its first input's gradient when gr->g_assign
 * is set: the dense layer (beta 0 in the product), the convolution (the copy back from
 * channels-last), the sums, broadcast sums, concatenation and pooling (a copy of their
 * gradient), and the first-order rules of SiLU and group normalisation. Such an op writes every
 * element of that gradient, and writes it before any other input's (which may share the buffer). */
int nn_backward_assigns(const tgdp_node *nd);

int nn_conv_tangent(tgdp_graph *gr, tgdp_node *nd);
void nn_conv_backward(tgdp_graph *gr, tgdp_node *nd);
int nn_pool_tangent(tgdp_graph *gr, tgdp_node *nd);
int nn_norm_tangent(tgdp_graph *gr, tgdp_node *nd);
void nn_norm_backward(tgdp_graph *gr, tgdp_node *nd);
/* group normalisation composed of the element-wise ops (for gamma or beta that are not parameters) */
int nn_groupnorm_composed(tgdp_graph *gr, int x, int G, int gamma, int beta);
/* A group norm node made by tgdp_norm_conv1d holds only its rows' statistics (v NULL) until
 * nn_norm_value computes its output into v (with sigmoid(z)), or nn_norm_to_nwc writes the output
 * straight into the convolution's channels-last input copy xs (with sigmoid(z); 0 on success) */
int nn_norm_value(tgdp_graph *gr, tgdp_node *y);
/* y is such a group norm node, its value not made yet */
static inline int nn_norm_lazy(const tgdp_node *y) { return y->op == TGDP_OP_GROUPNORM && !y->v && y->aux; }
int nn_norm_to_nwc(tgdp_graph *gr, tgdp_node *y, void *xs);
void nn_pool_backward(tgdp_graph *gr, tgdp_node *nd);
int nn_attn_tangent(tgdp_graph *gr, tgdp_node *nd);   /* TGDP_OP_BMM, TGDP_OP_SOFTMAX */
void nn_attn_backward(tgdp_graph *gr, tgdp_node *nd);

/* C = alpha op(A) op(B) + beta C (+ bias[j] on every row when bias != NULL), row-major as
 * cblas_sgemm, on the process's backend in precision prec (float32 on OpenBLAS), counted by the
 * GEMM counters of tgdp_gemm_stats_enable */
void nn_gemm(tgdp_precision prec, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha,
             const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc, const float *bias);
/* the same with A's and B's bf16 copies when the caller has them (else NULL): used in bf16 on oneDNN */
void nn_gemm_pre(tgdp_precision prec, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha,
                 const float *A, const uint16_t *A16, int lda, const float *B, const uint16_t *B16, int ldb, float beta,
                 float *C, int ldc, const float *bias);
/* n values rounded to bf16 in the graph's arena when the graph computes in bf16 on oneDNN, else
 * NULL (also when out of memory: the product then rounds them itself) */
const uint16_t *nn_bf16_of(tgdp_graph *gr, const float *v, size_t n);
/* the node's value rounded to bf16, made once per graph (nn_bf16_of) */
const uint16_t *nn_value_bf16(tgdp_graph *gr, tgdp_node *nd);
/* the counters: whether they are on, and one call that started at t0 (tgdp_now_s) */
int nn_stats_on(void);
void nn_count(const tgdp_gemm_call *c, double t0);
/* oneDNN calls that declined (computed by OpenBLAS instead), for the tests */
int64_t nn_dnnl_fallbacks(void);
void nn_dnnl_declined(void);

/* out[j] += sum over rows of g[i, j] (bias gradients), thread-count independent */
void nn_colsum_add(const float *g, int64_t rows, int64_t cols, float *out);
/* dst[i] += k src[i] for n values */
void nn_axpy(float *dst, const float *src, float k, size_t n);

#define NN_IN(gr, nd, k) ((nd)->in[k] >= 0 ? &(gr)->nodes[(nd)->in[k]] : NULL)
#define NN_PAR_IF(n) if ((n) > 32768)
#endif

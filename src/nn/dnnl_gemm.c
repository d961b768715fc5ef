/* Matrix products through the oneDNN matmul primitive: row-major operands with cblas's
 * transposes expressed as strides, alpha as an output scale, beta as a sum post-op, the bias of a
 * dense layer fused as the primitive's bias. In bf16 the two inputs are rounded into the
 * thread's scratch buffers first; accumulation and output stay float32. */
#include "nn/dnnl_cache.h"

#include <cblas.h>
#include <string.h>

typedef struct mm_ctx {
    int prec, ta, tb, M, N, K, bias;
    int64_t lda, ldb, ldc;
    float alpha, beta;
} mm_ctx;

static dnnl_status_t make_matmul(dn_prim *p, dnnl_engine_t eng, const void *vc)
{
    const mm_ctx *c = vc;
    const dnnl_data_type_t it = c->prec == TGDP_BF16 ? dnnl_bf16 : dnnl_f32;
    const int64_t da[2] = {c->M, c->K}, db[2] = {c->K, c->N}, dc[2] = {c->M, c->N}, dbias[2] = {1, c->N};
    const int64_t sa[2] = {c->ta ? 1 : c->lda, c->ta ? c->lda : 1}, sb[2] = {c->tb ? 1 : c->ldb, c->tb ? c->ldb : 1};
    const int64_t sc[2] = {c->ldc, 1}, sbias[2] = {c->N, 1};
    dnnl_memory_desc_t a, b, d, bias;
    dnnl_status_t st = dn_md(&a, 2, da, it, sa);
    if (st == dnnl_success) st = dn_md(&b, 2, db, it, sb);
    if (st == dnnl_success) st = dn_md(&d, 2, dc, dnnl_f32, sc);
    if (st == dnnl_success) st = dn_md(&bias, 2, dbias, dnnl_f32, sbias);
    dnnl_matmul_desc_t md;
    if (st == dnnl_success) st = dnnl_matmul_desc_init(&md, &a, &b, c->bias ? &bias : NULL, &d);
    dnnl_primitive_attr_t attr = NULL;
    if (st == dnnl_success) st = dn_attr(&attr, c->alpha, c->beta);
    dnnl_primitive_desc_t pd = NULL;
    if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &md, attr, eng, NULL);
    const int args[4] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_BIAS};
    if (st == dnnl_success) st = dn_prim_from_pd(p, pd, args, c->bias ? 4 : 3);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return st;
}

static int run_matmul(const mm_ctx *c, const void *A, const void *B, float *C, const float *bias)
{
    uint32_t ab, bb;
    memcpy(&ab, &c->alpha, sizeof ab);
    memcpy(&bb, &c->beta, sizeof bb);
    const int key[13] = {TGDP_CALL_GEMM, c->prec, c->ta, c->tb, c->M, c->N, c->K, (int)c->lda, (int)c->ldb,
                         (int)c->ldc, (int)ab, (int)bb, c->bias};
    dn_prim *p = dn_get(key, 13, make_matmul, c);
    if (!p) return -1;
    void *h[4] = {(void *)A, (void *)B, C, (void *)bias};
    return dn_exec(p, h);
}

int nn_dnnl_gemm(tgdp_precision prec, int ta, int tb, int M, int N, int K, float alpha, const float *A,
                 const uint16_t *A16, int lda, const float *B, const uint16_t *B16, int ldb, float beta, float *C,
                 int ldc, const float *bias)
{
    if (M <= 0 || N <= 0 || K <= 0) return -1;
    mm_ctx c = {prec, ta == CblasTrans, tb == CblasTrans, M, N, K, bias != NULL, lda, ldb, ldc, alpha, beta};
    if (prec != TGDP_BF16) return run_matmul(&c, A, B, C, bias);
    /* the stored matrices (op(A) = A^T is stored K x M) rounded to bf16, packed densely */
    const int64_t ar = c.ta ? K : M, ac = c.ta ? M : K, br = c.tb ? N : K, bc = c.tb ? K : N;
    if (!A16) {
        uint16_t *a = dn_scratch(0, (size_t)(ar * ac) * 2);
        if (!a) return -1;
        dn_to_bf16(A, ar, ac, lda, a);
        A16 = a;
    }
    if (!B16) {
        uint16_t *b = dn_scratch(1, (size_t)(br * bc) * 2);
        if (!b) return -1;
        dn_to_bf16(B, br, bc, ldb, b);
        B16 = b;
    }
    c.lda = ac;
    c.ldb = bc;
    return run_matmul(&c, A16, B16, C, bias);
}

void nn_dnnl_to_bf16(const float *src, size_t n, uint16_t *dst) { dn_to_bf16(src, 1, (int64_t)n, (int64_t)n, dst); }

int dn_matmul(tgdp_precision prec, int ta, int tb, int M, int N, int K, const void *A, int lda, const void *B, int ldb,
              float beta, float *C, int ldc)
{
    const mm_ctx c = {prec, ta, tb, M, N, K, 0, lda, ldb, ldc, 1.0f, beta};
    return run_matmul(&c, A, B, C, NULL);
}

int nn_dnnl_replay(const tgdp_gemm_call *g)
{
    if (g->op != TGDP_CALL_GEMM) return nn_dnnl_conv_replay(g);
    const int ta = g->ta == CblasTrans, tb = g->tb == CblasTrans;
    const mm_ctx c = {g->precision, ta, tb, g->M, g->N, g->K, 0, ta ? g->M : g->K, tb ? g->K : g->N, g->N, 1.0f,
                      g->beta};
    const size_t es = g->precision == TGDP_BF16 ? 2 : 4;
    void *a = dn_scratch_filled(0, es * (size_t)g->M * (size_t)g->K), *b = dn_scratch_filled(1, es * (size_t)g->K * (size_t)g->N);
    float *out = dn_scratch_filled(2, sizeof(float) * (size_t)g->M * (size_t)g->N);
    return a && b && out ? run_matmul(&c, a, b, out, NULL) : -1;
}

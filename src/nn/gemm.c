/* Every matrix product of the engine goes through nn_gemm (and every oneDNN convolution through
 * nn_count), so that a profile can count the work (calls, floating-point operations, wall time)
 * and record the shapes without touching the kernels; the counters cost one branch per call
 * when off. nn_gemm runs the product on the process's backend (tgdp_get_gemm_backend): oneDNN's
 * matmul, or cblas_sgemm, which also computes anything oneDNN declines (in float32). */
#include "nn/dnnl.h"
#include "nn/ops.h"

#include <omp.h>
#include <time.h>

static int stats_on, record_on, n_rec;
static tgdp_gemm_stats stats;
static tgdp_gemm_call rec[TGDP_GEMM_RECORD_MAX];
static int64_t n_fallbacks;

void tgdp_gemm_stats_enable(int on) { stats_on = on; }
void tgdp_gemm_stats_reset(void) { stats = (tgdp_gemm_stats){0, 0, 0}; }
tgdp_gemm_stats tgdp_gemm_stats_get(void) { return stats; }
void tgdp_gemm_record(int on) { record_on = on; }
void tgdp_gemm_record_reset(void) { n_rec = 0; }
const tgdp_gemm_call *tgdp_gemm_recorded(int *n)
{
    *n = n_rec;
    return rec;
}
int nn_stats_on(void) { return stats_on; }

int64_t nn_dnnl_fallbacks(void)
{
    int64_t n;
#pragma omp atomic read
    n = n_fallbacks;
    return n;
}

void nn_dnnl_declined(void)
{
#pragma omp atomic
    n_fallbacks++;
}

double tgdp_gemm_call_flops(const tgdp_gemm_call *c)
{
    if (c->op == TGDP_CALL_GEMM) return 2.0 * (double)c->M * (double)c->N * (double)c->K;
    const tgdp_conv_shape *s = &c->conv;
    return 2.0 * (double)s->B * (double)s->Cout * (double)s->Lo * (double)s->Cin * (double)s->K;
}

void nn_count(const tgdp_gemm_call *c, double t0)
{
    /* the convolutions and the chunked training steps call this from several threads at once:
     * each call then counts its share of the running team's wall time (dt / team size), so the
     * total stays a wall-time figure */
    const double dt = (tgdp_now_s() - t0) / (double)omp_get_team_size(omp_get_active_level());
    const double fl = tgdp_gemm_call_flops(c);
#pragma omp critical
    {
        stats.seconds += dt;
        stats.calls++;
        stats.flops += fl;
        if (record_on && n_rec < TGDP_GEMM_RECORD_MAX) rec[n_rec++] = *c;
    }
}

static void gemm_run(tgdp_precision prec, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha,
                     const float *A, const uint16_t *A16, int lda, const float *B, const uint16_t *B16, int ldb,
                     float beta, float *C, int ldc, const float *bias)
{
    if (tgdp_get_gemm_backend() == TGDP_GEMM_ONEDNN) {
        if (nn_dnnl_gemm(prec, ta, tb, M, N, K, alpha, A, A16, lda, B, B16, ldb, beta, C, ldc, bias) == 0) return;
        nn_dnnl_declined();
    }
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    if (bias) {
#pragma omp parallel for schedule(static) if ((int64_t)M * N > 32768)
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(int64_t)i * ldc + j] += bias[j];
    }
}

void nn_gemm_pre(tgdp_precision prec, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha,
                 const float *A, const uint16_t *A16, int lda, const float *B, const uint16_t *B16, int ldb, float beta,
                 float *C, int ldc, const float *bias)
{
    if (tgdp_get_gemm_backend() != TGDP_GEMM_ONEDNN) prec = TGDP_FP32;
    if (prec != TGDP_BF16) A16 = B16 = NULL;
    if (!stats_on) {
        gemm_run(prec, ta, tb, M, N, K, alpha, A, A16, lda, B, B16, ldb, beta, C, ldc, bias);
        return;
    }
    const double t0 = tgdp_now_s();
    gemm_run(prec, ta, tb, M, N, K, alpha, A, A16, lda, B, B16, ldb, beta, C, ldc, bias);
    const tgdp_gemm_call c = {.ta = (int)ta, .tb = (int)tb, .M = M, .N = N, .K = K, .beta = beta,
                              .op = TGDP_CALL_GEMM, .precision = prec};
    nn_count(&c, t0);
}

void nn_gemm(tgdp_precision prec, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha,
             const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc, const float *bias)
{
    nn_gemm_pre(prec, ta, tb, M, N, K, alpha, A, NULL, lda, B, NULL, ldb, beta, C, ldc, bias);
}

/* whether the graph's products run in bf16 (bf16 precision on oneDNN) */
static int nn_bf16_on(const tgdp_graph *gr)
{
    return gr->precision == TGDP_BF16 && tgdp_get_gemm_backend() == TGDP_GEMM_ONEDNN;
}

const uint16_t *nn_bf16_of(tgdp_graph *gr, const float *v, size_t n)
{
    if (!nn_bf16_on(gr)) return NULL;
    uint16_t *h = tgdp_arena_alloc(gr->arena, n * sizeof *h);
    if (h) nn_dnnl_to_bf16(v, n, h);
    return h;
}

const uint16_t *nn_value_bf16(tgdp_graph *gr, tgdp_node *nd)
{
    if (!nd->v16) nd->v16 = nn_bf16_of(gr, nd->v, nd->n);
    return nd->v16;
}

const char *tgdp_onednn_isa(void) { return nn_dnnl_isa(); }

/* Every matrix product of the engine goes through nn_sgemm, so that a profile can count the
 * GEMM work (calls, floating-point operations, wall time) without touching the kernels. The
 * counters cost one branch per GEMM when off. */
#include "nn/ops.h"

#include <omp.h>
#include <time.h>

static int stats_on, record_on, n_rec;
static tgdp_gemm_stats stats;
static tgdp_gemm_call rec[TGDP_GEMM_RECORD_MAX];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

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

void nn_sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc)
{
    if (!stats_on) {
        cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    double t0 = now_s();
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    /* the convolutions and the chunked training steps call this from several threads at once:
     * each call then counts its share of the running team's wall time (dt / team size), so the
     * total stays a wall-time figure */
    const double dt = (now_s() - t0) / (double)omp_get_team_size(omp_get_active_level());
#pragma omp critical
    {
        stats.seconds += dt;
        stats.calls++;
        stats.flops += 2.0 * (double)M * (double)N * (double)K;
        if (record_on && n_rec < TGDP_GEMM_RECORD_MAX) rec[n_rec++] = (tgdp_gemm_call){(int)ta, (int)tb, M, N, K, beta};
    }
}

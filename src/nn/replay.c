/* Replays of recorded calls (tgdp_gemm_record): the rate the backend reaches at a step's own
 * shapes and precision, the practical peak a step's GFLOP/s is compared with. */
#include "nn/dnnl.h"
#include "nn/ops.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS: the calls on one set of buffers as large as the largest call needs */
typedef struct blas_bufs {
    float *A, *B, *C;
} blas_bufs;

static int bufs_alloc(blas_bufs *b, const tgdp_gemm_call *calls, int n)
{
    size_t ma = 1, mb = 1, mc = 1;
    for (int i = 0; i < n; i++) {
        size_t a = (size_t)calls[i].M * calls[i].K, bb = (size_t)calls[i].K * calls[i].N,
               c = (size_t)calls[i].M * calls[i].N;
        ma = a > ma ? a : ma;
        mb = bb > mb ? bb : mb;
        mc = c > mc ? c : mc;
    }
    b->A = malloc(ma * sizeof *b->A);
    b->B = malloc(mb * sizeof *b->B);
    b->C = calloc(mc, sizeof *b->C);
    if (!b->A || !b->B || !b->C) return 0;
    for (size_t i = 0; i < ma; i++) b->A[i] = (float)((i % 97) * 0.01);
    for (size_t i = 0; i < mb; i++) b->B[i] = (float)((i % 89) * 0.01);
    return 1;
}

static int run_call(const tgdp_gemm_call *g, const blas_bufs *b, int onednn)
{
    if (onednn) return nn_dnnl_replay(g);
    if (g->op != TGDP_CALL_GEMM) return -1; /* OpenBLAS convolutions are recorded as their GEMMs */
    const int lda = g->ta == CblasNoTrans ? g->K : g->M, ldb = g->tb == CblasNoTrans ? g->N : g->K;
    cblas_sgemm(CblasRowMajor, (CBLAS_TRANSPOSE)g->ta, (CBLAS_TRANSPOSE)g->tb, g->M, g->N, g->K, 1.0f, b->A, lda, b->B,
                ldb, g->beta, b->C, g->N);
    return 0;
}

/* one thread's replay: a warm-up pass, then passes until min_time; *reps and *wall are the timed
 * passes and their time, 0 on failure. The barriers (orphaned: no-ops outside a parallel region)
 * start every thread's warm-up and timed passes together. */
static int replay_thread(const tgdp_gemm_call *calls, int n, double min_time, int onednn, long *reps_out,
                         double *wall_out)
{
    blas_bufs b = {NULL, NULL, NULL};
    int ok = onednn || bufs_alloc(&b, calls, n);
    long reps = 0;
    double t0 = 0, t = 0;
    for (int warm = 1; warm >= 0; warm--) {
#pragma omp barrier
        /* every thread reaches the barriers, even one whose buffers failed */
        t0 = tgdp_now_s();
        reps = 0;
        if (!ok) continue;
        do {
            for (int i = 0; i < n && ok; i++) ok = run_call(&calls[i], &b, onednn) == 0;
            reps++;
            t = tgdp_now_s() - t0;
        } while (!warm && t < min_time && ok);
    }
    free(b.A);
    free(b.B);
    free(b.C);
    *reps_out = reps;
    *wall_out = t;
    return ok;
}

double tgdp_gemm_replay(const tgdp_gemm_call *calls, int n, double min_time, int concurrent)
{
    if (n <= 0) return NAN;
    double flops = 0;
    for (int i = 0; i < n; i++) flops += tgdp_gemm_call_flops(&calls[i]);
    const int onednn = tgdp_get_gemm_backend() == TGDP_GEMM_ONEDNN;
    long total = 0;
    int failed = 0;
    double wall = 0;
    if (!concurrent && !omp_in_parallel()) { /* one call at a time on all threads: no enclosing region
                        * (not even a team of one), so the library's own parallel regions use the
                        * threads' pool instead of starting nested teams (new threads) on every call */
        failed = !replay_thread(calls, n, min_time, onednn, &total, &wall);
    } else if (!concurrent) { /* called inside a parallel region: a team of one of its own, so that
                               * the barriers bind to it and not to the caller's team */
#pragma omp parallel num_threads(1)
        failed = !replay_thread(calls, n, min_time, onednn, &total, &wall);
    } else {
#pragma omp parallel reduction(+ : total) reduction(max : wall) reduction(| : failed)
        {
            long reps = 0;
            double t = 0;
            failed = !replay_thread(calls, n, min_time, onednn, &reps, &t);
            total = reps;
            wall = t;
        }
    }
    return failed || !(wall > 0) ? NAN : flops * (double)total / wall / 1e9;
}

/* tgdp_dist: see include/tgdp/dist.h. The MPI calls are compiled in with TGDP_HAVE_MPI. */
#include "tgdp/dist.h"

#include "tgdp/core.h"

#include <limits.h>

#ifdef TGDP_HAVE_MPI
#include <mpi.h>
#endif

static int we_initialised;
static double comm_seconds;

#ifdef TGDP_HAVE_MPI
static int active(void)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    if (init) MPI_Finalized(&fin);
    return init && !fin;
}
#endif

int tgdp_dist_available(void)
{
#ifdef TGDP_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

int tgdp_dist_init(int *argc, char ***argv)
{
#ifdef TGDP_HAVE_MPI
    int init = 0;
    MPI_Initialized(&init);
    if (init) return 0;
    if (MPI_Init(argc, argv) != MPI_SUCCESS) return -1;
    we_initialised = 1;
#else
    (void)argc;
    (void)argv;
#endif
    return 0;
}

void tgdp_dist_finalize(void)
{
#ifdef TGDP_HAVE_MPI
    if (we_initialised && active()) MPI_Finalize();
#endif
    we_initialised = 0;
}

int tgdp_dist_rank(void)
{
#ifdef TGDP_HAVE_MPI
    if (active()) {
        int r = 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
        return r;
    }
#endif
    return 0;
}

int tgdp_dist_size(void)
{
#ifdef TGDP_HAVE_MPI
    if (active()) {
        int s = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &s);
        return s;
    }
#endif
    return 1;
}

void tgdp_dist_slice(int64_t B, int64_t *lo, int64_t *len)
{
    int64_t K = tgdp_dist_size(), k = tgdp_dist_rank();
    int64_t a = B * k / K, b = B * (k + 1) / K;
    *lo = a;
    *len = b - a;
}

#ifdef TGDP_HAVE_MPI
/* MPI counts are int: reduce in chunks */
static int reduce_chunks(void *x, size_t n, size_t elem, MPI_Datatype t)
{
    double t0 = tgdp_now_s();
    for (size_t off = 0; off < n;) {
        size_t c = n - off > (size_t)INT_MAX / 2 ? (size_t)INT_MAX / 2 : n - off;
        if (MPI_Allreduce(MPI_IN_PLACE, (char *)x + off * elem, (int)c, t, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
            return -1;
        off += c;
    }
    comm_seconds += tgdp_now_s() - t0;
    return 0;
}
#endif

int tgdp_dist_allreduce_sum(float *x, size_t n)
{
#ifdef TGDP_HAVE_MPI
    if (active() && tgdp_dist_size() > 1) return reduce_chunks(x, n, sizeof(float), MPI_FLOAT);
#else
    (void)x;
    (void)n;
#endif
    return 0;
}

int tgdp_dist_allreduce_sum_d(double *x, size_t n)
{
#ifdef TGDP_HAVE_MPI
    if (active() && tgdp_dist_size() > 1) return reduce_chunks(x, n, sizeof(double), MPI_DOUBLE);
#else
    (void)x;
    (void)n;
#endif
    return 0;
}

int tgdp_dist_bcast(float *x, size_t n)
{
#ifdef TGDP_HAVE_MPI
    if (active() && tgdp_dist_size() > 1) {
        double t0 = tgdp_now_s();
        for (size_t off = 0; off < n;) {
            size_t c = n - off > (size_t)INT_MAX / 2 ? (size_t)INT_MAX / 2 : n - off;
            if (MPI_Bcast(x + off, (int)c, MPI_FLOAT, 0, MPI_COMM_WORLD) != MPI_SUCCESS) return -1;
            off += c;
        }
        comm_seconds += tgdp_now_s() - t0;
    }
#else
    (void)x;
    (void)n;
#endif
    return 0;
}

int tgdp_dist_max_int(int v)
{
#ifdef TGDP_HAVE_MPI
    if (active() && tgdp_dist_size() > 1) {
        int out = v;
        MPI_Allreduce(&v, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        return out;
    }
#endif
    return v;
}

double tgdp_dist_comm_seconds(void) { return comm_seconds; }

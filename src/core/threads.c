/* Thread count control for OpenMP loops and OpenBLAS. */
#include "tgdp/core.h"

#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

void tgdp_set_threads(int n)
{
#ifdef _OPENMP
    if (n <= 0) n = omp_get_num_procs();
    omp_set_num_threads(n);
#else
    if (n <= 0) n = 1;
#endif
    openblas_set_num_threads(n);
}

int tgdp_get_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* Data-parallel training across processes (MPI), optional at build time (TGDP_MPI).
 *
 * Model: every rank holds the whole data set and draws the same global batch from the same
 * counter-based random stream; rank k computes the loss and gradients of its own contiguous
 * slice of that batch (tgdp_dist_slice), the gradients are summed with one all-reduce over the
 * model's contiguous gradient buffer, and every rank takes the same optimiser step. So a run on
 * K ranks computes, up to float rounding of the sum, exactly what one process computes with the
 * same global batch and seed, and a rank's random numbers are its own, distinct part of that
 * stream. Parameters are broadcast from rank 0 at the start of training; rank 0 alone writes
 * files and prints.
 *
 * Without MPI (or when the program did not call tgdp_dist_init) everything here is the
 * single-process identity: rank 0 of 1.
 */
#ifndef TGDP_DIST_H
#define TGDP_DIST_H

#include "tgdp/api.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

/* MPI_Init (if built with MPI and not yet initialised); returns 0 on success. */
int tgdp_dist_init(int *argc, char ***argv);
/* MPI_Finalize if tgdp_dist_init initialised MPI. */
void tgdp_dist_finalize(void);
/* 1 when the library was built with MPI support */
int tgdp_dist_available(void);
int tgdp_dist_rank(void);
int tgdp_dist_size(void);
/* rank k's rows [*lo, *lo + *len) of a global batch of B rows (contiguous, sizes differ by <= 1) */
void tgdp_dist_slice(int64_t B, int64_t *lo, int64_t *len);
/* in-place sum over ranks of n floats / doubles (no-op on one rank); 0 on success */
int tgdp_dist_allreduce_sum(float *x, size_t n);
int tgdp_dist_allreduce_sum_d(double *x, size_t n);
/* broadcast n floats from rank 0 (no-op on one rank) */
int tgdp_dist_bcast(float *x, size_t n);
/* the largest value of an int over ranks (e.g. a stop request seen by one rank) */
int tgdp_dist_max_int(int v);
/* seconds spent inside the all-reduce and broadcast calls so far (for profiles) */
double tgdp_dist_comm_seconds(void);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

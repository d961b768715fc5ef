/* tgdp core: errors, arena allocation, seeded splittable RNG streams, threads, tensors.
 *
 * Conventions used by the whole library:
 *  - functions that can fail return int: TGDP_OK (0) on success, a positive TGDP_E* code
 *    on failure, and fill the optional tgdp_error* (may be NULL) with a one-line message
 *    (what, where, why). Library code never exits and never prints.
 *  - arrays are float32, C order, with explicit shapes.
 */
#ifndef TGDP_CORE_H
#define TGDP_CORE_H

#include "tgdp/api.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

enum {
    TGDP_OK = 0,
    TGDP_EIO = 1,          /* cannot open/read/write a file */
    TGDP_EFORMAT = 2,      /* malformed or truncated file contents */
    TGDP_EINVAL = 3,       /* invalid argument or inconsistent shapes */
    TGDP_ENOMEM = 4,       /* allocation failed or size overflows */
    TGDP_ENONFINITE = 5,   /* NaN or Inf where finite numbers are required */
    TGDP_EUNSUPPORTED = 6, /* valid but unsupported (dtype, version, ...) */
    TGDP_EINTERRUPTED = 7  /* stopped on request (signal) */
};

typedef struct tgdp_error {
    int code;
    char msg[512];
} tgdp_error;

/* Fill err (if non-NULL) with code and a printf-style message; returns code. */
int tgdp_fail(tgdp_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Prefix an existing message with context ("while X: "). Returns err->code (or code if err NULL). */
int tgdp_error_prefix(tgdp_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
const char *tgdp_error_name(int code);

/* ---------- checked size arithmetic ---------- */
/* *out = a * b; returns 0 on overflow. */
int tgdp_mul_size(size_t a, size_t b, size_t *out);

/* ---------- progress logs ----------
 * Long library jobs (the demos) report progress through a caller's callback, one line at a time. */
typedef void (*tgdp_log_fn)(void *ctx, const char *msg);
/* formats one line and hands it to log (nothing when log is NULL) */
void tgdp_logf(tgdp_log_fn log, void *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---------- clock ---------- */
/* Seconds of a monotonic clock (for durations: differences only). */
double tgdp_now_s(void);

/* ---------- threads ---------- */
/* Set the number of threads used by OpenMP loops and by OpenBLAS. n <= 0 means all cores. */
void tgdp_set_threads(int n);
int tgdp_get_threads(void);

/* ---------- arena ----------
 * A bump allocator owning all temporaries of one training step. After the first step the
 * arena holds one block large enough for a step, so later steps never call malloc:
 * tgdp_arena_reset() merges overflow blocks into a single block of the peak size. */
typedef struct tgdp_arena_block tgdp_arena_block;
typedef struct tgdp_arena {
    tgdp_arena_block *head; /* current block (list of blocks, newest first) */
    size_t used_total;      /* bytes handed out since the last reset */
    size_t peak;            /* largest used_total seen */
    size_t n_mallocs;       /* number of block allocations so far (for tests) */
    struct tgdp_arena *kids; /* further arenas for work split over threads (tgdp_arena_kids) */
    int n_kids;
} tgdp_arena;

void tgdp_arena_init(tgdp_arena *a);
/* 64-byte aligned, uninitialised; NULL only if malloc fails. */
void *tgdp_arena_alloc(tgdp_arena *a, size_t bytes);
float *tgdp_arena_floats(tgdp_arena *a, size_t n);      /* uninitialised */
float *tgdp_arena_zeros(tgdp_arena *a, size_t n);       /* zero-filled */
void tgdp_arena_reset(tgdp_arena *a);
void tgdp_arena_free(tgdp_arena *a);   /* frees the kids too */
/* Makes sure a has at least n - 1 kids (arenas owned by a, kept across resets) for work split
 * over n threads: thread 0 uses a, thread k >= 1 a->kids[k - 1]. Call it before the parallel
 * region. Returns 0, or TGDP_ENOMEM. */
int tgdp_arena_kids(tgdp_arena *a, int n);
tgdp_arena *tgdp_arena_kid(tgdp_arena *a, int k); /* a (k = 0) or its kid k - 1 */

/* ---------- RNG ----------
 * Counter-based generator (SplitMix64 mixing of key + counter): value number i of a stream
 * depends only on (key, i), so array fills are identical on any number of threads.
 * tgdp_rng_split derives an independent child stream from a parent key and an id. */
typedef struct tgdp_rng {
    uint64_t key;
    uint64_t ctr;
} tgdp_rng;

tgdp_rng tgdp_rng_new(uint64_t seed);
tgdp_rng tgdp_rng_split(const tgdp_rng *parent, uint64_t id);
uint64_t tgdp_rng_u64(tgdp_rng *r);
double tgdp_rng_uniform(tgdp_rng *r);               /* [0, 1) */
double tgdp_rng_normal(tgdp_rng *r);                /* N(0, 1) */
uint64_t tgdp_rng_below(tgdp_rng *r, uint64_t n);   /* uniform integer in [0, n), n > 0 */
/* index into p[0..k-1] (non-negative weights, need not sum to 1); -1 if all weights are 0 */
int tgdp_rng_categorical(tgdp_rng *r, const double *p, int k);
void tgdp_rng_permutation(tgdp_rng *r, int64_t *perm, size_t n);
/* Parallel fills; deterministic regardless of the thread count. */
void tgdp_rng_fill_uniform(tgdp_rng *r, float *out, size_t n, float lo, float hi);
void tgdp_rng_fill_normal(tgdp_rng *r, float *out, size_t n, float mean, float stddev);

/* ---------- tensors ---------- */
#define TGDP_MAX_DIMS 8
typedef struct tgdp_tensor {
    float *data; /* owned when created by tgdp_tensor_alloc */
    int ndim;
    int64_t shape[TGDP_MAX_DIMS];
} tgdp_tensor;

size_t tgdp_tensor_numel(const tgdp_tensor *t);
int tgdp_tensor_alloc(tgdp_tensor *t, int ndim, const int64_t *shape, tgdp_error *err);
void tgdp_tensor_free(tgdp_tensor *t);
/* returns 0 if all finite, else TGDP_ENONFINITE with the first bad index in the message */
int tgdp_check_finite(const float *x, size_t n, const char *what, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

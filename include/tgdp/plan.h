/* Running a list of methods that share their inputs (trained networks, sample sets): the one
 * driver of the experiments (`demo gmm` per seed and target size, `demo ecg` per fold).
 *
 * An experiment names its artifacts (at most 32) and, for each method, the artifacts it needs
 * (a bit mask); an artifact may need others. tgdp_plan_run runs the selected methods in the
 * order given, builds every artifact just before the first method that needs it (its own needs
 * first), exactly once, and releases it right after the last method that needs it, so no more
 * is held at a time than the remaining methods will use. */
#ifndef TGDP_PLAN_H
#define TGDP_PLAN_H

#include "tgdp/api.h"

#include <stdint.h>

#include "tgdp/core.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

#define TGDP_PLAN_MAX_ARTIFACTS 32
#define TGDP_PLAN_BIT(a) ((uint32_t)1u << (a))

typedef struct tgdp_plan {
    int n_artifacts;
    const uint32_t *artifact_needs; /* [n_artifacts]: the artifacts each artifact is built from */
    const uint32_t *method_needs;   /* [number of methods]: the artifacts each method uses */
    int (*build)(void *ctx, int artifact, tgdp_error *err);
    void (*release)(void *ctx, int artifact); /* may be NULL */
    int (*run)(void *ctx, int method, tgdp_error *err);
} tgdp_plan;

/* Runs methods[0..n-1] (indices into method_needs) in that order. On a failure the artifacts
 * built so far are released and the error is returned. */
int tgdp_plan_run(const tgdp_plan *p, const int *methods, int n, void *ctx, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

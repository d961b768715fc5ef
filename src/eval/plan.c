/* The experiments' method runner (tgdp/plan.h). */
#include "tgdp/plan.h"

/* every artifact a mask of artifacts needs, its own needs included */
static uint32_t closure(const tgdp_plan *p, uint32_t mask)
{
    uint32_t prev;
    do {
        prev = mask;
        for (int a = 0; a < p->n_artifacts; a++)
            if (mask & TGDP_PLAN_BIT(a)) mask |= p->artifact_needs[a];
    } while (mask != prev);
    return mask;
}

/* build artifact a after its needs (depth-first; the needs graph is acyclic) */
static int build_one(const tgdp_plan *p, int a, uint32_t *built, void *ctx, tgdp_error *err, int depth)
{
    if (*built & TGDP_PLAN_BIT(a)) return TGDP_OK;
    if (depth > p->n_artifacts) return tgdp_fail(err, TGDP_EINVAL, "plan: artifact %d needs itself", a);
    for (int b = 0; b < p->n_artifacts; b++)
        if (p->artifact_needs[a] & TGDP_PLAN_BIT(b)) {
            int rc = build_one(p, b, built, ctx, err, depth + 1);
            if (rc) return rc;
        }
    int rc = p->build(ctx, a, err);
    if (rc) return rc;
    *built |= TGDP_PLAN_BIT(a);
    return TGDP_OK;
}

static void release_mask(const tgdp_plan *p, uint32_t mask, uint32_t *built, void *ctx)
{
    for (int a = p->n_artifacts - 1; a >= 0; a--)
        if ((mask & *built) & TGDP_PLAN_BIT(a)) {
            if (p->release) p->release(ctx, a);
            *built &= ~TGDP_PLAN_BIT(a);
        }
}

int tgdp_plan_run(const tgdp_plan *p, const int *methods, int n, void *ctx, tgdp_error *err)
{
    if (p->n_artifacts < 0 || p->n_artifacts > TGDP_PLAN_MAX_ARTIFACTS)
        return tgdp_fail(err, TGDP_EINVAL, "plan: %d artifacts (at most %d)", p->n_artifacts, TGDP_PLAN_MAX_ARTIFACTS);
    uint32_t built = 0;
    int rc = TGDP_OK;
    for (int i = 0; i < n && !rc; i++) {
        const uint32_t need = closure(p, p->method_needs[methods[i]]);
        for (int a = 0; a < p->n_artifacts && !rc; a++)
            if (need & TGDP_PLAN_BIT(a)) rc = build_one(p, a, &built, ctx, err, 0);
        if (!rc) rc = p->run(ctx, methods[i], err);
        /* release what no later method needs */
        uint32_t later = 0;
        for (int k = i + 1; k < n; k++) later |= closure(p, p->method_needs[methods[k]]);
        release_mask(p, rc ? built : built & ~later, &built, ctx);
    }
    return rc;
}

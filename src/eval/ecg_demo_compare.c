/* Paired comparisons of the ECG demo's methods (tgdp/ecg_demo.h): two methods' results on the same
 * (seed, fold) share the source model, the fold's training and held-out records and the
 * evaluation's classifier seeds, so their differences are paired. */
#include "tgdp/ecg_demo.h"
#include "tgdp/stats.h"

#include <math.h>
#include <stdlib.h>

const int tgdp_ecg_compare_metrics[TGDP_ECG_N_COMPARE] = {TGDP_EM_C2ST_AUROC, TGDP_EM_MMD2, TGDP_EM_TSTR_MACRO_AUROC,
                                                         TGDP_EM_AUG_MACRO_AUROC, TGDP_EM_HR_W1};

int tgdp_ecg_metric_sense(int m)
{
    switch (m) {
    case TGDP_EM_C2ST_AUROC:
    case TGDP_EM_FEATURE_DISTANCE:
    case TGDP_EM_MMD2:
    case TGDP_EM_HR_W1: return -1;
    case TGDP_EM_TSTR_MACRO_AUROC:
    case TGDP_EM_AUG_MACRO_AUROC:
    case TGDP_EM_AUG_FBETA2:
    case TGDP_EM_AUG_GBETA2: return 1;
    default: return 0;
    }
}

static const tgdp_ecg_demo_result *find_run(const tgdp_ecg_demo_output *o, int method, int seed, int fold)
{
    for (int i = 0; i < o->n_results; i++)
        if (o->results[i].method == method && o->results[i].seed == seed && o->results[i].fold == fold)
            return &o->results[i];
    return NULL;
}

int tgdp_ecg_demo_compare(const tgdp_ecg_demo_output *o, int m, int base, int metric, int n_boot, uint64_t seed,
                          tgdp_paired_stats *out, tgdp_error *err)
{
    const int sense = tgdp_ecg_metric_sense(metric);
    const int real_only = base == TGDP_ECG_BASE_REAL_ONLY;
    const int is_aug = metric >= TGDP_EM_AUG_MACRO_AUROC && metric <= TGDP_EM_AUG_GBETA2;
    if (m < 0 || m >= TGDP_ECG_M_COUNT || !sense || (real_only && !is_aug) ||
        (!real_only && (base < 0 || base >= TGDP_ECG_M_COUNT)))
        return tgdp_fail(err, TGDP_EINVAL, "ecg compare: method %d, baseline %d, metric %d", m, base, metric);
    out->n = 0;
    out->mean_diff = out->ci_low = out->ci_high = out->p_wilcoxon = out->win_rate = NAN;
    double *x = malloc((size_t)(o->n_results + 1) * sizeof *x), *b = malloc((size_t)(o->n_results + 1) * sizeof *b);
    if (!x || !b) {
        free(x), free(b);
        return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    }
    int n = 0;
    for (int i = 0; i < o->n_results; i++) {
        const tgdp_ecg_demo_result *r = &o->results[i];
        if (r->method != m) continue;
        /* against the real windows alone: the same run's real-only classifier */
        const tgdp_ecg_demo_result *q = real_only ? r : find_run(o, base, r->seed, r->fold);
        if (!q) continue;
        const int mb = real_only ? metric - TGDP_EM_AUG_MACRO_AUROC + TGDP_EM_REAL_ONLY_MACRO_AUROC : metric;
        const double vx = tgdp_ecg_metric_value(&r->r, metric), vb = tgdp_ecg_metric_value(&q->r, mb);
        if (!isfinite(vx) || !isfinite(vb)) continue;
        /* as "lower is better" for tgdp_paired_compare's win rate; turned back below */
        x[n] = -sense * vx, b[n] = -sense * vb, n++;
    }
    int rc = TGDP_OK;
    if (n > 0) rc = tgdp_paired_compare(x, b, n, n_boot, 0.95, seed, out, err);
    if (!rc && n > 0 && sense > 0) {
        const double lo = out->ci_low;
        out->mean_diff = -out->mean_diff;
        out->ci_low = -out->ci_high;
        out->ci_high = -lo;
    }
    free(x), free(b);
    return rc;
}

/* bf16 against fp32 on the Gaussian mixtures (issue 15): the demo's study (tgdp_gmm_demo_run,
 * the method page's 2-D pair) run twice on the same seeds, once per precision; every seed shares
 * data, source draws, evaluation sets and sampler noise between the two runs, so each method's
 * MMD^2 differences are paired. Per target size and method: the mean MMD^2 in each precision, the
 * mean paired difference bf16 - fp32 with its 95% percentile-bootstrap interval
 * (tgdp_paired_compare), the Wilcoxon p-value, and whether the interval lies inside +-0.01.
 * The oracle row must be identical (it has no network). Prints a Markdown table.
 *   precision_study [seeds (10)] [methods (target_only,finetune,domain_guidance,tgdp,tgdp_reg,oracle)]
 *                   [threads (2)] [first seed (0)] */
#include "tgdp/experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quiet_log(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "  %s\n", msg);
}

/* whether name is one of the comma-separated items of list */
static int listed(const char *list, const char *name)
{
    const size_t k = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += k)
        if ((p == list || p[-1] == ',') && (p[k] == 0 || p[k] == ',')) return 1;
    return 0;
}

/* the MMD^2 of (n, method) per seed */
static void column(const tgdp_gmm_demo_output *o, int n, int method, int seeds, int first, double *out)
{
    for (int s = 0; s < seeds; s++) out[s] = NAN;
    for (int i = 0; i < o->n_results; i++) {
        const tgdp_gmm_result *r = &o->results[i];
        if (r->n == n && r->method == method && r->seed >= first && r->seed < first + seeds) out[r->seed - first] = r->mmd2;
    }
}

int main(int argc, char **argv)
{
    const int seeds = argc > 1 ? atoi(argv[1]) : 10;
    const char *methods = argc > 2 ? argv[2] : "target_only,finetune,domain_guidance,tgdp,tgdp_reg,oracle";
    tgdp_set_threads(argc > 3 ? atoi(argv[3]) : 2);
    const int first = argc > 4 ? atoi(argv[4]) : 0;
    char why[160];
    if (!tgdp_precision_check(TGDP_BF16, why, sizeof why)) {
        printf("bf16 is not available here (%s): skipped\n", why);
        return 77;
    }
    tgdp_gmm_demo_config c[2];
    tgdp_gmm_demo_output o[2];
    tgdp_error err;
    double secs[2];
    for (int k = 0; k < 2; k++) {
        tgdp_gmm_demo_config_default(&c[k], 2, 0);
        c[k].seeds = seeds;
        c[k].first_seed = first;
        c[k].n_nll = 0;
        c[k].precision = k ? TGDP_BF16 : TGDP_FP32;
        c[k].log = quiet_log;
        for (int m = 0; m < TGDP_M_COUNT; m++) c[k].enabled[m] = listed(methods, tgdp_method_names[m]);
        fprintf(stderr, "%s, %d seeds ...\n", tgdp_precision_name(c[k].precision), seeds);
        if (tgdp_gmm_demo_run(&c[k], &o[k], &err)) {
            fprintf(stderr, "precision_study: %s\n", err.msg);
            return 1;
        }
        secs[k] = o[k].seconds_total;
    }
    printf("bf16 against fp32, %d paired seeds (%d..%d), 2-D mixtures; study time fp32 %.0f s, bf16 %.0f s\n\n", seeds,
           first, first + seeds - 1, secs[0], secs[1]);
    printf("| n | method | MMD² fp32 | MMD² bf16 | bf16 − fp32 (95%% CI) | Wilcoxon p | inside ±0.01 |\n");
    printf("|---|---|---|---|---|---|---|\n");
    double *a = malloc((size_t)seeds * sizeof *a), *b = malloc((size_t)seeds * sizeof *b);
    int bad = 0;
    for (int ni = 0; ni < c[0].n_count; ni++)
        for (int m = 0; m < TGDP_M_COUNT; m++) {
            if (!c[0].enabled[m]) continue;
            const int n = c[0].n_list[ni];
            column(&o[0], n, m, seeds, first, a);
            column(&o[1], n, m, seeds, first, b);
            double ma, mb;
            tgdp_mean_sd(a, seeds, &ma, NULL, NULL);
            tgdp_mean_sd(b, seeds, &mb, NULL, NULL);
            tgdp_paired_stats st;
            if (tgdp_paired_compare(b, a, seeds, 10000, 0.95, 7, &st, &err)) {
                fprintf(stderr, "precision_study: %s\n", err.msg);
                return 1;
            }
            const int inside = st.ci_low >= -0.01 && st.ci_high <= 0.01;
            int same = 1;
            for (int s = 0; s < seeds; s++) same &= a[s] == b[s];
            if (!inside || (m == TGDP_M_ORACLE && !same)) bad = 1;
            printf("| %d | %s | %.4f | %.4f | %+.4f (%+.4f, %+.4f) | %.3f | %s%s |\n", n, tgdp_method_names[m], ma, mb,
                   st.mean_diff, st.ci_low, st.ci_high, st.p_wilcoxon, inside ? "yes" : "NO",
                   m == TGDP_M_ORACLE ? (same ? ", identical" : ", DIFFERS") : "");
        }
    free(a);
    free(b);
    for (int k = 0; k < 2; k++) tgdp_gmm_demo_output_free(&o[k]);
    printf("\n%s\n", bad ? "NOT within the bound (or the oracle row changed)" : "every interval inside +-0.01; oracle row identical");
    return bad;
}

/* The Gaussian-mixture study end to end at --quick size: every row and key, the paired
 * comparisons, common random numbers, and what holds by construction or by a wide margin
 * (orderings between competing methods are the study's findings, not tests: docs/guidance-study.md). */
#include "testutil.h"
#include "tgdp/experiment.h"

#include <string.h>

static const tgdp_gmm_result *find(const tgdp_gmm_demo_output *o, int n, int method)
{
    for (int i = 0; i < o->n_results; i++)
        if (o->results[i].n == n && o->results[i].method == method) return &o->results[i];
    return NULL;
}

static const tgdp_gmm_comparison *find_cmp(const tgdp_gmm_demo_output *o, int n, int m, int base)
{
    for (int i = 0; i < o->n_comparisons; i++)
        if (o->comparisons[i].n == n && o->comparisons[i].method == m && o->comparisons[i].baseline == base)
            return &o->comparisons[i];
    return NULL;
}

static int guided_row(int m)
{
    return m == TGDP_M_TGDP || m == TGDP_M_TGDP_ALG3 || m == TGDP_M_TGDP_REG || m == TGDP_M_TGDP_BAGGED ||
           m == TGDP_M_TGDP_CV || m == TGDP_M_TGDP_COND;
}

static void check_cell(const tgdp_gmm_demo_config *c, const tgdp_gmm_demo_output *o, int ni)
{
    const int n = c->n_list[ni];
    const tgdp_gmm_result *r[TGDP_M_COUNT];
    for (int m = 0; m < TGDP_M_COUNT; m++) {
        r[m] = find(o, n, m);
        CHECKF(r[m] != NULL, "n=%d: no row %s", n, tgdp_method_names[m]);
        if (!r[m]) return;
        printf("n=%d %-22s mmd2 %7.4f nll %6.3f eps err %.4f guid err %.4f mode %.3f label %.3f\n", n,
               tgdp_method_names[m], r[m]->mmd2, r[m]->nll, r[m]->eps_error, r[m]->guidance_error, r[m]->mode_error,
               r[m]->label_accuracy);
        CHECKF(isfinite(r[m]->mmd2) && isfinite(r[m]->energy) && isfinite(r[m]->nll) && isfinite(r[m]->eps_error),
               "n=%d %s: a non-finite score", n, tgdp_method_names[m]);
        /* the guidance error exists exactly for the rows whose guidance estimates h* */
        CHECKF(guided_row(m) == !isnan(r[m]->guidance_error), "n=%d %s: guidance_error %g", n, tgdp_method_names[m],
               r[m]->guidance_error);
    }
    const double floor = o->floor_mmd2[ni * c->seeds], exact_nll = o->exact_nll[ni * c->seeds];
    /* the oracle (exact target noise through the same sampler and ODE) sits at the noise floor */
    CHECKF(fabs(r[TGDP_M_ORACLE]->mmd2 - floor) < 0.006, "oracle %.4f vs floor %.4f", r[TGDP_M_ORACLE]->mmd2, floor);
    CHECKF(fabs(r[TGDP_M_ORACLE]->nll - exact_nll) < 0.01, "oracle NLL %.4f vs exact %.4f", r[TGDP_M_ORACLE]->nll, exact_nll);
    CHECK(r[TGDP_M_ORACLE]->eps_error < 1e-10);
    /* every model is worse than the truth in likelihood, beyond the ODE's error */
    for (int m = 0; m < TGDP_M_COUNT; m++)
        if (m != TGDP_M_ORACLE) CHECKF(r[m]->nll > exact_nll - 0.01, "%s NLL %.3f below the exact %.3f", tgdp_method_names[m], r[m]->nll, exact_nll);
    /* exact guidance on the learned source model: far below the source model alone */
    CHECKF(r[TGDP_M_SOURCE_EXACT_GUIDANCE]->mmd2 < r[TGDP_M_SOURCE_ONLY]->mmd2 / 4, "exact guidance %.4f vs source %.4f",
           r[TGDP_M_SOURCE_EXACT_GUIDANCE]->mmd2, r[TGDP_M_SOURCE_ONLY]->mmd2);
    /* learned guidance moves the source model most of the way (source only: MMD^2 ~0.5) */
    CHECKF(r[TGDP_M_TGDP]->mmd2 < r[TGDP_M_SOURCE_ONLY]->mmd2 / 2, "tgdp %.4f vs source %.4f", r[TGDP_M_TGDP]->mmd2,
           r[TGDP_M_SOURCE_ONLY]->mmd2);
    /* conditional rows generate the requested labels; unconditional ones have no label score */
    CHECKF(r[TGDP_M_TGDP_COND]->label_accuracy > 0.85, "tgdp_cond label accuracy %.3f", r[TGDP_M_TGDP_COND]->label_accuracy);
    CHECKF(r[TGDP_M_FINETUNE_COND]->label_accuracy > 0.85, "finetune_cond label accuracy %.3f",
           r[TGDP_M_FINETUNE_COND]->label_accuracy);
    CHECK(isnan(r[TGDP_M_TGDP]->label_accuracy));
    /* the Algorithm 1 classifiers report their log-ratio error */
    CHECK(isfinite(r[TGDP_M_TGDP_ALG3]->log_r_mae) && isfinite(r[TGDP_M_TGDP_REG]->log_r_mae));
    CHECK(isnan(r[TGDP_M_TGDP]->log_r_mae));
    /* comparisons: every row against finetune and target_only, the difference of the rows */
    for (int m = 0; m < TGDP_M_COUNT; m++) {
        const int bases[2] = {TGDP_M_FINETUNE, TGDP_M_TARGET_ONLY};
        for (int k = 0; k < 2; k++) {
            const tgdp_gmm_comparison *x = find_cmp(o, n, m, bases[k]);
            if (m == bases[k]) {
                CHECK(x == NULL);
                continue;
            }
            CHECKF(x != NULL, "n=%d: no comparison %s - %s", n, tgdp_method_names[m], tgdp_method_names[bases[k]]);
            if (!x) continue;
            CHECK(x->s.n == c->seeds);
            CHECK_CLOSE(x->s.mean_diff, r[m]->mmd2 - r[bases[k]]->mmd2, 1e-12, 0);
            CHECK(x->s.ci_low <= x->s.mean_diff + 1e-12 && x->s.mean_diff <= x->s.ci_high + 1e-12);
            CHECK(x->s.win_rate == (r[m]->mmd2 < r[bases[k]]->mmd2 ? 1.0 : 0.0));
        }
    }
}

/* the full quick study: every row at n = 10 and 100 */
static void test_quick(void)
{
    tgdp_gmm_demo_config c;
    tgdp_gmm_demo_config_default(&c, 2, 1);
    tgdp_gmm_demo_output o;
    tgdp_error err = {0, ""};
    int rc = tgdp_gmm_demo_run(&c, &o, &err);
    CHECKF(rc == TGDP_OK, "%s", err.msg);
    if (rc) return;
    CHECK(o.n_results == c.n_count * c.seeds * TGDP_M_COUNT);
    CHECK(o.n_comparisons == c.n_count * (2 * TGDP_M_COUNT - 2));
    for (int ni = 0; ni < c.n_count; ni++) check_cell(&c, &o, ni);
    tgdp_gmm_demo_output_free(&o);
}

/* o: the rows of c on two threads; one thread gives the same rows in the same order */
static void same_on_one_thread(const tgdp_gmm_demo_config *c, const tgdp_gmm_demo_output *o)
{
    tgdp_gmm_demo_output o1;
    tgdp_error err;
    tgdp_set_threads(1);
    const int rc = tgdp_gmm_demo_run(c, &o1, &err);
    tgdp_set_threads(2);
    CHECKF(rc == TGDP_OK, "%s", err.msg);
    if (rc) return;
    CHECK(o1.n_results == o->n_results);
    for (int i = 0; i < o->n_results && i < o1.n_results; i++)
        CHECKF(o1.results[i].seed == o->results[i].seed && o1.results[i].method == o->results[i].method &&
                   o1.results[i].mmd2 == o->results[i].mmd2 && o1.results[i].eps_error == o->results[i].eps_error,
               "%s row %d: one thread seed %d %s %.6f, two threads seed %d %s %.6f", tgdp_precision_name(c->precision), i,
               o1.results[i].seed, tgdp_method_names[o1.results[i].method], o1.results[i].mmd2, o->results[i].seed,
               tgdp_method_names[o->results[i].method], o->results[i].mmd2);
    tgdp_gmm_demo_output_free(&o1);
}

/* common random numbers: every row of a seed starts the sampler from the same noise, so a
 * guidance scale of 0 reproduces the base model's samples exactly (domain guidance -> source
 * only, tgdp_ft -> finetune); and another seed gives another result */
static void test_common_noise(void)
{
    tgdp_gmm_demo_config c;
    tgdp_gmm_demo_config_default(&c, 2, 1);
    const int n10 = 10;
    tgdp_error err = {0, ""};
    CHECK(tgdp_gmm_demo_config_set_n(&c, &n10, 1, &err) == TGDP_OK);
    for (int m = 0; m < TGDP_M_COUNT; m++) c.enabled[m] = 0;
    c.enabled[TGDP_M_SOURCE_ONLY] = c.enabled[TGDP_M_DOMAIN_GUIDANCE] = 1;
    c.enabled[TGDP_M_FINETUNE] = c.enabled[TGDP_M_TGDP_FT] = c.enabled[TGDP_M_TARGET_ONLY] = 1;
    c.seeds = 2;
    c.m = 2000;
    c.n_eval = 500;
    c.n_nll = 0;
    c.eps_steps = 200;
    c.model_samples = 1000;
    CHECK(tgdp_gmm_demo_config_set(&c, "domain_guidance.w=0", &err) == TGDP_OK);
    CHECK(tgdp_gmm_demo_config_set(&c, "tgdp_ft.w=0", &err) == TGDP_OK);
    CHECK(tgdp_gmm_demo_config_set(&c, "tgdp_ft.steps=20", &err) == TGDP_OK);
    tgdp_gmm_demo_output o;
    int rc = tgdp_gmm_demo_run(&c, &o, &err);
    CHECKF(rc == TGDP_OK, "%s", err.msg);
    if (rc) return;
    for (int s = 0; s < 2; s++) {
        const tgdp_gmm_result *so = NULL, *dg = NULL, *ft = NULL, *tf = NULL;
        for (int i = 0; i < o.n_results; i++) {
            const tgdp_gmm_result *x = &o.results[i];
            if (x->seed != s) continue;
            if (x->method == TGDP_M_SOURCE_ONLY) so = x;
            if (x->method == TGDP_M_DOMAIN_GUIDANCE) dg = x;
            if (x->method == TGDP_M_FINETUNE) ft = x;
            if (x->method == TGDP_M_TGDP_FT) tf = x;
        }
        CHECK(so && dg && ft && tf);
        if (!so || !dg || !ft || !tf) break;
        CHECKF(dg->mmd2 == so->mmd2 && dg->energy == so->energy, "seed %d: w = 0 domain guidance %.6f vs source %.6f", s,
               dg->mmd2, so->mmd2);
        CHECKF(tf->mmd2 == ft->mmd2, "seed %d: w = 0 tgdp_ft %.6f vs finetune %.6f", s, tf->mmd2, ft->mmd2);
        CHECK(isnan(so->nll)); /* --nll-points 0 */
    }
    CHECK(o.results[0].mmd2 != o.results[o.n_results / 2].mmd2); /* seeds 0 and 1 differ */
    /* the seeds ran side by side on two threads; one thread gives the same rows in the same order */
    same_on_one_thread(&c, &o);
    char why[160];
    if (tgdp_precision_check(TGDP_BF16, why, sizeof why)) { /* and in bf16, which differs from fp32 */
        tgdp_gmm_demo_output b;
        c.precision = TGDP_BF16;
        rc = tgdp_gmm_demo_run(&c, &b, &err);
        CHECKF(rc == TGDP_OK, "%s", err.msg);
        if (!rc) {
            CHECK(b.n_results == o.n_results && b.results[0].mmd2 != o.results[0].mmd2);
            same_on_one_thread(&c, &b);
            tgdp_gmm_demo_output_free(&b);
        }
        c.precision = TGDP_FP32;
    } else
        printf("bf16 not checked: %s\n", why);
    tgdp_gmm_demo_output_free(&o);
    /* configuration errors name what is wrong */
    CHECK(tgdp_gmm_demo_config_set(&c, "finetune.gp=1", &err) == TGDP_EINVAL && strstr(err.msg, "no hyperparameter"));
    CHECK(tgdp_gmm_demo_config_set(&c, "nosuch.w=1", &err) == TGDP_EINVAL && strstr(err.msg, "unknown method"));
    CHECK(tgdp_gmm_demo_config_set(&c, "tgdp.w", &err) == TGDP_EINVAL);
    CHECK(tgdp_gmm_demo_config_set(&c, "all.w=2", &err) == TGDP_OK && c.hp[TGDP_M_TGDP][0].w == 2 &&
          c.hp[TGDP_M_FINETUNE][0].w == 0);
}

/* the D-dimensional pair: anisotropic, shared rotation, exact oracle in 8-D */
static void test_dim8(void)
{
    tgdp_gmm P, Q;
    tgdp_error err;
    CHECK(tgdp_gmm_study_mixtures(8, &P, &Q, &err) == TGDP_OK);
    CHECK(P.d == 8 && Q.d == 8 && P.rot && Q.rot && memcmp(P.rot, Q.rot, 64 * sizeof(double)) == 0);
    double lo = 1e9, hi = 0;
    for (int j = 0; j < 8; j++) lo = fmin(lo, P.dvar[j]), hi = fmax(hi, P.dvar[j]);
    CHECK_CLOSE(hi / lo, 10.0, 1e-9, 0); /* eigenvalues spread over a decade */
    tgdp_gmm_free(&P);
    tgdp_gmm_free(&Q);
    CHECK(tgdp_gmm_study_mixtures(1, &P, &Q, &err) == TGDP_EINVAL);
}

int main(void)
{
    tgdp_set_threads(2);
    test_dim8();
    test_common_noise();
    test_quick();
    TEST_MAIN_END();
}

/* The Gaussian-mixture study's driver: per seed the data and source models, per target size the
 * shared evaluation sets, then the rows through the plan runner (tgdp/plan.h), each scored
 * against the exact target. */
#include "gmm_study.h"
#include "tgdp/plan.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int largest_n(const tgdp_gmm_demo_config *c)
{
    int n = 0;
    for (int i = 0; i < c->n_count; i++) n = c->n_list[i] > n ? c->n_list[i] : n;
    return n;
}

int gmm_seed_init(gmm_seed *S, const tgdp_gmm_demo_config *c, const tgdp_gmm *P, const tgdp_gmm *Q,
                  const tgdp_schedule *sched, int si, tgdp_error *err)
{
    memset(S, 0, sizeof *S);
    S->c = c;
    S->P = P;
    S->Q = Q;
    S->sched = sched;
    S->si = si;
    S->seed = c->first_seed + si;
    S->d = P->d;
    tgdp_arena_init(&S->ar);
    const int m = c->m, nt = largest_n(c), d = S->d;
    S->xs = malloc((size_t)m * d * sizeof *S->xs);
    S->xt_all = malloc((size_t)nt * d * sizeof *S->xt_all);
    S->ls = malloc((size_t)m * sizeof *S->ls);
    S->lt = malloc((size_t)nt * sizeof *S->lt);
    S->ls64 = malloc((size_t)m * sizeof *S->ls64);
    S->lt64 = malloc((size_t)nt * sizeof *S->lt64);
    if (!S->xs || !S->xt_all || !S->ls || !S->lt || !S->ls64 || !S->lt64)
        return tgdp_fail(err, TGDP_ENOMEM, "demo gmm: out of memory");
    S->base = tgdp_rng_new(1000003ULL * (uint64_t)(S->seed + 1));
    tgdp_rng r = tgdp_rng_split(&S->base, 1);
    int rc = tgdp_gmm_sample(P, m, &r, S->xs, S->ls, err);
    r = tgdp_rng_split(&S->base, 2);
    if (!rc) rc = tgdp_gmm_sample(Q, nt, &r, S->xt_all, S->lt, err); /* the n-point sets are nested prefixes */
    if (rc) return rc;
    for (int i = 0; i < m; i++) S->ls64[i] = S->ls[i];
    for (int i = 0; i < nt; i++) S->lt64[i] = S->lt[i];
    /* the source models: unconditional and label-conditional */
    tgdp_dataset SD = {m, d, S->xs, NULL}, SC = {m, d, S->xs, S->ls64};
    tgdp_train_opts o;
    gmm_log(c, "seed %d: training the source denoisers (%s, %d steps)", S->seed, c->eps_hidden, c->eps_steps);
    rc = gmm_make_net(S, &S->src, TGDP_ROLE_EPS, c->eps_hidden, 0, S->base.key ^ 11, err);
    gmm_train_opts(&o, S, c->eps_steps, c->lr, S->base.key ^ 12);
    if (!rc) rc = tgdp_train_denoiser(&S->src, sched, &SD, &o, NULL, err);
    if (!rc) rc = gmm_make_net(S, &S->srcc, TGDP_ROLE_EPS, c->eps_hidden, 2, S->base.key ^ 13, err);
    gmm_train_opts(&o, S, c->eps_steps, c->lr, S->base.key ^ 14);
    if (!rc) rc = tgdp_train_denoiser(&S->srcc, sched, &SC, &o, NULL, err);
    return rc;
}

void gmm_seed_free(gmm_seed *S)
{
    free(S->xs); free(S->xt_all); free(S->ls); free(S->lt); free(S->ls64); free(S->lt64);
    tgdp_net_free(&S->src);
    tgdp_net_free(&S->srcc);
    tgdp_arena_free(&S->ar);
    memset(S, 0, sizeof *S);
}

int gmm_cell_init(gmm_cell *C, gmm_seed *S, int ni, const tgdp_gmm_hp *hp, tgdp_gmm_demo_output *out, tgdp_error *err)
{
    const tgdp_gmm_demo_config *c = S->c;
    memset(C, 0, sizeof *C);
    C->S = S;
    C->ni = ni;
    C->n = c->n_list[ni];
    C->hp = hp;
    C->out = out;
    C->key = S->base.key ^ (0x100u * (unsigned)(ni + 1));
    const int ne = c->n_eval, d = S->d, nn = c->n_nll;
    C->fresh = malloc((size_t)ne * d * sizeof *C->fresh);
    C->fresh2 = malloc((size_t)ne * d * sizeof *C->fresh2);
    C->nll_x = malloc((size_t)(nn > 0 ? nn : 1) * d * sizeof *C->nll_x);
    if (!C->fresh || !C->fresh2 || !C->nll_x) return tgdp_fail(err, TGDP_ENOMEM, "demo gmm: out of memory");
    tgdp_rng r = tgdp_rng_split(&S->base, 100 + (uint64_t)ni);
    int rc = tgdp_gmm_sample(S->Q, ne, &r, C->fresh, NULL, err);
    if (!rc) rc = tgdp_gmm_sample(S->Q, ne, &r, C->fresh2, NULL, err);
    if (!rc && nn > 0) rc = tgdp_gmm_sample(S->Q, nn, &r, C->nll_x, NULL, err);
    if (rc || !out || !out->floor_mmd2) return rc;
    /* the noise floor (two exact sample sets) and the exact NLL of the NLL points */
    const size_t at = (size_t)ni * c->seeds + S->si;
    double bw[TGDP_MMD_NUM_BANDWIDTHS];
    gmm_bandwidths(d, bw);
    rc = tgdp_mmd2_rbf(ne, ne, d, C->fresh2, C->fresh, bw, TGDP_MMD_NUM_BANDWIDTHS, &out->floor_mmd2[at], err);
    if (!rc) rc = tgdp_energy_distance(ne, ne, d, C->fresh2, C->fresh, &out->floor_energy[at], err);
    out->exact_nll[at] = NAN;
    if (!rc && nn > 0) {
        double *lq = malloc((size_t)nn * sizeof *lq);
        if (!lq) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
        const double tmin = 1e-3;
        rc = tgdp_gmm_log_prob(S->Q, tgdp_schedule_alpha(S->sched, tmin), tgdp_schedule_sigma(S->sched, tmin), nn, C->nll_x,
                               NULL, lq, err);
        double s = 0;
        for (int i = 0; i < nn; i++) s += lq[i];
        out->exact_nll[at] = -s / nn;
        free(lq);
    }
    return rc;
}

void gmm_cell_free(gmm_cell *C)
{
    for (int a = 0; a < A_COUNT; a++) gmm_release_artifact(C, a);
    free(C->fresh); free(C->fresh2); free(C->nll_x);
    memset(C, 0, sizeof *C);
}

static int plan_build(void *ctx, int a, tgdp_error *err) { return gmm_build_artifact(ctx, a, err); }
static void plan_release(void *ctx, int a) { gmm_release_artifact(ctx, a); }

/* one row: train, sample, score, record */
static int plan_run(void *ctx, int m, tgdp_error *err)
{
    gmm_cell *C = ctx;
    gmm_seed *S = C->S;
    const tgdp_gmm_demo_config *c = S->c;
    double t0 = tgdp_now_s();
    tgdp_gmm_result res;
    memset(&res, 0, sizeof res);
    res.n = C->n;
    res.seed = S->seed;
    res.method = m;
    gmm_row row;
    float *gen = malloc((size_t)c->n_eval * S->d * sizeof *gen);
    if (!gen) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    int rc = gmm_make_row(C, m, &row, err);
    if (!rc) rc = gmm_score_row(C, m, &row, &res, gen, err);
    if (rc) tgdp_error_prefix(err, "%s (seed %d, n = %d)", tgdp_method_names[m], S->seed, C->n);
    res.seconds = tgdp_now_s() - t0;
    char chosen[96] = "";
    if (!rc && row.chosen.steps > 0)
        snprintf(chosen, sizeof chosen, "  [chose gp %g curv %g w %g]", row.chosen.gp, row.chosen.curv, row.chosen.w);
    gmm_row_free(&row);
    if (!rc && C->out) {
        tgdp_gmm_demo_output *o = C->out;
#pragma omp critical
        o->results[o->n_results++] = res;
        if (C->keep_samples) {
            free(o->samples[C->ni][m]);
            o->samples[C->ni][m] = gen;
            gen = NULL;
        }
    }
    if (!rc)
        gmm_log(c, "  seed %d n %d %-21s mmd2 %.4f  nll %.3f  eps err %.4f  (%.1f s)%s", S->seed, C->n,
                tgdp_method_names[m], res.mmd2, res.nll, res.eps_error, res.seconds, chosen);
    C->last = res;
    free(gen);
    return rc;
}

int gmm_cell_run(gmm_cell *C, const int *methods, int n_methods, tgdp_error *err)
{
    const tgdp_plan p = {A_COUNT, gmm_artifact_needs, gmm_method_needs, plan_build, plan_release, plan_run};
    return tgdp_plan_run(&p, methods, n_methods, C, err);
}

/* one replicate: its data and source models, then every target size's rows */
static int run_seed(const tgdp_gmm_demo_config *c, const tgdp_gmm *P, const tgdp_gmm *Q, const tgdp_schedule *sched,
                    int si, const int *methods, int nm, tgdp_gmm_demo_output *out, tgdp_error *err)
{
    gmm_seed S;
    int rc = gmm_seed_init(&S, c, P, Q, sched, si, err);
    for (int ni = 0; ni < c->n_count && !rc; ni++) {
        gmm_cell C;
        tgdp_gmm_hp hp[TGDP_M_COUNT];
        for (int m = 0; m < TGDP_M_COUNT; m++) hp[m] = c->hp[m][ni];
        rc = gmm_cell_init(&C, &S, ni, hp, out, err);
        C.keep_samples = si == 0;
        if (!rc) rc = gmm_cell_run(&C, methods, nm, err);
        gmm_cell_free(&C);
    }
    gmm_seed_free(&S);
    return rc;
}

int gmm_run_tasks(int n, gmm_task_fn fn, void *ctx, const char *who, tgdp_error *err)
{
    int T = tgdp_get_threads();
    T = T > n ? n : T;
    int *rcs = calloc((size_t)n, sizeof *rcs);
    tgdp_error *errs = calloc((size_t)n, sizeof *errs);
    int rc = !rcs || !errs ? tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", who) : TGDP_OK;
    if (!rc && T > 1) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
        for (int i = 0; i < n; i++) rcs[i] = fn(ctx, i, &errs[i]);
    } else if (!rc) { /* no enclosing region, not even an inactive one: the steps use the threads inside */
        for (int i = 0; i < n; i++) /* stop at the first failure */
            if ((rcs[i] = fn(ctx, i, &errs[i]))) break;
    }
    for (int i = 0; i < n && !rc; i++)
        if (rcs[i]) {
            rc = rcs[i];
            if (err) *err = errs[i];
        }
    free(rcs);
    free(errs);
    return rc;
}

typedef struct seed_task {
    const tgdp_gmm_demo_config *c;
    const tgdp_gmm *P, *Q;
    const tgdp_schedule *sched;
    const int *methods;
    int nm;
    tgdp_gmm_demo_output *out;
} seed_task;

static int seed_task_run(void *ctx, int si, tgdp_error *err)
{
    const seed_task *t = ctx;
    return run_seed(t->c, t->P, t->Q, t->sched, si, t->methods, t->nm, t->out, err);
}

/* a stable sort by seed: one thread runs a seed's rows in the serial order, so this restores the
 * order of a serial run (seed, target size, method) */
static void sort_by_seed(tgdp_gmm_result *r, int n)
{
    for (int i = 1; i < n; i++) {
        tgdp_gmm_result x = r[i];
        int j = i;
        for (; j > 0 && r[j - 1].seed > x.seed; j--) r[j] = r[j - 1];
        r[j] = x;
    }
}

int tgdp_gmm_demo_run(const tgdp_gmm_demo_config *c, tgdp_gmm_demo_output *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    const double t_start = tgdp_now_s();
    if (c->seeds < 1 || c->n_count < 1 || c->m < 2 || c->n_eval < 2)
        return tgdp_fail(err, TGDP_EINVAL, "demo gmm: needs seeds >= 1, target sizes, m >= 2 and n_eval >= 2");
    int methods[TGDP_M_COUNT], nm = 0;
    for (int m = 0; m < TGDP_M_COUNT; m++)
        if (c->enabled[m]) methods[nm++] = m;
    const size_t cells = (size_t)c->n_count * c->seeds;
    out->results = calloc(cells * TGDP_M_COUNT, sizeof *out->results);
    out->floor_mmd2 = calloc(cells, sizeof(double));
    out->floor_energy = calloc(cells, sizeof(double));
    out->exact_nll = calloc(cells, sizeof(double));
    if (!out->results || !out->floor_mmd2 || !out->floor_energy || !out->exact_nll)
        return tgdp_fail(err, TGDP_ENOMEM, "demo gmm: out of memory");
    tgdp_gmm P, Q;
    tgdp_schedule sched;
    int rc = tgdp_gmm_study_mixtures(c->dim, &P, &Q, err);
    if (rc) return rc;
    rc = tgdp_schedule_init_vp_linear(&sched, 0.1, 20, err);
    const tgdp_precision caller_precision = tgdp_use_precision(c->precision); /* the evaluations' */
    /* the seeds side by side (gmm_run_tasks): independent replicates share nothing but the output */
    seed_task t = {c, &P, &Q, &sched, methods, nm, out};
    if (!rc) rc = gmm_run_tasks(c->seeds, seed_task_run, &t, "demo gmm", err);
    if (!rc) sort_by_seed(out->results, out->n_results);
    tgdp_use_precision(caller_precision);
    tgdp_schedule_free(&sched);
    tgdp_gmm_free(&P);
    tgdp_gmm_free(&Q);
    if (!rc) rc = tgdp_gmm_compare(c, out, err);
    out->seconds_total = tgdp_now_s() - t_start;
    return rc;
}

void tgdp_gmm_demo_output_free(tgdp_gmm_demo_output *out)
{
    free(out->results);
    free(out->floor_mmd2);
    free(out->floor_energy);
    free(out->exact_nll);
    free(out->comparisons);
    for (int i = 0; i < TGDP_GMM_MAX_N; i++)
        for (int m = 0; m < TGDP_M_COUNT; m++) free(out->samples[i][m]);
    memset(out, 0, sizeof *out);
}

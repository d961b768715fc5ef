/* Tuning the Gaussian-mixture study's rows on seeds that are never reported: every tunable row
 * gets a grid of the same size (6 points over one or two of its hyperparameters), each point is
 * run on every tuning seed and target size, and the point with the lowest mean MMD^2 is kept per
 * target size. Rows built on another row's model are tuned after it, with its chosen values. */
#include "gmm_study.h"
#include "tgdp/io.h"
#include "tgdp/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRID_POINTS 6

/* a row's grid: GRID_POINTS points, each a value of key[0] (and of key[1], key[2] when given) */
typedef struct tune_grid {
    int method;
    const char *key[3];
    double v[GRID_POINTS][3];
} tune_grid;

/* In dependency order (finetune before domain_guidance and tgdp_ft, tgdp before tgdp_reg).
 * The grids were set in passes on the same tuning seeds (docs/guidance-study.md): a first pass
 * put choices on the edges of narrower grids (target_only and finetune at their lowest learning
 * rates, the time classifiers at their weakest penalties), so every grid was widened the same way;
 * the second showed that the time classifiers' grid, unlike the baselines', did not cover their
 * training length (TGDP at n = 1000 far above its exact-guidance floor), so the third gives every
 * classifier-based row the training steps as a knob, as target_only and finetune have theirs
 * (500 or 2000 steps first; 2000 won everywhere, so the grid moved to 2000 or 6000).
 * Every row's final choice comes from one grid of GRID_POINTS points. */
static const tune_grid grids[] = {
    {TGDP_M_TARGET_ONLY, {"steps", "lr"}, {{1000, 1e-4}, {1000, 3e-4}, {1000, 1e-3}, {3000, 1e-4}, {3000, 3e-4}, {3000, 1e-3}}},
    {TGDP_M_FINETUNE, {"steps", "lr"}, {{300, 3e-5}, {300, 1e-4}, {300, 3e-4}, {1000, 3e-5}, {1000, 1e-4}, {1000, 3e-4}}},
    {TGDP_M_FINETUNE_COND, {"steps", "lr"}, {{300, 3e-5}, {300, 1e-4}, {300, 3e-4}, {1000, 3e-5}, {1000, 1e-4}, {1000, 3e-4}}},
    {TGDP_M_DOMAIN_GUIDANCE, {"w"}, {{0.5}, {0.75}, {1}, {1.25}, {1.5}, {2}}},
    {TGDP_M_TGDP_ALG3, {"wd", "steps"}, {{0.1, 2000}, {1, 2000}, {3, 2000}, {0.1, 5000}, {1, 5000}, {3, 5000}}},
#define TCLS_GRID {"steps", "gp", "curv"}, {{2000, 0, 0}, {2000, 0.01, 0.1}, {2000, 0.1, 0}, {6000, 0, 0}, {6000, 0.01, 0.1}, {6000, 0.1, 0}}
    {TGDP_M_TGDP, TCLS_GRID},
    {TGDP_M_TGDP_REG, {"eta_cycle", "eta_cons"}, {{0.01, 0.01}, {0.1, 0.01}, {1, 0.01}, {0.01, 0.1}, {0.1, 0.1}, {1, 0.1}}},
    {TGDP_M_TGDP_MODEL, TCLS_GRID},
    {TGDP_M_TGDP_BAGGED, TCLS_GRID},
    {TGDP_M_TGDP_FT, {"w", "steps"}, {{0.25, 2000}, {0.5, 2000}, {1, 2000}, {0.25, 6000}, {0.5, 6000}, {1, 6000}}},
    {TGDP_M_TGDP_COND, TCLS_GRID},
#undef TCLS_GRID
};
#define N_GRIDS (int)(sizeof grids / sizeof *grids)

static void grid_point(const tune_grid *g, int p, tgdp_gmm_hp *hp)
{
    for (int k = 0; k < 3 && g->key[k]; k++) gmm_hp_set(hp, g->key[k], g->v[p][k]);
}

/* one cell of the tuning: method g->method at grid point p on tuning seed S, target size ni. Cells
 * of one seed may run at once on different threads: they share its data and source models (only
 * read) but each gets its own scratch arena (the seed's is reset by every network evaluation). */
static int run_cell(const tgdp_gmm_demo_config *c, const gmm_seed *S, const tune_grid *g, int p, int ni, double *mmd2,
                    tgdp_error *err)
{
    tgdp_gmm_hp hp[TGDP_M_COUNT];
    for (int m = 0; m < TGDP_M_COUNT; m++) hp[m] = c->hp[m][ni];
    grid_point(g, p, &hp[g->method]);
    gmm_seed own = *S;
    tgdp_arena_init(&own.ar);
    gmm_cell C;
    int rc = gmm_cell_init(&C, &own, ni, hp, NULL, err);
    if (!rc) rc = gmm_cell_run(&C, &g->method, 1, err);
    *mmd2 = C.last.mmd2;
    gmm_cell_free(&C);
    tgdp_arena_free(&own.ar);
    return rc;
}

typedef struct grid_task {
    const tgdp_gmm_demo_config *c;
    const gmm_seed *seeds;
    const tune_grid *g;
    int ni;
    double *mmd2; /* [GRID_POINTS * seeds] */
} grid_task;

static int grid_task_run(void *ctx, int k, tgdp_error *err)
{
    const grid_task *t = ctx;
    const int ns = t->c->seeds;
    return run_cell(t->c, &t->seeds[k % ns], t->g, k / ns, t->ni, &t->mmd2[k], err);
}

/* the mean MMD^2 over the tuning seeds of every grid point of g at target size ni: the
 * independent (point, seed) cells side by side on the threads (gmm_run_tasks) */
static int run_grid(const tgdp_gmm_demo_config *c, const gmm_seed *seeds, const tune_grid *g, int ni,
                    double mean[GRID_POINTS], tgdp_error *err)
{
    double *mmd2 = calloc((size_t)GRID_POINTS * c->seeds, sizeof *mmd2);
    if (!mmd2) return tgdp_fail(err, TGDP_ENOMEM, "tune: out of memory");
    grid_task t = {c, seeds, g, ni, mmd2};
    const int rc = gmm_run_tasks(GRID_POINTS * c->seeds, grid_task_run, &t, "tune", err);
    for (int p = 0; p < GRID_POINTS && !rc; p++) {
        double s = 0;
        for (int si = 0; si < c->seeds; si++) s += mmd2[p * c->seeds + si];
        mean[p] = s / c->seeds;
    }
    free(mmd2);
    return rc;
}

static void write_inc(FILE *f, const tgdp_gmm_demo_config *c)
{
    fprintf(f, "/* written by `tgdp demo gmm --tune --dim %d --seeds %d --first-seed %d --precision %s` */\n", c->dim,
            c->seeds, c->first_seed, tgdp_precision_name(tgdp_precision_effective(c->precision)));
    fprintf(f, "{{");
    for (int ni = 0; ni < c->n_count; ni++) fprintf(f, "%s%d", ni ? ", " : "", c->n_list[ni]);
    fprintf(f, "},\n {\n");
    for (int m = 0; m < TGDP_M_COUNT; m++) {
        fprintf(f, "  /* %s */ {", tgdp_method_names[m]);
        for (int ni = 0; ni < c->n_count; ni++) {
            const tgdp_gmm_hp *h = &c->hp[m][ni];
            fprintf(f, "%s{%d, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g}", ni ? ", " : "", h->steps, h->lr, h->w,
                    h->gp, h->curv, h->wd, h->ls, h->eta_cycle, h->eta_cons);
        }
        fprintf(f, "},\n");
    }
    fprintf(f, " }}\n");
}

typedef struct tune_log {
    const tgdp_gmm_demo_config *c;
    double score[N_GRIDS][TGDP_GMM_MAX_N][GRID_POINTS];
    int best[N_GRIDS][TGDP_GMM_MAX_N];
} tune_log;

static int write_tuning_json(FILE *f, void *ctx)
{
    const tune_log *L = ctx;
    const tgdp_gmm_demo_config *c = L->c;
    tgdp_json j;
    tgdp_json_init(&j, f, 3);
    tgdp_json_begin_object(&j, NULL);
    tgdp_json_int(&j, "dim", c->dim);
    tgdp_json_int(&j, "first_seed", c->first_seed);
    tgdp_json_int(&j, "seeds", c->seeds);
    tgdp_json_str(&j, "precision", tgdp_precision_name(tgdp_precision_effective(c->precision)));
    tgdp_json_str(&j, "objective", "mean MMD^2 over the tuning seeds, per target size");
    tgdp_json_begin_array(&j, "grids");
    for (int gi = 0; gi < N_GRIDS; gi++) {
        const tune_grid *g = &grids[gi];
        if (!c->enabled[g->method]) continue;
        tgdp_json_begin_object(&j, NULL);
        tgdp_json_str(&j, "method", tgdp_method_names[g->method]);
        tgdp_json_begin_array(&j, "points");
        for (int ni = 0; ni < c->n_count; ni++)
            for (int p = 0; p < GRID_POINTS; p++) {
                tgdp_json_begin_object(&j, NULL);
                tgdp_json_int(&j, "n", c->n_list[ni]);
                for (int k = 0; k < 3 && g->key[k]; k++) tgdp_json_num(&j, g->key[k], g->v[p][k]);
                tgdp_json_num(&j, "mean_mmd2", L->score[gi][ni][p]);
                tgdp_json_bool(&j, "chosen", L->best[gi][ni] == p);
                tgdp_json_end_object(&j);
            }
        tgdp_json_end_array(&j);
        tgdp_json_end_object(&j);
    }
    tgdp_json_end_array(&j);
    tgdp_json_end_object(&j);
    tgdp_json_finish(&j);
    return ferror(f) ? -1 : 0;
}

static int write_inc_cb(FILE *f, void *ctx)
{
    write_inc(f, ctx);
    return ferror(f) ? -1 : 0;
}

int tgdp_gmm_tune(tgdp_gmm_demo_config *c, const char *dir, tgdp_error *err)
{
    tune_log *L = calloc(1, sizeof *L);
    gmm_seed *seeds = calloc((size_t)c->seeds, sizeof *seeds);
    if (!L || !seeds) {
        free(L);
        free(seeds);
        return tgdp_fail(err, TGDP_ENOMEM, "tune: out of memory");
    }
    L->c = c;
    /* the evaluations' precision, as in the demo: the training loops set their own and put back
     * the caller's, so on several threads this must be set first or a cell's sampling would run
     * in whichever precision another thread's training had left (bf16 tuning varied run to run) */
    const tgdp_precision caller_precision = tgdp_use_precision(c->precision);
    tgdp_gmm P, Q;
    tgdp_schedule sched;
    memset(&sched, 0, sizeof sched);
    memset(&P, 0, sizeof P);
    memset(&Q, 0, sizeof Q);
    int rc = tgdp_gmm_study_mixtures(c->dim, &P, &Q, err), ns = 0;
    if (!rc) rc = tgdp_schedule_init_vp_linear(&sched, 0.1, 20, err);
    for (; ns < c->seeds && !rc; ns++) rc = gmm_seed_init(&seeds[ns], c, &P, &Q, &sched, ns, err);
    for (int gi = 0; gi < N_GRIDS && !rc; gi++) {
        const tune_grid *g = &grids[gi];
        if (!c->enabled[g->method]) continue;
        for (int ni = 0; ni < c->n_count && !rc; ni++) {
            rc = run_grid(c, seeds, g, ni, L->score[gi][ni], err);
            if (rc) break;
            int best = 0;
            for (int p = 1; p < GRID_POINTS; p++)
                if (L->score[gi][ni][p] < L->score[gi][ni][best]) best = p;
            L->best[gi][ni] = best;
            grid_point(g, best, &c->hp[g->method][ni]);
            char what[160] = "";
            for (int k = 0, l = 0; k < 3 && g->key[k]; k++)
                l += snprintf(what + l, sizeof what - (size_t)l, "%s%s = %g", k ? ", " : "", g->key[k], g->v[best][k]);
            gmm_log(c, "tuned %s at n = %d: %s (mean MMD^2 %.4f)", tgdp_method_names[g->method], c->n_list[ni], what,
                    L->score[gi][ni][best]);
        }
    }
    for (int i = 0; i < ns; i++) gmm_seed_free(&seeds[i]);
    tgdp_use_precision(caller_precision);
    tgdp_schedule_free(&sched);
    tgdp_gmm_free(&P);
    tgdp_gmm_free(&Q);
    char path[4096];
    if (!rc) {
        snprintf(path, sizeof path, "%s/tuning.json", dir);
        rc = tgdp_atomic_write(path, write_tuning_json, L, err);
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/tuned_hp.inc", dir);
        rc = tgdp_atomic_write(path, write_inc_cb, c, err);
    }
    free(L);
    free(seeds);
    return rc;
}

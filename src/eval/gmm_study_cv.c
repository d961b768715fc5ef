/* tgdp_cv: the time-classifier estimator with its penalties and guidance scale chosen per run from
 * the target points alone, by K-fold held-out denoising loss of the guided model:
 *
 *   L(gp, curv, w) = E_{x0 held out, t, eps} || eps_src(x_t, t) - w sigma_t grad log h(x_t, t) - eps ||^2
 *
 * (Algorithm 4's consistency loss, which is the denoising loss a model of the target minimises),
 * with h from a classifier trained without the held-out fold. Every candidate sees the same held-out
 * draws (t, eps), so the choice compares like with like; nothing uses MMD or the oracle. */
#include "gmm_study.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double cv_gp[] = {0, 0.01}, cv_curv[] = {0, 0.1}, cv_w[] = {0.5, 0.75, 1.0};
#define N_GP (int)(sizeof cv_gp / sizeof *cv_gp)
#define N_CURV (int)(sizeof cv_curv / sizeof *cv_curv)
#define N_W (int)(sizeof cv_w / sizeof *cv_w)
#define CV_DRAWS 128 /* (t, eps) draws per held-out point */

/* the held-out draws of one fold: noised points, times, noise and the source model's noise */
typedef struct fold_draws {
    int rows;
    float *xt, *t, *eps, *eps_src, *g;
} fold_draws;

static void draws_free(fold_draws *f)
{
    free(f->xt); free(f->t); free(f->eps); free(f->eps_src); free(f->g);
    memset(f, 0, sizeof *f);
}

static int make_draws(gmm_cell *C, const float *x0, int nv, uint64_t seed, fold_draws *f, tgdp_error *err)
{
    gmm_seed *S = C->S;
    const int d = S->d, rows = nv * CV_DRAWS;
    f->rows = rows;
    f->xt = malloc((size_t)rows * d * sizeof *f->xt);
    f->t = malloc((size_t)rows * sizeof *f->t);
    f->eps = malloc((size_t)rows * d * sizeof *f->eps);
    f->eps_src = malloc((size_t)rows * d * sizeof *f->eps_src);
    f->g = malloc((size_t)rows * d * sizeof *f->g);
    if (!f->xt || !f->t || !f->eps || !f->eps_src || !f->g) return tgdp_fail(err, TGDP_ENOMEM, "tgdp_cv: out of memory");
    tgdp_rng r = tgdp_rng_new(seed);
    for (int i = 0; i < rows; i++) memcpy(f->xt + (size_t)i * d, x0 + (size_t)(i / CV_DRAWS) * d, (size_t)d * sizeof(float));
    tgdp_rng_fill_uniform(&r, f->t, (size_t)rows, 1e-3f, 1.0f);
    tgdp_rng_fill_normal(&r, f->eps, (size_t)rows * d, 0, 1);
    tgdp_schedule_noise(S->sched, rows, d, f->xt, f->t, f->eps, f->xt);
    return tgdp_net_eval(&S->src, &S->ar, rows, f->xt, f->t, NULL, f->eps_src, err);
}

/* adds, for each w, the held-out loss of the classifier c on the draws */
static int fold_loss(gmm_cell *C, tgdp_net *c, fold_draws *f, double *loss_w)
{
    gmm_seed *S = C->S;
    const int d = S->d;
    tgdp_error e;
    /* g = grad log h = -grad logit c' */
    if (tgdp_net_input_grad(c, &S->ar, f->rows, f->xt, f->t, NULL, TGDP_ACT_IDENTITY, -1.0f, f->g, &e)) return e.code;
    double aa = 0, ab = 0, bb = 0;
    for (int i = 0; i < f->rows; i++) {
        const double s = tgdp_schedule_sigma(S->sched, f->t[i]);
        for (int j = 0; j < d; j++) {
            const size_t q = (size_t)i * d + j;
            const double a = (double)f->eps_src[q] - f->eps[q], b = s * f->g[q];
            aa += a * a, ab += a * b, bb += b * b;
        }
    }
    for (int k = 0; k < N_W; k++) loss_w[k] += (aa - 2 * cv_w[k] * ab + cv_w[k] * cv_w[k] * bb) / f->rows;
    return TGDP_OK;
}

int gmm_cv_row(gmm_cell *C, gmm_row *row, tgdp_error *err)
{
    gmm_seed *S = C->S;
    const int n = C->n, d = S->d, K = S->c->cv_folds < n ? S->c->cv_folds : n;
    tgdp_gmm_hp hp = C->hp[TGDP_M_TGDP_CV];
    tgdp_dataset SD = {S->c->m, d, S->xs, NULL};
    int64_t *perm = malloc((size_t)n * sizeof *perm);
    float *xtr = malloc((size_t)n * d * sizeof *xtr), *xva = malloc((size_t)n * d * sizeof *xva);
    double loss[N_GP * N_CURV][N_W];
    memset(loss, 0, sizeof loss);
    int rc = (!perm || !xtr || !xva) ? tgdp_fail(err, TGDP_ENOMEM, "tgdp_cv: out of memory") : TGDP_OK;
    tgdp_rng r = tgdp_rng_new(C->key ^ 0xcf01dULL);
    if (!rc) tgdp_rng_permutation(&r, perm, (size_t)n);
    for (int k = 0; k < K && !rc; k++) {
        int ntr = 0, nva = 0;
        for (int i = 0; i < n; i++) {
            float *dst = (i % K == k) ? xva + (size_t)nva++ * d : xtr + (size_t)ntr++ * d;
            memcpy(dst, S->xt_all + (size_t)perm[i] * d, (size_t)d * sizeof *dst);
        }
        fold_draws f;
        memset(&f, 0, sizeof f);
        rc = make_draws(C, xva, nva, C->key ^ (0xcf100ULL + (unsigned)k), &f, err);
        tgdp_dataset TR = {ntr, d, xtr, NULL};
        for (int p = 0; p < N_GP * N_CURV && !rc; p++) {
            tgdp_net c;
            memset(&c, 0, sizeof c);
            hp.gp = cv_gp[p / N_CURV];
            hp.curv = cv_curv[p % N_CURV];
            rc = gmm_train_tcls(C, &c, &hp, &SD, &TR, 0, C->key ^ (0xcf200ULL + 16 * (unsigned)(k * 8 + p)), err);
            if (!rc && (rc = fold_loss(C, &c, &f, loss[p]))) tgdp_fail(err, rc, "tgdp_cv: held-out loss failed");
            tgdp_net_free(&c);
        }
        draws_free(&f);
    }
    int bp = 0, bw = 0;
    for (int p = 0; p < N_GP * N_CURV; p++)
        for (int w = 0; w < N_W; w++)
            if (loss[p][w] < loss[bp][bw]) bp = p, bw = w;
    free(perm); free(xtr); free(xva);
    if (rc) return rc;
    hp.gp = cv_gp[bp / N_CURV];
    hp.curv = cv_curv[bp % N_CURV];
    hp.w = cv_w[bw];
    row->chosen = hp;
    tgdp_dataset T = {n, d, S->xt_all, NULL};
    tgdp_net *c = &row->nets[row->n_nets++];
    if ((rc = gmm_train_tcls(C, c, &hp, &SD, &T, 0, C->key ^ 0xcf300ULL, err))) return rc;
    row->e = (tgdp_eps_ctx){S->sched, &S->src, NULL, c, hp.w, NULL, &S->ar, NULL, NULL, 0};
    row->fn = tgdp_eps_guided;
    row->div_fn = tgdp_eps_guided_div;
    row->guide_kind = 1;
    return TGDP_OK;
}

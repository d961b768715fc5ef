/* A row's scores against the exact target: MMD^2 and energy distance of its samples to fresh
 * exact samples, the NLL of held-out exact samples under its model (probability-flow ODE with
 * the exact divergence), mode-mass and label errors, and its noise error against the exact
 * target noise (every row) and guidance error against grad log h* (rows that estimate h*). Every
 * row of a cell uses the same evaluation sets and the same sampler starting noise. */
#include "gmm_study.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ERR_POINTS 2000
static const double err_times[5] = {0.05, 0.1, 0.3, 0.5, 0.8};

void gmm_bandwidths(int d, double *bw)
{
    const double k = sqrt(d / 2.0);
    for (int i = 0; i < TGDP_MMD_NUM_BANDWIDTHS; i++) bw[i] = tgdp_mmd_default_bandwidths[i] * k;
}

int gmm_log_r_mae(gmm_cell *C, tgdp_net *cls, double *out, tgdp_error *err)
{
    gmm_seed *S = C->S;
    const int m = S->c->m;
    tgdp_dataset SD = {m, S->d, S->xs, NULL};
    float *lr = malloc((size_t)m * sizeof *lr), *r = malloc((size_t)m * sizeof *r);
    double *truth = malloc((size_t)m * sizeof *truth);
    int rc = (!lr || !r || !truth) ? tgdp_fail(err, TGDP_ENOMEM, "out of memory") : 0;
    if (!rc) rc = tgdp_density_ratio(cls, &S->ar, &SD, r, lr, err);
    if (!rc) rc = tgdp_gmm_log_h(S->P, S->Q, 1.0, 0.0, m, S->xs, NULL, truth, err);
    if (!rc) rc = tgdp_log_ratio_mae(m, lr, truth, out, err);
    free(lr); free(r); free(truth);
    return rc;
}

/* -mean log p(x) of the NLL points under the row's model; conditional rows marginalise the label
 * with the cell's sampling probabilities: p(x) = sum_y pi_y p(x | y) */
static int row_nll(gmm_cell *C, gmm_row *row, double *out, tgdp_error *err)
{
    gmm_seed *S = C->S;
    const int nn = S->c->n_nll, d = S->d;
    double *lp = malloc((size_t)nn * sizeof *lp), *acc = malloc((size_t)nn * sizeof *acc);
    int64_t *y = malloc((size_t)nn * sizeof *y);
    int rc = (!lp || !acc || !y) ? tgdp_fail(err, TGDP_ENOMEM, "out of memory") : TGDP_OK;
    tgdp_eps_ctx *e = gmm_row_eps_ctx(row);
    const int64_t *keep = e ? e->labels : NULL;
    for (int lab = 0; lab < (row->cond ? 2 : 1) && !rc; lab++) {
        if (row->cond) {
            for (int i = 0; i < nn; i++) y[i] = lab;
            e->labels = y;
        }
        rc = tgdp_flow_log_prob(S->sched, row->div_fn, row->ctx, nn, d, C->nll_x, S->c->nll_steps, 1e-3, lp, err);
        for (int i = 0; !rc && i < nn; i++) {
            const double v = row->cond ? log(C->pi[lab]) + lp[i] : lp[i];
            acc[i] = lab == 0 ? v : fmax(acc[i], v) + log1p(exp(-fabs(acc[i] - v)));
        }
    }
    if (e) e->labels = keep;
    double s = 0;
    for (int i = 0; !rc && i < nn; i++) s += acc[i];
    *out = rc ? NAN : -s / nn;
    free(lp); free(acc); free(y);
    return rc;
}

/* noise error of the row (every row) and guidance error (rows estimating h*) at x_t ~ q_t */
static int row_errors(gmm_cell *C, int method, gmm_row *row, tgdp_gmm_result *res, tgdp_error *err)
{
    gmm_seed *S = C->S;
    const int n = ERR_POINTS, d = S->d;
    const size_t nd = (size_t)n * d;
    float *x0 = malloc(nd * sizeof *x0), *xt = malloc(nd * sizeof *xt), *eps = malloc(nd * sizeof *eps);
    float *er = malloc(nd * sizeof *er), *ex = malloc(nd * sizeof *ex), *eb = malloc(nd * sizeof *eb);
    float *hs = malloc(nd * sizeof *hs);
    int *lab = malloc((size_t)n * sizeof *lab);
    int64_t *lab64 = malloc((size_t)n * sizeof *lab64);
    int rc = (!x0 || !xt || !eps || !er || !ex || !eb || !hs || !lab || !lab64)
                 ? tgdp_fail(err, TGDP_ENOMEM, "out of memory") : TGDP_OK;
    tgdp_eps_ctx *e = gmm_row_eps_ctx(row);
    const int64_t *keep = e ? e->labels : NULL;
    tgdp_rng r = tgdp_rng_new(C->key ^ 0xe77ULL); /* the same points for every row */
    double eps_err = 0, guid_err = 0;
    for (int k = 0; k < 5 && !rc; k++) {
        const double t = err_times[k], a = tgdp_schedule_alpha(S->sched, t), s = tgdp_schedule_sigma(S->sched, t);
        if ((rc = tgdp_gmm_sample(S->Q, n, &r, x0, lab, err))) break;
        tgdp_rng_fill_normal(&r, eps, nd, 0, 1);
        for (size_t i = 0; i < nd; i++) xt[i] = (float)(a * x0[i] + s * eps[i]);
        for (int i = 0; i < n; i++) lab64[i] = lab[i];
        if (row->cond) e->labels = lab64;
        const int *cl = row->cond ? lab : NULL;
        if ((rc = row->fn(row->ctx, n, d, xt, (float)t, er, err))) break;
        if ((rc = tgdp_gmm_eps(S->Q, a, s, n, xt, cl, ex, err))) break;
        double se = 0;
        for (size_t i = 0; i < nd; i++) se += ((double)er[i] - ex[i]) * ((double)er[i] - ex[i]);
        eps_err += se / nd / 5;
        if (!row->guide_kind) continue;
        /* the guidance actually applied, w sigma grad log h = eps_base - eps_row, against sigma grad log h* */
        tgdp_eps_ctx base = *e;
        if ((rc = tgdp_eps_plain(&base, n, d, xt, (float)t, eb, err))) break;
        if ((rc = tgdp_gmm_grad_log_h(S->P, S->Q, a, s, n, xt, cl, hs, err))) break;
        double sg = 0;
        for (size_t i = 0; i < nd; i++) {
            const double dlt = ((double)eb[i] - er[i]) - s * hs[i];
            sg += dlt * dlt;
        }
        guid_err += sg / nd / 5;
    }
    if (e) e->labels = keep;
    res->eps_error = rc ? NAN : eps_err;
    res->guidance_error = (rc || !row->guide_kind) ? NAN : guid_err;
    (void)method;
    free(x0); free(xt); free(eps); free(er); free(ex); free(eb); free(hs); free(lab); free(lab64);
    return rc;
}

int gmm_score_row(gmm_cell *C, int method, gmm_row *row, tgdp_gmm_result *res, float *gen, tgdp_error *err)
{
    gmm_seed *S = C->S;
    const tgdp_gmm_demo_config *c = S->c;
    const int ne = c->n_eval, d = S->d;
    int big = ne > ERR_POINTS ? ne : ERR_POINTS;
    if (c->n_nll > big) big = c->n_nll;
    float *scratch = malloc((size_t)big * d * sizeof *scratch);
    if (!scratch) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    tgdp_eps_ctx *e = gmm_row_eps_ctx(row);
    if (e) e->scratch = scratch;
    res->label_accuracy = NAN;
    res->log_r_mae = row->log_r_mae;
    /* the sampler's starting noise: the same stream for every row of the cell */
    tgdp_rng rs = tgdp_rng_new(C->key ^ 0x5a3e1ULL);
    int rc = tgdp_sample(S->sched, c->sampler, c->sample_steps, 1e-3, row->fn, row->ctx, ne, d, &rs, gen, err);
    double bw[TGDP_MMD_NUM_BANDWIDTHS];
    gmm_bandwidths(d, bw);
    if (!rc) rc = tgdp_mmd2_rbf(ne, ne, d, gen, C->fresh, bw, TGDP_MMD_NUM_BANDWIDTHS, &res->mmd2, err);
    if (!rc) rc = tgdp_energy_distance(ne, ne, d, gen, C->fresh, &res->energy, err);
    if (!rc) rc = tgdp_mode_mass_error(S->Q, 0, ne, gen, &res->mode_error, err);
    if (!rc && row->labels) rc = tgdp_label_accuracy(S->Q, ne, gen, row->labels, &res->label_accuracy, err);
    res->nll = NAN;
    if (!rc && c->n_nll > 0) rc = row_nll(C, row, &res->nll, err);
    if (!rc) rc = row_errors(C, method, row, res, err);
    if (e) e->scratch = NULL;
    free(scratch);
    return rc;
}

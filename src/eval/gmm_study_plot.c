/* Plots of the Gaussian-mixture study: per target size one PNG with a panel per row, its samples
 * over the exact target log-density. For D > 2 everything is projected on the first two principal
 * axes of the target (the projected target is again a mixture, drawn exactly). */
#include "gmm_study.h"
#include "tgdp/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the top two eigenvectors (columns of P, d x 2) of the target's covariance, by power iteration
 * with deflation from fixed starting vectors */
static void principal_axes(const tgdp_gmm *Q, double *P)
{
    const int d = Q->d;
    double *cov = calloc((size_t)d * d, sizeof *cov), *mean = calloc((size_t)d, sizeof *mean), *v = malloc((size_t)d * sizeof *v);
    if (!cov || !mean || !v) {
        for (int i = 0; i < 2 * d; i++) P[i] = (i / 2 == i % 2); /* the first two axes */
        free(cov); free(mean); free(v);
        return;
    }
    for (int c = 0; c < Q->k; c++)
        for (int i = 0; i < d; i++) mean[i] += Q->w[c] * Q->mu[c * d + i];
    for (int c = 0; c < Q->k; c++)
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) {
                double s = 0; /* R diag(dvar) R^T */
                for (int k = 0; k < d; k++) {
                    double ri = Q->rot ? Q->rot[i * d + k] : (i == k), rj = Q->rot ? Q->rot[j * d + k] : (j == k);
                    s += ri * Q->dvar[c * d + k] * rj;
                }
                cov[i * d + j] += Q->w[c] * (s + (Q->mu[c * d + i] - mean[i]) * (Q->mu[c * d + j] - mean[j]));
            }
    for (int a = 0; a < 2; a++) {
        for (int i = 0; i < d; i++) v[i] = 1.0 + 0.1 * i + a * (i % 2 ? -1 : 1);
        for (int it = 0; it < 500; it++) {
            double nv = 0;
            double *w = P + 0; /* reuse P's column a as the product buffer */
            for (int i = 0; i < d; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) s += cov[i * d + j] * v[j];
                w[i * 2 + a] = s;
            }
            if (a == 1) { /* deflate against the first axis */
                double dot = 0;
                for (int i = 0; i < d; i++) dot += w[i * 2 + 1] * P[i * 2];
                for (int i = 0; i < d; i++) w[i * 2 + 1] -= dot * P[i * 2];
            }
            for (int i = 0; i < d; i++) nv += w[i * 2 + a] * w[i * 2 + a];
            nv = sqrt(nv);
            for (int i = 0; i < d; i++) v[i] = nv > 0 ? w[i * 2 + a] / nv : 0;
        }
        for (int i = 0; i < d; i++) P[i * 2 + a] = v[i];
    }
    free(cov); free(mean); free(v);
}

/* the 2-D mixture of the projection P^T x of Q (its components must share one covariance) */
static int projected_mixture(const tgdp_gmm *Q, const double *P, tgdp_gmm *out, tgdp_error *err)
{
    const int d = Q->d;
    double C[4] = {0, 0, 0, 0}, mu[2 * 16];
    if (Q->k > 16) return tgdp_fail(err, TGDP_EINVAL, "plot: too many components");
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            for (int k = 0; k < d; k++) {
                double pa = 0, pb = 0;
                for (int i = 0; i < d; i++) {
                    double r = Q->rot ? Q->rot[i * d + k] : (i == k);
                    pa += P[i * 2 + a] * r;
                    pb += P[i * 2 + b] * r;
                }
                C[a * 2 + b] += pa * Q->dvar[k] * pb; /* component 0's covariance, shared */
            }
    for (int c = 0; c < Q->k; c++)
        for (int a = 0; a < 2; a++) {
            double s = 0;
            for (int i = 0; i < d; i++) s += P[i * 2 + a] * Q->mu[c * d + i];
            mu[c * 2 + a] = s;
        }
    /* eigen-decomposition of the symmetric 2 x 2 C: C = R diag(l) R^T */
    const double th = 0.5 * atan2(2 * C[1], C[0] - C[3]), cs = cos(th), sn = sin(th);
    const double R[4] = {cs, -sn, sn, cs};
    double l0 = cs * cs * C[0] + 2 * cs * sn * C[1] + sn * sn * C[3], l1 = sn * sn * C[0] - 2 * cs * sn * C[1] + cs * cs * C[3];
    double dv[2 * 16];
    for (int c = 0; c < Q->k; c++) dv[c * 2] = fmax(l0, 1e-9), dv[c * 2 + 1] = fmax(l1, 1e-9);
    return tgdp_gmm_init_full(out, Q->k, 2, Q->w, mu, dv, R, Q->label, err);
}

static void project(const float *x, int n, int d, const double *P, float *y)
{
    for (int i = 0; i < n; i++)
        for (int a = 0; a < 2; a++) {
            double s = 0;
            for (int j = 0; j < d; j++) s += P[j * 2 + a] * x[(size_t)i * d + j];
            y[i * 2 + a] = (float)s;
        }
}

int gmm_write_plots(const char *dir, const tgdp_gmm_demo_config *c, const tgdp_gmm_demo_output *o, tgdp_error *err)
{
    tgdp_gmm Pm, Q, Q2;
    int rc = tgdp_gmm_study_mixtures(c->dim, &Pm, &Q, err);
    if (rc) return rc;
    const int d = Q.d, G = 130, Px = 240, cols = 5, pad = 24, shown = c->n_eval > 1000 ? 1000 : c->n_eval;
    double *P = malloc((size_t)d * 2 * sizeof *P), *dens = malloc((size_t)G * G * sizeof *dens);
    float *grid = malloc((size_t)G * G * 2 * sizeof *grid), *y = malloc((size_t)c->n_eval * 2 * sizeof *y);
    memset(&Q2, 0, sizeof Q2);
    if (!P || !dens || !grid || !y) rc = tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    if (!rc) {
        if (d == 2) { P[0] = 1, P[1] = 0, P[2] = 0, P[3] = 1; }
        else principal_axes(&Q, P);
        rc = d == 2 ? tgdp_gmm_init_full(&Q2, Q.k, 2, Q.w, Q.mu, Q.dvar, Q.rot, Q.label, err) : projected_mixture(&Q, P, &Q2, err);
    }
    const double lo = d == 2 ? -2 : -3, hi = -lo;
    for (int i = 0; !rc && i < G; i++)
        for (int j = 0; j < G; j++) {
            grid[(i * G + j) * 2] = (float)(lo + (hi - lo) * (j + 0.5) / G);
            grid[(i * G + j) * 2 + 1] = (float)(hi - (hi - lo) * (i + 0.5) / G);
        }
    if (!rc) rc = tgdp_gmm_log_prob(&Q2, 1.0, 0.0, G * G, grid, NULL, dens, err);
    int shown_m = 0;
    for (int m = 0; m < TGDP_M_COUNT; m++) shown_m += c->enabled[m];
    const int rows = (shown_m + cols - 1) / cols;
    static const unsigned char black[3] = {0, 0, 0}, red[3] = {230, 40, 40};
    for (int ni = 0; !rc && ni < c->n_count; ni++) {
        tgdp_canvas cv;
        if ((rc = tgdp_canvas_init(&cv, cols * (Px + pad) + pad, rows * (Px + 2 * pad) + 2 * pad, err))) break;
        char title[128];
        snprintf(title, sizeof title, "TGDP GAUSSIAN MIXTURE D = %d%s, N = %d TARGET POINTS (SEED %d)", d,
                 d > 2 ? " (FIRST TWO PRINCIPAL AXES)" : "", c->n_list[ni], c->first_seed);
        tgdp_canvas_text(&cv, pad, 8, title, 2, black);
        int k = 0;
        for (int m = 0; m < TGDP_M_COUNT; m++) {
            if (!c->enabled[m]) continue;
            int x0 = pad + (k % cols) * (Px + pad), y0 = 2 * pad + (k / cols) * (Px + 2 * pad) + 14;
            k++;
            tgdp_canvas_heat(&cv, x0, y0, Px, Px, dens, G, G, -8, 1);
            if (o->samples[ni][m]) {
                project(o->samples[ni][m], shown, d, P, y);
                tgdp_canvas_scatter(&cv, x0, y0, Px, Px, y, shown, lo, hi, lo, hi, red);
            }
            tgdp_canvas_rect(&cv, x0, y0, Px, Px, black);
            tgdp_canvas_text(&cv, x0, y0 - 14, tgdp_method_names[m], 1, black);
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/samples_n%d.png", dir, c->n_list[ni]);
        rc = tgdp_canvas_write_png(&cv, path, err);
        tgdp_canvas_free(&cv);
    }
    free(P); free(dens); free(grid); free(y);
    tgdp_gmm_free(&Q2);
    tgdp_gmm_free(&Pm);
    tgdp_gmm_free(&Q);
    return rc;
}

/* Group normalisation as one op: y = gamma_c (x - mu) r + beta_c over each (sample, group) row
 * of M = (C/G) L values, mu its mean, r = 1/sqrt(var + 1e-5). Forward, tangent and backward
 * (first and second order) each make one pass over the row instead of the ten ops it is composed
 * of (nn_groupnorm_composed, kept for gamma or beta that are not parameters). With xn the
 * normalised row and means over the row:
 *   tangent      dxn = r (dx - mean(dx) - xn mean(xn dx)),  dy = gamma dxn
 *   backward     k = gamma gy:  gx += r (k - mean(k) - xn mean(k xn)),  ggamma += sum gy xn,
 *                gbeta += sum gy
 *   second order (gdy, the gradient of dy; h = gamma gdy, m1 = mean(dx), m2 = mean(xn dx)):
 *                gdx += r (h - mean(h) - xn mean(h xn)),  ggamma += sum gdy dxn,
 *                gx += r^2 (-m2 (h - mean(h)) - mean(h xn) (dx - m1)
 *                           + xn (3 m2 mean(h xn) - mean(h dx) + m1 mean(h)))
 * Row statistics are summed in double in a fixed order; the parameter gradients are summed
 * over the samples in order: the same on any number of threads. */
#include "nn/fastmath.h"
#include "nn/ops.h"

#include <math.h>

int nn_groupnorm_composed(tgdp_graph *gr, int x, int G, int gamma, int beta)
{
    tgdp_node *nx = &gr->nodes[x];
    int64_t B = nx->B, C = nx->C, L = nx->L;
    int xv = tgdp_view(gr, x, B, G, (C / G) * L);
    int mu = tgdp_mean_inner(gr, xv, G);
    int xc = tgdp_addb(gr, xv, mu, G, 1, -1.0f);
    int sq = tgdp_act_node(gr, xc, TGDP_ACT_SQUARE);
    int var = tgdp_mean_inner(gr, sq, G);
    int rstd = tgdp_act_node(gr, var, TGDP_ACT_RSQRT_EPS);
    int xn = tgdp_mulb(gr, xc, rstd, G, 1);
    int xn2 = tgdp_view(gr, xn, B, C, L);
    int sc = tgdp_mulb(gr, xn2, gamma, C, 0);
    return tgdp_addb(gr, sc, beta, C, 0, 1.0f);
}

int tgdp_groupnorm(tgdp_graph *gr, int x, int G, int gamma, int beta)
{
    if (x < 0 || gamma < 0 || beta < 0 || gr->failed) return -1;
    tgdp_node *nx = &gr->nodes[x];
    const int64_t B = nx->B, C = nx->C, L = nx->L;
    if (G <= 0 || C % G != 0)
        return tgdp_graph_fail(gr, TGDP_EINVAL, "group norm: %d groups do not divide %lld channels", G, (long long)C);
    if (gr->nodes[gamma].n != (size_t)C || gr->nodes[beta].n != (size_t)C)
        return tgdp_graph_fail(gr, TGDP_EINVAL, "group norm: scale and shift need %lld values", (long long)C);
    if (!gr->nodes[gamma].is_param || !gr->nodes[beta].is_param) return nn_groupnorm_composed(gr, x, G, gamma, beta);
    const int id = nn_new_node(gr, TGDP_OP_GROUPNORM, B, C, L, 1);
    float *st = id >= 0 ? tgdp_arena_floats(gr->arena, (size_t)(2 * B * G)) : NULL;
    if (!st) return tgdp_graph_fail(gr, TGDP_ENOMEM, "group norm: out of memory");
    tgdp_node *y = &gr->nodes[id];
    y->in[0] = x, y->in[1] = gamma, y->in[2] = beta;
    y->ip[0] = G;
    y->aux = st;
    const float *xv = gr->nodes[x].v, *ga = gr->nodes[gamma].v, *be = gr->nodes[beta].v;
    const int64_t CG = C / G, M = CG * L;
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t r = 0; r < B * G; r++) {
        const float *xr = xv + r * M;
        const float mu = (float)(sum8(xr, M) / (double)M);
        double s = 0;
        for (int64_t i = 0; i < M; i++) s += (double)((xr[i] - mu) * (xr[i] - mu));
        const float var = (float)(s / (double)M), rs = (float)(1.0 / sqrt((double)var + 1e-5));
        st[2 * r] = mu, st[2 * r + 1] = rs;
        float *yr = y->v + r * M;
        for (int64_t c = 0; c < CG; c++) {
            const int64_t ch = (r % G) * CG + c;
            const float g = ga[ch], b = be[ch];
            for (int64_t l = c * L; l < (c + 1) * L; l++) yr[l] = ((xr[l] - mu) * rs) * g + b;
        }
    }
    return id;
}

int nn_norm_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0);
    if (!x->dv) return TGDP_OK;
    if (!(y->dv = tgdp_arena_floats(gr->arena, y->n))) return TGDP_ENOMEM;
    const float *ga = NN_IN(gr, y, 1)->v, *st = y->aux;
    const int64_t G = y->ip[0], CG = y->C / G, L = y->L, M = CG * L;
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t r = 0; r < y->B * G; r++) {
        const float *xr = x->v + r * M, *dx = x->dv + r * M, mu = st[2 * r], rs = st[2 * r + 1];
        double s1 = 0, s2 = 0;
        for (int64_t i = 0; i < M; i++) s1 += dx[i], s2 += (double)((xr[i] - mu) * rs) * dx[i];
        const float m1 = (float)(s1 / (double)M), m2 = (float)(s2 / (double)M);
        float *dy = y->dv + r * M;
        for (int64_t c = 0; c < CG; c++) {
            const float g = ga[(r % G) * CG + c];
            for (int64_t l = c * L; l < (c + 1) * L; l++) dy[l] = g * (rs * (dx[l] - m1 - ((xr[l] - mu) * rs) * m2));
        }
    }
    return TGDP_OK;
}

/* the means over one row that the backward needs */
typedef struct row_means {
    float k, kx;           /* mean(k), mean(k xn), k = gamma gy */
    float h, hx, hdx;      /* mean(h), mean(h xn), mean(h dx), h = gamma gdy */
    float m1, m2;          /* mean(dx), mean(xn dx) */
} row_means;

static row_means means(const float *xr, const float *gy, const float *gdy, const float *dx, const float *ga, int64_t CG,
                       int64_t L, float mu, float rs)
{
    double k = 0, kx = 0, h = 0, hx = 0, hdx = 0, m1 = 0, m2 = 0;
    for (int64_t c = 0; c < CG; c++) {
        const float g = ga[c];
        for (int64_t l = c * L; l < (c + 1) * L; l++) {
            const float xn = (xr[l] - mu) * rs, kl = g * gy[l];
            k += kl, kx += (double)kl * xn;
            if (gdy) {
                const float hl = g * gdy[l];
                h += hl, hx += (double)hl * xn, hdx += (double)hl * dx[l];
                m1 += dx[l], m2 += (double)xn * dx[l];
            }
        }
    }
    const double M = (double)(CG * L);
    return (row_means){(float)(k / M), (float)(kx / M), (float)(h / M), (float)(hx / M), (float)(hdx / M),
                       (float)(m1 / M), (float)(m2 / M)};
}

/* one row: the input gradients, and the row's share of the parameter gradients (pg: per
 * channel of the group, sum gy xn + sum gdy dxn; pb: sum gy) */
static void norm_row(const float *xr, const float *gy, const float *gdy, const float *dx, const float *ga, int64_t CG,
                     int64_t L, float mu, float rs, float *gx, float *gdx, double *pg, double *pb)
{
    const row_means m = means(xr, gy, gdy, dx, ga, CG, L, mu, rs);
    const float c3 = 3.0f * m.m2 * m.hx - m.hdx + m.m1 * m.h;
    for (int64_t c = 0; c < CG; c++) {
        const float g = ga[c];
        double sg = 0, sb = 0;
        for (int64_t l = c * L; l < (c + 1) * L; l++) {
            const float xn = (xr[l] - mu) * rs;
            float gxl = rs * (g * gy[l] - m.k - xn * m.kx);
            sg += (double)gy[l] * xn, sb += gy[l];
            if (gdy) {
                const float hl = g * gdy[l], dxn = rs * (dx[l] - m.m1 - xn * m.m2);
                gxl += rs * rs * (-m.m2 * (hl - m.h) - m.hx * (dx[l] - m.m1) + xn * c3);
                if (gdx) gdx[l] += rs * (hl - m.h - xn * m.hx);
                sg += (double)gdy[l] * dxn;
            }
            if (gx) gx[l] += gxl;
        }
        pg[c] = sg, pb[c] = sb;
    }
}

void nn_norm_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0), *ga = NN_IN(gr, y, 1), *be = NN_IN(gr, y, 2);
    const int64_t B = y->B, C = y->C, G = y->ip[0], CG = C / G, L = y->L, M = CG * L;
    const float *st = y->aux, *gdy = y->dg && x->dv ? y->dg : NULL;
    double *part = tgdp_arena_alloc(gr->arena, (size_t)(2 * B * C) * sizeof *part); /* [B, C] x (gamma, beta) */
    if (!part) {
        tgdp_graph_fail(gr, TGDP_ENOMEM, "group norm backward: out of memory");
        return;
    }
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t r = 0; r < B * G; r++) {
        const int64_t n = r / G, c0 = (r % G) * CG;
        norm_row(x->v + r * M, y->g + r * M, gdy ? gdy + r * M : NULL, gdy ? x->dv + r * M : NULL, ga->v + c0, CG, L,
                 st[2 * r], st[2 * r + 1], x->need ? x->g + r * M : NULL, gdy && x->dg ? x->dg + r * M : NULL,
                 part + n * C + c0, part + B * C + n * C + c0);
    }
    for (int64_t c = 0; c < C; c++) { /* over the samples in order */
        double sg = 0, sb = 0;
        for (int64_t n = 0; n < B; n++) sg += part[n * C + c], sb += part[B * C + n * C + c];
        if (ga->need) ga->g[c] += (float)sg;
        if (be->need) be->g[c] += (float)sb;
    }
}

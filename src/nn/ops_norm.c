/* Group normalisation as one op, optionally followed by SiLU: z = gamma_c (x - mu) r + beta_c over
 * each (sample, group) row of M = (C/G) L values, mu its mean, r = 1/sqrt(var + 1e-5), and
 * y = z or y = silu(z). Forward, tangent and backward (first and second order) each make one or
 * two passes over a row instead of the ten ops group normalisation is composed of
 * (nn_groupnorm_composed, kept for gamma or beta that are not parameters) plus the activation.
 * With xn the normalised row and means over the row:
 *   tangent      dxn = r (dx - mean(dx) - xn mean(xn dx)),  dz = gamma dxn,  dy = silu'(z) dz
 *   backward     gz = gy silu'(z) (+ gdy silu''(z) dz), gdz = gdy silu'(z)  (SiLU; else gz = gy, gdz = gdy)
 *                k = gamma gz:  gx += r (k - mean(k) - xn mean(k xn)),  ggamma += sum gz xn,
 *                gbeta += sum gz
 *   second order (gdz, the gradient of dz; h = gamma gdz, m1 = mean(dx), m2 = mean(xn dx)):
 *                gdx += r (h - mean(h) - xn mean(h xn)),  ggamma += sum gdz dxn,
 *                gx += r^2 (-m2 (h - mean(h)) - mean(h xn) (dx - m1)
 *                           + xn (3 m2 mean(h xn) - mean(h dx) + m1 mean(h)))
 * Row statistics are summed in double (8 fixed lanes) in a fixed order; the parameter gradients
 * are summed over the samples in order: the same on any number of threads. With SiLU the forward
 * keeps sigmoid(z) of every element (after the row statistics in aux) for the tangent and the
 * backward, which then compute no exponential and no division. */
#include "nn/dnnl.h"
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

/* with SiLU, where the forward keeps sigmoid(z) [B, C, L]: after the rows' (mean, 1/std) pairs in aux */
static float *norm_sig(const tgdp_node *y) { return y->ip[1] ? y->aux + 2 * y->B * y->ip[0] : NULL; }

/* one row's output from its statistics, channel by channel (gn_channel, fastmath.h): z, and with
 * SiLU (sr: where sigmoid(z) goes) y = silu(z) */
static void gn_row(const float *xr, const float *ga, const float *be, int64_t CG, int64_t L, float mu, float rs,
                   float *yr, float *sr)
{
    for (int64_t c = 0; c < CG; c++)
        gn_channel(xr + c * L, mu, rs, ga[c], be[c], L, yr + c * L, sr ? sr + c * L : NULL);
}

int tgdp_groupnorm(tgdp_graph *gr, int x, int G, int gamma, int beta)
{
    return tgdp_groupnorm_act(gr, x, G, gamma, beta, TGDP_ACT_IDENTITY);
}

/* The op; lazy: the rows' statistics only, v left NULL (nn_norm_value makes it, or the consumer
 * writes the output where it needs it: nn_norm_to_nwc) */
static int groupnorm_new(tgdp_graph *gr, int x, int G, int gamma, int beta, tgdp_act act, int lazy)
{
    if (x < 0 || gamma < 0 || beta < 0 || gr->failed) return -1;
    tgdp_node *nx = &gr->nodes[x];
    const int64_t B = nx->B, C = nx->C, L = nx->L;
    if (G <= 0 || C % G != 0)
        return tgdp_graph_fail(gr, TGDP_EINVAL, "group norm: %d groups do not divide %lld channels", G, (long long)C);
    if (gr->nodes[gamma].n != (size_t)C || gr->nodes[beta].n != (size_t)C)
        return tgdp_graph_fail(gr, TGDP_EINVAL, "group norm: scale and shift need %lld values", (long long)C);
    if (!gr->nodes[gamma].is_param || !gr->nodes[beta].is_param || (act != TGDP_ACT_IDENTITY && act != TGDP_ACT_SILU)) {
        const int z = nn_groupnorm_composed(gr, x, G, gamma, beta);
        return act == TGDP_ACT_IDENTITY ? z : tgdp_act_node(gr, z, act);
    }
    const int id = nn_new_node(gr, TGDP_OP_GROUPNORM, B, C, L, !lazy);
    const size_t ns = (size_t)(2 * B * G); /* the rows' mean and 1/std; then sigmoid(z) with SiLU */
    float *st = id >= 0 ? tgdp_arena_floats(gr->arena, ns + (act == TGDP_ACT_SILU ? (size_t)(B * C * L) : 0)) : NULL;
    if (!st) return tgdp_graph_fail(gr, TGDP_ENOMEM, "group norm: out of memory");
    tgdp_node *y = &gr->nodes[id];
    y->in[0] = x, y->in[1] = gamma, y->in[2] = beta;
    y->ip[0] = G;
    y->ip[1] = act == TGDP_ACT_SILU;
    y->aux = st;
    const float *xv = gr->nodes[x].v, *ga = gr->nodes[gamma].v, *be = gr->nodes[beta].v;
    const int64_t CG = C / G, M = CG * L, R = B * G;
    float *sig = norm_sig(y);
    /* rows two at a time: their statistics' sums run as two independent chains (fastmath.h) */
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t r = 0; r < R; r += 2) {
        const float *xr = xv + r * M;
        double s[2], q[2];
        if (r + 1 < R) sum8_2(xr, xr + M, M, &s[0], &s[1]);
        else s[0] = sum8(xr, M);
        const float mu[2] = {(float)(s[0] / (double)M), (float)(r + 1 < R ? s[1] / (double)M : 0)};
        if (r + 1 < R) sqdev8_2(xr, mu[0], xr + M, mu[1], M, &q[0], &q[1]);
        else q[0] = sqdev8(xr, mu[0], M);
        for (int64_t i = 0; i < 2 && r + i < R; i++) {
            const float var = (float)(q[i] / (double)M), rs = (float)(1.0 / sqrt((double)var + 1e-5));
            st[2 * (r + i)] = mu[i], st[2 * (r + i) + 1] = rs;
            if (!lazy)
                gn_row(xr + i * M, ga + ((r + i) % G) * CG, be + ((r + i) % G) * CG, CG, L, mu[i], rs,
                       y->v + (r + i) * M, sig ? sig + (r + i) * M : NULL);
        }
    }
    return id;
}

int tgdp_groupnorm_act(tgdp_graph *gr, int x, int G, int gamma, int beta, tgdp_act act)
{
    return groupnorm_new(gr, x, G, gamma, beta, act, 0);
}

int nn_norm_value(tgdp_graph *gr, tgdp_node *y)
{
    if (y->v) return TGDP_OK;
    if (!(y->v = tgdp_arena_floats(gr->arena, y->n)))
        return tgdp_graph_fail(gr, TGDP_ENOMEM, "group norm: out of memory"), TGDP_ENOMEM;
    const tgdp_node *x = NN_IN(gr, y, 0);
    const float *ga = NN_IN(gr, y, 1)->v, *be = NN_IN(gr, y, 2)->v, *st = y->aux;
    const int64_t G = y->ip[0], CG = y->C / G, L = y->L, M = CG * L, R = y->B * G;
    float *sig = norm_sig(y);
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t r = 0; r < R; r++)
        gn_row(x->v + r * M, ga + (r % G) * CG, be + (r % G) * CG, CG, L, st[2 * r], st[2 * r + 1], y->v + r * M,
               sig ? sig + r * M : NULL);
    return TGDP_OK;
}

int nn_norm_to_nwc(tgdp_graph *gr, tgdp_node *y, void *xs)
{
    return nn_dnnl_norm_to_nwc(gr->precision, NN_IN(gr, y, 0)->v, y->B, y->C, y->L, y->ip[0], y->aux,
                               NN_IN(gr, y, 1)->v, NN_IN(gr, y, 2)->v, norm_sig(y), xs);
}

int tgdp_norm_conv1d(tgdp_graph *gr, int x, int G, int gamma, int beta, tgdp_act act, int W, int b, int e, int stride,
                     int padding, int dilation)
{
    const int h = groupnorm_new(gr, x, G, gamma, beta, act, 1);
    return tgdp_conv1d_add(gr, h, W, b, e, stride, padding, dilation);
}

int nn_norm_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0);
    if (!x->dv) return TGDP_OK;
    if (!(y->dv = tgdp_arena_floats(gr->arena, y->n))) return TGDP_ENOMEM;
    const float *ga = NN_IN(gr, y, 1)->v, *be = NN_IN(gr, y, 2)->v, *st = y->aux;
    const int64_t G = y->ip[0], CG = y->C / G, L = y->L, M = CG * L;
    const float *sig = norm_sig(y); /* with SiLU: sigmoid(z) from the forward */
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t r = 0; r < y->B * G; r++) {
        const float *xr = x->v + r * M, *dx = x->dv + r * M, mu = st[2 * r], rs = st[2 * r + 1];
        const double s1 = sum8(dx, M), s2 = rs * (dot8(xr, dx, M) - mu * s1); /* sum dx, sum xn dx */
        const float m1 = (float)(s1 / (double)M), m2 = (float)(s2 / (double)M);
        float *dy = y->dv + r * M;
        for (int64_t c = 0; c < CG; c++) {
            const float g = ga[(r % G) * CG + c], b = be[(r % G) * CG + c];
            for (int64_t l = c * L; l < (c + 1) * L; l++) dy[l] = g * (rs * (dx[l] - m1 - ((xr[l] - mu) * rs) * m2));
            if (y->ip[1]) /* silu'(z) = s (1 + z (1 - s)), s = sigmoid(z) */
                for (int64_t l = c * L; l < (c + 1) * L; l++) {
                    const float z = gn_zf(xr[l], mu, rs, g, b), sg = sig[r * M + l];
                    dy[l] *= sg * (1.0f + z * (1.0f - sg));
                }
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

/* The row's means from per-channel sums (8-lane double sums over each channel's L values, with
 * sum(a xn) = rs (sum(a x) - mu sum(a))), and each channel's share of the parameter gradients:
 * pg = sum gy xn + sum gdy dxn, pb = sum gy. */
static row_means means(const float *xr, const float *gy, const float *gdy, const float *dx, const float *ga, int64_t CG,
                       int64_t L, float mu, float rs, const double *cs, double *pg, double *pb)
{
    double k = 0, kx = 0, h = 0, hx = 0, hdx = 0, m1 = 0, xdx = 0;
    for (int64_t c = 0; c < CG; c++) {
        const float *xc = xr + c * L;
        double sgy, sgyd; /* sum gy, sum gy x: one pass, two chains (or made with gy: cs) */
        if (cs) sgy = cs[2 * c], sgyd = cs[2 * c + 1];
        else sumdot8(gy + c * L, xc, L, &sgy, &sgyd);
        const double g = ga[c], sgyx = rs * (sgyd - mu * sgy);
        k += g * sgy, kx += g * sgyx;
        pb[c] = sgy, pg[c] = sgyx;
        if (gdy) { /* sum gdy dxn = rs (sum gdy dx - m1 sum gdy - m2 sum gdy xn): pb keeps the sums */
            const float *gc = gdy + c * L, *dc = dx + c * L;
            const double sg = sum8(gc, L), sgx = rs * (dot8(gc, xc, L) - mu * sg), sgd = dot8(gc, dc, L);
            h += g * sg, hx += g * sgx, hdx += g * sgd;
            const double sdx = sum8(dc, L);
            m1 += sdx, xdx += dot8(xc, dc, L);
            pb[CG + c] = sg, pb[2 * CG + c] = sgx, pb[3 * CG + c] = sgd;
        }
    }
    const double M = (double)(CG * L), m2 = rs * (xdx - mu * m1) / M;
    m1 /= M;
    if (gdy)
        for (int64_t c = 0; c < CG; c++)
            pg[c] += rs * (pb[3 * CG + c] - m1 * pb[CG + c] - m2 * pb[2 * CG + c]);
    return (row_means){(float)(k / M), (float)(kx / M), (float)(h / M), (float)(hx / M), (float)(hdx / M), (float)m1,
                       (float)m2};
}

/* one row: the input gradients, and the row's share of the parameter gradients (pg, pb: per
 * channel of the group; pb has room for 4 CG values). assign (first order only): gx = its
 * gradient instead of gx += it; cs: each channel's sumdot8(gy, x) when the caller has them, or NULL */
static void norm_row(const float *xr, const float *gy, const float *gdy, const float *dx, const float *ga, int64_t CG,
                     int64_t L, float mu, float rs, const double *cs, float *gx, int assign, float *gdx, double *pg,
                     double *pb)
{
    const row_means m = means(xr, gy, gdy, dx, ga, CG, L, mu, rs, cs, pg, pb);
    const float c3 = 3.0f * m.m2 * m.hx - m.hdx + m.m1 * m.h, rs2 = rs * rs;
    for (int64_t c = 0; c < CG; c++) {
        const float g = ga[c];
        const int64_t o = c * L;
        if (gx && !gdy && assign)
            for (int64_t l = o; l < o + L; l++) gx[l] = rs * (g * gy[l] - m.k - ((xr[l] - mu) * rs) * m.kx);
        else if (gx && !gdy)
            for (int64_t l = o; l < o + L; l++) gx[l] += rs * (g * gy[l] - m.k - ((xr[l] - mu) * rs) * m.kx);
        if (!gdy) continue;
        for (int64_t l = o; l < o + L; l++) {
            const float xn = (xr[l] - mu) * rs, hl = g * gdy[l];
            if (gx)
                gx[l] += rs * (g * gy[l] - m.k - xn * m.kx) +
                         rs2 * (-m.m2 * (hl - m.h) - m.hx * (dx[l] - m.m1) + xn * c3);
            if (gdx) gdx[l] += rs * (hl - m.h - xn * m.hx);
        }
    }
}

/* SiLU: the gradients of z (and of its tangent dz) from those of y = silu(z) and dy = silu'(z) dz,
 * for one row: gz = gy silu'(z) + gdy silu''(z) dz, gdz = gdy silu'(z); sr: the row's sigmoid(z).
 * First order (no gdy): channel by channel with each channel's sumdot8(gz, x) into cs. */
static void silu_seeds(const float *xr, const float *sr, const float *gy, const float *gdy, const float *dx,
                       const float *ga, const float *be, int64_t CG, int64_t L, float mu, float rs, float *gz,
                       float *gdz, double *cs)
{
    const int64_t M = CG * L;
    if (!gdy) {
        for (int64_t c = 0; c < CG; c++)
            gn_silu_grad_sums(xr + c * L, sr + c * L, gy + c * L, mu, rs, ga[c], be[c], L, gz + c * L, &cs[2 * c],
                              &cs[2 * c + 1]);
        return;
    }
    const double s1 = sum8(dx, M);
    const float m1 = (float)(s1 / (double)M), m2 = (float)(rs * (dot8(xr, dx, M) - mu * s1) / (double)M);
    /* z and dz channel by channel into gz and gdz, then the SiLU terms over the whole row: one
     * vector tail instead of one per channel */
    for (int64_t c = 0; c < CG; c++) {
        const float g = ga[c], b = be[c];
        const int64_t o = c * L;
        for (int64_t l = o; l < o + L; l++) gz[l] = gn_zf(xr[l], mu, rs, g, b);
        for (int64_t l = o; l < o + L; l++) gdz[l] = g * (rs * (dx[l] - m1 - ((xr[l] - mu) * rs) * m2));
    }
    for (int64_t l = 0; l < M; l++) {
        const float z = gz[l], dz = gdz[l], s = sr[l], d1 = s * (1.0f + z * (1.0f - s));
        const float d2 = s * (1.0f - s) * (2.0f + z * (1.0f - 2.0f * s));
        gz[l] = gy[l] * d1 + gdy[l] * d2 * dz;
        gdz[l] = gdy[l] * d1;
    }
}

void nn_norm_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0), *ga = NN_IN(gr, y, 1), *be = NN_IN(gr, y, 2);
    const int64_t B = y->B, C = y->C, G = y->ip[0], CG = C / G, L = y->L, M = CG * L;
    const float *st = y->aux, *gdy = y->dg && x->dv ? y->dg : NULL;
    const int assign = gr->g_assign; /* only without y->dg: nn_backward_assigns */
    double *part = tgdp_arena_alloc(gr->arena, (size_t)(5 * B * C) * sizeof *part); /* [B, C]: gamma; 4 x beta */
    float *sz = y->ip[1] ? tgdp_arena_floats(gr->arena, (gdy ? 2 : 1) * y->n) : NULL; /* SiLU: gz (and gdz) */
    /* first order with SiLU: each channel's sum of gz and of gz x, made with gz */
    double *sums = y->ip[1] && !gdy ? tgdp_arena_alloc(gr->arena, (size_t)(2 * B * C) * sizeof *sums) : NULL;
    if (!part || (y->ip[1] && !sz) || (y->ip[1] && !gdy && !sums)) {
        tgdp_graph_fail(gr, TGDP_ENOMEM, "group norm backward: out of memory");
        return;
    }
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t r = 0; r < B * G; r++) {
        const int64_t n = r / G, c0 = (r % G) * CG;
        const float *xr = x->v + r * M, *dx = gdy ? x->dv + r * M : NULL, *gz = y->g + r * M;
        const float *gdz = gdy ? gdy + r * M : NULL;
        double *cs = sums ? sums + 2 * r * CG : NULL;
        if (sz) { /* the seeds of z from those of silu(z) */
            float *tz = sz + r * M, *tdz = gdy ? sz + y->n + r * M : NULL;
            silu_seeds(xr, norm_sig(y) + r * M, gz, gdz, dx, ga->v + c0, be->v + c0, CG, L, st[2 * r],
                       st[2 * r + 1], tz, tdz, cs);
            gz = tz, gdz = tdz;
        }
        norm_row(xr, gz, gdz, dx, ga->v + c0, CG, L, st[2 * r], st[2 * r + 1], cs, x->need ? x->g + r * M : NULL,
                 assign, gdy && x->dg ? x->dg + r * M : NULL, part + n * C + c0, part + B * C + 4 * (n * C + c0));
    }
    for (int64_t c = 0; c < C; c++) { /* over the samples in order */
        double sg = 0, sb = 0;
        for (int64_t n = 0; n < B; n++) {
            const int64_t c0 = c - c % CG; /* the row's first channel: its pb block of 4 CG values */
            sg += part[n * C + c], sb += part[B * C + 4 * (n * C + c0) + c % CG];
        }
        if (ga->need) ga->g[c] += (float)sg;
        if (be->need) be->g[c] += (float)sb;
    }
}

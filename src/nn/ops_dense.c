/* Dense and element-wise ops: linear, activations, add/mul (plain and broadcast), mean,
 * concatenation, sinusoidal time embedding, label embedding. Each has a forward (in its
 * builder), a tangent rule and a backward that handles both g and dg. */
#include "nn/ops.h"
#include "nn/fastmath.h"

#include <math.h>
#include <omp.h>
#include <string.h>

/* an invalid op (a failed input, or shapes that do not fit): the first error is kept */
static int bad(tgdp_graph *gr, const char *what)
{
    tgdp_graph_fail(gr, TGDP_EINVAL, "%s", what);
    return -1;
}

/* out[j] += sum_i g[i, j] over a row-major [rows, cols] matrix. Each column is summed in row
 * order in double (the same result for any thread count); threads take column ranges, and rows
 * are read contiguously within a range, so the matrix streams through the cache once. */
void nn_colsum_add(const float *g, int64_t rows, int64_t cols, float *out)
{
    if (rows * cols <= 32768) {
        for (int64_t j = 0; j < cols; j++) {
            double s = 0;
            for (int64_t i = 0; i < rows; i++) s += g[i * cols + j];
            out[j] += (float)s;
        }
        return;
    }
#pragma omp parallel
    {
        int nt = omp_get_num_threads(), id = omp_get_thread_num();
        int64_t j0 = cols * id / nt, j1 = cols * (id + 1) / nt;
        enum { CHUNK = 256 };
        double acc[CHUNK];
        for (int64_t c0 = j0; c0 < j1; c0 += CHUNK) {
            int64_t w = j1 - c0 < CHUNK ? j1 - c0 : CHUNK;
            for (int64_t j = 0; j < w; j++) acc[j] = 0;
            for (int64_t i = 0; i < rows; i++) {
                const float *row = g + i * cols + c0;
                for (int64_t j = 0; j < w; j++) acc[j] += row[j];
            }
            for (int64_t j = 0; j < w; j++) out[c0 + j] += (float)acc[j];
        }
    }
}

/* ---------------- linear ---------------- */
int tgdp_linear(tgdp_graph *gr, int x, int W, int b)
{
    if (x < 0 || W < 0 || gr->failed) return bad(gr, "linear: invalid input");
    tgdp_node *nx = &gr->nodes[x], *nw = &gr->nodes[W];
    int64_t B = nx->B, in = nx->C * nx->L, out = nw->B;
    if (nw->C * nw->L != in) return bad(gr, "linear: the weight does not fit the input width");
    if (b >= 0 && (int64_t)gr->nodes[b].n != out) return bad(gr, "linear: the bias does not fit the outputs");
    int id = nn_new_node(gr, TGDP_OP_LINEAR, B, out, 1, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    nx = &gr->nodes[x];
    nw = &gr->nodes[W];
    y->in[0] = x;
    y->in[1] = W;
    y->in[2] = b;
    /* the bias is fused into the product (the primitive's bias on oneDNN); in bf16 the input's and
     * weight's bf16 copies stay with their nodes for the backward */
    const uint16_t *x16 = nn_value_bf16(gr, nx), *w16 = nn_value_bf16(gr, nw);
    nn_gemm_pre(gr->precision, CblasNoTrans, CblasTrans, (int)B, (int)out, (int)in, 1.0f, nx->v, x16, (int)in, nw->v,
                w16, (int)in, 0.0f, y->v, (int)out, b >= 0 ? gr->nodes[b].v : NULL);
    return id;
}

static void linear_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0), *w = NN_IN(gr, y, 1);
    if (!x->dv) return;
    int64_t in = x->C * x->L, out = y->C;
    if (!(y->dv = tgdp_arena_floats(gr->arena, y->n))) {
        tgdp_graph_fail(gr, TGDP_ENOMEM, "tangent pass: out of memory");
        return;
    }
    nn_gemm(gr->precision, CblasNoTrans, CblasTrans, (int)y->B, (int)out, (int)in, 1.0f, x->dv, (int)in, w->v,
            (int)in, 0.0f, y->dv, (int)out, NULL);
}

static void linear_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0), *w = NN_IN(gr, y, 1), *b = NN_IN(gr, y, 2);
    const int B = (int)y->B, out = (int)y->C, in = (int)(x->C * x->L);
    const tgdp_precision p = gr->precision;
    /* in bf16 the gradient is rounded once for both products */
    const uint16_t *g16 = x->need || w->need ? nn_bf16_of(gr, y->g, y->n) : NULL;
    if (x->need) /* beta 0 where x->g holds nothing yet (tgdp_graph_backward) */
        nn_gemm_pre(p, CblasNoTrans, CblasNoTrans, B, in, out, 1.0f, y->g, g16, out, w->v, w->v16, in,
                    gr->g_assign ? 0.0f : 1.0f, x->g, in, NULL);
    if (w->need) {
        nn_gemm_pre(p, CblasTrans, CblasNoTrans, out, in, B, 1.0f, y->g, g16, out, x->v, x->v16, in, 1.0f, w->g, in,
                    NULL);
        if (y->dg && x->dv)
            nn_gemm(p, CblasTrans, CblasNoTrans, out, in, B, 1.0f, y->dg, out, x->dv, in, 1.0f, w->g, in, NULL);
    }
    if (b && b->need) nn_colsum_add(y->g, B, out, b->g);
    if (y->dg && x->dg)
        nn_gemm(p, CblasNoTrans, CblasNoTrans, B, in, out, 1.0f, y->dg, out, w->v, in, 1.0f, x->dg, in, NULL);
}

/* ---------------- activations ---------------- */
static void act_forward(tgdp_act a, const float *x, float *y, size_t n)
{
    switch (a) {
    case TGDP_ACT_SILU:
#pragma omp parallel for schedule(static) if (n > 32768)
        for (size_t i = 0; i < n; i++) y[i] = x[i] * tg_sigmoidf(x[i]);
        break;
    case TGDP_ACT_IDENTITY: memcpy(y, x, n * sizeof *y); break;
    case TGDP_ACT_SQUARE: /* group norm's variance; the float product is the double one rounded */
#pragma omp parallel for schedule(static) if (n > 32768)
        for (size_t i = 0; i < n; i++) y[i] = x[i] * x[i];
        break;
    default:
#pragma omp parallel for schedule(static) if (n > 32768)
        for (size_t i = 0; i < n; i++) y[i] = (float)tgdp_act_eval(a, x[i], NULL, NULL);
        break;
    }
}

int tgdp_act_node(tgdp_graph *gr, int x, tgdp_act a)
{
    if (x < 0 || gr->failed || a < 0 || a >= TGDP_ACT_COUNT) return bad(gr, "activation: invalid input or activation");
    tgdp_node *nx = &gr->nodes[x];
    int id = nn_new_node(gr, TGDP_OP_ACT, nx->B, nx->C, nx->L, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    y->in[0] = x;
    y->act = a;
    act_forward(a, gr->nodes[x].v, y->v, y->n);
    return id;
}

static void act_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0);
    if (!x->dv) return;
    if (!(y->dv = tgdp_arena_floats(gr->arena, y->n))) {
        tgdp_graph_fail(gr, TGDP_ENOMEM, "tangent pass: out of memory");
        return;
    }
    const tgdp_act a = (tgdp_act)y->act;
    const float *xv = x->v, *xd = x->dv;
    float *yd = y->dv;
    if (a == TGDP_ACT_SILU) { /* vectorised: silu'(x) = s (1 + x (1 - s)), s = sigmoid(x) */
        const size_t n = y->n;
#pragma omp parallel for schedule(static) if (n > 32768)
        for (size_t i = 0; i < n; i++) {
            float s = tg_sigmoidf(xv[i]);
            yd[i] = s * (1.0f + xv[i] * (1.0f - s)) * xd[i];
        }
        return;
    }
    if (a == TGDP_ACT_SQUARE) { /* (x^2)' = 2x: the same bits as the double path */
        const size_t n = y->n;
#pragma omp parallel for schedule(static) if (n > 32768)
        for (size_t i = 0; i < n; i++) yd[i] = (2.0f * xv[i]) * xd[i];
        return;
    }
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (size_t i = 0; i < y->n; i++) {
        double d1;
        tgdp_act_eval(a, xv[i], &d1, NULL);
        yd[i] = (float)(d1 * xd[i]);
    }
}

static void act_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0);
    const tgdp_act a = (tgdp_act)y->act;
    const float *xv = x->v, *g = y->g, *dg = y->dg, *xd = x->dv;
    float *xg = x->g, *xdg = x->dg;
    const size_t n = y->n;
    if (a == TGDP_ACT_SILU && !dg) { /* fast path for first-order training; assign: xg holds nothing
                                         * yet (0 + v is v; the loop is unswitched, xg is not read) */
        const int assign = gr->g_assign;
#pragma omp parallel for schedule(static) if (n > 32768)
        for (size_t i = 0; i < n; i++) {
            float s = tg_sigmoidf(xv[i]);
            const float v = g[i] * s * (1.0f + xv[i] * (1.0f - s));
            xg[i] = assign ? v : xg[i] + v;
        }
        return;
    }
    if (a == TGDP_ACT_SQUARE && !dg) { /* first order: g 2x, the same bits as the double path */
#pragma omp parallel for schedule(static) if (n > 32768)
        for (size_t i = 0; i < n; i++) xg[i] += g[i] * (2.0f * xv[i]);
        return;
    }
    if (a == TGDP_ACT_SILU) { /* with tangents (second order), vectorised:
         * silu'' = s (1 - s) (2 + x (1 - 2 s)) */
        const int has_t = dg && xd, has_dg = dg && xdg;
#pragma omp parallel for schedule(static) if (n > 32768)
        for (size_t i = 0; i < n; i++) {
            float xi = xv[i], s = tg_sigmoidf(xi);
            float d1 = s * (1.0f + xi * (1.0f - s));
            float gi = g[i] * d1;
            if (has_t) gi += dg[i] * (s * (1.0f - s) * (2.0f + xi * (1.0f - 2.0f * s))) * xd[i];
            xg[i] += gi;
            if (has_dg) xdg[i] += dg[i] * d1;
        }
        return;
    }
#pragma omp parallel for schedule(static) if (n > 32768)
    for (size_t i = 0; i < n; i++) {
        double d1, d2;
        tgdp_act_eval(a, xv[i], &d1, &d2);
        double gi = g[i] * d1;
        if (dg && xd) gi += dg[i] * d2 * xd[i];
        xg[i] += (float)gi;
        if (dg && xdg) xdg[i] += (float)(dg[i] * d1);
    }
}

/* ---------------- add / mul ---------------- */
int tgdp_add(tgdp_graph *gr, int a, int b, float alpha)
{
    if (a < 0 || b < 0 || gr->failed || gr->nodes[a].n != gr->nodes[b].n) return bad(gr, "add: nodes of different sizes");
    tgdp_node *na = &gr->nodes[a];
    int id = nn_new_node(gr, TGDP_OP_ADD, na->B, na->C, na->L, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    y->in[0] = a;
    y->in[1] = b;
    y->alpha = alpha;
    const float *av = gr->nodes[a].v, *bv = gr->nodes[b].v;
    float *yv = y->v;
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (size_t i = 0; i < y->n; i++) yv[i] = av[i] + alpha * bv[i];
    return id;
}

int tgdp_mul(tgdp_graph *gr, int a, int b)
{
    if (a < 0 || b < 0 || gr->failed || gr->nodes[a].n != gr->nodes[b].n) return bad(gr, "mul: nodes of different sizes");
    tgdp_node *na = &gr->nodes[a];
    int id = nn_new_node(gr, TGDP_OP_MUL, na->B, na->C, na->L, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    y->in[0] = a;
    y->in[1] = b;
    const float *av = gr->nodes[a].v, *bv = gr->nodes[b].v;
    float *yv = y->v;
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (size_t i = 0; i < y->n; i++) yv[i] = av[i] * bv[i];
    return id;
}

static int alloc_tangent(tgdp_graph *gr, tgdp_node *y)
{
    if (!(y->dv = nn_zeros(gr, y->n))) return 0;
    return 1;
}

static void add_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0), *b = NN_IN(gr, y, 1);
    if (!a->dv && !b->dv) return;
    if (!alloc_tangent(gr, y)) return;
    for (size_t i = 0; i < y->n; i++)
        y->dv[i] = (a->dv ? a->dv[i] : 0.0f) + (b->dv ? y->alpha * b->dv[i] : 0.0f);
}

/* dst[i] += k src[i]: branch-free, vectorised */
void nn_axpy(float *dst, const float *src, float k, size_t n)
{
#pragma omp parallel for schedule(static) if (n > 32768)
    for (size_t i = 0; i < n; i++) dst[i] += k * src[i];
}

static void add_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0), *b = NN_IN(gr, y, 1);
    if (a->need && gr->g_assign) memcpy(a->g, y->g, y->n * sizeof(float)); /* a first: b may share its buffer */
    else if (a->need) nn_axpy(a->g, y->g, 1.0f, y->n);
    if (b->need) nn_axpy(b->g, y->g, y->alpha, y->n);
    if (y->dg && a->dg) nn_axpy(a->dg, y->dg, 1.0f, y->n);
    if (y->dg && b->dg) nn_axpy(b->dg, y->dg, y->alpha, y->n);
}

static void mul_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0), *b = NN_IN(gr, y, 1);
    if (!a->dv && !b->dv) return;
    if (!alloc_tangent(gr, y)) return;
    for (size_t i = 0; i < y->n; i++)
        y->dv[i] = (a->dv ? a->dv[i] * b->v[i] : 0.0f) + (b->dv ? a->v[i] * b->dv[i] : 0.0f);
}

static void mul_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0), *b = NN_IN(gr, y, 1);
    const float *dg = y->dg;
    for (size_t i = 0; i < y->n; i++) {
        if (a->need) a->g[i] += y->g[i] * b->v[i] + (dg && b->dv ? dg[i] * b->dv[i] : 0.0f);
        if (b->need) b->g[i] += y->g[i] * a->v[i] + (dg && a->dv ? dg[i] * a->dv[i] : 0.0f);
        if (dg && a->dg) a->dg[i] += dg[i] * b->v[i];
        if (dg && b->dg) b->dg[i] += dg[i] * a->v[i];
    }
}

/* ---------------- broadcast ops: a as [o, m, i], b as [o, m] or [m] ---------------- */
static int bcast_setup(tgdp_graph *gr, tgdp_node *y, int a, int b, int64_t m, int per_sample)
{
    tgdp_node *na = &gr->nodes[a], *nb = &gr->nodes[b];
    int64_t o = na->B;
    if (m <= 0 || na->n % (size_t)(o * m) != 0) return 0;
    if (nb->n != (size_t)(per_sample ? o * m : m)) return 0;
    y->in[0] = a;
    y->in[1] = b;
    y->sh[0] = o;
    y->sh[1] = m;
    y->sh[2] = (int64_t)(na->n / (size_t)(o * m));
    y->ip[0] = per_sample;
    return 1;
}

#define BIDX(y, oo, mm) ((y)->ip[0] ? (oo) * (y)->sh[1] + (mm) : (mm))

static int bcast_new(tgdp_graph *gr, int op, int a, int b, int64_t m, int per_sample, float alpha)
{
    if (a < 0 || b < 0 || gr->failed) return bad(gr, "broadcast: invalid input");
    tgdp_node *na = &gr->nodes[a];
    int id = nn_new_node(gr, op, na->B, na->C, na->L, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    if (!bcast_setup(gr, y, a, b, m, per_sample)) return bad(gr, "broadcast: shapes do not fit");
    y->alpha = alpha;
    const float *av = gr->nodes[a].v, *bv = gr->nodes[b].v;
    const int64_t O = y->sh[0], M = y->sh[1], NI = y->sh[2];
#pragma omp parallel for collapse(2) schedule(static) if (y->n > 32768)
    for (int64_t oo = 0; oo < O; oo++)
        for (int64_t mm = 0; mm < M; mm++) {
            const float bb = bv[BIDX(y, oo, mm)];
            const size_t base = (size_t)((oo * M + mm) * NI);
            if (op == TGDP_OP_ADDB)
                for (int64_t ii = 0; ii < NI; ii++) y->v[base + ii] = av[base + ii] + alpha * bb;
            else
                for (int64_t ii = 0; ii < NI; ii++) y->v[base + ii] = av[base + ii] * bb;
        }
    return id;
}

int tgdp_addb(tgdp_graph *gr, int a, int b, int64_t m, int per_sample, float alpha)
{
    return bcast_new(gr, TGDP_OP_ADDB, a, b, m, per_sample, alpha);
}

int tgdp_mulb(tgdp_graph *gr, int a, int b, int64_t m, int per_sample)
{
    return bcast_new(gr, TGDP_OP_MULB, a, b, m, per_sample, 1.0f);
}

static void bcast_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0), *b = NN_IN(gr, y, 1);
    if (!a->dv && !b->dv) return;
    if (!alloc_tangent(gr, y)) return;
    const int64_t O = y->sh[0], M = y->sh[1], NI = y->sh[2];
    for (int64_t oo = 0; oo < O; oo++)
        for (int64_t mm = 0; mm < M; mm++) {
            const int64_t bi = BIDX(y, oo, mm);
            const size_t base = (size_t)((oo * M + mm) * NI);
            const float bd = b->dv ? b->dv[bi] : 0.0f, bv = b->v[bi];
            for (int64_t ii = 0; ii < NI; ii++) {
                const float ad = a->dv ? a->dv[base + ii] : 0.0f;
                y->dv[base + ii] = (y->op == TGDP_OP_ADDB) ? ad + y->alpha * bd : ad * bv + a->v[base + ii] * bd;
            }
        }
}

/* y = a + alpha b or a * b, b broadcast over the inner dimension. Rows (o, m) run in parallel;
 * the row sums for b's gradient go to scratch first and are added to b in row order, so a b
 * shared by all samples gets the same sum for any thread count. */
static void bcast_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0), *b = NN_IN(gr, y, 1);
    const int64_t O = y->sh[0], M = y->sh[1], NI = y->sh[2], R = O * M;
    const int is_add = y->op == TGDP_OP_ADDB;
    const float *g = y->g, *dg = y->dg;
    const int want_b = b->need, want_bd = dg && b->dg;
    double *rs = want_b || want_bd ? tgdp_arena_alloc(gr->arena, (size_t)(2 * R) * sizeof *rs) : NULL;
    if ((want_b || want_bd) && !rs) {
        tgdp_graph_fail(gr, TGDP_ENOMEM, "backward pass: out of memory");
        return;
    }
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t r = 0; r < R; r++) {
        const int64_t bi = BIDX(y, r / M, r % M);
        const size_t base = (size_t)(r * NI);
        const float bv = b->v[bi], bd = b->dv ? b->dv[bi] : 0.0f;
        const float *gr_ = g + base, *dgr = dg ? dg + base : NULL, *av = a->v + base;
        const float *adv = a->dv ? a->dv + base : NULL;
        float *ag = a->need ? a->g + base : NULL, *adg = dg && a->dg ? a->dg + base : NULL;
        if (is_add) {
            if (ag && gr->g_assign) memcpy(ag, gr_, (size_t)NI * sizeof *ag);
            else if (ag)
                for (int64_t i = 0; i < NI; i++) ag[i] += gr_[i];
            if (adg)
                for (int64_t i = 0; i < NI; i++) adg[i] += dgr[i];
            if (rs) {
                rs[2 * r] = want_b ? sum8(gr_, NI) : 0.0;
                rs[2 * r + 1] = want_bd ? sum8(dgr, NI) : 0.0;
            }
        } else {
            if (ag) {
                if (dgr)
                    for (int64_t i = 0; i < NI; i++) ag[i] += gr_[i] * bv + dgr[i] * bd;
                else
                    for (int64_t i = 0; i < NI; i++) ag[i] += gr_[i] * bv;
            }
            if (adg)
                for (int64_t i = 0; i < NI; i++) adg[i] += dgr[i] * bv;
            if (rs) {
                rs[2 * r] = want_b ? dot8(gr_, av, NI) + (dgr && adv ? dot8(dgr, adv, NI) : 0.0) : 0.0;
                rs[2 * r + 1] = want_bd ? dot8(dgr, av, NI) : 0.0;
            }
        }
    }
    if (!rs) return;
    const double k = is_add ? y->alpha : 1.0;
    if (y->ip[0]) { /* per-sample b: one row each */
        for (int64_t r = 0; r < R; r++) {
            if (want_b) b->g[r] += (float)(k * rs[2 * r]);
            if (want_bd) b->dg[r] += (float)(k * rs[2 * r + 1]);
        }
    } else { /* shared b[m]: rows m, M + m, 2M + m, ... in order, summed in double */
        for (int64_t mm = 0; mm < M; mm++) {
            double s = 0, sd = 0;
            for (int64_t oo = 0; oo < O; oo++) s += rs[2 * (oo * M + mm)], sd += rs[2 * (oo * M + mm) + 1];
            if (want_b) b->g[mm] += (float)(k * s);
            if (want_bd) b->dg[mm] += (float)(k * sd);
        }
    }
}

/* ---------------- mean over the inner dimension ---------------- */
int tgdp_mean_inner(tgdp_graph *gr, int a, int64_t m)
{
    if (a < 0 || gr->failed) return bad(gr, "mean: invalid input");
    tgdp_node *na = &gr->nodes[a];
    int64_t O = na->B;
    if (m <= 0 || na->n % (size_t)(O * m) != 0) return bad(gr, "mean: the group size does not divide the node");
    int id = nn_new_node(gr, TGDP_OP_MEAN_INNER, O, m, 1, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    na = &gr->nodes[a];
    y->in[0] = a;
    y->sh[0] = O;
    y->sh[1] = m;
    y->sh[2] = (int64_t)(na->n / (size_t)(O * m));
    const int64_t NI = y->sh[2];
#pragma omp parallel for schedule(static) if (na->n > 32768)
    for (int64_t r = 0; r < O * m; r++) y->v[r] = (float)(sum8(na->v + r * NI, NI) / (double)NI);
    return id;
}

static void mean_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0);
    if (!a->dv) return;
    if (!alloc_tangent(gr, y)) return;
    const int64_t R = y->sh[0] * y->sh[1], NI = y->sh[2];
#pragma omp parallel for schedule(static) if (a->n > 32768)
    for (int64_t r = 0; r < R; r++) y->dv[r] = (float)(sum8(a->dv + r * NI, NI) / (double)NI);
}

static void mean_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0);
    const int64_t R = y->sh[0] * y->sh[1], NI = y->sh[2];
    const float inv = 1.0f / (float)NI;
#pragma omp parallel for schedule(static) if (a->n > 32768)
    for (int64_t r = 0; r < R; r++) {
        if (a->need) {
            const float v = y->g[r] * inv;
            for (int64_t ii = 0; ii < NI; ii++) a->g[r * NI + ii] += v;
        }
        if (y->dg && a->dg) {
            const float v = y->dg[r] * inv;
            for (int64_t ii = 0; ii < NI; ii++) a->dg[r * NI + ii] += v;
        }
    }
}

/* ---------------- concatenation along C ---------------- */
int tgdp_concat(tgdp_graph *gr, int a, int b)
{
    if (a < 0 || b < 0 || gr->failed) return bad(gr, "concat: invalid input");
    tgdp_node *na = &gr->nodes[a], *nb = &gr->nodes[b];
    if (na->B != nb->B || na->L != nb->L) return bad(gr, "concat: batch or length differ");
    int id = nn_new_node(gr, TGDP_OP_CONCAT, na->B, na->C + nb->C, na->L, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    na = &gr->nodes[a];
    nb = &gr->nodes[b];
    y->in[0] = a;
    y->in[1] = b;
    const size_t sa = (size_t)(na->C * na->L), sb = (size_t)(nb->C * nb->L);
    for (int64_t i = 0; i < y->B; i++) {
        memcpy(y->v + i * (sa + sb), na->v + i * sa, sa * sizeof(float));
        memcpy(y->v + i * (sa + sb) + sa, nb->v + i * sb, sb * sizeof(float));
    }
    return id;
}

static void concat_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0), *b = NN_IN(gr, y, 1);
    if (!a->dv && !b->dv) return;
    if (!alloc_tangent(gr, y)) return;
    const size_t sa = (size_t)(a->C * a->L), sb = (size_t)(b->C * b->L);
    for (int64_t i = 0; i < y->B; i++) {
        if (a->dv) memcpy(y->dv + i * (sa + sb), a->dv + i * sa, sa * sizeof(float));
        if (b->dv) memcpy(y->dv + i * (sa + sb) + sa, b->dv + i * sb, sb * sizeof(float));
    }
}

static void concat_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0), *b = NN_IN(gr, y, 1);
    const size_t sa = (size_t)(a->C * a->L), sb = (size_t)(b->C * b->L);
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t i = 0; i < y->B; i++) {
        const size_t o = (size_t)i * (sa + sb);
        if (a->need && gr->g_assign) memcpy(a->g + (size_t)i * sa, y->g + o, sa * sizeof(float)); /* a before b */
        else if (a->need)
            for (size_t k = 0; k < sa; k++) a->g[(size_t)i * sa + k] += y->g[o + k];
        if (b->need)
            for (size_t k = 0; k < sb; k++) b->g[(size_t)i * sb + k] += y->g[o + sa + k];
        if (y->dg && a->dg)
            for (size_t k = 0; k < sa; k++) a->dg[(size_t)i * sa + k] += y->dg[o + k];
        if (y->dg && b->dg)
            for (size_t k = 0; k < sb; k++) b->dg[(size_t)i * sb + k] += y->dg[o + sa + k];
    }
}

/* ---------------- sinusoidal time embedding ---------------- */
/* frequencies w_k = 1000 * 10000^(-k/(K-1)), k = 0..K-1: t in [0,1] covers 0.1 .. 1000 rad */
static double fourier_freq(int k, int K) { return 1000.0 * pow(10000.0, -(double)k / (K > 1 ? K - 1 : 1)); }

int tgdp_fourier(tgdp_graph *gr, int t, int K)
{
    if (t < 0 || gr->failed || K <= 0 || gr->nodes[t].C * gr->nodes[t].L != 1) return bad(gr, "time features: the time input must be [B, 1]");
    int id = nn_new_node(gr, TGDP_OP_FOURIER, gr->nodes[t].B, 2 * K, 1, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    const float *tv = gr->nodes[t].v;
    y->in[0] = t;
    y->ip[0] = K;
    for (int64_t i = 0; i < y->B; i++)
        for (int k = 0; k < K; k++) {
            double a = fourier_freq(k, K) * tv[i];
            y->v[i * 2 * K + k] = (float)sin(a);
            y->v[i * 2 * K + K + k] = (float)cos(a);
        }
    return id;
}

static void fourier_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *t = NN_IN(gr, y, 0);
    const int K = y->ip[0];
    if (!t->need) return;
    for (int64_t i = 0; i < y->B; i++) {
        double s = 0;
        for (int k = 0; k < K; k++) {
            double w = fourier_freq(k, K), a = w * t->v[i];
            s += y->g[i * 2 * K + k] * w * cos(a) - y->g[i * 2 * K + K + k] * w * sin(a);
        }
        t->g[i] += (float)s;
    }
}

/* ---------------- label embedding ---------------- */
int tgdp_embed(tgdp_graph *gr, const int64_t *labels, int64_t B, int table)
{
    if (table < 0 || gr->failed) return bad(gr, "label embedding: invalid table");
    tgdp_node *tb = &gr->nodes[table];
    const int64_t ncls = tb->B, E = tb->C * tb->L;
    for (int64_t i = 0; i < B; i++)
        if (labels[i] < 0 || labels[i] >= ncls) return tgdp_graph_fail(gr, TGDP_EINVAL, "label %lld of row %lld is outside 0..%lld", (long long)labels[i], (long long)i, (long long)ncls - 1);
    int id = nn_new_node(gr, TGDP_OP_EMBED, B, E, 1, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    y->in[0] = table;
    y->labels = labels;
    for (int64_t i = 0; i < B; i++) memcpy(y->v + i * E, gr->nodes[table].v + labels[i] * E, (size_t)E * sizeof(float));
    return id;
}

static void embed_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *tb = NN_IN(gr, y, 0);
    const int64_t E = y->C;
    if (!tb->need) return;
    for (int64_t i = 0; i < y->B; i++)
        for (int64_t e = 0; e < E; e++) tb->g[y->labels[i] * E + e] += y->g[i * E + e];
}

/* ---------------- dispatch ---------------- */
int nn_tangent(tgdp_graph *gr, tgdp_node *nd)
{
    switch (nd->op) {
    case TGDP_OP_LINEAR: linear_tangent(gr, nd); break;
    case TGDP_OP_ACT: act_tangent(gr, nd); break;
    case TGDP_OP_ADD: add_tangent(gr, nd); break;
    case TGDP_OP_MUL: mul_tangent(gr, nd); break;
    case TGDP_OP_ADDB:
    case TGDP_OP_MULB: bcast_tangent(gr, nd); break;
    case TGDP_OP_MEAN_INNER: mean_tangent(gr, nd); break;
    case TGDP_OP_CONCAT: concat_tangent(gr, nd); break;
    case TGDP_OP_FOURIER: /* the time input is never the tangent direction */
        if (NN_IN(gr, nd, 0)->dv) return TGDP_EUNSUPPORTED;
        break;
    case TGDP_OP_EMBED: break; /* labels are discrete: zero tangent */
    case TGDP_OP_CONV1D: return nn_conv_tangent(gr, nd);
    case TGDP_OP_AVGPOOL2:
    case TGDP_OP_UPSAMPLE2: return nn_pool_tangent(gr, nd);
    case TGDP_OP_BMM:
    case TGDP_OP_SOFTMAX: return nn_attn_tangent(gr, nd);
    case TGDP_OP_GROUPNORM: return nn_norm_tangent(gr, nd);
    default: return TGDP_EUNSUPPORTED;
    }
    return gr->failed ? TGDP_ENOMEM : TGDP_OK;
}

int nn_backward_assigns(const tgdp_node *nd)
{
    switch (nd->op) {
    case TGDP_OP_LINEAR:
    case TGDP_OP_CONV1D:
    case TGDP_OP_ADD:
    case TGDP_OP_ADDB:
    case TGDP_OP_CONCAT:
    case TGDP_OP_AVGPOOL2:
    case TGDP_OP_UPSAMPLE2: return 1;
    case TGDP_OP_ACT: return nd->act == TGDP_ACT_SILU && !nd->dg;
    case TGDP_OP_GROUPNORM: return !nd->dg;
    default: return 0;
    }
}

void nn_backward(tgdp_graph *gr, tgdp_node *nd)
{
    switch (nd->op) {
    case TGDP_OP_LINEAR: linear_backward(gr, nd); break;
    case TGDP_OP_ACT: act_backward(gr, nd); break;
    case TGDP_OP_ADD: add_backward(gr, nd); break;
    case TGDP_OP_MUL: mul_backward(gr, nd); break;
    case TGDP_OP_ADDB:
    case TGDP_OP_MULB: bcast_backward(gr, nd); break;
    case TGDP_OP_MEAN_INNER: mean_backward(gr, nd); break;
    case TGDP_OP_CONCAT: concat_backward(gr, nd); break;
    case TGDP_OP_FOURIER: fourier_backward(gr, nd); break;
    case TGDP_OP_EMBED: embed_backward(gr, nd); break;
    case TGDP_OP_CONV1D: nn_conv_backward(gr, nd); break;
    case TGDP_OP_AVGPOOL2:
    case TGDP_OP_UPSAMPLE2: nn_pool_backward(gr, nd); break;
    case TGDP_OP_BMM:
    case TGDP_OP_SOFTMAX: nn_attn_backward(gr, nd); break;
    case TGDP_OP_GROUPNORM: nn_norm_backward(gr, nd); break;
    default: tgdp_graph_fail(gr, TGDP_EINVAL, "backward: unknown op %d", nd->op); break;
    }
}

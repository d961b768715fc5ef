/* The two ops self-attention needs beyond the others: a batched matrix product of two nodes
 * (tgdp_bmm) and a softmax along rows (tgdp_softmax). Both have the value, tangent and backward
 * rules of every engine op (g and dg), so a network with attention keeps exact first- and
 * second-order gradients (tests/test_nn_grad.c checks them against finite differences).
 *
 * bmm: Y = alpha op(A) op(B) per matrix, so
 *   dY = alpha (op(dA) op(B) + op(A) op(dB))
 *   gA += alpha [G op(B)^T](^T when ta) with (G, B) = (g, B) and (dg, dB); dgA the same with (dg, B)
 *   gB += alpha [op(A)^T G](^T when tb) with (G, A) = (g, A) and (dg, dA); dgB the same with (dg, A)
 * softmax: y = exp(x - max) / sum, dy = y (dx - <y, dx>),
 *   gx += y (g - <y, g>) + dg dy - y <dg, dy> - dy <dg, y>,   dgx += y (dg - <y, dg>). */
#include "nn/ops.h"

#include <math.h>
#include <string.h>

static int bad(tgdp_graph *gr, const char *what)
{
    tgdp_graph_fail(gr, TGDP_EINVAL, "%s", what);
    return -1;
}

/* ---------------- batched matrix product ---------------- */
typedef struct bmm_dims {
    int64_t nb;       /* matrices */
    int M, N, K;      /* op(A) [M, K], op(B) [K, N] */
    int lda, ldb;     /* stored row lengths: a->L, b->L */
    int ta, tb;
    float alpha;
    size_t sa, sb, sy;/* matrix sizes */
    tgdp_precision prec; /* the graph's (nn_gemm) */
} bmm_dims;

static bmm_dims bmm_dims_of(const tgdp_graph *gr, const tgdp_node *a, const tgdp_node *b, int ta, int tb, float alpha)
{
    bmm_dims d;
    d.prec = gr->precision;
    d.nb = a->B;
    d.ta = ta, d.tb = tb, d.alpha = alpha;
    d.M = (int)(ta ? a->L : a->C);
    d.K = (int)(ta ? a->C : a->L);
    d.N = (int)(tb ? b->C : b->L);
    d.lda = (int)a->L, d.ldb = (int)b->L;
    d.sa = (size_t)(a->C * a->L), d.sb = (size_t)(b->C * b->L), d.sy = (size_t)d.M * d.N;
    return d;
}

static CBLAS_TRANSPOSE tr(int t) { return t ? CblasTrans : CblasNoTrans; }

/* work worth waking the threads for (each matrix product runs single-threaded on one thread) */
static int bmm_parallel(const bmm_dims *d) { return (double)d->nb * d->M * d->N * d->K > 2e5; }

/* Y (+)= alpha op(A) op(B) for every matrix */
static void bmm_fwd(const bmm_dims *d, const float *A, const float *B, float *Y, float beta)
{
#pragma omp parallel for schedule(static) if (bmm_parallel(d))
    for (int64_t i = 0; i < d->nb; i++)
        nn_gemm(d->prec, tr(d->ta), tr(d->tb), d->M, d->N, d->K, d->alpha, A + i * d->sa, d->lda, B + i * d->sb, d->ldb,
                beta, Y + i * d->sy, d->N, NULL);
}

/* gA += alpha G op(B)^T (transposed when ta) for every matrix */
static void bmm_grad_a(const bmm_dims *d, const float *G, const float *B, float *gA)
{
#pragma omp parallel for schedule(static) if (bmm_parallel(d))
    for (int64_t i = 0; i < d->nb; i++) {
        const float *g = G + i * d->sy, *b = B + i * d->sb;
        float *o = gA + i * d->sa;
        if (!d->ta)
            nn_gemm(d->prec, CblasNoTrans, tr(!d->tb), d->M, d->K, d->N, d->alpha, g, d->N, b, d->ldb, 1.0f, o, d->lda,
                    NULL);
        else
            nn_gemm(d->prec, tr(d->tb), CblasTrans, d->K, d->M, d->N, d->alpha, b, d->ldb, g, d->N, 1.0f, o, d->lda,
                    NULL);
    }
}

/* gB += alpha op(A)^T G (transposed when tb) for every matrix */
static void bmm_grad_b(const bmm_dims *d, const float *G, const float *A, float *gB)
{
#pragma omp parallel for schedule(static) if (bmm_parallel(d))
    for (int64_t i = 0; i < d->nb; i++) {
        const float *g = G + i * d->sy, *a = A + i * d->sa;
        float *o = gB + i * d->sb;
        if (!d->tb)
            nn_gemm(d->prec, tr(!d->ta), CblasNoTrans, d->K, d->N, d->M, d->alpha, a, d->lda, g, d->N, 1.0f, o, d->ldb,
                    NULL);
        else
            nn_gemm(d->prec, CblasTrans, tr(d->ta), d->N, d->K, d->M, d->alpha, g, d->N, a, d->lda, 1.0f, o, d->ldb,
                    NULL);
    }
}

int tgdp_bmm(tgdp_graph *gr, int a, int b, int ta, int tb, float alpha)
{
    if (a < 0 || b < 0 || gr->failed) return bad(gr, "bmm: invalid input");
    const tgdp_node *na = &gr->nodes[a], *nb = &gr->nodes[b];
    bmm_dims d = bmm_dims_of(gr, na, nb, ta != 0, tb != 0, alpha);
    const int kb = (int)(tb ? nb->L : nb->C);
    if (na->B != nb->B || d.K != kb) {
        tgdp_graph_fail(gr, TGDP_EINVAL, "bmm: [%lld, %lld, %lld]%s times [%lld, %lld, %lld]%s do not fit",
                        (long long)na->B, (long long)na->C, (long long)na->L, ta ? "^T" : "", (long long)nb->B,
                        (long long)nb->C, (long long)nb->L, tb ? "^T" : "");
        return -1;
    }
    int id = nn_new_node(gr, TGDP_OP_BMM, d.nb, d.M, d.N, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    y->in[0] = a;
    y->in[1] = b;
    y->ip[0] = d.ta;
    y->ip[1] = d.tb;
    y->alpha = alpha;
    bmm_fwd(&d, gr->nodes[a].v, gr->nodes[b].v, y->v, 0.0f);
    return id;
}

static int bmm_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0), *b = NN_IN(gr, y, 1);
    if (!a->dv && !b->dv) return TGDP_OK;
    if (!(y->dv = nn_zeros(gr, y->n))) return TGDP_ENOMEM;
    bmm_dims d = bmm_dims_of(gr, a, b, y->ip[0], y->ip[1], y->alpha);
    if (a->dv) bmm_fwd(&d, a->dv, b->v, y->dv, 1.0f);
    if (b->dv) bmm_fwd(&d, a->v, b->dv, y->dv, 1.0f);
    return TGDP_OK;
}

static void bmm_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *a = NN_IN(gr, y, 0), *b = NN_IN(gr, y, 1);
    bmm_dims d = bmm_dims_of(gr, a, b, y->ip[0], y->ip[1], y->alpha);
    if (a->need) {
        bmm_grad_a(&d, y->g, b->v, a->g);
        if (y->dg && b->dv) bmm_grad_a(&d, y->dg, b->dv, a->g);
    }
    if (b->need) {
        bmm_grad_b(&d, y->g, a->v, b->g);
        if (y->dg && a->dv) bmm_grad_b(&d, y->dg, a->dv, b->g);
    }
    if (y->dg && a->dg) bmm_grad_a(&d, y->dg, b->v, a->dg);
    if (y->dg && b->dg) bmm_grad_b(&d, y->dg, a->v, b->dg);
}

/* ---------------- softmax along rows ---------------- */
int tgdp_softmax(tgdp_graph *gr, int x)
{
    if (x < 0 || gr->failed) return bad(gr, "softmax: invalid input");
    const tgdp_node *nx = &gr->nodes[x];
    int id = nn_new_node(gr, TGDP_OP_SOFTMAX, nx->B, nx->C, nx->L, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    y->in[0] = x;
    const int64_t rows = y->B * y->C, n = y->L;
    const float *xv = gr->nodes[x].v;
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = xv + r * n;
        float *yr = y->v + r * n;
        float m = xr[0];
        for (int64_t j = 1; j < n; j++) m = xr[j] > m ? xr[j] : m;
        double s = 0;
        for (int64_t j = 0; j < n; j++) s += (yr[j] = expf(xr[j] - m));
        const float inv = (float)(1.0 / s);
        for (int64_t j = 0; j < n; j++) yr[j] *= inv;
    }
    return id;
}

static double dot(const float *a, const float *b, int64_t n)
{
    double s = 0;
    for (int64_t j = 0; j < n; j++) s += (double)a[j] * b[j];
    return s;
}

static int softmax_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0);
    if (!x->dv) return TGDP_OK;
    if (!(y->dv = tgdp_arena_floats(gr->arena, y->n))) return TGDP_ENOMEM;
    const int64_t rows = y->B * y->C, n = y->L;
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t r = 0; r < rows; r++) {
        const float *yr = y->v + r * n, *dx = x->dv + r * n;
        float *dy = y->dv + r * n;
        const float s = (float)dot(yr, dx, n);
        for (int64_t j = 0; j < n; j++) dy[j] = yr[j] * (dx[j] - s);
    }
    return TGDP_OK;
}

static void softmax_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0);
    const int64_t rows = y->B * y->C, n = y->L;
    const int second = y->dg && y->dv;
#pragma omp parallel for schedule(static) if (y->n > 32768)
    for (int64_t r = 0; r < rows; r++) {
        const size_t o = (size_t)(r * n);
        const float *yr = y->v + o, *g = y->g + o;
        const float *dg = y->dg ? y->dg + o : NULL, *dy = y->dv ? y->dv + o : NULL;
        if (x->need) {
            float *gx = x->g + o;
            const float yg = (float)dot(yr, g, n);
            for (int64_t j = 0; j < n; j++) gx[j] += yr[j] * (g[j] - yg);
            if (second) {
                const float gdy = (float)dot(dg, dy, n), gy = (float)dot(dg, yr, n);
                for (int64_t j = 0; j < n; j++) gx[j] += dg[j] * dy[j] - yr[j] * gdy - dy[j] * gy;
            }
        }
        if (dg && x->dg) {
            float *dgx = x->dg + o;
            const float yd = (float)dot(yr, dg, n);
            for (int64_t j = 0; j < n; j++) dgx[j] += yr[j] * (dg[j] - yd);
        }
    }
}

/* ---------------- dispatch (from nn_tangent / nn_backward) ---------------- */
int nn_attn_tangent(tgdp_graph *gr, tgdp_node *nd)
{
    int rc = nd->op == TGDP_OP_BMM ? bmm_tangent(gr, nd) : softmax_tangent(gr, nd);
    if (rc) tgdp_graph_fail(gr, TGDP_ENOMEM, "tangent pass: out of memory");
    return rc;
}

void nn_attn_backward(tgdp_graph *gr, tgdp_node *nd)
{
    if (nd->op == TGDP_OP_BMM) bmm_backward(gr, nd);
    else softmax_backward(gr, nd);
}

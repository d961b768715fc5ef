/* 1-D convolution (stride, padding, dilation): oneDNN's convolution primitives on the oneDNN
 * backend (dnnl_conv.c), else im2col + sgemm, with a plain direct reference kernel beside them;
 * average-pool down-sampling and nearest up-sampling; each with tangent and backward rules. */
#include "nn/dnnl.h"
#include "nn/fastmath.h"
#include "nn/ops.h"

#include <omp.h>
#include <string.h>

int64_t tgdp_conv1d_out_len(int64_t L, int K, int stride, int padding, int dilation)
{
    int64_t eff = (int64_t)dilation * (K - 1) + 1;
    if (stride <= 0 || dilation <= 0 || K <= 0 || padding < 0 || L + 2 * padding < eff) return 0;
    return (L + 2 * padding - eff) / stride + 1;
}

void tgdp_conv1d_forward_ref(const float *x, const float *W, const float *b, float *y, int64_t B, int64_t Cin,
                             int64_t L, int64_t Cout, int K, int stride, int padding, int dilation)
{
    int64_t Lo = tgdp_conv1d_out_len(L, K, stride, padding, dilation);
    for (int64_t n = 0; n < B; n++)
        for (int64_t co = 0; co < Cout; co++)
            for (int64_t l = 0; l < Lo; l++) {
                double s = b ? b[co] : 0.0;
                for (int64_t ci = 0; ci < Cin; ci++)
                    for (int k = 0; k < K; k++) {
                        int64_t p = l * stride - padding + (int64_t)k * dilation;
                        if (p >= 0 && p < L) s += (double)W[(co * Cin + ci) * K + k] * x[(n * Cin + ci) * L + p];
                    }
                y[(n * Cout + co) * Lo + l] = (float)s;
            }
}

/* col[(ci*K + k), l] = x[ci, l*stride - padding + k*dilation] (0 outside) for one sample */
static void im2col(const float *x, float *col, int64_t Cin, int64_t L, int64_t Lo, int K, int stride, int padding,
                   int dilation)
{
    for (int64_t ci = 0; ci < Cin; ci++)
        for (int k = 0; k < K; k++) {
            float *row = col + (ci * K + k) * Lo;
            const float *xr = x + ci * L;
            for (int64_t l = 0; l < Lo; l++) {
                int64_t p = l * stride - padding + (int64_t)k * dilation;
                row[l] = (p >= 0 && p < L) ? xr[p] : 0.0f;
            }
        }
}

static void col2im_add(const float *col, float *x, int64_t Cin, int64_t L, int64_t Lo, int K, int stride,
                       int padding, int dilation)
{
    for (int64_t ci = 0; ci < Cin; ci++)
        for (int k = 0; k < K; k++) {
            const float *row = col + (ci * K + k) * Lo;
            float *xr = x + ci * L;
            for (int64_t l = 0; l < Lo; l++) {
                int64_t p = l * stride - padding + (int64_t)k * dilation;
                if (p >= 0 && p < L) xr[p] += row[l];
            }
        }
}

/* one sample: y_n = W col(x_n) (+ b) */
static void conv_fwd_one(const float *xn, const float *W, const float *b, float *yn, int64_t Cin, int64_t L,
                         int64_t Cout, int64_t Lo, int K, const int *ip, float *col)
{
    const int64_t CK = Cin * K;
    im2col(xn, col, Cin, L, Lo, K, ip[0], ip[1], ip[2]);
    nn_gemm(TGDP_FP32, CblasNoTrans, CblasNoTrans, (int)Cout, (int)Lo, (int)CK, 1.0f, W, (int)CK, col, (int)Lo, 0.0f, yn,
            (int)Lo, NULL);
    if (b)
        for (int64_t co = 0; co < Cout; co++)
            for (int64_t l = 0; l < Lo; l++) yn[co * Lo + l] += b[co];
}

/* The batch is split over the threads, one sample's small GEMM at a time (inside a parallel
 * region OpenBLAS runs single-threaded): a per-sample GEMM of a few channels is too small for
 * OpenBLAS to split well, and the im2col/col2im around it is serial work otherwise. Each thread
 * has its own column buffer. Below ~1 MFLOP per call the threads are not worth waking. */
static int conv_threads(int64_t B, int64_t Cin, int64_t Cout, int64_t Lo, int K)
{
    int T = omp_get_max_threads();
    if ((int64_t)T > B) T = (int)B;
    if ((double)B * (double)Cin * (double)Cout * (double)Lo * K < 5e5) T = 1;
    return T < 1 ? 1 : T;
}

/* column buffers for T threads, from the graph's arena */
static float *conv_cols(tgdp_graph *gr, int T, int64_t Cin, int K, int64_t Lo)
{
    return tgdp_arena_floats(gr->arena, (size_t)T * (size_t)(Cin * K * Lo));
}

static void conv_fwd_par(const float *x, const float *W, const float *b, float *y, int64_t B, int64_t Cin, int64_t L,
                         int64_t Cout, int64_t Lo, int K, const int *ip, float *cols, int T)
{
    const size_t cs = (size_t)(Cin * K * Lo);
#pragma omp parallel for num_threads(T) schedule(static) if (T > 1)
    for (int64_t n = 0; n < B; n++)
        conv_fwd_one(x + n * Cin * L, W, b, y + n * Cout * Lo, Cin, L, Cout, Lo, K, ip,
                     cols + (size_t)omp_get_thread_num() * cs);
}

void tgdp_conv1d_forward_gemm(const float *x, const float *W, const float *b, float *y, int64_t B, int64_t Cin,
                              int64_t L, int64_t Cout, int K, int stride, int padding, int dilation, float *col)
{
    const int ip[3] = {stride, padding, dilation};
    conv_fwd_par(x, W, b, y, B, Cin, L, Cout, tgdp_conv1d_out_len(L, K, stride, padding, dilation), K, ip, col, 1);
}

static tgdp_conv_shape conv_shape(const tgdp_node *x, const tgdp_node *w, const tgdp_node *y)
{
    return (tgdp_conv_shape){x->B, x->C, x->L, y->C, y->L, (int)w->L, y->ip[0], y->ip[1], y->ip[2]};
}

/* y = conv(x, W) + b (+ e per sample) through oneDNN (which counts its calls); non-zero when not on
 * that backend or when oneDNN declines (the caller computes it with im2col + sgemm) */
static int dnnl_fwd(const tgdp_graph *gr, const tgdp_conv_shape *s, const float *x, void *xs, const float *W,
                    const float *b, const float *e, int e_full, float *y)
{
    if (tgdp_get_gemm_backend() != TGDP_GEMM_ONEDNN) return -1;
    if (nn_dnnl_conv_fwd(gr->precision, s, x, xs, W, b, e, e_full, y) == 0) return 0;
    nn_dnnl_declined();
    return -1;
}

/* the backward of one convolution through oneDNN: gx += input gradient of gy, gW += weight
 * gradient with src as input (each may be NULL). 0: done; -1: declined before anything was added
 * (the caller computes it otherwise); -2: failed half-way */
static int dnnl_bwd(const tgdp_graph *gr, const tgdp_conv_shape *s, const float *gy, const float *W, const float *src,
                    const void *srcs, float *gx, int gx_assign, float *gW)
{
    if (tgdp_get_gemm_backend() != TGDP_GEMM_ONEDNN) return -1;
    const int rc = nn_dnnl_conv_bwd(gr->precision, s, gy, W, src, srcs, gx, gx_assign, gW);
    if (rc == -1) nn_dnnl_declined();
    return rc;
}

/* y[r, l] (+)= e[r] (full: e[r, l]) for R rows of L values; assign: y = 0 + e (as adding e to a zero
 * tangent) */
static void add_term(float *y, const float *e, int full, int64_t R, int64_t L, int assign)
{
    for (int64_t r = 0; r < R; r++) {
        float *yr = y + r * L;
        const float *er = full ? e + r * L : NULL;
        if (assign)
            for (int64_t l = 0; l < L; l++) yr[l] = 0.0f + (full ? er[l] : e[r]);
        else
            for (int64_t l = 0; l < L; l++) yr[l] += full ? er[l] : e[r];
    }
}

int tgdp_conv1d(tgdp_graph *gr, int x, int W, int b, int stride, int padding, int dilation)
{
    return tgdp_conv1d_add(gr, x, W, b, -1, stride, padding, dilation);
}

int tgdp_conv1d_add(tgdp_graph *gr, int x, int W, int b, int e, int stride, int padding, int dilation)
{
    if (x < 0 || W < 0 || gr->failed) {
        tgdp_graph_fail(gr, TGDP_EINVAL, "conv1d: invalid input");
        return -1;
    }
    if ((!gr->nodes[x].v && !nn_norm_lazy(&gr->nodes[x])) || !gr->nodes[W].v || (e >= 0 && !gr->nodes[e].v))
        return tgdp_graph_fail(gr, TGDP_EINVAL, "conv1d: an input without values");
    tgdp_node *nx = &gr->nodes[x], *nw = &gr->nodes[W];
    const int64_t Cin = nx->C, L = nx->L, Cout = nw->B;
    const int K = (int)nw->L;
    const int64_t Lo = tgdp_conv1d_out_len(L, K, stride, padding, dilation);
    if (nw->C != Cin || Lo <= 0 || (b >= 0 && (int64_t)gr->nodes[b].n != Cout)) {
        tgdp_graph_fail(gr, TGDP_EINVAL, "conv1d: a kernel of %lld input channels on %lld channels (output length %lld)",
                        (long long)nw->C, (long long)Cin, (long long)Lo);
        return -1;
    }
    if (e >= 0 && gr->nodes[e].n != (size_t)(nx->B * Cout) && gr->nodes[e].n != (size_t)(nx->B * Cout * Lo))
        return tgdp_graph_fail(gr, TGDP_EINVAL,
                               "conv1d: an added term of %zu values for %lld samples of %lld channels of length %lld",
                               gr->nodes[e].n, (long long)nx->B, (long long)Cout, (long long)Lo);
    int id = nn_new_node(gr, TGDP_OP_CONV1D, nx->B, Cout, Lo, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    y->in[0] = x;
    y->in[1] = W;
    y->in[2] = b;
    y->in[3] = e;
    y->ip[0] = stride;
    y->ip[1] = padding;
    y->ip[2] = dilation;
    y->ip[3] = e >= 0 && Lo > 1 && gr->nodes[e].n == (size_t)(nx->B * Cout * Lo); /* e element by element */
    const int full = y->ip[3];
    const tgdp_conv_shape s = conv_shape(&gr->nodes[x], &gr->nodes[W], y);
    const float *bv = b >= 0 ? gr->nodes[b].v : NULL, *ev = e >= 0 ? gr->nodes[e].v : NULL;
    if (tgdp_get_gemm_backend() == TGDP_GEMM_ONEDNN) { /* the input channels-last, kept for the backward */
        const size_t es = gr->precision == TGDP_BF16 ? 2 : sizeof(float);
        if (!(y->aux = tgdp_arena_alloc(gr->arena, (size_t)(s.B * s.L * s.Cin) * es)))
            return tgdp_graph_fail(gr, TGDP_ENOMEM, "conv1d: out of memory");
        tgdp_node *in = &gr->nodes[x];
        if (nn_norm_lazy(in)) { /* a group norm's output not yet written (tgdp_norm_conv1d): written here */
            if (nn_norm_to_nwc(gr, in, y->aux) == 0 &&
                dnnl_fwd(gr, &s, NULL, y->aux, gr->nodes[W].v, bv, ev, full, y->v) == 0)
                return id;
        } else if (dnnl_fwd(gr, &s, in->v, y->aux, gr->nodes[W].v, bv, ev, full, y->v) == 0) {
            return id;
        }
        y->aux = NULL;
    }
    if (nn_norm_lazy(&gr->nodes[x]) && nn_norm_value(gr, &gr->nodes[x])) return -1;
    const int T = conv_threads(y->B, Cin, Cout, Lo, K);
    float *cols = conv_cols(gr, T, Cin, K, Lo);
    if (!cols) {
        tgdp_graph_fail(gr, TGDP_ENOMEM, "conv1d: out of memory");
        return -1;
    }
    conv_fwd_par(gr->nodes[x].v, gr->nodes[W].v, bv, y->v, y->B, Cin, L, Cout, Lo, K, y->ip, cols, T);
    if (ev) add_term(y->v, ev, full, y->B * Cout, Lo, 0);
    return id;
}

/* dy = conv(dx, W) + de: the bias is constant, W is not differentiated along the tangent */
int nn_conv_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0), *w = NN_IN(gr, y, 1), *e = NN_IN(gr, y, 3);
    const float *ed = e ? e->dv : NULL;
    if (!x->dv && !ed) return TGDP_OK;
    if (!(y->dv = tgdp_arena_floats(gr->arena, y->n))) return TGDP_ENOMEM;
    if (!x->dv) {
        add_term(y->dv, ed, y->ip[3], y->B * y->C, y->L, 1);
        return TGDP_OK;
    }
    const tgdp_conv_shape s = conv_shape(x, w, y);
    if (dnnl_fwd(gr, &s, x->dv, NULL, w->v, NULL, ed, y->ip[3], y->dv) == 0) return TGDP_OK;
    const int K = (int)w->L, T = conv_threads(y->B, x->C, y->C, y->L, K);
    float *cols = conv_cols(gr, T, x->C, K, y->L);
    if (!cols) return TGDP_ENOMEM;
    conv_fwd_par(x->dv, w->v, NULL, y->dv, y->B, x->C, x->L, y->C, y->L, K, y->ip, cols, T);
    if (ed) add_term(y->dv, ed, y->ip[3], y->B * y->C, y->L, 0);
    return TGDP_OK;
}

/* W.g += sum_n gy_n col(src_n)^T: each thread sums its samples into its own [Cout, CK] buffer
 * (the first thread straight into wg), then the buffers are added */
static void conv_weight_grad(const float *gy, const float *src, float *wg, float *cols, float *parts, int T, int64_t B,
                             int64_t Cin, int64_t L, int64_t Cout, int64_t Lo, int K, const int *ip)
{
    const int64_t CK = Cin * K;
    const size_t cs = (size_t)(CK * Lo), ws = (size_t)(Cout * CK);
#pragma omp parallel num_threads(T) if (T > 1)
    {
        const int id = omp_get_thread_num(), nt = omp_get_num_threads();
        float *acc = id == 0 ? wg : parts + (size_t)(id - 1) * ws, *col = cols + (size_t)id * cs;
        if (id > 0) memset(acc, 0, ws * sizeof *acc);
        for (int64_t n = B * id / nt; n < B * (id + 1) / nt; n++) {
            im2col(src + n * Cin * L, col, Cin, L, Lo, K, ip[0], ip[1], ip[2]);
            nn_gemm(TGDP_FP32, CblasNoTrans, CblasTrans, (int)Cout, (int)CK, (int)Lo, 1.0f, gy + n * Cout * Lo, (int)Lo,
                    col, (int)Lo, 1.0f, acc, (int)CK, NULL);
        }
#pragma omp barrier
#pragma omp for schedule(static)
        for (int64_t i = 0; i < (int64_t)ws; i++)
            for (int k = 1; k < nt; k++) wg[i] += parts[(size_t)(k - 1) * ws + (size_t)i];
    }
}

/* x.g_n += col2im(W^T gy_n) for every sample n */
static void conv_input_grad(const float *gy, const float *W, float *xg, float *cols, int T, int64_t B, int64_t Cin,
                            int64_t L, int64_t Cout, int64_t Lo, int K, const int *ip)
{
    const int64_t CK = Cin * K;
    const size_t cs = (size_t)(CK * Lo);
#pragma omp parallel for num_threads(T) schedule(static) if (T > 1)
    for (int64_t n = 0; n < B; n++) {
        float *col = cols + (size_t)omp_get_thread_num() * cs;
        nn_gemm(TGDP_FP32, CblasTrans, CblasNoTrans, (int)CK, (int)Lo, (int)Cout, 1.0f, W, (int)CK, gy + n * Cout * Lo,
                (int)Lo, 0.0f, col, (int)Lo, NULL);
        col2im_add(col, xg + n * Cin * L, Cin, L, Lo, K, ip[0], ip[1], ip[2]);
    }
}

/* the backward through oneDNN; 0 when it did the work. x's gradient is assigned where the graph
 * left it fresh for this op (gr->g_assign), added to otherwise. */
static int conv_backward_dnnl(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0), *w = NN_IN(gr, y, 1);
    const tgdp_conv_shape s = conv_shape(x, w, y);
    int rc = dnnl_bwd(gr, &s, y->g, w->v, x->v, y->aux, x->need ? x->g : NULL, gr->g_assign, w->need ? w->g : NULL);
    if (rc == 0 && y->dg) /* second order: the tangent's gradient */
        rc = dnnl_bwd(gr, &s, y->dg, w->v, x->dv, NULL, x->dg, 0, w->need && x->dv ? w->g : NULL) ? -2 : 0;
    if (rc == -2) tgdp_graph_fail(gr, TGDP_ENOMEM, "conv1d backward: oneDNN failed after adding the input gradient");
    return rc != -1 ? 0 : -1;
}

/* gb[co] += the sum of gy[n, co, l] over samples and positions, ge[n, co] += its sum over positions
 * (either may be NULL), in a fixed order: each (n, co) row's 8-lane double sum (the same as
 * sum8), channels two at a time (two independent chains) */
static void conv_bias_grads(const float *gy, int64_t B, int64_t C, int64_t Lo, float *gb, float *ge)
{
    if (!gb && !ge) return;
#pragma omp parallel for schedule(static) if (B * C * Lo > 32768)
    for (int64_t co = 0; co < C; co += 2) {
        double t[2] = {0, 0};
        for (int64_t n = 0; n < B; n++) {
            const float *row = gy + (n * C + co) * Lo;
            double a, b = 0;
            if (co + 1 < C) sum8_2(row, row + Lo, Lo, &a, &b);
            else a = sum8(row, Lo);
            t[0] += a, t[1] += b;
            if (ge) {
                ge[n * C + co] += (float)a;
                if (co + 1 < C) ge[n * C + co + 1] += (float)b;
            }
        }
        if (gb) {
            gb[co] += (float)t[0];
            if (co + 1 < C) gb[co + 1] += (float)t[1];
        }
    }
}

static void conv_backward_gemm(tgdp_graph *gr, tgdp_node *y);

void nn_conv_backward(tgdp_graph *gr, tgdp_node *y)
{
    if (conv_backward_dnnl(gr, y) != 0) conv_backward_gemm(gr, y);
    if (gr->failed) return;
    tgdp_node *b = NN_IN(gr, y, 2), *e = NN_IN(gr, y, 3);
    const int full = y->ip[3]; /* e element by element: its gradient is gy itself */
    conv_bias_grads(y->g, y->B, y->C, y->L, b && b->need ? b->g : NULL, e && e->need && !full ? e->g : NULL);
    if (y->dg && e && e->dg && !full) conv_bias_grads(y->dg, y->B, y->C, y->L, NULL, e->dg);
    if (full && e->need) nn_axpy(e->g, y->g, 1.0f, y->n);
    if (full && y->dg && e->dg) nn_axpy(e->dg, y->dg, 1.0f, y->n);
}

/* the input and weight gradients through im2col + sgemm */
static void conv_backward_gemm(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0), *w = NN_IN(gr, y, 1);
    if (nn_norm_lazy(x) && nn_norm_value(gr, x)) return; /* oneDNN's forward kept only its channels-last copy */
    if (gr->g_assign && x->need) memset(x->g, 0, x->n * sizeof(float)); /* col2im adds */
    const int K = (int)w->L;
    const int64_t Cin = x->C, L = x->L, Cout = y->C, Lo = y->L;
    const int T = conv_threads(y->B, Cin, Cout, Lo, K);
    float *cols = conv_cols(gr, T, Cin, K, Lo);
    float *parts = T > 1 && w->need ? tgdp_arena_floats(gr->arena, (size_t)(T - 1) * (size_t)(Cout * Cin * K)) : NULL;
    if (!cols || (T > 1 && w->need && !parts)) {
        tgdp_graph_fail(gr, TGDP_ENOMEM, "conv1d backward: out of memory");
        return;
    }
    if (w->need) {
        conv_weight_grad(y->g, x->v, w->g, cols, parts, T, y->B, Cin, L, Cout, Lo, K, y->ip);
        if (y->dg && x->dv) conv_weight_grad(y->dg, x->dv, w->g, cols, parts, T, y->B, Cin, L, Cout, Lo, K, y->ip);
    }
    if (x->need) conv_input_grad(y->g, w->v, x->g, cols, T, y->B, Cin, L, Cout, Lo, K, y->ip);
    if (y->dg && x->dg) conv_input_grad(y->dg, w->v, x->dg, cols, T, y->B, Cin, L, Cout, Lo, K, y->ip);
}

/* ---------------- down/up-sampling ---------------- */
/* avgpool2: y[l] = (x[2l] + x[2l+1]) / 2 (a trailing odd sample is dropped);
 * upsample2: y[2l] = y[2l+1] = x[l]. Both linear: the tangent is the same map. */
/* one loop per case, without index divisions, so that each vectorises (pairs of loads or stores);
 * every element gets the same operations in the same order as one loop over the outputs would */
static void pool_apply(int op, const float *x, float *y, int64_t rows, int64_t Lx, int64_t Ly)
{
    for (int64_t r = 0; r < rows; r++) {
        const float *s = x + r * Lx;
        float *d = y + r * Ly;
        if (op == TGDP_OP_AVGPOOL2)
            for (int64_t l = 0; l < Ly; l++) d[l] = 0.5f * (s[2 * l] + s[2 * l + 1]);
        else
            for (int64_t l = 0; l < Lx; l++) d[2 * l] = d[2 * l + 1] = s[l];
    }
}

/* gx += the adjoint of gy; assign: gx = it (every element written, the dropped odd sample 0) */
static void pool_adjoint(int op, const float *gy, float *gx, int64_t rows, int64_t Lx, int64_t Ly, int assign)
{
    for (int64_t r = 0; r < rows; r++) {
        const float *g = gy + r * Ly;
        float *d = gx + r * Lx;
        if (op == TGDP_OP_AVGPOOL2 && assign) {
            for (int64_t l = 0; l < Ly; l++) d[2 * l] = d[2 * l + 1] = 0.5f * g[l];
            if (Lx > 2 * Ly) d[Lx - 1] = 0.0f;
        } else if (op == TGDP_OP_AVGPOOL2) {
            for (int64_t l = 0; l < Ly; l++) {
                d[2 * l] += 0.5f * g[l];
                d[2 * l + 1] += 0.5f * g[l];
            }
        } else if (assign) { /* the same sums as adding both into zero, in the same order */
            for (int64_t l = 0; l < Lx; l++) d[l] = g[2 * l] + g[2 * l + 1];
        } else { /* both of an output's two gradients added into it, in order */
            for (int64_t l = 0; l < Lx; l++) d[l] = (d[l] + g[2 * l]) + g[2 * l + 1];
        }
    }
}

static int pool_new(tgdp_graph *gr, int x, int op)
{
    if (x < 0 || gr->failed) return -1;
    tgdp_node *nx = &gr->nodes[x];
    int64_t Ly = op == TGDP_OP_AVGPOOL2 ? nx->L / 2 : nx->L * 2;
    if (Ly <= 0) {
        tgdp_graph_fail(gr, TGDP_EINVAL, "pooling: a map of length %lld is too short", (long long)nx->L);
        return -1;
    }
    int id = nn_new_node(gr, op, nx->B, nx->C, Ly, 1);
    if (id < 0) return -1;
    tgdp_node *y = &gr->nodes[id];
    nx = &gr->nodes[x];
    y->in[0] = x;
    pool_apply(op, nx->v, y->v, y->B * y->C, nx->L, Ly);
    return id;
}

int tgdp_avgpool2(tgdp_graph *gr, int x) { return pool_new(gr, x, TGDP_OP_AVGPOOL2); }
int tgdp_upsample2(tgdp_graph *gr, int x) { return pool_new(gr, x, TGDP_OP_UPSAMPLE2); }

int nn_pool_tangent(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0);
    if (!x->dv) return TGDP_OK;
    if (!(y->dv = tgdp_arena_floats(gr->arena, y->n))) return TGDP_ENOMEM;
    pool_apply(y->op, x->dv, y->dv, y->B * y->C, x->L, y->L);
    return TGDP_OK;
}

void nn_pool_backward(tgdp_graph *gr, tgdp_node *y)
{
    tgdp_node *x = NN_IN(gr, y, 0);
    if (x->need) pool_adjoint(y->op, y->g, x->g, y->B * y->C, x->L, y->L, gr->g_assign);
    if (y->dg && x->dg) pool_adjoint(y->op, y->dg, x->dg, y->B * y->C, x->L, y->L, 0);
}

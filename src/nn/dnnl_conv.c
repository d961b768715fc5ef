/* 1-D convolutions through oneDNN (forward and backward data: convolution primitives; the
 * tangent is another forward; backward weights: one matrix product over the whole batch). The
 * graph keeps [B, C, L] tensors (ncw); the primitives run on channels-last copies (nwc), the
 * layout oneDNN's AMX and AVX-512 kernels take, rounded to bf16 on the way in bf16
 * (dnnl_layout.c), with the weights reordered into whatever layout the primitive asks for.
 * The weight gradient is gy^T [Cout, B Lo] times the input's rows [B Lo, Cin K], straight into
 * the [Cout, Cin, K] gradient: oneDNN's backward-weights kernels ran at a fifth of the forward's
 * rate at these shapes. Every primitive is made once per shape and thread (dnnl_cache.c); each
 * call is counted (nn_count) with the time of its kernel alone. */
#include "nn/dnnl_cache.h"
#include "nn/ops.h"

#include <string.h>

enum { RE_WEI = 101 };
/* scratch slots (0 and 1 belong to the matrix products) */
enum { S_SRC = 2, S_WEI = 3, S_OUT = 4, S_GY = 5, S_ROWS = 6 };

typedef struct cv_ctx {
    int op, prec, bias;
    tgdp_conv_shape s;
} cv_ctx;

static dnnl_data_type_t in_type(int prec) { return prec == TGDP_BF16 ? dnnl_bf16 : dnnl_f32; }

static int cv_key(const cv_ctx *c, int *k)
{
    const tgdp_conv_shape *s = &c->s;
    const int v[12] = {c->op, c->prec, c->bias, (int)s->B, (int)s->Cin, (int)s->L, (int)s->Cout, (int)s->Lo, s->K,
                       s->stride, s->padding, s->dilation};
    memcpy(k, v, sizeof v);
    return 12;
}

static dnnl_status_t act_md(dnnl_memory_desc_t *md, int64_t B, int64_t C, int64_t L, dnnl_data_type_t dt,
                            dnnl_format_tag_t tag)
{
    dnnl_dims_t d = {B, C, L};
    return dnnl_memory_desc_init_by_tag(md, 3, d, dt, tag);
}

/* the forward descriptor (also the hint of the backward ones) */
static dnnl_status_t fwd_pd(const cv_ctx *c, dnnl_engine_t eng, const_dnnl_primitive_attr_t attr, int bias,
                            dnnl_primitive_desc_t *pd)
{
    const tgdp_conv_shape *s = &c->s;
    const dnnl_data_type_t dt = in_type(c->prec);
    dnnl_memory_desc_t src, wei, dst, b;
    dnnl_dims_t dw = {s->Cout, s->Cin, s->K}, db = {s->Cout};
    dnnl_dims_t str = {s->stride}, dil = {s->dilation - 1}, pl = {s->padding};
    dnnl_dims_t pr = {(s->Lo - 1) * s->stride + (int64_t)(s->K - 1) * s->dilation + 1 - s->L - s->padding};
    dnnl_status_t st = act_md(&src, s->B, s->Cin, s->L, dt, dnnl_nwc);
    if (st == dnnl_success) st = act_md(&dst, s->B, s->Cout, s->Lo, dnnl_f32, dnnl_nwc);
    if (st == dnnl_success) st = dnnl_memory_desc_init_by_tag(&wei, 3, dw, dt, dnnl_format_tag_any);
    if (st == dnnl_success) st = dnnl_memory_desc_init_by_tag(&b, 1, db, dnnl_f32, dnnl_a);
    dnnl_convolution_desc_t cd;
    if (st == dnnl_success)
        st = dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_training, dnnl_convolution_direct, &src, &wei,
                                                        bias ? &b : NULL, &dst, str, dil, pl, pr);
    return st == dnnl_success ? dnnl_primitive_desc_create(pd, &cd, attr, eng, NULL) : st;
}

/* backward data: diff_dst and weights in the precision's type, diff_src float32 */
static dnnl_status_t bwd_data_desc(const cv_ctx *c, dnnl_convolution_desc_t *cd)
{
    const tgdp_conv_shape *s = &c->s;
    const dnnl_data_type_t dt = in_type(c->prec);
    dnnl_memory_desc_t x, w, y;
    dnnl_dims_t dw = {s->Cout, s->Cin, s->K};
    dnnl_dims_t str = {s->stride}, dil = {s->dilation - 1}, pl = {s->padding};
    dnnl_dims_t pr = {(s->Lo - 1) * s->stride + (int64_t)(s->K - 1) * s->dilation + 1 - s->L - s->padding};
    dnnl_status_t st = act_md(&x, s->B, s->Cin, s->L, dnnl_f32, dnnl_nwc);
    if (st == dnnl_success) st = act_md(&y, s->B, s->Cout, s->Lo, dt, dnnl_nwc);
    if (st == dnnl_success) st = dnnl_memory_desc_init_by_tag(&w, 3, dw, dt, dnnl_format_tag_any);
    if (st != dnnl_success) return st;
    return dnnl_dilated_convolution_backward_data_desc_init(cd, dnnl_convolution_direct, &x, &w, &y, str, dil, pl, pr);
}

/* the forward primitive, or backward data (with the forward's as the hint) */
static dnnl_status_t make_conv(dn_prim *p, dnnl_engine_t eng, const void *vc)
{
    const cv_ctx *c = vc;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL, hint = NULL;
    dnnl_status_t st = dn_attr(&attr, 1.0f, 0.0f);
    if (st == dnnl_success && c->op == TGDP_CALL_CONV_FWD) {
        st = fwd_pd(c, eng, attr, c->bias, &pd);
        const int args[4] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_BIAS};
        if (st == dnnl_success) st = dn_prim_from_pd(p, pd, args, c->bias ? 4 : 3);
    } else if (st == dnnl_success) {
        dnnl_convolution_desc_t cd;
        st = fwd_pd(c, eng, NULL, c->bias, &hint);
        if (st == dnnl_success) st = bwd_data_desc(c, &cd);
        if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &cd, attr, eng, hint);
        const int args[3] = {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC};
        if (st == dnnl_success) st = dn_prim_from_pd(p, pd, args, 3);
    }
    if (hint) dnnl_primitive_desc_destroy(hint);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return st;
}

/* a reorder from one layout to another; beta != 0 adds beta * the destination */
typedef struct re_ctx {
    dnnl_memory_desc_t from, to;
    float beta;
} re_ctx;

static dnnl_status_t make_reorder(dn_prim *p, dnnl_engine_t eng, const void *vc)
{
    const re_ctx *c = vc;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t st = dn_attr(&attr, 1.0f, c->beta);
    if (st == dnnl_success) st = dnnl_reorder_primitive_desc_create(&pd, &c->from, eng, &c->to, eng, attr);
    const int args[2] = {DNNL_ARG_FROM, DNNL_ARG_TO};
    if (st == dnnl_success) st = dn_prim_from_pd(p, pd, args, 2);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return st;
}

/* the weights [Cout, Cin, K] float32 <-> the layout of argument `arg` of conv primitive cp */
static int wei_reorder(const cv_ctx *cv, const dn_prim *cp, int arg, int to_prim, float beta, const void *from,
                       void *to)
{
    const tgdp_conv_shape *s = &cv->s;
    re_ctx c;
    memset(&c, 0, sizeof c);
    c.beta = beta;
    const dnnl_memory_desc_t *pmd = NULL;
    for (int i = 0; i < cp->n_args; i++)
        if (cp->arg[i] == arg && dnnl_memory_get_memory_desc(cp->mem[i], &pmd) != dnnl_success) return -1;
    dnnl_dims_t dw = {s->Cout, s->Cin, s->K};
    dnnl_memory_desc_t plain;
    if (!pmd || dnnl_memory_desc_init_by_tag(&plain, 3, dw, dnnl_f32, dnnl_oiw) != dnnl_success) return -1;
    c.from = to_prim ? plain : *pmd;
    c.to = to_prim ? *pmd : plain;
    int key[DN_KEY];
    const int n = cv_key(cv, key + 1);
    key[0] = RE_WEI;
    key[n + 1] = to_prim;
    dn_prim *p = dn_get(key, n + 2, make_reorder, &c);
    void *h[2] = {(void *)from, to};
    return p ? dn_exec(p, h) : -1;
}

static size_t arg_bytes(const dn_prim *p, int arg)
{
    for (int i = 0; i < p->n_args; i++)
        if (p->arg[i] == arg) return p->bytes[i];
    return 0;
}

/* runs conv primitive p on h and counts it as call op */
static int run_counted(dn_prim *p, void **h, const cv_ctx *c)
{
    const double t0 = nn_stats_on() ? tgdp_now_s() : 0;
    if (dn_exec(p, h)) return -1;
    if (nn_stats_on()) {
        const tgdp_gemm_call r = {.op = c->op, .precision = c->prec, .conv = c->s, .bias = c->bias};
        nn_count(&r, t0);
    }
    return 0;
}

int nn_dnnl_conv_fwd(tgdp_precision prec, const tgdp_conv_shape *s, const float *x, void *xs, const float *W,
                     const float *b, const float *e, int e_full, float *y)
{
    const cv_ctx c = {TGDP_CALL_CONV_FWD, prec, b != NULL, *s};
    int key[DN_KEY];
    dn_prim *p = dn_get(key, cv_key(&c, key), make_conv, &c);
    if (!p) return -1;
    if (!x && !xs) return -1;
    if (!xs) xs = dn_scratch(S_SRC, arg_bytes(p, DNNL_ARG_SRC));
    void *ws = dn_scratch(S_WEI, arg_bytes(p, DNNL_ARG_WEIGHTS));
    float *ys = dn_scratch(S_OUT, arg_bytes(p, DNNL_ARG_DST));
    if (!xs || !ws || !ys || wei_reorder(&c, p, DNNL_ARG_WEIGHTS, 1, 0.0f, W, ws)) return -1;
    if (x) dn_to_nwc(x, s->B, s->Cin, s->L, prec == TGDP_BF16, xs);
    void *h[4] = {xs, ws, ys, (void *)b};
    if (run_counted(p, h, &c)) return -1;
    dn_from_nwc(ys, s->B, s->Cout, s->Lo, 0, e, e_full, y);
    return 0;
}

/* gx += the input gradient of gy (channels-last already: gys); assign: gx = it */
static int conv_bwd_data(const cv_ctx *c, dn_prim *p, const void *gys, const float *W, float *gx, int assign)
{
    const tgdp_conv_shape *s = &c->s;
    void *ws = dn_scratch(S_WEI, arg_bytes(p, DNNL_ARG_WEIGHTS));
    float *gxs = dn_scratch(S_OUT, arg_bytes(p, DNNL_ARG_DIFF_SRC));
    if (!ws || !gxs || wei_reorder(c, p, DNNL_ARG_WEIGHTS, 1, 0.0f, W, ws)) return -1;
    void *h[3] = {(void *)gys, ws, gxs};
    if (run_counted(p, h, c)) return -1;
    dn_from_nwc(gxs, s->B, s->Cin, s->L, !assign, NULL, 0, gx);
    return 0;
}

/* gW [Cout, Cin, K] += the weight gradient: gys^T [Cout, B Lo] times the input's rows
 * [B Lo, K Cin] (rows[(n, l), k Cin + ci] = srcs[n, l stride - padding + k dilation, ci], copies
 * of channels-last rows), one product counted as such, then added into gW's [Cout, Cin, K] order */
static int conv_bwd_weights(tgdp_precision prec, const tgdp_conv_shape *s, const void *gys, const void *srcs, float *gW)
{
    const int M = (int)s->Cout, N = (int)(s->Cin * s->K), K = (int)(s->B * s->Lo);
    const size_t es = prec == TGDP_BF16 ? 2 : 4;
    const void *rows = srcs;
    if (s->K != 1 || s->stride != 1 || s->L != s->Lo) { /* a 1x1 convolution of stride 1 takes srcs as is */
        void *r = dn_scratch(S_ROWS, (size_t)K * (size_t)N * es);
        if (!r) return -1;
        dn_conv_rows(srcs, s, es, r);
        rows = r;
    }
    float *dw = dn_scratch(S_WEI, (size_t)M * (size_t)N * sizeof(float));
    if (!dw) return -1;
    const double t0 = nn_stats_on() ? tgdp_now_s() : 0;
    if (dn_matmul(prec, 1, 0, M, N, K, gys, M, rows, N, 0.0f, dw, N)) return -1;
    if (nn_stats_on()) {
        const tgdp_gemm_call r = {.ta = CblasTrans, .tb = CblasNoTrans, .M = M, .N = N, .K = K, .beta = 0.0f,
                                  .op = TGDP_CALL_GEMM, .precision = prec};
        nn_count(&r, t0);
    }
    const int64_t Cin = s->Cin, KK = s->K;
    for (int64_t co = 0; co < M; co++)
        for (int64_t k = 0; k < KK; k++)
            for (int64_t ci = 0; ci < Cin; ci++) gW[(co * Cin + ci) * KK + k] += dw[co * N + k * Cin + ci];
    return 0;
}

int nn_dnnl_conv_bwd(tgdp_precision prec, const tgdp_conv_shape *s, const float *gy, const float *W, const float *src,
                     const void *srcs, float *gx, int gx_assign, float *gW)
{
    if (!gx && !gW) return 0;
    /* the primitive and the buffers first: declining before anything is added lets the caller do it all */
    const cv_ctx cd = {TGDP_CALL_CONV_BWD_DATA, prec, 0, *s};
    int kd[DN_KEY];
    dn_prim *pd = gx ? dn_get(kd, cv_key(&cd, kd), make_conv, &cd) : NULL;
    void *gys = dn_scratch(S_GY, (size_t)(s->B * s->Cout * s->Lo) * (prec == TGDP_BF16 ? 2 : 4));
    if ((gx && !pd) || !gys) return -1;
    dn_to_nwc(gy, s->B, s->Cout, s->Lo, prec == TGDP_BF16, gys);
    if (gx && conv_bwd_data(&cd, pd, gys, W, gx, gx_assign)) return -1;
    if (gW && !srcs) {
        void *t = dn_scratch(S_SRC, (size_t)(s->B * s->L * s->Cin) * (prec == TGDP_BF16 ? 2 : 4));
        if (!t) return gx ? -2 : -1;
        dn_to_nwc(src, s->B, s->Cin, s->L, prec == TGDP_BF16, t);
        srcs = t;
    }
    if (gW && conv_bwd_weights(prec, s, gys, srcs, gW)) return gx ? -2 : -1;
    return 0;
}

int nn_dnnl_conv_replay(const tgdp_gemm_call *g)
{
    const cv_ctx c = {g->op, g->precision, g->bias, g->conv};
    int key[DN_KEY];
    dn_prim *p = dn_get(key, cv_key(&c, key), make_conv, &c);
    if (!p) return -1;
    void *h[DN_MAX_ARGS];
    for (int i = 0; i < p->n_args; i++)
        if (!(h[i] = dn_scratch_filled(S_SRC + i, p->bytes[i]))) return -1;
    return dn_exec(p, h);
}

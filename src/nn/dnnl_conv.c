/* 1-D convolutions through oneDNN's convolution primitives (forward, backward data, backward
 * weights; the tangent is another forward). The graph keeps [B, C, L] tensors (ncw); the
 * primitives run on channels-last copies (nwc), the layout oneDNN's AMX and AVX-512 kernels
 * take, with weights in whatever layout the primitive asks for. The copies are oneDNN reorders
 * into the thread's scratch buffers, rounding to bf16 on the way in bf16; results come back
 * with a reorder that adds into the graph's gradients (sum post-op). Every primitive, reorders
 * included, is made once per shape and thread (dnnl_cache.c). */
#include "nn/dnnl_cache.h"

#include <string.h>

enum { RE_ACT = 100, RE_WEI = 101 };
/* scratch slots (0 and 1 belong to the matrix products) */
enum { S_SRC = 2, S_WEI = 3, S_OUT = 4, S_GY = 5, S_GW = 6, S_GB = 7 };

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

static dnnl_status_t bwd_desc(const cv_ctx *c, dnnl_convolution_desc_t *cd)
{
    const tgdp_conv_shape *s = &c->s;
    const dnnl_data_type_t dt = in_type(c->prec);
    dnnl_memory_desc_t x, w, y, b;
    dnnl_dims_t dw = {s->Cout, s->Cin, s->K}, db = {s->Cout};
    dnnl_dims_t str = {s->stride}, dil = {s->dilation - 1}, pl = {s->padding};
    dnnl_dims_t pr = {(s->Lo - 1) * s->stride + (int64_t)(s->K - 1) * s->dilation + 1 - s->L - s->padding};
    const int data = c->op == TGDP_CALL_CONV_BWD_DATA;
    /* backward data: diff_dst and weights in dt, diff_src f32; weights: src and diff_dst in dt */
    dnnl_status_t st = act_md(&x, s->B, s->Cin, s->L, data ? dnnl_f32 : dt, dnnl_nwc);
    if (st == dnnl_success) st = act_md(&y, s->B, s->Cout, s->Lo, dt, dnnl_nwc);
    if (st == dnnl_success) st = dnnl_memory_desc_init_by_tag(&w, 3, dw, data ? dt : dnnl_f32, dnnl_format_tag_any);
    if (st == dnnl_success) st = dnnl_memory_desc_init_by_tag(&b, 1, db, dnnl_f32, dnnl_a);
    if (st != dnnl_success) return st;
    if (data)
        return dnnl_dilated_convolution_backward_data_desc_init(cd, dnnl_convolution_direct, &x, &w, &y, str, dil, pl,
                                                                pr);
    return dnnl_dilated_convolution_backward_weights_desc_init(cd, dnnl_convolution_direct, &x, &w, c->bias ? &b : NULL,
                                                               &y, str, dil, pl, pr);
}

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
        if (st == dnnl_success) st = bwd_desc(c, &cd);
        if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &cd, attr, eng, hint);
        const int data[3] = {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC};
        const int wei[4] = {DNNL_ARG_DIFF_DST, DNNL_ARG_SRC, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS};
        if (st == dnnl_success)
            st = c->op == TGDP_CALL_CONV_BWD_DATA ? dn_prim_from_pd(p, pd, data, 3)
                                                  : dn_prim_from_pd(p, pd, wei, c->bias ? 4 : 3);
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

/* [B, C, L] float32 (ncw) -> channels-last in dt (to_nwc), or channels-last float32 -> ncw,
 * adding beta * to */
static int act_reorder(int to_nwc, dnnl_data_type_t dt, int64_t B, int64_t C, int64_t L, float beta, const void *from,
                       void *to)
{
    re_ctx c;
    memset(&c, 0, sizeof c);
    c.beta = beta;
    if (act_md(&c.from, B, C, L, dnnl_f32, to_nwc ? dnnl_ncw : dnnl_nwc) != dnnl_success ||
        act_md(&c.to, B, C, L, to_nwc ? dt : dnnl_f32, to_nwc ? dnnl_nwc : dnnl_ncw) != dnnl_success)
        return -1;
    uint32_t bb;
    memcpy(&bb, &beta, sizeof bb);
    const int key[7] = {RE_ACT, to_nwc, (int)dt, (int)B, (int)C, (int)L, (int)bb};
    dn_prim *p = dn_get(key, 7, make_reorder, &c);
    void *h[2] = {(void *)from, to};
    return p ? dn_exec(p, h) : -1;
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

int nn_dnnl_conv_fwd(tgdp_precision prec, const tgdp_conv_shape *s, const float *x, const float *W, const float *b,
                     float *y)
{
    const cv_ctx c = {TGDP_CALL_CONV_FWD, prec, b != NULL, *s};
    int key[DN_KEY];
    dn_prim *p = dn_get(key, cv_key(&c, key), make_conv, &c);
    if (!p) return -1;
    void *xs = dn_scratch(S_SRC, arg_bytes(p, DNNL_ARG_SRC)), *ws = dn_scratch(S_WEI, arg_bytes(p, DNNL_ARG_WEIGHTS));
    void *ys = dn_scratch(S_OUT, arg_bytes(p, DNNL_ARG_DST));
    if (!xs || !ws || !ys) return -1;
    if (act_reorder(1, in_type(prec), s->B, s->Cin, s->L, 0.0f, x, xs) ||
        wei_reorder(&c, p, DNNL_ARG_WEIGHTS, 1, 0.0f, W, ws))
        return -1;
    void *h[4] = {xs, ws, ys, (void *)b};
    if (dn_exec(p, h)) return -1;
    return act_reorder(0, dnnl_f32, s->B, s->Cout, s->Lo, 0.0f, ys, y);
}

/* gx += the input gradient of gy (in the primitive's layout already: gys) */
static int conv_bwd_data(tgdp_precision prec, const tgdp_conv_shape *s, const void *gys, const float *W, float *gx)
{
    const cv_ctx c = {TGDP_CALL_CONV_BWD_DATA, prec, 0, *s};
    int key[DN_KEY];
    dn_prim *p = dn_get(key, cv_key(&c, key), make_conv, &c);
    if (!p) return -1;
    void *ws = dn_scratch(S_WEI, arg_bytes(p, DNNL_ARG_WEIGHTS)), *gxs = dn_scratch(S_OUT, arg_bytes(p, DNNL_ARG_DIFF_SRC));
    if (!ws || !gxs || wei_reorder(&c, p, DNNL_ARG_WEIGHTS, 1, 0.0f, W, ws)) return -1;
    void *h[3] = {(void *)gys, ws, gxs};
    if (dn_exec(p, h)) return -1;
    return act_reorder(0, dnnl_f32, s->B, s->Cin, s->L, 1.0f, gxs, gx);
}

/* gW += the weight gradient, gb += the bias gradient (gb may be NULL) */
static int conv_bwd_weights(tgdp_precision prec, const tgdp_conv_shape *s, const void *gys, const float *src, float *gW,
                            float *gb)
{
    const cv_ctx c = {TGDP_CALL_CONV_BWD_WEIGHTS, prec, gb != NULL, *s};
    int key[DN_KEY];
    dn_prim *p = dn_get(key, cv_key(&c, key), make_conv, &c);
    if (!p) return -1;
    void *xs = dn_scratch(S_SRC, arg_bytes(p, DNNL_ARG_SRC)), *gws = dn_scratch(S_GW, arg_bytes(p, DNNL_ARG_DIFF_WEIGHTS));
    float *gbs = dn_scratch(S_GB, (size_t)s->Cout * sizeof(float));
    if (!xs || !gws || !gbs || act_reorder(1, in_type(prec), s->B, s->Cin, s->L, 0.0f, src, xs)) return -1;
    void *h[4] = {(void *)gys, xs, gws, gbs};
    if (dn_exec(p, h) || wei_reorder(&c, p, DNNL_ARG_DIFF_WEIGHTS, 0, 1.0f, gws, gW)) return -1;
    if (gb)
        for (int64_t co = 0; co < s->Cout; co++) gb[co] += gbs[co];
    return 0;
}

int nn_dnnl_conv_bwd(tgdp_precision prec, const tgdp_conv_shape *s, const float *gy, const float *W, const float *src,
                     float *gx, float *gW, float *gb)
{
    if (!gx && !gW) return 0;
    /* the primitives first: declining before anything is added lets the caller do it all */
    const cv_ctx cd = {TGDP_CALL_CONV_BWD_DATA, prec, 0, *s}, cw = {TGDP_CALL_CONV_BWD_WEIGHTS, prec, gb != NULL, *s};
    int kd[DN_KEY], kw[DN_KEY];
    if ((gx && !dn_get(kd, cv_key(&cd, kd), make_conv, &cd)) || (gW && !dn_get(kw, cv_key(&cw, kw), make_conv, &cw)))
        return -1;
    void *gys = dn_scratch(S_GY, (size_t)(s->B * s->Cout * s->Lo) * (prec == TGDP_BF16 ? 2 : 4));
    if (!gys || act_reorder(1, in_type(prec), s->B, s->Cout, s->Lo, 0.0f, gy, gys)) return -1;
    if (gx && conv_bwd_data(prec, s, gys, W, gx)) return -1;
    if (gW && conv_bwd_weights(prec, s, gys, src, gW, gb)) return gx ? -2 : -1;
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

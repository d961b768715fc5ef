/* The graph: node creation (eager forward), the tangent pass and the backward pass.
 * The per-op kernels live in ops_dense.c and ops_conv.c (see ops.h). */
#include "nn/ops.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tgdp_graph_fail(tgdp_graph *gr, int code, const char *fmt, ...)
{
    if (!gr->failed) {
        gr->err.code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(gr->err.msg, sizeof gr->err.msg, fmt, ap);
        va_end(ap);
    }
    gr->failed = 1;
    return -1;
}

int tgdp_graph_error(const tgdp_graph *gr, tgdp_error *err, const char *what)
{
    if (gr->failed) return tgdp_fail(err, gr->err.code ? gr->err.code : TGDP_ENOMEM, "%s: %s", what, gr->err.msg);
    return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", what);
}

void tgdp_graph_init(tgdp_graph *gr, tgdp_arena *arena)
{
    memset(gr, 0, sizeof *gr);
    gr->arena = arena;
    gr->precision = tgdp_get_precision();
}

int nn_new_node(tgdp_graph *gr, int op, int64_t B, int64_t C, int64_t L, int alloc_value)
{
    if (gr->failed) return -1;
    if (gr->n == gr->cap) {
        int cap = gr->cap ? 2 * gr->cap : 64;
        tgdp_node *nn = tgdp_arena_alloc(gr->arena, (size_t)cap * sizeof *nn);
        if (!nn) {
            tgdp_graph_fail(gr, TGDP_ENOMEM, "graph: out of memory for %d nodes", cap);
            return -1;
        }
        if (gr->n) memcpy(nn, gr->nodes, (size_t)gr->n * sizeof *nn);
        gr->nodes = nn;
        gr->cap = cap;
    }
    tgdp_node *nd = &gr->nodes[gr->n];
    memset(nd, 0, sizeof *nd);
    nd->op = op;
    for (int k = 0; k < TGDP_NODE_INPUTS; k++) nd->in[k] = -1;
    nd->B = B;
    nd->C = C;
    nd->L = L;
    nd->n = (size_t)(B * C * L);
    if (alloc_value) {
        nd->v = tgdp_arena_floats(gr->arena, nd->n);
        if (!nd->v) {
            tgdp_graph_fail(gr, TGDP_ENOMEM, "graph: out of memory for a node of %zu values", nd->n);
            return -1;
        }
    }
    return gr->n++;
}

float *nn_zeros(tgdp_graph *gr, size_t n)
{
    float *p = tgdp_arena_zeros(gr->arena, n);
    if (!p) tgdp_graph_fail(gr, TGDP_ENOMEM, "graph: out of memory for %zu values", n);
    return p;
}

int tgdp_input(tgdp_graph *gr, const float *data, int64_t B, int64_t C, int64_t L, int requires_grad)
{
    int id = nn_new_node(gr, TGDP_OP_INPUT, B, C, L, 0);
    if (id < 0) return -1;
    gr->nodes[id].v = (float *)data;
    gr->nodes[id].requires_grad = requires_grad;
    return id;
}

int tgdp_param(tgdp_graph *gr, tgdp_params *p, int idx)
{
    if (idx < 0 || idx >= p->count) {
        tgdp_graph_fail(gr, TGDP_EINVAL, "graph: parameter %d of %d does not exist", idx, p->count);
        return -1;
    }
    const tgdp_param_info *pi = &p->info[idx];
    int64_t C = pi->ndim > 1 ? pi->shape[1] : 1, L = 1;
    for (int i = 2; i < pi->ndim; i++) L *= pi->shape[i];
    int id = nn_new_node(gr, TGDP_OP_PARAM, pi->shape[0], C, L, 0);
    if (id < 0) return -1;
    gr->nodes[id].v = p->w + pi->off;
    gr->nodes[id].g = p->g + pi->off;
    gr->nodes[id].is_param = 1;
    return id;
}

int tgdp_view(tgdp_graph *gr, int a, int64_t B, int64_t C, int64_t L)
{
    if (a < 0 || gr->failed) return -1;
    if ((size_t)(B * C * L) != gr->nodes[a].n) {
        tgdp_graph_fail(gr, TGDP_EINVAL, "graph: a view [%lld, %lld, %lld] of a node of %zu values", (long long)B,
                        (long long)C, (long long)L, gr->nodes[a].n);
        return -1;
    }
    int id = nn_new_node(gr, TGDP_OP_VIEW, B, C, L, 0);
    if (id < 0) return -1;
    gr->nodes[id].in[0] = a;
    gr->nodes[id].v = gr->nodes[a].v;
    return id;
}

/* ---------- tangent pass ---------- */
int tgdp_graph_tangent(tgdp_graph *gr, int input, const float *dir)
{
    if (gr->failed) return TGDP_ENOMEM;
    for (int i = 0; i < gr->n; i++) {
        tgdp_node *nd = &gr->nodes[i];
        nd->dv = NULL;
        nd->dg = NULL;
        if (nd->op == TGDP_OP_INPUT) {
            if (i == input) nd->dv = (float *)dir;
        } else if (nd->op == TGDP_OP_VIEW) {
            nd->dv = gr->nodes[nd->in[0]].dv;
        } else if (nd->op != TGDP_OP_PARAM) {
            if (nn_tangent(gr, nd) != TGDP_OK) tgdp_graph_fail(gr, TGDP_ENOMEM, "tangent pass: out of memory");
        }
        if (gr->failed) return TGDP_ENOMEM;
    }
    gr->has_tangent = 1;
    return TGDP_OK;
}

/* ---------- backward pass ---------- */
static void add_into(float *dst, const float *src, size_t n)
{
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

/* The gradient buffers this pass allocates are not zeroed up front: a buffer is "fresh" until its
 * first writer. The ops whose backward can assign their first input's gradient (nn_backward_assigns:
 * a dense layer's product with beta 0, a convolution, sums, concatenation, pooling, first-order
 * SiLU and group norm) do so; before any other op adds into
 * a fresh buffer, or a node reads its own, it is zeroed here. Results are the same as zeroing all
 * of them first (0 + x is x), without a pass over every buffer. */
static tgdp_node *grad_owner(tgdp_graph *gr, tgdp_node *nd)
{
    while (nd->op == TGDP_OP_VIEW) nd = &gr->nodes[nd->in[0]];
    return nd;
}

static void settle(tgdp_node *o)
{
    if (!o->g_fresh) return;
    memset(o->g, 0, o->n * sizeof(float));
    o->g_fresh = 0;
}

/* before nd's backward: its own gradient readable, its inputs' ready to be added into (or, for
 * the first input of an op that assigns, left fresh for it: gr->g_assign) */
static void before_backward(tgdp_graph *gr, tgdp_node *nd)
{
    settle(grad_owner(gr, nd));
    gr->g_assign = 0;
    for (int k = 0; k < TGDP_NODE_INPUTS; k++) {
        if (nd->in[k] < 0 || !gr->nodes[nd->in[k]].need) continue;
        tgdp_node *o = grad_owner(gr, &gr->nodes[nd->in[k]]);
        if (!o->g_fresh) continue;
        if (k == 0 && nn_backward_assigns(nd)) gr->g_assign = 1;
        else settle(o);
    }
}

int tgdp_graph_backward(tgdp_graph *gr, int out, const float *seed_g, const float *seed_dg, int param_grads)
{
    if (gr->failed || out < 0 || out >= gr->n) return TGDP_ENOMEM;
    /* which nodes need a gradient, and the buffers for them */
    for (int i = 0; i <= out; i++) {
        tgdp_node *nd = &gr->nodes[i];
        if (nd->op == TGDP_OP_INPUT) nd->need = nd->requires_grad;
        else if (nd->op == TGDP_OP_PARAM) nd->need = param_grads;
        else {
            nd->need = 0;
            for (int k = 0; k < TGDP_NODE_INPUTS; k++)
                if (nd->in[k] >= 0 && gr->nodes[nd->in[k]].need) nd->need = 1;
        }
        if (!nd->need) continue;
        if (nd->op == TGDP_OP_VIEW) {
            nd->g = gr->nodes[nd->in[0]].g;
            nd->dg = gr->nodes[nd->in[0]].dg;
            continue;
        }
        if (!nd->g) {
            if (!(nd->g = tgdp_arena_floats(gr->arena, nd->n))) {
                tgdp_graph_fail(gr, TGDP_ENOMEM, "graph: out of memory for %zu values", nd->n);
                return TGDP_ENOMEM;
            }
            nd->g_fresh = 1;
        }
        if (gr->has_tangent && nd->dv && !nd->dg && !nd->is_param && !(nd->dg = nn_zeros(gr, nd->n)))
            return TGDP_ENOMEM;
    }
    tgdp_node *o = &gr->nodes[out];
    int rc = TGDP_OK;
    if (o->need) {
        settle(grad_owner(gr, o));
        if (seed_g) add_into(o->g, seed_g, o->n);
        if (seed_dg && o->dg) add_into(o->dg, seed_dg, o->n);
        for (int i = out; i >= 0 && !rc; i--) {
            tgdp_node *nd = &gr->nodes[i];
            if (!nd->need || nd->op == TGDP_OP_INPUT || nd->op == TGDP_OP_PARAM || nd->op == TGDP_OP_VIEW) continue;
            before_backward(gr, nd);
            nn_backward(gr, nd);
            if (gr->g_assign) grad_owner(gr, &gr->nodes[nd->in[0]])->g_fresh = 0;
            gr->g_assign = 0;
            if (gr->failed) rc = TGDP_ENOMEM;
        }
    }
    /* what no op wrote (inputs and nodes whose consumers come after out) is zero */
    for (int i = 0; i <= out; i++)
        if (gr->nodes[i].need && gr->nodes[i].g_fresh) settle(&gr->nodes[i]);
    return rc;
}

void tgdp_graph_zero_grads(tgdp_graph *gr)
{
    for (int i = 0; i < gr->n; i++) {
        tgdp_node *nd = &gr->nodes[i];
        if (nd->is_param || nd->op == TGDP_OP_VIEW) continue;
        if (nd->g) memset(nd->g, 0, nd->n * sizeof(float));
        if (nd->dg) memset(nd->dg, 0, nd->n * sizeof(float));
    }
}

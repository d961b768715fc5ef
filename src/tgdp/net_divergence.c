/* Exact second-order quantities of a network's input, for likelihoods through the probability-
 * flow ODE: the divergence of a noise predictor, div_x eps(x, t) = tr(d eps / d x), and the
 * gradient and Laplacian of a scalar network output, grad_x f and tr(d^2 f / d x^2).
 *
 * Both use the engine's tangent (dual-number) pass, one input direction e_j at a time (d passes
 * per row block, cheap in the few dimensions of the mixtures): the tangent of eps along e_j is
 * column j of its Jacobian, whose j-th entry is a diagonal term; for a scalar f the backward of
 * the tangent output (seed dg = 1) gives grad_x (e_j . grad_x f) = H e_j, the j-th column of the
 * Hessian. Rows are independent, so the rows of a block are processed together. */
#include "tgdp/tgdp.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* rows per block: small enough for d tangent passes of a block to fit an arena comfortably */
#define DIV_BLOCK 512

typedef struct div_job {
    tgdp_net *net;
    int64_t n;
    const float *x, *t;
    const int64_t *labels;
    tgdp_act act;   /* scalar nets: f = act(output) */
    float scale;    /* scalar nets: grad and Laplacian are multiplied by it */
    float *vec_out; /* eps [n, d] or grad [n, d] */
    double *div_out;
    tgdp_error *err; /* the first failure of any block */
} div_job;

static int block_failed(const div_job *j, const tgdp_graph *gr)
{
    tgdp_error e;
    int code = tgdp_graph_error(gr, &e, "divergence");
#pragma omp critical
    {
        if (!j->err->code) *j->err = e;
    }
    return code;
}

static int build(const div_job *j, tgdp_graph *gr, tgdp_arena *ar, int64_t s, int64_t b, int x_grad, int *xi)
{
    const int d = tgdp_net_in_dim(j->net);
    tgdp_arena_reset(ar);
    tgdp_graph_init(gr, ar);
    *xi = tgdp_input(gr, j->x + s * d, b, d, 1, x_grad);
    int ti = j->t ? tgdp_input(gr, j->t + s, b, 1, 1, 0) : -1;
    return tgdp_net_build(gr, j->net, *xi, ti, j->labels ? j->labels + s : NULL);
}

/* the unit direction e_k in every row of a [b, d] block */
static void unit_dir(float *dir, int64_t b, int d, int k)
{
    memset(dir, 0, (size_t)(b * d) * sizeof *dir);
    for (int64_t i = 0; i < b; i++) dir[i * d + k] = 1.0f;
}

/* eps and its divergence for rows [s, s + b) */
static int eps_div_block(const div_job *j, tgdp_arena *ar, int64_t s, int64_t b)
{
    const int d = tgdp_net_in_dim(j->net);
    tgdp_graph gr;
    int xi, o = build(j, &gr, ar, s, b, 0, &xi);
    float *dir = tgdp_arena_floats(ar, (size_t)(b * d));
    if (o < 0 || !dir) return block_failed(j, &gr);
    memcpy(j->vec_out + s * d, gr.nodes[o].v, (size_t)(b * d) * sizeof(float));
    for (int64_t i = 0; i < b; i++) j->div_out[s + i] = 0;
    for (int k = 0; k < d; k++) {
        unit_dir(dir, b, d, k);
        if (tgdp_graph_tangent(&gr, xi, dir)) return block_failed(j, &gr);
        const float *dv = gr.nodes[o].dv;
        if (!dv) continue; /* the output does not depend on x */
        for (int64_t i = 0; i < b; i++) j->div_out[s + i] += dv[i * d + k];
    }
    return TGDP_OK;
}

/* scale * grad_x f and scale * Laplacian of f for rows [s, s + b) */
static int grad_lap_block(const div_job *j, tgdp_arena *ar, int64_t s, int64_t b)
{
    const int d = tgdp_net_in_dim(j->net);
    tgdp_graph gr;
    int xi, o = build(j, &gr, ar, s, b, 1, &xi);
    if (o >= 0 && j->act != TGDP_ACT_IDENTITY) o = tgdp_act_node(&gr, o, j->act);
    float *dir = tgdp_arena_floats(ar, (size_t)(b * d)), *seed = tgdp_arena_floats(ar, (size_t)b);
    if (o < 0 || !dir || !seed) return block_failed(j, &gr);
    for (int64_t i = 0; i < b; i++) seed[i] = 1.0f;
    if (tgdp_graph_backward(&gr, o, seed, NULL, 0)) return block_failed(j, &gr);
    for (int64_t q = 0; q < b * d; q++) j->vec_out[s * d + q] = j->scale * gr.nodes[xi].g[q];
    for (int64_t i = 0; i < b; i++) j->div_out[s + i] = 0;
    for (int k = 0; k < d; k++) {
        tgdp_graph_zero_grads(&gr);
        unit_dir(dir, b, d, k);
        if (tgdp_graph_tangent(&gr, xi, dir) || tgdp_graph_backward(&gr, o, NULL, seed, 0)) return block_failed(j, &gr);
        const float *g = gr.nodes[xi].g;
        for (int64_t i = 0; i < b; i++) j->div_out[s + i] += (double)j->scale * g[i * d + k];
    }
    return TGDP_OK;
}

static int run_blocks(const div_job *j, tgdp_arena *ar, int (*block)(const div_job *, tgdp_arena *, int64_t, int64_t))
{
    const int64_t nb = (j->n + DIV_BLOCK - 1) / DIV_BLOCK;
    int T = omp_in_parallel() ? 1 : omp_get_max_threads();
    if ((int64_t)T > nb) T = (int)nb;
    if (T > 1 && tgdp_arena_kids(ar, T)) T = 1;
    int rc = TGDP_OK;
    if (T == 1) {
        for (int64_t c = 0; c < nb && !rc; c++) {
            const int64_t s = c * DIV_BLOCK;
            rc = block(j, ar, s, j->n - s < DIV_BLOCK ? j->n - s : DIV_BLOCK);
        }
        return rc;
    }
#pragma omp parallel for num_threads(T) schedule(dynamic, 1) reduction(| : rc)
    for (int64_t c = 0; c < nb; c++) {
        const int64_t s = c * DIV_BLOCK;
        rc |= block(j, tgdp_arena_kid(ar, omp_get_thread_num()), s, j->n - s < DIV_BLOCK ? j->n - s : DIV_BLOCK);
    }
    return rc;
}

static int check_inputs(const tgdp_net *net, const float *t, const int64_t *labels, tgdp_error *err)
{
    if (tgdp_net_time_input(net) && !t)
        return tgdp_fail(err, TGDP_EINVAL, "%s network needs a time input", tgdp_role_name(net->role));
    if (tgdp_net_n_classes(net) > 0 && !labels)
        return tgdp_fail(err, TGDP_EINVAL, "%s network is label-conditional: labels are required",
                         tgdp_role_name(net->role));
    return TGDP_OK;
}

int tgdp_net_eps_div(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t, const int64_t *labels,
                     float *eps_out, double *div_out, tgdp_error *err)
{
    int rc = check_inputs(net, t, labels, err);
    if (rc) return rc;
    if (tgdp_net_out_dim(net) != tgdp_net_in_dim(net))
        return tgdp_fail(err, TGDP_EINVAL, "divergence needs a noise predictor (output dimension %d, input %d)",
                         tgdp_net_out_dim(net), tgdp_net_in_dim(net));
    if (n <= 0) return TGDP_OK;
    tgdp_error e = {0, ""};
    const div_job j = {net, n, x, t, labels, TGDP_ACT_IDENTITY, 1.0f, eps_out, div_out, &e};
    if (run_blocks(&j, ar, eps_div_block)) return tgdp_fail(err, e.code ? e.code : TGDP_ENOMEM, "%s", e.code ? e.msg : "divergence: out of memory");
    return TGDP_OK;
}

int tgdp_net_input_grad_lap(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t,
                            const int64_t *labels, tgdp_act act, float scale, float *grad_out, double *lap_out,
                            tgdp_error *err)
{
    int rc = check_inputs(net, t, labels, err);
    if (rc) return rc;
    if (tgdp_net_out_dim(net) != 1) return tgdp_fail(err, TGDP_EINVAL, "Laplacian needs a scalar-output network");
    if (n <= 0) return TGDP_OK;
    tgdp_error e = {0, ""};
    const div_job j = {net, n, x, t, labels, act, scale, grad_out, lap_out, &e};
    if (run_blocks(&j, ar, grad_lap_block)) return tgdp_fail(err, e.code ? e.code : TGDP_ENOMEM, "%s", e.code ? e.msg : "Laplacian: out of memory");
    return TGDP_OK;
}

/* tgdp_net: an MLP over (x, t, label) with its role, and batched evaluation helpers. */
#include "tgdp/tgdp.h"

#include <string.h>

#define EVAL_CHUNK 4096

static const char *const role_names[] = {"eps", "classifier", "time_classifier", "guidance"};

const char *tgdp_role_name(tgdp_role r) { return (r >= 0 && r <= TGDP_ROLE_GUIDANCE) ? role_names[r] : "?"; }

int tgdp_role_parse(const char *s, tgdp_role *out)
{
    for (int i = 0; i <= TGDP_ROLE_GUIDANCE; i++)
        if (strcmp(s, role_names[i]) == 0) {
            *out = (tgdp_role)i;
            return TGDP_OK;
        }
    return TGDP_EINVAL;
}

int tgdp_net_create(tgdp_net *net, tgdp_role role, const tgdp_mlp_config *cfg, uint64_t seed, tgdp_error *err)
{
    memset(net, 0, sizeof *net);
    net->role = role;
    tgdp_params_init(&net->p);
    int rc = tgdp_mlp_register(&net->mlp, cfg, &net->p, "", err);
    if (!rc) rc = tgdp_params_alloc(&net->p, err);
    if (rc) {
        tgdp_params_free(&net->p);
        return rc;
    }
    tgdp_rng r = tgdp_rng_new(seed);
    tgdp_mlp_init_weights(&net->mlp, &net->p, &r);
    return TGDP_OK;
}

int tgdp_net_copy(tgdp_net *dst, const tgdp_net *src, tgdp_error *err)
{
    int rc = tgdp_net_create(dst, src->role, &src->mlp.cfg, 0, err);
    if (rc) return rc;
    dst->hparam = src->hparam;
    memcpy(dst->p.w, src->p.w, src->p.n * sizeof(float));
    return TGDP_OK;
}

void tgdp_net_free(tgdp_net *net) { tgdp_params_free(&net->p); }

int tgdp_net_time_input(const tgdp_net *net) { return net->mlp.cfg.time_mode != TGDP_TIME_NONE; }

int tgdp_net_build(tgdp_graph *gr, tgdp_net *net, int x, int t, const int64_t *labels)
{
    return tgdp_mlp_forward(gr, &net->mlp, &net->p, x, tgdp_net_time_input(net) ? t : -1, labels);
}

static int check_net_input(const tgdp_net *net, const float *t, const int64_t *labels, tgdp_error *err)
{
    if (tgdp_net_time_input(net) && !t) return tgdp_fail(err, TGDP_EINVAL, "%s network needs a time input", tgdp_role_name(net->role));
    if (net->mlp.cfg.n_classes > 0 && !labels)
        return tgdp_fail(err, TGDP_EINVAL, "%s network is label-conditional: labels are required",
                         tgdp_role_name(net->role));
    return TGDP_OK;
}

/* rows [s, s+b) of a batched evaluation as a fresh graph in ar; *xi gets the input node */
static int build_chunk(tgdp_net *net, tgdp_arena *ar, tgdp_graph *gr, int64_t s, int64_t b, const float *x,
                       const float *t, const int64_t *labels, int x_grad, int *xi)
{
    const int d = net->mlp.cfg.in_dim;
    tgdp_arena_reset(ar);
    tgdp_graph_init(gr, ar);
    *xi = tgdp_input(gr, x + s * d, b, d, 1, x_grad);
    int ti = t ? tgdp_input(gr, t + s, b, 1, 1, 0) : -1;
    return tgdp_net_build(gr, net, *xi, ti, labels ? labels + s : NULL);
}

int tgdp_net_eval(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t, const int64_t *labels,
                  float *out, tgdp_error *err)
{
    int rc = check_net_input(net, t, labels, err);
    if (rc) return rc;
    const int od = net->mlp.cfg.out_dim;
    for (int64_t s = 0; s < n; s += EVAL_CHUNK) {
        int64_t b = n - s < EVAL_CHUNK ? n - s : EVAL_CHUNK;
        tgdp_graph gr;
        int xi;
        int o = build_chunk(net, ar, &gr, s, b, x, t, labels, 0, &xi);
        if (o < 0) return tgdp_fail(err, TGDP_ENOMEM, "network evaluation failed (out of memory or bad labels)");
        memcpy(out + s * od, gr.nodes[o].v, (size_t)(b * od) * sizeof(float));
    }
    return TGDP_OK;
}

int tgdp_net_input_grad(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t,
                        const int64_t *labels, tgdp_act act, float scale, float *out, tgdp_error *err)
{
    int rc = check_net_input(net, t, labels, err);
    if (rc) return rc;
    const int d = net->mlp.cfg.in_dim;
    if (net->mlp.cfg.out_dim != 1) return tgdp_fail(err, TGDP_EINVAL, "input gradient needs a scalar-output network");
    float seed[EVAL_CHUNK];
    for (int i = 0; i < EVAL_CHUNK; i++) seed[i] = scale;
    for (int64_t s = 0; s < n; s += EVAL_CHUNK) {
        int64_t b = n - s < EVAL_CHUNK ? n - s : EVAL_CHUNK;
        tgdp_graph gr;
        int xi;
        int o = build_chunk(net, ar, &gr, s, b, x, t, labels, 1, &xi);
        if (act != TGDP_ACT_IDENTITY) o = tgdp_act_node(&gr, o, act);
        if (o < 0 || tgdp_graph_backward(&gr, o, seed, NULL, 0))
            return tgdp_fail(err, TGDP_ENOMEM, "input gradient failed (out of memory or bad labels)");
        memcpy(out + s * d, gr.nodes[xi].g, (size_t)(b * d) * sizeof(float));
    }
    return TGDP_OK;
}

/* Self-attention over the length of a [B, C, T] feature map (tgdp_attn1d, tgdp/models.h): the
 * unet1d's global context at its lowest level. Composed of engine ops only. */
#include "tgdp/models.h"

#include <math.h>
#include <stdio.h>

static int add_param(tgdp_params *p, const char *prefix, const char *name, int ndim, int64_t a, int64_t b, int64_t c)
{
    char full[64];
    int64_t shape[3] = {a, b, c};
    snprintf(full, sizeof full, "%s%s", prefix, name);
    return tgdp_params_add(p, full, ndim, shape);
}

int tgdp_attn1d_register(tgdp_attn1d *a, int C, int T, int heads, int groups, tgdp_params *p, const char *prefix,
                         tgdp_error *err)
{
    if (C <= 0 || T <= 0 || heads <= 0 || C % heads || groups <= 0 || C % groups)
        return tgdp_fail(err, TGDP_EINVAL,
                         "attention %s: invalid shape (%d channels, length %d, %d heads and %d groups dividing the "
                         "channels)", prefix, C, T, heads, groups);
    a->C = C, a->T = T, a->heads = heads, a->groups = groups;
    a->gn_g = add_param(p, prefix, "norm.weight", 1, C, 0, 0);
    a->gn_b = add_param(p, prefix, "norm.bias", 1, C, 0, 0);
    a->pos = add_param(p, prefix, "pos", 2, C, T, 0);
    a->q_w = add_param(p, prefix, "q.weight", 3, C, C, 1);
    a->q_b = add_param(p, prefix, "q.bias", 1, C, 0, 0);
    a->k_w = add_param(p, prefix, "k.weight", 3, C, C, 1);
    a->k_b = add_param(p, prefix, "k.bias", 1, C, 0, 0);
    a->v_w = add_param(p, prefix, "v.weight", 3, C, C, 1);
    a->v_b = add_param(p, prefix, "v.bias", 1, C, 0, 0);
    a->o_w = add_param(p, prefix, "proj.weight", 3, C, C, 1);
    a->o_b = add_param(p, prefix, "proj.bias", 1, C, 0, 0);
    const int ids[] = {a->gn_g, a->gn_b, a->pos, a->q_w, a->q_b, a->k_w, a->k_b, a->v_w, a->v_b, a->o_w, a->o_b};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        if (ids[i] < 0) return tgdp_fail(err, TGDP_EINVAL, "attention %s: cannot register parameters", prefix);
    return TGDP_OK;
}

/* group norm at scale 1 and shift 0, the position table N(0, 0.1^2), the 1x1 convolutions as
 * PyTorch initialises them (U(+-1/sqrt(C))) */
void tgdp_attn1d_init_weights(const tgdp_attn1d *a, tgdp_params *p, tgdp_rng *rng)
{
    for (int64_t i = 0; i < a->C; i++) {
        p->w[p->info[a->gn_g].off + (size_t)i] = 1.0f;
        p->w[p->info[a->gn_b].off + (size_t)i] = 0.0f;
    }
    tgdp_rng_fill_normal(rng, p->w + p->info[a->pos].off, p->info[a->pos].n, 0, 0.1f);
    const float bound = 1.0f / sqrtf((float)a->C);
    const int w[] = {a->q_w, a->q_b, a->k_w, a->k_b, a->v_w, a->v_b, a->o_w, a->o_b};
    for (size_t i = 0; i < sizeof w / sizeof *w; i++) tgdp_params_init_uniform(p, w[i], bound, rng);
}

static int conv1x1(tgdp_graph *gr, tgdp_params *p, int x, int w, int b)
{
    return tgdp_conv1d(gr, x, tgdp_param(gr, p, w), tgdp_param(gr, p, b), 1, 0, 1);
}

int tgdp_attn1d_forward(tgdp_graph *gr, const tgdp_attn1d *a, tgdp_params *p, int x)
{
    if (x < 0 || gr->failed) return -1;
    const tgdp_node *nx = &gr->nodes[x];
    const int64_t B = nx->B, C = a->C, T = a->T, H = a->heads, dh = C / H;
    if (nx->C != C || nx->L != T)
        return tgdp_graph_fail(gr, TGDP_EINVAL, "attention: input [%lld, %lld] is not [%lld, %lld]", (long long)nx->C,
                               (long long)nx->L, (long long)C, (long long)T);
    int n = tgdp_groupnorm(gr, x, a->groups, tgdp_param(gr, p, a->gn_g), tgdp_param(gr, p, a->gn_b));
    n = tgdp_addb(gr, tgdp_view(gr, n, B, C * T, 1), tgdp_param(gr, p, a->pos), C * T, 0, 1.0f);
    n = tgdp_view(gr, n, B, C, T);
    /* [B, C, T] = [B * H, dh, T]: head h holds channels h dh .. (h + 1) dh - 1 */
    int q = tgdp_view(gr, conv1x1(gr, p, n, a->q_w, a->q_b), B * H, dh, T);
    int k = tgdp_view(gr, conv1x1(gr, p, n, a->k_w, a->k_b), B * H, dh, T);
    int v = tgdp_view(gr, conv1x1(gr, p, n, a->v_w, a->v_b), B * H, dh, T);
    int s = tgdp_bmm(gr, q, k, 1, 0, (float)(1.0 / sqrt((double)dh))); /* [B H, T (queries), T (keys)] */
    int w = tgdp_softmax(gr, s);
    int o = tgdp_bmm(gr, v, w, 0, 1, 1.0f); /* o[c, i] = sum_j v[c, j] w[i, j]: [B H, dh, T] */
    o = conv1x1(gr, p, tgdp_view(gr, o, B, C, T), a->o_w, a->o_b);
    return tgdp_add(gr, x, o, 1.0f);
}

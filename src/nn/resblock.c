/* 1-D residual block (group norm, SiLU, convolution, time/label embedding, skip connection). */
#include "tgdp/models.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int add_param(tgdp_params *p, const char *prefix, const char *name, int ndim, int64_t a, int64_t b, int64_t c)
{
    char full[64];
    int64_t shape[3] = {a, b, c};
    snprintf(full, sizeof full, "%s%s", prefix, name);
    return tgdp_params_add(p, full, ndim, shape);
}

int tgdp_resblock1d_register(tgdp_resblock1d *rb, int cin, int cout, int K, int groups, tgdp_params *p,
                             const char *prefix, tgdp_error *err)
{
    if (cin <= 0 || cout <= 0 || K <= 0 || K % 2 == 0 || groups <= 0 || cin % groups || cout % groups)
        return tgdp_fail(err, TGDP_EINVAL,
                         "resblock: invalid shape (cin %d, cout %d, kernel %d (odd), %d groups dividing both)", cin,
                         cout, K, groups);
    rb->cin = cin;
    rb->cout = cout;
    rb->K = K;
    rb->groups = groups;
    rb->dil = 1;
    rb->gn1_g = add_param(p, prefix, "norm1.weight", 1, cin, 0, 0);
    rb->gn1_b = add_param(p, prefix, "norm1.bias", 1, cin, 0, 0);
    rb->c1_w = add_param(p, prefix, "conv1.weight", 3, cout, cin, K);
    rb->c1_b = add_param(p, prefix, "conv1.bias", 1, cout, 0, 0);
    rb->gn2_g = add_param(p, prefix, "norm2.weight", 1, cout, 0, 0);
    rb->gn2_b = add_param(p, prefix, "norm2.bias", 1, cout, 0, 0);
    rb->c2_w = add_param(p, prefix, "conv2.weight", 3, cout, cout, K);
    rb->c2_b = add_param(p, prefix, "conv2.bias", 1, cout, 0, 0);
    rb->skip_w = rb->skip_b = -1;
    if (cin != cout) {
        rb->skip_w = add_param(p, prefix, "skip.weight", 3, cout, cin, 1);
        rb->skip_b = add_param(p, prefix, "skip.bias", 1, cout, 0, 0);
    }
    int ids[] = {rb->gn1_g, rb->gn1_b, rb->c1_w, rb->c1_b, rb->gn2_g, rb->gn2_b, rb->c2_w, rb->c2_b};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        if (ids[i] < 0) return tgdp_fail(err, TGDP_EINVAL, "resblock %s: cannot register parameters", prefix);
    if (cin != cout && (rb->skip_w < 0 || rb->skip_b < 0))
        return tgdp_fail(err, TGDP_EINVAL, "resblock %s: cannot register parameters", prefix);
    return TGDP_OK;
}

static void fill_const(tgdp_params *p, int idx, float v)
{
    for (size_t i = 0; i < p->info[idx].n; i++) p->w[p->info[idx].off + i] = v;
}

void tgdp_resblock1d_init_weights(const tgdp_resblock1d *rb, tgdp_params *p, tgdp_rng *rng)
{
    fill_const(p, rb->gn1_g, 1.0f);
    fill_const(p, rb->gn1_b, 0.0f);
    fill_const(p, rb->gn2_g, 1.0f);
    fill_const(p, rb->gn2_b, 0.0f);
    float b1 = 1.0f / sqrtf((float)(rb->cin * rb->K)), b2 = 1.0f / sqrtf((float)(rb->cout * rb->K));
    tgdp_params_init_uniform(p, rb->c1_w, b1, rng);
    tgdp_params_init_uniform(p, rb->c1_b, b1, rng);
    tgdp_params_init_uniform(p, rb->c2_w, b2, rng);
    tgdp_params_init_uniform(p, rb->c2_b, b2, rng);
    if (rb->skip_w >= 0) {
        float bs = 1.0f / sqrtf((float)rb->cin);
        tgdp_params_init_uniform(p, rb->skip_w, bs, rng);
        tgdp_params_init_uniform(p, rb->skip_b, bs, rng);
    }
}

int tgdp_resblock1d_forward(tgdp_graph *gr, const tgdp_resblock1d *rb, tgdp_params *p, int x, int temb)
{
    const int pad = rb->K / 2;
    /* each group norm's output written only as its convolution's input copy (tgdp_norm_conv1d); the
     * embedding [B, cout] added where conv1 writes its output, the skip where conv2 writes its */
    int h = tgdp_norm_conv1d(gr, x, rb->groups, tgdp_param(gr, p, rb->gn1_g), tgdp_param(gr, p, rb->gn1_b),
                             TGDP_ACT_SILU, tgdp_param(gr, p, rb->c1_w), tgdp_param(gr, p, rb->c1_b), temb, 1, pad, 1);
    int skip = x; /* made after conv1: the backward adds into x's gradient in the same order as a separate sum */
    if (rb->skip_w >= 0) skip = tgdp_conv1d(gr, x, tgdp_param(gr, p, rb->skip_w), tgdp_param(gr, p, rb->skip_b), 1, 0, 1);
    const int dil = rb->dil > 1 ? rb->dil : 1;
    return tgdp_norm_conv1d(gr, h, rb->groups, tgdp_param(gr, p, rb->gn2_g), tgdp_param(gr, p, rb->gn2_b), TGDP_ACT_SILU,
                            tgdp_param(gr, p, rb->c2_w), tgdp_param(gr, p, rb->c2_b), skip, 1, dil * pad, dil);
}

/* unet1d: the label-conditional 1-D residual U-Net noise predictor (layout in tgdp/models.h). */
#include "nn/convnet_internal.h"

#include <stdio.h>

int unet1d_register(tgdp_convnet *m, tgdp_params *p, tgdp_error *err)
{
    const tgdp_conv_config *c = &m->cfg;
    char prefix[48];
    int rc = 0, cin = c->width;
    m->n_down = m->n_up = 0;
    rc = conv_register_stages(m, "down", &cin, p, err);
    if (!rc) rc = conv_block_register(&m->mid, c, c->levels - 1, cin, cin, p, "mid.", err);
    for (int i = 0; i < c->attn && !rc; i++) {
        snprintf(prefix, sizeof prefix, "mid.attn.%d.", i);
        rc = tgdp_attn1d_register(&m->attn[i], cin, conv_lowest_length(c), conv_attn_heads(c), c->groups, p, prefix, err);
    }
    for (int i = c->levels - 1; i >= 0 && !rc; i--)
        for (int j = 0; j < c->blocks && !rc; j++) {
            snprintf(prefix, sizeof prefix, "up.%d.%d.", i, j);
            int in = j == 0 ? cin + conv_ch(c, i) : conv_ch(c, i); /* the first block takes the skip too */
            rc = conv_block_register(&m->up[m->n_up++], c, i, in, conv_ch(c, i), p, prefix, err);
            cin = conv_ch(c, i);
        }
    /* out_dim == C*L: the shaped noise output; anything else: a pooled head */
    if (!rc) rc = conv_head_register(m, conv_ch(c, 0), c->out_dim != c->channels * c->length, p, err);
    return rc;
}

int unet1d_forward(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int x, int t, const int64_t *labels,
                   int features_only)
{
    const tgdp_conv_config *c = &m->cfg;
    const int pad = c->kernel / 2;
    int h = conv_input_view(gr, m, x), e;
    if (h < 0) return -1;
    const int64_t B = gr->nodes[h].B;
    if (conv_embedding(gr, m, p, t, labels, B, &e)) return -1;
    h = tgdp_conv1d(gr, h, tgdp_param(gr, p, m->in_w), tgdp_param(gr, p, m->in_b), 1, pad, 1);
    int skip[TGDP_CONV_MAX_LEVELS], k = 0;
    for (int i = 0; i < c->levels; i++) {
        if (i > 0) h = tgdp_avgpool2(gr, h); /* an odd trailing sample is dropped */
        for (int j = 0; j < c->blocks; j++) h = conv_block_forward(gr, &m->down[k++], p, h, e);
        skip[i] = h;
    }
    h = conv_block_forward(gr, &m->mid, p, h, e);
    for (int i = 0; i < c->attn; i++) h = tgdp_attn1d_forward(gr, &m->attn[i], p, h);
    k = 0;
    for (int i = c->levels - 1; i >= 0; i--) {
        if (gr->failed) return -1;
        if (i < c->levels - 1) h = conv_pad_end(gr, tgdp_upsample2(gr, h), gr->nodes[skip[i]].L);
        h = tgdp_concat(gr, h, skip[i]);
        for (int j = 0; j < c->blocks; j++) h = conv_block_forward(gr, &m->up[k++], p, h, e);
    }
    h = conv_norm_act(gr, m, p, h);
    if (m->head_w >= 0) {
        int f = conv_pool(gr, h);
        if (features_only) return f;
        return tgdp_linear(gr, f, tgdp_param(gr, p, m->head_w), tgdp_param(gr, p, m->head_b));
    }
    if (features_only) return tgdp_graph_fail(gr, TGDP_EINVAL, "unet1d: no pooled features without a pooled head");
    h = tgdp_conv1d(gr, h, tgdp_param(gr, p, m->out_w), tgdp_param(gr, p, m->out_b), 1, pad, 1);
    if (h < 0) return -1;
    return tgdp_view(gr, h, B, (int64_t)c->channels * c->length, 1);
}

/* resnet1d: the 1-D ResNet classifier / regressor (layout in tgdp/models.h): domain classifier,
 * time-dependent classifier, guidance network and downstream evaluator. */
#include "nn/convnet_internal.h"

int resnet1d_register(tgdp_convnet *m, tgdp_params *p, tgdp_error *err)
{
    const tgdp_conv_config *c = &m->cfg;
    int rc = 0, cin = c->width;
    m->n_down = m->n_up = 0;
    rc = conv_register_stages(m, "stage", &cin, p, err);
    if (!rc) rc = conv_head_register(m, cin, 1, p, err);
    return rc;
}

int resnet1d_forward(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int x, int t, const int64_t *labels,
                     int features_only)
{
    const tgdp_conv_config *c = &m->cfg;
    int h = conv_input_view(gr, m, x), e;
    if (h < 0) return -1;
    if (conv_embedding(gr, m, p, t, labels, gr->nodes[h].B, &e)) return -1;
    h = tgdp_conv1d(gr, h, tgdp_param(gr, p, m->in_w), tgdp_param(gr, p, m->in_b), 1, c->kernel / 2, 1);
    for (int i = 0, k = 0; i < c->levels; i++) {
        if (i > 0) h = tgdp_avgpool2(gr, h);
        for (int j = 0; j < c->blocks; j++) h = conv_block_forward(gr, &m->down[k++], p, h, e);
    }
    int f = conv_pool(gr, conv_norm_act(gr, m, p, h));
    if (features_only) return f;
    return tgdp_linear(gr, f, tgdp_param(gr, p, m->head_w), tgdp_param(gr, p, m->head_b));
}

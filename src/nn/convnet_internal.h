/* Internal pieces shared by the 1-D convolutional networks (convnet.c, unet1d.c, resnet1d.c). */
#ifndef TGDP_NN_CONVNET_INTERNAL_H
#define TGDP_NN_CONVNET_INTERNAL_H
#include "tgdp/models.h"

/* channels of level i */
static inline int conv_ch(const tgdp_conv_config *c, int i) { return c->width * c->mult[i]; }
/* width of the conditioning embedding */
static inline int conv_emb_dim(const tgdp_conv_config *c) { return c->emb_dim > 0 ? c->emb_dim : 4 * c->width; }
/* attention heads (0 in the config: 4) */
static inline int conv_attn_heads(const tgdp_conv_config *c) { return c->attn_heads > 0 ? c->attn_heads : 4; }
/* the length at the lowest level (avgpool2 drops an odd last sample) */
static inline int conv_lowest_length(const tgdp_conv_config *c) { return c->length >> (c->levels - 1); }
/* whether the network has a conditioning embedding (time and/or labels) */
static inline int conv_conditioned(const tgdp_conv_config *c)
{
    return c->time_mode != TGDP_TIME_NONE || c->n_classes > 0;
}

/* register a parameter "<prefix><name>" of up to 3 dims (trailing zeros dropped); -1 on failure */
int conv_param(tgdp_params *p, const char *prefix, const char *name, int64_t a, int64_t b, int64_t c);
/* residual block cin -> cout of the given level (its dilation) with an embedding projection when
 * the net is conditioned */
int conv_block_register(tgdp_conv_block *b, const tgdp_conv_config *c, int level, int cin, int cout, tgdp_params *p,
                        const char *prefix, tgdp_error *err);
/* parameters common to both archs: conv_in, embedding */
int conv_stem_register(tgdp_convnet *m, tgdp_params *p, tgdp_error *err);
/* final group norm and the pooled head (F -> out_dim) */
/* the down path shared by unet1d and resnet1d: c->levels x c->blocks blocks named
 * "<name>.<level>.<block>.", widening to conv_ch(c, level); *cin is updated to the last width */
int conv_register_stages(tgdp_convnet *m, const char *name, int *cin, tgdp_params *p, tgdp_error *err);
int conv_head_register(tgdp_convnet *m, int F, int pooled, tgdp_params *p, tgdp_error *err);

/* x viewed as [B, C, L]; -1 (and gr->failed) when its size is not a multiple of C*L */
int conv_input_view(tgdp_graph *gr, const tgdp_convnet *m, int x);
/* SiLU(time embedding + label embedding) [B, E, 1]; *e = -1 when the net is unconditioned.
 * Returns 0, or -1 on failure. */
int conv_embedding(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int t, const int64_t *labels, int64_t B,
                   int *e);
int conv_block_forward(tgdp_graph *gr, const tgdp_conv_block *b, tgdp_params *p, int x, int e);
/* zero-pad h [B, C, Lh] at the end to length Lt >= Lh */
int conv_pad_end(tgdp_graph *gr, int h, int64_t Lt);
/* group norm -> SiLU (the final normalisation) */
int conv_norm_act(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int h);
/* mean over the length: [B, F, L] -> [B, F, 1] */
int conv_pool(tgdp_graph *gr, int h);

/* per-architecture parts */
int unet1d_register(tgdp_convnet *m, tgdp_params *p, tgdp_error *err);
int unet1d_forward(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int x, int t, const int64_t *labels,
                   int features_only);
int resnet1d_register(tgdp_convnet *m, tgdp_params *p, tgdp_error *err);
int resnet1d_forward(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int x, int t, const int64_t *labels,
                     int features_only);
#endif

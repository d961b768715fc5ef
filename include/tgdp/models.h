/* Network builders on top of the graph engine (nn.h).
 *
 * MLP: input = concat(x, time features, label embedding) -> [Linear -> act] x n_hidden -> Linear.
 * Time features: TGDP_TIME_RAW concatenates t itself (the method page's "t as an extra input"),
 * TGDP_TIME_FOURIER concatenates a sinusoidal embedding of 2*temb features, TGDP_TIME_NONE none.
 * Labels (n_classes > 0): a learned embedding table [n_classes, label_dim]; label_dim ==
 * n_classes with the table initialised to the identity is the one-hot input.
 */
#ifndef TGDP_MODELS_H
#define TGDP_MODELS_H

#include "tgdp/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TGDP_MLP_MAX_LAYERS 16

typedef enum { TGDP_TIME_NONE = 0, TGDP_TIME_RAW = 1, TGDP_TIME_FOURIER = 2 } tgdp_time_mode;

typedef struct tgdp_mlp_config {
    int in_dim;
    int out_dim;
    int n_hidden;
    int hidden[TGDP_MLP_MAX_LAYERS];
    tgdp_time_mode time_mode;
    int temb;      /* Fourier frequencies K (2K features) */
    int n_classes; /* 0: unconditional */
    int label_dim;
    tgdp_act act;
} tgdp_mlp_config;

typedef struct tgdp_mlp {
    tgdp_mlp_config cfg;
    int w[TGDP_MLP_MAX_LAYERS + 1], b[TGDP_MLP_MAX_LAYERS + 1];
    int emb; /* label table, -1 if none */
} tgdp_mlp;

/* Parse "512,512,256" into cfg->hidden. */
int tgdp_mlp_parse_hidden(tgdp_mlp_config *cfg, const char *s, tgdp_error *err);
int tgdp_mlp_input_dim(const tgdp_mlp_config *cfg);
/* Register the parameters under names "<prefix>layers.<i>.weight" / ".bias", "<prefix>label_emb". */
int tgdp_mlp_register(tgdp_mlp *m, const tgdp_mlp_config *cfg, tgdp_params *p, const char *prefix, tgdp_error *err);
/* Re-derive parameter indices from names (after loading a checkpoint). */
int tgdp_mlp_bind(tgdp_mlp *m, const tgdp_mlp_config *cfg, const tgdp_params *p, const char *prefix, tgdp_error *err);
void tgdp_mlp_init_weights(const tgdp_mlp *m, tgdp_params *p, tgdp_rng *rng);
/* x: node [B, in_dim]; t: node [B,1] or -1; labels: B labels or NULL. Returns the output node. */
int tgdp_mlp_forward(tgdp_graph *gr, const tgdp_mlp *m, tgdp_params *p, int x, int t, const int64_t *labels);

/* 1-D residual block: y = x' + conv2(silu(groupnorm2(conv1(silu(groupnorm1(x))) + temb))),
 * x' = x (or a 1x1 convolution of x when the channel count changes). Convolutions have kernel
 * K (odd), padding K/2, stride 1, so the length is kept; temb is an optional per-sample
 * [B, C_out] embedding (time and label) added between the convolutions. */
typedef struct tgdp_resblock1d {
    int cin, cout, K, groups;
    int gn1_g, gn1_b, c1_w, c1_b, gn2_g, gn2_b, c2_w, c2_b, skip_w, skip_b; /* parameter indices; skip -1 if none */
} tgdp_resblock1d;

int tgdp_resblock1d_register(tgdp_resblock1d *rb, int cin, int cout, int K, int groups, tgdp_params *p,
                             const char *prefix, tgdp_error *err);
void tgdp_resblock1d_init_weights(const tgdp_resblock1d *rb, tgdp_params *p, tgdp_rng *rng);
/* x: node [B, cin, L]; temb: node [B, cout, 1] or -1. Returns the output node [B, cout, L]. */
int tgdp_resblock1d_forward(tgdp_graph *gr, const tgdp_resblock1d *rb, tgdp_params *p, int x, int temb);

#ifdef __cplusplus
}
#endif
#endif

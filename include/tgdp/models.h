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

#include "tgdp/api.h"

#include "tgdp/nn.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

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
    int skip;      /* 1: out = MLP(x, t, y) + g(t) x with g a learned scalar function of t (a
                      1 -> 16 -> 1 SiLU MLP of the raw t): the input skip a noise predictor on
                      inputs wider than its hidden layers needs (at high noise eps ~ x_t / sigma_t,
                      an identity no bottleneck can pass). Needs in_dim == out_dim and a time
                      input; checkpoint metadata tgdp.skip = 1. */
} tgdp_mlp_config;

typedef struct tgdp_mlp {
    tgdp_mlp_config cfg;
    int w[TGDP_MLP_MAX_LAYERS + 1], b[TGDP_MLP_MAX_LAYERS + 1];
    int emb; /* label table, -1 if none */
    int skip_w[2], skip_b[2]; /* the skip gain g(t) (cfg.skip), -1 if none */
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
 * K (odd), stride 1 and padding K/2 (conv2: dilation dil and padding dil * (K/2)), so the
 * length is kept; temb is an optional per-sample
 * [B, C_out] embedding (time and label) added between the convolutions. */
typedef struct tgdp_resblock1d {
    int cin, cout, K, groups;
    int dil; /* dilation of conv2 (padding dil * (K / 2)); register sets 1, the caller may raise it */
    int gn1_g, gn1_b, c1_w, c1_b, gn2_g, gn2_b, c2_w, c2_b, skip_w, skip_b; /* parameter indices; skip -1 if none */
} tgdp_resblock1d;

int tgdp_resblock1d_register(tgdp_resblock1d *rb, int cin, int cout, int K, int groups, tgdp_params *p,
                             const char *prefix, tgdp_error *err);
void tgdp_resblock1d_init_weights(const tgdp_resblock1d *rb, tgdp_params *p, tgdp_rng *rng);
/* x: node [B, cin, L]; temb: node [B, cout, 1] or -1. Returns the output node [B, cout, L]. */
int tgdp_resblock1d_forward(tgdp_graph *gr, const tgdp_resblock1d *rb, tgdp_params *p, int x, int temb);

/* Self-attention over the length of x [B, C, T] (unet1d's lowest level, src/nn/attention1d.c):
 *   n = GN(x) + P (P a learned position table [C, T]); q, k, v = 1x1 convolutions of n;
 *   per head (heads of C / heads channels) a = softmax over the keys of q^T k / sqrt(C / heads);
 *   y = x + proj(v a^T) (proj a 1x1 convolution).
 * Built from engine ops (conv1d, groupnorm, tgdp_bmm, tgdp_softmax), so it has exact first- and
 * second-order gradients. Every position sees the whole window: what a stack of short
 * convolutions sees only after many layers (the spacing of the beats, a rhythm). */
typedef struct tgdp_attn1d {
    int C, T, heads, groups;
    int gn_g, gn_b, pos, q_w, q_b, k_w, k_b, v_w, v_b, o_w, o_b; /* parameter indices */
} tgdp_attn1d;

int tgdp_attn1d_register(tgdp_attn1d *a, int C, int T, int heads, int groups, tgdp_params *p, const char *prefix,
                         tgdp_error *err);
void tgdp_attn1d_init_weights(const tgdp_attn1d *a, tgdp_params *p, tgdp_rng *rng);
/* x: node [B, C, T]. Returns the output node [B, C, T]. */
int tgdp_attn1d_forward(tgdp_graph *gr, const tgdp_attn1d *a, tgdp_params *p, int x);

/* ---------- 1-D convolutional networks over [B, C, L] inputs ----------
 * Two architectures share one config and one model struct (src/nn/convnet.c, unet1d.c,
 * resnet1d.c); both take the flat input [B, C*L] (the training loops' layout) and view it as
 * [B, C, L], and both are composed of engine ops only, so they have exact first- and
 * second-order gradients.
 *
 * Conditioning: with time (time_mode FOURIER) t -> Fourier features [2*temb] -> Linear(E) ->
 * SiLU -> Linear(E); with labels (n_classes > 0) a learned table [n_classes, E] row is added;
 * the sum goes through SiLU and every residual block adds its own Linear(E -> C_out)
 * projection between its two convolutions. Without time and labels there is no embedding.
 *
 * unet1d (noise predictor): conv_in (C -> width), then per level i (channels width*mult[i])
 *   `blocks` residual blocks, the last one's output kept as the level's skip, avgpool2 between
 *   levels; one middle block at the lowest level; then per level from the lowest up: the skip
 *   concatenated along channels, `blocks` residual blocks, upsample2 to the next level; finally
 *   group norm -> SiLU -> conv_out (width -> C): output [B, C, L] (out_dim = C*L). With
 *   out_dim != C*L the output is instead a pooled head (mean over L -> Linear(out_dim)).
 *   Odd lengths: avgpool2 drops the last sample of an odd-length map; on the way up, an
 *   up-sampled map one sample shorter than its skip is zero-padded by one sample at the end
 *   (so any L >= 2^(levels-1) works, e.g. 250 -> 125 -> 62 -> 125 -> 250).
 * resnet1d (classifier / regressor): conv_in (C -> width), per stage i `blocks` residual
 *   blocks at width*mult[i] (avgpool2 before every stage but the first), group norm -> SiLU ->
 *   mean over L: the feature vector [B, F = width*mult[levels-1]], then Linear(F -> out_dim).
 */
typedef enum { TGDP_ARCH_MLP = 0, TGDP_ARCH_UNET1D = 1, TGDP_ARCH_RESNET1D = 2 } tgdp_arch;

const char *tgdp_arch_name(tgdp_arch a); /* "mlp", "unet1d", "resnet1d" */
int tgdp_arch_parse(const char *s, tgdp_arch *out);

#define TGDP_CONV_MAX_LEVELS 4
#define TGDP_CONV_MAX_BLOCKS 4
#define TGDP_CONV_MAX_ATTN 4

typedef struct tgdp_conv_config {
    int channels, length; /* input [C, L]; in_dim = C * L */
    int out_dim;          /* unet1d: C*L (shaped output) or k (pooled head); resnet1d: head outputs */
    int width;            /* base channel count */
    int levels;           /* resolution levels (unet1d) / stages (resnet1d), 1..TGDP_CONV_MAX_LEVELS */
    int mult[TGDP_CONV_MAX_LEVELS]; /* channel multiplier per level */
    int blocks;           /* residual blocks per level, 1..TGDP_CONV_MAX_BLOCKS */
    int kernel;           /* odd convolution kernel size */
    int groups;           /* group-norm groups (must divide every channel count) */
    tgdp_time_mode time_mode; /* TGDP_TIME_NONE or TGDP_TIME_FOURIER */
    int temb;             /* Fourier frequencies (2*temb features) */
    int emb_dim;          /* conditioning embedding width E (0: 4 * width) */
    int n_classes;        /* label embedding table rows, 0: unconditional */
    int skip;             /* unet1d with the shaped output and time: 1 adds the learned input skip
                             g(t) x (as tgdp_mlp_config.skip; parameters skip.{0,1}.*, checkpoint
                             metadata tgdp.skip = 1). Off by default. */
    int dilation[TGDP_CONV_MAX_LEVELS]; /* dilation of the second convolution of every residual
                             block of level i (the middle block: the lowest level's); 0 or 1: none.
                             A DiffWave-style widening of the receptive field at no cost per step.
                             Checkpoint metadata tgdp.dilation ("1,2,4"), written when any is > 1. */
    int attn;             /* unet1d: self-attention blocks (tgdp_attn1d) after the middle block,
                             0..TGDP_CONV_MAX_ATTN (0: none); metadata tgdp.attn when > 0 */
    int attn_heads;       /* their heads (must divide the lowest level's channels; 0: 4);
                             metadata tgdp.attn_heads */
} tgdp_conv_config;

/* Defaults: width 32, mult 1,2,4 (3 levels), 1 block per level, kernel 3, 8 groups, temb 16,
 * E = 4*width; time_mode FOURIER if timed else NONE. */
void tgdp_conv_config_default(tgdp_conv_config *c, tgdp_arch arch, int channels, int length, int out_dim, int timed,
                              int n_classes);
/* Parse "1,2,4" into c->mult / c->levels. */
int tgdp_conv_parse_mult(tgdp_conv_config *c, const char *s, tgdp_error *err);
/* Parse "1,2,4" into c->dilation: one value per level (c->levels of them; parse the mult first). */
int tgdp_conv_parse_dilation(tgdp_conv_config *c, const char *s, tgdp_error *err);
/* The dilation of level i's blocks (>= 1). */
int tgdp_conv_dilation(const tgdp_conv_config *c, int level);
/* Whether the configuration is usable (shapes, groups, lengths), with a message saying why not. */
int tgdp_conv_check(tgdp_arch arch, const tgdp_conv_config *c, tgdp_error *err);

typedef struct tgdp_conv_block {
    tgdp_resblock1d rb;
    int proj_w, proj_b; /* embedding projection, -1 without conditioning */
} tgdp_conv_block;

typedef struct tgdp_convnet {
    tgdp_arch arch;
    tgdp_conv_config cfg;
    int in_w, in_b;                     /* conv_in */
    int t1_w, t1_b, t2_w, t2_b, label;  /* conditioning embedding (-1 when absent) */
    tgdp_conv_block down[TGDP_CONV_MAX_LEVELS * TGDP_CONV_MAX_BLOCKS];
    tgdp_conv_block up[TGDP_CONV_MAX_LEVELS * TGDP_CONV_MAX_BLOCKS];
    tgdp_conv_block mid;
    tgdp_attn1d attn[TGDP_CONV_MAX_ATTN]; /* after the middle block (cfg.attn of them) */
    int n_down, n_up;
    int norm_g, norm_b;                 /* final group norm */
    int out_w, out_b;                   /* unet1d conv_out (-1 with a pooled head) */
    int head_w, head_b;                 /* pooled head Linear (-1 for the shaped unet1d output) */
    int skip_w[2], skip_b[2];           /* the skip gain g(t) (cfg.skip), -1 if none */
} tgdp_convnet;

int tgdp_convnet_register(tgdp_convnet *m, tgdp_arch arch, const tgdp_conv_config *cfg, tgdp_params *p,
                          tgdp_error *err);
void tgdp_convnet_init_weights(const tgdp_convnet *m, tgdp_params *p, tgdp_rng *rng);
/* x: node with B*C*L values (e.g. [B, C*L, 1]); t: node [B,1] (or -1 without time); labels:
 * B labels or NULL. Returns the output node [B, out_dim, 1], -1 on failure (gr->failed). */
int tgdp_convnet_forward(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int x, int t, const int64_t *labels);
/* The pooled feature vector [B, F, 1] before the head (nets with a pooled head only). */
int tgdp_convnet_features(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int x, int t, const int64_t *labels);
int tgdp_convnet_feature_dim(const tgdp_convnet *m); /* F, 0 without a pooled head */

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

/* The input skip of a noise predictor: out = net(x_t, t, y) + g(t) x_t, with g a learned scalar
 * function of the raw t (a 1 -> 16 -> 1 SiLU MLP, parameters <prefix>skip.{0,1}.{weight,bias}).
 * At high noise the ideal eps is close to x_t itself (sigma ~ 1, alpha ~ 0); a network that must
 * pass every input value through its layers gets that identity only approximately, and the
 * sampler's x0 prediction (x_t - sigma eps) / alpha multiplies the error by sigma / alpha (~150
 * at t = 1). With the skip the layers only learn the correction. Used by the MLP (models.h:
 * tgdp_mlp_config.skip) and the shaped unet1d (tgdp_conv_config.skip). */
#ifndef TGDP_NN_SKIP_GAIN_H
#define TGDP_NN_SKIP_GAIN_H
#include "tgdp/models.h"

#define NN_SKIP_HIDDEN 16

/* Registers (register_new) or finds the four parameters; w, b get their indices. */
int nn_skip_gain_params(int w[2], int b[2], tgdp_params *p, const char *prefix, int register_new, const char *who,
                        tgdp_error *err);
void nn_skip_gain_init(const int w[2], const int b[2], tgdp_params *p, tgdp_rng *rng);
/* h + g(t) x: h and x with the same size per sample, t the raw-time node [B, 1] */
int nn_skip_gain_apply(tgdp_graph *gr, const int w[2], const int b[2], tgdp_params *p, int h, int x, int t);
#endif

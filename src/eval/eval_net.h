/* What the evaluation reads of a tgdp_net, in one place: the architecture-independent
 * accessors of tgdp.h (MLP, unet1d, resnet1d). */
#ifndef TGDP_EVAL_NET_H
#define TGDP_EVAL_NET_H
#include "tgdp/tgdp.h"

static inline int eval_net_in_dim(const tgdp_net *n) { return tgdp_net_in_dim(n); }
static inline int eval_net_out_dim(const tgdp_net *n) { return tgdp_net_out_dim(n); }
static inline int eval_net_n_classes(const tgdp_net *n) { return tgdp_net_n_classes(n); }
#endif

/* What the evaluation reads of a tgdp_net, in one place: the MLP's fields today; the
 * architecture-independent accessors of tgdp.h (tgdp_net_in_dim, ...) once tgdp_net has more
 * architectures than the MLP. */
#ifndef TGDP_EVAL_NET_H
#define TGDP_EVAL_NET_H
#include "tgdp/tgdp.h"

static inline int eval_net_in_dim(const tgdp_net *n) { return n->mlp.cfg.in_dim; }
static inline int eval_net_out_dim(const tgdp_net *n) { return n->mlp.cfg.out_dim; }
static inline int eval_net_n_classes(const tgdp_net *n) { return n->mlp.cfg.n_classes; }
#endif

/* Checkpoint metadata of the convolutional architectures (internal to checkpoint.c). */
#ifndef TGDP_IO_CHECKPOINT_ARCH_H
#define TGDP_IO_CHECKPOINT_ARCH_H
#include "tgdp/io.h"
#include "tgdp/tgdp.h"

/* The fields every checkpoint carries (in_dim, out_dim, time_mode, temb, n_classes, label_dim,
 * hidden, act) as an MLP-style config: the MLP's own for an MLP, the equivalent ones otherwise. */
const tgdp_mlp_config *ckpt_common_config(const tgdp_net *net, tgdp_mlp_config *tmp);
/* tgdp.arch and the architecture's keys (nothing for an MLP: its checkpoints are unchanged) */
int ckpt_arch_write(tgdp_st_writer *w, const tgdp_net *net, tgdp_error *err);
/* An integer metadata value in [lo, hi]; a missing or malformed one is a TGDP_EFORMAT error. */
int ckpt_meta_int(const tgdp_st_file *f, const char *key, long lo, long hi, int *out, tgdp_error *err);
/* The architecture of a checkpoint (no tgdp.arch: mlp, with the MLP config c already parsed). */
int ckpt_arch_read(const tgdp_st_file *f, const tgdp_mlp_config *c, tgdp_net_config *out, tgdp_error *err);
#endif

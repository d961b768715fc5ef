/* Checkpoints of tgdp networks as safetensors files: every parameter as a named F32 tensor
 * (PyTorch-style names "layers.<i>.weight", ...), and metadata describing the network:
 *   tgdp.format = "1", tgdp.role, tgdp.h_param, tgdp.in_dim, tgdp.out_dim, tgdp.hidden
 *   ("512,512"), tgdp.time_mode (none|raw|fourier), tgdp.temb, tgdp.n_classes, tgdp.label_dim,
 *   tgdp.act, tgdp.step (training steps done), tgdp.seed, tgdp.schedule (when the info names one),
 *   plus any extra key/value pairs.
 *   Convolutional networks add tgdp.arch (unet1d | resnet1d), tgdp.channels, tgdp.length (the
 *   sample shape [C, L]), tgdp.width, tgdp.mult, tgdp.blocks, tgdp.kernel, tgdp.groups,
 *   tgdp.emb_dim and, for dilated blocks, tgdp.dilation (src/io/checkpoint_arch.c); a checkpoint
 *   without tgdp.arch is an MLP.
 * Written atomically (temporary file + rename). */
#ifndef TGDP_CHECKPOINT_H
#define TGDP_CHECKPOINT_H

#include "tgdp/api.h"

#include "tgdp/tgdp.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

typedef struct tgdp_ckpt_info {
    int64_t step;
    uint64_t seed;
    /* the noise schedule the network was trained with (tgdp.schedule: "vp" or "discrete", see
     * tgdp_schedule_kind_parse); "" for none (a domain classifier, or a file without the key) */
    char schedule[32];
    char extra_key[4][32];
    char extra_value[4][256];
    int n_extra;
} tgdp_ckpt_info;

int tgdp_checkpoint_save(const char *path, const tgdp_net *net, const tgdp_ckpt_info *info, tgdp_error *err);
/* Creates *net from the file (free with tgdp_net_free); info may be NULL, else it gets the step,
 * seed and schedule (the extra pairs are not read back). */
int tgdp_checkpoint_load(const char *path, tgdp_net *net, tgdp_ckpt_info *info, tgdp_error *err);
/* The schedule of info (tgdp_schedule_init_default, T = 1000); none named: the VP schedule (the
 * one every checkpoint without tgdp.schedule was trained with). Free with tgdp_schedule_free. */
int tgdp_ckpt_schedule_init(const tgdp_ckpt_info *info, tgdp_schedule *s, tgdp_error *err);
/* TGDP_EINVAL, with a message naming what (the checkpoint's path), when the network of info was
 * trained with another kind of schedule than s: guidance, a fine-tuned model or a time-dependent
 * classifier only means something under the schedule of the model it is combined with. */
int tgdp_ckpt_schedule_check(const tgdp_ckpt_info *info, const tgdp_schedule *s, const char *what, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

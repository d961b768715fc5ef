/* Checkpoint metadata of the convolutional architectures:
 *   tgdp.arch (unet1d | resnet1d; absent for an MLP), tgdp.channels, tgdp.length, tgdp.width,
 *   tgdp.mult ("1,2,4"), tgdp.blocks, tgdp.kernel, tgdp.groups, tgdp.emb_dim, and tgdp.dilation
 *   ("1,2,4") when a level's blocks are dilated (absent: none), tgdp.attn and tgdp.attn_heads with
 *   attention blocks (absent: none),
 * beside the common keys (tgdp.in_dim = channels * length, tgdp.out_dim, tgdp.time_mode
 * none|fourier, tgdp.temb, tgdp.n_classes; tgdp.hidden is empty and tgdp.act silu). */
#include "io/checkpoint_arch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const tgdp_mlp_config *ckpt_common_config(const tgdp_net *net, tgdp_mlp_config *tmp)
{
    if (net->arch == TGDP_ARCH_MLP) return &net->mlp.cfg;
    const tgdp_conv_config *c = &net->conv.cfg;
    memset(tmp, 0, sizeof *tmp);
    tmp->in_dim = c->channels * c->length;
    tmp->out_dim = c->out_dim;
    tmp->time_mode = c->time_mode;
    tmp->temb = c->temb;
    tmp->n_classes = c->n_classes;
    tmp->label_dim = 0;
    tmp->act = TGDP_ACT_SILU;
    tmp->skip = c->skip; /* written as tgdp.skip like the MLP's */
    return tmp;
}

int ckpt_arch_write(tgdp_st_writer *w, const tgdp_net *net, tgdp_error *err)
{
    if (net->arch == TGDP_ARCH_MLP) return TGDP_OK;
    const tgdp_conv_config *c = &net->conv.cfg;
    char mult[64] = "", dil[64] = "";
    int dilated = 0;
    for (int i = 0; i < c->levels; i++) {
        size_t l = strlen(mult), ld = strlen(dil);
        snprintf(mult + l, sizeof mult - l, i ? ",%d" : "%d", c->mult[i]);
        snprintf(dil + ld, sizeof dil - ld, i ? ",%d" : "%d", tgdp_conv_dilation(c, i));
        dilated |= tgdp_conv_dilation(c, i) > 1;
    }
    int rc = tgdp_st_writer_meta(w, "tgdp.arch", tgdp_arch_name(net->arch), err);
    if (!rc) rc = tgdp_st_writer_metaf(w, "tgdp.channels", err, "%d", c->channels);
    if (!rc) rc = tgdp_st_writer_metaf(w, "tgdp.length", err, "%d", c->length);
    if (!rc) rc = tgdp_st_writer_metaf(w, "tgdp.width", err, "%d", c->width);
    if (!rc) rc = tgdp_st_writer_meta(w, "tgdp.mult", mult, err);
    if (!rc) rc = tgdp_st_writer_metaf(w, "tgdp.blocks", err, "%d", c->blocks);
    if (!rc) rc = tgdp_st_writer_metaf(w, "tgdp.kernel", err, "%d", c->kernel);
    if (!rc) rc = tgdp_st_writer_metaf(w, "tgdp.groups", err, "%d", c->groups);
    if (!rc) rc = tgdp_st_writer_metaf(w, "tgdp.emb_dim", err, "%d", c->emb_dim);
    if (!rc && dilated) rc = tgdp_st_writer_meta(w, "tgdp.dilation", dil, err);
    if (!rc && c->attn) rc = tgdp_st_writer_metaf(w, "tgdp.attn", err, "%d", c->attn);
    if (!rc && c->attn) rc = tgdp_st_writer_metaf(w, "tgdp.attn_heads", err, "%d", c->attn_heads);
    return rc;
}

int ckpt_meta_int(const tgdp_st_file *f, const char *key, long lo, long hi, int *out, tgdp_error *err)
{
    const char *v = tgdp_st_meta(f, key);
    if (!v) return tgdp_fail(err, TGDP_EFORMAT, "%s: not a tgdp checkpoint (metadata %s missing)", f->path, key);
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: metadata %s = '%s' is not an integer in [%ld, %ld]", f->path, key, v, lo, hi);
    *out = (int)x;
    return TGDP_OK;
}

int ckpt_arch_read(const tgdp_st_file *f, const tgdp_mlp_config *c, tgdp_net_config *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    const char *an = tgdp_st_meta(f, "tgdp.arch");
    if (!an) an = "mlp";
    if (tgdp_arch_parse(an, &out->arch)) return tgdp_fail(err, TGDP_EFORMAT, "%s: unknown architecture '%s'", f->path, an);
    if (out->arch == TGDP_ARCH_MLP) {
        out->mlp = *c;
        return TGDP_OK;
    }
    tgdp_conv_config *k = &out->conv;
    k->out_dim = c->out_dim;
    k->time_mode = c->time_mode;
    k->temb = c->temb;
    k->n_classes = c->n_classes;
    k->skip = c->skip;
    int rc = ckpt_meta_int(f, "tgdp.channels", 1, 1 << 24, &k->channels, err);
    if (!rc) rc = ckpt_meta_int(f, "tgdp.length", 1, 1 << 24, &k->length, err);
    if (!rc) rc = ckpt_meta_int(f, "tgdp.width", 1, 1 << 16, &k->width, err);
    if (!rc) rc = ckpt_meta_int(f, "tgdp.blocks", 1, TGDP_CONV_MAX_BLOCKS, &k->blocks, err);
    if (!rc) rc = ckpt_meta_int(f, "tgdp.kernel", 1, 63, &k->kernel, err);
    if (!rc) rc = ckpt_meta_int(f, "tgdp.groups", 1, 1 << 16, &k->groups, err);
    if (!rc) rc = ckpt_meta_int(f, "tgdp.emb_dim", 0, 1 << 16, &k->emb_dim, err);
    if (rc) return rc;
    const char *mult = tgdp_st_meta(f, "tgdp.mult");
    if (!mult) return tgdp_fail(err, TGDP_EFORMAT, "%s: %s checkpoint without metadata tgdp.mult", f->path, an);
    if ((rc = tgdp_conv_parse_mult(k, mult, err))) return tgdp_error_prefix(err, "%s", f->path);
    const char *dil = tgdp_st_meta(f, "tgdp.dilation");
    if (dil && (rc = tgdp_conv_parse_dilation(k, dil, err))) return tgdp_error_prefix(err, "%s", f->path);
    if (tgdp_st_meta(f, "tgdp.attn") && ((rc = ckpt_meta_int(f, "tgdp.attn", 0, TGDP_CONV_MAX_ATTN, &k->attn, err)) ||
                                         (rc = ckpt_meta_int(f, "tgdp.attn_heads", 1, 4096, &k->attn_heads, err))))
        return rc;
    if ((int64_t)k->channels * k->length != c->in_dim)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: tgdp.in_dim %d is not channels %d x length %d", f->path, c->in_dim,
                         k->channels, k->length);
    if ((rc = tgdp_conv_check(out->arch, k, err))) return tgdp_error_prefix(err, "%s", f->path);
    return TGDP_OK;
}

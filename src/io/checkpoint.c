/* Network checkpoints as safetensors with the network description in the metadata. */
#include "tgdp/checkpoint.h"

#include "io/checkpoint_arch.h"
#include "tgdp/io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const time_names[] = {"none", "raw", "fourier"};

int tgdp_checkpoint_save(const char *path, const tgdp_net *net, const tgdp_ckpt_info *info, tgdp_error *err)
{
    tgdp_st_writer w;
    tgdp_st_writer_init(&w);
    tgdp_mlp_config common;
    const tgdp_mlp_config *c = ckpt_common_config(net, &common);
    char hidden[256] = "";
    for (int i = 0; i < c->n_hidden; i++) {
        size_t l = strlen(hidden);
        snprintf(hidden + l, sizeof hidden - l, i ? ",%d" : "%d", c->hidden[i]);
    }
    int rc = tgdp_st_writer_meta(&w, "tgdp.format", "1", err);
    if (!rc) rc = tgdp_st_writer_meta(&w, "tgdp.role", tgdp_role_name(net->role), err);
    if (!rc) rc = tgdp_st_writer_meta(&w, "tgdp.h_param", net->hparam == TGDP_H_EXP ? "exp" : "softplus", err);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.in_dim", err, "%d", c->in_dim);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.out_dim", err, "%d", c->out_dim);
    if (!rc) rc = tgdp_st_writer_meta(&w, "tgdp.hidden", hidden, err);
    if (!rc) rc = tgdp_st_writer_meta(&w, "tgdp.time_mode", time_names[c->time_mode], err);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.temb", err, "%d", c->temb);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.n_classes", err, "%d", c->n_classes);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.label_dim", err, "%d", c->label_dim);
    if (!rc) rc = tgdp_st_writer_meta(&w, "tgdp.act", tgdp_act_name(c->act), err);
    if (!rc && c->skip) rc = tgdp_st_writer_meta(&w, "tgdp.skip", "1", err); /* absent: 0 */
    if (!rc) rc = ckpt_arch_write(&w, net, err);
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.step", err, "%lld", (long long)(info ? info->step : 0));
    if (!rc) rc = tgdp_st_writer_metaf(&w, "tgdp.seed", err, "%llu", (unsigned long long)(info ? info->seed : 0));
    if (!rc && info && info->schedule[0]) rc = tgdp_st_writer_meta(&w, "tgdp.schedule", info->schedule, err);
    for (int i = 0; info && !rc && i < info->n_extra; i++)
        rc = tgdp_st_writer_meta(&w, info->extra_key[i], info->extra_value[i], err);
    for (int i = 0; !rc && i < net->p.count; i++) {
        const tgdp_param_info *pi = &net->p.info[i];
        rc = tgdp_st_writer_add_f32(&w, pi->name, net->p.w + pi->off, pi->ndim, pi->shape, err);
    }
    if (!rc) rc = tgdp_safetensors_write(path, &w, err);
    tgdp_st_writer_free(&w);
    return rc;
}


static int parse_config(const tgdp_st_file *f, tgdp_net *net, tgdp_mlp_config *c, tgdp_error *err)
{
    memset(c, 0, sizeof *c);
    const char *fmt = tgdp_st_meta(f, "tgdp.format");
    if (!fmt || strcmp(fmt, "1") != 0)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: not a tgdp checkpoint (tgdp.format missing or not 1)", f->path);
    const char *role = tgdp_st_meta(f, "tgdp.role"), *hid = tgdp_st_meta(f, "tgdp.hidden");
    const char *tm = tgdp_st_meta(f, "tgdp.time_mode"), *act = tgdp_st_meta(f, "tgdp.act");
    const char *hp = tgdp_st_meta(f, "tgdp.h_param");
    if (!role || !hid || !tm || !act)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: checkpoint metadata incomplete (role, hidden, time_mode, act)", f->path);
    tgdp_role r;
    if (tgdp_role_parse(role, &r)) return tgdp_fail(err, TGDP_EFORMAT, "%s: unknown role '%s'", f->path, role);
    net->role = r;
    /* h = softplus(z) or exp(z); absent (checkpoints older than the option): softplus */
    if (hp && strcmp(hp, "exp") != 0 && strcmp(hp, "softplus") != 0)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: unknown tgdp.h_param '%s' (expected softplus or exp)", f->path, hp);
    net->hparam = hp && strcmp(hp, "exp") == 0 ? TGDP_H_EXP : TGDP_H_SOFTPLUS;
    int rc = ckpt_meta_int(f, "tgdp.in_dim", 1, 1 << 24, &c->in_dim, err);
    if (!rc) rc = ckpt_meta_int(f, "tgdp.out_dim", 1, 1 << 24, &c->out_dim, err);
    if (!rc) rc = ckpt_meta_int(f, "tgdp.temb", 0, 1 << 16, &c->temb, err);
    if (!rc) rc = ckpt_meta_int(f, "tgdp.n_classes", 0, 1 << 16, &c->n_classes, err);
    if (!rc) rc = ckpt_meta_int(f, "tgdp.label_dim", 0, 1 << 16, &c->label_dim, err);
    if (!rc && tgdp_st_meta(f, "tgdp.skip")) rc = ckpt_meta_int(f, "tgdp.skip", 0, 1, &c->skip, err);
    if (rc) return rc;
    if (*hid && (rc = tgdp_mlp_parse_hidden(c, hid, err))) return tgdp_error_prefix(err, "%s", f->path);
    int found = 0;
    for (int i = 0; i < 3; i++)
        if (strcmp(tm, time_names[i]) == 0) {
            c->time_mode = (tgdp_time_mode)i;
            found = 1;
        }
    if (!found) return tgdp_fail(err, TGDP_EFORMAT, "%s: unknown time_mode '%s'", f->path, tm);
    tgdp_act a;
    if (tgdp_act_parse(act, &a)) return tgdp_fail(err, TGDP_EFORMAT, "%s: unknown activation '%s'", f->path, act);
    c->act = a;
    return TGDP_OK;
}

int tgdp_checkpoint_load(const char *path, tgdp_net *net, tgdp_ckpt_info *info, tgdp_error *err)
{
    tgdp_st_file f;
    memset(net, 0, sizeof *net);
    int rc = tgdp_safetensors_read(path, &f, err);
    if (rc) return rc;
    tgdp_mlp_config c;
    tgdp_net tmp;
    memset(&tmp, 0, sizeof tmp);
    tgdp_net_config nc;
    rc = parse_config(&f, &tmp, &c, err);
    if (!rc) rc = ckpt_arch_read(&f, &c, &nc, err);
    /* the metadata decide the network's size: check it against the stored data (every parameter
     * takes at least one byte there) before allocating, so a small file cannot demand gigabytes */
    size_t need = 0;
    if (!rc && (rc = tgdp_net_param_count(tmp.role, &nc, &need, err))) tgdp_error_prefix(err, "%s", path);
    if (!rc && need > f.data_size)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: the metadata describe a network of %zu parameters, but the file stores %zu bytes of tensors",
                       path, need, f.data_size);
    if (!rc && (rc = tgdp_net_create_arch(net, tmp.role, &nc, 0, err))) tgdp_error_prefix(err, "%s", path);
    if (!rc) {
        net->hparam = tmp.hparam;
        for (int i = 0; !rc && i < net->p.count; i++) {
            const tgdp_param_info *pi = &net->p.info[i];
            if (!tgdp_st_get(&f, pi->name)) rc = tgdp_fail(err, TGDP_EFORMAT, "%s: tensor %s missing", path, pi->name);
            else rc = tgdp_st_load_f32(&f, pi->name, pi->ndim, pi->shape, net->p.w + pi->off, err);
        }
        if (!rc) rc = tgdp_check_finite(net->p.w, net->p.n, path, err);
        if (rc) tgdp_net_free(net);
    }
    if (!rc && info) {
        memset(info, 0, sizeof *info);
        const char *st = tgdp_st_meta(&f, "tgdp.step"), *sd = tgdp_st_meta(&f, "tgdp.seed");
        info->step = st ? strtoll(st, NULL, 10) : 0;
        info->seed = sd ? strtoull(sd, NULL, 10) : 0;
        const char *sc = tgdp_st_meta(&f, "tgdp.schedule");
        snprintf(info->schedule, sizeof info->schedule, "%s", sc ? sc : "");
    }
    tgdp_st_file_free(&f);
    return rc;
}

int tgdp_ckpt_schedule_init(const tgdp_ckpt_info *info, tgdp_schedule *s, tgdp_error *err)
{
    tgdp_schedule_kind k = TGDP_SCHEDULE_VP_LINEAR;
    int rc = info->schedule[0] ? tgdp_schedule_kind_parse(info->schedule, &k, err) : TGDP_OK;
    if (rc) return rc;
    return tgdp_schedule_init_default(s, k, 1000, err);
}

int tgdp_ckpt_schedule_check(const tgdp_ckpt_info *info, const tgdp_schedule *s, const char *what, tgdp_error *err)
{
    tgdp_schedule_kind k = TGDP_SCHEDULE_VP_LINEAR;
    int rc = info->schedule[0] ? tgdp_schedule_kind_parse(info->schedule, &k, err) : TGDP_OK;
    if (rc) return tgdp_error_prefix(err, "%s", what);
    if (k != s->kind)
        return tgdp_fail(err, TGDP_EINVAL, "%s was trained with the %s schedule, not with %s", what,
                         tgdp_schedule_kind_name(k), tgdp_schedule_kind_name(s->kind));
    return TGDP_OK;
}

/* The MLP builder taking x, t and an optional label y. */
#include "tgdp/models.h"
#include "nn/skip_gain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

int tgdp_mlp_parse_hidden(tgdp_mlp_config *cfg, const char *s, tgdp_error *err)
{
    int n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v <= 0 || v > 1 << 16)
            return tgdp_fail(err, TGDP_EINVAL, "hidden sizes '%s': expected positive integers separated by commas", s);
        if (n == TGDP_MLP_MAX_LAYERS)
            return tgdp_fail(err, TGDP_EINVAL, "hidden sizes '%s': at most %d layers", s, TGDP_MLP_MAX_LAYERS);
        cfg->hidden[n++] = (int)v;
        p = end;
        if (*p == ',') p++;
        else if (*p) return tgdp_fail(err, TGDP_EINVAL, "hidden sizes '%s': unexpected '%c'", s, *p);
    }
    if (n == 0) return tgdp_fail(err, TGDP_EINVAL, "hidden sizes: empty list");
    cfg->n_hidden = n;
    return TGDP_OK;
}

int tgdp_mlp_input_dim(const tgdp_mlp_config *cfg)
{
    int d = cfg->in_dim;
    if (cfg->time_mode == TGDP_TIME_RAW) d += 1;
    else if (cfg->time_mode == TGDP_TIME_FOURIER) d += 2 * cfg->temb;
    if (cfg->n_classes > 0) d += cfg->label_dim;
    return d;
}

static int check_config(const tgdp_mlp_config *cfg, tgdp_error *err)
{
    if (cfg->in_dim <= 0 || cfg->out_dim <= 0 || cfg->n_hidden < 0 || cfg->n_hidden > TGDP_MLP_MAX_LAYERS)
        return tgdp_fail(err, TGDP_EINVAL, "mlp: invalid dimensions (in %d, out %d, %d hidden layers)", cfg->in_dim,
                         cfg->out_dim, cfg->n_hidden);
    if (cfg->time_mode == TGDP_TIME_FOURIER && cfg->temb <= 0)
        return tgdp_fail(err, TGDP_EINVAL, "mlp: Fourier time embedding needs temb > 0");
    if (cfg->skip && (cfg->in_dim != cfg->out_dim || cfg->time_mode == TGDP_TIME_NONE))
        return tgdp_fail(err, TGDP_EINVAL, "mlp: the input skip needs in_dim == out_dim (%d, %d) and a time input",
                         cfg->in_dim, cfg->out_dim);
    if (cfg->n_classes < 0 || (cfg->n_classes > 0 && cfg->label_dim <= 0))
        return tgdp_fail(err, TGDP_EINVAL, "mlp: invalid label embedding (%d classes, dim %d)", cfg->n_classes,
                         cfg->label_dim);
    return TGDP_OK;
}

static int layer_params(tgdp_mlp *m, tgdp_params *p, const char *prefix, int register_new, tgdp_error *err)
{
    const tgdp_mlp_config *cfg = &m->cfg;
    int fan_in = tgdp_mlp_input_dim(cfg);
    char name[64];
    for (int i = 0; i <= cfg->n_hidden; i++) {
        int out = i < cfg->n_hidden ? cfg->hidden[i] : cfg->out_dim;
        int64_t ws[2] = {out, fan_in}, bs[1] = {out};
        snprintf(name, sizeof name, "%slayers.%d.weight", prefix, i);
        m->w[i] = register_new ? tgdp_params_add(p, name, 2, ws) : tgdp_params_find(p, name);
        if (m->w[i] >= 0 && !register_new &&
            (p->info[m->w[i]].shape[0] != out || p->info[m->w[i]].shape[1] != fan_in))
            return tgdp_fail(err, TGDP_EINVAL, "parameter %s has shape [%lld,%lld], expected [%d,%d]", name,
                             (long long)p->info[m->w[i]].shape[0], (long long)p->info[m->w[i]].shape[1], out, fan_in);
        snprintf(name + strlen(name) - 6, 7, "bias");
        m->b[i] = register_new ? tgdp_params_add(p, name, 1, bs) : tgdp_params_find(p, name);
        if (m->w[i] < 0 || m->b[i] < 0) return tgdp_fail(err, TGDP_EINVAL, "mlp: parameter %s missing or invalid", name);
        fan_in = out;
    }
    m->emb = -1;
    if (cfg->n_classes > 0) {
        int64_t es[2] = {cfg->n_classes, cfg->label_dim};
        snprintf(name, sizeof name, "%slabel_emb", prefix);
        m->emb = register_new ? tgdp_params_add(p, name, 2, es) : tgdp_params_find(p, name);
        if (m->emb < 0) return tgdp_fail(err, TGDP_EINVAL, "mlp: parameter %s missing or invalid", name);
    }
    m->skip_w[0] = m->skip_w[1] = m->skip_b[0] = m->skip_b[1] = -1;
    if (cfg->skip) {
        int rc = nn_skip_gain_params(m->skip_w, m->skip_b, p, prefix, register_new, "mlp", err);
        if (rc) return rc;
    }
    return TGDP_OK;
}

int tgdp_mlp_register(tgdp_mlp *m, const tgdp_mlp_config *cfg, tgdp_params *p, const char *prefix, tgdp_error *err)
{
    int rc = check_config(cfg, err);
    if (rc) return rc;
    m->cfg = *cfg;
    return layer_params(m, p, prefix, 1, err);
}

int tgdp_mlp_bind(tgdp_mlp *m, const tgdp_mlp_config *cfg, const tgdp_params *p, const char *prefix, tgdp_error *err)
{
    int rc = check_config(cfg, err);
    if (rc) return rc;
    m->cfg = *cfg;
    return layer_params(m, (tgdp_params *)p, prefix, 0, err);
}

void tgdp_mlp_init_weights(const tgdp_mlp *m, tgdp_params *p, tgdp_rng *rng)
{
    for (int i = 0; i <= m->cfg.n_hidden; i++) {
        float bound = 1.0f / sqrtf((float)p->info[m->w[i]].shape[1]);
        tgdp_params_init_uniform(p, m->w[i], bound, rng);
        tgdp_params_init_uniform(p, m->b[i], bound, rng);
    }
    nn_skip_gain_init(m->skip_w, m->skip_b, p, rng);
    if (m->emb >= 0) {
        const tgdp_param_info *pi = &p->info[m->emb];
        if (m->cfg.label_dim == m->cfg.n_classes) { /* one-hot */
            memset(p->w + pi->off, 0, pi->n * sizeof(float));
            for (int c = 0; c < m->cfg.n_classes; c++) p->w[pi->off + (size_t)c * m->cfg.label_dim + c] = 1.0f;
        } else {
            tgdp_rng_fill_normal(rng, p->w + pi->off, pi->n, 0, 1);
        }
    }
}

int tgdp_mlp_forward(tgdp_graph *gr, const tgdp_mlp *m, tgdp_params *p, int x, int t, const int64_t *labels)
{
    const tgdp_mlp_config *cfg = &m->cfg;
    int h = x;
    if (cfg->time_mode == TGDP_TIME_RAW) h = tgdp_concat(gr, h, t);
    else if (cfg->time_mode == TGDP_TIME_FOURIER) h = tgdp_concat(gr, h, tgdp_fourier(gr, t, cfg->temb));
    if (cfg->n_classes > 0) {
        if (!labels) return tgdp_graph_fail(gr, TGDP_EINVAL, "MLP: the network is label-conditional but got no labels");
        h = tgdp_concat(gr, h, tgdp_embed(gr, labels, gr->nodes[x].B, tgdp_param(gr, p, m->emb)));
    }
    for (int i = 0; i <= cfg->n_hidden; i++) {
        h = tgdp_linear(gr, h, tgdp_param(gr, p, m->w[i]), tgdp_param(gr, p, m->b[i]));
        if (i < cfg->n_hidden) h = tgdp_act_node(gr, h, cfg->act);
    }
    if (cfg->skip) h = nn_skip_gain_apply(gr, m->skip_w, m->skip_b, p, h, x, t); /* + g(t) x */
    return h;
}

/* 1-D convolutional networks: configuration (defaults, parsing, checks), the parts shared by
 * unet1d and resnet1d (stem, conditioning embedding, residual blocks with their embedding
 * projection, final norm and pooled head), and the dispatch to the two architectures. */
#include "nn/convnet_internal.h"
#include "nn/skip_gain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const arch_names[] = {"mlp", "unet1d", "resnet1d"};

const char *tgdp_arch_name(tgdp_arch a) { return (a >= TGDP_ARCH_MLP && a <= TGDP_ARCH_RESNET1D) ? arch_names[a] : "?"; }

int tgdp_arch_parse(const char *s, tgdp_arch *out)
{
    for (int i = 0; i <= TGDP_ARCH_RESNET1D; i++)
        if (strcmp(s, arch_names[i]) == 0) {
            *out = (tgdp_arch)i;
            return TGDP_OK;
        }
    return TGDP_EINVAL;
}

void tgdp_conv_config_default(tgdp_conv_config *c, tgdp_arch arch, int channels, int length, int out_dim, int timed,
                              int n_classes)
{
    (void)arch;
    memset(c, 0, sizeof *c);
    c->channels = channels;
    c->length = length;
    c->out_dim = out_dim;
    c->width = 32;
    c->levels = 3;
    c->mult[0] = 1;
    c->mult[1] = 2;
    c->mult[2] = 4;
    c->blocks = 1;
    c->kernel = 3;
    c->groups = 8;
    c->time_mode = timed ? TGDP_TIME_FOURIER : TGDP_TIME_NONE;
    c->temb = 16;
    c->emb_dim = 0;
    c->n_classes = n_classes;
}

/* a comma-separated list of integers 1..64 into v[0..n), at most TGDP_CONV_MAX_LEVELS of them */
static int parse_levels(const char *what, const char *s, int *v, int *n_out, tgdp_error *err)
{
    int n = 0;
    const char *q = s;
    while (*q) {
        char *end;
        long x = strtol(q, &end, 10);
        if (end == q || x <= 0 || x > 64)
            return tgdp_fail(err, TGDP_EINVAL, "%s '%s': expected integers 1..64 separated by commas", what, s);
        if (n == TGDP_CONV_MAX_LEVELS)
            return tgdp_fail(err, TGDP_EINVAL, "%s '%s': at most %d levels", what, s, TGDP_CONV_MAX_LEVELS);
        v[n++] = (int)x;
        q = end;
        if (*q == ',') q++;
        else if (*q) return tgdp_fail(err, TGDP_EINVAL, "%s '%s': unexpected '%c'", what, s, *q);
    }
    if (n == 0) return tgdp_fail(err, TGDP_EINVAL, "%s: empty list", what);
    *n_out = n;
    return TGDP_OK;
}

int tgdp_conv_parse_mult(tgdp_conv_config *c, const char *s, tgdp_error *err)
{
    int v[TGDP_CONV_MAX_LEVELS], n = 0;
    int rc = parse_levels("channel multipliers", s, v, &n, err);
    if (rc) return rc;
    memcpy(c->mult, v, (size_t)n * sizeof *v);
    c->levels = n;
    return TGDP_OK;
}

int tgdp_conv_parse_dilation(tgdp_conv_config *c, const char *s, tgdp_error *err)
{
    int v[TGDP_CONV_MAX_LEVELS], n = 0;
    int rc = parse_levels("dilations", s, v, &n, err);
    if (rc) return rc;
    if (n != c->levels)
        return tgdp_fail(err, TGDP_EINVAL, "dilations '%s': %d values for %d levels (one per level)", s, n, c->levels);
    for (int i = 0; i < TGDP_CONV_MAX_LEVELS; i++) c->dilation[i] = i < n ? v[i] : 0;
    return TGDP_OK;
}

int tgdp_conv_dilation(const tgdp_conv_config *c, int level)
{
    return level >= 0 && level < TGDP_CONV_MAX_LEVELS && c->dilation[level] > 1 ? c->dilation[level] : 1;
}

int tgdp_conv_check(tgdp_arch arch, const tgdp_conv_config *c, tgdp_error *err)
{
    const char *an = tgdp_arch_name(arch);
    if (arch != TGDP_ARCH_UNET1D && arch != TGDP_ARCH_RESNET1D)
        return tgdp_fail(err, TGDP_EINVAL, "%s is not a convolutional architecture", an);
    if (c->channels <= 0 || c->length <= 0 || (int64_t)c->channels * c->length > (1 << 24))
        return tgdp_fail(err, TGDP_EINVAL, "%s: invalid input shape [%d, %d] (channels, length)", an, c->channels,
                         c->length);
    if (c->out_dim <= 0) return tgdp_fail(err, TGDP_EINVAL, "%s: out_dim must be positive (got %d)", an, c->out_dim);
    if (c->levels < 1 || c->levels > TGDP_CONV_MAX_LEVELS)
        return tgdp_fail(err, TGDP_EINVAL, "%s: %d levels (1..%d)", an, c->levels, TGDP_CONV_MAX_LEVELS);
    if (c->blocks < 1 || c->blocks > TGDP_CONV_MAX_BLOCKS)
        return tgdp_fail(err, TGDP_EINVAL, "%s: %d blocks per level (1..%d)", an, c->blocks, TGDP_CONV_MAX_BLOCKS);
    if (c->kernel < 1 || c->kernel % 2 == 0 || c->kernel > 63)
        return tgdp_fail(err, TGDP_EINVAL, "%s: kernel size %d must be odd (1..63)", an, c->kernel);
    if (c->width < 1 || c->groups < 1)
        return tgdp_fail(err, TGDP_EINVAL, "%s: width %d and groups %d must be positive", an, c->width, c->groups);
    if (c->width % c->groups)
        return tgdp_fail(err, TGDP_EINVAL, "%s: %d group-norm groups do not divide the width %d", an, c->groups, c->width);
    for (int i = 0; i < c->levels; i++) {
        if (c->mult[i] < 1) return tgdp_fail(err, TGDP_EINVAL, "%s: channel multiplier %d of level %d", an, c->mult[i], i);
        if ((int64_t)c->width * c->mult[i] > 4096)
            return tgdp_fail(err, TGDP_EINVAL, "%s: %d channels at level %d (at most 4096)", an, c->width * c->mult[i], i);
        if (c->dilation[i] < 0 || c->dilation[i] > 64 || (int64_t)c->dilation[i] * (c->kernel / 2) > 1024)
            return tgdp_fail(err, TGDP_EINVAL, "%s: dilation %d of level %d (1..64)", an, c->dilation[i], i);
        if (conv_ch(c, i) % c->groups)
            return tgdp_fail(err, TGDP_EINVAL, "%s: %d group-norm groups do not divide the %d channels of level %d", an,
                             c->groups, conv_ch(c, i), i);
    }
    if ((c->length >> (c->levels - 1)) < 1)
        return tgdp_fail(err, TGDP_EINVAL, "%s: length %d is too short for %d levels (needs at least %d samples)", an,
                         c->length, c->levels, 1 << (c->levels - 1));
    if (c->time_mode != TGDP_TIME_NONE && c->time_mode != TGDP_TIME_FOURIER)
        return tgdp_fail(err, TGDP_EINVAL, "%s: time enters through Fourier features (time mode fourier or none)", an);
    if (c->time_mode == TGDP_TIME_FOURIER && (c->temb < 1 || c->temb > 4096))
        return tgdp_fail(err, TGDP_EINVAL, "%s: Fourier time embedding needs 1..4096 frequencies (got %d)", an, c->temb);
    if (c->n_classes < 0 || c->n_classes > 65536)
        return tgdp_fail(err, TGDP_EINVAL, "%s: invalid number of classes %d", an, c->n_classes);
    if (c->emb_dim < 0 || c->emb_dim > 8192 || conv_emb_dim(c) > 8192)
        return tgdp_fail(err, TGDP_EINVAL, "%s: invalid embedding width %d", an, conv_emb_dim(c));
    if (c->attn < 0 || c->attn > TGDP_CONV_MAX_ATTN || (c->attn && arch != TGDP_ARCH_UNET1D))
        return tgdp_fail(err, TGDP_EINVAL, "%s: %d attention blocks (unet1d: 0..%d)", an, c->attn, TGDP_CONV_MAX_ATTN);
    if (c->attn && (c->attn_heads < 0 || conv_ch(c, c->levels - 1) % conv_attn_heads(c)))
        return tgdp_fail(err, TGDP_EINVAL, "%s: %d attention heads do not divide the %d channels of the lowest level", an,
                         conv_attn_heads(c), conv_ch(c, c->levels - 1));
    if (c->skip && (arch != TGDP_ARCH_UNET1D || c->out_dim != c->channels * c->length || c->time_mode == TGDP_TIME_NONE))
        return tgdp_fail(err, TGDP_EINVAL, "%s: the input skip needs the unet1d noise predictor (shaped output, time input)",
                         an);
    return TGDP_OK;
}

/* ---------- registration ---------- */
int conv_param(tgdp_params *p, const char *prefix, const char *name, int64_t a, int64_t b, int64_t c)
{
    char full[64];
    int64_t shape[3] = {a, b, c};
    int nd = c ? 3 : b ? 2 : 1;
    snprintf(full, sizeof full, "%s%s", prefix, name);
    return tgdp_params_add(p, full, nd, shape);
}

int conv_block_register(tgdp_conv_block *b, const tgdp_conv_config *c, int level, int cin, int cout, tgdp_params *p,
                        const char *prefix, tgdp_error *err)
{
    int rc = tgdp_resblock1d_register(&b->rb, cin, cout, c->kernel, c->groups, p, prefix, err);
    if (rc) return rc;
    b->rb.dil = tgdp_conv_dilation(c, level);
    b->proj_w = b->proj_b = -1;
    if (conv_conditioned(c)) {
        b->proj_w = conv_param(p, prefix, "emb.weight", cout, conv_emb_dim(c), 0);
        b->proj_b = conv_param(p, prefix, "emb.bias", cout, 0, 0);
        if (b->proj_w < 0 || b->proj_b < 0)
            return tgdp_fail(err, TGDP_EINVAL, "%s: cannot register the embedding projection", prefix);
    }
    return TGDP_OK;
}

int conv_stem_register(tgdp_convnet *m, tgdp_params *p, tgdp_error *err)
{
    const tgdp_conv_config *c = &m->cfg;
    const int E = conv_emb_dim(c);
    m->in_w = conv_param(p, "", "conv_in.weight", c->width, c->channels, c->kernel);
    m->in_b = conv_param(p, "", "conv_in.bias", c->width, 0, 0);
    m->t1_w = m->t1_b = m->t2_w = m->t2_b = m->label = -1;
    int ok = m->in_w >= 0 && m->in_b >= 0;
    if (c->time_mode == TGDP_TIME_FOURIER) {
        m->t1_w = conv_param(p, "", "time_emb.0.weight", E, 2 * c->temb, 0);
        m->t1_b = conv_param(p, "", "time_emb.0.bias", E, 0, 0);
        m->t2_w = conv_param(p, "", "time_emb.1.weight", E, E, 0);
        m->t2_b = conv_param(p, "", "time_emb.1.bias", E, 0, 0);
        ok = ok && m->t1_w >= 0 && m->t1_b >= 0 && m->t2_w >= 0 && m->t2_b >= 0;
    }
    if (c->n_classes > 0) ok = ok && (m->label = conv_param(p, "", "label_emb", c->n_classes, E, 0)) >= 0;
    return ok ? TGDP_OK : tgdp_fail(err, TGDP_EINVAL, "%s: cannot register the input parameters", tgdp_arch_name(m->arch));
}

int conv_head_register(tgdp_convnet *m, int F, int pooled, tgdp_params *p, tgdp_error *err)
{
    m->norm_g = conv_param(p, "", "norm_out.weight", F, 0, 0);
    m->norm_b = conv_param(p, "", "norm_out.bias", F, 0, 0);
    m->out_w = m->out_b = m->head_w = m->head_b = -1;
    int ok = m->norm_g >= 0 && m->norm_b >= 0;
    if (pooled) {
        m->head_w = conv_param(p, "", "head.weight", m->cfg.out_dim, F, 0);
        m->head_b = conv_param(p, "", "head.bias", m->cfg.out_dim, 0, 0);
        ok = ok && m->head_w >= 0 && m->head_b >= 0;
    } else {
        m->out_w = conv_param(p, "", "conv_out.weight", m->cfg.channels, F, m->cfg.kernel);
        m->out_b = conv_param(p, "", "conv_out.bias", m->cfg.channels, 0, 0);
        ok = ok && m->out_w >= 0 && m->out_b >= 0;
    }
    return ok ? TGDP_OK : tgdp_fail(err, TGDP_EINVAL, "%s: cannot register the output parameters", tgdp_arch_name(m->arch));
}

int tgdp_convnet_register(tgdp_convnet *m, tgdp_arch arch, const tgdp_conv_config *cfg, tgdp_params *p,
                          tgdp_error *err)
{
    int rc = tgdp_conv_check(arch, cfg, err);
    if (rc) return rc;
    memset(m, 0, sizeof *m);
    m->arch = arch;
    m->cfg = *cfg;
    for (int i = 0; i < TGDP_CONV_MAX_LEVELS; i++) { /* unused entries 0; dilation 1 stored as 0 */
        if (i >= m->cfg.levels) m->cfg.mult[i] = m->cfg.dilation[i] = 0;
        if (m->cfg.dilation[i] == 1) m->cfg.dilation[i] = 0;
    }
    m->cfg.attn_heads = m->cfg.attn ? conv_attn_heads(&m->cfg) : 0;
    m->skip_w[0] = m->skip_w[1] = m->skip_b[0] = m->skip_b[1] = -1;
    if ((rc = conv_stem_register(m, p, err))) return rc;
    rc = arch == TGDP_ARCH_UNET1D ? unet1d_register(m, p, err) : resnet1d_register(m, p, err);
    if (!rc && cfg->skip) rc = nn_skip_gain_params(m->skip_w, m->skip_b, p, "", 1, tgdp_arch_name(arch), err);
    return rc;
}

/* ---------- initialisation ---------- */
static void fill_const(tgdp_params *p, int idx, float v)
{
    if (idx < 0) return;
    for (size_t i = 0; i < p->info[idx].n; i++) p->w[p->info[idx].off + i] = v;
}

/* PyTorch default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the weight and its bias */
static void init_layer(tgdp_params *p, int w, int b, int fan_in, tgdp_rng *rng)
{
    if (w < 0) return;
    float bound = 1.0f / sqrtf((float)fan_in);
    tgdp_params_init_uniform(p, w, bound, rng);
    if (b >= 0) tgdp_params_init_uniform(p, b, bound, rng);
}

static void init_block(const tgdp_conv_block *b, const tgdp_conv_config *c, tgdp_params *p, tgdp_rng *rng)
{
    tgdp_resblock1d_init_weights(&b->rb, p, rng);
    init_layer(p, b->proj_w, b->proj_b, conv_emb_dim(c), rng);
}

void tgdp_convnet_init_weights(const tgdp_convnet *m, tgdp_params *p, tgdp_rng *rng)
{
    const tgdp_conv_config *c = &m->cfg;
    const int E = conv_emb_dim(c);
    init_layer(p, m->in_w, m->in_b, c->channels * c->kernel, rng);
    init_layer(p, m->t1_w, m->t1_b, 2 * c->temb, rng);
    init_layer(p, m->t2_w, m->t2_b, E, rng);
    if (m->label >= 0) tgdp_rng_fill_normal(rng, p->w + p->info[m->label].off, p->info[m->label].n, 0, 1);
    for (int i = 0; i < m->n_down; i++) init_block(&m->down[i], c, p, rng);
    if (m->arch == TGDP_ARCH_UNET1D) init_block(&m->mid, c, p, rng);
    for (int i = 0; i < c->attn; i++) tgdp_attn1d_init_weights(&m->attn[i], p, rng);
    for (int i = 0; i < m->n_up; i++) init_block(&m->up[i], c, p, rng);
    fill_const(p, m->norm_g, 1.0f);
    fill_const(p, m->norm_b, 0.0f);
    if (m->out_w >= 0) init_layer(p, m->out_w, m->out_b, (int)(p->info[m->out_w].shape[1] * c->kernel), rng);
    if (m->head_w >= 0) init_layer(p, m->head_w, m->head_b, (int)p->info[m->head_w].shape[1], rng);
    nn_skip_gain_init(m->skip_w, m->skip_b, p, rng);
}

/* ---------- forward pieces ---------- */
static int fail(tgdp_graph *gr)
{
    return tgdp_graph_fail(gr, TGDP_EINVAL, "convolutional net: invalid input (shape, time or labels)");
}

int conv_input_view(tgdp_graph *gr, const tgdp_convnet *m, int x)
{
    if (x < 0 || gr->failed) return fail(gr);
    const int64_t B = gr->nodes[x].B, C = m->cfg.channels, L = m->cfg.length;
    if ((int64_t)gr->nodes[x].n != B * C * L) return fail(gr);
    return tgdp_view(gr, x, B, C, L);
}

int conv_embedding(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int t, const int64_t *labels, int64_t B,
                   int *e)
{
    const tgdp_conv_config *c = &m->cfg;
    *e = -1;
    if (!conv_conditioned(c)) return 0;
    int h = -1;
    if (c->time_mode == TGDP_TIME_FOURIER) {
        if (t < 0 || gr->nodes[t].B != B) return fail(gr);
        h = tgdp_fourier(gr, t, c->temb);
        h = tgdp_linear(gr, h, tgdp_param(gr, p, m->t1_w), tgdp_param(gr, p, m->t1_b));
        h = tgdp_act_node(gr, h, TGDP_ACT_SILU);
        h = tgdp_linear(gr, h, tgdp_param(gr, p, m->t2_w), tgdp_param(gr, p, m->t2_b));
    }
    if (c->n_classes > 0) {
        if (!labels) return fail(gr);
        int l = tgdp_embed(gr, labels, B, tgdp_param(gr, p, m->label));
        h = h >= 0 ? tgdp_add(gr, h, l, 1.0f) : l;
    }
    *e = tgdp_act_node(gr, h, TGDP_ACT_SILU);
    return gr->failed ? -1 : 0;
}

int conv_block_forward(tgdp_graph *gr, const tgdp_conv_block *b, tgdp_params *p, int x, int e)
{
    int temb = -1;
    if (b->proj_w >= 0) {
        if (e < 0) return fail(gr);
        temb = tgdp_linear(gr, e, tgdp_param(gr, p, b->proj_w), tgdp_param(gr, p, b->proj_b));
    }
    if (gr->failed) return -1;
    return tgdp_resblock1d_forward(gr, &b->rb, p, x, temb);
}

int conv_pad_end(tgdp_graph *gr, int h, int64_t Lt)
{
    if (h < 0 || gr->failed) return fail(gr);
    const int64_t B = gr->nodes[h].B, C = gr->nodes[h].C, Lh = gr->nodes[h].L;
    if (Lh == Lt) return h;
    if (Lh > Lt) return fail(gr);
    /* [B, C, Lh] viewed as B*C rows of Lh: concatenating a zero block along dimension 1 pads every row */
    float *z = tgdp_arena_zeros(gr->arena, (size_t)(B * C * (Lt - Lh)));
    if (!z) return fail(gr);
    int zn = tgdp_input(gr, z, B * C, Lt - Lh, 1, 0);
    int cat = tgdp_concat(gr, tgdp_view(gr, h, B * C, Lh, 1), zn);
    return tgdp_view(gr, cat, B, C, Lt);
}

int conv_norm_act(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int h)
{
    return tgdp_groupnorm_act(gr, h, m->cfg.groups, tgdp_param(gr, p, m->norm_g), tgdp_param(gr, p, m->norm_b),
                              TGDP_ACT_SILU);
}

int conv_pool(tgdp_graph *gr, int h)
{
    if (h < 0 || gr->failed) return fail(gr);
    return tgdp_mean_inner(gr, h, gr->nodes[h].C);
}

/* ---------- dispatch ---------- */
int tgdp_convnet_forward(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int x, int t, const int64_t *labels)
{
    int h = m->arch == TGDP_ARCH_UNET1D ? unet1d_forward(gr, m, p, x, t, labels, 0)
                                        : resnet1d_forward(gr, m, p, x, t, labels, 0);
    if (h < 0 || gr->failed || !m->cfg.skip) return h;
    return nn_skip_gain_apply(gr, m->skip_w, m->skip_b, p, h, x, t); /* + g(t) x */
}

int tgdp_convnet_features(tgdp_graph *gr, const tgdp_convnet *m, tgdp_params *p, int x, int t, const int64_t *labels)
{
    if (m->head_w < 0) return fail(gr);
    return m->arch == TGDP_ARCH_UNET1D ? unet1d_forward(gr, m, p, x, t, labels, 1)
                                       : resnet1d_forward(gr, m, p, x, t, labels, 1);
}

int tgdp_convnet_feature_dim(const tgdp_convnet *m)
{
    if (m->head_w < 0) return 0;
    return m->arch == TGDP_ARCH_UNET1D ? conv_ch(&m->cfg, 0) : conv_ch(&m->cfg, m->cfg.levels - 1);
}

int conv_register_stages(tgdp_convnet *m, const char *name, int *cin, tgdp_params *p, tgdp_error *err)
{
    const tgdp_conv_config *c = &m->cfg;
    char prefix[48];
    int rc = 0;
    for (int i = 0; i < c->levels && !rc; i++)
        for (int j = 0; j < c->blocks && !rc; j++) {
            snprintf(prefix, sizeof prefix, "%s.%d.%d.", name, i, j);
            rc = conv_block_register(&m->down[m->n_down++], c, i, *cin, conv_ch(c, i), p, prefix, err);
            *cin = conv_ch(c, i);
        }
    return rc;
}

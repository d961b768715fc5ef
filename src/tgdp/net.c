/* tgdp_net: a network over (x, t, label) of any architecture (MLP, unet1d, resnet1d) with its
 * role, what it takes and gives, and batched evaluation helpers. */
#include "tgdp/tgdp.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

#define EVAL_CHUNK 4096
/* MLP evaluations run in chunks of this many rows, several chunks at once on the threads (each
 * with single-threaded GEMMs and its own arena); the chunks depend on the rows only, so the
 * result is the same on any number of threads */
#define EVAL_MLP_CHUNK 1024
/* bytes of graph buffers one evaluation chunk of a convolutional net may use, and its rows at
 * most (a window is much work per row: chunks of a few rows on the threads at once, each
 * single-threaded, spare the per-op thread synchronisation of small tensors) */
#define CONV_CHUNK_BYTES ((size_t)192 << 20)
#define EVAL_CONV_CHUNK 16

static const char *const role_names[] = {"eps", "classifier", "time_classifier", "guidance"};

const char *tgdp_role_name(tgdp_role r) { return (r >= 0 && r <= TGDP_ROLE_GUIDANCE) ? role_names[r] : "?"; }

int tgdp_role_parse(const char *s, tgdp_role *out)
{
    for (int i = 0; i <= TGDP_ROLE_GUIDANCE; i++)
        if (strcmp(s, role_names[i]) == 0) {
            *out = (tgdp_role)i;
            return TGDP_OK;
        }
    return TGDP_EINVAL;
}

/* registers the parameters of cfg in net->p (names, shapes, offsets; nothing allocated yet) */
static int net_register(tgdp_net *net, tgdp_role role, const tgdp_net_config *cfg, tgdp_error *err)
{
    memset(net, 0, sizeof *net);
    net->role = role;
    net->arch = cfg->arch;
    tgdp_params_init(&net->p);
    if (cfg->arch == TGDP_ARCH_MLP) return tgdp_mlp_register(&net->mlp, &cfg->mlp, &net->p, "", err);
    if (cfg->arch == TGDP_ARCH_UNET1D || cfg->arch == TGDP_ARCH_RESNET1D)
        return tgdp_convnet_register(&net->conv, cfg->arch, &cfg->conv, &net->p, err);
    return tgdp_fail(err, TGDP_EINVAL, "unknown network architecture %d", (int)cfg->arch);
}

int tgdp_net_param_count(tgdp_role role, const tgdp_net_config *cfg, size_t *n, tgdp_error *err)
{
    tgdp_net tmp;
    int rc = net_register(&tmp, role, cfg, err);
    *n = rc ? 0 : tmp.p.n;
    tgdp_params_free(&tmp.p);
    return rc;
}

int tgdp_net_create_arch(tgdp_net *net, tgdp_role role, const tgdp_net_config *cfg, uint64_t seed, tgdp_error *err)
{
    int rc = net_register(net, role, cfg, err);
    if (!rc) rc = tgdp_params_alloc(&net->p, err);
    if (rc) {
        tgdp_params_free(&net->p);
        return rc;
    }
    tgdp_rng r = tgdp_rng_new(seed);
    if (cfg->arch == TGDP_ARCH_MLP) tgdp_mlp_init_weights(&net->mlp, &net->p, &r);
    else tgdp_convnet_init_weights(&net->conv, &net->p, &r);
    return TGDP_OK;
}

int tgdp_net_create(tgdp_net *net, tgdp_role role, const tgdp_mlp_config *cfg, uint64_t seed, tgdp_error *err)
{
    tgdp_net_config c;
    memset(&c, 0, sizeof c);
    c.arch = TGDP_ARCH_MLP;
    c.mlp = *cfg;
    return tgdp_net_create_arch(net, role, &c, seed, err);
}

int tgdp_net_create_ecg_unet1d(tgdp_net *net, int n_classes, uint64_t seed, tgdp_error *err)
{
    tgdp_net_config c;
    memset(&c, 0, sizeof c);
    c.arch = TGDP_ARCH_UNET1D;
    tgdp_conv_config_default(&c.conv, TGDP_ARCH_UNET1D, 12, 250, 12 * 250, 1, n_classes);
    return tgdp_net_create_arch(net, TGDP_ROLE_EPS, &c, seed, err);
}

int tgdp_net_create_ecg_resnet1d(tgdp_net *net, tgdp_role role, int n_classes, uint64_t seed, tgdp_error *err)
{
    if (role == TGDP_ROLE_EPS) return tgdp_fail(err, TGDP_EINVAL, "the ECG resnet1d is a classifier or guidance network");
    tgdp_net_config c;
    memset(&c, 0, sizeof c);
    c.arch = TGDP_ARCH_RESNET1D;
    tgdp_conv_config_default(&c.conv, TGDP_ARCH_RESNET1D, 12, 250, 1, role != TGDP_ROLE_CLASSIFIER, n_classes);
    return tgdp_net_create_arch(net, role, &c, seed, err);
}

void tgdp_net_get_config(const tgdp_net *net, tgdp_net_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->arch = net->arch;
    if (net->arch == TGDP_ARCH_MLP) cfg->mlp = net->mlp.cfg;
    else cfg->conv = net->conv.cfg;
}

int tgdp_net_copy(tgdp_net *dst, const tgdp_net *src, tgdp_error *err)
{
    tgdp_net_config c;
    tgdp_net_get_config(src, &c);
    int rc = tgdp_net_create_arch(dst, src->role, &c, 0, err);
    if (rc) return rc;
    dst->hparam = src->hparam;
    memcpy(dst->p.w, src->p.w, src->p.n * sizeof(float));
    return TGDP_OK;
}

void tgdp_net_free(tgdp_net *net) { tgdp_params_free(&net->p); }

static int is_conv(const tgdp_net *net) { return net->arch != TGDP_ARCH_MLP; }

int tgdp_net_time_input(const tgdp_net *net)
{
    return (is_conv(net) ? net->conv.cfg.time_mode : net->mlp.cfg.time_mode) != TGDP_TIME_NONE;
}

int tgdp_net_in_dim(const tgdp_net *net)
{
    return is_conv(net) ? net->conv.cfg.channels * net->conv.cfg.length : net->mlp.cfg.in_dim;
}

int tgdp_net_out_dim(const tgdp_net *net) { return is_conv(net) ? net->conv.cfg.out_dim : net->mlp.cfg.out_dim; }

int tgdp_net_n_classes(const tgdp_net *net) { return is_conv(net) ? net->conv.cfg.n_classes : net->mlp.cfg.n_classes; }

int tgdp_net_sample_shape(const tgdp_net *net, int64_t shape[2])
{
    if (!is_conv(net)) {
        shape[0] = net->mlp.cfg.in_dim;
        shape[1] = 1;
        return 1;
    }
    shape[0] = net->conv.cfg.channels;
    shape[1] = net->conv.cfg.length;
    return 2;
}

void tgdp_net_describe(const tgdp_net *net, char *buf, size_t cap)
{
    size_t l = 0;
    if (!is_conv(net)) {
        l = (size_t)snprintf(buf, cap, "mlp ");
        for (int i = 0; i < net->mlp.cfg.n_hidden && l < cap; i++)
            l += (size_t)snprintf(buf + l, cap - l, i ? ",%d" : "%d", net->mlp.cfg.hidden[i]);
        return;
    }
    const tgdp_conv_config *c = &net->conv.cfg;
    l = (size_t)snprintf(buf, cap, "%s [%d, %d] width %d mult ", tgdp_arch_name(net->arch), c->channels, c->length,
                         c->width);
    for (int i = 0; i < c->levels && l < cap; i++) l += (size_t)snprintf(buf + l, cap - l, i ? ",%d" : "%d", c->mult[i]);
    if (l < cap) l += (size_t)snprintf(buf + l, cap - l, " blocks %d kernel %d", c->blocks, c->kernel);
    int dilated = 0;
    for (int i = 0; i < c->levels; i++) dilated |= tgdp_conv_dilation(c, i) > 1;
    for (int i = 0; dilated && i < c->levels && l < cap; i++)
        l += (size_t)snprintf(buf + l, cap - l, i ? ",%d" : " dilation %d", tgdp_conv_dilation(c, i));
    if (c->attn && l < cap) snprintf(buf + l, cap - l, " attention %d x %d heads", c->attn, c->attn_heads);
}

int tgdp_net_pooled_dim(const tgdp_net *net) { return is_conv(net) ? tgdp_convnet_feature_dim(&net->conv) : 0; }

int tgdp_net_build(tgdp_graph *gr, tgdp_net *net, int x, int t, const int64_t *labels)
{
    if (!tgdp_net_time_input(net)) t = -1;
    if (is_conv(net)) return tgdp_convnet_forward(gr, &net->conv, &net->p, x, t, labels);
    return tgdp_mlp_forward(gr, &net->mlp, &net->p, x, t, labels);
}

static int check_net_input(const tgdp_net *net, const float *t, const int64_t *labels, tgdp_error *err)
{
    if (tgdp_net_time_input(net) && !t) return tgdp_fail(err, TGDP_EINVAL, "%s network needs a time input", tgdp_role_name(net->role));
    if (tgdp_net_n_classes(net) > 0 && !labels)
        return tgdp_fail(err, TGDP_EINVAL, "%s network is label-conditional: labels are required",
                         tgdp_role_name(net->role));
    return TGDP_OK;
}

/* rows [s, s+b) of a batched evaluation as a fresh graph in ar; *xi gets the input node */
static int build_chunk(tgdp_net *net, tgdp_arena *ar, tgdp_graph *gr, int64_t s, int64_t b, const float *x,
                       const float *t, const int64_t *labels, int x_grad, int features, int *xi)
{
    const int d = tgdp_net_in_dim(net);
    tgdp_arena_reset(ar);
    tgdp_graph_init(gr, ar);
    *xi = tgdp_input(gr, x + s * d, b, d, 1, x_grad);
    int ti = t ? tgdp_input(gr, t + s, b, 1, 1, 0) : -1;
    if (features) return tgdp_convnet_features(gr, &net->conv, &net->p, *xi, tgdp_net_time_input(net) ? ti : -1, labels ? labels + s : NULL);
    return tgdp_net_build(gr, net, *xi, ti, labels ? labels + s : NULL);
}

/* Rows per evaluation chunk: EVAL_MLP_CHUNK for an MLP; for a convolutional net EVAL_CONV_CHUNK, or
 * fewer when they do not fit in CONV_CHUNK_BYTES of graph buffers, measured on one sample
 * (backward needs about 3x). */
static int64_t chunk_rows(tgdp_net *net, tgdp_arena *ar, const float *x, const float *t, const int64_t *labels,
                          int backward)
{
    if (!is_conv(net)) return EVAL_MLP_CHUNK;
    tgdp_graph gr;
    int xi;
    if (build_chunk(net, ar, &gr, 0, 1, x, t, labels, 0, 0, &xi) < 0) return 1;
    size_t per = ar->used_total * (backward ? 3 : 1) + 1;
    int64_t rows = (int64_t)(CONV_CHUNK_BYTES / per);
    return rows < 1 ? 1 : rows > EVAL_CONV_CHUNK ? EVAL_CONV_CHUNK : rows;
}

/* one chunk of a batched evaluation: rows [s, s + b) into out, in arena ar */
typedef struct eval_job {
    tgdp_net *net;
    const float *x, *t;
    const int64_t *labels;
    int features, x_grad, od; /* x_grad: the input gradient (seeded with seed) instead of the output */
    tgdp_act act;
    const float *seed;
    float *out;
    tgdp_error *err; /* the first failure of any chunk (message of its graph) */
} eval_job;

/* records the first failing chunk's graph error */
static int chunk_failed(const eval_job *j, const tgdp_graph *gr)
{
    tgdp_error e;
    int code = tgdp_graph_error(gr, &e, j->x_grad ? "input gradient" : "network evaluation");
#pragma omp critical
    {
        if (j->err && !j->err->code) *j->err = e;
    }
    return code;
}

static int eval_chunk(const eval_job *j, tgdp_arena *ar, int64_t s, int64_t b)
{
    tgdp_graph gr;
    int xi;
    int o = build_chunk(j->net, ar, &gr, s, b, j->x, j->t, j->labels, j->x_grad, j->features, &xi);
    if (!j->x_grad) {
        if (o < 0) return chunk_failed(j, &gr);
        memcpy(j->out + s * j->od, gr.nodes[o].v, (size_t)(b * j->od) * sizeof(float));
        return TGDP_OK;
    }
    if (o >= 0 && j->act != TGDP_ACT_IDENTITY) o = tgdp_act_node(&gr, o, j->act);
    if (o < 0 || tgdp_graph_backward(&gr, o, j->seed, NULL, 0)) return chunk_failed(j, &gr);
    memcpy(j->out + s * j->od, gr.nodes[xi].g, (size_t)(b * j->od) * sizeof(float));
    return TGDP_OK;
}

/* rows [0, n) in chunks of `chunk` rows: several chunks at once outside a parallel region, one
 * after the other inside one */
static int eval_chunks(const eval_job *j, tgdp_arena *ar, int64_t n, int64_t chunk)
{
    const int64_t nc = (n + chunk - 1) / chunk;
    int T = omp_in_parallel() ? 1 : omp_get_max_threads();
    if ((int64_t)T > nc) T = (int)nc;
    if (T > 1 && tgdp_arena_kids(ar, T)) T = 1;
    int rc = TGDP_OK;
    if (T == 1) { /* no enclosing region (not even an inactive one): OpenBLAS and the element-wise
                   * loops then use the threads' own pool; inside one they would start another */
        for (int64_t c = 0; c < nc && !rc; c++) rc = eval_chunk(j, ar, c * chunk, n - c * chunk < chunk ? n - c * chunk : chunk);
        return rc;
    }
#pragma omp parallel for num_threads(T) schedule(dynamic, 1) reduction(| : rc)
    for (int64_t c = 0; c < nc; c++) {
        const int64_t s = c * chunk, b = n - s < chunk ? n - s : chunk;
        rc |= eval_chunk(j, tgdp_arena_kid(ar, omp_get_thread_num()), s, b);
    }
    return rc;
}

static int eval_rows(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t, const int64_t *labels,
                     int features, int od, float *out, tgdp_error *err)
{
    int rc = check_net_input(net, t, labels, err);
    if (rc) return rc;
    if (n <= 0) return TGDP_OK;
    tgdp_error e = {0, ""};
    const eval_job j = {net, x, t, labels, features, 0, od, TGDP_ACT_IDENTITY, NULL, out, &e};
    if (eval_chunks(&j, ar, n, chunk_rows(net, ar, x, t, labels, 0)))
        return e.code ? tgdp_fail(err, e.code, "%s", e.msg) : tgdp_fail(err, TGDP_ENOMEM, "network evaluation: out of memory");
    return TGDP_OK;
}

int tgdp_net_eval(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t, const int64_t *labels,
                  float *out, tgdp_error *err)
{
    return eval_rows(net, ar, n, x, t, labels, 0, tgdp_net_out_dim(net), out, err);
}

int tgdp_net_pooled_features(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t, const int64_t *labels,
                      float *out, tgdp_error *err)
{
    const int F = tgdp_net_pooled_dim(net);
    if (F <= 0)
        return tgdp_fail(err, TGDP_EINVAL, "a %s network has no pooled feature vector (use resnet1d)",
                         tgdp_arch_name(net->arch));
    return eval_rows(net, ar, n, x, t, labels, 1, F, out, err);
}

int tgdp_net_input_grad(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t,
                        const int64_t *labels, tgdp_act act, float scale, float *out, tgdp_error *err)
{
    int rc = check_net_input(net, t, labels, err);
    if (rc) return rc;
    const int d = tgdp_net_in_dim(net);
    if (tgdp_net_out_dim(net) != 1) return tgdp_fail(err, TGDP_EINVAL, "input gradient needs a scalar-output network");
    if (n <= 0) return TGDP_OK;
    float seed[EVAL_CHUNK];
    for (int i = 0; i < EVAL_CHUNK; i++) seed[i] = scale;
    tgdp_error e = {0, ""};
    const eval_job j = {net, x, t, labels, 0, 1, d, act, seed, out, &e};
    if (eval_chunks(&j, ar, n, chunk_rows(net, ar, x, t, labels, 1)))
        return e.code ? tgdp_fail(err, e.code, "%s", e.msg) : tgdp_fail(err, TGDP_ENOMEM, "input gradient: out of memory");
    return TGDP_OK;
}

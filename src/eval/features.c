/* Feature extractors for the feature-space distances: fixed per-lead ECG statistics, and the
 * penultimate activations of a trained classifier (e.g. one trained on source data). */
#include "eval/eval_net.h"
#include "tgdp/ecg_eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAT_PER_LEAD 12
#define HAAR_LEVELS 5
#define NET_CHUNK 1024

void tgdp_feature_extractor_free(tgdp_feature_extractor *fe)
{
    if (!fe) return;
    if (fe->free_ctx && fe->ctx) fe->free_ctx(fe->ctx);
    memset(fe, 0, sizeof *fe);
}

int tgdp_features(const tgdp_feature_extractor *fe, int64_t n, int d, const float *x, float *out, tgdp_error *err)
{
    if (!fe || !fe->fn || fe->dim < 1) return tgdp_fail(err, TGDP_EINVAL, "features: no feature extractor");
    if (d != fe->in_dim)
        return tgdp_fail(err, TGDP_EINVAL, "features: windows have %d values but the extractor '%s' takes %d", d,
                         fe->name, fe->in_dim);
    if (n < 0 || (n > 0 && (!x || !out))) return tgdp_fail(err, TGDP_EINVAL, "features: invalid arguments");
    int rc = fe->fn(fe->ctx, n, x, out, err);
    if (!rc) rc = tgdp_check_finite(out, (size_t)n * fe->dim, "features", err);
    return rc;
}

/* ---------- fixed ECG statistics ---------- */
typedef struct stat_ctx {
    int leads, length;
} stat_ctx;

static void lead_stats(const float *x, int L, double *scratch, float *f)
{
    double mean = 0, mn = x[0], mx = x[0];
    for (int i = 0; i < L; i++) {
        mean += x[i];
        if (x[i] < mn) mn = x[i];
        if (x[i] > mx) mx = x[i];
    }
    mean /= L;
    double m2 = 0, m3 = 0, m4 = 0, d1 = 0, d2m = 0, d2s = 0;
    int zc = 0;
    for (int i = 0; i < L; i++) {
        double c = x[i] - mean, c2 = c * c;
        m2 += c2, m3 += c2 * c, m4 += c2 * c2;
        if (i > 0) {
            d1 += fabs((double)x[i] - x[i - 1]);
            if ((x[i] - mean > 0) != (x[i - 1] - mean > 0)) zc++;
        }
    }
    m2 /= L, m3 /= L, m4 /= L;
    for (int i = 2; i < L; i++) d2m += (double)x[i] - 2.0 * x[i - 1] + x[i - 2];
    d2m = L > 2 ? d2m / (L - 2) : 0;
    for (int i = 2; i < L; i++) {
        double v = (double)x[i] - 2.0 * x[i - 1] + x[i - 2] - d2m;
        d2s += v * v;
    }
    const double tiny = 1e-12;
    f[0] = (float)sqrt(m2);
    f[1] = (float)(mx - mn);
    f[2] = (float)(L > 1 ? d1 / (L - 1) : 0);
    f[3] = (float)(L > 2 ? sqrt(d2s / (L - 2)) : 0);
    f[4] = (float)(m2 > tiny ? m3 / pow(m2, 1.5) : 0);
    f[5] = (float)(m2 > tiny ? m4 / (m2 * m2) - 3 : 0);
    f[6] = (float)(L > 1 ? (double)zc / (L - 1) : 0);
    /* Haar wavelet: energy share of the details of levels 1..HAAR_LEVELS (centred signal) */
    int m = L;
    for (int i = 0; i < L; i++) scratch[i] = x[i] - mean;
    double total = 0, det[HAAR_LEVELS] = {0};
    for (int i = 0; i < L; i++) total += scratch[i] * scratch[i];
    for (int lev = 0; lev < HAAR_LEVELS && m >= 2; lev++) {
        int h = m / 2;
        for (int i = 0; i < h; i++) {
            double a = scratch[2 * i], b = scratch[2 * i + 1];
            det[lev] += 0.5 * (a - b) * (a - b);
            scratch[i] = (a + b) / sqrt(2.0);
        }
        m = h;
    }
    for (int lev = 0; lev < HAAR_LEVELS; lev++) f[7 + lev] = (float)(total > tiny ? det[lev] / total : 0);
}

static int stat_fn(void *vctx, int64_t n, const float *x, float *out, tgdp_error *err)
{
    const stat_ctx *c = vctx;
    const int L = c->length, C = c->leads;
    int fail = 0;
#pragma omp parallel
    {
        double *scratch = malloc((size_t)L * sizeof *scratch);
        if (!scratch) {
#pragma omp atomic write
            fail = 1;
        }
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; i++)
            for (int l = 0; l < C && scratch; l++)
                lead_stats(x + ((size_t)i * C + l) * L, L, scratch, out + ((size_t)i * C + l) * STAT_PER_LEAD);
        free(scratch);
    }
    return fail ? tgdp_fail(err, TGDP_ENOMEM, "ECG statistics: out of memory") : TGDP_OK;
}

int tgdp_ecg_stat_features(tgdp_feature_extractor *fe, int n_leads, int length, tgdp_error *err)
{
    memset(fe, 0, sizeof *fe);
    if (n_leads < 1 || length < 4 || (int64_t)n_leads * length > (1 << 24))
        return tgdp_fail(err, TGDP_EINVAL, "ECG statistics: %d leads of %d samples (need >= 1 lead of >= 4 samples)",
                         n_leads, length);
    stat_ctx *c = malloc(sizeof *c);
    if (!c) return tgdp_fail(err, TGDP_ENOMEM, "ECG statistics: out of memory");
    c->leads = n_leads;
    c->length = length;
    fe->fn = stat_fn;
    fe->ctx = c;
    fe->free_ctx = free;
    fe->in_dim = n_leads * length;
    fe->dim = STAT_PER_LEAD * n_leads;
    snprintf(fe->name, sizeof fe->name, "ecg_stats");
    return TGDP_OK;
}

/* ---------- penultimate activations of a network ---------- */
typedef struct net_ctx {
    tgdp_net *net;
    tgdp_net owned; /* tgdp_source_features */
    int own;
    int in_dim, dim;
    tgdp_arena arena;
} net_ctx;

static void net_ctx_free(void *v)
{
    net_ctx *c = v;
    if (c->own) tgdp_net_free(&c->owned);
    tgdp_arena_free(&c->arena);
    free(c);
}

/* Builds rows [0, b) of x and returns the feature node (the input of the final linear layer). */
static int feature_node(net_ctx *c, tgdp_graph *gr, int64_t b, const float *x)
{
    tgdp_arena_reset(&c->arena);
    tgdp_graph_init(gr, &c->arena);
    int xi = tgdp_input(gr, x, b, c->in_dim, 1, 0);
    int out = tgdp_net_build(gr, c->net, xi, -1, NULL);
    if (out < 0 || gr->failed) return -1;
    if (gr->nodes[out].op != TGDP_OP_LINEAR) return -2;
    return gr->nodes[out].in[0];
}

static int net_fn(void *vctx, int64_t n, const float *x, float *out, tgdp_error *err)
{
    net_ctx *c = vctx;
    for (int64_t s = 0; s < n; s += NET_CHUNK) {
        int64_t b = n - s < NET_CHUNK ? n - s : NET_CHUNK;
        tgdp_graph gr;
        int f = feature_node(c, &gr, b, x + (size_t)s * c->in_dim);
        if (f < 0) return tgdp_fail(err, TGDP_ENOMEM, "network features: evaluation failed (out of memory)");
        if ((int64_t)gr.nodes[f].n != b * c->dim)
            return tgdp_fail(err, TGDP_EINVAL, "network features: feature layer changed size");
        memcpy(out + (size_t)s * c->dim, gr.nodes[f].v, (size_t)(b * c->dim) * sizeof(float));
    }
    return TGDP_OK;
}

static int net_features_init(tgdp_feature_extractor *fe, net_ctx *c, int in_dim, tgdp_error *err)
{
    tgdp_arena_init(&c->arena);
    c->in_dim = in_dim;
    if (tgdp_net_time_input(c->net))
        return tgdp_fail(err, TGDP_EINVAL, "network features: the network takes a time input");
    if (eval_net_n_classes(c->net) > 0)
        return tgdp_fail(err, TGDP_EINVAL, "network features: the network is label-conditional");
    float *probe = calloc((size_t)in_dim, sizeof *probe);
    if (!probe) return tgdp_fail(err, TGDP_ENOMEM, "network features: out of memory");
    tgdp_graph gr;
    int f = feature_node(c, &gr, 1, probe);
    free(probe);
    if (f == -2) return tgdp_fail(err, TGDP_EINVAL, "network features: the network does not end in a linear layer");
    if (f < 0) return tgdp_fail(err, TGDP_ENOMEM, "network features: evaluation failed");
    if (gr.nodes[f].n < 1 || gr.nodes[f].n > (1u << 20))
        return tgdp_fail(err, TGDP_EINVAL, "network features: %zu features", gr.nodes[f].n);
    c->dim = (int)gr.nodes[f].n;
    fe->fn = net_fn;
    fe->ctx = c;
    fe->free_ctx = net_ctx_free;
    fe->in_dim = in_dim;
    fe->dim = c->dim;
    snprintf(fe->name, sizeof fe->name, "classifier_penultimate");
    return TGDP_OK;
}

int tgdp_net_features(tgdp_feature_extractor *fe, tgdp_net *net, tgdp_error *err)
{
    memset(fe, 0, sizeof *fe);
    net_ctx *c = calloc(1, sizeof *c);
    if (!c) return tgdp_fail(err, TGDP_ENOMEM, "network features: out of memory");
    c->net = net;
    int rc = net_features_init(fe, c, eval_net_in_dim(net), err);
    if (rc) {
        net_ctx_free(c);
        memset(fe, 0, sizeof *fe);
    }
    return rc;
}

int tgdp_source_features(tgdp_feature_extractor *fe, const tgdp_eval_set *source, const tgdp_eval_classifier_opts *o,
                         tgdp_error *err)
{
    memset(fe, 0, sizeof *fe);
    if (!source || !source->labels || source->n_labels < 1)
        return tgdp_fail(err, TGDP_EINVAL, "source features: the source windows need labels");
    net_ctx *c = calloc(1, sizeof *c);
    if (!c) return tgdp_fail(err, TGDP_ENOMEM, "source features: out of memory");
    int rc = tgdp_eval_classifier_create(&c->owned, o, source->d, source->n_labels, o->seed, err);
    if (rc) {
        free(c);
        return rc;
    }
    c->own = 1;
    c->net = &c->owned;
    rc = tgdp_train_multilabel(c->net, source, o, err);
    if (rc) tgdp_error_prefix(err, "source feature classifier");
    if (!rc) rc = net_features_init(fe, c, source->d, err);
    if (rc) {
        net_ctx_free(c);
        memset(fe, 0, sizeof *fe);
        return rc;
    }
    snprintf(fe->name, sizeof fe->name, "source_classifier_penultimate");
    return TGDP_OK;
}

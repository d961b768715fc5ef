/* The classifiers of the evaluation: construction by architecture name, and label-balanced
 * multi-label training (TSTR/TRTR and the source feature extractor). */
#include "eval/eval_net.h"
#include "tgdp/ecg_eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tgdp_eval_classifier_opts_default(tgdp_eval_classifier_opts *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->arch, sizeof o->arch, "mlp");
    o->n_hidden = 2;
    o->hidden[0] = o->hidden[1] = 256;
    o->n_leads = 12;
    o->steps = 400;
    o->batch = 64;
    o->lr = 1e-3;
    o->weight_decay = 1e-4;
    o->clip = 1.0;
    o->seed = 0;
}

int tgdp_eval_parse_hidden(tgdp_eval_classifier_opts *o, const char *s, tgdp_error *err)
{
    tgdp_mlp_config c;
    memset(&c, 0, sizeof c);
    int rc = tgdp_mlp_parse_hidden(&c, s, err);
    if (rc) return rc;
    if (c.n_hidden > TGDP_EVAL_MAX_HIDDEN)
        return tgdp_fail(err, TGDP_EINVAL, "hidden sizes '%s': at most %d layers", s, TGDP_EVAL_MAX_HIDDEN);
    o->n_hidden = c.n_hidden;
    for (int i = 0; i < c.n_hidden; i++) o->hidden[i] = c.hidden[i];
    return TGDP_OK;
}

/* The one place that maps an architecture name to a network. */
int tgdp_eval_classifier_create(tgdp_net *net, const tgdp_eval_classifier_opts *o, int in_dim, int out_dim,
                                uint64_t seed, tgdp_error *err)
{
    memset(net, 0, sizeof *net);
    if (in_dim < 1 || out_dim < 1)
        return tgdp_fail(err, TGDP_EINVAL, "evaluation classifier: dimensions %d -> %d", in_dim, out_dim);
    if (strcmp(o->arch, "mlp") == 0) {
        if (o->n_hidden < 0 || o->n_hidden > TGDP_EVAL_MAX_HIDDEN)
            return tgdp_fail(err, TGDP_EINVAL, "evaluation classifier: %d hidden layers", o->n_hidden);
        tgdp_mlp_config c;
        memset(&c, 0, sizeof c);
        c.in_dim = in_dim;
        c.out_dim = out_dim;
        c.n_hidden = o->n_hidden;
        for (int i = 0; i < o->n_hidden; i++) c.hidden[i] = o->hidden[i];
        c.time_mode = TGDP_TIME_NONE;
        c.act = TGDP_ACT_SILU;
        return tgdp_net_create(net, TGDP_ROLE_CLASSIFIER, &c, seed, err);
    }
    if (strcmp(o->arch, "resnet1d") == 0) { /* over [n_leads, d / n_leads] */
        if (o->n_leads < 1 || in_dim % o->n_leads)
            return tgdp_fail(err, TGDP_EINVAL, "evaluation classifier: %d values are not %d leads of equal length", in_dim,
                             o->n_leads);
        tgdp_net_config c;
        memset(&c, 0, sizeof c);
        c.arch = TGDP_ARCH_RESNET1D;
        tgdp_conv_config_default(&c.conv, TGDP_ARCH_RESNET1D, o->n_leads, in_dim / o->n_leads, out_dim, 0, 0);
        if (o->width > 0) {
            c.conv.width = o->width;
            c.conv.groups = o->width >= 8 ? 8 : o->width;
        }
        return tgdp_net_create_arch(net, TGDP_ROLE_CLASSIFIER, &c, seed, err);
    }
    return tgdp_fail(err, TGDP_EUNSUPPORTED,
                     "evaluation classifier: architecture '%s' is not available (known: mlp, resnet1d)", o->arch);
}

int tgdp_train_multilabel(tgdp_net *net, const tgdp_eval_set *train, const tgdp_eval_classifier_opts *o,
                          tgdp_error *err)
{
    if (!train || train->n < 1 || !train->x) return tgdp_fail(err, TGDP_EINVAL, "multi-label training: no data");
    const int K = train->n_labels, d = train->d;
    if (!train->labels || K < 1) return tgdp_fail(err, TGDP_EINVAL, "multi-label training: the data have no labels");
    if (eval_net_out_dim(net) != K || eval_net_in_dim(net) != d)
        return tgdp_fail(err, TGDP_EINVAL, "multi-label training: network %d -> %d, data %d -> %d labels",
                         eval_net_in_dim(net), eval_net_out_dim(net), d, K);
    if (o->steps < 1 || o->batch < 1 || !(o->lr > 0))
        return tgdp_fail(err, TGDP_EINVAL, "multi-label training: needs steps, batch and lr > 0");
    int rc = tgdp_check_finite(train->x, (size_t)train->n * d, "multi-label training data", err);
    if (rc) return rc;
    /* label-balanced weights */
    double *wpos = malloc((size_t)K * sizeof *wpos), *wneg = malloc((size_t)K * sizeof *wneg);
    if (!wpos || !wneg) {
        free(wpos), free(wneg);
        return tgdp_fail(err, TGDP_ENOMEM, "multi-label training: out of memory");
    }
    for (int k = 0; k < K; k++) {
        int64_t pos = 0;
        for (int64_t i = 0; i < train->n; i++) pos += train->labels[(size_t)i * K + k] != 0;
        double p = (double)pos / (double)train->n;
        if (pos == 0 || pos == train->n) wpos[k] = wneg[k] = 1;
        else wpos[k] = 0.5 / p, wneg[k] = 0.5 / (1 - p);
    }
    const int B = o->batch;
    tgdp_adam adam;
    if ((rc = tgdp_adam_init(&adam, net->p.n, o->lr, o->weight_decay, err))) {
        free(wpos), free(wneg);
        return rc;
    }
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    tgdp_rng base = tgdp_rng_new(o->seed);
    for (int64_t step = 0; step < o->steps && !rc; step++) {
        tgdp_rng r = tgdp_rng_split(&base, (uint64_t)step);
        tgdp_arena_reset(&ar);
        float *x = tgdp_arena_floats(&ar, (size_t)B * d), *y = tgdp_arena_floats(&ar, (size_t)B * K);
        float *w = tgdp_arena_floats(&ar, (size_t)B * K), *grad = tgdp_arena_floats(&ar, (size_t)B * K);
        if (!x || !y || !w || !grad) {
            rc = tgdp_fail(err, TGDP_ENOMEM, "multi-label training: out of memory in step %lld", (long long)step);
            break;
        }
        for (int b = 0; b < B; b++) {
            int64_t i = (int64_t)tgdp_rng_below(&r, (uint64_t)train->n);
            memcpy(x + (size_t)b * d, train->x + (size_t)i * d, (size_t)d * sizeof(float));
            for (int k = 0; k < K; k++) {
                int on = train->labels[(size_t)i * K + k] != 0;
                y[(size_t)b * K + k] = (float)on;
                w[(size_t)b * K + k] = (float)((on ? wpos[k] : wneg[k]) / ((double)B * K));
            }
        }
        tgdp_graph gr;
        tgdp_graph_init(&gr, &ar);
        int xi = tgdp_input(&gr, x, B, d, 1, 0);
        int out = tgdp_net_build(&gr, net, xi, -1, NULL);
        if (out < 0 || gr.failed) {
            rc = tgdp_fail(err, TGDP_ENOMEM, "multi-label training: building the network failed");
            break;
        }
        double loss = tgdp_bce_logits_loss(gr.nodes[out].v, y, w, (size_t)B * K, grad);
        if (!isfinite(loss)) {
            rc = tgdp_fail(err, TGDP_ENONFINITE, "multi-label training: loss became %g at step %lld", loss,
                           (long long)step + 1);
            break;
        }
        tgdp_params_zero_grad(&net->p);
        tgdp_graph_backward(&gr, out, grad, NULL, 1);
        const float k = o->clip > 0 ? tgdp_clip_factor(tgdp_grad_norm(net->p.g, net->p.n), o->clip) : 1.0f;
        tgdp_adam_step_scaled(&adam, net->p.w, net->p.g, k);
    }
    tgdp_arena_free(&ar);
    tgdp_adam_free(&adam);
    free(wpos), free(wneg);
    return rc;
}

int tgdp_train_test_auroc(const tgdp_eval_set *train, const tgdp_eval_set *test, const tgdp_eval_classifier_opts *o,
                          tgdp_macro_auroc *res, tgdp_error *err)
{
    if (!train || !test || !train->labels || !test->labels || train->n_labels < 1)
        return tgdp_fail(err, TGDP_EINVAL, "train/test AUROC: both sets need labels");
    if (train->n_labels != test->n_labels || train->d != test->d)
        return tgdp_fail(err, TGDP_EINVAL, "train/test AUROC: train has %d labels of %d values, test %d of %d",
                         train->n_labels, train->d, test->n_labels, test->d);
    if (test->n < 1) return tgdp_fail(err, TGDP_EINVAL, "train/test AUROC: empty test set");
    tgdp_net net;
    int rc = tgdp_eval_classifier_create(&net, o, train->d, train->n_labels, o->seed, err);
    if (rc) return rc;
    float *logits = malloc((size_t)test->n * train->n_labels * sizeof *logits);
    if (!logits) rc = tgdp_fail(err, TGDP_ENOMEM, "train/test AUROC: out of memory");
    if (!rc) rc = tgdp_train_multilabel(&net, train, o, err);
    if (!rc) {
        tgdp_arena ar;
        tgdp_arena_init(&ar);
        rc = tgdp_net_eval(&net, &ar, test->n, test->x, NULL, NULL, logits, err);
        tgdp_arena_free(&ar);
    }
    if (!rc) rc = tgdp_macro_auroc_eval(test->n, test->n_labels, logits, test->labels, res, err);
    free(logits);
    tgdp_net_free(&net);
    return rc;
}

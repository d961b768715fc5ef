/* The guidance network h_psi(x_t, t) (paper's Algorithms 3 and 4).
 *
 * Algorithm 3: regress h_psi on the density ratio r(x0) = exp(-logit c(x0)) over SOURCE samples
 * only:  L_guidance = E_{x0~p, t, eps} loss(h_psi(x_t, t), r(x0)), whose minimiser is
 * h* = E_{p(x0|x_t)}[r(x0)] = q_t/p_t. loss is (h - r)^2 (the paper) or, with o->bregman, the
 * Bregman/Poisson loss h - r log h, which has the same minimiser (a conditional mean) but
 * measures the fit relative to h, where the sampler uses grad log h.
 * Optional, documented pre-processing of r: clipping at a quantile, division by its mean
 * (grad log h is unchanged by a constant factor in h).
 *
 * Algorithm 4 adds, on TARGET samples x0' ~ q:
 *   cycle:        eta1 * E loss(h_psi(x_t', t), (1 - c'(x_t', t)) / c'(x_t', t))  (time classifier c')
 *   consistency:  eta2 * E || eps_src(x_t', t) - sigma_t grad_x log h_psi(x_t', t) - eps ||^2 / d
 * The consistency gradient differentiates through grad_x log h_psi: with the residual
 * R = eps_src - sigma grad log h - eps, dL/d(grad log h) = -2 sigma R / (B d) =: v is held fixed and
 * grad_psi [v . grad_x log h_psi] is computed exactly by the tangent pass + backward (nn.h).
 */
#include "tgdp/train_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* log h node from the raw output z */
static tgdp_act log_h_act(const tgdp_net *h) { return h->hparam == TGDP_H_EXP ? TGDP_ACT_IDENTITY : TGDP_ACT_LOG_SOFTPLUS; }
static tgdp_act h_act(const tgdp_net *h) { return h->hparam == TGDP_H_EXP ? TGDP_ACT_EXP : TGDP_ACT_SOFTPLUS; }

/* loss between h and its regression target; grad gets weight * dloss/dh; returns the mean loss */
static double h_loss(const float *h, const float *target, int B, int bregman, double weight, float *grad)
{
    double s = 0;
    for (int i = 0; i < B; i++) {
        double hi = h[i], ri = target[i];
        if (bregman) {
            double hs = hi > 1e-30 ? hi : 1e-30;
            s += hi - ri * log(hs);
            grad[i] = (float)(weight * (1.0 - ri / hs) / B);
        } else {
            s += (hi - ri) * (hi - ri);
            grad[i] = (float)(weight * 2.0 * (hi - ri) / B);
        }
    }
    return s / B;
}

/* one regression term: loss(h(x_t, t), target) accumulated into the parameter gradients */
static int regression_term(tgdp_net *h, tgdp_arena *ar, int B, int d, const float *xt, const float *t,
                           const int64_t *y, const float *target, int bregman, double weight, double *loss,
                           tgdp_error *err)
{
    tgdp_graph gr;
    tgdp_graph_init(&gr, ar);
    int xi = tgdp_input(&gr, xt, B, d, 1, 0), ti = tgdp_input(&gr, t, B, 1, 1, 0);
    int hz = tgdp_act_node(&gr, tgdp_net_build(&gr, h, xi, ti, y), h_act(h));
    float *grad = tgdp_arena_floats(ar, (size_t)B);
    if (hz < 0 || !grad) return tgdp_graph_error(&gr, err, "guidance regression");
    *loss = h_loss(gr.nodes[hz].v, target, B, bregman, weight, grad);
    if (tgdp_graph_backward(&gr, hz, grad, NULL, 1)) return tgdp_graph_error(&gr, err, "guidance regression");
    return TGDP_OK;
}

/* consistency term on a noised target batch; eps_s = source model's prediction at (x_t, t) */
int tgdp_consistency_term(tgdp_net *h, tgdp_arena *ar, const tgdp_schedule *s, int B, int d, const float *xt,
                            const float *t, const int64_t *y, const float *eps, const float *eps_s, double weight,
                            double *loss, tgdp_error *err)
{
    tgdp_graph gr;
    tgdp_graph_init(&gr, ar);
    int xi = tgdp_input(&gr, xt, B, d, 1, 1), ti = tgdp_input(&gr, t, B, 1, 1, 0);
    int lh = tgdp_act_node(&gr, tgdp_net_build(&gr, h, xi, ti, y), log_h_act(h));
    float *ones = tgdp_arena_floats(ar, (size_t)B), *v = tgdp_arena_floats(ar, (size_t)B * d);
    float *seed = tgdp_arena_floats(ar, (size_t)B);
    if (lh < 0 || !ones || !v || !seed) return tgdp_graph_error(&gr, err, "consistency term");
    for (int i = 0; i < B; i++) ones[i] = 1.0f;
    /* first backward: g = grad_x log h (no parameter gradients) */
    if (tgdp_graph_backward(&gr, lh, ones, NULL, 0)) return tgdp_graph_error(&gr, err, "consistency term");
    const float *g = gr.nodes[xi].g;
    double sum = 0;
    for (int i = 0; i < B; i++) {
        double sg = tgdp_schedule_sigma(s, t[i]);
        for (int j = 0; j < d; j++) {
            size_t k = (size_t)i * d + j;
            double res = (double)eps_s[k] - sg * g[k] - eps[k];
            sum += res * res;
            v[k] = (float)(-2.0 * sg * res / ((double)B * d));
        }
    }
    *loss = sum / ((double)B * d);
    /* second pass: grad_psi [v . grad_x log h] via the tangent along v */
    tgdp_graph_zero_grads(&gr);
    if (tgdp_graph_tangent(&gr, xi, v)) return tgdp_graph_error(&gr, err, "consistency term");
    for (int i = 0; i < B; i++) seed[i] = (float)weight;
    if (tgdp_graph_backward(&gr, lh, NULL, seed, 1)) return tgdp_graph_error(&gr, err, "consistency term");
    return TGDP_OK;
}

/* a batch of data rows noised at t ~ U(t_min, 1): x <- alpha_t x0 + sigma_t eps (in place) */
static void noised_batch(tgdp_rng *rg, const tgdp_dataset *data, const tgdp_schedule *s, const tgdp_train_opts *o,
                         int B, float *x, int64_t *y, int64_t *idx, float *t, float *eps)
{
    draw_batch(rg, data, B, x, y, idx);
    draw_times(rg, B, o->t_min, t);
    tgdp_rng_fill_normal(rg, eps, (size_t)B * data->d, 0, 1);
    tgdp_schedule_noise(s, B, data->d, x, t, eps, x);
}

/* clip and normalise the ratios in place as configured; *norm gets the divisor */
static int prepare_ratios(const tgdp_dataset *src, const tgdp_guidance_opts *o, float *r, double *norm, tgdp_error *err)
{
    const int64_t n = src->n;
    if (o->r_clip_quantile > 0 && o->r_clip_quantile < 1) {
        float *tmp = malloc((size_t)n * sizeof *tmp);
        if (!tmp) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
        memcpy(tmp, r, (size_t)n * sizeof *tmp);
        qsort(tmp, (size_t)n, sizeof *tmp, cmp_float);
        float cap = tmp[(size_t)(o->r_clip_quantile * (double)(n - 1))];
        free(tmp);
        for (int64_t i = 0; i < n; i++)
            if (r[i] > cap) r[i] = cap;
    }
    double mean = 0;
    for (int64_t i = 0; i < n; i++) mean += r[i];
    mean /= (double)n;
    *norm = 1.0;
    if (o->normalize_r && mean > 0) {
        *norm = mean;
        for (int64_t i = 0; i < n; i++) r[i] = (float)(r[i] / mean);
    }
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(r[i])) return tgdp_fail(err, TGDP_ENONFINITE, "density ratio of source sample %lld is %g", (long long)i, (double)r[i]);
    return TGDP_OK;
}

int tgdp_train_guidance(tgdp_net *h, tgdp_net *cls, tgdp_net *tcls, tgdp_net *eps_src, const tgdp_schedule *s,
                        const tgdp_dataset *src, const tgdp_dataset *tgt, const tgdp_train_opts *o,
                        const tgdp_guidance_opts *go, tgdp_train_result *res, tgdp_error *err)
{
    if (tgdp_net_n_classes(cls) != tgdp_net_n_classes(h))
        return tgdp_fail(err, TGDP_EINVAL, "classifier and guidance network disagree on label conditioning");
    int rc = check_dataset(src, cls, "source", err);
    if (rc) return rc;
    float *r = malloc((size_t)src->n * sizeof *r);
    if (!r) return tgdp_fail(err, TGDP_ENOMEM, "out of memory for %lld ratios", (long long)src->n);
    tgdp_arena ar;
    tgdp_arena_init(&ar);
    rc = tgdp_density_ratio(cls, &ar, src, r, NULL, err);
    tgdp_arena_free(&ar);
    if (!rc) rc = tgdp_train_guidance_ratios(h, r, tcls, eps_src, s, src, tgt, o, go, res, err);
    free(r);
    return rc;
}

/* one batch of a guidance step: noised rows x at times t (noise eps), labels y, regression
 * targets (the ratios for the source batch; filled per chunk for the cycle term), source rows */
typedef struct guidance_batch {
    float *x, *t, *eps, *target;
    int64_t *y, *idx;
} guidance_batch;

typedef struct guidance_chunk_ctx {
    tgdp_net *tcls, *eps_src;
    const tgdp_schedule *s;
    const tgdp_guidance_opts *o;
    int d;
    double norm;
    guidance_batch b[3];
    guidance_batch *cyc, *con; /* NULL when the term is off */
} guidance_chunk_ctx;

/* Algorithm 3's term, and Algorithm 4's cycle and consistency terms, on one chunk of the rows
 * (train_run_chunks); each term's mean over the chunk is weighted by frac, its share of the mean
 * over the global batch */
static int guidance_chunk(void *ctx, train_chunk *c)
{
    const guidance_chunk_ctx *cx = ctx;
    const tgdp_guidance_opts *o = cx->o;
    const int d = cx->d, nb = c->rows.n;
    const int64_t lo = c->rows.lo;
    const size_t o0 = (size_t)lo * d;
    const double frac = c->rows.frac;
    tgdp_net *h = &c->net;
    const guidance_batch *b = &cx->b[0];
    double l;
    int rc = regression_term(h, c->ar, nb, d, b->x + o0, b->t + lo, b->y + lo, b->target + lo, o->bregman, frac, &l,
                             &c->err);
    if (rc) return rc;
    c->loss += frac * l;
    if ((b = cx->cyc)) { /* cycle term: h(x_t', t) ~ (1 - c')/c' = exp(-logit c'(x_t', t)) on target samples */
        if ((rc = tgdp_net_eval(cx->tcls, c->ev, nb, b->x + o0, b->t + lo, b->y + lo, b->target + lo, &c->err)))
            return rc;
        for (int64_t i = lo; i < lo + nb; i++) b->target[i] = (float)(exp(-(double)b->target[i]) / cx->norm);
        if ((rc = regression_term(h, c->ar, nb, d, b->x + o0, b->t + lo, b->y + lo, b->target + lo, o->bregman,
                                  o->eta_cycle * frac, &l, &c->err)))
            return tgdp_error_prefix(&c->err, "cycle term");
        c->loss += o->eta_cycle * frac * l;
    }
    if ((b = cx->con)) { /* consistency term on fresh target samples */
        float *aux = tgdp_arena_floats(c->ar, (size_t)nb * d);
        if (!aux) return tgdp_fail(&c->err, TGDP_ENOMEM, "consistency term: out of memory");
        if ((rc = tgdp_net_eval(cx->eps_src, c->ev, nb, b->x + o0, b->t + lo, b->y + lo, aux, &c->err))) return rc;
        if ((rc = tgdp_consistency_term(h, c->ar, cx->s, nb, d, b->x + o0, b->t + lo, b->y + lo, b->eps + o0, aux,
                                        o->eta_consistency * frac, &l, &c->err)))
            return rc;
        c->loss += o->eta_consistency * frac * l;
    }
    return TGDP_OK;
}

int tgdp_train_guidance_ratios(tgdp_net *h, const float *r_in, tgdp_net *tcls, tgdp_net *eps_src,
                               const tgdp_schedule *s, const tgdp_dataset *src, const tgdp_dataset *tgt,
                               const tgdp_train_opts *o, const tgdp_guidance_opts *go, tgdp_train_result *res,
                               tgdp_error *err)
{
    static const tgdp_guidance_opts no_go;
    if (!go) go = &no_go;
    int rc = check_dataset(src, h, "source", err);
    if (rc) return rc;
    if (tgdp_net_out_dim(h) != 1) return tgdp_fail(err, TGDP_EINVAL, "the guidance network has one output");
    const int cyc = go->eta_cycle > 0, con = go->eta_consistency > 0;
    if ((cyc || con) && (rc = check_dataset(tgt, h, "target", err))) return rc;
    if (cyc && !tcls) return tgdp_fail(err, TGDP_EINVAL, "the cycle regulariser needs a time-dependent classifier");
    if (con && !eps_src) return tgdp_fail(err, TGDP_EINVAL, "the consistency regulariser needs the source model");
    float *r = malloc((size_t)src->n * sizeof *r);
    if (!r) return tgdp_fail(err, TGDP_ENOMEM, "out of memory for %lld ratios", (long long)src->n);
    memcpy(r, r_in, (size_t)src->n * sizeof *r);
    train_state st;
    train_fp fp;
    train_fp_init(&fp, "guidance");
    train_fp_schedule(&fp, s);
    train_fp_data(&fp, "source", src);
    train_fp_floats(&fp, "ratios", r_in, (size_t)src->n);
    train_fp_data(&fp, "target", cyc || con ? tgt : NULL);
    train_fp_net(&fp, "time-classifier", cyc ? tcls : NULL);
    train_fp_net(&fp, "source-model", con ? eps_src : NULL);
    double norm = 1;
    if ((rc = train_begin(&st, h, o, NULL, go, res, &fp, err))) {
        free(r);
        return rc;
    }
    rc = prepare_ratios(src, go, r, &norm, err);
    const int B = o->batch, d = src->d;
    tgdp_rng base = tgdp_rng_new(o->seed);
    for (int64_t step = st.start; step < o->steps && !rc; step++) {
        tgdp_rng rg = tgdp_rng_split(&base, (uint64_t)step);
        tgdp_arena_reset(&st.arena);
        /* the step's batches, drawn in a fixed order: source (Algorithm 3), then target for the
         * cycle term, then target for the consistency term */
        guidance_chunk_ctx cx = {.tcls = tcls, .eps_src = eps_src, .s = s, .o = go, .d = d, .norm = norm};
        int nbat = 1 + cyc + con, ok = 1;
        for (int k = 0; k < nbat; k++) {
            guidance_batch *gb = &cx.b[k];
            gb->x = tgdp_arena_floats(&st.arena, (size_t)B * d);
            gb->t = tgdp_arena_floats(&st.arena, (size_t)B);
            gb->eps = tgdp_arena_floats(&st.arena, (size_t)B * d);
            gb->target = tgdp_arena_floats(&st.arena, (size_t)B);
            gb->y = tgdp_arena_alloc(&st.arena, (size_t)B * sizeof(int64_t));
            gb->idx = tgdp_arena_alloc(&st.arena, (size_t)B * sizeof(int64_t));
            ok = ok && gb->x && gb->t && gb->eps && gb->target && gb->y && gb->idx;
        }
        if (!ok) {
            rc = tgdp_fail(err, TGDP_ENOMEM, "out of memory in the training step");
            break;
        }
        noised_batch(&rg, src, s, o, B, cx.b[0].x, cx.b[0].y, cx.b[0].idx, cx.b[0].t, cx.b[0].eps);
        for (int i = 0; i < B; i++) cx.b[0].target[i] = r[cx.b[0].idx[i]];
        cx.cyc = cyc ? &cx.b[1] : NULL;
        cx.con = con ? &cx.b[1 + cyc] : NULL;
        if (cx.cyc) noised_batch(&rg, tgt, s, o, B, cx.cyc->x, cx.cyc->y, NULL, cx.cyc->t, cx.cyc->eps);
        if (cx.con) noised_batch(&rg, tgt, s, o, B, cx.con->x, cx.con->y, NULL, cx.con->t, cx.con->eps);
        double loss = 0;
        if ((rc = train_run_chunks(&st, h, B, guidance_chunk, &cx, &loss, err))) break;
        rc = train_step_end(&st, h, step, loss, err);
    }
    free(r);
    train_end(&st, h);
    return rc;
}

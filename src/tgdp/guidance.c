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
                           const int64_t *y, const float *target, int bregman, double weight, double *loss)
{
    tgdp_graph gr;
    tgdp_graph_init(&gr, ar);
    int xi = tgdp_input(&gr, xt, B, d, 1, 0), ti = tgdp_input(&gr, t, B, 1, 1, 0);
    int hz = tgdp_act_node(&gr, tgdp_net_build(&gr, h, xi, ti, y), h_act(h));
    float *grad = tgdp_arena_floats(ar, (size_t)B);
    if (hz < 0 || !grad) return TGDP_ENOMEM;
    *loss = h_loss(gr.nodes[hz].v, target, B, bregman, weight, grad);
    return tgdp_graph_backward(&gr, hz, grad, NULL, 1);
}

/* consistency term on a noised target batch; eps_s = source model's prediction at (x_t, t) */
int tgdp_consistency_term(tgdp_net *h, tgdp_arena *ar, const tgdp_schedule *s, int B, int d, const float *xt,
                            const float *t, const int64_t *y, const float *eps, const float *eps_s, double weight,
                            double *loss)
{
    tgdp_graph gr;
    tgdp_graph_init(&gr, ar);
    int xi = tgdp_input(&gr, xt, B, d, 1, 1), ti = tgdp_input(&gr, t, B, 1, 1, 0);
    int lh = tgdp_act_node(&gr, tgdp_net_build(&gr, h, xi, ti, y), log_h_act(h));
    float *ones = tgdp_arena_floats(ar, (size_t)B), *v = tgdp_arena_floats(ar, (size_t)B * d);
    float *seed = tgdp_arena_floats(ar, (size_t)B);
    if (lh < 0 || !ones || !v || !seed) return TGDP_ENOMEM;
    for (int i = 0; i < B; i++) ones[i] = 1.0f;
    /* first backward: g = grad_x log h (no parameter gradients) */
    int rc = tgdp_graph_backward(&gr, lh, ones, NULL, 0);
    if (rc) return rc;
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
    if ((rc = tgdp_graph_tangent(&gr, xi, v))) return rc;
    for (int i = 0; i < B; i++) seed[i] = (float)weight;
    return tgdp_graph_backward(&gr, lh, NULL, seed, 1);
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
static int prepare_ratios(const tgdp_dataset *src, const tgdp_train_opts *o, float *r, double *norm, tgdp_error *err)
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
                        const tgdp_dataset *src, const tgdp_dataset *tgt, tgdp_train_opts *o, tgdp_error *err)
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
    if (!rc) rc = tgdp_train_guidance_ratios(h, r, tcls, eps_src, s, src, tgt, o, err);
    free(r);
    return rc;
}

int tgdp_train_guidance_ratios(tgdp_net *h, const float *r_in, tgdp_net *tcls, tgdp_net *eps_src,
                               const tgdp_schedule *s, const tgdp_dataset *src, const tgdp_dataset *tgt,
                               tgdp_train_opts *o, tgdp_error *err)
{
    int rc = check_dataset(src, h, "source", err);
    if (rc) return rc;
    if (tgdp_net_out_dim(h) != 1) return tgdp_fail(err, TGDP_EINVAL, "the guidance network has one output");
    const int cyc = o->eta_cycle > 0, con = o->eta_consistency > 0;
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
    if ((rc = train_begin(&st, h, o, &fp, err))) {
        free(r);
        return rc;
    }
    rc = prepare_ratios(src, o, r, &norm, err);
    const int B = o->batch, d = src->d;
    tgdp_rng base = tgdp_rng_new(o->seed);
    tgdp_arena ev; /* for evaluations of the frozen networks (they reset their arena) */
    tgdp_arena_init(&ev);
    for (int64_t step = st.start; step < o->steps && !rc; step++) {
        tgdp_rng rg = tgdp_rng_split(&base, (uint64_t)step);
        tgdp_arena_reset(&st.arena);
        float *x = tgdp_arena_floats(&st.arena, (size_t)B * d), *t = tgdp_arena_floats(&st.arena, (size_t)B);
        float *eps = tgdp_arena_floats(&st.arena, (size_t)B * d), *target = tgdp_arena_floats(&st.arena, (size_t)B);
        float *aux = tgdp_arena_floats(&st.arena, (size_t)B * d);
        int64_t *y = tgdp_arena_alloc(&st.arena, (size_t)B * sizeof(int64_t)), *idx = tgdp_arena_alloc(&st.arena, (size_t)B * sizeof(int64_t));
        if (!x || !t || !eps || !target || !aux || !y || !idx) {
            rc = tgdp_fail(err, TGDP_ENOMEM, "out of memory in the training step");
            break;
        }
        tgdp_params_zero_grad(&h->p);
        /* Algorithm 3 on source samples */
        noised_batch(&rg, src, s, o, B, x, y, idx, t, eps);
        for (int i = 0; i < B; i++) target[i] = r[idx[i]];
        /* this rank's rows of each batch (all of them on one process); each term's mean over
         * them is weighted by frac, its share of the mean over the global batch */
        const train_slice sl = train_slice_of(B);
        const int nb = sl.n;
        const size_t o0 = (size_t)sl.lo * d;
        double loss = 0, l;
        if (regression_term(h, &st.arena, nb, d, x + o0, t + sl.lo, y + sl.lo, target + sl.lo, o->bregman, sl.frac, &l)) {
            rc = tgdp_fail(err, TGDP_ENOMEM, "guidance step failed");
            break;
        }
        loss += sl.frac * l;
        if (cyc) { /* cycle term: h(x_t', t) ~ (1 - c')/c' = exp(-logit c'(x_t', t)) on target samples */
            noised_batch(&rg, tgt, s, o, B, x, y, NULL, t, eps);
            rc = tgdp_net_eval(tcls, &ev, nb, x + o0, t + sl.lo, y + sl.lo, target + sl.lo, err);
            if (rc) break;
            for (int64_t i = sl.lo; i < sl.lo + nb; i++) target[i] = (float)(exp(-(double)target[i]) / norm);
            if (regression_term(h, &st.arena, nb, d, x + o0, t + sl.lo, y + sl.lo, target + sl.lo, o->bregman,
                                o->eta_cycle * sl.frac, &l)) {
                rc = tgdp_fail(err, TGDP_ENOMEM, "cycle term failed");
                break;
            }
            loss += o->eta_cycle * sl.frac * l;
        }
        if (con) { /* consistency term on fresh target samples */
            noised_batch(&rg, tgt, s, o, B, x, y, NULL, t, eps);
            rc = tgdp_net_eval(eps_src, &ev, nb, x + o0, t + sl.lo, y + sl.lo, aux + o0, err);
            if (rc) break;
            if (tgdp_consistency_term(h, &st.arena, s, nb, d, x + o0, t + sl.lo, y + sl.lo, eps + o0, aux + o0,
                                      o->eta_consistency * sl.frac, &l)) {
                rc = tgdp_fail(err, TGDP_ENOMEM, "consistency term failed");
                break;
            }
            loss += o->eta_consistency * sl.frac * l;
        }
        rc = train_step_end(&st, h, o, step, loss, err);
    }
    free(r);
    tgdp_arena_free(&ev);
    train_end(&st, h, o);
    return rc;
}

/* Domain classifiers with the class-balanced logistic loss (paper's Algorithms 1 and 2):
 *   L = -(1/m) sum_source log c(x) - (1/n) sum_target log(1 - c(x)),  c = P(source | x)
 * The optimum is c* = p/(p+q), so the density ratio is r = q/p = exp(-logit c).
 * Each step draws B/2 source and B/2 target samples (with replacement) and weights each half
 * by 1/(its size), which is the balanced loss. With net->role == TGDP_ROLE_TIME_CLASSIFIER both
 * halves are noised at independent t ~ U(t_min, 1) (Algorithm 2: c'(x_t, t), whose ratio
 * estimates h* = q_t / p_t). Labels, if the net is conditional, are inputs: r(x, y).
 *
 * Optional input-gradient penalty (o->grad_penalty = lambda):
 *   lambda * mean_i s_i^2 ||grad_x logit(x_i)||^2
 * with s_i = sigma_t for the time-dependent classifier (noise units, the scale at which the
 * sampler uses -sigma_t grad logit) and 1 otherwise or with o->grad_penalty_data_units. It
 * limits the slope of the learned log ratio, which is what the guided sampler consumes. Its
 * parameter gradient is exact: with v_i = 2 lambda s_i^2 g_i / B held fixed,
 * grad_psi [v . grad_x logit] comes from the tangent pass along v and a backward seeded on the
 * tangent of the logit (as for the consistency term).
 *
 * Optional curvature penalty (o->curv_penalty = mu): mu * mean_i s_i^2 ||grad_x logit(x_i + s_i u_i)
 * - grad_x logit(x_i)||^2, u_i ~ N(0, I): how much the guidance (in the same units) changes over
 * one noise scale. A tilt (a linear log ratio, which moves a source mode without changing its
 * shape) costs nothing; a peak around each of a few target points costs a lot. Same exact
 * parameter gradient, with v on both copies of the row. */
#include "tgdp/train_util.h"

#include <math.h>
#include <string.h>

typedef struct classifier_chunk_ctx {
    const tgdp_schedule *s;
    const tgdp_classifier_opts *o;
    int timed, d, B;
    const float *x, *t;
    const int64_t *y;
    const float *tgt_y, *w, *u; /* u: the curvature penalty's directions (NULL without it) */
} classifier_chunk_ctx;

/* the loss, penalties and gradient of one chunk of the batch's rows (train_run_chunks); the
 * weights w and the penalties' 1/B are global, so the chunks' losses and gradients simply add up */
static int classifier_chunk(void *ctx, train_chunk *c)
{
    const classifier_chunk_ctx *cx = ctx;
    const tgdp_schedule *s = cx->s;
    const tgdp_classifier_opts *o = cx->o;
    const int timed = cx->timed, d = cx->d, B = cx->B, nb = c->rows.n;
    const int64_t lo = c->rows.lo;
    tgdp_net *net = &c->net;
    tgdp_arena *ar = c->ar;
    const float *x = cx->x + (size_t)lo * d, *t = cx->t + lo, *tgt_y = cx->tgt_y + lo, *w = cx->w + lo;
    const float *u = cx->u ? cx->u + (size_t)lo * d : NULL;
    const int64_t *y = cx->y + lo;
    /* the curvature penalty evaluates the gradient at a perturbed copy of every row too:
     * rows [nb, 2 nb) of the graph are x + s u (u ~ N(0, I)), with no classification loss */
    const int curv = o->curv_penalty > 0;
    const int gp = o->grad_penalty > 0 || curv, rows = curv ? 2 * nb : nb;
    if (curv) {
        float *x2 = tgdp_arena_floats(ar, (size_t)rows * d), *t2 = tgdp_arena_floats(ar, (size_t)rows);
        int64_t *y2 = tgdp_arena_alloc(ar, (size_t)rows * sizeof(int64_t));
        if (!x2 || !t2 || !y2 || !u) return tgdp_fail(&c->err, TGDP_ENOMEM, "out of memory in the training step");
        for (int i = 0; i < nb; i++) {
            const double sg = timed && !o->grad_penalty_data_units ? tgdp_schedule_sigma(s, t[i]) : 1.0;
            for (int j = 0; j < d; j++) {
                x2[(size_t)i * d + j] = x[(size_t)i * d + j];
                x2[(size_t)(nb + i) * d + j] = (float)(x[(size_t)i * d + j] + sg * u[(size_t)i * d + j]);
            }
            t2[i] = t2[nb + i] = t[i];
            y2[i] = y2[nb + i] = y[i];
        }
        x = x2;
        t = t2;
        y = y2;
    }
    tgdp_graph gr;
    tgdp_graph_init(&gr, ar);
    int xi = tgdp_input(&gr, x, rows, d, 1, gp), ti = timed ? tgdp_input(&gr, t, rows, 1, 1, 0) : -1;
    int out = tgdp_net_build(&gr, net, xi, ti, y);
    float *ones = tgdp_arena_floats(ar, (size_t)rows), *v = tgdp_arena_floats(ar, (size_t)rows * d);
    float *gl = tgdp_arena_floats(ar, (size_t)rows);
    if (out < 0 || !ones || !v || !gl) return tgdp_graph_error(&gr, &c->err, "classifier step");
    double loss = tgdp_bce_logits_loss(gr.nodes[out].v, tgt_y, w, (size_t)nb, gl);
    if (curv)
        for (int i = nb; i < rows; i++) gl[i] = 0; /* the perturbed rows carry no classification loss */
    if (!gp) {
        c->loss = loss;
        return tgdp_graph_backward(&gr, out, gl, NULL, 1);
    }
    for (int i = 0; i < rows; i++) ones[i] = 1.0f;
    tgdp_graph_backward(&gr, out, ones, NULL, 0); /* g = grad_x logit */
    const float *g = gr.nodes[xi].g;
    double pen = 0, cpen = 0;
    for (int i = 0; i < nb; i++) {
        double sg = timed && !o->grad_penalty_data_units ? tgdp_schedule_sigma(s, t[i]) : 1.0, s2 = sg * sg, n2 = 0;
        for (int j = 0; j < d; j++) n2 += (double)g[(size_t)i * d + j] * g[(size_t)i * d + j];
        pen += s2 * n2;
        for (int j = 0; j < d; j++) v[(size_t)i * d + j] = (float)(2.0 * o->grad_penalty * s2 * g[(size_t)i * d + j] / B);
        if (curv) {
            double c2 = 0;
            for (int j = 0; j < d; j++) {
                const double dg = (double)g[(size_t)i * d + j] - g[(size_t)(nb + i) * d + j];
                c2 += dg * dg;
                v[(size_t)i * d + j] += (float)(2.0 * o->curv_penalty * s2 * dg / B);
                v[(size_t)(nb + i) * d + j] = (float)(-2.0 * o->curv_penalty * s2 * dg / B);
            }
            cpen += s2 * c2;
        }
    }
    c->loss = loss + (o->grad_penalty * pen + o->curv_penalty * cpen) / B;
    tgdp_graph_zero_grads(&gr);
    if (tgdp_graph_tangent(&gr, xi, v)) return tgdp_graph_error(&gr, &c->err, "classifier gradient penalty");
    for (int i = 0; i < rows; i++) ones[i] = 1.0f;
    return tgdp_graph_backward(&gr, out, gl, ones, 1);
}

int classifier_batch_loss(tgdp_net *net, tgdp_arena *ar, const tgdp_schedule *s, const tgdp_classifier_opts *co, int B,
                          const float *x, const float *t, const int64_t *y, const float *tgt_y, const float *w,
                          const float *u, double *loss, tgdp_error *err)
{
    static const tgdp_classifier_opts none;
    const int timed = net->role == TGDP_ROLE_TIME_CLASSIFIER, d = tgdp_net_in_dim(net);
    classifier_chunk_ctx cx = {s, co ? co : &none, timed, d, B, x, t, y, tgt_y, w, u};
    train_chunk c;
    memset(&c, 0, sizeof c);
    c.rows = (train_slice){0, B, 1.0};
    c.net = *net;
    c.ar = c.ev = ar;
    tgdp_arena_reset(ar);
    int rc = classifier_chunk(&cx, &c);
    if (rc) {
        if (err) *err = c.err;
        return c.err.code ? c.err.code : rc;
    }
    *loss = c.loss;
    return TGDP_OK;
}

int tgdp_train_classifier(tgdp_net *net, const tgdp_schedule *s, const tgdp_dataset *src, const tgdp_dataset *tgt,
                          const tgdp_train_opts *o, const tgdp_classifier_opts *co, tgdp_train_result *res,
                          tgdp_error *err)
{
    static const tgdp_classifier_opts no_co;
    if (!co) co = &no_co;
    int rc = check_dataset(src, net, "source", err);
    if (!rc) rc = check_dataset(tgt, net, "target", err);
    if (rc) return rc;
    const int timed = net->role == TGDP_ROLE_TIME_CLASSIFIER;
    if (timed && !s) return tgdp_fail(err, TGDP_EINVAL, "time-dependent classifier needs a schedule");
    if (tgdp_net_out_dim(net) != 1) return tgdp_fail(err, TGDP_EINVAL, "a classifier has one output (a logit)");
    if (o->batch < 2) return tgdp_fail(err, TGDP_EINVAL, "classifier batch must be at least 2");
    train_state st;
    train_fp fp;
    train_fp_init(&fp, timed ? "time-classifier" : "classifier");
    train_fp_schedule(&fp, timed ? s : NULL);
    train_fp_data(&fp, "source", src);
    train_fp_data(&fp, "target", tgt);
    if ((rc = train_begin(&st, net, o, co, NULL, res, &fp, err))) return rc;
    const int B = o->batch, Bs = B / 2, Bt = B - Bs, d = src->d;
    const float ls = (float)co->label_smoothing;
    tgdp_rng base = tgdp_rng_new(o->seed);
    for (int64_t step = st.start; step < o->steps && !rc; step++) {
        tgdp_rng r = tgdp_rng_split(&base, (uint64_t)step);
        tgdp_arena_reset(&st.arena);
        float *x = tgdp_arena_floats(&st.arena, (size_t)B * d), *tgt_y = tgdp_arena_floats(&st.arena, (size_t)B);
        float *w = tgdp_arena_floats(&st.arena, (size_t)B);
        float *t = tgdp_arena_floats(&st.arena, (size_t)B), *eps = tgdp_arena_floats(&st.arena, (size_t)B * d);
        int64_t *y = tgdp_arena_alloc(&st.arena, (size_t)B * sizeof(int64_t));
        if (!x || !tgt_y || !w || !t || !eps || !y) {
            rc = tgdp_fail(err, TGDP_ENOMEM, "out of memory in the training step");
            break;
        }
        draw_batch(&r, src, Bs, x, y, NULL);
        draw_batch(&r, tgt, Bt, x + (size_t)Bs * d, y + Bs, NULL);
        for (int i = 0; i < B; i++) {
            float lab = i < Bs ? 1.0f : 0.0f;
            tgt_y[i] = lab * (1 - ls) + 0.5f * ls;
            w[i] = i < Bs ? 1.0f / Bs : 1.0f / Bt;
        }
        if (timed) {
            draw_times(&r, B, o->t_min, t);
            tgdp_rng_fill_normal(&r, eps, (size_t)B * d, 0, 1);
            tgdp_schedule_noise(s, B, d, x, t, eps, x); /* in place: each element read once */
        }
        /* the curvature penalty's perturbation directions, drawn for the whole batch */
        float *u = NULL;
        if (co->curv_penalty > 0 && (u = tgdp_arena_floats(&st.arena, (size_t)B * d)))
            tgdp_rng_fill_normal(&r, u, (size_t)B * d, 0, 1);
        double loss = 0;
        classifier_chunk_ctx cx = {s, co, timed, d, B, x, t, y, tgt_y, w, u};
        if ((rc = train_run_chunks(&st, net, B, classifier_chunk, &cx, &loss, err))) break;
        rc = train_step_end(&st, net, step, loss, err);
    }
    train_end(&st, net);
    return rc;
}

int tgdp_density_ratio(tgdp_net *cls, tgdp_arena *ar, const tgdp_dataset *src, float *r, float *log_r, tgdp_error *err)
{
    float *logit = log_r ? log_r : r;
    int rc = tgdp_net_eval(cls, ar, src->n, src->x, NULL, src->y, logit, err);
    if (rc) return rc;
    for (int64_t i = 0; i < src->n; i++) {
        float lr = -logit[i];
        if (log_r) log_r[i] = lr;
        r[i] = expf(lr);
    }
    return TGDP_OK;
}

/* Noise-prediction training: E || eps_theta(alpha_t x0 + sigma_t eps, t) - eps ||^2,
 * t ~ U(t_min, 1). Used for the source model, target-only, and fine-tuning (start from
 * a copy of the source weights with a lower learning rate). */
#include "tgdp/train_util.h"

typedef struct denoiser_chunk_ctx {
    const float *xt, *t, *eps;
    const int64_t *y;
    int d;
} denoiser_chunk_ctx;

/* the loss and gradient of one chunk of the batch's rows (train_run_chunks) */
static int denoiser_chunk(void *ctx, train_chunk *c)
{
    const denoiser_chunk_ctx *cx = ctx;
    const int d = cx->d, n = c->rows.n;
    const size_t o0 = (size_t)c->rows.lo * d, nd = (size_t)n * d;
    tgdp_graph gr;
    tgdp_graph_init(&gr, c->ar);
    int xi = tgdp_input(&gr, cx->xt + o0, n, d, 1, 0), ti = tgdp_input(&gr, cx->t + c->rows.lo, n, 1, 1, 0);
    int out = tgdp_net_build(&gr, &c->net, xi, ti, cx->y + c->rows.lo);
    float *grad = tgdp_arena_floats(c->ar, nd);
    if (out < 0 || !grad) return tgdp_graph_error(&gr, &c->err, "denoiser step");
    /* the mean over the chunk's rows, weighted by its share of the global batch */
    c->loss = c->rows.frac * tgdp_mse_loss(gr.nodes[out].v, cx->eps + o0, nd, grad);
    if (c->rows.frac != 1.0)
        for (size_t i = 0; i < nd; i++) grad[i] = (float)(grad[i] * c->rows.frac);
    return tgdp_graph_backward(&gr, out, grad, NULL, 1);
}

int tgdp_train_denoiser(tgdp_net *net, const tgdp_schedule *s, const tgdp_dataset *data, const tgdp_train_opts *o,
                        tgdp_train_result *res, tgdp_error *err)
{
    int rc = check_dataset(data, net, "training", err);
    if (rc) return rc;
    if (tgdp_net_out_dim(net) != data->d)
        return tgdp_fail(err, TGDP_EINVAL, "denoiser output dimension %d differs from the data dimension %d",
                         tgdp_net_out_dim(net), data->d);
    train_state st;
    train_fp fp;
    train_fp_init(&fp, "denoiser");
    train_fp_schedule(&fp, s);
    train_fp_data(&fp, "data", data);
    if ((rc = train_begin(&st, net, o, NULL, NULL, res, &fp, err))) return rc;
    const int B = o->batch, d = data->d;
    tgdp_rng base = tgdp_rng_new(o->seed);
    for (int64_t step = st.start; step < o->steps && !rc; step++) {
        tgdp_rng r = tgdp_rng_split(&base, (uint64_t)step);
        tgdp_arena_reset(&st.arena);
        float *x0 = tgdp_arena_floats(&st.arena, (size_t)B * d), *xt = tgdp_arena_floats(&st.arena, (size_t)B * d);
        float *eps = tgdp_arena_floats(&st.arena, (size_t)B * d), *t = tgdp_arena_floats(&st.arena, (size_t)B);
        int64_t *y = tgdp_arena_alloc(&st.arena, (size_t)B * sizeof(int64_t));
        if (!x0 || !xt || !eps || !t || !y) {
            rc = tgdp_fail(err, TGDP_ENOMEM, "out of memory in the training step");
            break;
        }
        draw_batch(&r, data, B, x0, y, NULL);
        if (o->t_sampling == TGDP_T_LOGSNR) draw_times_logsnr(&r, s, B, o->t_min, t);
        else draw_times(&r, B, o->t_min, t);
        tgdp_rng_fill_normal(&r, eps, (size_t)B * d, 0, 1);
        tgdp_schedule_noise(s, B, d, x0, t, eps, xt);
        double loss = 0;
        denoiser_chunk_ctx cx = {xt, t, eps, y, d};
        if ((rc = train_run_chunks(&st, net, B, denoiser_chunk, &cx, &loss, err))) break;
        rc = train_step_end(&st, net, step, loss, err);
    }
    train_end(&st, net);
    return rc;
}

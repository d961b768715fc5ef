/* Noise-prediction training: E || eps_theta(alpha_t x0 + sigma_t eps, t) - eps ||^2,
 * t ~ U(t_min, 1). Used for the source model, target-only, and fine-tuning (start from
 * a copy of the source weights with a lower learning rate). */
#include "tgdp/train_util.h"

int tgdp_train_denoiser(tgdp_net *net, const tgdp_schedule *s, const tgdp_dataset *data, tgdp_train_opts *o,
                        tgdp_error *err)
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
    if ((rc = train_begin(&st, net, o, &fp, err))) return rc;
    const int B = o->batch, d = data->d;
    tgdp_rng base = tgdp_rng_new(o->seed);
    for (int64_t step = st.start; step < o->steps && !rc; step++) {
        tgdp_rng r = tgdp_rng_split(&base, (uint64_t)step);
        tgdp_arena_reset(&st.arena);
        float *x0 = tgdp_arena_floats(&st.arena, (size_t)B * d), *xt = tgdp_arena_floats(&st.arena, (size_t)B * d);
        float *eps = tgdp_arena_floats(&st.arena, (size_t)B * d), *t = tgdp_arena_floats(&st.arena, (size_t)B);
        float *grad = tgdp_arena_floats(&st.arena, (size_t)B * d);
        int64_t *y = tgdp_arena_alloc(&st.arena, (size_t)B * sizeof(int64_t));
        if (!x0 || !xt || !eps || !t || !grad || !y) {
            rc = tgdp_fail(err, TGDP_ENOMEM, "out of memory in the training step");
            break;
        }
        draw_batch(&r, data, B, x0, y, NULL);
        draw_times(&r, B, o->t_min, t);
        tgdp_rng_fill_normal(&r, eps, (size_t)B * d, 0, 1);
        tgdp_schedule_noise(s, B, d, x0, t, eps, xt);
        /* this rank's rows of the batch (all of it on one process) */
        const train_slice sl = train_slice_of(B);
        const size_t o0 = (size_t)sl.lo * d;
        tgdp_graph gr;
        tgdp_graph_init(&gr, &st.arena);
        int xi = tgdp_input(&gr, xt + o0, sl.n, d, 1, 0), ti = tgdp_input(&gr, t + sl.lo, sl.n, 1, 1, 0);
        int out = tgdp_net_build(&gr, net, xi, ti, y + sl.lo);
        if (out < 0) {
            rc = tgdp_fail(err, TGDP_ENOMEM, "building the denoiser graph failed");
            break;
        }
        double loss = tgdp_mse_loss(gr.nodes[out].v, eps + o0, (size_t)sl.n * d, grad);
        if (sl.n != B) { /* the mean over this rank's rows -> its share of the global mean */
            loss *= sl.frac;
            for (size_t i = 0; i < (size_t)sl.n * d; i++) grad[i] = (float)(grad[i] * sl.frac);
        }
        tgdp_params_zero_grad(&net->p);
        tgdp_graph_backward(&gr, out, grad, NULL, 1);
        rc = train_step_end(&st, net, o, step, loss, err);
    }
    train_end(&st, net, o);
    return rc;
}

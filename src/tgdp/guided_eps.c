/* Noise predictors handed to the samplers (tgdp_eps_fn):
 *   plain            eps_theta(x, t)                       (source only, target only, fine-tune)
 *   TGDP guided      eps_src(x, t) - w sigma_t grad_x log h(x, t)
 *   domain guidance  eps_src + w (eps_finetuned - eps_src)   (Zhong et al.)
 * The guidance term may come from a guidance network h_psi (log h = log softplus z or z) or
 * from a time-dependent classifier c'(x_t, t), for which log h* = log((1-c')/c') = -logit c'. */
#include "tgdp/tgdp.h"

#include <math.h>
#include <stdlib.h>


/* n copies of t on the heap (the evaluators reset the arena, so it cannot live there) */
static float *t_vector(int n, float t)
{
    float *tv = malloc((size_t)n * sizeof *tv);
    if (tv)
        for (int i = 0; i < n; i++) tv[i] = t;
    return tv;
}

static int eval_at(tgdp_net *net, tgdp_arena *ar, int n, const float *x, float t, const int64_t *labels, float *out,
                   tgdp_error *err)
{
    float *tv = t_vector(n, t);
    if (!tv) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    int rc = tgdp_net_eval(net, ar, n, x, tv, labels, out, err);
    free(tv);
    return rc;
}

int tgdp_guidance_grad(tgdp_net *guide, tgdp_arena *ar, int n, int d, const float *x, float t, const int64_t *labels,
                       float *out, tgdp_error *err)
{
    (void)d;
    float *tv = t_vector(n, t);
    if (!tv) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    int rc;
    if (guide->role == TGDP_ROLE_TIME_CLASSIFIER)
        rc = tgdp_net_input_grad(guide, ar, n, x, tv, labels, TGDP_ACT_IDENTITY, -1.0f, out, err);
    else if (guide->role == TGDP_ROLE_GUIDANCE)
        rc = tgdp_net_input_grad(guide, ar, n, x, tv, labels,
                                 guide->hparam == TGDP_H_EXP ? TGDP_ACT_IDENTITY : TGDP_ACT_LOG_SOFTPLUS, 1.0f, out, err);
    else
        rc = tgdp_fail(err, TGDP_EINVAL, "a %s network cannot guide sampling", tgdp_role_name(guide->role));
    free(tv);
    return rc;
}

int tgdp_eps_plain(void *vctx, int n, int d, const float *x, float t, float *eps_out, tgdp_error *err)
{
    tgdp_eps_ctx *c = vctx;
    (void)d;
    return eval_at(c->eps, c->arena, n, x, t, c->labels, eps_out, err);
}

int tgdp_eps_guided(void *vctx, int n, int d, const float *x, float t, float *eps_out, tgdp_error *err)
{
    tgdp_eps_ctx *c = vctx;
    int rc = eval_at(c->eps, c->arena, n, x, t, c->labels, eps_out, err);
    if (rc) return rc;
    if ((rc = tgdp_guidance_grad(c->guide, c->arena, n, d, x, t, c->labels, c->scratch, err))) return rc;
    const float k = (float)(c->w * tgdp_schedule_sigma(c->s, t));
    for (size_t i = 0; i < (size_t)n * d; i++) eps_out[i] -= k * c->scratch[i];
    return TGDP_OK;
}

int tgdp_eps_domain_guidance(void *vctx, int n, int d, const float *x, float t, float *eps_out, tgdp_error *err)
{
    tgdp_eps_ctx *c = vctx;
    int rc = eval_at(c->eps, c->arena, n, x, t, c->labels, eps_out, err);
    if (!rc) rc = eval_at(c->eps2, c->arena, n, x, t, c->labels, c->scratch, err);
    if (rc) return rc;
    const float w = (float)c->w;
    for (size_t i = 0; i < (size_t)n * d; i++) eps_out[i] += w * (c->scratch[i] - eps_out[i]);
    return TGDP_OK;
}

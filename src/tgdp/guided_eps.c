/* Noise predictors handed to the samplers (tgdp_eps_fn):
 *   plain            eps_theta(x, t)                       (source only, target only, fine-tune)
 *   TGDP guided      eps_src(x, t) - w sigma_t grad_x log h(x, t)
 *   domain guidance  eps_src + w (eps_finetuned - eps_src)   (Zhong et al.)
 * The guidance term may come from a guidance network h_psi (log h = log softplus z or z) or
 * from a time-dependent classifier c'(x_t, t), for which log h* = log((1-c')/c') = -logit c'. */
#include "tgdp/tgdp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


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

/* log h as act(output) * scale: -logit c' for a time classifier, log softplus z or z for a
 * guidance network */
static int log_h_form(const tgdp_net *guide, tgdp_act *act, float *scale, tgdp_error *err)
{
    if (guide->role == TGDP_ROLE_TIME_CLASSIFIER) {
        *act = TGDP_ACT_IDENTITY;
        *scale = -1.0f;
    } else if (guide->role == TGDP_ROLE_GUIDANCE) {
        *act = guide->hparam == TGDP_H_EXP ? TGDP_ACT_IDENTITY : TGDP_ACT_LOG_SOFTPLUS;
        *scale = 1.0f;
    } else
        return tgdp_fail(err, TGDP_EINVAL, "a %s network cannot guide sampling", tgdp_role_name(guide->role));
    return TGDP_OK;
}

/* grad log h (and with lap != NULL its Laplacian) of one guide */
static int guide_terms(tgdp_net *guide, tgdp_arena *ar, int n, const float *x, float t, const int64_t *labels,
                       float *grad, double *lap, tgdp_error *err)
{
    tgdp_act act = TGDP_ACT_IDENTITY;
    float scale = 1.0f;
    int rc = log_h_form(guide, &act, &scale, err);
    if (rc) return rc;
    float *tv = t_vector(n, t);
    if (!tv) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    rc = lap ? tgdp_net_input_grad_lap(guide, ar, n, x, tv, labels, act, scale, grad, lap, err)
             : tgdp_net_input_grad(guide, ar, n, x, tv, labels, act, scale, grad, err);
    free(tv);
    return rc;
}

int tgdp_guidance_grad(tgdp_net *guide, tgdp_arena *ar, int n, int d, const float *x, float t, const int64_t *labels,
                       float *out, tgdp_error *err)
{
    (void)d;
    return guide_terms(guide, ar, n, x, t, labels, out, NULL, err);
}

int tgdp_guidance_grad_lap(tgdp_net *guide, tgdp_arena *ar, int n, int d, const float *x, float t,
                           const int64_t *labels, float *grad, double *lap, tgdp_error *err)
{
    (void)d;
    return guide_terms(guide, ar, n, x, t, labels, grad, lap, err);
}

/* The guidance term of a context: grad log h of c->guide, or the mean over the c->n_guides bagged
 * guides, into c->scratch (and its Laplacian into lap when given). */
static int ctx_guidance(tgdp_eps_ctx *c, int n, int d, const float *x, float t, double *lap, tgdp_error *err)
{
    if (c->n_guides <= 0) return guide_terms(c->guide, c->arena, n, x, t, c->labels, c->scratch, lap, err);
    const size_t nd = (size_t)n * d;
    float *g = malloc(nd * sizeof *g);
    double *l = lap ? malloc((size_t)n * sizeof *l) : NULL;
    if (!g || (lap && !l)) {
        free(g);
        free(l);
        return tgdp_fail(err, TGDP_ENOMEM, "bagged guidance: out of memory");
    }
    memset(c->scratch, 0, nd * sizeof *c->scratch);
    if (lap) memset(lap, 0, (size_t)n * sizeof *lap);
    int rc = TGDP_OK;
    const double inv = 1.0 / c->n_guides;
    for (int k = 0; k < c->n_guides && !rc; k++) {
        rc = guide_terms(c->guides[k], c->arena, n, x, t, c->labels, g, l, err);
        for (size_t i = 0; !rc && i < nd; i++) c->scratch[i] += (float)(inv * g[i]);
        for (int i = 0; !rc && lap && i < n; i++) lap[i] += inv * l[i];
    }
    free(g);
    free(l);
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
    if ((rc = ctx_guidance(c, n, d, x, t, NULL, err))) return rc;
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

/* ---------- the same with the divergence of the noise ---------- */

static int eps_div_at(tgdp_net *net, tgdp_arena *ar, int n, const float *x, float t, const int64_t *labels,
                      float *eps, double *div, tgdp_error *err)
{
    float *tv = t_vector(n, t);
    if (!tv) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    int rc = tgdp_net_eps_div(net, ar, n, x, tv, labels, eps, div, err);
    free(tv);
    return rc;
}

int tgdp_eps_plain_div(void *vctx, int n, int d, const float *x, float t, float *eps_out, double *div_out,
                       tgdp_error *err)
{
    tgdp_eps_ctx *c = vctx;
    (void)d;
    return eps_div_at(c->eps, c->arena, n, x, t, c->labels, eps_out, div_out, err);
}

/* div(eps_src - w sigma grad log h) = div eps_src - w sigma Laplacian(log h) */
int tgdp_eps_guided_div(void *vctx, int n, int d, const float *x, float t, float *eps_out, double *div_out,
                        tgdp_error *err)
{
    tgdp_eps_ctx *c = vctx;
    double *lap = malloc((size_t)n * sizeof *lap);
    if (!lap) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    int rc = eps_div_at(c->eps, c->arena, n, x, t, c->labels, eps_out, div_out, err);
    if (!rc) rc = ctx_guidance(c, n, d, x, t, lap, err);
    if (!rc) {
        const double k = c->w * tgdp_schedule_sigma(c->s, t);
        for (size_t i = 0; i < (size_t)n * d; i++) eps_out[i] -= (float)k * c->scratch[i];
        for (int i = 0; i < n; i++) div_out[i] -= k * lap[i];
    }
    free(lap);
    return rc;
}

/* div(eps + w (eps2 - eps)) = (1 - w) div eps + w div eps2 */
int tgdp_eps_domain_guidance_div(void *vctx, int n, int d, const float *x, float t, float *eps_out, double *div_out,
                                 tgdp_error *err)
{
    tgdp_eps_ctx *c = vctx;
    double *div2 = malloc((size_t)n * sizeof *div2);
    if (!div2) return tgdp_fail(err, TGDP_ENOMEM, "out of memory");
    int rc = eps_div_at(c->eps, c->arena, n, x, t, c->labels, eps_out, div_out, err);
    if (!rc) rc = eps_div_at(c->eps2, c->arena, n, x, t, c->labels, c->scratch, div2, err);
    if (!rc) {
        const float w = (float)c->w;
        for (size_t i = 0; i < (size_t)n * d; i++) eps_out[i] += w * (c->scratch[i] - eps_out[i]);
        for (int i = 0; i < n; i++) div_out[i] += c->w * (div2[i] - div_out[i]);
    }
    free(div2);
    return rc;
}

/* The learned input skip g(t) x of the noise predictors (nn/skip_gain.h). */
#include "nn/skip_gain.h"

#include <math.h>
#include <stdio.h>

int nn_skip_gain_params(int w[2], int b[2], tgdp_params *p, const char *prefix, int register_new, const char *who,
                        tgdp_error *err)
{
    char name[96];
    for (int i = 0; i < 2; i++) { /* g(t): [1] -> [NN_SKIP_HIDDEN] -> [1] */
        int64_t ws[2] = {i ? 1 : NN_SKIP_HIDDEN, i ? NN_SKIP_HIDDEN : 1}, bs[1] = {i ? 1 : NN_SKIP_HIDDEN};
        snprintf(name, sizeof name, "%sskip.%d.weight", prefix, i);
        w[i] = register_new ? tgdp_params_add(p, name, 2, ws) : tgdp_params_find(p, name);
        if (w[i] >= 0 && !register_new && (p->info[w[i]].shape[0] != ws[0] || p->info[w[i]].shape[1] != ws[1]))
            return tgdp_fail(err, TGDP_EINVAL, "%s: parameter %s has the wrong shape", who, name);
        snprintf(name, sizeof name, "%sskip.%d.bias", prefix, i);
        b[i] = register_new ? tgdp_params_add(p, name, 1, bs) : tgdp_params_find(p, name);
        if (w[i] < 0 || b[i] < 0) return tgdp_fail(err, TGDP_EINVAL, "%s: parameter %s missing or invalid", who, name);
    }
    return TGDP_OK;
}

void nn_skip_gain_init(const int w[2], const int b[2], tgdp_params *p, tgdp_rng *rng)
{
    for (int i = 0; i < 2; i++) {
        if (w[i] < 0) continue;
        float bound = 1.0f / sqrtf((float)p->info[w[i]].shape[1]);
        tgdp_params_init_uniform(p, w[i], bound, rng);
        tgdp_params_init_uniform(p, b[i], bound, rng);
    }
}

int nn_skip_gain_apply(tgdp_graph *gr, const int w[2], const int b[2], tgdp_params *p, int h, int x, int t)
{
    int g = tgdp_linear(gr, t, tgdp_param(gr, p, w[0]), tgdp_param(gr, p, b[0]));
    g = tgdp_act_node(gr, g, TGDP_ACT_SILU);
    g = tgdp_linear(gr, g, tgdp_param(gr, p, w[1]), tgdp_param(gr, p, b[1]));
    return tgdp_add(gr, h, tgdp_mulb(gr, x, g, 1, 1), 1.0f);
}

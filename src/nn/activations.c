/* Activation functions with their first and second derivatives (needed by the tangent
 * pass and its backward: the second-order gradient of the consistency regulariser). */
#include "tgdp/nn.h"

#include <math.h>
#include <string.h>

#define RSQRT_EPS 1e-5

static double sigmoid_d(double x)
{
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

static double softplus_d(double x) { return (x > 0 ? x : 0) + log1p(exp(-fabs(x))); }

double tgdp_act_eval(tgdp_act a, double x, double *d1, double *d2)
{
    double y, s, p1 = 0, p2 = 0;
    switch (a) {
    case TGDP_ACT_IDENTITY: y = x; p1 = 1; p2 = 0; break;
    case TGDP_ACT_SILU:
        s = sigmoid_d(x);
        y = x * s;
        p1 = s * (1 + x * (1 - s));
        p2 = s * (1 - s) * (2 + x * (1 - 2 * s));
        break;
    case TGDP_ACT_SOFTPLUS:
        s = sigmoid_d(x);
        y = softplus_d(x);
        p1 = s;
        p2 = s * (1 - s);
        break;
    case TGDP_ACT_SIGMOID:
        s = sigmoid_d(x);
        y = s;
        p1 = s * (1 - s);
        p2 = p1 * (1 - 2 * s);
        break;
    case TGDP_ACT_TANH:
        y = tanh(x);
        p1 = 1 - y * y;
        p2 = -2 * y * p1;
        break;
    case TGDP_ACT_EXP: y = p1 = p2 = exp(x); break;
    case TGDP_ACT_LOG_SOFTPLUS:
        if (x < -700) { /* softplus(x) = e^x to double precision */
            y = x; p1 = 1; p2 = 0;
        } else {
            double sp = softplus_d(x);
            s = sigmoid_d(x);
            y = log(sp);
            p1 = s / sp;
            /* d/dx (s/sp) = (s(1-s) sp - s^2) / sp^2 */
            p2 = (s * (1 - s) * sp - s * s) / (sp * sp);
        }
        break;
    case TGDP_ACT_RSQRT_EPS: {
        double u = x + RSQRT_EPS;
        y = 1.0 / sqrt(u);
        p1 = -0.5 * y / u;
        p2 = 0.75 * y / (u * u);
        break;
    }
    case TGDP_ACT_SQUARE: y = x * x; p1 = 2 * x; p2 = 2; break;
    default: y = NAN; p1 = p2 = NAN; break;
    }
    if (d1) *d1 = p1;
    if (d2) *d2 = p2;
    return y;
}

static const char *const act_names[TGDP_ACT_COUNT] = {"identity", "silu", "softplus", "sigmoid", "tanh",
                                                      "exp", "log_softplus", "rsqrt_eps", "square"};

const char *tgdp_act_name(tgdp_act a) { return (a >= 0 && a < TGDP_ACT_COUNT) ? act_names[a] : "?"; }

int tgdp_act_parse(const char *s, tgdp_act *out)
{
    for (int i = 0; i < TGDP_ACT_COUNT; i++)
        if (strcmp(s, act_names[i]) == 0) {
            *out = (tgdp_act)i;
            return TGDP_OK;
        }
    return TGDP_EINVAL;
}

/* Loss functions with their gradients: MSE and numerically stable BCE-with-logits. */
#include "tgdp/nn.h"

#include <math.h>

double tgdp_mse_loss(const float *pred, const float *target, size_t n, float *grad)
{
    double s = 0;
    const double k = 2.0 / (double)n;
#pragma omp parallel for reduction(+ : s) schedule(static) if (n > 32768)
    for (size_t i = 0; i < n; i++) {
        double r = (double)pred[i] - (double)target[i];
        s += r * r;
        if (grad) grad[i] = (float)(k * r);
    }
    return s / (double)n;
}

double tgdp_bce_logits_loss(const float *logits, const float *y, const float *weights, size_t n, float *grad)
{
    double s = 0;
    const double wdef = 1.0 / (double)n;
#pragma omp parallel for reduction(+ : s) schedule(static) if (n > 32768)
    for (size_t i = 0; i < n; i++) {
        double z = logits[i], t = y[i], w = weights ? weights[i] : wdef;
        /* softplus(z) - t z, computed without overflow */
        double sp = (z > 0 ? z : 0) + log1p(exp(-fabs(z)));
        s += w * (sp - t * z);
        if (grad) {
            double sig = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
            grad[i] = (float)(w * (sig - t));
        }
    }
    return s;
}

/* Zero-phase Butterworth filtering for the QRS detector (qrs_detect.c): second-order sections
 * designed by the bilinear transform for any sampling rate, run forward and backward over the
 * signal extended by odd reflection, each pass started from the steady state of its first input
 * sample (as scipy.signal.filtfilt with lfilter_zi), so that neither end rings. */
#include "eval/qrs_filter.h"

#include <math.h>
#include <string.h>

#define QRS_PI 3.14159265358979323846

qrs_biquad qrs_butter2(double fc, double fs, int highpass)
{
    const double K = tan(QRS_PI * fc / fs), Q = 0.70710678118654752440, norm = 1.0 / (1.0 + K / Q + K * K);
    qrs_biquad q;
    if (highpass) {
        q.b0 = norm;
        q.b1 = -2.0 * norm;
        q.b2 = norm;
    } else {
        q.b0 = K * K * norm;
        q.b1 = 2.0 * q.b0;
        q.b2 = q.b0;
    }
    q.a1 = 2.0 * (K * K - 1.0) * norm;
    q.a2 = (1.0 - K / Q + K * K) * norm;
    return q;
}

/* direct form II transposed, in place, over x[0..n) in the given direction, started from the
 * steady state for a constant input equal to the first sample */
static void run(const qrs_biquad *q, double *x, int64_t n, int backward)
{
    const double u0 = backward ? x[n - 1] : x[0];
    const double dc = (q->b0 + q->b1 + q->b2) / (1.0 + q->a1 + q->a2), y0 = dc * u0;
    double z2 = q->b2 * u0 - q->a2 * y0, z1 = q->b1 * u0 - q->a1 * y0 + z2;
    for (int64_t k = 0; k < n; k++) {
        const int64_t i = backward ? n - 1 - k : k;
        const double u = x[i], y = q->b0 * u + z1;
        z1 = q->b1 * u - q->a1 * y + z2;
        z2 = q->b2 * u - q->a2 * y;
        x[i] = y;
    }
}

void qrs_filtfilt(const qrs_biquad *q, int nq, double *x, int64_t n, int64_t pad, double *work)
{
    if (n < 2) return;
    if (pad > n - 1) pad = n - 1;
    double *e = work;
    const int64_t m = n + 2 * pad;
    memcpy(e + pad, x, (size_t)n * sizeof *e);
    for (int64_t k = 1; k <= pad; k++) {
        e[pad - k] = 2.0 * x[0] - x[k];
        e[pad + n - 1 + k] = 2.0 * x[n - 1] - x[n - 1 - k];
    }
    for (int s = 0; s < nq; s++) run(&q[s], e, m, 0);
    for (int s = 0; s < nq; s++) run(&q[s], e, m, 1);
    memcpy(x, e + pad, (size_t)n * sizeof *x);
}

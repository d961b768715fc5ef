/* Zero-phase second-order-section filtering for the QRS detector. Private to src/eval. */
#ifndef TGDP_QRS_FILTER_H
#define TGDP_QRS_FILTER_H

#include <stdint.h>

typedef struct qrs_biquad {
    double b0, b1, b2, a1, a2; /* y = b0 u + b1 u' + b2 u'' - a1 y' - a2 y'' */
} qrs_biquad;

/* 2nd-order Butterworth low-pass (highpass 0) or high-pass section with corner fc at rate fs. */
qrs_biquad qrs_butter2(double fc, double fs, int highpass);
/* x[0..n) through the nq sections forward, then backward (zero phase; the magnitude response is
 * squared), after extending both ends by odd reflection of pad samples (at most n - 1). work:
 * n + 2 pad doubles. */
void qrs_filtfilt(const qrs_biquad *q, int nq, double *x, int64_t n, int64_t pad, double *work);

#endif

/* Anti-aliased resampling of multi-lead signals with libsamplerate (band-limited sinc
 * interpolation, SRC_SINC_BEST_QUALITY: the low-pass filter removes content above the new
 * Nyquist frequency before decimation).
 *
 * Edges: the converter sees zeros outside the signal, which would bend the first and last
 * output samples towards 0 mV and ring. The input is therefore extended at both ends by odd
 * reflection (value and slope continue, as scipy's filtfilt padding) for P_in samples, where
 * P_in * fs_out / fs_in is a whole number of output samples (P_out), so that cropping P_out
 * output samples keeps the time grid exact. When no such P_in <= 4096 exists (unusual rate
 * pairs), no padding is used. Odd reflection is exact for in-band content (a 5 Hz sine keeps
 * its amplitude to 0.2% up to the last sample); content above the new Nyquist frequency that
 * is cut off mid-cycle at an edge leaves a transient in the first/last ~0.2 s. */
#include "data/ecg_internal.h"

#include <limits.h>
#include <math.h>
#include <samplerate.h>
#include <stdlib.h>
#include <string.h>

#define MIN_PAD_SECONDS 1.0 /* at least this much padding, in time */

/* Smallest P_in >= min_in with P_in * ratio integral; 0 if none up to 4096. */
static int64_t pad_length(double ratio, int64_t min_in)
{
    for (int64_t p = min_in; p <= 4096; p++) {
        double q = (double)p * ratio;
        if (fabs(q - floor(q + 0.5)) < 1e-9 && q >= 1.0) return p;
    }
    return 0;
}

static int check_args(int nch, int64_t n_in, double fs_in, double fs_out, tgdp_error *err)
{
    if (nch < 1 || n_in < 1)
        return tgdp_fail(err, TGDP_EINVAL, "resample: need at least one channel and one sample (%d, %lld)", nch,
                         (long long)n_in);
    if (!(fs_in > 0) || !(fs_out > 0) || !isfinite(fs_in) || !isfinite(fs_out))
        return tgdp_fail(err, TGDP_EINVAL, "resample: bad rates %g -> %g Hz", fs_in, fs_out);
    double ratio = fs_out / fs_in;
    if (ratio < 1.0 / 256 || ratio > 256)
        return tgdp_fail(err, TGDP_EINVAL, "resample: ratio %g outside [1/256, 256] (%g -> %g Hz)", ratio, fs_in,
                         fs_out);
    return TGDP_OK;
}

/* Sample s (may lie outside [0, n)) of a channel extended by odd reflection about its end
 * points, x[-k] = 2 x[0] - x[k], which continues both value and slope; beyond one full
 * reflection the end value is held. */
static float extended(const float *x, int64_t n, int64_t s)
{
    if (s < 0) return -s < n ? 2 * x[0] - x[-s] : 2 * x[0] - x[n - 1];
    if (s >= n) return s - (n - 1) < n ? 2 * x[n - 1] - x[2 * (n - 1) - s] : 2 * x[n - 1] - x[0];
    return x[s];
}

/* Interleave channel-major x [nch, n] into frames, with p extended frames each side. */
static void interleave_padded(const float *x, int nch, int64_t n, int64_t p, float *out)
{
    for (int64_t t = 0; t < n + 2 * p; t++)
        for (int c = 0; c < nch; c++)
            out[(size_t)t * (size_t)nch + (size_t)c] = extended(x + (size_t)c * (size_t)n, n, t - p);
}

int tgdp_resample(const float *x, int nch, int64_t n_in, double fs_in, double fs_out, float **y, int64_t *n_out,
                  tgdp_error *err)
{
    *y = NULL;
    *n_out = 0;
    int rc = check_args(nch, n_in, fs_in, fs_out, err);
    if (rc) return rc;
    size_t total;
    if (!tgdp_mul_size((size_t)nch, (size_t)n_in, &total))
        return tgdp_fail(err, TGDP_ENOMEM, "resample: %lld x %d samples is too many", (long long)n_in, nch);
    rc = tgdp_check_finite(x, total, "resample input", err);
    if (rc) return rc;
    double ratio = fs_out / fs_in;
    int64_t target = (int64_t)llround((double)n_in * ratio);
    if (target < 1) return tgdp_fail(err, TGDP_EINVAL, "resample: %lld samples give no output", (long long)n_in);
    int64_t p_in = pad_length(ratio, (int64_t)ceil(MIN_PAD_SECONDS * fs_in));
    int64_t p_out = (int64_t)llround((double)p_in * ratio);
    int64_t frames_in = n_in + 2 * p_in, cap_out = (int64_t)ceil((double)frames_in * ratio) + 16;
    size_t nin, nout, nres;
    if (frames_in > LONG_MAX || cap_out > LONG_MAX || !tgdp_mul_size((size_t)frames_in, (size_t)nch, &nin) ||
        !tgdp_mul_size((size_t)cap_out, (size_t)nch, &nout) || !tgdp_mul_size((size_t)target, (size_t)nch, &nres) ||
        nin > SIZE_MAX / sizeof(float) || nout > SIZE_MAX / sizeof(float) || nres > SIZE_MAX / sizeof(float))
        return tgdp_fail(err, TGDP_ENOMEM, "resample: %lld x %d samples is too many", (long long)n_in, nch);
    float *in = malloc(nin * sizeof *in), *out = malloc(nout * sizeof *out), *res = malloc(nres * sizeof *res);
    if (!in || !out || !res) rc = tgdp_fail(err, TGDP_ENOMEM, "resample: cannot allocate buffers");
    if (!rc) {
        interleave_padded(x, nch, n_in, p_in, in);
        SRC_DATA d;
        memset(&d, 0, sizeof d);
        d.data_in = in;
        d.data_out = out;
        d.input_frames = (long)frames_in;
        d.output_frames = (long)cap_out;
        d.src_ratio = ratio;
        int e = src_simple(&d, SRC_SINC_BEST_QUALITY, nch);
        if (e) rc = tgdp_fail(err, TGDP_EINVAL, "resample %g -> %g Hz: libsamplerate: %s", fs_in, fs_out, src_strerror(e));
        else {
            int64_t gen = d.output_frames_gen;
            for (int64_t t = 0; t < target; t++) { /* hold the last frame if the converter came up short */
                int64_t s = p_out + t < gen ? p_out + t : gen - 1;
                for (int c = 0; c < nch; c++)
                    res[(size_t)c * (size_t)target + (size_t)t] = s >= 0 ? out[(size_t)s * (size_t)nch + (size_t)c] : 0.f;
            }
        }
    }
    free(in);
    free(out);
    if (rc) {
        free(res);
        return rc;
    }
    *y = res;
    *n_out = target;
    return TGDP_OK;
}

int tgdp_ecg_resample(tgdp_ecg_record *r, double fs_out, tgdp_error *err)
{
    if (fabs(r->fs - fs_out) <= 1e-9 * fs_out) return TGDP_OK;
    float *y;
    int64_t n;
    int rc = tgdp_resample(r->data, TGDP_ECG_NLEADS, r->n, r->fs, fs_out, &y, &n, err);
    if (rc) {
        tgdp_error_prefix(err, "record %s", r->id);
        return rc;
    }
    free(r->data);
    r->data = y;
    r->n = n;
    r->fs = fs_out;
    return TGDP_OK;
}

/* Rhythm realism of ECG windows (tgdp/ecg_beats.h): beats at a physiological heart rate, the
 * heart-rate distribution (Wasserstein-1), RR regularity and the high-frequency power share of
 * generated windows against real ones. */
#include "tgdp/ecg_beats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RL_PI 3.14159265358979323846

int tgdp_window_rhythm_of(const float *x, int64_t L, double fs, const tgdp_qrs_opts *o, tgdp_window_rhythm *out,
                          tgdp_error *err)
{
    out->n_beats = 0;
    out->has_beats = 0;
    out->hr_bpm = out->rr_cv = NAN;
    const int64_t cap = tgdp_qrs_max_beats(L, fs, o);
    int64_t *pk = malloc((size_t)cap * sizeof *pk), np = 0;
    if (!pk) return tgdp_fail(err, TGDP_ENOMEM, "window rhythm: out of memory");
    int rc = tgdp_qrs_detect(x, L, fs, o, pk, cap, &np, err);
    if (!rc) {
        out->n_beats = (int)np;
        if (np >= 2) {
            const double mean_rr = (double)(pk[np - 1] - pk[0]) / (double)(np - 1);
            out->hr_bpm = 60.0 * fs / mean_rr;
            out->has_beats = out->hr_bpm >= TGDP_HR_MIN_BPM && out->hr_bpm <= TGDP_HR_MAX_BPM;
            if (np >= 3) {
                double ss = 0;
                for (int64_t k = 1; k < np; k++) {
                    const double dv = (double)(pk[k] - pk[k - 1]) - mean_rr;
                    ss += dv * dv;
                }
                out->rr_cv = sqrt(ss / (double)(np - 1)) / mean_rr;
            }
        }
    }
    free(pk);
    return rc;
}

/* in-place radix-2 FFT of re/im [m], m a power of two */
static void fft(double *re, double *im, int64_t m)
{
    for (int64_t i = 1, j = 0; i < m; i++) {
        int64_t bit = m >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i];
            re[i] = re[j], re[j] = t;
            t = im[i];
            im[i] = im[j], im[j] = t;
        }
    }
    for (int64_t len = 2; len <= m; len <<= 1) {
        const double a = -2.0 * RL_PI / (double)len;
        for (int64_t i = 0; i < m; i += len)
            for (int64_t k = 0; k < len / 2; k++) {
                const double wr = cos(a * (double)k), wi = sin(a * (double)k);
                double *ur = &re[i + k], *ui = &im[i + k], *vr = &re[i + k + len / 2], *vi = &im[i + k + len / 2];
                const double tr = *vr * wr - *vi * wi, ti = *vr * wi + *vi * wr;
                *vr = *ur - tr, *vi = *ui - ti;
                *ur += tr, *ui += ti;
            }
    }
}

double tgdp_window_hf_share(const float *x, int n_leads, int64_t L, double fs, double cutoff_hz)
{
    if (L < 2 || n_leads < 1 || !(cutoff_hz < 0.5 * fs)) return NAN;
    int64_t m = 1;
    while (m < L) m <<= 1;
    double *re = malloc((size_t)(2 * m) * sizeof *re);
    if (!re) return NAN;
    double *im = re + m, hf = 0, all = 0;
    for (int l = 0; l < n_leads; l++) {
        const float *v = x + (size_t)l * (size_t)L;
        double mean = 0;
        for (int64_t i = 0; i < L; i++) mean += v[i];
        mean /= (double)L;
        for (int64_t i = 0; i < m; i++) {
            re[i] = i < L ? (v[i] - mean) * (0.5 - 0.5 * cos(2.0 * RL_PI * (double)i / (double)(L - 1))) : 0.0;
            im[i] = 0;
        }
        fft(re, im, m);
        for (int64_t k = 1; k <= m / 2; k++) {
            const double p = re[k] * re[k] + im[k] * im[k];
            all += p;
            if ((double)k * fs / (double)m > cutoff_hz) hf += p;
        }
    }
    free(re);
    return all > 0 ? hf / all : NAN;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tgdp_wasserstein1(double *a, int64_t na, double *b, int64_t nb)
{
    if (na < 1 || nb < 1) return NAN;
    qsort(a, (size_t)na, sizeof *a, cmp_double);
    qsort(b, (size_t)nb, sizeof *b, cmp_double);
    /* integral of |F_a - F_b| over the merged support */
    int64_t i = 0, j = 0;
    double w = 0, prev = a[0] < b[0] ? a[0] : b[0];
    while (i < na || j < nb) {
        const double next = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
        w += fabs((double)i / (double)na - (double)j / (double)nb) * (next - prev);
        prev = next;
        while (i < na && a[i] == next) i++;
        while (j < nb && b[j] == next) j++;
    }
    return w;
}

int tgdp_rhythm_summarize(int64_t n, const float *x, int n_leads, int64_t L, double fs, int lead,
                          tgdp_rhythm_summary *out, double *hr, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    out->beat_fraction = out->hr_mean = out->hr_sd = out->rr_cv = out->hf_share = NAN;
    if (n < 1 || !x || n_leads < 1 || L < 2 || lead < 0 || lead >= n_leads)
        return tgdp_fail(err, TGDP_EINVAL, "rhythm summary: %lld windows of %d leads x %lld, lead %d", (long long)n,
                         n_leads, (long long)L, lead);
    out->n = n;
    const size_t d = (size_t)n_leads * (size_t)L;
    int64_t with = 0, n_cv = 0, n_hf = 0;
    double s_hr = 0, ss_hr = 0, s_cv = 0, s_hf = 0;
    for (int64_t i = 0; i < n; i++) {
        const float *w = x + (size_t)i * d;
        tgdp_window_rhythm r;
        int rc = tgdp_window_rhythm_of(w + (size_t)lead * (size_t)L, L, fs, NULL, &r, err);
        if (rc) {
            tgdp_error_prefix(err, "window %lld", (long long)i);
            return rc;
        }
        if (hr) hr[i] = r.has_beats ? r.hr_bpm : NAN;
        if (r.has_beats) {
            with++;
            s_hr += r.hr_bpm;
            ss_hr += r.hr_bpm * r.hr_bpm;
            if (isfinite(r.rr_cv)) s_cv += r.rr_cv, n_cv++;
        }
        const double h = tgdp_window_hf_share(w, n_leads, L, fs, TGDP_HF_CUTOFF_HZ);
        if (isfinite(h)) s_hf += h, n_hf++;
    }
    out->beat_fraction = (double)with / (double)n;
    if (with) {
        out->hr_mean = s_hr / (double)with;
        out->hr_sd = with > 1 ? sqrt(fmax(0.0, (ss_hr - s_hr * s_hr / (double)with) / (double)(with - 1))) : 0.0;
    }
    if (n_cv) out->rr_cv = s_cv / (double)n_cv;
    if (n_hf) out->hf_share = s_hf / (double)n_hf;
    return TGDP_OK;
}

/* the finite values of v[0..n) moved to its front; returns their count */
static int64_t compact_finite(double *v, int64_t n)
{
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(v[i])) v[k++] = v[i];
    return k;
}

int tgdp_ecg_realism(int64_t n_gen, const float *gen, int64_t n_real, const float *real, int n_leads, int64_t L,
                     double fs, int lead, tgdp_realism *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    out->beat_fraction = out->real_beat_fraction = out->hr_w1 = out->rr_cv = out->real_rr_cv = out->hf_noise_ratio = NAN;
    if (n_gen < 1 || n_real < 1) return tgdp_fail(err, TGDP_EINVAL, "realism: needs generated and real windows");
    double *hg = malloc((size_t)n_gen * sizeof *hg), *hr = malloc((size_t)n_real * sizeof *hr);
    int rc = hg && hr ? TGDP_OK : tgdp_fail(err, TGDP_ENOMEM, "realism: out of memory");
    if (!rc && (rc = tgdp_rhythm_summarize(n_gen, gen, n_leads, L, fs, lead, &out->gen, hg, err)))
        tgdp_error_prefix(err, "realism, generated");
    if (!rc && (rc = tgdp_rhythm_summarize(n_real, real, n_leads, L, fs, lead, &out->real, hr, err)))
        tgdp_error_prefix(err, "realism, real");
    if (!rc) {
        out->beat_fraction = out->gen.beat_fraction;
        out->real_beat_fraction = out->real.beat_fraction;
        out->rr_cv = out->gen.rr_cv;
        out->real_rr_cv = out->real.rr_cv;
        out->hf_noise_ratio = out->real.hf_share > 0 ? out->gen.hf_share / out->real.hf_share : NAN;
        const int64_t kg = compact_finite(hg, n_gen), kr = compact_finite(hr, n_real);
        if (kg && kr) out->hr_w1 = tgdp_wasserstein1(hg, kg, hr, kr);
    }
    free(hg), free(hr);
    return rc;
}

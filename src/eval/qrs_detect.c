/* QRS (R-peak) detection after Pan and Tompkins, 1985, at any sampling rate (tgdp/ecg_beats.h
 * describes the steps). */
#include "eval/qrs_filter.h"
#include "tgdp/ecg_beats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void tgdp_qrs_opts_default(tgdp_qrs_opts *o)
{
    o->band_lo_hz = 5.0;
    o->band_hi_hz = 15.0;
    o->integration_s = 0.150;
    o->refractory_s = 0.200;
    o->twave_s = 0.360;
    o->min_snr = 2.5;
    o->r_search_s = 0.100;
}

static int64_t samples(double s, double fs)
{
    int64_t k = (int64_t)llround(s * fs);
    return k < 1 ? 1 : k;
}

int64_t tgdp_qrs_max_beats(int64_t n, double fs, const tgdp_qrs_opts *o)
{
    tgdp_qrs_opts d;
    if (!o) tgdp_qrs_opts_default(&d), o = &d;
    return n / samples(o->refractory_s, fs) + 2;
}

/* THR1 = NPK + THR_K (SPK - NPK). Pan and Tompkins' 0.25 applies to the squared slope; on its
 * square root (used here, so that a beat half as tall as the others still clears the threshold,
 * e.g. in atrial fibrillation with varying QRS amplitude) 0.4 (0.16 on the square) keeps P waves
 * out; measured on LUDB (tests/test_ludb_beats.c). */
#define THR_K 0.4

typedef struct cand {
    int64_t t;    /* sample of the energy peak */
    double h;     /* integrated energy there */
    double slope; /* largest |derivative| within the integration window */
} cand;

typedef struct pt_state {
    double spk, npk;  /* signal and noise peak levels */
    int64_t rr[8];    /* the last RR intervals (samples) */
    int n_rr;
} pt_state;

typedef struct pt_params {
    int64_t refr, twave, n;
    double gate;
} pt_params;

static double rr_mean(const pt_state *s)
{
    if (!s->n_rr) return 0;
    double m = 0;
    int k = s->n_rr < 8 ? s->n_rr : 8;
    for (int i = 0; i < k; i++) m += (double)s->rr[i];
    return m / k;
}

static void accept(pt_state *s, const cand *c, int64_t k, int64_t last, int searchback)
{
    s->spk = searchback ? 0.25 * c[k].h + 0.75 * s->spk : 0.125 * c[k].h + 0.875 * s->spk;
    if (last >= 0) s->rr[s->n_rr++ % 8] = c[k].t - c[last].t;
}

/* a candidate close after the last QRS with less than half its slope is its T wave */
static int is_twave(const cand *c, int64_t k, int64_t last, const pt_params *p)
{
    return last >= 0 && c[k].t - c[last].t < p->twave && c[k].slope < 0.5 * c[last].slope;
}

/* the largest candidate in (last, end) above thr2 that may be a QRS (search-back), or -1 */
static int64_t search_back(const cand *c, int64_t last, int64_t end, int64_t t_end, double thr2, const pt_params *p)
{
    int64_t best = -1;
    for (int64_t k = last + 1; k < end; k++) {
        if (c[k].h <= thr2 || c[k].h < p->gate || c[k].t - c[last].t < p->refr || t_end - c[k].t < p->refr) continue;
        if (is_twave(c, k, last, p)) continue;
        if (best < 0 || c[k].h > c[best].h) best = k;
    }
    return best;
}

/* one pass over the candidates; the indices of the QRS candidates into qrs (returns their count) */
static int64_t pt_pass(const cand *c, int64_t nc, pt_state *s, const pt_params *p, int64_t *qrs)
{
    int64_t nq = 0, last = -1;
    for (int64_t j = 0; j <= nc; j++) {
        const double thr1 = s->npk + THR_K * (s->spk - s->npk), thr2 = 0.5 * thr1, rr = rr_mean(s);
        const int64_t t_end = j < nc ? c[j].t : p->n - 1 + p->refr;
        if (last >= 0 && rr > 0 && (double)(t_end - c[last].t) > 1.66 * rr) {
            int64_t b = search_back(c, last, j, t_end, thr2, p);
            if (b >= 0) {
                accept(s, c, b, last, 1);
                qrs[nq++] = last = b;
            }
        }
        if (j == nc) break;
        const double t1 = s->npk + THR_K * (s->spk - s->npk);
        if (c[j].h > t1 && c[j].h >= p->gate && (last < 0 || c[j].t - c[last].t >= p->refr) && !is_twave(c, j, last, p)) {
            if (last >= 0 && c[j].t - c[last].t < p->twave && c[last].slope < 0.5 * c[j].slope && c[j].h < 2.0 * s->spk) {
                /* the last "QRS" was this one's P wave (or noise): replace it */
                nq--;
                last = nq ? qrs[nq - 1] : -1;
                if (s->n_rr > 0) s->n_rr--;
            }
            accept(s, c, j, last, 0);
            qrs[nq++] = last = j;
        } else {
            s->npk = 0.125 * c[j].h + 0.875 * s->npk;
        }
    }
    return nq;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_height_desc(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return (x->h < y->h) - (x->h > y->h);
}

static int cmp_time(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

/* local maxima of e, the larger of two within refr samples kept; returns their count */
static int64_t candidates(const double *e, const double *d, int64_t n, int64_t w, int64_t refr, cand *c, char *taken)
{
    int64_t nc = 0;
    for (int64_t i = 1; i + 1 < n; i++)
        if (e[i] > e[i - 1] && e[i] >= e[i + 1] && e[i] > 0) c[nc++] = (cand){i, e[i], 0};
    qsort(c, (size_t)nc, sizeof *c, cmp_height_desc);
    memset(taken, 0, (size_t)n);
    int64_t m = 0;
    for (int64_t k = 0; k < nc; k++) {
        int64_t lo = c[k].t - refr + 1 < 0 ? 0 : c[k].t - refr + 1, hi = c[k].t + refr - 1 >= n ? n - 1 : c[k].t + refr - 1;
        int clash = 0;
        for (int64_t i = lo; i <= hi && !clash; i++) clash = taken[i];
        if (clash) continue;
        taken[c[k].t] = 1;
        c[m++] = c[k];
    }
    qsort(c, (size_t)m, sizeof *c, cmp_time);
    for (int64_t k = 0; k < m; k++) {
        int64_t lo = c[k].t - w / 2 < 0 ? 0 : c[k].t - w / 2, hi = c[k].t + w / 2 >= n ? n - 1 : c[k].t + w / 2;
        for (int64_t i = lo; i <= hi; i++)
            if (fabs(d[i]) > c[k].slope) c[k].slope = fabs(d[i]);
    }
    return m;
}

/* band-passed derivative d and its centred moving-window integral of the square e; the 0.5 Hz
 * high-passed signal in base */
static void energy(const float *x, int64_t n, double fs, const tgdp_qrs_opts *o, int64_t w, double *bp, double *base,
                   double *d, double *e, double *work)
{
    double mean = 0;
    for (int64_t i = 0; i < n; i++) mean += x[i];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) bp[i] = base[i] = x[i] - mean;
    const qrs_biquad band[2] = {qrs_butter2(o->band_lo_hz, fs, 1), qrs_butter2(o->band_hi_hz, fs, 0)};
    const qrs_biquad hp = qrs_butter2(0.5, fs, 1);
    qrs_filtfilt(band, 2, bp, n, samples(1.0, fs), work);
    qrs_filtfilt(&hp, 1, base, n, samples(2.0, fs), work);
    for (int64_t i = 1; i + 1 < n; i++) d[i] = 0.5 * fs * (bp[i + 1] - bp[i - 1]);
    d[0] = d[1];
    d[n - 1] = d[n - 2];
    /* centred moving average of d^2 over w samples, by prefix sums (in work) */
    work[0] = 0;
    for (int64_t i = 0; i < n; i++) work[i + 1] = work[i] + d[i] * d[i];
    for (int64_t i = 0; i < n; i++) {
        int64_t lo = i - w / 2, hi = lo + w;
        if (lo < 0) lo = 0;
        if (hi > n) hi = n;
        e[i] = sqrt(fmax(0.0, work[hi] - work[lo]) / (double)w);
    }
}

/* the noise floor: the 30th percentile of e */
static double noise_floor(const double *e, int64_t n, double *tmp)
{
    memcpy(tmp, e, (size_t)n * sizeof *tmp);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
    return tmp[(int64_t)(0.3 * (double)(n - 1))];
}

/* initial levels from the first 2 s (Pan and Tompkins' learning phase) */
static void initial_levels(const double *e, int64_t n, double fs, pt_state *s)
{
    int64_t m = samples(2.0, fs);
    if (m > n) m = n;
    double mx = 0, mean = 0;
    for (int64_t i = 0; i < m; i++) {
        mx = e[i] > mx ? e[i] : mx;
        mean += e[i];
    }
    memset(s, 0, sizeof *s);
    s->spk = mx / 3.0;
    s->npk = 0.5 * mean / (double)m;
}

/* R peak of each QRS: within r samples of its energy peak, the earliest local extremum of |base|
 * that reaches 0.6 of the largest |base| there (the first main deflection: the R wave of an Rs
 * complex, the pacing spike of a paced beat at a high rate, either polarity); peaks closer than
 * refr are merged (the larger kept). Returns the count. */
static int64_t locate_r(const double *base, int64_t n, const cand *c, const int64_t *qrs, int64_t nq, int64_t r,
                        int64_t refr, int64_t *peaks)
{
    int64_t np = 0;
    for (int64_t k = 0; k < nq; k++) {
        const int64_t t = c[qrs[k]].t;
        int64_t lo = t - r < 0 ? 0 : t - r, hi = t + r >= n ? n - 1 : t + r, best = lo;
        for (int64_t i = lo; i <= hi; i++)
            if (fabs(base[i]) > fabs(base[best])) best = i;
        const double lim = 0.6 * fabs(base[best]);
        for (int64_t i = lo + 1; i < hi; i++)
            if (fabs(base[i]) >= lim && fabs(base[i]) >= fabs(base[i - 1]) && fabs(base[i]) >= fabs(base[i + 1])) {
                best = i;
                break;
            }
        if (np > 0 && best - peaks[np - 1] < refr) {
            if (fabs(base[best]) > fabs(base[peaks[np - 1]])) peaks[np - 1] = best;
            continue;
        }
        peaks[np++] = best;
    }
    return np;
}

int tgdp_qrs_detect(const float *x, int64_t n, double fs, const tgdp_qrs_opts *o, int64_t *peaks, int64_t cap,
                    int64_t *n_peaks, tgdp_error *err)
{
    tgdp_qrs_opts def;
    if (!o) tgdp_qrs_opts_default(&def), o = &def;
    *n_peaks = 0;
    if (!(fs > 0) || !(o->band_lo_hz > 0) || !(o->band_hi_hz > o->band_lo_hz) || !(o->integration_s > 0) ||
        !(o->refractory_s > 0) || o->min_snr < 0)
        return tgdp_fail(err, TGDP_EINVAL, "QRS detection: invalid options or sampling rate %g Hz", fs);
    if (fs < 2.2 * o->band_hi_hz)
        return tgdp_fail(err, TGDP_EINVAL, "QRS detection: %g Hz is too low a sampling rate for the %g Hz band edge "
                                           "(needs at least %g Hz)", fs, o->band_hi_hz, 2.2 * o->band_hi_hz);
    int rc = tgdp_check_finite(x, (size_t)(n > 0 ? n : 0), "QRS detection input", err);
    if (rc) return rc;
    const int64_t w = samples(o->integration_s, fs), refr = samples(o->refractory_s, fs);
    if (n < 2 * w + 3) return TGDP_OK;
    const int64_t pad = samples(2.0, fs) < n - 1 ? samples(2.0, fs) : n - 1;
    double *buf = malloc((size_t)(5 * n + 2 * pad + 1) * sizeof *buf);
    cand *c = malloc((size_t)n * sizeof *c);
    int64_t *qrs = malloc((size_t)n * sizeof *qrs);
    char *taken = malloc((size_t)n);
    if (!buf || !c || !qrs || !taken) {
        rc = tgdp_fail(err, TGDP_ENOMEM, "QRS detection: out of memory for %lld samples", (long long)n);
        goto done;
    }
    double *bp = buf, *base = buf + n, *d = buf + 2 * n, *e = buf + 3 * n, *work = buf + 4 * n;
    energy(x, n, fs, o, w, bp, base, d, e, work);
    const int64_t nc = candidates(e, d, n, w, refr, c, taken);
    pt_params p = {refr, samples(o->twave_s, fs), n, o->min_snr * noise_floor(e, n, work)};
    pt_state s;
    initial_levels(e, n, fs, &s);
    pt_pass(c, nc, &s, &p, qrs); /* learns the levels and the RR interval */
    const int64_t nq = pt_pass(c, nc, &s, &p, qrs);
    const int64_t np = nq ? locate_r(base, n, c, qrs, nq, samples(o->r_search_s, fs), refr, qrs) : 0;
    if (np > cap) {
        rc = tgdp_fail(err, TGDP_EINVAL, "QRS detection: %lld beats do not fit in %lld", (long long)np, (long long)cap);
        goto done;
    }
    memcpy(peaks, qrs, (size_t)np * sizeof *peaks);
    *n_peaks = np;
done:
    free(buf), free(c), free(qrs), free(taken);
    return rc;
}

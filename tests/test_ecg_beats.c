/* The beat tools of tgdp/ecg_beats.h on synthetic data: the WFDB annotation parser (every
 * special code, broken files), beat matching, the QRS detector on synthetic ECG with known beat
 * times (100 and 500 Hz, heart rates 45-180 bpm, noise, baseline wander, negative QRS polarity,
 * 2.5 s windows) and on noise, and the realism metrics (generated == real gives the real values;
 * white noise gives no beats and a large high-frequency share). */
#include "tgdp/ecg_beats.h"
#include "tgdp/core.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- synthetic ECG */

static double gauss(double t, double mu, double sd) { return exp(-0.5 * (t - mu) * (t - mu) / (sd * sd)); }

typedef struct synth {
    double fs, hr, noise_mv, wander_mv, polarity, jitter_s, t0;
    uint64_t seed;
} synth;

/* one lead of n samples; the true R times (samples) into beats, returns their count */
static int64_t synth_lead(const synth *s, int64_t n, float *x, int64_t *beats)
{
    tgdp_rng r = tgdp_rng_new(s->seed);
    const double rr = 60.0 / s->hr, T = (double)n / s->fs;
    double tb[512];
    int nb = 0;
    for (double t = s->t0; t < T + 1.0 && nb < 512; t += rr + s->jitter_s * tgdp_rng_normal(&r)) tb[nb++] = t;
    int64_t k = 0;
    for (int i = 0; i < nb; i++) {
        const int64_t at = llround(tb[i] * s->fs);
        if (at >= 0 && at < n) beats[k++] = at;
    }
    for (int64_t i = 0; i < n; i++) {
        const double t = (double)i / s->fs;
        double v = 0;
        for (int b = 0; b < nb; b++) {
            const double c = tb[b];
            if (fabs(t - c) > 0.6) continue;
            v += 0.15 * gauss(t, c - 0.16, 0.025) - 0.10 * gauss(t, c - 0.025, 0.008) + 1.2 * gauss(t, c, 0.010) -
                 0.25 * gauss(t, c + 0.025, 0.008) + 0.30 * gauss(t, c + 0.28, 0.045);
        }
        v *= s->polarity;
        v += s->wander_mv * sin(2 * 3.14159265358979 * 0.3 * t + 1.0) + s->noise_mv * tgdp_rng_normal(&r);
        x[i] = (float)v;
    }
    return k;
}

static tgdp_beat_score detect_and_score(const synth *s, double seconds, int64_t margin)
{
    const int64_t n = llround(seconds * s->fs);
    float *x = malloc((size_t)n * sizeof *x);
    int64_t truth[512], cap = tgdp_qrs_max_beats(n, s->fs, NULL), nd = 0;
    int64_t *det = malloc((size_t)cap * sizeof *det);
    const int64_t nt = synth_lead(s, n, x, truth);
    tgdp_error err;
    tgdp_beat_score sc;
    memset(&sc, 0, sizeof sc);
    int rc = tgdp_qrs_detect(x, n, s->fs, NULL, det, cap, &nd, &err);
    CHECKF(rc == 0, "detect: %s", err.msg);
    for (int64_t i = 1; i < nd; i++) CHECK(det[i] > det[i - 1]);
    if (!rc) tgdp_beats_compare(truth, nt, det, nd, (int64_t)(0.075 * s->fs), margin, n - 1 - margin, &sc);
    free(x), free(det);
    return sc;
}

static void test_detector_synthetic(void)
{
    const double rates[2] = {100, 500}, hrs[5] = {45, 72, 110, 150, 180};
    for (int a = 0; a < 2; a++)
        for (int h = 0; h < 5; h++)
            for (int variant = 0; variant < 4; variant++) {
                synth s = {rates[a], hrs[h], 0.02, 0.0, 1.0, 0.0, 0.37, 100 + (uint64_t)(a * 16 + h * 4 + variant)};
                if (variant == 1) s.noise_mv = 0.08;                       /* noisy */
                if (variant == 2) s.wander_mv = 0.6;                       /* baseline wander */
                if (variant == 3) s.polarity = -1.0, s.jitter_s = 0.05;    /* negative QRS, irregular */
                tgdp_beat_score sc = detect_and_score(&s, 10.0, (int64_t)(0.2 * s.fs));
                CHECKF(sc.fn == 0 && sc.fp == 0 && sc.tp >= (int64_t)(9.0 * s.hr / 60.0) - 1,
                       "%g Hz, %g bpm, variant %d: tp %lld fn %lld fp %lld", s.fs, s.hr, variant, (long long)sc.tp,
                       (long long)sc.fn, (long long)sc.fp);
            }
    /* 2.5 s windows (the prepared windows at 100 Hz): every beat from the first one */
    for (int h = 0; h < 4; h++) {
        synth s = {100, hrs[h], 0.03, 0.2, h % 2 ? -1.0 : 1.0, 0.0, 0.21, 7 + (uint64_t)h};
        tgdp_beat_score sc = detect_and_score(&s, 2.5, 10);
        CHECKF(sc.fn == 0 && sc.fp == 0 && sc.tp >= 2, "2.5 s window at %g bpm: tp %lld fn %lld fp %lld", s.hr,
               (long long)sc.tp, (long long)sc.fn, (long long)sc.fp);
    }
}

static void test_detector_edges(void)
{
    tgdp_error err;
    int64_t pk[64], np = 7;
    float flat[1000], tiny[10], bad[300];
    for (int i = 0; i < 1000; i++) flat[i] = 0.3f;
    CHECK(tgdp_qrs_detect(flat, 1000, 100, NULL, pk, 64, &np, &err) == 0 && np == 0);
    for (int i = 0; i < 10; i++) tiny[i] = (float)i;
    CHECK(tgdp_qrs_detect(tiny, 10, 100, NULL, pk, 64, &np, &err) == 0 && np == 0);
    for (int i = 0; i < 300; i++) bad[i] = 0;
    bad[100] = NAN;
    CHECK(tgdp_qrs_detect(bad, 300, 100, NULL, pk, 64, &np, &err) == TGDP_ENONFINITE);
    bad[100] = 0;
    CHECK(tgdp_qrs_detect(bad, 300, 25, NULL, pk, 64, &np, &err) == TGDP_EINVAL); /* below 2.2 x 15 Hz */
    CHECK(strstr(err.msg, "too low") != NULL);
    CHECK(tgdp_qrs_max_beats(1000, 100, NULL) == 1000 / 20 + 2);
}

/* white noise: no beats in nearly every window */
static void test_detector_noise(void)
{
    tgdp_rng r = tgdp_rng_new(5);
    const int64_t L = 250;
    float x[250];
    int64_t pk[64], np, windows_with_beats = 0;
    tgdp_error err;
    for (int w = 0; w < 400; w++) {
        for (int64_t i = 0; i < L; i++) x[i] = (float)tgdp_rng_normal(&r);
        CHECK(tgdp_qrs_detect(x, L, 100, NULL, pk, 64, &np, &err) == 0);
        windows_with_beats += np >= 2;
    }
    printf("white noise, 400 windows of 2.5 s at 100 Hz: %lld with >= 2 beats\n", (long long)windows_with_beats);
    CHECK(windows_with_beats <= 20);
}

/* ---------------------------------------------------------------- annotations */

static void put16(unsigned char *b, size_t *k, unsigned A, unsigned I)
{
    unsigned w = A << 10 | (I & 0x3ff);
    b[(*k)++] = (unsigned char)(w & 0xff);
    b[(*k)++] = (unsigned char)(w >> 8);
}

static void test_annotations(void)
{
    unsigned char b[128];
    size_t k = 0, n = 0;
    put16(b, &k, 39, 644); /* ( at 644 */
    put16(b, &k, 1, 18);   /* N at 662 */
    put16(b, &k, 62, 3);   /* CHN 3 for it and later */
    put16(b, &k, 61, 2);   /* SUB 2 for it */
    put16(b, &k, 40, 20);  /* ) at 682 */
    put16(b, &k, 63, 5);   /* AUX "(AFIB" + pad */
    memcpy(b + k, "(AFIB\0", 6);
    k += 6;
    put16(b, &k, 59, 0); /* SKIP 70000 = 0x00011170: high word 0x0001, then low word 0x1170 */
    b[k++] = 0x01, b[k++] = 0x00, b[k++] = 0x70, b[k++] = 0x11;
    put16(b, &k, 5, 10);  /* V at 682 + 70000 + 10 */
    put16(b, &k, 60, 7);  /* NUM 7 */
    put16(b, &k, 0, 0);   /* end */
    tgdp_wfdb_annotation *a = NULL;
    tgdp_error err;
    CHECKF(tgdp_wfdb_parse_annotations(b, k, "mem", &a, &n, &err) == 0, "%s", err.msg);
    CHECK(n == 4);
    if (n == 4) {
        CHECK(a[0].sample == 644 && a[0].code == 39 && strcmp(tgdp_wfdb_annotation_symbol(a[0].code), "(") == 0);
        CHECK(a[1].sample == 662 && a[1].code == 1 && a[1].chan == 3 && a[1].subtype == 2);
        CHECK(a[2].sample == 682 && a[2].chan == 3 && a[2].subtype == 0 && strcmp(a[2].aux, "(AFIB") == 0);
        CHECK(a[3].sample == 682 + 70000 + 10 && a[3].code == 5 && a[3].num == 7 && a[3].chan == 3);
        int64_t *beats = NULL, nb = 0;
        CHECK(tgdp_wfdb_annotation_beats(a, n, &beats, &nb, &err) == 0 && nb == 2 && beats[0] == 662 &&
              beats[1] == 682 + 70010);
        free(beats);
    }
    free(a);
    CHECK(tgdp_wfdb_annotation_is_qrs(1) && tgdp_wfdb_annotation_is_qrs(5) && !tgdp_wfdb_annotation_is_qrs(24) &&
          !tgdp_wfdb_annotation_is_qrs(39) && !tgdp_wfdb_annotation_is_qrs(0));
    CHECK(tgdp_wfdb_annotation_symbol(50) == NULL && strcmp(tgdp_wfdb_annotation_symbol(27), "t") == 0);
    /* broken: an odd trailing byte, an AUX past the end, a SKIP past the end, an unknown code, no end word */
    unsigned char c[8];
    size_t m = 0;
    put16(c, &m, 1, 5);
    c[m++] = 7;
    CHECK(tgdp_wfdb_parse_annotations(c, m, "odd", &a, &n, &err) == TGDP_EFORMAT && strstr(err.msg, "odd"));
    m = 0;
    put16(c, &m, 63, 20);
    put16(c, &m, 0, 0);
    CHECK(tgdp_wfdb_parse_annotations(c, m, "aux", &a, &n, &err) == TGDP_EFORMAT && strstr(err.msg, "AUX"));
    m = 0;
    put16(c, &m, 59, 0);
    put16(c, &m, 0, 1);
    CHECK(tgdp_wfdb_parse_annotations(c, m, "skip", &a, &n, &err) == TGDP_EFORMAT && strstr(err.msg, "SKIP"));
    m = 0;
    put16(c, &m, 55, 3);
    CHECK(tgdp_wfdb_parse_annotations(c, m, "code", &a, &n, &err) == TGDP_EFORMAT);
    m = 0;
    put16(c, &m, 1, 5);
    put16(c, &m, 1, 5);
    CHECK(tgdp_wfdb_parse_annotations(c, m, "noend", &a, &n, &err) == 0 && n == 2 && a[1].sample == 10);
    free(a);
    CHECK(tgdp_wfdb_read_annotations("/nonexistent/1.ii", &a, &n, &err) == TGDP_EIO);
}

static void test_compare(void)
{
    const int64_t ref[5] = {100, 200, 300, 400, 500}, det[6] = {50, 104, 195, 260, 310, 700};
    tgdp_beat_score s;
    tgdp_beats_compare(ref, 5, det, 6, 10, 0, 1000, &s);
    CHECK(s.tp == 3 && s.fn == 2 && s.fp == 3);
    CHECK_CLOSE(s.sensitivity, 0.6, 1e-12, 0);
    CHECK_CLOSE(s.ppv, 0.5, 1e-12, 0);
    tgdp_beats_compare(ref, 5, det, 6, 10, 150, 450, &s); /* 200, 300, 400 against 195, 260, 310 */
    CHECK(s.tp == 2 && s.fn == 1 && s.fp == 1);
    /* one detection between two close references goes to the nearer one */
    const int64_t r2[2] = {100, 112}, d2[1] = {110};
    tgdp_beats_compare(r2, 2, d2, 1, 10, 0, 1000, &s);
    CHECK(s.tp == 1 && s.fn == 1 && s.fp == 0);
    tgdp_beat_score tot = {0};
    tgdp_beat_score_add(&tot, &s);
    tgdp_beat_score_add(&tot, &s);
    CHECK(tot.tp == 2 && tot.fn == 2 && fabs(tot.sensitivity - 0.5) < 1e-12);
}

/* ---------------------------------------------------------------- realism */

static void test_realism(void)
{
    CHECK_CLOSE(tgdp_wasserstein1((double[]){1, 0}, 2, (double[]){1.5, 0.5}, 2), 0.5, 1e-12, 0);
    CHECK_CLOSE(tgdp_wasserstein1((double[]){0, 0, 3}, 3, (double[]){1}, 1), (1.0 + 1 + 2) / 3, 1e-12, 0);
    /* high-frequency share of pure tones */
    float tone[2 * 256];
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < 256; i++) tone[l * 256 + i] = (float)sin(2 * 3.14159265358979 * (l ? 40.0 : 5.0) * i / 100.0);
    CHECK(tgdp_window_hf_share(tone, 1, 256, 100, 30) < 0.01);
    CHECK(tgdp_window_hf_share(tone + 256, 1, 256, 100, 30) > 0.99);
    CHECK(isnan(tgdp_window_hf_share(tone, 1, 256, 50, 30)));
    /* windows [12, 250] at 100 Hz: synthetic ECG on lead II (every lead a scaled copy), and noise */
    const int64_t L = 250, d = 12 * L, N = 60;
    float *real = malloc((size_t)(N * d) * sizeof *real), *noise = malloc((size_t)(N * d) * sizeof *noise);
    int64_t beats[64];
    tgdp_rng r = tgdp_rng_new(9);
    for (int64_t i = 0; i < N; i++) {
        synth s = {100, 55 + (double)(i % 7) * 9, 0.02, 0.1, 1.0, 0.01, 0.15 + 0.01 * (double)(i % 20), 300 + (uint64_t)i};
        synth_lead(&s, L, real + i * d + L, beats);
        for (int l = 0; l < 12; l++) {
            if (l != 1)
                for (int64_t t = 0; t < L; t++) real[i * d + l * L + t] = (0.3f + 0.1f * (float)l) * real[i * d + L + t];
        }
        for (int64_t t = 0; t < d; t++) noise[i * d + t] = (float)tgdp_rng_normal(&r);
    }
    tgdp_realism same, wn;
    tgdp_error err;
    CHECKF(tgdp_ecg_realism(N, real, N, real, 12, L, 100, 1, &same, &err) == 0, "%s", err.msg);
    printf("synthetic ECG windows: beat fraction %.3f, heart rate %.1f +- %.1f bpm, RR CV %.3f, hf share %.4f\n",
           same.real_beat_fraction, same.real.hr_mean, same.real.hr_sd, same.real_rr_cv, same.real.hf_share);
    CHECK(same.beat_fraction == same.real_beat_fraction && same.real_beat_fraction > 0.95);
    CHECK(same.hr_w1 == 0.0 && same.rr_cv == same.real_rr_cv);
    CHECK_CLOSE(same.hf_noise_ratio, 1.0, 1e-12, 0);
    CHECK(fabs(same.real.hr_mean - (55 + 27)) < 8); /* the rates 55..109 bpm, mean 82 */
    CHECK(same.real_rr_cv < 0.05);
    CHECKF(tgdp_ecg_realism(N, noise, N, real, 12, L, 100, 1, &wn, &err) == 0, "%s", err.msg);
    printf("white noise against them: beat fraction %.3f, hf_noise_ratio %.1f, hr_w1 %.1f\n", wn.beat_fraction,
           wn.hf_noise_ratio, wn.hr_w1);
    CHECK(wn.beat_fraction <= 0.1);
    CHECK(wn.hf_noise_ratio > 20); /* white noise: 40% of its power above 30 Hz */
    CHECK(wn.real_beat_fraction == same.real_beat_fraction);
    CHECK(tgdp_ecg_realism(0, noise, N, real, 12, L, 100, 1, &wn, &err) == TGDP_EINVAL);
    CHECK(tgdp_ecg_realism(N, noise, N, real, 12, L, 100, 12, &wn, &err) == TGDP_EINVAL);
    free(real), free(noise);
}

int main(void)
{
    test_annotations();
    test_compare();
    test_detector_edges();
    test_detector_synthetic();
    test_detector_noise();
    test_realism();
    TEST_MAIN_END();
}

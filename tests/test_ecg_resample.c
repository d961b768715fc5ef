/* Tests of the ECG resampler (libsamplerate, anti-aliased), windowing, normalisation and the
 * record sanity check (non-finite samples, amplitude range, flat leads, limb-lead identities). */
#include "test_ecg_common.h"

static const double PI = 3.14159265358979323846;

static float *sine(int64_t n, double fs, double f, double amp)
{
    float *x = malloc(sizeof(float) * (size_t)n);
    for (int64_t t = 0; t < n; t++) x[t] = (float)(amp * sin(2 * PI * f * (double)t / fs));
    return x;
}

static double max_err_vs_sine(const float *y, int64_t n, double fs, double f, double amp, int64_t skip)
{
    double m = 0;
    for (int64_t t = skip; t < n - skip; t++) {
        double d = fabs(y[t] - amp * sin(2 * PI * f * (double)t / fs));
        if (d > m) m = d;
    }
    return m;
}

static double rms(const float *y, int64_t n, int64_t skip)
{
    double s = 0;
    for (int64_t t = skip; t < n - skip; t++) s += (double)y[t] * y[t];
    return sqrt(s / (double)(n - 2 * skip));
}

static void test_downsample_sine(void)
{
    float *x = sine(5000, 500, 5, 1.0), *y;
    int64_t n;
    CHECK(tgdp_resample(x, 1, 5000, 500, 100, &y, &n, NULL) == TGDP_OK);
    CHECK(n == 1000);
    double peak = 0;
    for (int64_t t = 0; t < n; t++) peak = fmax(peak, fabs(y[t]));
    CHECK_CLOSE(peak, 1.0, 0.0, 0.01); /* amplitude kept within 1% over the whole output */
    CHECKF(max_err_vs_sine(y, n, 100, 5, 1.0, 0) < 0.01, "max err %g", max_err_vs_sine(y, n, 100, 5, 1.0, 0));
    free(x);
    free(y);
}

static void test_alias_removed(void)
{
    float *x = sine(5000, 500, 70, 1.0), *y;
    int64_t n;
    CHECK(tgdp_resample(x, 1, 5000, 500, 100, &y, &n, NULL) == TGDP_OK);
    /* > 40 dB away from the edges (the first/last 0.2 s, where a tone cut off mid-cycle has
     * genuine low-frequency content); > 20 dB over the whole record */
    double r_in = rms(x, 5000, 0), r_mid = rms(y, n, 20), r_all = rms(y, n, 0);
    CHECKF(20 * log10(r_mid / r_in) < -40, "70 Hz attenuated only %.1f dB", 20 * log10(r_mid / r_in));
    CHECKF(20 * log10(r_all / r_in) < -20, "70 Hz whole record %.1f dB", 20 * log10(r_all / r_in));
    free(y);
    /* 5 Hz + 70 Hz: the output is the 5 Hz sine alone */
    for (int t = 0; t < 5000; t++) x[t] += (float)sin(2 * PI * 5 * t / 500.0);
    CHECK(tgdp_resample(x, 1, 5000, 500, 100, &y, &n, NULL) == TGDP_OK);
    CHECKF(max_err_vs_sine(y, n, 100, 5, 1.0, 30) < 0.01, "err %g", max_err_vs_sine(y, n, 100, 5, 1.0, 30));
    free(x);
    free(y);
}

static void test_lengths_and_upsampling(void)
{
    float *x = sine(5517, 500, 3, 2.0), *y;
    int64_t n;
    CHECK(tgdp_resample(x, 1, 5517, 500, 100, &y, &n, NULL) == TGDP_OK);
    CHECK(n == 1103);
    free(y);
    free(x);
    x = sine(1000, 100, 5, 1.0);
    CHECK(tgdp_resample(x, 1, 1000, 100, 500, &y, &n, NULL) == TGDP_OK);
    CHECK(n == 5000);
    CHECKF(max_err_vs_sine(y, n, 500, 5, 1.0, 50) < 0.01, "up err %g", max_err_vs_sine(y, n, 500, 5, 1.0, 50));
    free(y);
    /* an odd ratio (no exact padding): interior still right */
    CHECK(tgdp_resample(x, 1, 1000, 100, 257, &y, &n, NULL) == TGDP_OK);
    CHECK(n == 2570);
    CHECKF(max_err_vs_sine(y, n, 257, 5, 1.0, 50) < 0.01, "odd err %g", max_err_vs_sine(y, n, 257, 5, 1.0, 50));
    free(y);
    tgdp_error e;
    CHECK(tgdp_resample(x, 1, 1000, 100, 0, &y, &n, &e) == TGDP_EINVAL);
    CHECK(tgdp_resample(x, 1, 1000, 100, 100000, &y, &n, &e) == TGDP_EINVAL && strstr(e.msg, "ratio"));
    CHECK(tgdp_resample(x, 0, 1000, 100, 50, &y, &n, &e) == TGDP_EINVAL);
    x[500] = NAN;
    CHECK(tgdp_resample(x, 1, 1000, 100, 50, &y, &n, &e) == TGDP_ENONFINITE && y == NULL);
    free(x);
}

/* Multi-channel: channels stay separate; a DC offset is kept at the edges. */
static void test_record_resample(void)
{
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    CHECK(tgdp_ecg_record_alloc(&r, 5000, NULL) == TGDP_OK);
    r.fs = 500;
    strcpy(r.id, "synthetic");
    for (int l = 0; l < 12; l++)
        for (int t = 0; t < 5000; t++) tgdp_ecg_lead(&r, l)[t] = (float)(0.1 * l + (l + 1) * 0.05 * sin(2 * PI * 2 * t / 500.0));
    CHECK(tgdp_ecg_resample(&r, TGDP_ECG_DEFAULT_FS, NULL) == TGDP_OK);
    CHECK(r.n == 1000 && r.fs == 100);
    double worst = 0;
    for (int l = 0; l < 12; l++)
        for (int t = 0; t < 1000; t++)
            worst = fmax(worst, fabs(tgdp_ecg_lead(&r, l)[t] - (0.1 * l + (l + 1) * 0.05 * sin(2 * PI * 2 * t / 100.0))));
    CHECKF(worst < 0.01, "worst %g", worst);
    CHECK(tgdp_ecg_resample(&r, 100, NULL) == TGDP_OK && r.n == 1000); /* no-op */
    tgdp_ecg_record_free(&r);
}

static void test_windows(void)
{
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    CHECK(tgdp_ecg_record_alloc(&r, 1000, NULL) == TGDP_OK);
    for (int l = 0; l < 12; l++)
        for (int t = 0; t < 1000; t++) tgdp_ecg_lead(&r, l)[t] = (float)(l * 1000 + t);
    CHECK(tgdp_ecg_num_windows(1000, 250, 125) == 7);
    CHECK(tgdp_ecg_num_windows(249, 250, 125) == 0);
    CHECK(tgdp_ecg_num_windows(250, 250, 1) == 1);
    tgdp_tensor w;
    CHECK(tgdp_ecg_windows(&r, 250, 125, 0, &w, NULL) == TGDP_OK);
    CHECK(w.ndim == 3 && w.shape[0] == 7 && w.shape[1] == 12 && w.shape[2] == 250);
    CHECK(w.data[(3 * 12 + 5) * 250 + 7] == (float)(5 * 1000 + 3 * 125 + 7));
    tgdp_tensor_free(&w);
    tgdp_error e;
    CHECK(tgdp_ecg_windows(&r, 2000, 100, 0, &w, &e) == TGDP_EINVAL && strstr(e.msg, "shorter"));
    CHECK(tgdp_ecg_windows(&r, 100, 0, 0, &w, &e) == TGDP_EINVAL);
    /* normalisation: zero mean and fixed scale; lead 0 has a spike clipped at +5 mV */
    for (int l = 0; l < 12; l++)
        for (int t = 0; t < 1000; t++)
            tgdp_ecg_lead(&r, l)[t] = (float)(1.0 + 0.3 * sin(2 * PI * t / 100.0) + (l == 0 && t == 10 ? 50.0 : 0.0));
    CHECK(tgdp_ecg_windows(&r, 1000, 1000, 1, &w, NULL) == TGDP_OK);
    CHECK_CLOSE(w.data[10], TGDP_ECG_CLIP_MV / TGDP_ECG_SCALE_MV, 1e-5, 0);
    double mean = 0, mx = 0;
    const float *lead1 = w.data + 1000;
    for (int t = 0; t < 1000; t++) {
        mean += lead1[t];
        mx = fmax(mx, fabs(lead1[t]));
    }
    CHECK(fabs(mean / 1000) < 1e-5);
    CHECK_CLOSE(mx, 0.3 / TGDP_ECG_SCALE_MV, 1e-4, 0);
    CHECK_CLOSE(lead1[25], 0.3 / TGDP_ECG_SCALE_MV, 1e-4, 0);
    tgdp_tensor_free(&w);
    tgdp_ecg_record_free(&r);
}

static void test_sanity(void)
{
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    CHECK(tgdp_ecg_record_alloc(&r, 500, NULL) == TGDP_OK);
    strcpy(r.id, "synthetic");
    int16_t x[12 * 500];
    synth_leads(500, 500, x);
    for (int t = 0; t < 500; t++)
        for (int l = 0; l < 12; l++) tgdp_ecg_lead(&r, l)[t] = (float)(x[t * 12 + l] / 1000.0);
    tgdp_ecg_sanity s;
    CHECK(tgdp_ecg_check(&r, NULL, &s, NULL) == TGDP_OK);
    CHECK(s.n_nonfinite == 0 && s.flat_leads == 0 && s.limb_residual_mv < 0.002 && s.aug_residual_mv < 0.002);
    CHECK(r.flags == 0 && s.max_abs_mv > 0.1 && s.max_abs_mv < 1.0);
    for (int t = 0; t < 500; t++) tgdp_ecg_lead(&r, TGDP_LEAD_V3)[t] = 0.25f; /* lead off */
    tgdp_ecg_lead(&r, TGDP_LEAD_II)[100] += 0.5f;                             /* breaks II = I + III */
    CHECK(tgdp_ecg_check(&r, NULL, &s, NULL) == TGDP_OK);
    CHECK(s.flat_leads == 1u << TGDP_LEAD_V3 && (r.flags & TGDP_ECG_F_FLAT_LEAD));
    CHECK_CLOSE(s.limb_residual_mv, 0.5, 0.002, 0);
    CHECK((r.flags & TGDP_ECG_F_LIMB_MISMATCH) && r.limb_residual_mv == s.limb_residual_mv);
    tgdp_error e;
    tgdp_ecg_lead(&r, TGDP_LEAD_AVL)[7] = 25.0f;
    CHECK(tgdp_ecg_check(&r, "rec.hea", &s, &e) == TGDP_EFORMAT && strstr(e.msg, "rec.hea") &&
          strstr(e.msg, "lead aVL") && strstr(e.msg, "physiological"));
    tgdp_ecg_lead(&r, TGDP_LEAD_V1)[3] = NAN;
    CHECK(tgdp_ecg_check(&r, "rec.hea", &s, &e) == TGDP_ENONFINITE && s.n_nonfinite == 1 &&
          s.first_nonfinite_lead == TGDP_LEAD_V1 && strstr(e.msg, "lead V1"));
    tgdp_ecg_record_free(&r);
    CHECK(r.data == NULL && r.age == -1 && r.sex == 'U');
}

int main(void)
{
    test_sanity();
    test_downsample_sine();
    test_alias_removed();
    test_lengths_and_upsampling();
    test_record_resample();
    test_windows();
    TEST_MAIN_END();
}

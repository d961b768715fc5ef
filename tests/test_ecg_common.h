/* Helpers shared by the ECG tests: temp folders, file writing, synthetic 12-lead signals and
 * writers for WFDB (formats 16, 61, 80, 212), MAT v4 and CinC-style records. */
#ifndef TEST_ECG_COMMON_H
#define TEST_ECG_COMMON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tgdp/ecg.h"
#include "testutil.h"

#define ECG_DATA TGDP_SHARED_DIR "/data/ecg"

static inline int ecg_have_data(void)
{
    static int known = -1;
    struct stat st;
    if (known < 0) {
        known = tu_optional(stat(ECG_DATA, &st) == 0 && S_ISDIR(st.st_mode),
                            ECG_DATA " not found: the real-data checks did not run");
    }
    return known;
}

static inline char *tmp_dir(void)
{
    static char tmpl[64];
    strcpy(tmpl, "/tmp/tgdp_ecg_XXXXXX");
    char *d = mkdtemp(tmpl);
    if (!d) {
        perror("mkdtemp");
        exit(1);
    }
    return d;
}

static inline void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (strncmp(dir, "/tmp/tgdp_ecg_", 14) == 0 && system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

static inline void pathf(char *out, size_t cap, const char *dir, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static inline void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

static inline void write_text(const char *path, const char *text) { write_bytes(path, text, strlen(text)); }

static inline unsigned char *read_all(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long L = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)L + 1);
    if (!b || fread(b, 1, (size_t)L, f) != (size_t)L) {
        fclose(f);
        free(b);
        return NULL;
    }
    fclose(f);
    *n = (size_t)L;
    return b;
}

static inline void copy_file(const char *from, const char *to)
{
    size_t n;
    unsigned char *b = read_all(from, &n);
    if (!b) {
        perror(from);
        exit(1);
    }
    write_bytes(to, b, n);
    free(b);
}

/* Synthetic 12 leads in ADC units at 1000/mV, [n][12] frame-major, satisfying the limb
 * identities up to rounding. */
static inline void synth_leads(int n, double fs, int16_t *out)
{
    const double pi = 3.14159265358979323846;
    for (int t = 0; t < n; t++) {
        double s = t / fs;
        double I = 300 * sin(2 * pi * 1.1 * s) + 80 * sin(2 * pi * 7 * s);
        double III = 250 * sin(2 * pi * 1.3 * s + 0.5) - 60 * cos(2 * pi * 5 * s);
        double II = I + III;
        double v[12] = {I, II, III, -(I + II) / 2, (I - III) / 2, (II + III) / 2};
        for (int k = 6; k < 12; k++) v[k] = (150 + 40 * k) * sin(2 * pi * (0.9 + 0.1 * k) * s + k);
        for (int k = 0; k < 12; k++) out[t * 12 + k] = (int16_t)lround(v[k]);
    }
}

static const char *const lower_names[12] = {"i", "ii", "iii", "avr", "avl", "avf",
                                            "v1", "v2", "v3", "v4", "v5", "v6"};

/* Encode frame-major samples [n][nsig] in WFDB format fmt (16, 61, 80, 160, 212, 24, 32). */
static inline unsigned char *encode(int fmt, const int16_t *x, size_t count, size_t *nbytes)
{
    size_t width = fmt == 80 ? 1 : fmt == 24 ? 3 : fmt == 32 ? 4 : 2;
    size_t nb = fmt == 212 ? (count * 3 + 1) / 2 : count * width;
    unsigned char *b = calloc(nb + 1, 1);
    for (size_t i = 0; i < count; i++) {
        int v = x[i];
        unsigned char *q = b + i * width;
        if (fmt == 16 || fmt == 24 || fmt == 32) {
            uint32_t u = (uint32_t)(int32_t)v;
            for (size_t k = 0; k < width; k++) q[k] = (unsigned char)(u >> (8 * k));
        } else if (fmt == 61) {
            q[1] = (unsigned char)(v & 255);
            q[0] = (unsigned char)((v >> 8) & 255);
        } else if (fmt == 160) {
            q[0] = (unsigned char)((v + 32768) & 255);
            q[1] = (unsigned char)((v + 32768) >> 8);
        } else if (fmt == 80) {
            q[0] = (unsigned char)(v + 128);
        } else { /* 212 */
            unsigned u = (unsigned)v & 0xFFF;
            unsigned char *p = b + 3 * (i / 2);
            if (i % 2 == 0) {
                p[0] = (unsigned char)(u & 255);
                p[1] = (unsigned char)((p[1] & 0xF0) | (u >> 8));
            } else {
                p[2] = (unsigned char)(u & 255);
                p[1] = (unsigned char)((p[1] & 0x0F) | ((u >> 8) << 4));
            }
        }
    }
    *nbytes = nb;
    return b;
}

/* Write <dir>/<name>.hea and <dir>/<name>.dat: 12 leads, samples divided by div (to fit
 * 8/12-bit formats), gain 1000/div per mV, correct checksums and initial values. */
static inline void write_wfdb(const char *dir, const char *name, int fmt, int n, double fs, int div, const char *comments)
{
    int16_t *x = malloc(sizeof(int16_t) * 12 * (size_t)n);
    synth_leads(n, fs, x);
    for (int i = 0; i < 12 * n; i++) x[i] = (int16_t)lround(x[i] / (double)div);
    size_t nb;
    unsigned char *b = encode(fmt, x, 12 * (size_t)n, &nb);
    char path[512], hdr[8192];
    snprintf(path, sizeof path, "%s/%s.dat", dir, name);
    write_bytes(path, b, nb);
    int k = snprintf(hdr, sizeof hdr, "%s 12 %g %d\n", name, fs, n);
    for (int s = 0; s < 12; s++) {
        long sum = 0;
        for (int t = 0; t < n; t++) sum += x[t * 12 + s];
        k += snprintf(hdr + k, sizeof hdr - (size_t)k, "%s.dat %d %g(0)/mV 12 0 %d %d 0 %s\n", name, fmt,
                      1000.0 / div, x[s], (int)(int16_t)(uint16_t)(sum & 0xFFFF), lower_names[s]);
    }
    snprintf(hdr + k, sizeof hdr - (size_t)k, "%s", comments ? comments : "");
    snprintf(path, sizeof path, "%s/%s.hea", dir, name);
    write_text(path, hdr);
    free(b);
    free(x);
}

/* CinC-style record: <name>.hea + <name>.mat (MAT v4 int16 12 x n, "val", offset 24). */
static inline void write_cinc(const char *dir, const char *name, int n, const char *comments)
{
    static const char *const up[12] = {"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};
    int16_t *x = malloc(sizeof(int16_t) * 12 * (size_t)n);
    synth_leads(n, 500, x);
    size_t nb = 24 + 24 * (size_t)n;
    unsigned char *b = calloc(nb, 1);
    int32_t h[5] = {30, 12, n, 0, 4};
    memcpy(b, h, 20); /* the test machines are little endian */
    memcpy(b + 20, "val", 4);
    memcpy(b + 24, x, 24 * (size_t)n);
    char path[512], hdr[8192];
    snprintf(path, sizeof path, "%s/%s.mat", dir, name);
    write_bytes(path, b, nb);
    int k = snprintf(hdr, sizeof hdr, "%s 12 500 %d\n", name, n);
    for (int s = 0; s < 12; s++) {
        long sum = 0;
        for (int t = 0; t < n; t++) sum += x[t * 12 + s];
        k += snprintf(hdr + k, sizeof hdr - (size_t)k, "%s.mat 16x1+24 1000.0(0)/mV 16 0 %d %d 0 %s\n", name, x[s],
                      (int)(int16_t)(uint16_t)(sum & 0xFFFF), up[s]);
    }
    snprintf(hdr + k, sizeof hdr - (size_t)k, "%s", comments ? comments : "");
    snprintf(path, sizeof path, "%s/%s.hea", dir, name);
    write_text(path, hdr);
    free(b);
    free(x);
}

/* 1 when the record's limb-lead identities hold within tol mV. */
static inline int identities_hold(tgdp_ecg_record *r, double tol, double *res)
{
    tgdp_ecg_sanity s;
    if (tgdp_ecg_check(r, "test", &s, NULL) != TGDP_OK) return 0;
    if (res) *res = s.limb_residual_mv > s.aug_residual_mv ? s.limb_residual_mv : s.aug_residual_mv;
    return s.limb_residual_mv <= tol && s.aug_residual_mv <= tol;
}

#endif

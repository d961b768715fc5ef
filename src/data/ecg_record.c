/* ECG record model: lead names and order, allocation, the data sanity check (non-finite
 * samples, flat leads, amplitude range, limb-lead identities) and database naming. */
#include "data/ecg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const lead_names[TGDP_ECG_NLEADS] = {"I",  "II", "III", "aVR", "aVL", "aVF",
                                                         "V1", "V2", "V3",  "V4",  "V5",  "V6"};

const char *tgdp_ecg_lead_name(int lead)
{
    return (lead >= 0 && lead < TGDP_ECG_NLEADS) ? lead_names[lead] : NULL;
}

int tgdp_ecg_lead_from_name(const char *name)
{
    char buf[32];
    ecg_strlcpy(buf, name, sizeof buf);
    char *s = ecg_trim(buf);
    for (int i = 0; i < TGDP_ECG_NLEADS; i++)
        if (ecg_streq_ci(s, lead_names[i])) return i;
    return -1;
}

void tgdp_ecg_record_init(tgdp_ecg_record *r)
{
    memset(r, 0, sizeof *r);
    r->age = -1;
    r->sex = 'U';
}

void tgdp_ecg_record_free(tgdp_ecg_record *r)
{
    free(r->data);
    tgdp_ecg_record_init(r);
}

int tgdp_ecg_record_alloc(tgdp_ecg_record *r, int64_t n, tgdp_error *err)
{
    size_t count, bytes;
    if (n < 0 || !tgdp_mul_size((size_t)n, TGDP_ECG_NLEADS, &count) || !tgdp_mul_size(count, sizeof(float), &bytes))
        return tgdp_fail(err, TGDP_ENOMEM, "ecg record: %lld samples per lead is too many", (long long)n);
    float *d = calloc(count ? count : 1, sizeof(float));
    if (!d) return tgdp_fail(err, TGDP_ENOMEM, "ecg record: cannot allocate %zu bytes", bytes);
    free(r->data);
    r->data = d;
    r->n = n;
    return TGDP_OK;
}

/* Largest |a[t] - (w1*b[t] + w2*c[t])|. */
static float residual(const float *a, const float *b, const float *c, float w1, float w2, int64_t n)
{
    float m = 0;
    for (int64_t t = 0; t < n; t++) {
        float d = fabsf(a[t] - (w1 * b[t] + w2 * c[t]));
        if (d > m) m = d;
    }
    return m;
}

static void identity_residuals(const tgdp_ecg_record *r, tgdp_ecg_sanity *s)
{
    const float *I = tgdp_ecg_lead(r, TGDP_LEAD_I), *II = tgdp_ecg_lead(r, TGDP_LEAD_II),
                *III = tgdp_ecg_lead(r, TGDP_LEAD_III);
    s->limb_residual_mv = residual(II, I, III, 1.f, 1.f, r->n);
    float a = residual(tgdp_ecg_lead(r, TGDP_LEAD_AVR), I, II, -0.5f, -0.5f, r->n);
    float b = residual(tgdp_ecg_lead(r, TGDP_LEAD_AVL), I, III, 0.5f, -0.5f, r->n);
    float c = residual(tgdp_ecg_lead(r, TGDP_LEAD_AVF), II, III, 0.5f, 0.5f, r->n);
    s->aug_residual_mv = fmaxf(a, fmaxf(b, c));
}

static void scan_leads(const tgdp_ecg_record *r, tgdp_ecg_sanity *s)
{
    for (int l = 0; l < TGDP_ECG_NLEADS; l++) {
        const float *x = tgdp_ecg_lead(r, l);
        int flat = 1;
        for (int64_t t = 0; t < r->n; t++) {
            if (!isfinite(x[t])) {
                if (s->n_nonfinite++ == 0) s->first_nonfinite_lead = l;
                continue;
            }
            if (x[t] != x[0]) flat = 0;
            if (fabsf(x[t]) > s->max_abs_mv) {
                s->max_abs_mv = fabsf(x[t]);
                s->max_abs_lead = l;
            }
        }
        if (flat) s->flat_leads |= 1u << l;
    }
}

int tgdp_ecg_check(tgdp_ecg_record *r, const char *what, tgdp_ecg_sanity *out, tgdp_error *err)
{
    tgdp_ecg_sanity s;
    memset(&s, 0, sizeof s);
    s.first_nonfinite_lead = -1;
    if (!what) what = r->id;
    scan_leads(r, &s);
    if (s.n_nonfinite == 0) identity_residuals(r, &s);
    r->limb_residual_mv = s.limb_residual_mv;
    r->flags &= ~(TGDP_ECG_F_FLAT_LEAD | TGDP_ECG_F_LIMB_MISMATCH);
    if (s.flat_leads) r->flags |= TGDP_ECG_F_FLAT_LEAD;
    if (s.limb_residual_mv > TGDP_ECG_LIMB_TOL_MV || s.aug_residual_mv > TGDP_ECG_LIMB_TOL_MV)
        r->flags |= TGDP_ECG_F_LIMB_MISMATCH;
    if (out) *out = s;
    if (s.n_nonfinite)
        return tgdp_fail(err, TGDP_ENONFINITE, "%s: %zu invalid (non-finite) samples, first in lead %s", what,
                         s.n_nonfinite, lead_names[s.first_nonfinite_lead]);
    if (s.max_abs_mv > TGDP_ECG_MAX_ABS_MV)
        return tgdp_fail(err, TGDP_EFORMAT,
                         "%s: amplitude %.4g mV in lead %s is out of the physiological range (|x| <= %g mV): wrong "
                         "gain or units?", what, (double)s.max_abs_mv, lead_names[s.max_abs_lead],
                         TGDP_ECG_MAX_ABS_MV);
    return TGDP_OK;
}

/* CinC 2020/2021 record-name prefixes (the Challenge's renaming of each source database). */
void ecg_set_database_from_name(tgdp_ecg_record *r, const char *fallback)
{
    static const struct { const char *prefix, *db; } tab[] = {
        {"HR", "ptbxl"}, {"JS", "ningbo"}, {"E", "georgia"}, {"A", "cpsc2018"}, {"Q", "cpsc2018-extra"},
        {"I", "incart"}, {"S", "ptb"},
    };
    if (r->database[0]) return;
    size_t n = strlen(r->id);
    if (n > 3 && (strcmp(r->id + n - 3, "_lr") == 0 || strcmp(r->id + n - 3, "_hr") == 0)) {
        ecg_strlcpy(r->database, "ptbxl", sizeof r->database);
        return;
    }
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        size_t k = strlen(tab[i].prefix);
        if (strncmp(r->id, tab[i].prefix, k) == 0 && r->id[k] >= '0' && r->id[k] <= '9') {
            ecg_strlcpy(r->database, tab[i].db, sizeof r->database);
            return;
        }
    }
    ecg_strlcpy(r->database, fallback, sizeof r->database);
}

void ecg_append_source(char *dst, size_t cap, const char *text, const char *sep)
{
    if (dst[0]) ecg_strlcat(dst, sep, cap);
    ecg_strlcat(dst, text, cap);
}

char *tgdp_ecg_flags_format(unsigned flags, char *buf, size_t cap)
{
    static const struct { unsigned bit; const char *name; } tab[] = {
        {TGDP_ECG_F_GAIN_IS_RANGE, "gain_is_range"}, {TGDP_ECG_F_FLAT_LEAD, "flat_lead"},
        {TGDP_ECG_F_LIMB_MISMATCH, "limb_mismatch"}, {TGDP_ECG_F_ASSUMED_FS, "assumed_fs"}};
    if (cap == 0) return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (flags & tab[i].bit) {
            if (buf[0]) ecg_strlcat(buf, ";", cap);
            ecg_strlcat(buf, tab[i].name, cap);
        }
    return buf;
}

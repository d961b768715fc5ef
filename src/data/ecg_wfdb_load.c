/* WFDB record -> tgdp_ecg_record: leads mapped by name, ADC units to mV, metadata from the
 * header comments, and the LUDB gain correction.
 *
 * LUDB gain trap. In all 2400 LUDB 1.0.1 signals the header "gain" equals max - min of the
 * stored samples and the "baseline" is their rounded mean, so converting each lead with its
 * own header gain squeezes every lead into a ~1 mV span and breaks the limb-lead identities:
 * the stored integers are on one common scale (II = I + III holds exactly in raw units in all
 * 200 records, the augmented leads within 0.5 units). tgdp_wfdb_gain_is_range() detects the
 * trap (every signal's gain == max - min); the record is then converted with one common gain
 * TGDP_LUDB_ADC_PER_MV = 1000 units/mV and baseline 0 (the header's ADC zero; the common
 * offset keeps the identities exact) and flagged TGDP_ECG_F_GAIN_IS_RANGE.
 *
 * Why 1000 units/mV: LUDB's README gives no scale, so it was derived by comparing amplitude
 * statistics with databases whose scale is known. The median over records of the
 * 0.5-99.5 percentile span of lead II is 1123 raw units over the 200 LUDB records (quartiles
 * 815 / 1604), 1125 units (quartiles 874 / 1290) over the 50 CinC 2021 records stored at
 * 1000 units/mV, and 1.15 mV (0.89 / 1.50) over the 100 PTB-XL CSV records. A scale of
 * 1 uV per unit therefore gives LUDB the same typical QRS amplitude as the other databases
 * (the raw range -5220..9412 becomes -5.2..9.4 mV), and it is also the resolution PTB-XL
 * (Schiller devices, as LUDB's Schiller Cardiovit AT-101) uses. */
#include "data/ecg_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* "# Age: 78" / "#<age>: 51" -> key "age" (lower case, no '<' '>'), value "78". */
static void split_comment(const char *line, char *key, size_t kcap, char *val, size_t vcap, int *angled)
{
    while (*line == '#' || *line == ' ' || *line == '\t') line++;
    const char *colon = strchr(line, ':');
    *angled = 0;
    key[0] = '\0';
    if (colon) {
        size_t k = 0;
        for (const char *p = line; p < colon && k + 1 < kcap; p++) {
            if (*p == '<' || *p == '>') {
                *angled = 1;
                continue;
            }
            key[k++] = (char)tolower((unsigned char)*p);
        }
        key[k] = '\0';
        char *t = ecg_trim(key);
        memmove(key, t, strlen(t) + 1);
        line = colon + 1;
    }
    ecg_strlcpy(val, line, vcap);
    char *t = ecg_trim(val);
    memmove(val, t, strlen(t) + 1);
}

static char parse_sex(const char *v)
{
    if (ecg_streq_ci(v, "male") || ecg_streq_ci(v, "m")) return 'M';
    if (ecg_streq_ci(v, "female") || ecg_streq_ci(v, "f")) return 'F';
    return 'U';
}

/* "#Dx:" codes separated by commas or blanks: digits are SNOMED CT ids (CinC 2021), anything else
 * a CPSC 2018 class abbreviation (the Challenge 2020 re-release of CPSC 2018: "AF", "I-AVB"). */
static tgdp_ecg_labels dx_labels(const char *list)
{
    tgdp_ecg_labels m = 0;
    while (*list) {
        size_t k = strcspn(list, ", \t");
        char code[64];
        if (k > 0 && k < sizeof code) {
            memcpy(code, list, k);
            code[k] = '\0';
            int digits = strspn(code, "0123456789") == k;
            int l = tgdp_ecg_label_lookup(digits ? TGDP_ECG_SRC_SNOMED : TGDP_ECG_SRC_CPSC, code);
            if (l >= 0) m |= 1u << l;
        }
        list += k;
        if (*list) list++;
    }
    return m;
}

void tgdp_wfdb_comments_meta(const tgdp_wfdb_header *h, tgdp_ecg_record *r)
{
    int in_diagnoses = 0;
    for (size_t i = 0; i < h->n_comments; i++) {
        char key[64], val[512];
        int angled;
        split_comment(h->comments[i], key, sizeof key, val, sizeof val, &angled);
        if (angled) ecg_strlcpy(r->database, "ludb", sizeof r->database);
        if (in_diagnoses) { /* LUDB: every later comment line is one diagnosis */
            char text[512];
            const char *c = h->comments[i];
            while (*c == '#') c++;
            ecg_strlcpy(text, c, sizeof text);
            char *t = ecg_trim(text);
            int l = tgdp_ecg_label_lookup(TGDP_ECG_SRC_LUDB, t);
            if (l >= 0) r->labels |= 1u << l;
            ecg_append_source(r->source_labels, sizeof r->source_labels, t, "; ");
            continue;
        }
        long v;
        if (strcmp(key, "age") == 0 && ecg_parse_long(val, &v) && v >= 0 && v < 150) r->age = (int)v;
        else if (strcmp(key, "sex") == 0) r->sex = parse_sex(val);
        else if (strcmp(key, "dx") == 0) {
            r->labels |= dx_labels(val);
            ecg_append_source(r->source_labels, sizeof r->source_labels, val, ",");
        } else if (strcmp(key, "diagnoses") == 0) in_diagnoses = 1;
    }
}

/* Physical units -> factor to mV; 0 when not a voltage unit. */
static double unit_to_mv(const char *u)
{
    if (ecg_streq_ci(u, "mV")) return 1.0;
    if (ecg_streq_ci(u, "uV") || strcmp(u, "\xC2\xB5V") == 0 || strcmp(u, "\xCE\xBCV") == 0) return 1e-3;
    if (strcmp(u, "V") == 0 || strcmp(u, "v") == 0) return 1e3;
    return 0.0;
}

/* sig_of_lead[l] = header signal holding lead l. */
static int map_leads(const char *hea, const tgdp_wfdb_header *h, int *sig_of_lead, tgdp_error *err)
{
    for (int l = 0; l < TGDP_ECG_NLEADS; l++) sig_of_lead[l] = -1;
    for (int k = 0; k < h->nsig; k++) {
        int l = tgdp_ecg_lead_from_name(h->sig[k].description);
        if (l < 0) continue;
        if (sig_of_lead[l] >= 0)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: lead %s appears twice (signals %d and %d)", hea,
                             tgdp_ecg_lead_name(l), sig_of_lead[l], k);
        sig_of_lead[l] = k;
    }
    for (int l = 0; l < TGDP_ECG_NLEADS; l++)
        if (sig_of_lead[l] < 0)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: no signal named %s: not a standard 12-lead ECG record", hea,
                             tgdp_ecg_lead_name(l));
    return TGDP_OK;
}

static int convert(const char *hea, const tgdp_wfdb_header *h, const double *raw, int64_t nsamp, int common_scale,
                   tgdp_ecg_record *r, tgdp_error *err)
{
    int sig_of_lead[TGDP_ECG_NLEADS];
    int rc = map_leads(hea, h, sig_of_lead, err);
    if (rc) return rc;
    rc = tgdp_ecg_record_alloc(r, nsamp, err);
    if (rc) return rc;
    for (int l = 0; l < TGDP_ECG_NLEADS; l++) {
        const tgdp_wfdb_signal *s = &h->sig[sig_of_lead[l]];
        double mv = unit_to_mv(s->units);
        if (mv == 0)
            return tgdp_fail(err, TGDP_EUNSUPPORTED, "%s: lead %s has units '%s', not a voltage", hea,
                             tgdp_ecg_lead_name(l), s->units);
        double gain = common_scale ? TGDP_LUDB_ADC_PER_MV : s->gain;
        double base = common_scale ? 0.0 : s->baseline;
        if (gain == 0)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: lead %s has gain 0", hea, tgdp_ecg_lead_name(l));
        const double *x = raw + (size_t)sig_of_lead[l] * (size_t)nsamp;
        float *y = tgdp_ecg_lead(r, l);
        for (int64_t t = 0; t < nsamp; t++) y[t] = (float)((x[t] - base) / gain * mv);
    }
    return TGDP_OK;
}

int tgdp_wfdb_load(const char *hea_path, tgdp_ecg_record *r, tgdp_error *err)
{
    tgdp_wfdb_header h;
    double *raw = NULL;
    int64_t nsamp = 0;
    tgdp_ecg_record_free(r);
    int rc = tgdp_wfdb_read_header(hea_path, &h, err);
    if (rc) return rc;
    rc = tgdp_wfdb_read_raw(hea_path, &h, &raw, &nsamp, err);
    int fix = 0;
    if (!rc) {
        fix = tgdp_wfdb_gain_is_range(&h, raw, nsamp);
        rc = convert(hea_path, &h, raw, nsamp, fix, r, err);
    }
    if (!rc) {
        r->fs = h.fs;
        if (!h.fs_given) r->flags |= TGDP_ECG_F_ASSUMED_FS;
        if (fix) r->flags |= TGDP_ECG_F_GAIN_IS_RANGE;
        ecg_strlcpy(r->id, h.record_name, sizeof r->id);
        tgdp_wfdb_comments_meta(&h, r);
        ecg_set_database_from_name(r, "wfdb");
        rc = tgdp_ecg_check(r, hea_path, NULL, err);
    }
    free(raw);
    tgdp_wfdb_header_free(&h);
    if (rc) tgdp_ecg_record_free(r);
    return rc;
}

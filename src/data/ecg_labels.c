/* ECG labels: the shared vocabulary and the explicit mapping tables from PTB-XL SCP codes,
 * SNOMED CT codes (CinC 2020/2021 "#Dx:"), CPSC 2018 class numbers (and their abbreviations in the
 * Challenge 2020 re-release) and LUDB diagnosis text.
 *
 * The label index order is enum tgdp_ecg_label (and label_names below, which must list the
 * same order); it is never derived from sorting codes.
 *
 * Decisions (see also include/tgdp/ecg.h):
 *  - Complete bundle branch blocks only: CLBBB/CRBBB (SCP), 164909002/733534002 and
 *    59118001/713427006 (SNOMED, scored as one class each by CinC 2021); incomplete blocks
 *    (ILBBB, IRBBB, 251120003, 713426002) are not mapped.
 *  - PAC/PVC include the CinC 2021 equivalents (63593006 SVPB = PAC; 17338001 VPB and
 *    164884008 VEB = PVC).
 *  - STC collects statements about the ST segment: ST depression/elevation, non-specific
 *    ST(-T) changes, ischemic ST changes and subendocardial injury (SCP NST_, STD_, STE_,
 *    ISC*, INJ*, ANEUR; SNOMED 429622005, 164931005, 164930006, 55930002, 428750005,
 *    704997005 and the ischaemia codes the Challenge mapped PTB-XL's ISC* to; LUDB STEMI,
 *    ischemia and non-specific repolarization statements). T-wave-only statements, QT, digitalis
 *    and scars are not STC.
 *  - LVH is hypertrophy; voltage-only criteria (VCLVH, 55827005 LVHV, LUDB "overload") are
 *    not mapped.
 *  Codes were checked against the CinC 2021 dx_mapping tables and the data's own headers. */
#include "data/ecg_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const label_names[TGDP_ECG_NLABELS] = {
    "NORM", "AF", "1AVB", "LBBB", "RBBB", "PAC", "PVC", "STC", "STACH", "SBRAD", "LVH",
};

static const tgdp_ecg_label_map scp_map[] = {
    {"NORM", TGDP_ECG_NORM, "normal ECG"},
    {"AFIB", TGDP_ECG_AF, "atrial fibrillation"},
    {"AFLT", TGDP_ECG_AF, "atrial flutter"},
    {"1AVB", TGDP_ECG_1AVB, "first degree AV block"},
    {"CLBBB", TGDP_ECG_LBBB, "complete left bundle branch block"},
    {"CRBBB", TGDP_ECG_RBBB, "complete right bundle branch block"},
    {"PAC", TGDP_ECG_PAC, "atrial premature complex"},
    {"PVC", TGDP_ECG_PVC, "ventricular premature complex"},
    {"NST_", TGDP_ECG_STC, "non-specific ST changes"},
    {"STD_", TGDP_ECG_STC, "non-specific ST depression"},
    {"STE_", TGDP_ECG_STC, "non-specific ST elevation"},
    {"ISC*", TGDP_ECG_STC, "ischemic ST changes (ISC_, ISCAL, ISCAS, ISCIN, ISCIL, ISCAN, ISCLA)"},
    {"INJ*", TGDP_ECG_STC, "subendocardial injury (INJAS, INJAL, INJIN, INJLA, INJIL)"},
    {"ANEUR", TGDP_ECG_STC, "ST-T changes compatible with ventricular aneurysm"},
    {"STACH", TGDP_ECG_STACH, "sinus tachycardia"},
    {"SBRAD", TGDP_ECG_SBRAD, "sinus bradycardia"},
    {"LVH", TGDP_ECG_LVH, "left ventricular hypertrophy"},
};

static const tgdp_ecg_label_map snomed_map[] = {
    {"426783006", TGDP_ECG_NORM, "sinus rhythm"},
    {"164889003", TGDP_ECG_AF, "atrial fibrillation"},
    {"164890007", TGDP_ECG_AF, "atrial flutter"},
    {"270492004", TGDP_ECG_1AVB, "1st degree av block"},
    {"164909002", TGDP_ECG_LBBB, "left bundle branch block"},
    {"733534002", TGDP_ECG_LBBB, "complete left bundle branch block"},
    {"59118001", TGDP_ECG_RBBB, "right bundle branch block"},
    {"713427006", TGDP_ECG_RBBB, "complete right bundle branch block"},
    {"284470004", TGDP_ECG_PAC, "premature atrial contraction"},
    {"63593006", TGDP_ECG_PAC, "supraventricular premature beats"},
    {"427172004", TGDP_ECG_PVC, "premature ventricular contractions"},
    {"164884008", TGDP_ECG_PVC, "ventricular ectopics / premature ventricular complexes"},
    {"17338001", TGDP_ECG_PVC, "ventricular premature beats"},
    {"429622005", TGDP_ECG_STC, "st depression"},
    {"164931005", TGDP_ECG_STC, "st elevation"},
    {"164930006", TGDP_ECG_STC, "st interval abnormal"},
    {"55930002", TGDP_ECG_STC, "s t changes"},
    {"428750005", TGDP_ECG_STC, "nonspecific st t abnormality"},
    {"704997005", TGDP_ECG_STC, "inferior st segment depression"},
    {"426434006", TGDP_ECG_STC, "anterior ischemia"},
    {"425419005", TGDP_ECG_STC, "inferior ischaemia"},
    {"425623009", TGDP_ECG_STC, "lateral ischaemia"},
    {"427084000", TGDP_ECG_STACH, "sinus tachycardia"},
    {"426177001", TGDP_ECG_SBRAD, "sinus bradycardia"},
    {"164873001", TGDP_ECG_LVH, "left ventricular hypertrophy"},
};

static const tgdp_ecg_label_map cpsc_map[] = {
    {"1", TGDP_ECG_NORM, "Normal"},
    {"2", TGDP_ECG_AF, "atrial fibrillation"},
    {"3", TGDP_ECG_1AVB, "first-degree atrioventricular block (I-AVB)"},
    {"4", TGDP_ECG_LBBB, "left bundle branch block"},
    {"5", TGDP_ECG_RBBB, "right bundle branch block"},
    {"6", TGDP_ECG_PAC, "premature atrial contraction"},
    {"7", TGDP_ECG_PVC, "premature ventricular contraction"},
    {"8", TGDP_ECG_STC, "ST-segment depression"},
    {"9", TGDP_ECG_STC, "ST-segment elevation"},
    /* the class abbreviations of the Challenge 2020 re-release ("#Dx: AF", "#Dx: I-AVB,RBBB") */
    {"Normal", TGDP_ECG_NORM, "Normal"},
    {"AF", TGDP_ECG_AF, "atrial fibrillation"},
    {"I-AVB", TGDP_ECG_1AVB, "first-degree atrioventricular block"},
    {"IAVB", TGDP_ECG_1AVB, "first-degree atrioventricular block"},
    {"LBBB", TGDP_ECG_LBBB, "left bundle branch block"},
    {"RBBB", TGDP_ECG_RBBB, "right bundle branch block"},
    {"PAC", TGDP_ECG_PAC, "premature atrial contraction"},
    {"PVC", TGDP_ECG_PVC, "premature ventricular contraction"},
    {"STD", TGDP_ECG_STC, "ST-segment depression"},
    {"STE", TGDP_ECG_STC, "ST-segment elevation"},
};

/* Normalised LUDB text (see normalise_ludb). "i degree av block" is exact, so "iii degree
 * av-block" does not match it. */
static const tgdp_ecg_label_map ludb_map[] = {
    {"sinus rhythm", TGDP_ECG_NORM, "Sinus rhythm"},
    {"atrial fibrillation", TGDP_ECG_AF, "Atrial fibrillation"},
    {"atrial flutter*", TGDP_ECG_AF, "Atrial flutter, typical"},
    {"i degree av block", TGDP_ECG_1AVB, "I degree AV block"},
    {"complete left bundle branch block", TGDP_ECG_LBBB, "Complete left bundle branch block"},
    {"complete right bundle branch block", TGDP_ECG_RBBB, "Complete right bundle branch block"},
    {"atrial extrasystole*", TGDP_ECG_PAC, "Atrial extrasystole (any type/localisation)"},
    {"ventricular extrasystole*", TGDP_ECG_PVC, "Ventricular extrasystole (any type/localisation)"},
    {"stemi*", TGDP_ECG_STC, "STEMI: <wall>"},
    {"ischemia*", TGDP_ECG_STC, "Ischemia: <wall>"},
    {"undefined ischemia/scar/supp.nstemi*", TGDP_ECG_STC, "Undefined ischemia/scar/supp.NSTEMI: <wall>"},
    {"non-specific repolarization abnormalities*", TGDP_ECG_STC,
     "Non-specific repolarization abnormalities: <wall>"},
    {"sinus tachycardia", TGDP_ECG_STACH, "Sinus tachycardia"},
    {"sinus bradycardia", TGDP_ECG_SBRAD, "Sinus bradycardia"},
    {"left ventricular hypertrophy", TGDP_ECG_LVH, "Left ventricular hypertrophy"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *tgdp_ecg_label_name(int label)
{
    return (label >= 0 && label < TGDP_ECG_NLABELS) ? label_names[label] : NULL;
}

int tgdp_ecg_label_from_name(const char *name)
{
    for (int i = 0; i < TGDP_ECG_NLABELS; i++)
        if (ecg_streq_ci(name, label_names[i])) return i;
    return -1;
}

const tgdp_ecg_label_map *tgdp_ecg_label_table(tgdp_ecg_label_source src, size_t *n)
{
    switch (src) {
    case TGDP_ECG_SRC_SCP: *n = NELEM(scp_map); return scp_map;
    case TGDP_ECG_SRC_SNOMED: *n = NELEM(snomed_map); return snomed_map;
    case TGDP_ECG_SRC_CPSC: *n = NELEM(cpsc_map); return cpsc_map;
    case TGDP_ECG_SRC_LUDB: *n = NELEM(ludb_map); return ludb_map;
    }
    *n = 0;
    return NULL;
}

/* LUDB text: lower case, drop leading '#'/blanks and "rhythm:", trailing blanks and '.'. */
static void normalise_ludb(const char *in, char *out, size_t cap)
{
    while (*in == '#' || *in == ' ' || *in == '\t') in++;
    size_t k = 0;
    for (; *in && k + 1 < cap; in++) out[k++] = (char)tolower((unsigned char)*in);
    out[k] = '\0';
    char *s = ecg_trim(out);
    if (strncmp(s, "rhythm:", 7) == 0) s = ecg_trim(s + 7);
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' ')) s[--n] = '\0';
    memmove(out, s, n + 1);
}

static int code_matches(const char *pattern, const char *code)
{
    size_t n = strlen(pattern);
    if (n > 0 && pattern[n - 1] == '*') return strncasecmp(code, pattern, n - 1) == 0;
    return ecg_streq_ci(code, pattern);
}

int tgdp_ecg_label_lookup(tgdp_ecg_label_source src, const char *code)
{
    size_t n;
    const tgdp_ecg_label_map *t = tgdp_ecg_label_table(src, &n);
    char buf[256];
    if (src == TGDP_ECG_SRC_LUDB) normalise_ludb(code, buf, sizeof buf);
    else {
        ecg_strlcpy(buf, code, sizeof buf);
        char *s = ecg_trim(buf);
        memmove(buf, s, strlen(s) + 1);
    }
    if (buf[0] == '\0') return -1;
    for (size_t i = 0; i < n; i++)
        if (code_matches(t[i].code, buf)) return t[i].label;
    return -1;
}

tgdp_ecg_labels tgdp_ecg_labels_from_list(tgdp_ecg_label_source src, const char *list, const char *seps)
{
    tgdp_ecg_labels m = 0;
    char item[256];
    while (*list) {
        size_t k = strcspn(list, seps);
        size_t c = k < sizeof item - 1 ? k : sizeof item - 1;
        memcpy(item, list, c);
        item[c] = '\0';
        int l = tgdp_ecg_label_lookup(src, item);
        if (l >= 0) m |= 1u << l;
        list += k;
        if (*list) list++;
    }
    return m;
}

char *tgdp_ecg_labels_format(tgdp_ecg_labels labels, char *buf, size_t cap)
{
    if (cap == 0) return buf;
    buf[0] = '\0';
    for (int i = 0; i < TGDP_ECG_NLABELS; i++) {
        if (!(labels & (1u << i))) continue;
        if (buf[0]) ecg_strlcat(buf, ",", cap);
        ecg_strlcat(buf, label_names[i], cap);
    }
    return buf;
}

/* Tests of the ECG label vocabulary and the SCP / SNOMED / CPSC / LUDB mapping tables, the
 * lead-name mapping, and (real data) that every mapped SCP code exists in scp_statements.csv. */
#include "test_ecg_common.h"

static void test_vocabulary_order(void)
{
    /* the index order is the fixed enum order, never sorted */
    static const char *const want[] = {"NORM", "AF", "1AVB", "LBBB", "RBBB", "PAC",
                                       "PVC",  "STC", "STACH", "SBRAD", "LVH"};
    CHECK(TGDP_ECG_NLABELS == 11);
    for (int i = 0; i < TGDP_ECG_NLABELS; i++) {
        CHECK(strcmp(tgdp_ecg_label_name(i), want[i]) == 0);
        CHECK(tgdp_ecg_label_from_name(want[i]) == i);
    }
    CHECK(TGDP_ECG_NORM == 0 && TGDP_ECG_1AVB == 2 && TGDP_ECG_STC == 7 && TGDP_ECG_LVH == 10);
    CHECK(tgdp_ecg_label_name(11) == NULL && tgdp_ecg_label_name(-1) == NULL);
    CHECK(tgdp_ecg_label_from_name("stach") == TGDP_ECG_STACH && tgdp_ecg_label_from_name("XYZ") == -1);
    char buf[64];
    tgdp_ecg_labels m = (1u << TGDP_ECG_LVH) | (1u << TGDP_ECG_NORM) | (1u << TGDP_ECG_STC);
    CHECK(strcmp(tgdp_ecg_labels_format(m, buf, sizeof buf), "NORM,STC,LVH") == 0);
    CHECK(strcmp(tgdp_ecg_labels_format(0, buf, sizeof buf), "") == 0);
    /* every table row points into the vocabulary */
    for (int src = TGDP_ECG_SRC_SCP; src <= TGDP_ECG_SRC_LUDB; src++) {
        size_t n;
        const tgdp_ecg_label_map *t = tgdp_ecg_label_table((tgdp_ecg_label_source)src, &n);
        CHECK(t != NULL && n > 0);
        for (size_t i = 0; i < n; i++) CHECK(t[i].label >= 0 && t[i].label < TGDP_ECG_NLABELS && t[i].meaning);
    }
}

#define SCP(code, lab) CHECKF(tgdp_ecg_label_lookup(TGDP_ECG_SRC_SCP, code) == (lab), "SCP %s", code)
#define SNO(code, lab) CHECKF(tgdp_ecg_label_lookup(TGDP_ECG_SRC_SNOMED, code) == (lab), "SNOMED %s", code)
#define LUD(text, lab) CHECKF(tgdp_ecg_label_lookup(TGDP_ECG_SRC_LUDB, text) == (lab), "LUDB '%s'", text)

static void test_scp(void)
{
    SCP("NORM", TGDP_ECG_NORM);
    SCP("AFIB", TGDP_ECG_AF);
    SCP("AFLT", TGDP_ECG_AF);
    SCP("1AVB", TGDP_ECG_1AVB);
    SCP("CLBBB", TGDP_ECG_LBBB);
    SCP("CRBBB", TGDP_ECG_RBBB);
    SCP("ILBBB", -1);
    SCP("IRBBB", -1);
    SCP("PAC", TGDP_ECG_PAC);
    SCP("PVC", TGDP_ECG_PVC);
    SCP("STD_", TGDP_ECG_STC);
    SCP("STE_", TGDP_ECG_STC);
    SCP("NST_", TGDP_ECG_STC);
    SCP("ISC_", TGDP_ECG_STC);
    SCP("ISCAL", TGDP_ECG_STC);
    SCP("ISCIN", TGDP_ECG_STC);
    SCP("INJAS", TGDP_ECG_STC);
    SCP("NDT", -1);
    SCP("DIG", -1);
    SCP("LNGQT", -1);
    SCP("STACH", TGDP_ECG_STACH);
    SCP("SBRAD", TGDP_ECG_SBRAD);
    SCP("SR", -1);
    SCP("LVH", TGDP_ECG_LVH);
    SCP("VCLVH", -1);
    SCP(" lvh ", TGDP_ECG_LVH);
    SCP("", -1);
}

static void test_snomed_cpsc(void)
{
    SNO("426783006", TGDP_ECG_NORM);
    SNO("164889003", TGDP_ECG_AF);
    SNO("164890007", TGDP_ECG_AF);
    SNO("270492004", TGDP_ECG_1AVB);
    SNO("164909002", TGDP_ECG_LBBB);
    SNO("733534002", TGDP_ECG_LBBB);
    SNO("59118001", TGDP_ECG_RBBB);
    SNO("713427006", TGDP_ECG_RBBB);
    SNO("713426002", -1); /* IRBBB */
    SNO("284470004", TGDP_ECG_PAC);
    SNO("63593006", TGDP_ECG_PAC);
    SNO("427172004", TGDP_ECG_PVC);
    SNO("164884008", TGDP_ECG_PVC);
    SNO("17338001", TGDP_ECG_PVC);
    SNO("429622005", TGDP_ECG_STC);
    SNO("164930006", TGDP_ECG_STC);
    SNO("164931005", TGDP_ECG_STC);
    SNO("55930002", TGDP_ECG_STC);
    SNO("427084000", TGDP_ECG_STACH);
    SNO("426177001", TGDP_ECG_SBRAD);
    SNO("164873001", TGDP_ECG_LVH);
    SNO("55827005", -1);  /* LV high voltage: not LVH */
    SNO("164934002", -1); /* T wave abnormal */
    SNO("4267830060", -1);
    tgdp_ecg_labels m = tgdp_ecg_labels_from_list(TGDP_ECG_SRC_SNOMED, "284470004,427084000,698252002,55930002", ",");
    CHECK(m == ((1u << TGDP_ECG_PAC) | (1u << TGDP_ECG_STACH) | (1u << TGDP_ECG_STC)));
    CHECK(tgdp_ecg_labels_from_list(TGDP_ECG_SRC_SNOMED, "", ",") == 0);
    CHECK(tgdp_ecg_labels_from_list(TGDP_ECG_SRC_SNOMED, ",,164889003,", ",") == 1u << TGDP_ECG_AF);
    static const int cpsc[10] = {-1, TGDP_ECG_NORM, TGDP_ECG_AF, TGDP_ECG_1AVB, TGDP_ECG_LBBB, TGDP_ECG_RBBB,
                                 TGDP_ECG_PAC, TGDP_ECG_PVC, TGDP_ECG_STC, TGDP_ECG_STC};
    for (int c = 1; c <= 9; c++) {
        char s[4];
        snprintf(s, sizeof s, "%d", c);
        CHECK(tgdp_ecg_label_lookup(TGDP_ECG_SRC_CPSC, s) == cpsc[c]);
    }
    CHECK(tgdp_ecg_label_lookup(TGDP_ECG_SRC_CPSC, "10") == -1);
    CHECK(tgdp_ecg_label_lookup(TGDP_ECG_SRC_CPSC, "0") == -1);
}

static void test_ludb_text(void)
{
    LUD("Sinus rhythm", TGDP_ECG_NORM);
    LUD("#Rhythm: Sinus rhythm.", TGDP_ECG_NORM);
    LUD("Sinus bradycardia", TGDP_ECG_SBRAD);
    LUD("#Rhythm: Sinus tachycardia.", TGDP_ECG_STACH);
    LUD("Atrial fibrillation", TGDP_ECG_AF);
    LUD("Atrial flutter, typical", TGDP_ECG_AF);
    LUD("I degree av block", TGDP_ECG_1AVB);
    LUD("#I degree AV block. ", TGDP_ECG_1AVB);
    LUD("Iii degree av-block", -1);
    LUD("#III degree AV-block. ", -1);
    LUD("Complete left bundle branch block", TGDP_ECG_LBBB);
    LUD("Incomplete left bundle branch block", -1);
    LUD("Complete right bundle branch block", TGDP_ECG_RBBB);
    LUD("Incomplete right bundle branch block", -1);
    LUD("Atrial extrasystole, type: single pac", TGDP_ECG_PAC);
    LUD("#Atrial extrasystole: SA-nodal extrasystole. ", TGDP_ECG_PAC);
    LUD("Ventricular extrasystole, type: couplet", TGDP_ECG_PVC);
    LUD("Stemi: anterior wall", TGDP_ECG_STC);
    LUD("Ischemia: inferior wall", TGDP_ECG_STC);
    LUD("Undefined ischemia/scar/supp.nstemi: apical", TGDP_ECG_STC);
    LUD("Non-specific repolarization abnormalities: septal", TGDP_ECG_STC);
    LUD("Scar formation: septal", -1);
    LUD("Left ventricular hypertrophy", TGDP_ECG_LVH);
    LUD("#Left ventricular hypertrophy. ", TGDP_ECG_LVH);
    LUD("Left ventricular overload", -1);
    LUD("Electric axis of the heart: normal", -1);
    LUD("Sinus arrhythmia", -1);
}

static void test_lead_names(void)
{
    static const char *const canon[12] = {"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};
    for (int l = 0; l < 12; l++) {
        CHECK(strcmp(tgdp_ecg_lead_name(l), canon[l]) == 0);
        CHECK(tgdp_ecg_lead_from_name(canon[l]) == l);
        CHECK(tgdp_ecg_lead_from_name(lower_names[l]) == l);
    }
    CHECK(tgdp_ecg_lead_from_name("AVR") == TGDP_LEAD_AVR);
    CHECK(tgdp_ecg_lead_from_name(" V1 ") == TGDP_LEAD_V1);
    CHECK(tgdp_ecg_lead_from_name("MLII") == -1);
    CHECK(tgdp_ecg_lead_from_name("V7") == -1);
    CHECK(tgdp_ecg_lead_from_name("") == -1);
    CHECK(tgdp_ecg_lead_name(12) == NULL);
}

/* Every exact SCP code of the table is a real PTB-XL statement; the wildcard families
 * match exactly the statements they are documented to match. */
static void test_scp_table_vs_statements(void)
{
    tgdp_scp_statement *st;
    size_t n;
    tgdp_error e;
    CHECKF(tgdp_ptbxl_read_statements(ECG_DATA "/ptbxl/scp_statements.csv", &st, &n, &e) == TGDP_OK, "%s", e.msg);
    CHECK(n == 71);
    size_t nt;
    const tgdp_ecg_label_map *t = tgdp_ecg_label_table(TGDP_ECG_SRC_SCP, &nt);
    for (size_t i = 0; i < nt; i++) {
        if (strchr(t[i].code, '*')) continue;
        int found = 0;
        for (size_t k = 0; k < n; k++) found |= strcmp(st[k].code, t[i].code) == 0;
        CHECKF(found, "table code %s is not in scp_statements.csv", t[i].code);
    }
    int stc = 0, diag = 0, rhythm = 0, form = 0;
    for (size_t k = 0; k < n; k++) {
        stc += tgdp_ecg_label_lookup(TGDP_ECG_SRC_SCP, st[k].code) == TGDP_ECG_STC;
        diag += st[k].diagnostic;
        rhythm += st[k].rhythm;
        form += st[k].form;
        if (strcmp(st[k].code, "NORM") == 0) CHECK(strcmp(st[k].diagnostic_class, "NORM") == 0);
        if (strcmp(st[k].code, "CLBBB") == 0)
            CHECK(strcmp(st[k].description, "complete left bundle branch block") == 0);
    }
    /* NST_, STD_, STE_, ANEUR, 7 ISC*, 5 INJ* */
    CHECK(stc == 16);
    CHECK(diag == 44 && rhythm == 12 && form == 19);
    free(st);
}

int main(int argc, char **argv)
{
    tu_init(argc, argv);
    test_vocabulary_order();
    test_scp();
    test_snomed_cpsc();
    test_ludb_text();
    test_lead_names();
    if (ecg_have_data()) test_scp_table_vs_statements();
    TEST_MAIN_END();
}

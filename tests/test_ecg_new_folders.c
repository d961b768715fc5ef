/* Tests of the readers on the two larger shared folders: ptbxl-records100/ (PTB-XL records
 * 1-1999 in the published WFDB records100/ layout with ptbxl_database.csv) and
 * cpsc2018-cinc2020/ (CPSC 2018 records A0001-A0010 in the Challenge 2020 format, whose "#Dx:"
 * lines are CPSC class abbreviations). Exits 77 (skipped) when the shared data is absent. */
#include "test_ecg_common.h"

#define L(x) (1u << TGDP_ECG_##x)

static void count_labels(const tgdp_ecg_index *idx, int *counts)
{
    for (size_t i = 0; i < idx->n; i++)
        for (int k = 0; k < TGDP_ECG_NLABELS; k++) counts[k] += (idx->entries[i].labels >> k) & 1u;
}

/* records100/ with ptbxl_database.csv: 1999 records, the label counts of the data README, and the
 * signals equal to the CSV copies of records 1-100 in ptbxl/ */
static void test_ptbxl_records100(void)
{
    tgdp_ecg_index idx;
    tgdp_error e;
    CHECKF(tgdp_ecg_list(ECG_DATA "/ptbxl-records100", &idx, &e) == TGDP_OK, "%s", e.msg);
    CHECK(idx.n == 1999 && idx.n_missing == 0 && strcmp(idx.layout, "ptbxl") == 0);
    int c[TGDP_ECG_NLABELS] = {0};
    count_labels(&idx, c);
    /* the data README: NORM 1055, STC 370, LVH 176, AF 111, PVC 99, 1AVB 64, STACH 61, PAC 55,
     * SBRAD 45, RBBB 41, LBBB 34 */
    static const int want[TGDP_ECG_NLABELS] = {1055, 111, 64, 34, 41, 55, 99, 370, 61, 45, 176};
    for (int k = 0; k < TGDP_ECG_NLABELS; k++)
        CHECKF(c[k] == want[k], "%s: %d records, expected %d", tgdp_ecg_label_name(k), c[k], want[k]);
    if (idx.n < 1999) {
        tgdp_ecg_index_free(&idx);
        return;
    }
    const tgdp_ecg_entry *first = &idx.entries[0], *last = &idx.entries[1998];
    CHECK(strcmp(first->id, "00001") == 0 && strcmp(first->database, "ptbxl") == 0 && first->fold == 3);
    CHECK(strstr(first->path, "records100/00000/00001_lr.hea") != NULL);
    CHECK(strcmp(last->id, "01999") == 0 && strstr(last->path, "records100/01000/01999_lr.hea") != NULL);
    /* the WFDB record and the CSV copy hold the same signal (1000 ADC units per mV, 3 decimals) */
    tgdp_ecg_record w, v;
    tgdp_ecg_record_init(&w);
    tgdp_ecg_record_init(&v);
    int same = 0, loaded = 0;
    for (int i = 0; i < 100; i += 33) {
        char csv[256];
        snprintf(csv, sizeof csv, ECG_DATA "/ptbxl/%05d_lr_100hz.csv", i + 1);
        if (tgdp_ecg_load_entry(&idx.entries[i], &w, &e) || tgdp_ecg_load(csv, &v, &e)) {
            CHECKF(0, "%s", e.msg);
            continue;
        }
        loaded++;
        double worst = 0;
        for (int64_t t = 0; t < 12 * w.n && w.n == v.n; t++) worst = fmax(worst, fabs(w.data[t] - v.data[t]));
        same += w.fs == 100 && w.n == 1000 && v.n == 1000 && worst < 1e-6 && w.labels == idx.entries[i].labels;
    }
    CHECK(loaded == 4 && same == 4);
    /* every record loads and passes the sanity checks (a sample of 50 spread over the folders) */
    int ok = 0;
    for (size_t i = 0; i < idx.n; i += 40) {
        if (tgdp_ecg_load_entry(&idx.entries[i], &w, &e) == TGDP_OK) ok += w.n == 1000 && w.fs == 100;
        else CHECKF(0, "%s", e.msg);
    }
    CHECK(ok == 50);
    tgdp_ecg_record_free(&w);
    tgdp_ecg_record_free(&v);
    tgdp_ecg_index_free(&idx);
}

/* A0001-A0010 in the Challenge 2020 format: "#Dx: AF" etc. map through the CPSC table */
static void test_cpsc_cinc2020(void)
{
    tgdp_ecg_index idx;
    tgdp_error e;
    CHECKF(tgdp_ecg_list(ECG_DATA "/cpsc2018-cinc2020", &idx, &e) == TGDP_OK, "%s", e.msg);
    CHECK(idx.n == 10 && strcmp(idx.layout, "wfdb") == 0);
    int c[TGDP_ECG_NLABELS] = {0};
    count_labels(&idx, c);
    /* the data README: AF 4, RBBB 3, Normal, PVC, STD 1 each */
    CHECK(c[TGDP_ECG_AF] == 4 && c[TGDP_ECG_RBBB] == 3 && c[TGDP_ECG_NORM] == 1 && c[TGDP_ECG_PVC] == 1 &&
          c[TGDP_ECG_STC] == 1);
    CHECK(c[TGDP_ECG_1AVB] + c[TGDP_ECG_LBBB] + c[TGDP_ECG_PAC] + c[TGDP_ECG_STACH] + c[TGDP_ECG_SBRAD] +
              c[TGDP_ECG_LVH] == 0);
    int labelled = 0;
    for (size_t i = 0; i < idx.n; i++) labelled += idx.entries[i].labels != 0;
    CHECK(labelled == 10);
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    CHECKF(tgdp_ecg_load(ECG_DATA "/cpsc2018-cinc2020/A0001.hea", &r, &e) == TGDP_OK, "%s", e.msg);
    CHECK(r.fs == 500 && r.n == 7500 && r.labels == L(RBBB) && r.age == 74 && r.sex == 'M');
    CHECK(strcmp(r.id, "A0001") == 0 && strcmp(r.database, "cpsc2018") == 0 && strcmp(r.source_labels, "RBBB") == 0);
    CHECK_CLOSE(tgdp_ecg_lead(&r, TGDP_LEAD_I)[0], 0.028, 1e-7, 0);
    CHECK_CLOSE(tgdp_ecg_lead(&r, TGDP_LEAD_V1)[0], -0.290, 1e-7, 0);
    int ok = 0;
    for (size_t i = 0; i < idx.n; i++) {
        if (tgdp_ecg_load_entry(&idx.entries[i], &r, &e) == TGDP_OK)
            ok += r.fs == 500 && r.n >= 5000 && r.n <= 12500 && strcmp(r.database, "cpsc2018") == 0;
        else CHECKF(0, "%s", e.msg);
    }
    CHECK(ok == 10);
    tgdp_ecg_record_free(&r);
    tgdp_ecg_index_free(&idx);
    /* the abbreviations themselves, and mixed "#Dx:" lists */
    CHECK(tgdp_ecg_label_lookup(TGDP_ECG_SRC_CPSC, "I-AVB") == TGDP_ECG_1AVB);
    CHECK(tgdp_ecg_label_lookup(TGDP_ECG_SRC_CPSC, "normal") == TGDP_ECG_NORM);
    CHECK(tgdp_ecg_label_lookup(TGDP_ECG_SRC_CPSC, "STE") == TGDP_ECG_STC);
    CHECK(tgdp_ecg_label_lookup(TGDP_ECG_SRC_CPSC, "IRBBB") == -1);
}

/* "#Dx:" with abbreviations, SNOMED codes or both, on a synthetic header */
static void test_dx_kinds(void)
{
    static const struct { const char *dx; tgdp_ecg_labels want; } cases[] = {
        {"I-AVB,RBBB", L(1AVB) | L(RBBB)},
        {"AF, PVC", L(AF) | L(PVC)},
        {"164889003,59118001", L(AF) | L(RBBB)},
        {"STD,426783006", L(STC) | L(NORM)},
        {"Unknown", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "X1 1 500 10\nX1.dat 16 1000/mV 16 0 0 0 0 I\n#Age: 50\n#Dx: %s\n", cases[i].dx);
        tgdp_wfdb_header h;
        tgdp_error e;
        CHECKF(tgdp_wfdb_parse_header(text, strlen(text), "t.hea", &h, &e) == TGDP_OK, "%s", e.msg);
        tgdp_ecg_record r;
        tgdp_ecg_record_init(&r);
        tgdp_wfdb_comments_meta(&h, &r);
        CHECKF(r.labels == cases[i].want, "#Dx: %s -> 0x%x", cases[i].dx, r.labels);
        tgdp_wfdb_header_free(&h);
    }
}

int main(void)
{
    test_dx_kinds();
    struct stat st;
    if (stat(ECG_DATA "/ptbxl-records100", &st) || stat(ECG_DATA "/cpsc2018-cinc2020", &st)) {
        printf("SKIP: %s/ptbxl-records100 or cpsc2018-cinc2020 not found\n", ECG_DATA);
        return tu_fail ? 1 : 77;
    }
    test_ptbxl_records100();
    test_cpsc_cinc2020();
    TEST_MAIN_END();
}

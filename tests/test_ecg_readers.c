/* Tests of the ECG readers on the real files in TGDP_SHARED_DIR/data/ecg (LUDB, PTB-XL CSV and
 * database, PTB-XL/Georgia/Ningbo CinC 2021 WFDB+MAT v4, CPSC 2018 MAT v5) and on synthetic
 * WFDB records (formats 16/61/80/212, multi-sample frames, uV units, published download
 * layouts) written to a temp folder. */
#include "test_ecg_common.h"

static int count_label(const tgdp_ecg_index *idx, int label)
{
    int n = 0;
    for (size_t i = 0; i < idx->n; i++) n += (idx->entries[i].labels >> label) & 1u;
    return n;
}

static const tgdp_ecg_entry *find_entry(const tgdp_ecg_index *idx, const char *id)
{
    for (size_t i = 0; i < idx->n; i++)
        if (strcmp(idx->entries[i].id, id) == 0) return &idx->entries[i];
    return NULL;
}

#define L(x) (1u << TGDP_ECG_##x)

/* 0.5-99.5 percentile span of lead II, per record, for the amplitude-scale comparison. */
static double ludb_span[200], ptbxl_span[100];
static int n_ludb_span, n_ptbxl_span;

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double lead2_span(const tgdp_ecg_record *r)
{
    float *v = malloc(sizeof(float) * (size_t)r->n);
    memcpy(v, tgdp_ecg_lead(r, TGDP_LEAD_II), sizeof(float) * (size_t)r->n);
    qsort(v, (size_t)r->n, sizeof *v, cmp_float);
    double span = v[(size_t)(0.995 * (double)(r->n - 1))] - v[(size_t)(0.005 * (double)(r->n - 1))];
    free(v);
    return span;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The LUDB scale (1000 units/mV, see ecg_wfdb_load.c) gives LUDB the typical lead-II
 * amplitude of PTB-XL; with the per-lead header gains every span would be ~1 "mV" by
 * construction, and at 100 or 10000 units/mV a factor 10 off. */
static void test_amplitude_scale(void)
{
    CHECK(n_ludb_span == 200 && n_ptbxl_span == 100);
    if (n_ludb_span < 10 || n_ptbxl_span < 10) return;
    double ml = median(ludb_span, n_ludb_span), mp = median(ptbxl_span, n_ptbxl_span);
    CHECKF(ml / mp > 0.8 && ml / mp < 1.25, "LUDB median lead-II span %.3f mV vs PTB-XL %.3f mV", ml, mp);
}

/* ------------------------------------------------------------------ LUDB */
static void test_ludb_header(void)
{
    tgdp_wfdb_header h;
    tgdp_error e;
    CHECKF(tgdp_wfdb_read_header(ECG_DATA "/ludb/data/1.hea", &h, &e) == TGDP_OK, "%s", e.msg);
    CHECK(strcmp(h.record_name, "1") == 0 && h.nsig == 12 && h.fs == 500 && h.nsamp == 5000);
    const tgdp_wfdb_signal *s = &h.sig[0];
    CHECK(strcmp(s->file_name, "1.dat") == 0 && s->format == 16 && s->samples_per_frame == 1);
    CHECK(s->gain == 1716 && s->gain_given && s->baseline == 6 && s->baseline_given);
    CHECK(strcmp(s->units, "mV") == 0 && s->adc_resolution == 0 && s->adc_zero == 0);
    CHECK(s->init_value == -120 && s->checksum == -32198 && s->block_size == 0);
    CHECK(strcmp(s->description, "i") == 0 && strcmp(h.sig[11].description, "v6") == 0);
    CHECK(h.n_comments == 8);
    CHECK(h.n_comments > 0 && strcmp(h.comments[0], "#<age>: 51") == 0);
    CHECK(h.n_comments > 3 && strcmp(h.comments[3], "#Rhythm: Sinus bradycardia.") == 0);
    double *raw;
    int64_t n;
    CHECKF(tgdp_wfdb_read_raw(ECG_DATA "/ludb/data/1.hea", &h, &raw, &n, &e) == TGDP_OK, "%s", e.msg);
    CHECK(n == 5000 && raw[0] == -120 && raw[5000] == 25);
    CHECK(tgdp_wfdb_gain_is_range(&h, raw, n) == 1);
    /* the trap: each lead converted with its own header gain breaks II = I + III */
    double worst = 0;
    int64_t exact = 0;
    for (int64_t t = 0; t < n; t++) {
        double I = (raw[t] - h.sig[0].baseline) / h.sig[0].gain, II = (raw[5000 + t] - h.sig[1].baseline) / h.sig[1].gain,
               III = (raw[10000 + t] - h.sig[2].baseline) / h.sig[2].gain;
        worst = fmax(worst, fabs(II - (I + III)));
        exact += raw[5000 + t] == raw[t] + raw[10000 + t];
    }
    CHECK(exact == n); /* II = I + III exactly in raw units */
    CHECKF(worst > 0.1, "per-lead gains residual %g", worst);
    free(raw);
    tgdp_wfdb_header_free(&h);
}

static void test_ludb_records(void)
{
    tgdp_ecg_index idx;
    tgdp_error e;
    CHECKF(tgdp_ecg_list(ECG_DATA "/ludb", &idx, &e) == TGDP_OK, "%s", e.msg);
    CHECK(idx.n == 200 && idx.n_missing == 0 && strcmp(idx.layout, "ludb") == 0);
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int ok = 0, same_labels = 0, fixed = 0;
    double worst_res = 0, peak = 0;
    for (size_t i = 0; i < idx.n; i++) {
        const tgdp_ecg_entry *en = &idx.entries[i];
        if (tgdp_ecg_load(en->path, &r, &e) != TGDP_OK) {
            if (ok == (int)i) CHECKF(0, "%s", e.msg); /* report the first failure only */
            continue;
        }
        double res = 0;
        ok += r.fs == 500 && r.n == 5000 && strcmp(r.database, "ludb") == 0 && identities_hold(&r, 0.01, &res);
        worst_res = fmax(worst_res, res);
        fixed += (r.flags & TGDP_ECG_F_GAIN_IS_RANGE) != 0;
        same_labels += r.labels == en->labels && r.age == en->age && r.sex == en->sex; /* header vs ludb.csv */
        for (int64_t k = 0; k < 12 * r.n; k++) peak = fmax(peak, fabs(r.data[k]));
        if (n_ludb_span < 200) ludb_span[n_ludb_span++] = lead2_span(&r);
    }
    CHECKF(ok == 200, "%d of 200 LUDB records at 500 Hz x 5000 with II = I + III (worst %g mV)", ok, worst_res);
    CHECK(worst_res < 0.002);
    CHECK(fixed == 200);
    CHECK(same_labels == 200);
    CHECK_CLOSE(peak, 9.412, 1e-4, 0); /* raw maximum 9412 at 1000 units/mV */
    CHECK(count_label(&idx, TGDP_ECG_NORM) == 143);
    CHECK(count_label(&idx, TGDP_ECG_SBRAD) == 25);
    CHECK(count_label(&idx, TGDP_ECG_STACH) == 4);
    CHECK(count_label(&idx, TGDP_ECG_AF) == 18); /* 15 fibrillation + 3 flutter */
    CHECK(count_label(&idx, TGDP_ECG_1AVB) == 10);
    CHECK(count_label(&idx, TGDP_ECG_LBBB) == 4 && count_label(&idx, TGDP_ECG_RBBB) == 4);
    CHECK(count_label(&idx, TGDP_ECG_LVH) == 108);
    const tgdp_ecg_entry *e1 = find_entry(&idx, "1"), *e34 = find_entry(&idx, "34");
    CHECK(e1 && e1->labels == (L(SBRAD) | L(LVH) | L(STC)) && e1->age == 51 && e1->sex == 'F');
    CHECK(e34 && e34->age == 90 && (e34->labels & L(NORM)));
    /* record 1, sample 0, lead I: raw -120 -> -0.120 mV */
    if (tgdp_ecg_load(ECG_DATA "/ludb/data/1.hea", &r, NULL) == TGDP_OK) {
        CHECK_CLOSE(r.data[0], -0.120, 1e-6, 0);
        CHECK(strcmp(r.id, "1") == 0 && r.labels == (L(SBRAD) | L(LVH) | L(STC)));
    } else CHECK(0);
    tgdp_ecg_record_free(&r);
    tgdp_ecg_index_free(&idx);
}

/* ------------------------------------------------------------------ CinC 2021 */
static void test_cinc_folder(const char *dir, const char *db, int expect_n, int *counts)
{
    tgdp_ecg_index idx;
    tgdp_error e;
    CHECKF(tgdp_ecg_list(dir, &idx, &e) == TGDP_OK, "%s", e.msg);
    CHECK((int)idx.n == expect_n && strcmp(idx.layout, "wfdb") == 0);
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int ok = 0;
    double worst = 0, res = 0;
    for (size_t i = 0; i < idx.n; i++) {
        if (tgdp_ecg_load_entry(&idx.entries[i], &r, &e) != TGDP_OK) {
            CHECKF(0, "%s", e.msg);
            continue;
        }
        ok += r.fs == 500 && r.n == 5000 && strcmp(r.database, db) == 0 && r.age > 0 && r.sex != 'U' &&
              !(r.flags & TGDP_ECG_F_GAIN_IS_RANGE) && identities_hold(&r, 0.01, &res);
        worst = fmax(worst, res);
        for (int l = 0; l < TGDP_ECG_NLABELS; l++) counts[l] += (r.labels >> l) & 1u;
    }
    CHECKF(ok == expect_n, "%s: %d of %d ok (worst identity residual %g)", dir, ok, expect_n, worst);
    CHECK(worst < 0.004);
    tgdp_ecg_record_free(&r);
    tgdp_ecg_index_free(&idx);
}

static void test_cinc(void)
{
    int g[TGDP_ECG_NLABELS] = {0}, nb[TGDP_ECG_NLABELS] = {0}, hr[TGDP_ECG_NLABELS] = {0};
    test_cinc_folder(ECG_DATA "/cinc2021/georgia", "georgia", 20, g);
    CHECK(g[TGDP_ECG_STACH] == 6 && g[TGDP_ECG_NORM] == 5 && g[TGDP_ECG_SBRAD] == 4);
    CHECK(g[TGDP_ECG_RBBB] == 2 && g[TGDP_ECG_LVH] == 2 && g[TGDP_ECG_STC] == 2);
    test_cinc_folder(ECG_DATA "/cinc2021/ningbo", "ningbo", 20, nb);
    CHECK(nb[TGDP_ECG_PAC] == 20 && nb[TGDP_ECG_STACH] == 16 && nb[TGDP_ECG_PVC] == 5);
    CHECK(nb[TGDP_ECG_SBRAD] == 2 && nb[TGDP_ECG_LVH] == 1);
    test_cinc_folder(ECG_DATA "/ptbxl/hr500", "ptbxl", 10, hr);
    CHECK(hr[TGDP_ECG_NORM] == 10 && hr[TGDP_ECG_STC] == 1 && hr[TGDP_ECG_SBRAD] == 1 && hr[TGDP_ECG_STACH] == 1);

    tgdp_wfdb_header h;
    tgdp_error e;
    CHECKF(tgdp_wfdb_read_header(ECG_DATA "/cinc2021/georgia/E07500.hea", &h, &e) == TGDP_OK, "%s", e.msg);
    const tgdp_wfdb_signal *s = &h.sig[0];
    CHECK(strcmp(s->file_name, "E07500.mat") == 0 && s->format == 16 && s->samples_per_frame == 1);
    CHECK(s->has_byte_offset && s->byte_offset == 24 && s->gain == 1000 && s->baseline == 0);
    CHECK(s->adc_resolution == 16 && s->init_value == -68 && s->checksum == 1250 && strcmp(s->description, "I") == 0);
    CHECK(strcmp(h.sig[3].description, "aVR") == 0);
    CHECK(h.n_comments == 5 && strcmp(h.comments[2], "# Dx: 67741000119109,426177001") == 0);
    tgdp_wfdb_header_free(&h);

    /* MAT v4 header of the signal file */
    size_t len;
    unsigned char *buf = read_all(ECG_DATA "/cinc2021/georgia/E07500.mat", &len);
    tgdp_mat4_header m;
    CHECK(buf && tgdp_mat4_parse_header(buf, len, "E07500.mat", &m, &e) == TGDP_OK);
    CHECK(m.type == 30 && m.mrows == 12 && m.ncols == 5000 && m.imagf == 0 && m.namlen == 4);
    CHECK(strcmp(m.name, "val") == 0 && m.precision == 3 && m.data_offset == 24 && !m.big_endian);
    free(buf);

    /* one record three ways: .hea, .mat with its header, standalone MAT v4 */
    tgdp_ecg_record a, b, c;
    tgdp_ecg_record_init(&a);
    tgdp_ecg_record_init(&b);
    tgdp_ecg_record_init(&c);
    CHECK(tgdp_ecg_load(ECG_DATA "/cinc2021/georgia/E07500.hea", &a, NULL) == TGDP_OK);
    CHECK(tgdp_ecg_load(ECG_DATA "/cinc2021/georgia/E07500.mat", &b, NULL) == TGDP_OK);
    CHECK(tgdp_mat4_load(ECG_DATA "/cinc2021/georgia/E07500.mat", &c, NULL) == TGDP_OK);
    CHECK(a.n == 5000 && b.n == 5000 && c.n == 5000);
    CHECK(a.n == c.n && memcmp(a.data, b.data, sizeof(float) * 12 * 5000) == 0 &&
          memcmp(a.data, c.data, sizeof(float) * 12 * 5000) == 0);
    CHECK_CLOSE(a.data[0], -0.068, 1e-7, 0);
    CHECK(strcmp(a.id, "E07500") == 0 && a.age == 78 && a.sex == 'M' && a.labels == L(SBRAD));
    CHECK(strcmp(a.source_labels, "67741000119109,426177001") == 0);
    CHECK(!(a.flags & TGDP_ECG_F_ASSUMED_FS) && (c.flags & TGDP_ECG_F_ASSUMED_FS) && c.fs == 500);
    CHECK(strcmp(c.database, "georgia") == 0);
    /* lower-case unit "mv" (PTB-XL copies) and known labels */
    CHECK(tgdp_ecg_load(ECG_DATA "/ptbxl/hr500/HR06001", &a, NULL) == TGDP_OK); /* record name, no extension */
    CHECK(a.labels == (L(NORM) | L(STC)) && a.sex == 'F' && strcmp(a.database, "ptbxl") == 0);
    CHECK(tgdp_ecg_load(ECG_DATA "/ptbxl/hr500/HR06002.hea", &a, NULL) == TGDP_OK);
    CHECK(a.labels == (L(NORM) | L(SBRAD)));
    CHECK(tgdp_ecg_load(ECG_DATA "/cinc2021/ningbo/JS20000.hea", &a, NULL) == TGDP_OK);
    CHECK(a.labels == (L(PAC) | L(STACH) | L(STC)));
    tgdp_ecg_record_free(&a);
    tgdp_ecg_record_free(&b);
    tgdp_ecg_record_free(&c);
}

/* ------------------------------------------------------------------ CPSC 2018 */
static void test_cpsc(void)
{
    static const struct { const char *id; int label; char sex; int age; int n; } want[10] = {
        {"A1980", TGDP_ECG_PAC, 'M', 52, 5000},   {"A1981", TGDP_ECG_STC, 'F', 48, 7950},
        {"A1982", TGDP_ECG_1AVB, 'M', 89, 5000},  {"A1983", TGDP_ECG_NORM, 'M', 49, 7500},
        {"A1984", TGDP_ECG_STC, 'F', 23, 9500},   {"A1985", TGDP_ECG_STC, 'F', 26, 5517},
        {"A1986", TGDP_ECG_RBBB, 'F', 53, 21500}, {"A1987", TGDP_ECG_RBBB, 'M', 59, 6778},
        {"A1988", TGDP_ECG_1AVB, 'F', 49, 27157}, {"A1989", TGDP_ECG_1AVB, 'F', 34, 8500},
    };
    tgdp_cpsc_ref *refs;
    size_t nref;
    tgdp_error e;
    CHECKF(tgdp_cpsc_read_reference(ECG_DATA "/cpsc2018/REFERENCE.csv", &refs, &nref, &e) == TGDP_OK, "%s", e.msg);
    CHECK(nref == 10 && strcmp(refs[0].id, "A1980") == 0 && refs[0].n_codes == 1 && refs[0].codes[0] == 6);
    free(refs);
    tgdp_ecg_index idx;
    CHECKF(tgdp_ecg_list(ECG_DATA "/cpsc2018", &idx, &e) == TGDP_OK, "%s", e.msg);
    CHECK(idx.n == 10 && strcmp(idx.layout, "cpsc2018") == 0);
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    for (size_t i = 0; i < idx.n && i < 10; i++) {
        CHECK(strcmp(idx.entries[i].id, want[i].id) == 0 && idx.entries[i].labels == 1u << want[i].label);
        int rc = tgdp_ecg_load_entry(&idx.entries[i], &r, &e);
        CHECKF(rc == TGDP_OK, "%s", e.msg);
        if (rc) continue;
        double res = 0;
        CHECKF(r.n == want[i].n && r.fs == 500 && r.sex == want[i].sex && r.age == want[i].age,
               "%s: n %lld sex %c age %d", want[i].id, (long long)r.n, r.sex, r.age);
        CHECKF(identities_hold(&r, 0.01, &res) && res < 0.003, "%s residual %g", want[i].id, res);
        CHECK(r.labels == 1u << want[i].label && strcmp(r.database, "cpsc2018") == 0);
    }
    /* the file alone: no labels, rate flagged as assumed */
    CHECK(tgdp_ecg_load(ECG_DATA "/cpsc2018/A1980.mat", &r, NULL) == TGDP_OK);
    CHECK(r.labels == 0 && (r.flags & TGDP_ECG_F_ASSUMED_FS) && strcmp(r.id, "A1980") == 0);
    tgdp_ecg_record_free(&r);
    tgdp_ecg_index_free(&idx);
}

/* ------------------------------------------------------------------ PTB-XL */
static void test_ptbxl(void)
{
    tgdp_ptbxl_row *rows;
    size_t n;
    tgdp_error e;
    CHECKF(tgdp_ptbxl_read_database(ECG_DATA "/ptbxl/ptbxl_database_1-100.csv", &rows, &n, &e) == TGDP_OK, "%s",
           e.msg);
    CHECK(n == 100);
    if (n == 100) {
        CHECK(rows[0].ecg_id == 1 && rows[0].patient_id == 15709 && rows[0].age == 56 && rows[0].sex == 'F');
        CHECK(rows[0].strat_fold == 3 && rows[0].labels == L(NORM));
        CHECK(strcmp(rows[0].scp_codes, "{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}") == 0);
        CHECK(strcmp(rows[0].filename_lr, "records100/00000/00001_lr") == 0);
        CHECK(rows[1].labels == (L(NORM) | L(SBRAD)) && rows[1].sex == 'M' && rows[1].strat_fold == 2);
        int folds[11] = {0}, males = 0, af = 0, stc = 0, lvh = 0, norm = 0;
        for (size_t i = 0; i < n; i++) {
            folds[rows[i].strat_fold]++;
            males += rows[i].sex == 'M';
            af += (rows[i].labels & L(AF)) != 0;
            stc += (rows[i].labels & L(STC)) != 0;
            lvh += (rows[i].labels & L(LVH)) != 0;
            norm += (rows[i].labels & L(NORM)) != 0;
        }
        static const int want[11] = {0, 10, 10, 6, 10, 8, 9, 7, 7, 21, 12};
        CHECK(memcmp(folds, want, sizeof want) == 0);
        CHECK(males == 56 && lvh == 2 && norm == 76 && stc == 3 && af >= 5 && af <= 6);
    }
    free(rows);
    tgdp_scp_code codes[8];
    size_t nc;
    CHECK(tgdp_ptbxl_parse_scp_codes("{'NORM': 100.0, 'SR': 0.0}", codes, 8, &nc, "t", NULL) == TGDP_OK);
    CHECK(nc == 2 && strcmp(codes[1].code, "SR") == 0 && codes[0].likelihood == 100.0);
    CHECK(tgdp_ptbxl_parse_scp_codes("{}", codes, 8, &nc, "t", NULL) == TGDP_OK && nc == 0);
    CHECK(tgdp_ptbxl_parse_scp_codes("{'AFLT': 100.0}", codes, 8, &nc, "t", NULL) == TGDP_OK && nc == 1);

    tgdp_ecg_index idx;
    CHECKF(tgdp_ecg_list(ECG_DATA "/ptbxl", &idx, &e) == TGDP_OK, "%s", e.msg);
    CHECK(idx.n == 100 && idx.n_missing == 0 && strcmp(idx.layout, "ptbxl") == 0);
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int ok = 0;
    double worst = 0, res = 0;
    for (size_t i = 0; i < idx.n; i++) {
        if (tgdp_ecg_load_entry(&idx.entries[i], &r, &e) != TGDP_OK) {
            CHECKF(0, "%s", e.msg);
            continue;
        }
        ok += r.fs == 100 && r.n == 1000 && identities_hold(&r, 0.01, &res) && idx.entries[i].fold >= 1;
        if (n_ptbxl_span < 100) ptbxl_span[n_ptbxl_span++] = lead2_span(&r);
        worst = fmax(worst, res);
    }
    CHECKF(ok == 100, "%d of 100 PTB-XL CSV records ok (worst %g)", ok, worst);
    CHECK(worst < 0.003);
    CHECK(tgdp_ecg_load(ECG_DATA "/ptbxl/00001_lr_100hz.csv", &r, NULL) == TGDP_OK);
    CHECK(strcmp(r.id, "00001_lr") == 0 && strcmp(r.database, "ptbxl") == 0);
    CHECK_CLOSE(tgdp_ecg_lead(&r, TGDP_LEAD_I)[0], -0.119, 1e-6, 0);
    CHECK_CLOSE(tgdp_ecg_lead(&r, TGDP_LEAD_V6)[1], -0.074, 1e-6, 0);
    tgdp_ecg_record_free(&r);
    tgdp_ecg_index_free(&idx);
}

/* ------------------------------------------------------------------ synthetic */

/* WFDB formats round trip: every format decodes to the synthetic values. */
static void test_synthetic_formats(const char *dir)
{
    static const int fmts[7] = {16, 61, 80, 212, 160, 24, 32};
    static const int divs[7] = {1, 1, 5, 1, 1, 1, 1};
    int16_t *want = malloc(sizeof(int16_t) * 12 * 700);
    synth_leads(700, 250, want);
    for (int k = 0; k < 7; k++) {
        char name[32], hea[512];
        snprintf(name, sizeof name, "fmt%d", fmts[k]);
        write_wfdb(dir, name, fmts[k], 700, 250, divs[k], "# Age: 33\n# Sex: Female\n# Dx: 164889003\n");
        snprintf(hea, sizeof hea, "%s/%s.hea", dir, name);
        tgdp_ecg_record r;
        tgdp_ecg_record_init(&r);
        tgdp_error e;
        int rc = tgdp_ecg_load(hea, &r, &e);
        CHECKF(rc == TGDP_OK, "format %d: %s", fmts[k], e.msg);
        if (rc) continue;
        double worst = 0;
        for (int t = 0; t < 700; t++)
            for (int l = 0; l < 12; l++) {
                double v = lround(want[t * 12 + l] / (double)divs[k]) * divs[k] / 1000.0;
                worst = fmax(worst, fabs(tgdp_ecg_lead(&r, l)[t] - v));
            }
        CHECKF(worst < 1e-6, "format %d max err %g", fmts[k], worst);
        CHECK(r.fs == 250 && r.n == 700 && r.age == 33 && r.sex == 'F' && r.labels == L(AF));
        CHECK(strcmp(r.database, "wfdb") == 0 && identities_hold(&r, 0.01, NULL));
        tgdp_ecg_record_free(&r);
    }
    free(want);
}

/* Multi-sample frames, skew, uV units, reordered leads, "fs/counter(base)" and no nsamp. */
static void test_synthetic_header_forms(const char *dir)
{
    int16_t x[12 * 100];
    synth_leads(100, 100, x);
    /* file: lead order reversed; signal 0 (v6) has 2 samples per frame, both = value */
    int16_t frames[13 * 100];
    for (int t = 0; t < 100; t++) {
        frames[t * 13 + 0] = frames[t * 13 + 1] = x[t * 12 + 11];
        for (int k = 1; k < 12; k++) frames[t * 13 + 1 + k] = x[t * 12 + 11 - k];
    }
    size_t nb;
    unsigned char *b = encode(16, frames, 13 * 100, &nb);
    char path[512], hdr[4096];
    pathf(path, sizeof path, dir, "forms.dat");
    write_bytes(path, b, nb);
    free(b);
    int k = snprintf(hdr, sizeof hdr, "# a comment before the record line\nforms 12 100/1000(5)\n");
    for (int s = 0; s < 12; s++) {
        const char *fmt = s == 0 ? "16x2" : "16";
        long sum = 0;
        for (int t = 0; t < 100; t++) sum += frames[t * 13 + (s == 0 ? 0 : s + 1)];
        k += snprintf(hdr + k, sizeof hdr - (size_t)k, "forms.dat %s %s 16 0\t%d %d 0 %s\n", fmt,
                      s == 1 ? "1.0/uV" : "1000", frames[s == 0 ? 0 : s + 1], (int)(int16_t)(uint16_t)(sum & 0xFFFF),
                      lower_names[11 - s]); /* lead v5 in uV: gain 1/uV */
    }
    pathf(path, sizeof path, dir, "forms.hea");
    write_text(path, hdr);
    tgdp_wfdb_header h;
    tgdp_error e;
    CHECKF(tgdp_wfdb_read_header(path, &h, &e) == TGDP_OK, "%s", e.msg);
    CHECK(h.fs == 100 && h.counter_freq == 1000 && h.base_counter == 5 && h.nsamp == -1);
    CHECK(h.sig[0].samples_per_frame == 2 && strcmp(h.sig[1].units, "uV") == 0 && h.sig[1].gain == 1.0);
    CHECK(h.n_comments == 1 && strcmp(h.comments[0], "# a comment before the record line") == 0);
    tgdp_wfdb_header_free(&h);
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    CHECKF(tgdp_ecg_load(path, &r, &e) == TGDP_OK, "%s", e.msg);
    CHECK(r.n == 100);
    double worst = 0;
    for (int t = 0; t < 100 && r.n == 100; t++)
        for (int l = 0; l < 12; l++) {
            double v = x[t * 12 + l] / 1000.0; /* v5 in uV at gain 1: value/1 uV = value/1000 mV */
            worst = fmax(worst, fabs(tgdp_ecg_lead(&r, l)[t] - v));
        }
    CHECKF(worst < 1e-6, "header forms max err %g", worst);
    tgdp_ecg_record_free(&r);

    /* gain 0 means 200 per spec; baseline defaults to ADC zero */
    tgdp_wfdb_header g;
    const char *text = "rec 1 360\nrec.dat 212 0 12 1024\n";
    CHECK(tgdp_wfdb_parse_header(text, strlen(text), "rec.hea", &g, NULL) == TGDP_OK);
    CHECK(g.sig[0].gain == 200 && !g.sig[0].gain_given && g.sig[0].baseline == 1024 && g.sig[0].adc_zero == 1024);
    CHECK(g.sig[0].description[0] == '\0' && !g.sig[0].has_init_value && g.fs == 360 && g.nsamp == -1);
    tgdp_wfdb_header_free(&g);
    text = "rec 1\r\nrec.dat 16x4:3+512 100(-3)/mmHg 12 7 1 2 0 ABP signal\r\n";
    CHECK(tgdp_wfdb_parse_header(text, strlen(text), "rec.hea", &g, NULL) == TGDP_OK);
    CHECK(g.fs == 250 && !g.fs_given && g.sig[0].samples_per_frame == 4 && g.sig[0].skew == 3);
    CHECK(g.sig[0].byte_offset == 512 && g.sig[0].baseline == -3 && strcmp(g.sig[0].units, "mmHg") == 0);
    CHECK(strcmp(g.sig[0].description, "ABP signal") == 0 && g.sig[0].checksum == 2 && g.sig[0].init_value == 1);
    tgdp_wfdb_header_free(&g);
    text = "rec 1 500 10 12:30:00 01/02/2003\nrec.dat 16\n";
    CHECK(tgdp_wfdb_parse_header(text, strlen(text), "rec.hea", &g, NULL) == TGDP_OK);
    CHECK(strcmp(g.base_time, "12:30:00") == 0 && strcmp(g.base_date, "01/02/2003") == 0 && g.nsamp == 10);
    tgdp_wfdb_header_free(&g);
}

/* Skew: signal 0 is stored 2 frames late; the reader undoes it and holds the last sample. */
static void test_synthetic_skew(const char *dir)
{
    enum { N = 200 };
    int16_t x[12 * N], st[12 * N];
    synth_leads(N, 500, x);
    memcpy(st, x, sizeof st);
    for (int t = 0; t < N; t++) st[t * 12] = t >= 2 ? x[(t - 2) * 12] : 0;
    size_t nb;
    unsigned char *b = encode(16, st, 12 * N, &nb);
    char path[512], hdr[4096];
    pathf(path, sizeof path, dir, "skew.dat");
    write_bytes(path, b, nb);
    free(b);
    int k = snprintf(hdr, sizeof hdr, "skew 12 500 %d\n", N);
    for (int s = 0; s < 12; s++) {
        long sum = 0;
        for (int t = 0; t < N; t++) sum += st[t * 12 + s];
        k += snprintf(hdr + k, sizeof hdr - (size_t)k, "skew.dat %s 1000 16 0 %d %d 0 %s\n", s == 0 ? "16:2" : "16",
                      st[s], (int)(int16_t)(uint16_t)(sum & 0xFFFF), lower_names[s]);
    }
    pathf(path, sizeof path, dir, "skew.hea");
    write_text(path, hdr);
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    tgdp_error e;
    int rc = tgdp_ecg_load(path, &r, &e);
    CHECKF(rc == TGDP_OK, "%s", e.msg);
    if (rc) return;
    int good = 0;
    for (int t = 0; t < N; t++) {
        int src = t < N - 2 ? t : N - 3;
        good += tgdp_ecg_lead(&r, 0)[t] == (float)(x[src * 12] / 1000.0);
    }
    CHECK(good == N);
    CHECK(tgdp_ecg_lead(&r, 1)[5] == (float)(x[5 * 12 + 1] / 1000.0));
    tgdp_ecg_record_free(&r);
}

/* Published download layouts: PTB-XL records100/... WFDB, CPSC TrainingSet folders, and a
 * CinC-style nested folder with a standalone MAT v4 listing. */
static void test_download_layouts(const char *dir)
{
    char p[512], q[512];
    pathf(p, sizeof p, dir, "ptbxl_full");
    mkdir(p, 0755);
    pathf(p, sizeof p, dir, "ptbxl_full/records100");
    mkdir(p, 0755);
    pathf(p, sizeof p, dir, "ptbxl_full/records100/00000");
    mkdir(p, 0755);
    write_wfdb(p, "00001_lr", 16, 1000, 100, 1, NULL);
    write_wfdb(p, "00002_lr", 16, 1000, 100, 1, NULL);
    pathf(q, sizeof q, dir, "ptbxl_full/ptbxl_database.csv");
    write_text(q, "ecg_id,patient_id,age,sex,scp_codes,strat_fold,filename_lr,filename_hr\r\n"
                  "1,15709.0,56.0,1,\"{'NORM': 100.0, 'SR': 0.0}\",3,records100/00000/00001_lr,records500/00000/00001_hr\r\n"
                  "2,13243.0,300.0,0,\"{'AFIB': 0.0, 'STD_': 50.0}\",10,records100/00000/00002_lr,records500/00000/00002_hr\r\n"
                  "3,13243.0,19.0,0,{'NORM': 100.0},9,records100/00000/00003_lr,records500/00000/00003_hr\r\n");
    tgdp_ecg_index idx;
    tgdp_error e;
    pathf(p, sizeof p, dir, "ptbxl_full");
    CHECKF(tgdp_ecg_list(p, &idx, &e) == TGDP_OK, "%s", e.msg);
    CHECK(idx.n == 2 && idx.n_missing == 1 && strcmp(idx.layout, "ptbxl") == 0);
    if (idx.n == 2) {
        CHECK(strstr(idx.entries[0].path, "records100/00000/00001_lr.hea") != NULL);
        CHECK(idx.entries[1].labels == (L(AF) | L(STC)) && idx.entries[1].age == 90 && idx.entries[1].fold == 10);
        tgdp_ecg_record r;
        tgdp_ecg_record_init(&r);
        CHECKF(tgdp_ecg_load_entry(&idx.entries[1], &r, &e) == TGDP_OK, "%s", e.msg);
        CHECK(r.fs == 100 && r.n == 1000 && r.labels == (L(AF) | L(STC)) && strcmp(r.database, "ptbxl") == 0);
        CHECK(strcmp(r.id, "00002") == 0 && r.sex == 'M');
        tgdp_ecg_record_free(&r);
    }
    tgdp_ecg_index_free(&idx);

    /* CinC-style download: training/<source>/<group>/ with WFDB + MAT v4 */
    pathf(p, sizeof p, dir, "training");
    mkdir(p, 0755);
    pathf(p, sizeof p, dir, "training/georgia");
    mkdir(p, 0755);
    pathf(p, sizeof p, dir, "training/georgia/g1");
    mkdir(p, 0755);
    write_cinc(p, "E00001", 600, "# Age: 60\n# Sex: Male\n# Dx: 270492004,59118001\n");
    write_cinc(p, "E00002", 600, "# Age: NaN\n# Sex: Unknown\n# Dx: 426783006\n");
    pathf(p, sizeof p, dir, "training");
    CHECKF(tgdp_ecg_list(p, &idx, &e) == TGDP_OK, "%s", e.msg);
    CHECK(idx.n == 2 && strcmp(idx.layout, "wfdb") == 0);
    if (idx.n == 2) {
        CHECK(strcmp(idx.entries[0].id, "E00001") == 0 && idx.entries[0].labels == (L(1AVB) | L(RBBB)));
        CHECK(idx.entries[0].age == 60 && idx.entries[0].sex == 'M' && strcmp(idx.entries[0].database, "georgia") == 0);
        CHECK(idx.entries[1].age == -1 && idx.entries[1].sex == 'U' && idx.entries[1].labels == L(NORM));
    }
    tgdp_ecg_index_free(&idx);
    /* PhysioNet multi-level RECORDS: "georgia/" -> georgia/RECORDS -> "g1/" -> g1/RECORDS */
    pathf(p, sizeof p, dir, "training/RECORDS");
    write_text(p, "georgia/\nmissing/\n");
    pathf(p, sizeof p, dir, "training/georgia/RECORDS");
    write_text(p, "g1/\n");
    pathf(p, sizeof p, dir, "training/georgia/g1/RECORDS");
    write_text(p, "E00002\nE00003\n");
    pathf(p, sizeof p, dir, "training");
    CHECKF(tgdp_ecg_list(p, &idx, &e) == TGDP_OK, "%s", e.msg);
    CHECK(idx.n == 1 && idx.n_missing == 2 && strcmp(idx.entries[0].id, "E00002") == 0);
    tgdp_ecg_index_free(&idx);

    if (!ecg_have_data()) return;
    /* CPSC 2018 as published: TrainingSet1/ .mat files, REFERENCE.csv in TrainingSet3/ */
    pathf(p, sizeof p, dir, "TrainingSet1");
    mkdir(p, 0755);
    pathf(p, sizeof p, dir, "TrainingSet3");
    mkdir(p, 0755);
    pathf(p, sizeof p, dir, "TrainingSet1/A1980.mat");
    copy_file(ECG_DATA "/cpsc2018/A1980.mat", p);
    pathf(p, sizeof p, dir, "TrainingSet1/A1983.mat");
    copy_file(ECG_DATA "/cpsc2018/A1983.mat", p);
    pathf(p, sizeof p, dir, "TrainingSet3/REFERENCE.csv");
    write_text(p, "Recording,First_label,Second_label,Third_label\r\nA1980,6,,\r\nA1983,1,8,\r\nA9999,2,,\r\n");
    pathf(p, sizeof p, dir, "TrainingSet3");
    CHECKF(tgdp_ecg_list(p, &idx, &e) == TGDP_OK, "%s", e.msg);
    CHECK(idx.n == 2 && idx.n_missing == 1 && strcmp(idx.layout, "cpsc2018") == 0);
    if (idx.n == 2) {
        CHECK(idx.entries[1].labels == (L(NORM) | L(STC)) && strcmp(idx.entries[1].source_labels, "1,8") == 0);
        tgdp_ecg_record r;
        tgdp_ecg_record_init(&r);
        CHECKF(tgdp_ecg_load_entry(&idx.entries[1], &r, &e) == TGDP_OK, "%s", e.msg);
        CHECK(r.n == 7500 && r.age == 49);
        tgdp_ecg_record_free(&r);
    }
    tgdp_ecg_index_free(&idx);
}

int main(int argc, char **argv)
{
    tu_init(argc, argv);
    char *dir = tmp_dir();
    test_synthetic_formats(dir);
    test_synthetic_header_forms(dir);
    test_synthetic_skew(dir);
    test_download_layouts(dir);
    if (ecg_have_data()) {
        test_ludb_header();
        test_ludb_records();
        test_cinc();
        test_cpsc();
        test_ptbxl();
        test_amplitude_scale();
    }
    rm_rf(dir);
    TEST_MAIN_END();
}

/* Tests of the domain builder (tgdp/ecg_domains.h) on synthetic CinC-style folders: database names
 * to folders (groups, first existing alternative), a record in both domains kept in the target,
 * duplicates across the folders of one database loaded once, broken records skipped and replaced
 * under --max-records, the seeded --target-records choice, and the errors (same folder, unknown
 * database, a domain without usable records); and of the label files (tgdp/labels.h). */
#include "test_ecg_common.h"
#include "tgdp/ecg_domains.h"
#include "tgdp/io.h"
#include "tgdp/labels.h"

static char root[256];

static void mk(const char *sub)
{
    char p[512], cmd[600];
    snprintf(p, sizeof p, "%s/%s", root, sub);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
    if (system(cmd) != 0) exit(1);
}

static void rec(const char *sub, const char *name, const char *dx)
{
    char p[512], c[128];
    snprintf(p, sizeof p, "%s/%s", root, sub);
    snprintf(c, sizeof c, "#Age: 50\n#Sex: Male\n#Dx: %s\n", dx);
    write_cinc(p, name, 5000, c);
}

static void layout(void)
{
    mk("cinc2021/georgia");
    mk("cinc2021/ningbo");
    mk("cpsc2018");
    mk("cpsc2018-cinc2020");
    mk("cinc2021/cpsc_2018");
    for (int i = 1; i <= 5; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "E0000%d", i);
        rec("cinc2021/georgia", nm, "426783006");
    }
    char p[512]; /* E00001 broken: its signal file cut short */
    snprintf(p, sizeof p, "%s/cinc2021/georgia/E00001.mat", root);
    if (truncate(p, 3000)) exit(1);
    rec("cinc2021/ningbo", "JS00001", "284470004");
    rec("cinc2021/ningbo", "JS00002", "427084000");
    rec("cinc2021/ningbo", "JS00003", "426783006");
    rec("cinc2021/ningbo", "E00002", "426783006"); /* a Georgia record listed in the target too */
    rec("cpsc2018", "A0002", "AF");
    rec("cpsc2018", "A0003", "RBBB");
    rec("cpsc2018-cinc2020", "A0001", "Normal");
    rec("cpsc2018-cinc2020", "A0002", "AF"); /* the same record in the other folder of cpsc2018 */
    rec("cinc2021/cpsc_2018", "A0009", "AF"); /* an alternative of cpsc2018-cinc2020: not used */
}

static void test_folders(void)
{
    tgdp_ecg_folders f;
    tgdp_error e;
    CHECKF(tgdp_ecg_database_folders(root, "cpsc2018", &f, &e) == TGDP_OK, "%s", e.msg);
    CHECK(f.n == 2 && strstr(f.path[0], "/cpsc2018") && strstr(f.path[1], "/cpsc2018-cinc2020"));
    CHECK(tgdp_ecg_database_folders(root, "GEORGIA", &f, &e) == TGDP_OK && f.n == 1 &&
          strstr(f.path[0], "cinc2021/georgia"));
    CHECK(tgdp_ecg_database_folders(root, "cinc2021/ningbo", &f, &e) == TGDP_OK && f.n == 1); /* a folder */
    CHECK(tgdp_ecg_database_folders(root, "ludb", &f, &e) == TGDP_EIO && strstr(e.msg, "no folder for database 'ludb'") &&
          strstr(e.msg, "lobachevsky"));
    CHECK(tgdp_ecg_database_folders(root, "nosuch", &f, &e) == TGDP_EIO && strstr(e.msg, "'nosuch'"));
    char one[1024];
    CHECK(tgdp_ecg_find_database(root, "cpsc2018", one, sizeof one, &e) == TGDP_OK && strcmp(one, f.path[0]) != 0 &&
          strstr(one, "/cpsc2018"));
}

static const tgdp_ecg_db_run *db_named(const tgdp_ecg_domains *d, const char *name)
{
    for (int i = 0; i < d->n_db; i++)
        if (strcmp(d->db[i].name, name) == 0) return &d->db[i];
    return NULL;
}

static int n_calls;
static void count_db(void *ctx, const tgdp_ecg_db_run *db)
{
    (void)ctx;
    (void)db;
    n_calls++;
}

static void test_split(void)
{
    tgdp_ecg_domains_opts o;
    tgdp_ecg_domains_opts_default(&o);
    o.source_dbs = "georgia";
    o.target_dbs = "ningbo, cpsc2018";
    o.on_database = count_db;
    tgdp_ecg_domains d;
    tgdp_error e;
    n_calls = 0;
    CHECKF(tgdp_ecg_domains_build(root, &o, &d, &e) == TGDP_OK, "%s", e.msg);
    const tgdp_ecg_set *S = &d.set[TGDP_ECG_SOURCE], *T = &d.set[TGDP_ECG_TARGET];
    CHECK(d.has[0] && d.has[1] && d.n_db == 3 && n_calls == 3);
    /* target: 4 Ningbo-folder records (E00002 among them) + A0002, A0003, A0001 (A0002 once) */
    CHECK(T->n_records == 7 && T->n == 7 * 4 && S->window == 250);
    CHECK(tgdp_ecg_set_find(T, "georgia", "E00002") >= 0 && tgdp_ecg_set_find(S, "georgia", "E00002") < 0);
    CHECK(tgdp_ecg_set_find(T, "cpsc2018", "A0009") < 0);
    const tgdp_ecg_db_run *cp = db_named(&d, "cpsc2018"), *ga = db_named(&d, "georgia");
    CHECK(cp && cp->folders.n == 2 && cp->listed == 4 && cp->used == 3 && cp->duplicates == 1 && cp->skipped == 0);
    CHECK(cp && strcmp(cp->layout, "wfdb+wfdb") == 0);
    /* source: E00003..E00005; E00001 broken, E00002 in the target */
    CHECK(S->n_records == 3 && ga && ga->used == 3 && ga->skipped == 2 && ga->tried == 5);
    CHECK(d.n_skips == 2);
    int both = 0, broken = 0;
    for (size_t i = 0; i < d.n_skips; i++) {
        both += strcmp(d.skips[i].id, "E00002") == 0 && d.skips[i].domain == TGDP_ECG_SOURCE &&
                strstr(d.skips[i].reason, "target domain") != NULL;
        broken += strcmp(d.skips[i].id, "E00001") == 0 && strstr(d.skips[i].reason, "E00001") != NULL;
    }
    CHECK(both == 1 && broken == 1);
    /* labels came with the records (CPSC abbreviations and SNOMED codes) */
    long a1 = tgdp_ecg_set_find(T, "cpsc2018", "A0001"), a3 = tgdp_ecg_set_find(T, "cpsc2018", "A0003");
    CHECK(a1 >= 0 && T->records[a1].labels == 1u << TGDP_ECG_NORM);
    CHECK(a3 >= 0 && T->records[a3].labels == 1u << TGDP_ECG_RBBB);
    /* the files of a set */
    CHECK(tgdp_ecg_set_write(T, root, "target", &e) == TGDP_OK);
    tgdp_labels l;
    char p[512];
    snprintf(p, sizeof p, "%s/target_labels.npy", root);
    CHECKF(tgdp_labels_read(p, T->n, TGDP_ECG_NLABELS, 1, &l, &e) == TGDP_OK, "%s", e.msg);
    CHECK(l.multi && l.k == 11 && l.n_classes == 12 && l.cls[T->records[a3].first_window] == TGDP_ECG_RBBB);
    tgdp_labels_free(&l);
    tgdp_ecg_domains_free(&d);

    /* --max-records 2: the broken first record is replaced by the next */
    o.target_dbs = "none";
    o.max_records = 2;
    CHECKF(tgdp_ecg_domains_build(root, &o, &d, &e) == TGDP_OK, "%s", e.msg);
    CHECK(!d.has[1] && d.set[0].n_records == 2 && d.db[0].tried == 3 && d.db[0].skipped == 1 && d.db[0].total == 2);
    CHECK(tgdp_ecg_set_find(&d.set[0], "georgia", "E00002") >= 0); /* no target: nothing to give way to */
    tgdp_ecg_domains_free(&d);
}

/* the seeded choice of --target-records: the count, the same choice for the same seed */
static void chosen(uint64_t seed, char *ids, size_t cap)
{
    tgdp_ecg_domains_opts o;
    tgdp_ecg_domains_opts_default(&o);
    o.source_dbs = "";
    o.target_dbs = "ningbo,cpsc2018";
    o.target_records = 3;
    o.seed = seed;
    tgdp_ecg_domains d;
    tgdp_error e;
    ids[0] = '\0';
    CHECKF(tgdp_ecg_domains_build(root, &o, &d, &e) == TGDP_OK, "%s", e.msg);
    CHECK(d.set[TGDP_ECG_TARGET].n_records <= 3 && d.set[TGDP_ECG_TARGET].n_records >= 2); /* a duplicate may count */
    for (size_t i = 0; i < d.set[TGDP_ECG_TARGET].n_records; i++) {
        strncat(ids, d.set[TGDP_ECG_TARGET].records[i].id, cap - strlen(ids) - 1);
        strncat(ids, ",", cap - strlen(ids) - 1);
    }
    tgdp_ecg_domains_free(&d);
}

static void test_target_records(void)
{
    char a[256], b[256], c[256];
    chosen(1, a, sizeof a);
    chosen(1, b, sizeof b);
    CHECK(strcmp(a, b) == 0 && a[0]);
    int differs = 0;
    for (uint64_t s = 2; s < 6; s++) {
        chosen(s, c, sizeof c);
        differs += strcmp(a, c) != 0;
    }
    CHECK(differs > 0);
}

static void test_errors(void)
{
    tgdp_ecg_domains_opts o;
    tgdp_ecg_domains_opts_default(&o);
    tgdp_ecg_domains d;
    tgdp_error e;
    o.source_dbs = "georgia";
    o.target_dbs = "cinc2021/georgia";
    CHECK(tgdp_ecg_domains_build(root, &o, &d, &e) == TGDP_EINVAL && strstr(e.msg, "same folder") &&
          strstr(e.msg, "both domains"));
    tgdp_ecg_domains_free(&d);
    o.target_dbs = "ningbo,nosuch";
    CHECK(tgdp_ecg_domains_build(root, &o, &d, &e) == TGDP_EIO && strstr(e.msg, "'nosuch'") && d.set[0].n == 0);
    tgdp_ecg_domains_free(&d);
    o.source_dbs = "none";
    o.target_dbs = "";
    CHECK(tgdp_ecg_domains_build(root, &o, &d, &e) == TGDP_EINVAL && strstr(e.msg, "no databases"));
    tgdp_ecg_domains_free(&d);
    o.prep.window = 100000; /* longer than every record */
    o.prep.stride = 100000;
    o.target_dbs = "ningbo";
    CHECK(tgdp_ecg_domains_build(root, &o, &d, &e) == TGDP_EINVAL && strstr(e.msg, "target domain: no usable records"));
    CHECK(d.n_skips == 4 && strstr(d.skips[0].reason, "shorter than one window"));
    tgdp_ecg_domains_free(&d);
}

/* ---- label files: one meaning (tgdp/labels.h) */
static void write_i64(const char *name, const int64_t *v, int ndim, const int64_t *shape)
{
    char p[512];
    tgdp_error e;
    snprintf(p, sizeof p, "%s/%s", root, name);
    CHECKF(tgdp_npy_write_i64(p, v, ndim, shape, &e) == TGDP_OK, "%s", e.msg);
}

static int read_labels(const char *name, int64_t n, int k, tgdp_labels *l, tgdp_error *e)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, name);
    return tgdp_labels_read(p, n, k, 1, l, e);
}

static void test_label_files(void)
{
    /* multi-hot over 4 columns: first abnormal column, else 0 for column 0 alone, else 4 */
    const int64_t mh[5 * 4] = {1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0};
    const int64_t s2[2] = {5, 4}, s1[1] = {5};
    write_i64("mh.npy", mh, 2, s2);
    tgdp_labels l;
    tgdp_error e;
    CHECKF(read_labels("mh.npy", 5, 0, &l, &e) == TGDP_OK, "%s", e.msg);
    const int64_t want[5] = {2, 0, 4, 3, 1};
    CHECK(l.multi && l.k == 4 && l.n_classes == 5 && memcmp(l.cls, want, sizeof want) == 0);
    CHECK(l.multi_hot && memcmp(l.multi_hot, mh, sizeof mh) == 0);
    tgdp_labels_free(&l);
    CHECK(read_labels("mh.npy", 6, 0, &l, &e) == TGDP_EINVAL && strstr(e.msg, "5 label rows for 6"));
    CHECK(read_labels("mh.npy", 5, 3, &l, &e) == TGDP_EINVAL && strstr(e.msg, "4 label columns"));
    /* class indices: label k = class k; with k given, class k is "no label" */
    const int64_t cls[5] = {2, 0, 4, 3, 1};
    write_i64("cls.npy", cls, 1, s1);
    CHECKF(read_labels("cls.npy", 5, 4, &l, &e) == TGDP_OK, "%s", e.msg);
    CHECK(!l.multi && l.k == 4 && l.n_classes == 5 && memcmp(l.cls, cls, sizeof cls) == 0);
    const int64_t oh[5 * 4] = {0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0};
    CHECK(l.multi_hot && memcmp(l.multi_hot, oh, sizeof oh) == 0);
    tgdp_labels_free(&l);
    /* the classes of a multi-hot file and of its class file agree, both ways */
    CHECKF(read_labels("cls.npy", -1, 0, &l, &e) == TGDP_OK, "%s", e.msg);
    CHECK(l.k == 5 && l.n_classes == 5);
    tgdp_labels_free(&l);
    CHECK(read_labels("cls.npy", 5, 3, &l, &e) == TGDP_EINVAL && strstr(e.msg, "label 4 at row 2"));
    const int64_t bad[4] = {0, 2, 0, 1};
    const int64_t s22[2] = {2, 2};
    write_i64("bad.npy", bad, 2, s22);
    CHECK(read_labels("bad.npy", 2, 0, &l, &e) == TGDP_EINVAL && strstr(e.msg, "bad.npy") && strstr(e.msg, "not 0 or 1"));
    const int64_t neg[2] = {0, -1};
    const int64_t sn[1] = {2};
    write_i64("neg.npy", neg, 1, sn);
    CHECK(read_labels("neg.npy", 2, 0, &l, &e) == TGDP_EINVAL && strstr(e.msg, "label -1 at row 1"));
}

int main(void)
{
    snprintf(root, sizeof root, "%s", tmp_dir());
    layout();
    test_folders();
    test_split();
    test_target_records();
    test_errors();
    test_label_files();
    rm_rf(root);
    TEST_MAIN_END();
}

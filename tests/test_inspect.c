/* tgdp_inspect_file (tgdp/inspect.h): each format recognised by name and by contents, and
 * described with the right numbers, on files written here (.npy, CSV tables and a 12-lead CSV
 * record, safetensors, MAT v4 matrices, a WFDB record with an invalid sample) and, where the
 * shared data folder has them, on real ones (CPSC 2018 MAT v5, label tables); broken and
 * unknown files give an error naming the file, and tgdp_file_info_free is safe after one. */
#include "test_files.h"
#include "tgdp/inspect.h"

#include <math.h>
#include <stdint.h>
#include <sys/stat.h>

static int inspect(const char *path, tgdp_file_info *fi)
{
    tgdp_error err;
    int rc = tgdp_inspect_file(path, fi, &err);
    CHECKF(rc == 0, "%s: %s", path, err.msg);
    return rc;
}

static int has_finding(const tgdp_file_info *fi, const char *text)
{
    for (int i = 0; i < fi->n_findings; i++)
        if (strstr(fi->findings[i], text)) return 1;
    return 0;
}

static void copy_file(const char *from, const char *to)
{
    size_t n = 0;
    unsigned char *b = read_bytes(from, &n);
    CHECK(b != NULL);
    if (b) write_bytes(to, b, n);
    free(b);
}

/* fails, names the file, and leaves an info that can be freed */
static void expect_bad(const char *path, const char *needle)
{
    tgdp_file_info *fi = malloc(sizeof *fi);
    tgdp_error err;
    EXPECT_FAIL(tgdp_inspect_file(path, fi, &err), err, path, needle);
    tgdp_file_info_free(fi);
    free(fi);
}

static void test_npy(tgdp_file_info *fi)
{
    const float x[6] = {1.5f, -2.0f, NAN, 4.0f, 0.5f, 2.0f};
    const int64_t shape[2] = {3, 2};
    tgdp_error err;
    CHECK(tgdp_npy_write_f32(tpath("a.npy"), x, 2, shape, &err) == 0);
    if (inspect(tpath("a.npy"), fi) == 0) {
        CHECK(fi->kind == TGDP_FILE_NPY && !strcmp(tgdp_file_kind_name(fi->kind), "npy"));
        CHECK(fi->u.npy.hdr.major == 1 && fi->u.npy.hdr.minor == 0);
        CHECKF(!strcmp(fi->u.npy.hdr.header, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"), "header %s",
               fi->u.npy.hdr.header);
        CHECK(fi->u.npy.dtype == TGDP_DT_F32 && fi->u.npy.ndim == 2 && fi->u.npy.shape[0] == 3 && fi->u.npy.shape[1] == 2);
        CHECK(fi->u.npy.numel == 6 && fi->u.npy.nbytes == 24);
        const tgdp_value_stats *s = &fi->u.npy.stats;
        CHECK(s->n == 5 && s->nonfinite == 1 && s->min == -2.0 && s->max == 4.0 && s->mean == 1.2);
        CHECK(!fi->ecg.tried && fi->n_findings == 0);
    }
    tgdp_file_info_free(fi);
    copy_file(tpath("a.npy"), tpath("a_npy.bin")); /* by contents */
    if (inspect(tpath("a_npy.bin"), fi) == 0) CHECK(fi->kind == TGDP_FILE_NPY && fi->u.npy.numel == 6);
    tgdp_file_info_free(fi);
    const int64_t y[4] = {3, -1, 7, 0}, ys[1] = {4};
    CHECK(tgdp_npy_write_i64(tpath("y.npy"), y, 1, ys, &err) == 0);
    if (inspect(tpath("y.npy"), fi) == 0)
        CHECK(fi->u.npy.dtype == TGDP_DT_I64 && fi->u.npy.stats.min == -1 && fi->u.npy.stats.max == 7 &&
              fi->u.npy.stats.mean == 2.25 && fi->u.npy.stats.nonfinite == 0);
    tgdp_file_info_free(fi);
    size_t n;
    unsigned char *b = read_bytes(tpath("a.npy"), &n);
    if (b) write_bytes(tpath("cut.npy"), b, n - 5);
    free(b);
    expect_bad(tpath("cut.npy"), NULL);
}

static void test_csv(tgdp_file_info *fi)
{
    const char *t = "a,b\n1,2\n3,nan\n-4,6\n";
    write_bytes(tpath("t.csv"), t, strlen(t));
    if (inspect(tpath("t.csv"), fi) == 0) {
        CHECK(fi->kind == TGDP_FILE_CSV && fi->u.csv.rows == 3 && fi->u.csv.cols == 2);
        CHECK(fi->u.csv.names.n == 2 && !strcmp(fi->u.csv.names.names[1], "b"));
        CHECK(fi->u.csv.col[0].min == -4 && fi->u.csv.col[0].max == 3 && fi->u.csv.col[0].mean == 0);
        CHECK(fi->u.csv.col[1].n == 2 && fi->u.csv.col[1].nonfinite == 1 && fi->u.csv.col[1].mean == 4);
        CHECK(!fi->ecg.tried);
    }
    tgdp_file_info_free(fi);
    /* a headerless 12-column table is tried as a PTB-XL record (100 Hz by its name), limb leads consistent */
    FILE *f = fopen(tpath("rec_lr.csv"), "w");
    CHECK(f != NULL);
    for (int i = 0; f && i < 300; i++) {
        double I = 0.5 * sin(0.1 * i), III = 0.25 * cos(0.07 * i), II = I + III;
        double v[12] = {I, II, III, -(I + II) / 2, (I - III) / 2, (II + III) / 2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 + 0.01 * (i % 7)};
        for (int k = 0; k < 12; k++) fprintf(f, k ? ",%.6f" : "%.6f", v[k]);
        fputc('\n', f);
    }
    if (f) fclose(f);
    if (inspect(tpath("rec_lr.csv"), fi) == 0) {
        CHECK(fi->kind == TGDP_FILE_CSV && fi->u.csv.cols == 12 && fi->ecg.tried && fi->ecg.loaded);
        CHECK(fi->ecg.rec.n == 300 && fi->ecg.rec.fs == 100);
        CHECK(fabs(fi->ecg.lead[TGDP_LEAD_I].max - 0.5) < 1e-3 && fabs(fi->ecg.lead[TGDP_LEAD_I].min + 0.5) < 1e-3);
        CHECK(has_finding(fi, "limb-lead identities hold") && has_finding(fi, "flat (constant) leads: V1, V2, V3, V4, V5"));
    }
    tgdp_file_info_free(fi);
    write_bytes(tpath("ragged.csv"), "1,2,3\n4,5\n", 10);
    expect_bad(tpath("ragged.csv"), NULL);
}

static void test_safetensors(tgdp_file_info *fi)
{
    const float w[6] = {1, 2, 3, 4, 5, 6}, bias[2] = {0, 1};
    const int64_t ws[2] = {2, 3}, bs[1] = {2};
    tgdp_st_writer wr;
    tgdp_error err;
    tgdp_st_writer_init(&wr);
    CHECK(tgdp_st_writer_add_f32(&wr, "layer.weight", w, 2, ws, &err) == 0);
    CHECK(tgdp_st_writer_add_f32(&wr, "layer.bias", bias, 1, bs, &err) == 0);
    CHECK(tgdp_st_writer_meta(&wr, "tgdp.role", "eps", &err) == 0);
    CHECK(tgdp_safetensors_write(tpath("m.safetensors"), &wr, &err) == 0);
    tgdp_st_writer_free(&wr);
    copy_file(tpath("m.safetensors"), tpath("m_st.bin"));
    for (int k = 0; k < 2; k++) {
        if (inspect(tpath(k ? "m_st.bin" : "m.safetensors"), fi) == 0) {
            CHECK(fi->kind == TGDP_FILE_SAFETENSORS && fi->u.st.n_tensors == 2 && fi->u.st.data_size == 32);
            CHECK(tgdp_st_get(&fi->u.st, "layer.weight") && !strcmp(tgdp_st_meta(&fi->u.st, "tgdp.role"), "eps"));
        }
        tgdp_file_info_free(fi);
    }
}

/* a MAT v4 matrix (little endian): int16 rows x cols in column-major order */
static void mat4_int16(FILE *f, const char *name, int rows, int cols, const int16_t *v)
{
    int32_t hdr[5] = {30, rows, cols, 0, (int32_t)strlen(name) + 1};
    fwrite(hdr, sizeof hdr, 1, f);
    fwrite(name, 1, strlen(name) + 1, f);
    fwrite(v, sizeof *v, (size_t)rows * (size_t)cols, f);
}

static void test_mat4(tgdp_file_info *fi)
{
    enum { N = 500 };
    int16_t *v = malloc(sizeof *v * 12 * N);
    if (!v) return;
    for (int t = 0; t < N; t++) { /* 1000 units per mV, limb leads consistent */
        int I = (int)lround(400 * sin(0.05 * t)), III = (int)lround(200 * cos(0.03 * t)), II = I + III;
        int lead[12] = {I, II, III, -(I + II) / 2, (I - III) / 2, (II + III) / 2, 100, 200, 300, 400, 500, 600 + t % 5};
        for (int k = 0; k < 12; k++) v[(size_t)t * 12 + (size_t)k] = (int16_t)lead[k];
    }
    FILE *f = fopen(tpath("solo.mat"), "wb");
    CHECK(f != NULL);
    if (f) {
        mat4_int16(f, "val", 12, N, v);
        fclose(f);
    }
    if (inspect(tpath("solo.mat"), fi) == 0) {
        CHECK(fi->kind == TGDP_FILE_MAT4 && fi->u.mat4.n == 1 && fi->u.mat4.m[0].mrows == 12 && fi->u.mat4.m[0].ncols == N);
        CHECK(!strcmp(fi->u.mat4.m[0].name, "val") && fi->u.mat4.m[0].precision == 3);
        CHECK(fi->ecg.loaded && fi->ecg.rec.n == N && fabs(fi->ecg.lead[TGDP_LEAD_I].max - 0.4) < 1e-3);
        CHECK(has_finding(fi, "no sampling rate"));
    }
    tgdp_file_info_free(fi);
    f = fopen(tpath("two.bin"), "wb"); /* two matrices, recognised by contents */
    CHECK(f != NULL);
    if (f) {
        mat4_int16(f, "a", 2, 3, v);
        mat4_int16(f, "bb", 3, 1, v);
        fclose(f);
    }
    if (inspect(tpath("two.bin"), fi) == 0) {
        CHECK(fi->kind == TGDP_FILE_MAT4 && fi->u.mat4.n == 2 && !strcmp(fi->u.mat4.m[1].name, "bb"));
        CHECK(fi->u.mat4.m[1].data_offset == 22 + 12 + 23 && !fi->ecg.tried);
    }
    tgdp_file_info_free(fi);
    size_t n;
    unsigned char *b = read_bytes(tpath("solo.mat"), &n);
    if (b) write_bytes(tpath("solo_cut.mat"), b, n / 2);
    free(b);
    expect_bad(tpath("solo_cut.mat"), "truncated");
    free(v);
}

/* WFDB format 16, 2 signals (MLII, V5) at 360 Hz, one invalid sample in V5 */
static void test_wfdb(tgdp_file_info *fi)
{
    enum { N = 100 };
    int16_t s[N][2];
    long sum[2] = {0, 0};
    for (int t = 0; t < N; t++) {
        s[t][0] = (int16_t)(1024 + t);
        s[t][1] = (int16_t)(t == 10 ? -32768 : 1000 - t);
        for (int k = 0; k < 2; k++) sum[k] += s[t][k];
    }
    write_bytes(tpath("rec.dat"), s, sizeof s);
    char hea[512];
    int cs[2];
    for (int k = 0; k < 2; k++) cs[k] = (int)(int16_t)(uint16_t)(sum[k] & 0xffff);
    snprintf(hea, sizeof hea, "rec 2 360 %d\nrec.dat 16 200 11 1024 %d %d 0 MLII\nrec.dat 16 200 11 1024 %d %d 0 V5\n# note\n",
             N, s[0][0], cs[0], s[0][1], cs[1]);
    write_bytes(tpath("rec.hea"), hea, strlen(hea));
    const char *names[3] = {"rec.hea", "rec", "rec.dat"}; /* the header, the record name, the signal file */
    for (int k = 0; k < 3; k++) {
        if (inspect(tpath(names[k]), fi) == 0) {
            const tgdp_wfdb_info *w = &fi->u.wfdb;
            CHECK(fi->kind == TGDP_FILE_WFDB && !strcmp(w->hea, tpath("rec.hea")));
            CHECK(w->h.nsig == 2 && w->h.fs == 360 && w->nsamp == N && w->n_files == 1 && !w->files[0].is_mat4);
            CHECK(w->raw[0].min == 1024 && w->raw[0].max == 1024 + N - 1 && w->raw[0].nonfinite == 0);
            CHECK(w->raw[1].n == N - 1 && w->raw[1].nonfinite == 1 && w->raw[1].max == 1000);
            CHECK(w->lead[0] == -1 && w->lead[1] == TGDP_LEAD_V5 && w->h.n_comments == 1);
            CHECK(fi->ecg.tried && !fi->ecg.loaded && fi->ecg.error[0]);
            CHECK(has_finding(fi, "signal 1 (V5): 1 invalid sample (") && has_finding(fi, "not loaded as a 12-lead ECG"));
        }
        tgdp_file_info_free(fi);
    }
    write_bytes(tpath("lone.dat"), s, sizeof s);
    expect_bad(tpath("lone.dat"), "without its .hea");
}

static void test_shared(tgdp_file_info *fi)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/data/ecg/cpsc2018/A1980.mat", TGDP_SHARED_DIR);
    struct stat st;
    if (!tu_optional(stat(p, &st) == 0, "the shared ECG data (CPSC 2018 MAT v5, label tables) is missing")) return;
    if (inspect(p, fi) == 0) {
        CHECK(fi->kind == TGDP_FILE_MAT5 && fi->u.mat5.n_vars == 1 && !strcmp(fi->u.mat5.vars[0].name, "ECG"));
        const tgdp_mat5_var *v = &fi->u.mat5.vars[0];
        CHECK(!strcmp(v->class_name, "struct") && v->has_fields && v->n_fields == 3);
        if (v->n_fields == 3)
            CHECK(!strcmp(v->fields[2].name, "data") && v->fields[2].rank == 2 && v->fields[2].dims[0] == 12 &&
                  v->fields[2].dims[1] == 5000 && !strcmp(v->fields[0].stored_as, "utf8"));
        CHECK(!strncmp(fi->u.mat5.header, "MATLAB 5.0 MAT-file", 19));
        CHECK(fi->ecg.loaded && fi->ecg.rec.age == 52 && fi->ecg.rec.fs == 500);
    }
    tgdp_file_info_free(fi);
    size_t n;
    unsigned char *b = read_bytes(p, &n);
    if (b) write_bytes(tpath("cpsc_cut.mat"), b, 20000);
    free(b);
    expect_bad(tpath("cpsc_cut.mat"), "truncated");
    snprintf(p, sizeof p, "%s/data/ecg/cpsc2018/REFERENCE.csv", TGDP_SHARED_DIR);
    if (inspect(p, fi) == 0) {
        size_t sum = 0;
        for (int k = 0; k < TGDP_ECG_NLABELS; k++) sum += fi->u.table.label_counts[k];
        CHECK(fi->kind == TGDP_FILE_CPSC_REFERENCE && fi->u.table.rows == 10 && sum >= 10);
    }
    tgdp_file_info_free(fi);
    snprintf(p, sizeof p, "%s/data/ecg/ptbxl/ptbxl_database_1-100.csv", TGDP_SHARED_DIR);
    if (inspect(p, fi) == 0) {
        int folds = 0;
        for (int k = 1; k <= 10; k++) folds += fi->u.table.folds[k];
        CHECK(fi->kind == TGDP_FILE_PTBXL_DATABASE && fi->u.table.rows == 100 && folds == 100);
        CHECK(fi->u.table.first_id == 1 && fi->u.table.last_id == 100);
    }
    tgdp_file_info_free(fi);
}

static void test_unknown(void)
{
    expect_bad(tpath("missing.npy"), "no such file");
    expect_bad(tmpdir, "folder");
    write_bytes(tpath("empty.npy"), "", 0);
    expect_bad(tpath("empty.npy"), "empty");
    unsigned char junk[300];
    for (int i = 0; i < 300; i++) junk[i] = (unsigned char)(i * 37 + 11);
    write_bytes(tpath("junk.bin"), junk, sizeof junk);
    expect_bad(tpath("junk.bin"), "unknown file type");
    write_bytes(tpath("junk.mat"), junk, sizeof junk);
    expect_bad(tpath("junk.mat"), "MATLAB v4");
    write_bytes(tpath("v5.mat"), "MATLAB 5.0 MAT-file short", 25);
    expect_bad(tpath("v5.mat"), "truncated MATLAB v5 header");
}

int main(int argc, char **argv)
{
    tu_init(argc, argv);
    if (make_tmpdir("tgdp_inspect")) return 1;
    tgdp_file_info *fi = malloc(sizeof *fi);
    if (!fi) return 1;
    test_npy(fi);
    test_csv(fi);
    test_safetensors(fi);
    test_mat4(fi);
    test_wfdb(fi);
    test_unknown();
    test_shared(fi); /* last: exits 77 ("extra") without the shared data */
    free(fi);
    remove_tree(tmpdir);
    TEST_MAIN_END();
}

/* Regressions of the parser bugs found while fuzzing (fuzz/): what the corpus replay cannot
 * assert (it only proves there is no crash), checked here: each malformed input fails with one
 * line naming the file, and valid variants still load. */
#include <stdlib.h>
#include <string.h>

#include "test_files.h"
#include "tgdp/checkpoint.h"
#include "tgdp/ecg.h"
#include "tgdp/io.h"

static const char *corpus(const char *rel)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/fuzz/corpus/%s", TGDP_SOURCE_DIR, rel);
    return buf;
}

static void write_text(const char *path, const char *text) { write_bytes(path, text, strlen(text)); }

/* Error messages are one line: a quoted cell with a line break comes out as \n. */
static void test_one_line_messages(void)
{
    tgdp_error err;
    tgdp_scp_code codes[4];
    size_t n;
    int rc = tgdp_ptbxl_parse_scp_codes("Recording,First\nA0001,1", codes, 4, &n, "db.csv line 2", &err);
    CHECK(rc == TGDP_EFORMAT);
    CHECKF(strchr(err.msg, '\n') == NULL && strstr(err.msg, "First\\nA0001") != NULL, "message: %s", err.msg);
    tgdp_fail(&err, TGDP_EIO, "a\tb\rc\x01");
    CHECKF(strcmp(err.msg, "a\\tb\\rc\\x01") == 0, "message: %s", err.msg);
    tgdp_error_prefix(&err, "x\ny");
    CHECKF(strcmp(err.msg, "x\\ny: a\\tb\\rc\\x01") == 0, "message: %s", err.msg);
}

/* CPSC REFERENCE.csv: "+1" and "02" are classes 1 and 2 (a shift by -1 before: undefined). */
static void test_reference_class_spelling(void)
{
    tgdp_error err;
    tgdp_cpsc_ref *refs = NULL;
    size_t n = 0;
    int rc = tgdp_cpsc_read_reference(corpus("label_tables/crash-reference-class-plus-sign.csv"), &refs, &n, &err);
    CHECKF(rc == TGDP_OK, "%s", err.msg);
    if (rc) return;
    CHECK(n == 2);
    CHECK(refs[0].n_codes == 1 && refs[0].codes[0] == 1 && refs[0].labels == 1u << TGDP_ECG_NORM);
    CHECK(refs[1].n_codes == 2 && refs[1].labels == (1u << TGDP_ECG_AF | 1u << TGDP_ECG_STC));
    free(refs);
}

/* PTB-XL CSV: a field longer than the parse buffer was cut and its prefix parsed ("1.000...e-3"
 * read as 1); now it is an error. */
static void test_ptbxl_long_field(void)
{
    tgdp_error err;
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    const char *p = corpus("ptbxl_csv/bad-long-field.csv");
    EXPECT_FAIL(tgdp_ptbxl_load_csv(p, 0, &r, &err), err, p, "too long for a number");
    tgdp_ecg_record_free(&r);
}

/* MATLAB v5: a struct claiming 0x40000001 x 1 elements made libmatio allocate 24 GB. */
static void test_mat5_claimed_sizes(void)
{
    tgdp_error err;
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    const char *p = corpus("cpsc_mat5/crash-struct-dims-huge-alloc.mat");
    EXPECT_FAIL(tgdp_cpsc_load(p, &r, &err), err, p, "more cells or struct fields than the data can hold");
    for (int k = 0; k < 2; k++) { /* uncompressed and compressed seeds still load */
        p = corpus(k ? "cpsc_mat5/A0002_zlib.mat" : "cpsc_mat5/A0001.mat");
        int rc = tgdp_cpsc_load(p, &r, &err);
        CHECKF(rc == TGDP_OK && r.n == 6 && r.sex == 'M' && r.age == 61, "%s: %s", p, rc ? err.msg : "wrong contents");
    }
    tgdp_ecg_record_free(&r);
}

/* WFDB: every signal file is checked before the [nsig, nsamp] buffer is allocated, so a
 * header that names a short second file fails before allocating for the first one's length. */
static void test_wfdb_files_checked_first(void)
{
    tgdp_error err;
    unsigned char sig[4000];
    memset(sig, 1, sizeof sig);
    write_bytes(tpath("a.dat"), sig, sizeof sig);
    write_bytes(tpath("b.dat"), sig, 10);
    write_text(tpath("r.hea"), "r 2 500\na.dat 80\nb.dat 80\n");
    tgdp_wfdb_header h;
    int rc = tgdp_wfdb_read_header(tpath("r.hea"), &h, &err);
    CHECKF(rc == TGDP_OK, "%s", err.msg);
    if (rc) return;
    double *raw = NULL;
    int64_t ns = 0;
    rc = tgdp_wfdb_read_raw(tpath("r.hea"), &h, &raw, &ns, &err);
    EXPECT_FAIL(rc, err, "b.dat", "truncated");
    CHECK(raw == NULL);
    write_bytes(tpath("b.dat"), sig, sizeof sig);
    rc = tgdp_wfdb_read_raw(tpath("r.hea"), &h, &raw, &ns, &err);
    CHECKF(rc == TGDP_OK && ns == 4000 && raw && raw[4000 + 3999] == 1 - 128, "%s", rc ? err.msg : "wrong data");
    free(raw);
    tgdp_wfdb_header_free(&h);
}

/* Checkpoint: a network the metadata cannot build (labels with label_dim 0) names the file. */
static void test_checkpoint_error_names_file(void)
{
    tgdp_error err;
    tgdp_net net;
    const char *p = corpus("checkpoint/crash-net-error-without-path.safetensors");
    EXPECT_FAIL(tgdp_checkpoint_load(p, &net, NULL, &err), err, p, NULL);
}

/* Checkpoint: metadata that describe a huge network over a few bytes of tensors are refused
 * before anything of that size is allocated (16 layers of 65536 would be 2^36 floats). */
static void test_checkpoint_size_checked_first(void)
{
    tgdp_error err;
    tgdp_st_writer w;
    tgdp_st_writer_init(&w);
    const float one = 1.0f;
    const int64_t shape[1] = {1};
    const char *meta[][2] = {{"tgdp.format", "1"}, {"tgdp.role", "eps"}, {"tgdp.time_mode", "raw"},
                             {"tgdp.act", "silu"}, {"tgdp.in_dim", "2"}, {"tgdp.out_dim", "2"},
                             {"tgdp.temb", "0"}, {"tgdp.n_classes", "0"}, {"tgdp.label_dim", "0"},
                             {"tgdp.hidden", "65536,65536,65536,65536,65536,65536,65536,65536,65536,65536,65536,65536,65536,65536,65536,65536"}};
    int rc = tgdp_st_writer_add_f32(&w, "layers.0.weight", &one, 1, shape, &err);
    for (size_t i = 0; !rc && i < sizeof meta / sizeof *meta; i++) rc = tgdp_st_writer_meta(&w, meta[i][0], meta[i][1], &err);
    char path[1024];
    snprintf(path, sizeof path, "%s/huge.safetensors", tmpdir);
    if (!rc) rc = tgdp_safetensors_write(path, &w, &err);
    tgdp_st_writer_free(&w);
    CHECKF(rc == 0, "writing the file: %s", err.msg);
    tgdp_net net;
    EXPECT_FAIL(tgdp_checkpoint_load(path, &net, NULL, &err), err, path, "parameters");
}

int main(void)
{
    if (make_tmpdir("tgdp_test_parser_regressions") != 0) return 1;
    test_one_line_messages();
    test_reference_class_spelling();
    test_ptbxl_long_field();
    test_mat5_claimed_sizes();
    test_wfdb_files_checked_first();
    test_checkpoint_error_names_file();
    test_checkpoint_size_checked_first();
    remove_tree(tmpdir);
    TEST_MAIN_END();
}

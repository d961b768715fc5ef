/* .npy read/write: round trips for every dtype, hand-made version 2.0/3.0 headers, NumPy interop
 * in both directions (via /usr/bin/python3), malformed files, the finite-checking reader, and
 * the atomic-write helper that every writer uses. */
#include "test_files.h"
#include "testutil.h"
#include "tgdp/io.h"

#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static float fval(size_t i) { return (float)((long)(i * 37 % 101) - 50) / 8.0f; }
static int64_t ival(size_t i) { return (int64_t)i * 1000003 - 5000000000000LL; }

/* ---------------------------------------------------------------- round trips */

static void check_same_array(const tgdp_array *a, const tgdp_array *b)
{
    CHECK(a->dtype == b->dtype);
    CHECK(a->ndim == b->ndim);
    for (int i = 0; i < a->ndim && i < b->ndim; i++) CHECK(a->shape[i] == b->shape[i]);
    size_t n = tgdp_array_numel(a) * tgdp_dtype_size(a->dtype);
    CHECK(tgdp_array_numel(a) == tgdp_array_numel(b));
    CHECK(n == 0 || memcmp(a->data, b->data, n) == 0);
}

static void check_layout(const char *path, int version)
{
    size_t n = 0;
    unsigned char *b = read_bytes(path, &n);
    CHECK(b != NULL && n >= 64);
    if (!b) return;
    CHECK(memcmp(b, "\x93NUMPY", 6) == 0);
    CHECK(b[6] == version && b[7] == 0);
    size_t hl = b[8] | (size_t)b[9] << 8, data_off = 10 + hl;
    CHECK(data_off % 64 == 0);
    CHECK(b[data_off - 1] == '\n');
    CHECK(memcmp(b + 10, "{'descr': '", 11) == 0);
    free(b);
}

static void test_roundtrip_all_dtypes(void)
{
    static const struct { tgdp_dtype dt; int ndim; int64_t shape[3]; } cases[] = {
        {TGDP_DT_F32, 2, {3, 4}}, {TGDP_DT_F64, 3, {2, 3, 2}}, {TGDP_DT_I32, 1, {7}},
        {TGDP_DT_I64, 2, {5, 1}}, {TGDP_DT_U8, 1, {9}},       {TGDP_DT_I8, 2, {2, 2}},
        {TGDP_DT_F32, 0, {0}},    {TGDP_DT_F32, 2, {0, 3}},   {TGDP_DT_I64, 1, {0}}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tgdp_error err = {0};
        tgdp_array a, b;
        CHECK(tgdp_array_alloc(&a, cases[c].dt, cases[c].ndim, cases[c].shape, &err) == TGDP_OK);
        size_t n = tgdp_array_numel(&a);
        for (size_t i = 0; i < n; i++) {
            switch (a.dtype) {
            case TGDP_DT_F32: ((float *)a.data)[i] = fval(i); break;
            case TGDP_DT_F64: ((double *)a.data)[i] = fval(i) / 3.0; break;
            case TGDP_DT_I32: ((int32_t *)a.data)[i] = (int32_t)(i * 77777) - 300000; break;
            case TGDP_DT_I64: ((int64_t *)a.data)[i] = ival(i); break;
            case TGDP_DT_U8: ((uint8_t *)a.data)[i] = (uint8_t)(i * 29); break;
            case TGDP_DT_I8: ((int8_t *)a.data)[i] = (int8_t)(i * 50 - 100); break;
            }
        }
        char name[32];
        snprintf(name, sizeof name, "rt%zu.npy", c);
        const char *p = tpath(name);
        CHECKF(tgdp_npy_write(p, &a, &err) == TGDP_OK, "%s", err.msg);
        check_layout(p, 1);
        CHECKF(tgdp_npy_read(p, &b, &err) == TGDP_OK, "%s", err.msg);
        check_same_array(&a, &b);
        tgdp_array_free(&b);
        tgdp_array_free(&a);
    }
    CHECK(count_files_with(".tmp.") == 0);
}

static void test_convenience(void)
{
    tgdp_error err = {0};
    const char *pf = tpath("conv_f32.npy"), *pl = tpath("conv_i64.npy"), *pi = tpath("conv_i32.npy");
    float x[6];
    int64_t lab[5];
    int32_t l32[4] = {-7, 0, 3, 2147483647};
    for (int i = 0; i < 6; i++) x[i] = fval((size_t)i);
    for (int i = 0; i < 5; i++) lab[i] = ival((size_t)i);
    int64_t sx[2] = {2, 3}, sl[1] = {5}, si[2] = {2, 2};
    CHECK(tgdp_npy_write_f32(pf, x, 2, sx, &err) == TGDP_OK);
    CHECK(tgdp_npy_write_i64(pl, lab, 1, sl, &err) == TGDP_OK);
    CHECK(tgdp_npy_write_i32(pi, l32, 2, si, &err) == TGDP_OK);

    tgdp_tensor t;
    CHECKF(tgdp_npy_read_f32(pf, &t, &err) == TGDP_OK, "%s", err.msg);
    CHECK(t.ndim == 2 && t.shape[0] == 2 && t.shape[1] == 3);
    CHECK(memcmp(t.data, x, sizeof x) == 0);
    tgdp_tensor_free(&t);
    CHECKF(tgdp_npy_read_f32(pi, &t, &err) == TGDP_OK, "%s", err.msg); /* int32 -> float32 */
    CHECK(t.ndim == 2 && t.data[0] == -7.0f && t.data[2] == 3.0f && t.data[3] == 2147483648.0f);
    tgdp_tensor_free(&t);

    tgdp_array a;
    CHECKF(tgdp_npy_read_i64(pl, &a, &err) == TGDP_OK, "%s", err.msg);
    CHECK(a.dtype == TGDP_DT_I64 && a.ndim == 1 && a.shape[0] == 5);
    CHECK(memcmp(a.data, lab, sizeof lab) == 0);
    tgdp_array_free(&a);
    CHECKF(tgdp_npy_read_i64(pi, &a, &err) == TGDP_OK, "%s", err.msg); /* int32 -> int64 */
    CHECK(a.dtype == TGDP_DT_I64 && ((int64_t *)a.data)[3] == 2147483647);
    tgdp_array_free(&a);

    /* float labels must be integral */
    float fl[4] = {0, 3, -2, 7};
    int64_t s4[1] = {4};
    const char *pfl = tpath("float_labels.npy");
    CHECK(tgdp_npy_write_f32(pfl, fl, 1, s4, &err) == TGDP_OK);
    CHECKF(tgdp_npy_read_i64(pfl, &a, &err) == TGDP_OK, "%s", err.msg);
    CHECK(((int64_t *)a.data)[1] == 3 && ((int64_t *)a.data)[2] == -2);
    tgdp_array_free(&a);
    fl[2] = 2.5f;
    CHECK(tgdp_npy_write_f32(pfl, fl, 1, s4, &err) == TGDP_OK);
    EXPECT_FAIL(tgdp_npy_read_i64(pfl, &a, &err), err, pfl, "element 2");
    CHECK(a.data == NULL);

    /* float64 beyond the float32 range is an error; values that round to FLT_MAX are not */
    double d[3] = {1.5, 3.4028235e38, 1e39};
    tgdp_array ad = {TGDP_DT_F64, 1, {3}, d};
    const char *pd = tpath("big.npy");
    CHECK(tgdp_npy_write(pd, &ad, &err) == TGDP_OK);
    EXPECT_FAIL(tgdp_npy_read_f32(pd, &t, &err), err, pd, "element 2");
    ad.shape[0] = 2;
    CHECK(tgdp_npy_write(pd, &ad, &err) == TGDP_OK);
    CHECKF(tgdp_npy_read_f32(pd, &t, &err) == TGDP_OK, "%s", err.msg);
    CHECK(t.data[1] == 3.40282347e38f);
    tgdp_tensor_free(&t);

    /* bad write arguments */
    int64_t neg[1] = {-1};
    EXPECT_FAIL(tgdp_npy_write_f32(tpath("neg.npy"), x, 1, neg, &err), err, "neg.npy", "negative");
    EXPECT_FAIL(tgdp_npy_write_f32(tpath("nodata.npy"), NULL, 2, sx, &err), err, "nodata.npy", NULL);
    EXPECT_FAIL(tgdp_npy_write_f32("/proc/nonexistent-dir/x.npy", x, 2, sx, &err), err, "/proc/nonexistent-dir/x.npy", NULL);
}

/* ---------------------------------------------------------------- hand-made headers */

/* A complete .npy file with the given version and header dict (padded like NumPy). */
static size_t make_npy(unsigned char *buf, int major, const char *dict, const void *data, size_t nbytes)
{
    size_t pre = major == 1 ? 10 : 12, dl = strlen(dict), total = pre + dl + 1;
    total += (64 - total % 64) % 64;
    size_t hl = total - pre;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    for (size_t k = 0; k < pre - 8; k++) buf[8 + k] = (unsigned char)(hl >> (8 * k));
    memcpy(buf + pre, dict, dl);
    memset(buf + pre + dl, ' ', total - pre - dl - 1);
    buf[total - 1] = '\n';
    if (nbytes) memcpy(buf + total, data, nbytes);
    return total + nbytes;
}

static void test_versions(void)
{
    unsigned char buf[1024];
    float x[6];
    for (int i = 0; i < 6; i++) x[i] = fval((size_t)i + 3);
    tgdp_error err = {0};
    tgdp_tensor t;
    for (int v = 1; v <= 3; v++) {
        char name[32];
        snprintf(name, sizeof name, "v%d.npy", v);
        const char *p = tpath(name);
        size_t n = make_npy(buf, v, "{\"shape\": (3, 2), 'fortran_order': False, 'descr': '<f4'}", x, sizeof x);
        write_bytes(p, buf, n);
        CHECKF(tgdp_npy_read_f32(p, &t, &err) == TGDP_OK, "v%d: %s", v, err.msg);
        CHECK(t.ndim == 2 && t.shape[0] == 3 && t.shape[1] == 2);
        CHECK(t.data && memcmp(t.data, x, sizeof x) == 0);
        tgdp_tensor_free(&t);
    }
    const char *p = tpath("v4.npy");
    size_t n = make_npy(buf, 4, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", x, sizeof x);
    write_bytes(p, buf, n);
    EXPECT_FAIL(tgdp_npy_read_f32(p, &t, &err), err, p, "version 4.0");
    CHECK(err.code == TGDP_EUNSUPPORTED);
    buf[6] = 1;
    buf[7] = 1; /* version 1.1 */
    write_bytes(p, buf, n);
    EXPECT_FAIL(tgdp_npy_read_f32(p, &t, &err), err, p, "version 1.1");
}

/* ---------------------------------------------------------------- malformed files */

static void expect_bad_dict(const char *name, const char *dict, size_t nbytes, const char *needle, int line)
{
    unsigned char buf[2048];
    unsigned char zeros[256] = {0};
    tgdp_error err = {0};
    tgdp_tensor t;
    const char *p = tpath(name);
    size_t n = make_npy(buf, 1, dict, zeros, nbytes);
    write_bytes(p, buf, n);
    int rc = tgdp_npy_read_f32(p, &t, &err);
    expect_fail(rc, &err, p, needle, line);
    CHECK(t.data == NULL);
}
#define BAD_DICT(name, dict, nbytes, needle) expect_bad_dict(name, dict, nbytes, needle, __LINE__)

static void test_malformed(void)
{
    BAD_DICT("be.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8, "big-endian");
    BAD_DICT("eq.npy", "{'descr': '=f8', 'fortran_order': False, 'shape': (2,), }", 16, "ambiguous");
    BAD_DICT("bar.npy", "{'descr': '|i4', 'fortran_order': False, 'shape': (2,), }", 8, "ambiguous");
    BAD_DICT("f16.npy", "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", 4, "not supported");
    BAD_DICT("bool.npy", "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", 2, "not supported");
    BAD_DICT("struct.npy", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, "structured");
    BAD_DICT("fort.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16, "fortran_order");
    BAD_DICT("nodescr.npy", "{'fortran_order': False, 'shape': (2,), }", 8, "'descr'");
    BAD_DICT("noshape.npy", "{'descr': '<f4', 'fortran_order': False, }", 8, "'shape'");
    BAD_DICT("noorder.npy", "{'descr': '<f4', 'shape': (2,), }", 8, "'fortran_order'");
    BAD_DICT("extra.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8, "'x'");
    BAD_DICT("dup.npy", "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8, "duplicate");
    BAD_DICT("negdim.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }", 0, "negative");
    BAD_DICT("overflow.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 8), }", 16,
             "overflow");
    BAD_DICT("overflow2.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }", 16,
             "overflow");
    BAD_DICT("huge_dim.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8,
             "too large");
    BAD_DICT("ndim.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4,
             "dimensions");
    BAD_DICT("notuple.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': 5, }", 20, "tuple");
    BAD_DICT("fdim.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }", 8, "parse");
    BAD_DICT("order.npy", "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", 8, "True or False");
    BAD_DICT("garbage.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } xyz", 8, "parse");
    BAD_DICT("nobrace.npy", "'descr': '<f4', 'fortran_order': False, 'shape': (2,)", 8, "parse");
    BAD_DICT("quote.npy", "{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", 8, "dtype '<f4, '");
    BAD_DICT("unterm.npy", "{'descr': '<f4", 8, "cannot parse");
    BAD_DICT("empty_dict.npy", "", 8, "expected '{'");
    BAD_DICT("key.npy", "{descr: '<f4', 'fortran_order': False, 'shape': (2,)}", 8, "quoted string");
    BAD_DICT("open.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,", 8, "parse");
    BAD_DICT("more.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }", 120,
             "header claims 4000 bytes of data but the file holds 120");
    BAD_DICT("trailing.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12, "trailing");

    /* truncated at several points of a valid file, and bad magic */
    float x[12];
    for (int i = 0; i < 12; i++) x[i] = fval((size_t)i);
    int64_t sh[2] = {3, 4};
    tgdp_error err = {0};
    const char *good = tpath("good.npy"), *p = tpath("trunc.npy");
    CHECK(tgdp_npy_write_f32(good, x, 2, sh, &err) == TGDP_OK);
    size_t n = 0;
    unsigned char *b = read_bytes(good, &n);
    CHECK(b && n == 128 + sizeof x);
    size_t cuts[] = {0, 3, 6, 8, 9, 10, 40, 127, 128, 129, 150, n - 1};
    tgdp_tensor t;
    for (size_t c = 0; b && c < sizeof cuts / sizeof cuts[0]; c++) {
        write_bytes(p, b, cuts[c]);
        int rc = tgdp_npy_read_f32(p, &t, &err);
        EXPECT_FAIL(rc, err, p, NULL);
        CHECK(err.code == TGDP_EFORMAT);
    }
    if (b) {
        b[1] = 'n';
        write_bytes(p, b, n);
        EXPECT_FAIL(tgdp_npy_read_f32(p, &t, &err), err, p, "bad magic");
        b[1] = 'N';
        b[8] = 0xff; /* header length beyond the file */
        b[9] = 0x7f;
        write_bytes(p, b, n);
        EXPECT_FAIL(tgdp_npy_read_f32(p, &t, &err), err, p, "ends inside the header");
    }
    free(b);
    EXPECT_FAIL(tgdp_npy_read_f32(tpath("missing.npy"), &t, &err), err, "missing.npy", "cannot open");
    EXPECT_FAIL(tgdp_npy_read_f32(tmpdir, &t, &err), err, tmpdir, NULL); /* a directory */
}

static void test_finite(void)
{
    float x[8] = {0, 1, 2, 3, 4, NAN, 6, 7};
    int64_t sh[1] = {8};
    tgdp_error err = {0};
    tgdp_tensor t;
    const char *p = tpath("nan.npy");
    CHECK(tgdp_npy_write_f32(p, x, 1, sh, &err) == TGDP_OK);
    CHECKF(tgdp_npy_read_f32(p, &t, &err) == TGDP_OK, "%s", err.msg); /* the plain reader accepts NaN */
    CHECK(isnan(t.data[5]));
    tgdp_tensor_free(&t);
    EXPECT_FAIL(tgdp_npy_read_f32_finite(p, &t, &err), err, p, "element 5");
    CHECK(err.code == TGDP_ENONFINITE && t.data == NULL);
    x[5] = 5;
    x[7] = -INFINITY;
    CHECK(tgdp_npy_write_f32(p, x, 1, sh, &err) == TGDP_OK);
    EXPECT_FAIL(tgdp_npy_read_f32_finite(p, &t, &err), err, p, "element 7");
    x[7] = 7;
    CHECK(tgdp_npy_write_f32(p, x, 1, sh, &err) == TGDP_OK);
    CHECKF(tgdp_npy_read_f32_finite(p, &t, &err) == TGDP_OK, "%s", err.msg);
    tgdp_tensor_free(&t);
    /* NaN in float64 labels */
    double d[2] = {1, NAN};
    tgdp_array a = {TGDP_DT_F64, 1, {2}, d}, b;
    CHECK(tgdp_npy_write(p, &a, &err) == TGDP_OK);
    EXPECT_FAIL(tgdp_npy_read_i64(p, &b, &err), err, p, "element 1");
}

/* ---------------------------------------------------------------- atomic writes */

static int write_hello(FILE *f, void *ctx)
{
    (void)ctx;
    return fputs("hello\n", f) < 0 ? TGDP_EIO : 0;
}

static int write_then_fail(FILE *f, void *ctx)
{
    fputs("partial garbage", f);
    return *(int *)ctx;
}

static void test_atomic(void)
{
    tgdp_error err = {0};
    const char *p = tpath("atomic.txt");
    size_t n = 0;
    CHECK(tgdp_atomic_write(p, write_hello, NULL, &err) == TGDP_OK);
    unsigned char *b = read_bytes(p, &n);
    CHECK(b && n == 6 && memcmp(b, "hello\n", 6) == 0);
    free(b);
    struct stat st;
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644);
    CHECK(chmod(p, 0640) == 0);

    int code = TGDP_EINTERRUPTED;
    EXPECT_FAIL(tgdp_atomic_write(p, write_then_fail, &code, &err), err, p, "unchanged");
    CHECK(err.code == TGDP_EINTERRUPTED);
    code = 42;
    EXPECT_FAIL(tgdp_atomic_write(p, write_then_fail, &code, &err), err, p, NULL);
    CHECK(err.code == TGDP_EIO);
    b = read_bytes(p, &n);
    CHECK(b && n == 6 && memcmp(b, "hello\n", 6) == 0); /* destination untouched */
    free(b);
    CHECK(count_files_with(".tmp.") == 0);               /* temporary files removed */

    /* open/abort leaves nothing; open/commit replaces and keeps the mode */
    tgdp_atomic_file af;
    CHECK(tgdp_atomic_open(&af, p, &err) == TGDP_OK);
    CHECK(af.f != NULL && strstr(af.tmp_path, "atomic.txt.tmp.") != NULL);
    fputs("x", af.f);
    CHECK(count_files_with(".tmp.") == 1);
    tgdp_atomic_abort(&af);
    tgdp_atomic_abort(&af); /* harmless twice */
    CHECK(count_files_with(".tmp.") == 0);
    CHECK(tgdp_atomic_open(&af, p, &err) == TGDP_OK);
    fputs("bye\n", af.f);
    CHECK(tgdp_atomic_commit(&af, &err) == TGDP_OK);
    CHECK(af.f == NULL && af.tmp_path == NULL);
    b = read_bytes(p, &n);
    CHECK(b && n == 4 && memcmp(b, "bye\n", 4) == 0);
    free(b);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0640);

    /* missing folders above the destination are created; a file in the way is a clear error */
    char deep[4096];
    snprintf(deep, sizeof deep, "%s/new1//new2/a.txt", tpath("nest"));
    CHECK(tgdp_atomic_write(deep, write_hello, NULL, &err) == TGDP_OK);
    b = read_bytes(deep, &n);
    CHECK(b && n == 6 && memcmp(b, "hello\n", 6) == 0);
    free(b);
    char blocked[4096];
    snprintf(blocked, sizeof blocked, "%s/sub/a.txt", p); /* p is a regular file */
    EXPECT_FAIL(tgdp_atomic_write(blocked, write_hello, NULL, &err), err, p, "file of that name exists");
    CHECK(tgdp_mkdir_p(tpath("nest"), &err) == TGDP_OK); /* existing folder: fine */
    EXPECT_FAIL(tgdp_mkdir_p("", &err), err, "empty", NULL);
    CHECK(unlink(deep) == 0);
    snprintf(deep, sizeof deep, "%s/new1/new2", tpath("nest"));
    CHECK(rmdir(deep) == 0);
    snprintf(deep, sizeof deep, "%s/new1", tpath("nest"));
    CHECK(rmdir(deep) == 0 && rmdir(tpath("nest")) == 0);
    /* renaming over a directory fails and cleans up */
    const char *sub = tpath("subdir");
    CHECK(mkdir(sub, 0755) == 0);
    EXPECT_FAIL(tgdp_atomic_write(sub, write_hello, NULL, &err), err, sub, NULL);
    CHECK(count_files_with(".tmp.") == 0);
    rmdir(sub);
    CHECK(tgdp_atomic_write(p, write_hello, NULL, NULL) == TGDP_OK); /* NULL err is allowed */
}

/* ---------------------------------------------------------------- NumPy interop */

static const char *py_check_c_files =
    "import sys, numpy as np\n"
    "d = sys.argv[1]\n"
    "def f(n): return (((np.arange(n) * 37) % 101 - 50) / 8.0)\n"
    "a = np.load(d + '/c_f32.npy')\n"
    "assert a.dtype == np.float32 and a.shape == (3, 4), (a.dtype, a.shape)\n"
    "assert np.array_equal(a.ravel(), f(12).astype(np.float32))\n"
    "b = np.load(d + '/c_i64.npy')\n"
    "assert b.dtype == np.int64 and b.shape == (6,)\n"
    "assert np.array_equal(b, np.arange(6, dtype=np.int64) * 1000003 - 5000000000000)\n"
    "c = np.load(d + '/c_f64.npy')\n"
    "assert c.dtype == np.float64 and c.shape == (2, 1, 3)\n"
    "assert np.array_equal(c.ravel(), f(6) / 3.0)\n"
    "e = np.load(d + '/c_i32.npy')\n"
    "assert e.dtype == np.int32 and e.shape == (2, 2) and e.tolist() == [[-7, 0], [3, 2147483647]]\n"
    "s = np.load(d + '/c_scalar.npy')\n"
    "assert s.shape == () and s.dtype == np.float32 and float(s) == -2.5\n"
    "z = np.load(d + '/c_empty.npy')\n"
    "assert z.shape == (0, 5) and z.dtype == np.float32\n"
    "u = np.load(d + '/c_u8.npy')\n"
    "assert u.dtype == np.uint8 and u.tolist() == [0, 7, 255]\n"
    "print('numpy read the C files OK')\n";

static const char *py_write_files =
    "import sys, numpy as np\n"
    "d = sys.argv[1]\n"
    "def f(n): return (((np.arange(n) * 37) % 101 - 50) / 8.0)\n"
    "np.save(d + '/py_f32.npy', f(12).astype(np.float32).reshape(3, 4))\n"
    "np.save(d + '/py_f64.npy', (f(24) / 3.0).reshape(2, 3, 4))\n"
    "np.save(d + '/py_i64.npy', np.arange(6, dtype=np.int64) * 1000003 - 5000000000000)\n"
    "np.save(d + '/py_i32.npy', np.array([[-7, 0], [3, 2147483647]], dtype=np.int32))\n"
    "np.save(d + '/py_u8.npy', np.array([0, 7, 255], dtype=np.uint8))\n"
    "np.save(d + '/py_scalar.npy', np.float64(-2.5))\n"
    "np.save(d + '/py_empty.npy', np.zeros((0, 5), dtype=np.float32))\n"
    "np.save(d + '/py_fortran.npy', np.asfortranarray(np.ones((3, 4), dtype=np.float32)))\n"
    "np.save(d + '/py_be.npy', np.arange(4, dtype='>f4'))\n"
    "np.save(d + '/py_bool.npy', np.array([True, False]))\n"
    "np.save(d + '/py_nan.npy', np.array([1.0, 2.0, np.nan], dtype=np.float32))\n"
    "for v in (2, 3):\n"
    "    with open(d + '/py_v%d.npy' % v, 'wb') as fh:\n"
    "        np.lib.format.write_array(fh, f(12).astype(np.float32).reshape(4, 3), version=(v, 0))\n";

static void test_numpy_interop(void)
{
    if (!have_numpy()) return;
    tgdp_error err = {0};
    float x[12];
    for (int i = 0; i < 12; i++) x[i] = fval((size_t)i);
    int64_t lab[6];
    for (int i = 0; i < 6; i++) lab[i] = ival((size_t)i);
    double d[6];
    for (int i = 0; i < 6; i++) d[i] = fval((size_t)i) / 3.0;
    int32_t l32[4] = {-7, 0, 3, 2147483647};
    uint8_t u8[3] = {0, 7, 255};
    float scalar = -2.5f;
    int64_t s34[2] = {3, 4}, s6[1] = {6}, s22[2] = {2, 2}, s05[2] = {0, 5};
    CHECK(tgdp_npy_write_f32(tpath("c_f32.npy"), x, 2, s34, &err) == TGDP_OK);
    CHECK(tgdp_npy_write_i64(tpath("c_i64.npy"), lab, 1, s6, &err) == TGDP_OK);
    tgdp_array ad = {TGDP_DT_F64, 3, {2, 1, 3}, d}, au = {TGDP_DT_U8, 1, {3}, u8};
    CHECK(tgdp_npy_write(tpath("c_f64.npy"), &ad, &err) == TGDP_OK);
    CHECK(tgdp_npy_write(tpath("c_u8.npy"), &au, &err) == TGDP_OK);
    CHECK(tgdp_npy_write_i32(tpath("c_i32.npy"), l32, 2, s22, &err) == TGDP_OK);
    CHECK(tgdp_npy_write_f32(tpath("c_scalar.npy"), &scalar, 0, NULL, &err) == TGDP_OK);
    CHECK(tgdp_npy_write_f32(tpath("c_empty.npy"), NULL, 2, s05, &err) == TGDP_OK);
    CHECKF(run_python(py_check_c_files) == 0, "numpy could not read the files written by tgdp");

    CHECKF(run_python(py_write_files) == 0, "python failed to write the test files");
    tgdp_tensor t;
    tgdp_array a;
    CHECKF(tgdp_npy_read_f32(tpath("py_f32.npy"), &t, &err) == TGDP_OK, "%s", err.msg);
    CHECK(t.ndim == 2 && t.shape[0] == 3 && t.shape[1] == 4 && t.data && memcmp(t.data, x, sizeof x) == 0);
    tgdp_tensor_free(&t);
    CHECKF(tgdp_npy_read(tpath("py_f64.npy"), &a, &err) == TGDP_OK, "%s", err.msg);
    CHECK(a.dtype == TGDP_DT_F64 && a.ndim == 3 && a.shape[0] == 2 && a.shape[1] == 3 && a.shape[2] == 4);
    for (size_t i = 0; a.data && i < 24; i++) CHECK(((double *)a.data)[i] == fval(i) / 3.0);
    tgdp_array_free(&a);
    CHECKF(tgdp_npy_read_f32(tpath("py_f64.npy"), &t, &err) == TGDP_OK, "%s", err.msg);
    CHECK(t.ndim == 3 && t.data && t.data[5] == (float)(fval(5) / 3.0));
    tgdp_tensor_free(&t);
    CHECKF(tgdp_npy_read_i64(tpath("py_i64.npy"), &a, &err) == TGDP_OK, "%s", err.msg);
    CHECK(a.ndim == 1 && a.shape[0] == 6 && a.data && memcmp(a.data, lab, sizeof lab) == 0);
    tgdp_array_free(&a);
    CHECKF(tgdp_npy_read(tpath("py_i32.npy"), &a, &err) == TGDP_OK, "%s", err.msg);
    CHECK(a.dtype == TGDP_DT_I32 && a.data && memcmp(a.data, l32, sizeof l32) == 0);
    tgdp_array_free(&a);
    CHECKF(tgdp_npy_read_i64(tpath("py_u8.npy"), &a, &err) == TGDP_OK, "%s", err.msg);
    CHECK(a.shape[0] == 3 && a.data && ((int64_t *)a.data)[2] == 255);
    tgdp_array_free(&a);
    CHECKF(tgdp_npy_read_f32(tpath("py_scalar.npy"), &t, &err) == TGDP_OK, "%s", err.msg);
    CHECK(t.ndim == 0 && t.data && t.data[0] == -2.5f);
    tgdp_tensor_free(&t);
    CHECKF(tgdp_npy_read_f32(tpath("py_empty.npy"), &t, &err) == TGDP_OK, "%s", err.msg);
    CHECK(t.ndim == 2 && t.shape[0] == 0 && t.shape[1] == 5);
    tgdp_tensor_free(&t);
    for (int v = 2; v <= 3; v++) {
        char name[32];
        snprintf(name, sizeof name, "py_v%d.npy", v);
        CHECKF(tgdp_npy_read_f32(tpath(name), &t, &err) == TGDP_OK, "%s", err.msg);
        CHECK(t.ndim == 2 && t.shape[0] == 4 && t.shape[1] == 3 && t.data && memcmp(t.data, x, sizeof x) == 0);
        tgdp_tensor_free(&t);
    }
    EXPECT_FAIL(tgdp_npy_read_f32(tpath("py_fortran.npy"), &t, &err), err, "py_fortran.npy", "fortran_order");
    EXPECT_FAIL(tgdp_npy_read_f32(tpath("py_be.npy"), &t, &err), err, "py_be.npy", "big-endian dtype '>f4'");
    CHECK(err.code == TGDP_EUNSUPPORTED);
    EXPECT_FAIL(tgdp_npy_read_f32(tpath("py_bool.npy"), &t, &err), err, "py_bool.npy", "'|b1'");
    EXPECT_FAIL(tgdp_npy_read_f32_finite(tpath("py_nan.npy"), &t, &err), err, "py_nan.npy", "element 2");
}

int main(int argc, char **argv)
{
    tu_init(argc, argv);
    if (make_tmpdir("tgdp_test_npy") != 0) return 1;
    test_roundtrip_all_dtypes();
    test_convenience();
    test_versions();
    test_malformed();
    test_finite();
    test_atomic();
    test_numpy_interop();
    remove_tree(tmpdir);
    TEST_MAIN_END();
}

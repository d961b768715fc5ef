/* Numeric CSV: exact float32 round trips (%.9g), header detection and names, CRLF/quotes/BOM,
 * errors with line and column for ragged rows, text, empty files and non-finite values, and
 * NumPy interop (np.loadtxt / np.savetxt through /usr/bin/python3). */
#include "test_files.h"
#include "testutil.h"
#include "tgdp/io.h"

#include <float.h>
#include <string.h>
#include <unistd.h>

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = calloc(1, 1 << 16);
    size_t n = fread(b, 1, (1 << 16) - 1, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

/* Write text to name, read it with opt, expect failure mentioning needle; returns the code. */
static int bad_csv(const char *name, const char *text, const tgdp_csv_options *opt, const char *needle, int line)
{
    const char *p = tpath(name);
    tgdp_error err = {0};
    tgdp_tensor t;
    tgdp_csv_header h;
    write_text(p, text);
    int rc = tgdp_csv_read(p, opt, &t, &h, &err);
    expect_fail(rc, &err, p, needle, line);
    CHECK(t.data == NULL && h.n == 0 && h.names == NULL);
    return err.code;
}
#define BAD_CSV(name, text, opt, needle) bad_csv(name, text, opt, needle, __LINE__)

static float fval(size_t i) { return (float)((long)(i * 37 % 101) - 50) / 8.0f; }

static void test_roundtrip(void)
{
    float vals[] = {0.1f,    -1e-38f,   FLT_MAX, -FLT_MAX, 1e-45f,   3.14159265f, 123456789.f, -0.0f,
                    1.0f / 3, 2.718281828f, 1e30f, -7.0f,   6.02e23f, 1e-7f,       0.333333343f, 16777217.f};
    tgdp_tensor t = {vals, 2, {4, 4}}, r;
    const char *names[4] = {"alpha", "with,comma", "with \"quotes\"", " padded "};
    tgdp_csv_header h;
    tgdp_error err = {0};
    const char *p = tpath("rt.csv");
    CHECKF(tgdp_csv_write(p, &t, names, &err) == TGDP_OK, "%s", err.msg);
    CHECKF(tgdp_csv_read(p, NULL, &r, &h, &err) == TGDP_OK, "%s", err.msg);
    CHECK(r.ndim == 2 && r.shape[0] == 4 && r.shape[1] == 4);
    CHECK(r.data && memcmp(r.data, vals, sizeof vals) == 0); /* bit-exact, including -0 */
    CHECK(h.n == 4);
    for (int j = 0; j < 4 && j < h.n; j++) CHECKF(strcmp(h.names[j], names[j]) == 0, "name %d: '%s'", j, h.names[j]);
    tgdp_csv_header_free(&h);
    tgdp_tensor_free(&r);
    char *text = read_text(p);
    const char *line1 = "alpha,\"with,comma\",\"with \"\"quotes\"\"\",\" padded \"\n";
    CHECK(text && strncmp(text, line1, strlen(line1)) == 0);
    free(text);

    /* no names; NaN/Inf are written as nan/inf and read back */
    float sp[3] = {NAN, INFINITY, -INFINITY};
    tgdp_tensor ts = {sp, 1, {3}};
    CHECKF(tgdp_csv_write(p, &ts, NULL, &err) == TGDP_OK, "%s", err.msg);
    text = read_text(p);
    CHECK(text && strcmp(text, "nan\ninf\n-inf\n") == 0);
    free(text);
    CHECKF(tgdp_csv_read(p, NULL, &r, NULL, &err) == TGDP_OK, "%s", err.msg);
    CHECK(r.shape[0] == 3 && r.shape[1] == 1 && isnan(r.data[0]) && r.data[1] == INFINITY && r.data[2] == -INFINITY);
    tgdp_tensor_free(&r);
    tgdp_csv_options fin = {TGDP_CSV_HEADER_AUTO, 1};
    BAD_CSV("rt_nan.csv", "nan\ninf\n-inf\n", &fin, "line 1 column 1: non-finite value 'nan'");

    /* writer argument errors */
    tgdp_tensor t3 = {vals, 3, {2, 2, 4}};
    const char *bad = tpath("bad.csv");
    CHECK(tgdp_csv_write(bad, &t3, NULL, &err) == TGDP_EINVAL && strstr(err.msg, bad));
    const char *nl[4] = {"a", "b\nc", "d", "e"};
    CHECK(tgdp_csv_write(bad, &t, nl, &err) == TGDP_EINVAL && strstr(err.msg, "line break"));
    CHECK(access(bad, F_OK) != 0);
    CHECK(tgdp_csv_write("/proc/nonexistent-dir/x.csv", &t, NULL, &err) == TGDP_EIO);
    CHECK(strstr(err.msg, "/proc/nonexistent-dir/x.csv") != NULL);
}

static void test_parsing(void)
{
    tgdp_error err = {0};
    tgdp_tensor t;
    tgdp_csv_header h;
    const char *p = tpath("parse.csv");
    /* BOM, CRLF, quotes, blanks, blank lines, header auto-detected */
    write_text(p, "\xEF\xBB\xBFx, \"y\" ,z\r\n1,\"2.5\", -3e2\r\n\r\n  \n 4 ,5,\"6\"\r\n7,8,9");
    CHECKF(tgdp_csv_read(p, NULL, &t, &h, &err) == TGDP_OK, "%s", err.msg);
    CHECK(t.ndim == 2 && t.shape[0] == 3 && t.shape[1] == 3);
    float want[9] = {1, 2.5f, -300, 4, 5, 6, 7, 8, 9};
    CHECK(t.data && memcmp(t.data, want, sizeof want) == 0);
    CHECK(h.n == 3 && !strcmp(h.names[0], "x") && !strcmp(h.names[1], "y") && !strcmp(h.names[2], "z"));
    tgdp_csv_header_free(&h);
    tgdp_tensor_free(&t);

    /* numeric first row: data by auto-detection, header when forced */
    write_text(p, "1,2\n3,4\n");
    CHECKF(tgdp_csv_read(p, NULL, &t, &h, &err) == TGDP_OK, "%s", err.msg);
    CHECK(t.shape[0] == 2 && h.n == 0 && h.names == NULL);
    tgdp_tensor_free(&t);
    tgdp_csv_options yes = {TGDP_CSV_HEADER_YES, 0}, no = {TGDP_CSV_HEADER_NO, 0};
    CHECKF(tgdp_csv_read(p, &yes, &t, &h, &err) == TGDP_OK, "%s", err.msg);
    CHECK(t.shape[0] == 1 && t.shape[1] == 2 && t.data[0] == 3 && h.n == 2 && !strcmp(h.names[1], "2"));
    tgdp_csv_header_free(&h);
    tgdp_tensor_free(&t);
    BAD_CSV("parse_no.csv", "a,b\n3,4\n", &no, "line 1 column 1: 'a' is not a number");
    /* quotes with escaped quotes in a header; single column */
    write_text(p, "\"say \"\"hi\"\"\"\n1\n2\n");
    CHECKF(tgdp_csv_read(p, NULL, &t, &h, &err) == TGDP_OK, "%s", err.msg);
    CHECK(t.shape[0] == 2 && t.shape[1] == 1 && h.n == 1 && !strcmp(h.names[0], "say \"hi\""));
    tgdp_csv_header_free(&h);
    tgdp_tensor_free(&t);
}

static void test_errors(void)
{
    BAD_CSV("ragged.csv", "a,b,c,d\n1,2,3,4\n1,2,3,4\n\n1,2,3,4\n1,2,3,4\n1,2,3\n", NULL, "line 7: 3 fields, expected 4");
    BAD_CSV("ragged2.csv", "1,2\n3,4,5\n", NULL, "line 2: 3 fields, expected 2");
    BAD_CSV("text.csv", "a,b\n1,2\n3,abc\n", NULL, "line 3 column 2: 'abc' is not a number");
    BAD_CSV("mixed.csv", "x,1.5\n1,2\n", NULL, "line 1 column 1: 'x' is not a number");
    BAD_CSV("trail.csv", "1,2\n3,4x\n", NULL, "line 2 column 2: '4x'");
    BAD_CSV("hex.csv", "1,0x10\n", NULL, "column 2: '0x10' is not a number");
    BAD_CSV("emptyfield.csv", "1,2\n3,\n", NULL, "line 2 column 2: empty field");
    BAD_CSV("empty.csv", "", NULL, "empty file");
    BAD_CSV("blank.csv", "\n  \r\n\n", NULL, "empty file");
    BAD_CSV("bom_only.csv", "\xEF\xBB\xBF", NULL, "empty file");
    BAD_CSV("headeronly.csv", "a,b,c\n", NULL, "no data rows");
    BAD_CSV("range.csv", "1\n1e39\n", NULL, "line 2 column 1: '1e39' is outside the float32 range");
    BAD_CSV("range2.csv", "1\n-1e400\n", NULL, "outside the float32 range");
    BAD_CSV("unterminated.csv", "a,b\n1,\"2\n3,4\n", NULL, "line 2 column 2: unterminated quoted field");
    BAD_CSV("afterquote.csv", "1,\"2\"x\n", NULL, "line 1 column 2: text after a closing quote");
    BAD_CSV("midquote.csv", "1,2\"3\n", NULL, "line 1 column 2: quote inside an unquoted field");
    tgdp_csv_options fin = {TGDP_CSV_HEADER_AUTO, 1};
    CHECK(BAD_CSV("inf.csv", "a,b\n1,2\n3,inf\n", &fin, "line 3 column 2: non-finite value 'inf'") == TGDP_ENONFINITE);
    BAD_CSV("nan.csv", "a,b\n1,NaN\n", &fin, "line 2 column 2");
    /* a long bad field is shortened in the message */
    char longf[400];
    memset(longf, 'z', sizeof longf - 2);
    longf[sizeof longf - 2] = '\n';
    longf[sizeof longf - 1] = '\0';
    tgdp_csv_options no = {TGDP_CSV_HEADER_NO, 0};
    BAD_CSV("long.csv", longf, &no, "...' is not a number");
    tgdp_tensor t;
    tgdp_error err = {0};
    expect_fail(tgdp_csv_read(tpath("missing.csv"), NULL, &t, NULL, &err), &err, "missing.csv", "cannot open", __LINE__);
    expect_fail(tgdp_csv_read(tmpdir, NULL, &t, NULL, &err), &err, tmpdir, NULL, __LINE__);
    /* embedded NUL byte */
    const char *pn = tpath("nul.csv");
    FILE *f = fopen(pn, "wb");
    fwrite("1,2\n3,\0\n", 1, 8, f);
    fclose(f);
    expect_fail(tgdp_csv_read(pn, NULL, &t, NULL, &err), &err, pn, "line 2 column 2", __LINE__);
}

static void test_numpy_interop(void)
{
    if (!have_numpy()) return;
    enum { R = 7, C = 3 };
    float x[R * C];
    for (int i = 0; i < R * C; i++) x[i] = fval((size_t)i) / 3.0f; /* needs all 9 digits */
    tgdp_tensor t = {x, 2, {R, C}}, r;
    const char *names[C] = {"a", "b", "c"};
    tgdp_error err = {0};
    CHECK(tgdp_csv_write(tpath("c.csv"), &t, names, &err) == TGDP_OK);
    const char *py =
        "import sys, numpy as np\n"
        "d = sys.argv[1]\n"
        "f = ((((np.arange(21) * 37) % 101 - 50) / 8.0).astype(np.float32) / np.float32(3)).reshape(7, 3)\n"
        "a = np.loadtxt(d + '/c.csv', delimiter=',', skiprows=1, dtype=np.float64).astype(np.float32)\n"
        "assert a.shape == (7, 3) and np.array_equal(a, f), (a, f)\n"
        "assert open(d + '/c.csv').readline() == 'a,b,c\\n'\n"
        "np.savetxt(d + '/py.csv', f.astype(np.float64), delimiter=',', header='u,v,w', comments='', fmt='%.18e')\n"
        "np.savetxt(d + '/py_noheader.csv', f, delimiter=',', fmt='%.9g', newline='\\r\\n')\n";
    const char *sp = tpath("script.py");
    write_text(sp, py); /* one CHECK, unlike run_python's write_bytes */
    CHECKF(run_python_file(sp) == 0, "numpy round trip of the CSV failed");
    tgdp_csv_header h;
    CHECKF(tgdp_csv_read(tpath("py.csv"), NULL, &r, &h, &err) == TGDP_OK, "%s", err.msg);
    CHECK(r.shape[0] == R && r.shape[1] == C && r.data && memcmp(r.data, x, sizeof x) == 0);
    CHECK(h.n == 3 && !strcmp(h.names[2], "w"));
    tgdp_csv_header_free(&h);
    tgdp_tensor_free(&r);
    CHECKF(tgdp_csv_read(tpath("py_noheader.csv"), NULL, &r, &h, &err) == TGDP_OK, "%s", err.msg);
    CHECK(r.shape[0] == R && r.shape[1] == C && r.data && memcmp(r.data, x, sizeof x) == 0 && h.n == 0);
    tgdp_tensor_free(&r);
}

int main(int argc, char **argv)
{
    tu_init(argc, argv);
    if (make_tmpdir("tgdp_test_csv") != 0) return 1;
    test_roundtrip();
    test_parsing();
    test_errors();
    test_numpy_interop();
    remove_tree(tmpdir);
    TEST_MAIN_END();
}

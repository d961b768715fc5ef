/* safetensors: writer/reader round trip of views into one parameter buffer plus other dtypes and
 * metadata, byte-exact determinism and layout (8-byte padded header, aligned offsets), writer
 * argument errors, malformed files (offsets, overlaps, gaps, header lengths, invalid JSON,
 * truncation, bad shapes/dtypes), and interop with Python's json + numpy in both directions. */
#include "test_files.h"
#include "testutil.h"
#include "tgdp/io.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

static float fval(size_t i) { return (float)((long)(i * 37 % 101) - 50) / 8.0f; }

/* ---------------------------------------------------------------- a model-like checkpoint */

enum { NP = 18 };
static float params[NP]; /* layer0.weight [2,3], layer0.bias [3], layer1.weight [4,2], scale [] */
static int64_t rng_state[2] = {0x123456789abcdefLL, -42};
static double ema[1] = {0.999};
static int32_t counts[3] = {-1, 0, 2147483647};
static uint8_t mask[5] = {0, 1, 255, 3, 4};
static int8_t small[2] = {-128, 127};

static const char *ctrl_value = "tab\there \"quoted\" back\\slash\nnew line \x01\x1f end";
static const char *unicode_value = "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80";

/* Fill w; order selects one of two different insertion orders. */
static void fill_writer(tgdp_st_writer *w, int order)
{
    tgdp_error err = {0};
    int64_t s23[2] = {2, 3}, s3[1] = {3}, s42[2] = {4, 2}, s2[1] = {2}, s1[1] = {1}, s5[1] = {5}, s04[2] = {0, 4};
    tgdp_st_writer_init(w);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == order) {
            CHECK(tgdp_st_writer_add_f32(w, "layer1.weight", params + 9, 2, s42, &err) == TGDP_OK);
            CHECK(tgdp_st_writer_add_f32(w, "layer0.weight", params, 2, s23, &err) == TGDP_OK);
            CHECK(tgdp_st_writer_add(w, "rng_state", TGDP_DT_I64, rng_state, 1, s2, &err) == TGDP_OK);
            CHECK(tgdp_st_writer_add(w, "mask", TGDP_DT_U8, mask, 1, s5, &err) == TGDP_OK);
            CHECK(tgdp_st_writer_metaf(w, "step", &err, "%lld", 999LL) == TGDP_OK); /* replaced below */
            CHECK(tgdp_st_writer_meta(w, "config", "{\"hidden\": [64, 64], \"act\": \"silu\"}", &err) == TGDP_OK);
            CHECK(tgdp_st_writer_meta(w, "unicode", unicode_value, &err) == TGDP_OK);
        } else {
            CHECK(tgdp_st_writer_add_f32(w, "scale", params + 17, 0, NULL, &err) == TGDP_OK);
            CHECK(tgdp_st_writer_add_f32(w, "layer0.bias", params + 6, 1, s3, &err) == TGDP_OK);
            CHECK(tgdp_st_writer_add(w, "ema_decay", TGDP_DT_F64, ema, 1, s1, &err) == TGDP_OK);
            CHECK(tgdp_st_writer_add(w, "counts", TGDP_DT_I32, counts, 1, s3, &err) == TGDP_OK);
            CHECK(tgdp_st_writer_add(w, "small", TGDP_DT_I8, small, 1, s2, &err) == TGDP_OK);
            CHECK(tgdp_st_writer_add_f32(w, "empty", NULL, 2, s04, &err) == TGDP_OK);
            CHECK(tgdp_st_writer_meta(w, "ctrl", ctrl_value, &err) == TGDP_OK);
            CHECK(tgdp_st_writer_metaf(w, "seed", &err, "%d", 1234) == TGDP_OK);
        }
    }
    CHECK(tgdp_st_writer_metaf(w, "step", &err, "%lld", 123456789012LL) == TGDP_OK);
}

static void check_layout(const unsigned char *b, size_t n)
{
    uint64_t hl = 0;
    for (int k = 7; k >= 0; k--) hl = hl << 8 | b[k];
    CHECK(hl % 8 == 0 && 8 + hl <= n);
    CHECK(memcmp(b + 8, "{\"__metadata__\":{\"config\":", 26) == 0);
    size_t end = 8 + (size_t)hl;
    while (end > 8 && b[end - 1] == ' ') end--;
    CHECK(end > 8 && b[end - 1] == '}');
    CHECK(8 + hl - end < 8); /* padded with fewer than 8 spaces */
}

static void test_roundtrip(void)
{
    for (int i = 0; i < NP; i++) params[i] = fval((size_t)i);
    tgdp_st_writer w;
    tgdp_error err = {0};
    const char *p = tpath("model.safetensors"), *p2 = tpath("model2.safetensors");
    fill_writer(&w, 0);
    CHECKF(tgdp_safetensors_write(p, &w, &err) == TGDP_OK, "%s", err.msg);
    tgdp_st_writer_free(&w);
    fill_writer(&w, 1);
    CHECKF(tgdp_safetensors_write(p2, &w, &err) == TGDP_OK, "%s", err.msg);
    tgdp_st_writer_free(&w);
    size_t n1 = 0, n2 = 0;
    unsigned char *b1 = read_bytes(p, &n1), *b2 = read_bytes(p2, &n2);
    CHECK(b1 && b2 && n1 == n2 && memcmp(b1, b2, n1) == 0); /* independent of insertion order */
    if (b1) check_layout(b1, n1);
    free(b1);
    free(b2);

    tgdp_st_file f;
    CHECKF(tgdp_safetensors_read(p, &f, &err) == TGDP_OK, "%s", err.msg);
    CHECK(f.n_tensors == 10 && f.n_meta == 5);
    CHECK(f.n_tensors > 0 && !strcmp(f.tensors[0].name, "ema_decay")); /* 8-byte dtypes first */
    for (size_t k = 0; k < f.n_tensors; k++)
        CHECKF(f.tensors[k].offset % tgdp_dtype_size(f.tensors[k].dtype) == 0, "%s misaligned", f.tensors[k].name);
    /* load the views back into a fresh contiguous buffer */
    float back[NP];
    memset(back, 0, sizeof back);
    int64_t s23[2] = {2, 3}, s3[1] = {3}, s42[2] = {4, 2}, s32[2] = {3, 2};
    CHECKF(tgdp_st_load_f32(&f, "layer0.weight", 2, s23, back, &err) == TGDP_OK, "%s", err.msg);
    CHECKF(tgdp_st_load_f32(&f, "layer0.bias", 1, s3, back + 6, &err) == TGDP_OK, "%s", err.msg);
    CHECKF(tgdp_st_load_f32(&f, "layer1.weight", 2, s42, back + 9, &err) == TGDP_OK, "%s", err.msg);
    CHECKF(tgdp_st_load_f32(&f, "scale", 0, NULL, back + 17, &err) == TGDP_OK, "%s", err.msg);
    CHECK(memcmp(back, params, sizeof back) == 0);
    EXPECT_FAIL(tgdp_st_load_f32(&f, "layer0.weight", 2, s32, back, &err), err, p, "shape [2, 3], expected [3, 2]");
    EXPECT_FAIL(tgdp_st_load_f32(&f, "nope", 1, s3, back, &err), err, p, "no tensor named 'nope'");
    /* other dtypes, raw and converted */
    tgdp_array a;
    const tgdp_st_tensor *t = tgdp_st_get(&f, "rng_state");
    CHECK(t && t->dtype == TGDP_DT_I64 && t->ndim == 1 && t->shape[0] == 2 && t->nbytes == 16);
    CHECK(tgdp_st_read_array(&f, "rng_state", &a, &err) == TGDP_OK && memcmp(a.data, rng_state, 16) == 0);
    tgdp_array_free(&a);
    CHECK(tgdp_st_read_array(&f, "counts", &a, &err) == TGDP_OK && a.dtype == TGDP_DT_I32);
    CHECK(a.data && memcmp(a.data, counts, sizeof counts) == 0);
    tgdp_array_free(&a);
    CHECK(tgdp_st_read_array(&f, "mask", &a, &err) == TGDP_OK && a.data && memcmp(a.data, mask, 5) == 0);
    tgdp_array_free(&a);
    tgdp_tensor tt;
    CHECK(tgdp_st_read_f32(&f, "small", &tt, &err) == TGDP_OK && tt.data[0] == -128.f && tt.data[1] == 127.f);
    tgdp_tensor_free(&tt);
    CHECK(tgdp_st_read_f32(&f, "ema_decay", &tt, &err) == TGDP_OK && tt.data[0] == (float)0.999);
    tgdp_tensor_free(&tt);
    CHECK(tgdp_st_read_f32(&f, "empty", &tt, &err) == TGDP_OK && tt.ndim == 2 && tt.shape[0] == 0);
    tgdp_tensor_free(&tt);
    CHECK(tgdp_st_read_f32(&f, "missing", &tt, &err) == TGDP_EINVAL && tt.data == NULL);
    CHECK(tgdp_st_get(&f, "missing") == NULL);
    /* metadata */
    const char *m = tgdp_st_meta(&f, "step");
    CHECK(m && !strcmp(m, "123456789012"));
    CHECK((m = tgdp_st_meta(&f, "seed")) && !strcmp(m, "1234"));
    CHECK((m = tgdp_st_meta(&f, "ctrl")) && !strcmp(m, ctrl_value));
    CHECK((m = tgdp_st_meta(&f, "unicode")) && !strcmp(m, unicode_value));
    CHECK((m = tgdp_st_meta(&f, "config")) && !strcmp(m, "{\"hidden\": [64, 64], \"act\": \"silu\"}"));
    CHECK(tgdp_st_meta(&f, "absent") == NULL);
    tgdp_st_file_free(&f);
    tgdp_st_file_free(&f); /* idempotent */

    /* empty file: no tensors, no metadata */
    tgdp_st_writer_init(&w);
    const char *pe = tpath("empty.safetensors");
    CHECK(tgdp_safetensors_write(pe, &w, &err) == TGDP_OK);
    size_t ne = 0;
    unsigned char *be = read_bytes(pe, &ne);
    CHECK(be && ne == 16 && be[0] == 8 && memcmp(be + 8, "{}      ", 8) == 0);
    free(be);
    CHECKF(tgdp_safetensors_read(pe, &f, &err) == TGDP_OK, "%s", err.msg);
    CHECK(f.n_tensors == 0 && f.n_meta == 0);
    tgdp_st_file_free(&f);
    tgdp_st_writer_free(&w);
}

static void test_writer_errors(void)
{
    tgdp_st_writer w;
    tgdp_error err = {0};
    float x[4] = {1, 2, 3, 4};
    int64_t s4[1] = {4}, neg[1] = {-4}, s9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 4};
    tgdp_st_writer_init(&w);
    CHECK(tgdp_st_writer_add_f32(&w, "x", x, 1, s4, &err) == TGDP_OK);
    CHECK(tgdp_st_writer_add_f32(&w, "x", x, 1, s4, &err) == TGDP_EINVAL && strstr(err.msg, "duplicate"));
    CHECK(tgdp_st_writer_add_f32(&w, "__metadata__", x, 1, s4, &err) == TGDP_EINVAL);
    CHECK(tgdp_st_writer_add_f32(&w, "y", NULL, 1, s4, &err) == TGDP_EINVAL && strstr(err.msg, "'y'"));
    CHECK(tgdp_st_writer_add_f32(&w, "z", x, 1, neg, &err) != TGDP_OK && strstr(err.msg, "negative"));
    CHECK(tgdp_st_writer_add_f32(&w, "z", x, 9, s9, &err) != TGDP_OK);
    CHECK(tgdp_st_writer_add_f32(&w, "bad\xff", x, 1, s4, &err) == TGDP_EINVAL);
    CHECK(tgdp_st_writer_add(&w, "z", (tgdp_dtype)77, x, 1, s4, &err) == TGDP_EINVAL);
    CHECK(tgdp_st_writer_meta(&w, "k", "\xc3", &err) == TGDP_EINVAL);
    CHECK(tgdp_st_writer_meta(&w, "k", NULL, &err) == TGDP_EINVAL);
    CHECK(w.n_entries == 1 && w.n_meta == 0);
    EXPECT_FAIL(tgdp_safetensors_write("/proc/nonexistent-dir/m.safetensors", &w, &err), err,
                "/proc/nonexistent-dir/m.safetensors", NULL);
    tgdp_st_writer_free(&w);
}

/* ---------------------------------------------------------------- malformed files */

/* 8-byte length (hl, or the JSON length when hl == 0), the JSON, then ndata bytes. */
static void write_st(const char *path, uint64_t hl, const char *json, size_t ndata)
{
    size_t jl = strlen(json);
    unsigned char *b = calloc(1, 8 + jl + ndata + 1);
    uint64_t len = hl ? hl : jl;
    for (int k = 0; k < 8; k++) b[k] = (unsigned char)(len >> (8 * k));
    memcpy(b + 8, json, jl);
    for (size_t i = 0; i < ndata; i++) b[8 + jl + i] = (unsigned char)i;
    write_bytes(path, b, 8 + jl + ndata);
    free(b);
}

static void bad_st(const char *name, uint64_t hl, const char *json, size_t ndata, const char *needle, int line)
{
    const char *p = tpath(name);
    tgdp_st_file f;
    tgdp_error err = {0};
    write_st(p, hl, json, ndata);
    int rc = tgdp_safetensors_read(p, &f, &err);
    expect_fail(rc, &err, p, needle, line);
    CHECK(f.tensors == NULL && f.data == NULL && f.n_tensors == 0);
}
#define BAD_ST(name, json, ndata, needle) bad_st(name, 0, json, ndata, needle, __LINE__)

#define T(name, dt, shape, b, e) "\"" name "\":{\"dtype\":\"" dt "\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"

static void test_malformed(void)
{
    /* a valid hand-written file first, with whitespace and escapes */
    const char *ok = tpath("ok.safetensors");
    write_st(ok, 0, " { \"__metadata__\" : {\"a\\u00e9\\ud83d\\ude00\" : \"x\\/y\"} , " T("b", "F32", "[2]", 8, 16) ","
                    T("a\\\"q", "F32", "[ 1 , 2 ]", 0, 8) "}\n  ", 16);
    tgdp_st_file f;
    tgdp_error err = {0};
    /* a header must start with '{' (leading blanks are not allowed, as in the reference) */
    EXPECT_FAIL(tgdp_safetensors_read(ok, &f, &err), err, ok, "start with '{'");
    write_st(ok, 0, "{ \"__metadata__\" : {\"a\\u00e9\\ud83d\\ude00\" : \"x\\/y\"} , " T("b", "F32", "[2]", 8, 16) ","
                    T("a\\\"q", "F32", "[ 1 , 2 ]", 0, 8) "}\n  ", 16);
    CHECKF(tgdp_safetensors_read(ok, &f, &err) == TGDP_OK, "%s", err.msg);
    CHECK(f.n_tensors == 2 && tgdp_st_get(&f, "a\"q") && tgdp_st_get(&f, "a\"q")->offset == 0);
    const char *m = tgdp_st_meta(&f, "a\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(m && !strcmp(m, "x/y"));
    tgdp_st_file_free(&f);

    BAD_ST("range.safetensors", "{" T("a", "F32", "[100]", 0, 400) "}", 16, "out of range");
    BAD_ST("range2.safetensors", "{" T("a", "F32", "[2]", 8, 16) "," T("b", "F32", "[2]", 16, 24) "}", 16,
           "out of range");
    BAD_ST("reversed.safetensors", "{" T("a", "F32", "[0]", 8, 4) "}", 16, "out of range");
    BAD_ST("overlap.safetensors", "{" T("a", "F32", "[4]", 0, 16) "," T("b", "F32", "[4]", 8, 24) "}", 24, "overlap");
    BAD_ST("same.safetensors", "{" T("a", "F32", "[2]", 0, 8) "," T("b", "F32", "[2]", 0, 8) "}", 16, "overlap");
    BAD_ST("gap.safetensors", "{" T("a", "F32", "[2]", 0, 8) "," T("b", "F32", "[2]", 16, 24) "}", 24,
           "8 bytes of data before tensor 'b'");
    BAD_ST("tail.safetensors", "{" T("a", "F32", "[2]", 0, 8) "}", 12, "4 trailing bytes");
    BAD_ST("shape.safetensors", "{" T("a", "F32", "[3]", 0, 8) "}", 8, "12 bytes");
    BAD_ST("shape2.safetensors", "{" T("a", "F64", "[2,2]", 0, 16) "}", 16, "[2, 2]");
    BAD_ST("negshape.safetensors", "{" T("a", "F32", "[-2]", 0, 8) "}", 8, "shape entry 0");
    BAD_ST("fshape.safetensors", "{" T("a", "F32", "[2.0]", 0, 8) "}", 8, "shape entry 0");
    BAD_ST("overflow.safetensors", "{" T("a", "F32", "[4611686018427387904,8]", 0, 8) "}", 8, "overflow");
    BAD_ST("bigdim.safetensors", "{" T("a", "F32", "[99999999999999999999]", 0, 8) "}", 8, "shape entry 0");
    BAD_ST("ndim.safetensors", "{" T("a", "F32", "[1,1,1,1,1,1,1,1,2]", 0, 8) "}", 8, "9 dimensions");
    BAD_ST("noshape.safetensors", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "\"shape\"");
    BAD_ST("nodtype.safetensors", "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "\"dtype\"");
    BAD_ST("nooffs.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "data_offsets");
    BAD_ST("offs3.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", 8,
           "data_offsets");
    BAD_ST("notobj.safetensors", "{\"a\":[1,2]}", 0, "not an object");
    BAD_ST("bf16.safetensors", "{" T("a", "BF16", "[2]", 0, 4) "}", 4, "BF16");
    BAD_ST("dtype.safetensors", "{" T("a", "Q7", "[2]", 0, 4) "}", 4, "not supported");
    BAD_ST("meta.safetensors", "{\"__metadata__\":{\"step\":5}}", 0, "'step' is not a string");
    BAD_ST("meta2.safetensors", "{\"__metadata__\":[]}", 0, "not an object");
    BAD_ST("dup.safetensors", "{" T("a", "F32", "[1]", 0, 4) "," T("a", "F32", "[1]", 4, 8) "}", 8, "duplicate");
    BAD_ST("dupmeta.safetensors", "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "duplicate metadata key 'k'");
    /* invalid JSON */
    BAD_ST("json1.safetensors", "{\"a\":", 0, "invalid JSON");
    BAD_ST("json2.safetensors", "{\"a\" 1}", 0, "expected ':'");
    BAD_ST("json3.safetensors", "{" T("a", "F32", "[1]", 0, 4) ",}", 4, "expected a string key");
    BAD_ST("json4.safetensors", "{\"a\\x\":1}", 0, "invalid escape");
    BAD_ST("json5.safetensors", "{\"abc", 0, "unterminated string");
    BAD_ST("json6.safetensors", "{\"a\":\"\\ud800\"}", 0, "surrogate");
    BAD_ST("json7.safetensors", "{\"a\":\"\\udc00x\"}", 0, "surrogate");
    BAD_ST("json8.safetensors", "{\"a\":\"\\u12\"}", 0, "\\u escape");
    BAD_ST("json9.safetensors", "{\"a\":\"\\u0000\"}", 0, "NUL");
    BAD_ST("json10.safetensors", "{\"a\":\"tab\there\"}", 0, "control character");
    BAD_ST("json11.safetensors", "{\"a\":01}", 0, "expected ',' or '}'");
    BAD_ST("json12.safetensors", "{\"a\":-}", 0, "invalid number");
    BAD_ST("json13.safetensors", "{\"a\":1.}", 0, "invalid number");
    BAD_ST("json14.safetensors", "{\"a\":1e}", 0, "invalid number");
    BAD_ST("json15.safetensors", "{\"a\":tru}", 0, "unexpected character");
    BAD_ST("json16.safetensors", "{} {}", 0, "after the JSON value");
    BAD_ST("json17.safetensors", "{\"a\":[1 2]}", 0, "expected ',' or ']'");
    BAD_ST("json18.safetensors", "{\"a\xff\":1}", 0, "UTF-8");
    BAD_ST("json19.safetensors", "{\"a\xc0\xaf\":1}", 0, "UTF-8"); /* overlong '/' */
    BAD_ST("json20.safetensors", "[]", 0, "start with '{'");
    BAD_ST("json21.safetensors", "{\"a\":1}", 0, "not an object");
    char deep[300];
    strcpy(deep, "{\"a\":");
    for (int i = 0; i < 100; i++) strcat(deep, "[");
    strcat(deep, "}");
    BAD_ST("deep.safetensors", deep, 0, "nesting too deep");
    /* unknown fields in an entry are ignored, as by the reference implementation */
    write_st(ok, 0, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":{\"y\":[null,true,-1.5e3]}}}", 4);
    CHECKF(tgdp_safetensors_read(ok, &f, &err) == TGDP_OK, "%s", err.msg);
    tgdp_st_file_free(&f);

    /* header lengths */
    bad_st("hl_big.safetensors", 1000, "{}", 16, "header length 1000 is larger than", __LINE__);
    bad_st("hl_huge.safetensors", 200000000, "{}", 0, "exceeds", __LINE__);
    bad_st("hl_max.safetensors", UINT64_MAX, "{}", 0, "exceeds", __LINE__);
    bad_st("hl_small.safetensors", 1, "{}", 0, "too small", __LINE__);
    const char *p = tpath("short.safetensors");
    write_bytes(p, "\x02\x00\x00", 3);
    EXPECT_FAIL(tgdp_safetensors_read(p, &f, &err), err, p, "too short");
    write_bytes(p, "", 0);
    EXPECT_FAIL(tgdp_safetensors_read(p, &f, &err), err, p, "too short");
    EXPECT_FAIL(tgdp_safetensors_read(tpath("missing.safetensors"), &f, &err), err, "missing.safetensors", "cannot open");
    EXPECT_FAIL(tgdp_safetensors_read(tmpdir, &f, &err), err, tmpdir, NULL);

    /* every truncation of a valid file fails cleanly */
    size_t n = 0;
    unsigned char *b = read_bytes(tpath("model.safetensors"), &n);
    CHECK(b != NULL && n > 100);
    int failures = 0, cases = 0;
    for (size_t cut = 0; b && cut < n; cut += (cut < 300 ? 1 : 7)) {
        write_bytes(p, b, cut);
        int rc = tgdp_safetensors_read(p, &f, &err);
        cases++;
        if (rc != 0 && strstr(err.msg, p)) failures++;
        else tgdp_st_file_free(&f);
    }
    CHECKF(failures == cases, "%d of %d truncations detected", failures, cases);
    free(b);
}

/* ---------------------------------------------------------------- Python interop */

static const char *py_check =
    "import sys, json, struct, numpy as np\n"
    "d = sys.argv[1]\n"
    "raw = open(d + '/model.safetensors', 'rb').read()\n"
    "n, = struct.unpack('<Q', raw[:8])\n"
    "assert n % 8 == 0\n"
    "hdr = json.loads(raw[8:8 + n].decode('utf-8'))\n"
    "data = raw[8 + n:]\n"
    "meta = hdr.pop('__metadata__')\n"
    "assert meta == {'step': '123456789012', 'seed': '1234', 'config': '{\"hidden\": [64, 64], \"act\": \"silu\"}',\n"
    "                'ctrl': 'tab\\there \"quoted\" back\\\\slash\\nnew line \\x01\\x1f end',\n"
    "                'unicode': 'h\\u00e9llo \\u2713 \\U0001F600'}, meta\n"
    "dt = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32, 'U8': np.uint8, 'I8': np.int8}\n"
    "t = {}\n"
    "pos = 0\n"
    "for name, e in sorted(hdr.items(), key=lambda kv: kv[1]['data_offsets']):\n"
    "    b, en = e['data_offsets']\n"
    "    assert b == pos, (name, b, pos)\n"
    "    pos = en\n"
    "    t[name] = np.frombuffer(data[b:en], dtype=dt[e['dtype']]).reshape(e['shape'])\n"
    "assert pos == len(data)\n"
    "p = ((((np.arange(18) * 37) % 101 - 50) / 8.0)).astype(np.float32)\n"
    "assert np.array_equal(t['layer0.weight'], p[:6].reshape(2, 3))\n"
    "assert np.array_equal(t['layer0.bias'], p[6:9])\n"
    "assert np.array_equal(t['layer1.weight'], p[9:17].reshape(4, 2))\n"
    "assert t['scale'].shape == () and t['scale'] == p[17]\n"
    "assert t['rng_state'].tolist() == [0x123456789abcdef, -42]\n"
    "assert t['ema_decay'].tolist() == [0.999] and t['counts'].tolist() == [-1, 0, 2147483647]\n"
    "assert t['mask'].tolist() == [0, 1, 255, 3, 4] and t['small'].tolist() == [-128, 127]\n"
    "assert t['empty'].shape == (0, 4)\n"
    "assert list(hdr)[:2] == ['ema_decay', 'rng_state']\n"
    "# now write a file the way the reference library lays it out\n"
    "w = (np.arange(12, dtype=np.float64) / 7.0).reshape(3, 4)\n"
    "lab = np.array([5, -3, 1 << 40], dtype=np.int64)\n"
    "x = (((np.arange(6) * 37) % 101 - 50) / 8.0).astype(np.float32).reshape(2, 3)\n"
    "tensors = [('lab', 'I64', lab), ('w', 'F64', w), ('x', 'F32', x)]\n"
    "h = {'__metadata__': {'format': 'pt', 'note': 'caf\\u00e9 \"q\"'}}\n"
    "blob = b''\n"
    "for name, code, arr in tensors:\n"
    "    h[name] = {'dtype': code, 'shape': list(arr.shape), 'data_offsets': [len(blob), len(blob) + arr.nbytes]}\n"
    "    blob += arr.tobytes()\n"
    "js = json.dumps(h).encode('utf-8')\n"
    "js += b' ' * ((8 - len(js) % 8) % 8)\n"
    "open(d + '/py.safetensors', 'wb').write(struct.pack('<Q', len(js)) + js + blob)\n";

static void test_python_interop(void)
{
    if (!have_numpy()) return;
    CHECKF(run_python(py_check) == 0, "python could not read model.safetensors or write py.safetensors");
    tgdp_st_file f;
    tgdp_error err = {0};
    const char *p = tpath("py.safetensors");
    CHECKF(tgdp_safetensors_read(p, &f, &err) == TGDP_OK, "%s", err.msg);
    CHECK(f.n_tensors == 3 && f.n_meta == 2);
    const char *m = tgdp_st_meta(&f, "note");
    CHECK(m && !strcmp(m, "caf\xc3\xa9 \"q\""));
    CHECK((m = tgdp_st_meta(&f, "format")) && !strcmp(m, "pt"));
    tgdp_array a;
    CHECK(tgdp_st_read_array(&f, "lab", &a, &err) == TGDP_OK && a.dtype == TGDP_DT_I64 && a.shape[0] == 3);
    CHECK(a.data && ((int64_t *)a.data)[1] == -3 && ((int64_t *)a.data)[2] == (int64_t)1 << 40);
    tgdp_array_free(&a);
    tgdp_tensor t;
    CHECK(tgdp_st_read_f32(&f, "w", &t, &err) == TGDP_OK && t.ndim == 2 && t.shape[0] == 3 && t.shape[1] == 4);
    for (int i = 0; t.data && i < 12; i++) CHECK(t.data[i] == (float)(i / 7.0));
    tgdp_tensor_free(&t);
    float x[6];
    int64_t s23[2] = {2, 3};
    CHECKF(tgdp_st_load_f32(&f, "x", 2, s23, x, &err) == TGDP_OK, "%s", err.msg);
    for (int i = 0; i < 6; i++) CHECK(x[i] == fval((size_t)i));
    tgdp_st_file_free(&f);
}

int main(int argc, char **argv)
{
    tu_init(argc, argv);
    if (make_tmpdir("tgdp_test_st") != 0) return 1;
    test_roundtrip();
    test_writer_errors();
    test_malformed();
    test_python_interop();
    remove_tree(tmpdir);
    TEST_MAIN_END();
}

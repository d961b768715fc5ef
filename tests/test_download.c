/* Tests of the download helpers (tgdp/download.h, tgdp/ecg_download.h) that need no server: SHA-256
 * against the FIPS 180-4 examples and at the padding boundaries, in one piece and in chunks; the
 * sha256sum list parser, checked against the shared data's own SHA256SUMS (every 50th file hashed);
 * safe relative paths; which published paths belong to which database. The transfers are tested
 * against a local server in tests/cli_ecg_download.sh. */
#include "test_ecg_common.h"
#include "tgdp/download.h"
#include "tgdp/ecg_download.h"

static void digest_hex(const void *p, size_t n, char hex[65])
{
    tgdp_sha256 s;
    unsigned char d[32];
    tgdp_sha256_init(&s);
    tgdp_sha256_update(&s, p, n);
    tgdp_sha256_final(&s, d);
    tgdp_sha256_hex(d, hex);
}

static void test_sha256(void)
{
    char hex[65];
    digest_hex("", 0, hex);
    CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
    digest_hex("abc", 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    digest_hex(m, strlen(m), hex);
    CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
    /* one million 'a', fed in uneven pieces */
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    tgdp_sha256 s;
    tgdp_sha256_init(&s);
    for (size_t off = 0, k = 1; off < 1000000; off += k, k = k * 3 % 1000 + 1)
        tgdp_sha256_update(&s, a + off, off + k <= 1000000 ? k : 1000000 - off);
    unsigned char d[32];
    tgdp_sha256_final(&s, d);
    tgdp_sha256_hex(d, hex);
    CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
    free(a);
    /* the padding boundaries (values from Python's hashlib) */
    static const struct { size_t n; const char *hex; } b[] = {
        {55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
        {56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
        {63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
        {64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
        {65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
        {119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
        {120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
    };
    unsigned char buf[128];
    for (int i = 0; i < 128; i++) buf[i] = (unsigned char)((i * 7 + 3) & 255);
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
        digest_hex(buf, b[i].n, hex);
        CHECKF(strcmp(hex, b[i].hex) == 0, "%zu bytes", b[i].n);
        tgdp_sha256_init(&s); /* byte by byte */
        for (size_t j = 0; j < b[i].n; j++) tgdp_sha256_update(&s, buf + j, 1);
        tgdp_sha256_final(&s, d);
        tgdp_sha256_hex(d, hex);
        CHECKF(strcmp(hex, b[i].hex) == 0, "%zu bytes, one at a time", b[i].n);
    }
}

static void test_list(void)
{
    const char *text = "# a comment\n"
                       "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855  empty.txt\r\n"
                       "\n"
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad *dir/a b.txt\n";
    tgdp_sha256_list l;
    tgdp_error e;
    CHECKF(tgdp_sha256_list_parse(text, strlen(text), "t", &l, &e) == TGDP_OK, "%s", e.msg);
    CHECK(l.n == 2 && strcmp(l.v[0].path, "empty.txt") == 0 && strcmp(l.v[1].path, "dir/a b.txt") == 0);
    CHECK(strcmp(l.v[0].hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
    CHECK(tgdp_sha256_list_find(&l, "dir/a b.txt") == &l.v[1] && !tgdp_sha256_list_find(&l, "x"));
    tgdp_sha256_list_free(&l);
    static const char *const bad[] = {"e3b0  x\n", "zz3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  x\n",
                                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
                                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855x y\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECKF(tgdp_sha256_list_parse(bad[i], strlen(bad[i]), "bad.txt", &l, &e) == TGDP_EFORMAT &&
                   strstr(e.msg, "bad.txt: line 1"), "bad line %zu", i);
    /* the shared data's checksums: the parser and the file hash agree with sha256sum */
    size_t len;
    unsigned char *buf = read_all(ECG_DATA "/SHA256SUMS", &len);
    if (!buf) return;
    CHECKF(tgdp_sha256_list_parse((char *)buf, len, "SHA256SUMS", &l, &e) == TGDP_OK, "%s", e.msg);
    CHECK(l.n > 7000);
    int ok = 0, tried = 0;
    for (size_t i = 0; i < l.n; i += 50, tried++) {
        char path[1024], hex[65];
        snprintf(path, sizeof path, "%s/%s", ECG_DATA, l.v[i].path);
        ok += tgdp_sha256_file(path, hex, &e) == TGDP_OK && strcmp(hex, l.v[i].hex) == 0;
    }
    CHECKF(ok == tried, "%d of %d files match the shared SHA256SUMS", ok, tried);
    tgdp_sha256_list_free(&l);
    free(buf);
}

static void test_paths(void)
{
    static const char *const good[] = {"a", "records100/00000/00001_lr.dat", "training/g1/A0001.hea", "a..b/.c"};
    static const char *const bad[] = {"", "/etc/passwd", "../x", "a/../b", "a//b", "./a", "a/.", "a/", "a\\b", "a\nb"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) CHECKF(tgdp_safe_relpath(good[i]), "'%s'", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECKF(!tgdp_safe_relpath(bad[i]), "'%s'", bad[i]);
}

static void test_sources(void)
{
    size_t n;
    const tgdp_ecg_source *v = tgdp_ecg_sources(&n);
    CHECK(n == 5 && v);
    const tgdp_ecg_source *p = tgdp_ecg_source_find("PTBXL"), *c = tgdp_ecg_source_find("cpsc2018");
    CHECK(p && c && !tgdp_ecg_source_find("mitdb"));
    if (!p || !c) return;
    CHECK(tgdp_ecg_source_takes(p, "records100/00000/00001_lr.dat") && tgdp_ecg_source_takes(p, "ptbxl_database.csv"));
    CHECK(!tgdp_ecg_source_takes(p, "records500/00000/00001_hr.dat") && !tgdp_ecg_source_takes(p, "example_physionet.py"));
    CHECK(tgdp_ecg_source_takes(c, "training/cpsc_2018/g1/A0001.mat") && !tgdp_ecg_source_takes(c, "training/georgia/g1/E00001.hea"));
    CHECK(!tgdp_ecg_source_takes(c, "training/cpsc_2018/") && !tgdp_ecg_source_takes(c, "RECORDS"));
    CHECK(tgdp_ecg_source_takes(tgdp_ecg_source_find("ludb"), "data/1.hea"));
}

int main(void)
{
    test_sha256();
    test_paths();
    test_sources();
    test_list();
    TEST_MAIN_END();
}

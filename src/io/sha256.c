/* SHA-256 (FIPS 180-4) and sha256sum-format checksum lists (tgdp/download.h). */
#include "tgdp/download.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void tgdp_sha256_init(tgdp_sha256 *s)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof h0);
    s->len = 0;
    s->nbuf = 0;
}

void tgdp_sha256_update(tgdp_sha256 *s, const void *data, size_t n)
{
    const unsigned char *p = data;
    s->len += n;
    if (s->nbuf) {
        size_t take = 64 - s->nbuf < n ? 64 - s->nbuf : n;
        memcpy(s->buf + s->nbuf, p, take);
        s->nbuf += take;
        p += take;
        n -= take;
        if (s->nbuf < 64) return;
        block(s->h, s->buf);
        s->nbuf = 0;
    }
    for (; n >= 64; p += 64, n -= 64) block(s->h, p);
    memcpy(s->buf, p, n);
    s->nbuf = n;
}

void tgdp_sha256_final(tgdp_sha256 *s, unsigned char out[32])
{
    const uint64_t bits = s->len * 8;
    unsigned char pad[72] = {0x80};
    size_t np = (s->nbuf < 56 ? 56 : 120) - s->nbuf;
    for (int i = 0; i < 8; i++) pad[np + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    tgdp_sha256_update(s, pad, np + 8);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) out[4 * i + j] = (unsigned char)(s->h[i] >> (24 - 8 * j));
}

void tgdp_sha256_hex(const unsigned char digest[32], char hex[65])
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = d[digest[i] >> 4];
        hex[2 * i + 1] = d[digest[i] & 15];
    }
    hex[64] = '\0';
}

int tgdp_sha256_file(const char *path, char hex[65], tgdp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return tgdp_fail(err, TGDP_EIO, "%s: cannot open: %s", path, strerror(errno));
    tgdp_sha256 s;
    tgdp_sha256_init(&s);
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) tgdp_sha256_update(&s, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) return tgdp_fail(err, TGDP_EIO, "%s: read error", path);
    unsigned char d[32];
    tgdp_sha256_final(&s, d);
    tgdp_sha256_hex(d, hex);
    return TGDP_OK;
}

/* ---- checksum lists */
static int is_hex64(const char *s)
{
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F'))) return 0;
    return 1;
}

void tgdp_sha256_list_free(tgdp_sha256_list *l)
{
    free(l->v);
    free(l->store);
    memset(l, 0, sizeof *l);
}

/* one line: "<64 hex><blanks>[*]<path>"; the path runs to the end of the line */
static int parse_line(char *line, size_t lineno, const char *what, tgdp_sha256_entry *e, tgdp_error *err)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) line[--n] = '\0';
    if (n < 66 || !is_hex64(line) || (line[64] != ' ' && line[64] != '\t'))
        return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: expected '<64 hex digits> <path>'", what, lineno);
    for (int i = 0; i < 64; i++) e->hex[i] = (char)(line[i] >= 'A' && line[i] <= 'F' ? line[i] - 'A' + 'a' : line[i]);
    e->hex[64] = '\0';
    char *p = line + 65;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '*') p++;
    if (!*p) return tgdp_fail(err, TGDP_EFORMAT, "%s: line %zu: no path", what, lineno);
    e->path = p;
    return TGDP_OK;
}

int tgdp_sha256_list_parse(const char *text, size_t len, const char *what, tgdp_sha256_list *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    out->store = malloc(len + 1);
    out->v = calloc(lines, sizeof *out->v);
    if (!out->store || !out->v) {
        tgdp_sha256_list_free(out);
        return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", what);
    }
    memcpy(out->store, text, len);
    out->store[len] = '\0';
    if (strlen(out->store) != len) {
        tgdp_sha256_list_free(out);
        return tgdp_fail(err, TGDP_EFORMAT, "%s: a NUL byte: not a checksum list", what);
    }
    char *s = out->store;
    int rc = TGDP_OK;
    for (size_t lineno = 1; !rc && s && *s; lineno++) {
        char *e = strchr(s, '\n');
        if (e) *e = '\0';
        if (*s && *s != '#' && strspn(s, " \t\r") != strlen(s)) rc = parse_line(s, lineno, what, &out->v[out->n++], err);
        s = e ? e + 1 : NULL;
    }
    if (rc) tgdp_sha256_list_free(out);
    return rc;
}

const tgdp_sha256_entry *tgdp_sha256_list_find(const tgdp_sha256_list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].path, path) == 0) return &l->v[i];
    return NULL;
}

/* Downloads that can be trusted: SHA-256 (FIPS 180-4), sha256sum-format checksum lists, and HTTP(S)
 * file transfers through libcurl that resume partial files (Range requests), retry with backoff and
 * keep a file only when its SHA-256 matches the published one.
 *
 * A build without libcurl (the Debian package libcurl4-openssl-dev missing at build time) keeps
 * everything except the transfers, which then fail with TGDP_EUNSUPPORTED and say so.
 *
 * All functions follow tgdp/core.h: int return code (TGDP_OK = 0), message in tgdp_error. */
#ifndef TGDP_DOWNLOAD_H
#define TGDP_DOWNLOAD_H

#include "tgdp/api.h"

#include <stddef.h>
#include <stdint.h>

#include "tgdp/core.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

/* ======================= SHA-256 ======================= */
typedef struct tgdp_sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char buf[64];
    size_t nbuf;
} tgdp_sha256;

void tgdp_sha256_init(tgdp_sha256 *s);
void tgdp_sha256_update(tgdp_sha256 *s, const void *data, size_t n);
void tgdp_sha256_final(tgdp_sha256 *s, unsigned char out[32]);
void tgdp_sha256_hex(const unsigned char digest[32], char hex[65]); /* lower case */
int tgdp_sha256_file(const char *path, char hex[65], tgdp_error *err);

/* A checksum list in sha256sum format, as PhysioNet publishes it (SHA256SUMS.txt): one line per
 * file, "<64 hex digits><blanks>[*]<path>"; blank lines and '#' comments are skipped. */
typedef struct tgdp_sha256_entry {
    char hex[65];  /* lower case */
    char *path;    /* into the list's store */
} tgdp_sha256_entry;

typedef struct tgdp_sha256_list {
    tgdp_sha256_entry *v;
    size_t n;
    char *store;
} tgdp_sha256_list;

int tgdp_sha256_list_parse(const char *text, size_t len, const char *what, tgdp_sha256_list *out, tgdp_error *err);
void tgdp_sha256_list_free(tgdp_sha256_list *l);
const tgdp_sha256_entry *tgdp_sha256_list_find(const tgdp_sha256_list *l, const char *path); /* NULL: absent */

/* 1 when path is a safe relative path to create under a folder: not empty, not absolute, no
 * backslash or control character, no empty, "." or ".." component. */
int tgdp_safe_relpath(const char *path);

/* ======================= transfers ======================= */
/* 1 when this build can transfer files (libcurl). */
int tgdp_have_download(void);

typedef struct tgdp_fetch_opts {
    int retries;                /* attempts after the first one of a file (default 5) */
    double retry_wait_s;        /* wait before the first retry, doubled for each further one (default 2 s) */
    double connect_timeout_s;   /* default 30 s */
    double stall_timeout_s;     /* give up an attempt after this long below 1 byte/s (default 60 s) */
    /* bytes of the current file so far and its size (0: unknown), about once per second; may be NULL */
    void (*progress)(void *ctx, int64_t now, int64_t total);
    void *ctx;
} tgdp_fetch_opts;
void tgdp_fetch_opts_default(tgdp_fetch_opts *o);

typedef struct tgdp_fetcher tgdp_fetcher; /* one connection, reused from file to file */
int tgdp_fetcher_new(tgdp_fetcher **f, const tgdp_fetch_opts *o, tgdp_error *err);
void tgdp_fetcher_free(tgdp_fetcher *f);

typedef enum { TGDP_FETCH_PRESENT = 0, TGDP_FETCH_DOWNLOADED = 1 } tgdp_fetch_status;
typedef struct tgdp_fetch_result {
    tgdp_fetch_status status;
    int64_t bytes;    /* received over the network */
    int attempts;     /* transfers started (0 when already present) */
    int resumed;      /* transfers completed by a Range request that continued a partial file */
    int exhausted;    /* the failure was the retries running out (server gone or failing) */
} tgdp_fetch_result;

/* Fetch url into dest, whose SHA-256 must be sha256_hex:
 *  - dest already there with that checksum: nothing to do (TGDP_FETCH_PRESENT);
 *  - the bytes go to dest + ".part"; a .part left by an earlier run or a failed attempt is continued
 *    with a Range request (a server that ignores the range, or a range it cannot satisfy, restarts
 *    the file);
 *  - transport failures (refused or dropped connections, truncated transfers, stalls) and HTTP
 *    408/429/5xx are retried with backoff; other HTTP errors are not;
 *  - a complete transfer is checked: a matching file is renamed to dest; a mismatch deletes it
 *    (after a resumed transfer the file is fetched once more from the start) and is TGDP_EFORMAT,
 *    "checksum mismatch ... not kept".
 * On a transport failure after the last retry the .part file is kept for the next run (TGDP_EIO,
 * naming it). res may be NULL. */
int tgdp_fetch(tgdp_fetcher *f, const char *url, const char *dest, const char *sha256_hex, tgdp_fetch_result *res,
               tgdp_error *err);
/* Fetch a small text (at most max_bytes) into *text (malloc'd, NUL-terminated), with the retries. */
int tgdp_fetch_text(tgdp_fetcher *f, const char *url, size_t max_bytes, char **text, size_t *len, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

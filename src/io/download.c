/* HTTP(S) transfers with resume, retries and checksums (tgdp/download.h), through libcurl when the
 * build has it (TGDP_HAVE_CURL). */
#include "tgdp/download.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int tgdp_safe_relpath(const char *p)
{
    if (!p || !*p || *p == '/') return 0;
    for (const char *s = p; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == '\\' || *s == 0x7f) return 0;
    for (const char *s = p; *s;) {
        size_t n = strcspn(s, "/");
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return 0;
        s += n;
        if (*s == '/') {
            s++;
            if (!*s) return 0; /* a trailing slash names a folder */
        }
    }
    return 1;
}

void tgdp_fetch_opts_default(tgdp_fetch_opts *o)
{
    memset(o, 0, sizeof *o);
    o->retries = 5;
    o->retry_wait_s = 2;
    o->connect_timeout_s = 30;
    o->stall_timeout_s = 60;
}

#ifndef TGDP_HAVE_CURL

int tgdp_have_download(void) { return 0; }

static int no_curl(tgdp_error *err)
{
    return tgdp_fail(err, TGDP_EUNSUPPORTED,
                     "this tgdp was built without libcurl, so it cannot download: install the Debian package "
                     "libcurl4-openssl-dev (scripts/install-deps.sh) and rebuild");
}

int tgdp_fetcher_new(tgdp_fetcher **f, const tgdp_fetch_opts *o, tgdp_error *err)
{
    (void)o;
    *f = NULL;
    return no_curl(err);
}

void tgdp_fetcher_free(tgdp_fetcher *f) { (void)f; }

int tgdp_fetch(tgdp_fetcher *f, const char *url, const char *dest, const char *sha256_hex, tgdp_fetch_result *res,
               tgdp_error *err)
{
    (void)f, (void)url, (void)dest, (void)sha256_hex, (void)res;
    return no_curl(err);
}

int tgdp_fetch_text(tgdp_fetcher *f, const char *url, size_t max_bytes, char **text, size_t *len, tgdp_error *err)
{
    (void)f, (void)url, (void)max_bytes, (void)len;
    *text = NULL;
    return no_curl(err);
}

#else

#include <curl/curl.h>

int tgdp_have_download(void) { return 1; }

struct tgdp_fetcher {
    CURL *h;
    tgdp_fetch_opts o;
    char errbuf[CURL_ERROR_SIZE];
    /* the transfer in progress */
    FILE *out;             /* file sink, or NULL for the memory sink below */
    char *mem;
    size_t mem_len, mem_cap, mem_max;
    int64_t offset;        /* bytes already in the file when the transfer started */
    int write_failed;
    double last_progress;  /* monotonic seconds of the last progress call */
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    tgdp_fetcher *F = ctx;
    size_t bytes = size * n;
    if (F->out) {
        if (fwrite(p, 1, bytes, F->out) != bytes) F->write_failed = 1;
        return F->write_failed ? 0 : bytes;
    }
    if (F->mem_len + bytes > F->mem_max) return 0;
    if (F->mem_len + bytes + 1 > F->mem_cap) {
        size_t nc = (F->mem_len + bytes + 1) * 2;
        char *m = realloc(F->mem, nc);
        if (!m) return 0;
        F->mem = m;
        F->mem_cap = nc;
    }
    memcpy(F->mem + F->mem_len, p, bytes);
    F->mem_len += bytes;
    return bytes;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)ultotal, (void)ulnow;
    tgdp_fetcher *F = ctx;
    if (!F->o.progress) return 0;
    const double now = tgdp_now_s();
    if (now - F->last_progress < 1.0) return 0;
    F->last_progress = now;
    F->o.progress(F->o.ctx, F->offset + dlnow, dltotal > 0 ? F->offset + dltotal : 0);
    return 0;
}

int tgdp_fetcher_new(tgdp_fetcher **f, const tgdp_fetch_opts *o, tgdp_error *err)
{
    *f = calloc(1, sizeof **f);
    if (!*f) return tgdp_fail(err, TGDP_ENOMEM, "download: out of memory");
    tgdp_fetcher *F = *f;
    F->o = *o;
    F->h = curl_easy_init();
    if (!F->h) {
        free(F);
        *f = NULL;
        return tgdp_fail(err, TGDP_ENOMEM, "download: cannot start libcurl");
    }
    CURL *h = F->h;
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, F->errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, F);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, F);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L); /* an HTTP error is an error, its body never a file */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(h, CURLOPT_USERAGENT, "tgdp-ecg-download/1");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(1000 * o->connect_timeout_s));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)(o->stall_timeout_s > 1 ? o->stall_timeout_s : 1));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    return TGDP_OK;
}

void tgdp_fetcher_free(tgdp_fetcher *f)
{
    if (!f) return;
    curl_easy_cleanup(f->h);
    free(f->mem);
    free(f);
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* wait before retry k (1, 2, ...): retry_wait_s * 2^(k-1), at most 5 minutes */
static void backoff(const tgdp_fetcher *F, int k)
{
    double w = F->o.retry_wait_s;
    for (int i = 1; i < k && w < 300; i++) w *= 2;
    sleep_s(w < 300 ? w : 300);
}

/* T_COMPLETE: 416 for a range starting at the end of the partial file (nothing left to send);
 * T_RESTART: the server sent the whole file for a range request */
typedef enum { T_OK, T_RETRY, T_COMPLETE, T_RESTART, T_FATAL } outcome;

/* One transfer of url from byte offset (0: the whole file) into the current sink. */
static outcome transfer(tgdp_fetcher *F, const char *url, int64_t offset, char *why, size_t cap)
{
    CURL *h = F->h;
    F->errbuf[0] = '\0';
    F->offset = offset;
    F->write_failed = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)offset);
    CURLcode cc = curl_easy_perform(h);
    long http = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
    if (cc == CURLE_OK) return T_OK;
    const char *msg = F->errbuf[0] ? F->errbuf : curl_easy_strerror(cc);
    snprintf(why, cap, "%s", msg);
    if (F->write_failed) return T_FATAL;
    if (cc == CURLE_HTTP_RETURNED_ERROR && http == 416) return T_COMPLETE;
    if (cc == CURLE_RANGE_ERROR) return T_RESTART;
    if (cc == CURLE_HTTP_RETURNED_ERROR)
        return (http == 408 || http == 429 || http >= 500) ? T_RETRY : T_FATAL;
    if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_OUT_OF_MEMORY) return T_FATAL;
    return T_RETRY;
}

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* The transfers of one file into part, continuing what is there, until complete or out of retries. */
static int fetch_part(tgdp_fetcher *F, const char *url, const char *part, tgdp_fetch_result *res, tgdp_error *err)
{
    char why[CURL_ERROR_SIZE + 64] = "";
    for (int k = 0; k <= F->o.retries; k++) {
        if (k) backoff(F, k);
        int64_t have = file_size(part);
        if (have < 0) have = 0;
        F->out = fopen(part, have ? "ab" : "wb");
        if (!F->out) return tgdp_fail(err, TGDP_EIO, "%s: cannot write: %s", part, strerror(errno));
        res->attempts++;
        outcome t = transfer(F, url, have, why, sizeof why);
        int bad_close = fclose(F->out) != 0;
        F->out = NULL;
        int64_t now = file_size(part);
        if (now > have) res->bytes += now - have;
        if (bad_close) return tgdp_fail(err, TGDP_EIO, "%s: write error: %s", part, strerror(errno));
        if (t == T_OK || (t == T_COMPLETE && have > 0)) { /* complete: the checksum decides */
            res->resumed += have > 0;
            return TGDP_OK;
        }
        if (t == T_RESTART && have > 0) { /* the server cannot continue this file: start it again, now */
            if (truncate(part, 0) != 0) return tgdp_fail(err, TGDP_EIO, "%s: %s", part, strerror(errno));
            k--; /* not a failure of the server */
            continue;
        }
        if (t != T_RETRY) {
            if (file_size(part) == 0) remove(part);
            return tgdp_fail(err, TGDP_EIO, "%s: %s", url, why);
        }
    }
    res->exhausted = 1;
    int64_t kept = file_size(part);
    if (kept <= 0) remove(part);
    if (kept > 0)
        return tgdp_fail(err, TGDP_EIO, "%s: %s (after %d attempts); the partial file %s (%lld bytes) is kept: run "
                                        "again to resume", url, why, F->o.retries + 1, part, (long long)kept);
    return tgdp_fail(err, TGDP_EIO, "%s: %s (after %d attempts)", url, why, F->o.retries + 1);
}

int tgdp_fetch(tgdp_fetcher *F, const char *url, const char *dest, const char *sha256_hex, tgdp_fetch_result *res,
               tgdp_error *err)
{
    tgdp_fetch_result dummy;
    if (!res) res = &dummy;
    memset(res, 0, sizeof *res);
    char hex[65];
    if (file_size(dest) >= 0 && tgdp_sha256_file(dest, hex, NULL) == TGDP_OK && strcmp(hex, sha256_hex) == 0)
        return TGDP_OK; /* present */
    size_t n = strlen(dest);
    char *part = malloc(n + 6);
    if (!part) return tgdp_fail(err, TGDP_ENOMEM, "download: out of memory");
    memcpy(part, dest, n);
    memcpy(part + n, ".part", 6);
    int rc = TGDP_OK;
    for (int fresh = 0; fresh < 2; fresh++) {
        int continued = file_size(part) > 0;
        rc = fetch_part(F, url, part, res, err);
        if (!rc) rc = tgdp_sha256_file(part, hex, err);
        if (rc) break;
        if (strcmp(hex, sha256_hex) == 0) {
            if (rename(part, dest) != 0) rc = tgdp_fail(err, TGDP_EIO, "%s: cannot rename to %s: %s", part, dest, strerror(errno));
            else res->status = TGDP_FETCH_DOWNLOADED;
            break;
        }
        remove(part);
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: checksum mismatch: SHA-256 %s, expected %s; the file was not kept", url,
                       hex, sha256_hex);
        if (!continued) break; /* a continued file may hold stale bytes: once more from the start */
    }
    free(part);
    return rc;
}

int tgdp_fetch_text(tgdp_fetcher *F, const char *url, size_t max_bytes, char **text, size_t *len, tgdp_error *err)
{
    *text = NULL;
    char why[CURL_ERROR_SIZE + 64] = "";
    for (int k = 0; k <= F->o.retries; k++) {
        if (k) backoff(F, k);
        F->out = NULL;
        F->mem_len = 0;
        F->mem_max = max_bytes;
        outcome t = transfer(F, url, 0, why, sizeof why);
        if (t == T_OK) {
            *text = malloc(F->mem_len + 1);
            if (!*text) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", url);
            if (F->mem_len) memcpy(*text, F->mem, F->mem_len);
            (*text)[F->mem_len] = '\0';
            *len = F->mem_len;
            return TGDP_OK;
        }
        if (F->mem_len >= max_bytes) return tgdp_fail(err, TGDP_EFORMAT, "%s: larger than %zu bytes", url, max_bytes);
        if (t != T_RETRY) break;
    }
    return tgdp_fail(err, TGDP_EIO, "%s: %s", url, why);
}

#endif

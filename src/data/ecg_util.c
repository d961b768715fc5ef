/* ECG readers: small file, path and string helpers (see ecg_internal.h). */
#include "data/ecg_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

int ecg_read_file(const char *path, unsigned char **buf, size_t *len, tgdp_error *err)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return tgdp_fail(err, TGDP_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return tgdp_fail(err, TGDP_EIO, "%s: not a regular file", path);
    }
    size_t n = (size_t)st.st_size;
    if ((off_t)n != st.st_size || n == SIZE_MAX) {
        fclose(f);
        return tgdp_fail(err, TGDP_ENOMEM, "%s: file too large", path);
    }
    unsigned char *b = malloc(n + 1);
    if (!b) {
        fclose(f);
        return tgdp_fail(err, TGDP_ENOMEM, "%s: cannot allocate %zu bytes", path, n + 1);
    }
    size_t got = fread(b, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(b);
        return tgdp_fail(err, TGDP_EIO, "%s: read error (%zu of %zu bytes)", path, got, n);
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return TGDP_OK;
}

int ecg_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int ecg_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *ecg_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int ecg_dirname(const char *path, char *out, size_t cap)
{
    const char *s = strrchr(path, '/');
    if (!s) {
        if (cap < 2) return 0;
        strcpy(out, ".");
        return 1;
    }
    size_t n = (size_t)(s - path);
    if (n == 0) n = 1; /* "/x" -> "/" */
    if (n + 1 > cap) return 0;
    memcpy(out, path, n);
    out[n] = '\0';
    return 1;
}

int ecg_path_join(char *out, size_t cap, const char *dir, const char *name)
{
    int k;
    if (name[0] == '/' || dir[0] == '\0') k = snprintf(out, cap, "%s", name);
    else if (dir[strlen(dir) - 1] == '/') k = snprintf(out, cap, "%s%s", dir, name);
    else k = snprintf(out, cap, "%s/%s", dir, name);
    return k >= 0 && (size_t)k < cap;
}

const char *ecg_extension(const char *path)
{
    const char *b = ecg_basename(path);
    const char *d = strrchr(b, '.');
    return (d && d != b) ? d + 1 : "";
}

void ecg_strlcpy(char *dst, const char *src, size_t cap)
{
    if (cap == 0) return;
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void ecg_strlcat(char *dst, const char *src, size_t cap)
{
    size_t k = strnlen(dst, cap);
    if (k < cap) ecg_strlcpy(dst + k, src, cap - k);
}

int ecg_streq_ci(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

int ecg_startswith_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int is_blank(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char *ecg_trim(char *s)
{
    while (is_blank((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

static int rest_blank(const char *e)
{
    while (is_blank((unsigned char)*e)) e++;
    return *e == '\0';
}

int ecg_parse_long(const char *s, long *v)
{
    char *e;
    errno = 0;
    long x = strtol(s, &e, 10);
    if (e == s || errno == ERANGE || !rest_blank(e)) return 0;
    *v = x;
    return 1;
}

int ecg_parse_double(const char *s, double *v)
{
    char *e;
    errno = 0;
    double x = strtod(s, &e);
    if (e == s || errno == ERANGE || !rest_blank(e) || !isfinite(x)) return 0;
    *v = x;
    return 1;
}

int ecg_parse_int_loose(const char *s, long *v)
{
    double d;
    if (!ecg_parse_double(s, &d) || d != floor(d) || fabs(d) > 2e9) return 0;
    *v = (long)d;
    return 1;
}

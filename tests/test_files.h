/* File helpers shared by the I/O tests (npy, csv, safetensors, plot): one temporary folder per
 * test binary (tmpdir, made by make_tmpdir, paths in it from tpath), whole-file write/read,
 * counting and removing its entries, the check that a failed call names the file, and running
 * a Python script on the folder. The helpers that CHECK (testutil.h) count toward the including
 * test's totals, exactly as the per-file copies they replace did. */
#ifndef TGDP_TEST_FILES_H
#define TGDP_TEST_FILES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "tgdp/core.h"

static char tmpdir[64];

/* Make /tmp/<prefix>_XXXXXX into tmpdir; 0 on success, -1 (after perror) on failure. */
static inline int make_tmpdir(const char *prefix)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/%s_XXXXXX", prefix);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

/* tmpdir/name in one of 8 rotating buffers (so a few paths can be live at once). */
static inline const char *tpath(const char *name)
{
    static char buf[8][512];
    static int k = 0;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* Write n bytes (n may be 0, data then unused); CHECKs the open and the write. */
static inline void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(n == 0 || fwrite(data, 1, n, f) == n);
    fclose(f);
}

/* Whole file into a malloc'd buffer (NULL if missing). */
static inline unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

/* Number of entries of tmpdir whose name contains s; -1 if tmpdir cannot be opened. */
static inline int count_files_with(const char *s)
{
    DIR *d = opendir(tmpdir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, s)) n++;
    closedir(d);
    return n;
}

/* Unlink the files in dir (one level) and remove it; with checked, CHECK every unlink and the
 * rmdir, else ignore failures. */
static inline void remove_files(const char *dir, int checked)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        int rc = unlink(p);
        if (checked) CHECKF(rc == 0, "unlink %s", p);
    }
    closedir(d);
    int rc = rmdir(dir);
    if (checked) CHECKF(rc == 0, "rmdir %s", dir);
}

static inline void remove_tree(const char *dir) { remove_files(dir, 0); }

/* A failed call (rc != 0) whose message names path and, if given, contains needle. */
static inline void expect_fail(int rc, const tgdp_error *err, const char *path, const char *needle, int line)
{
    CHECKF(rc != 0, "line %d: expected an error for %s", line, path);
    CHECKF(strstr(err->msg, path) != NULL, "line %d: message '%s' does not name %s", line, err->msg, path);
    if (needle) CHECKF(strstr(err->msg, needle) != NULL, "line %d: message '%s' lacks '%s'", line, err->msg, needle);
}
#define EXPECT_FAIL(rc, err, path, needle) expect_fail((rc), &(err), (path), (needle), __LINE__)

/* python3 with numpy for the interop checks (the test's optional part, see tu_optional) */
static inline int have_numpy(void)
{
    return tu_optional(system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0,
                       "/usr/bin/python3 with numpy not found: the NumPy interop checks did not run");
}

/* Run the script already written at sp as `/usr/bin/python3 sp tmpdir`, then delete it;
 * returns system()'s status. */
static inline int run_python_file(const char *sp)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", sp, tmpdir);
    int rc = system(cmd);
    unlink(sp);
    return rc;
}

/* Write script to tmpdir/script.py (write_bytes, so two CHECKs) and run it. */
static inline int run_python(const char *script)
{
    const char *sp = tpath("script.py");
    write_bytes(sp, script, strlen(script));
    return run_python_file(sp);
}

#endif

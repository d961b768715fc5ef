/* Scratch files and error-contract checks for the fuzz targets (see fuzz_util.h). */
#include "fuzz_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch[512];

static void remove_scratch(void)
{
    DIR *d = opendir(scratch);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", scratch, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(scratch);
}

static void make_scratch(void)
{
    if (scratch[0]) return;
    const char *bases[] = {getenv("TMPDIR"), "/dev/shm", "/tmp"};
    for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
        struct stat st;
        if (!bases[i] || !*bases[i] || stat(bases[i], &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        snprintf(scratch, sizeof scratch, "%s/tgdp_fuzz_XXXXXX", bases[i]);
        if (mkdtemp(scratch)) {
            atexit(remove_scratch);
            return;
        }
    }
    fprintf(stderr, "fuzz harness: cannot create a scratch folder\n");
    abort();
}

const char *fuzz_path(const char *name)
{
    static char buf[4][1024];
    static int k;
    make_scratch();
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", scratch, name);
    return buf[k];
}

const char *fuzz_write(const char *name, const void *data, size_t size)
{
    const char *p = fuzz_path(name);
    FILE *f = fopen(p, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        fprintf(stderr, "fuzz harness: cannot write %s\n", p);
        abort();
    }
    return p;
}

void fuzz_check_result(int rc, const tgdp_error *err, const char *what)
{
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("TGDP_FUZZ_VERBOSE") != NULL;
    if (verbose) fprintf(stderr, "  %s: %s\n", what, rc ? err->msg : "ok");
    if (rc == TGDP_OK) return;
    /* one clear line: a known code, a message, no line break (CLI errors are one stderr line) */
    if (rc < TGDP_EIO || rc > TGDP_EINTERRUPTED || err->code != rc || !err->msg[0] || strchr(err->msg, '\n')) {
        fprintf(stderr, "%s: error contract broken: rc %d, err code %d, message '%s'\n", what, rc, err->code,
                err->msg);
        abort();
    }
}

void fuzz_check_named(int rc, const tgdp_error *err, const char *what, const char *name)
{
    fuzz_check_result(rc, err, what);
    if (rc == TGDP_OK) return;
    if (!name) name = scratch[0] ? scratch : "tgdp_fuzz_";
    if (!strstr(err->msg, name)) {
        fprintf(stderr, "%s: the error does not name the file (%s): '%s'\n", what, name, err->msg);
        abort();
    }
}

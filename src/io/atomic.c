/* Atomic file replacement: write "<path>.tmp.XXXXXX" in the destination's directory, fsync it,
 * rename() it over the destination, then fsync the directory. Failures remove the temporary
 * file and never touch the destination. */
#include "tgdp/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char tmp_suffix[] = ".tmp.XXXXXX";

int tgdp_mkdir_p(const char *dir, tgdp_error *err)
{
    if (!dir || !*dir) return tgdp_fail(err, TGDP_EINVAL, "create folder: empty path");
    size_t len = strlen(dir);
    char *buf = malloc(len + 1);
    if (!buf) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", dir);
    memcpy(buf, dir, len + 1);
    int rc = TGDP_OK;
    for (char *p = buf + 1;; p++) {
        int end = (*p == '\0');
        if (!end && *p != '/') continue;
        *p = '\0';
        struct stat st;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            rc = tgdp_fail(err, TGDP_EIO, "cannot create the folder %s: %s", buf, strerror(errno));
            break;
        }
        if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
            rc = tgdp_fail(err, TGDP_EIO, "cannot create the folder %s: a file of that name exists", buf);
            break;
        }
        if (end) break;
        *p = '/';
        while (p[1] == '/') p++;
        if (p[1] == '\0') break;
    }
    free(buf);
    return rc;
}

/* Create the folders above path (nothing when path has no folder part). */
static int make_parent_dirs(const char *path, tgdp_error *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return TGDP_OK;
    size_t n = (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (!dir) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    memcpy(dir, path, n);
    dir[n] = '\0';
    struct stat st;
    tgdp_error derr = {0, ""};
    int rc = (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) ? TGDP_OK : tgdp_mkdir_p(dir, &derr);
    free(dir);
    if (rc) return tgdp_fail(err, rc, "%s: %s", path, derr.msg);
    return rc;
}

static void atomic_release(tgdp_atomic_file *af)
{
    free(af->path);
    free(af->tmp_path);
    memset(af, 0, sizeof *af);
}

/* Mode for the new file: keep an existing destination's permissions, else 0644. */
static mode_t target_mode(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) return st.st_mode & 07777;
    return 0644;
}

int tgdp_atomic_open(tgdp_atomic_file *af, const char *path, tgdp_error *err)
{
    memset(af, 0, sizeof *af);
    if (!path || !*path) return tgdp_fail(err, TGDP_EINVAL, "atomic write: empty path");
    size_t len = strlen(path);
    af->path = malloc(len + 1);
    af->tmp_path = malloc(len + sizeof tmp_suffix);
    if (!af->path || !af->tmp_path) {
        atomic_release(af);
        return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    }
    memcpy(af->path, path, len + 1);
    int drc = make_parent_dirs(path, err);
    if (drc) {
        atomic_release(af);
        return drc;
    }
    memcpy(af->tmp_path, path, len);
    memcpy(af->tmp_path + len, tmp_suffix, sizeof tmp_suffix);
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        int e = errno;
        atomic_release(af);
        return tgdp_fail(err, TGDP_EIO, "%s: cannot create temporary file %s%s: %s", path, path, tmp_suffix,
                         strerror(e));
    }
    (void)fchmod(fd, target_mode(path)); /* best effort: mkstemp's 0600 would also be usable */
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        int e = errno;
        close(fd);
        unlink(af->tmp_path);
        atomic_release(af);
        return tgdp_fail(err, TGDP_EIO, "%s: cannot open temporary file: %s", path, strerror(e));
    }
    return TGDP_OK;
}

void tgdp_atomic_abort(tgdp_atomic_file *af)
{
    if (!af) return;
    if (af->f) fclose(af->f);
    if (af->tmp_path) unlink(af->tmp_path);
    atomic_release(af);
}

/* fsync the directory holding path so the rename itself is durable (best effort: some file
 * systems refuse to fsync directories). */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash) dir = strdup(".");
    else if (slash == path) dir = strdup("/");
    else {
        dir = malloc((size_t)(slash - path) + 1);
        if (dir) {
            memcpy(dir, path, (size_t)(slash - path));
            dir[slash - path] = '\0';
        }
    }
    if (!dir) return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int tgdp_atomic_commit(tgdp_atomic_file *af, tgdp_error *err)
{
    if (!af->f) {
        tgdp_atomic_abort(af);
        return tgdp_fail(err, TGDP_EINVAL, "atomic write: commit without an open file");
    }
    int rc = TGDP_OK;
    errno = 0;
    if (fflush(af->f) != 0 || ferror(af->f))
        rc = tgdp_fail(err, TGDP_EIO, "%s: write failed: %s", af->path, errno ? strerror(errno) : "stream error");
    else if (fsync(fileno(af->f)) != 0)
        rc = tgdp_fail(err, TGDP_EIO, "%s: fsync failed: %s", af->path, strerror(errno));
    int close_rc = fclose(af->f);
    af->f = NULL;
    if (rc == TGDP_OK && close_rc != 0)
        rc = tgdp_fail(err, TGDP_EIO, "%s: closing the temporary file failed: %s", af->path, strerror(errno));
    if (rc == TGDP_OK && rename(af->tmp_path, af->path) != 0)
        rc = tgdp_fail(err, TGDP_EIO, "%s: cannot rename %s into place: %s", af->path, af->tmp_path,
                       strerror(errno));
    if (rc != TGDP_OK) {
        tgdp_atomic_abort(af);
        return rc;
    }
    sync_parent_dir(af->path);
    atomic_release(af);
    return TGDP_OK;
}

int tgdp_atomic_write(const char *path, int (*write_fn)(FILE *f, void *ctx), void *ctx, tgdp_error *err)
{
    tgdp_atomic_file af;
    int rc = tgdp_atomic_open(&af, path, err);
    if (rc) return rc;
    errno = 0;
    int wrc = write_fn(af.f, ctx);
    if (wrc != 0) {
        int e = errno;
        int stream_error = ferror(af.f);
        tgdp_atomic_abort(&af);
        if (stream_error)
            return tgdp_fail(err, TGDP_EIO, "%s: write failed: %s", path, e ? strerror(e) : "stream error");
        int code = (wrc > 0 && wrc <= TGDP_EINTERRUPTED) ? wrc : TGDP_EIO;
        return tgdp_fail(err, code, "%s: writing failed (%s, code %d); file left unchanged", path,
                         tgdp_error_name(code), wrc);
    }
    return tgdp_atomic_commit(&af, err);
}

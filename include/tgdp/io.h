/* tgdp file formats: atomic file replacement, NumPy .npy, numeric CSV and safetensors.
 *
 * All functions follow the conventions of core.h: they return TGDP_OK (0) or a TGDP_E*
 * code and fill the optional tgdp_error with a one-line message that starts with the
 * file's path ("data.npy: header claims 4000 bytes of data but the file holds 120").
 * Every writer replaces its destination atomically (see tgdp_atomic_open), so a crash or
 * an error never leaves a half-written file behind.
 *
 * Binary data is little-endian; the library requires a little-endian host.
 */
#ifndef TGDP_IO_H
#define TGDP_IO_H

#include "tgdp/api.h"

#include <stdint.h>
#include <stdio.h>

#include "tgdp/core.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

/* ======================= atomic writes =======================
 * A file is written to "<path>.tmp.XXXXXX" (mkstemp, same directory), flushed, fsync'd,
 * then rename()'d over path, and the directory is fsync'd (best effort). On any failure
 * the temporary file is removed and path is left untouched. A new file gets mode 0644 (not
 * mkstemp's 0600); replacing an existing regular file keeps that file's mode. Writing through a
 * symbolic link replaces the link itself. */
typedef struct tgdp_atomic_file {
    FILE *f;        /* write through this stream */
    char *path;     /* final destination (owned copy) */
    char *tmp_path; /* temporary file (owned) */
} tgdp_atomic_file;

/* Create the folder dir and every missing folder above it (like `mkdir -p`); an existing
 * folder is fine, an existing file of that name is an error. */
int tgdp_mkdir_p(const char *dir, tgdp_error *err);

/* Create the temporary file (and the missing folders above path). On failure af is left zeroed (abort is still safe). */
int tgdp_atomic_open(tgdp_atomic_file *af, const char *path, tgdp_error *err);
/* Flush, fsync, close and rename into place. Always releases af; on failure the temporary
 * file is removed and the destination is unchanged. */
int tgdp_atomic_commit(tgdp_atomic_file *af, tgdp_error *err);
/* Discard the temporary file; the destination is unchanged. Safe on a released/zeroed af. */
void tgdp_atomic_abort(tgdp_atomic_file *af);

/* One-call form: write_fn(f, ctx) writes the whole contents and returns 0 on success or a
 * nonzero code (preferably a TGDP_E* code) to abort. A callback that wants its own detailed
 * message should use the open/commit/abort pair instead. */
int tgdp_atomic_write(const char *path, int (*write_fn)(FILE *f, void *ctx), void *ctx, tgdp_error *err);

/* ======================= generic typed arrays ======================= */
typedef enum tgdp_dtype {
    TGDP_DT_F32 = 0, /* npy '<f4', safetensors "F32" */
    TGDP_DT_F64,     /* npy '<f8', safetensors "F64" */
    TGDP_DT_I32,     /* npy '<i4', safetensors "I32" */
    TGDP_DT_I64,     /* npy '<i8', safetensors "I64" */
    TGDP_DT_U8,      /* npy '|u1', safetensors "U8"  */
    TGDP_DT_I8       /* npy '|i1', safetensors "I8"  */
} tgdp_dtype;
#define TGDP_DT_COUNT 6

size_t tgdp_dtype_size(tgdp_dtype dt);      /* bytes per element; 0 for an invalid value */
const char *tgdp_dtype_name(tgdp_dtype dt); /* "float32", "int64", ... */

/* An n-d array of any supported dtype, C order, data owned (malloc) when read from a file. */
typedef struct tgdp_array {
    tgdp_dtype dtype;
    int ndim;
    int64_t shape[TGDP_MAX_DIMS];
    void *data;
} tgdp_array;

size_t tgdp_array_numel(const tgdp_array *a);
int tgdp_array_alloc(tgdp_array *a, tgdp_dtype dt, int ndim, const int64_t *shape, tgdp_error *err);
void tgdp_array_free(tgdp_array *a);

/* Validate a shape (0 <= ndim <= TGDP_MAX_DIMS, dims >= 0) and compute the element count and
 * byte size with overflow checks; messages start with what (e.g. a file name). */
int tgdp_shape_check(int ndim, const int64_t *shape, size_t itemsize, size_t *numel, size_t *nbytes,
                     const char *what, tgdp_error *err);

/* Convert n little-endian elements at src (alignment not required) to float32. A finite
 * float64 outside the float32 range is an error (NaN/Inf are passed through); large integers
 * are rounded to the nearest float32. */
int tgdp_convert_f32(tgdp_dtype dt, const void *src, size_t n, float *dst, const char *what, tgdp_error *err);
/* Convert to int64; floating-point elements must be integral and in range (error names the
 * element index). */
int tgdp_convert_i64(tgdp_dtype dt, const void *src, size_t n, int64_t *dst, const char *what, tgdp_error *err);

/* ======================= NumPy .npy =======================
 * Reads format versions 1.0, 2.0 and 3.0, C order only, dtypes '<f4' '<f8' '<i4' '<i8'
 * and the one-byte '|u1' '|i1' (whose byte order mark may be '|', '<' or '='). Big-endian
 * ('>') and ambiguous ('=' or '|' on multi-byte types) dtypes, fortran_order True, other
 * versions, unknown/missing header keys, negative or overflowing shapes and files whose size
 * is not exactly header + data are rejected with a message naming the file. The file size
 * is checked before any data is allocated. Writes version 1.0 (2.0 only when the header
 * would exceed 65535 bytes), header padded with spaces to a multiple of 64 bytes and ending
 * in '\n', exactly as NumPy does. */
int tgdp_npy_read(const char *path, tgdp_array *out, tgdp_error *err);
/* The same, and what the file's preamble says: format version and the header dict as written
 * (trailing blanks and newline removed; cut at 4095 bytes). */
typedef struct tgdp_npy_info {
    int major, minor;
    char header[4096];
} tgdp_npy_info;
int tgdp_npy_read_info(const char *path, tgdp_array *out, tgdp_npy_info *info, tgdp_error *err);
int tgdp_npy_write(const char *path, const tgdp_array *a, tgdp_error *err);

/* Read any supported dtype converted to float32 (out is allocated; free with
 * tgdp_tensor_free). NaN/Inf are accepted. */
int tgdp_npy_read_f32(const char *path, tgdp_tensor *out, tgdp_error *err);
/* Same, but NaN/Inf are an error (TGDP_ENONFINITE) naming the file and the element index. */
int tgdp_npy_read_f32_finite(const char *path, tgdp_tensor *out, tgdp_error *err);
/* Read integer labels (any supported dtype; floats must be integral) into an int64 array:
 * out->dtype == TGDP_DT_I64, free with tgdp_array_free. */
int tgdp_npy_read_i64(const char *path, tgdp_array *out, tgdp_error *err);

int tgdp_npy_write_f32(const char *path, const float *data, int ndim, const int64_t *shape, tgdp_error *err);
int tgdp_npy_write_i64(const char *path, const int64_t *data, int ndim, const int64_t *shape, tgdp_error *err);
int tgdp_npy_write_i32(const char *path, const int32_t *data, int ndim, const int64_t *shape, tgdp_error *err);

/* ======================= numeric CSV =======================
 * Comma separated, LF or CRLF line ends, an optional UTF-8 BOM, fields optionally in double
 * quotes ("" escapes a quote inside quotes; a quoted field cannot span lines), spaces/tabs
 * around fields ignored, blank lines skipped. Numbers are parsed with strtod in the C
 * locale ("nan", "inf" allowed unless require_finite; hexadecimal is rejected; a finite
 * value outside the float32 range is an error). Errors name the file, line and column:
 * "x.csv line 7: 3 fields, expected 4", "x.csv line 3 column 2: 'abc' is not a number". */
enum {
    TGDP_CSV_HEADER_AUTO = 0, /* first row is a header iff none of its fields is a number */
    TGDP_CSV_HEADER_YES = 1,  /* first row is always a header */
    TGDP_CSV_HEADER_NO = 2    /* no header row */
};
typedef struct tgdp_csv_options {
    int header;         /* TGDP_CSV_HEADER_*; a zeroed struct means auto-detect */
    int require_finite; /* nonzero: NaN/Inf are an error */
} tgdp_csv_options;

typedef struct tgdp_csv_header {
    int n;        /* number of names (0 when the file has no header row) */
    char **names; /* n owned strings, unquoted */
} tgdp_csv_header;
void tgdp_csv_header_free(tgdp_csv_header *h);

/* Read a table into a float32 tensor of shape [rows, cols] (rows >= 1: a file without any
 * data row is an error). opt may be NULL (auto-detect header, allow NaN/Inf); names may be
 * NULL, else it receives the header names (free with tgdp_csv_header_free). */
int tgdp_csv_read(const char *path, const tgdp_csv_options *opt, tgdp_tensor *out, tgdp_csv_header *names,
                  tgdp_error *err);
/* Write a 2-D tensor (a 1-D one is written as a single column) with "%.9g", which round-trips
 * float32 exactly (NaN/Inf are written as nan/inf/-inf). names: NULL or one name per column,
 * quoted when needed. */
/* One CSV field, quoted (with "" for ") when it is empty, holds a comma, quote, CR or LF, or
 * starts or ends with a blank. */
void tgdp_csv_write_field(FILE *f, const char *s);
int tgdp_csv_write(const char *path, const tgdp_tensor *t, const char *const *names, tgdp_error *err);

/* ======================= safetensors =======================
 * Layout: 8-byte little-endian header length N, N bytes of JSON header padded with spaces
 * to a multiple of 8, then the data. Header: {"__metadata__": {string: string}, "<name>":
 * {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...} with offsets relative
 * to the start of the data. */

/* --- writer: collects (name, data pointer, shape) entries without copying the data; the
 * data must stay valid until tgdp_safetensors_write returns. Tensors are laid out sorted by
 * element size (largest first, keeping every tensor aligned) then by name, metadata keys are
 * sorted, so the output does not depend on the order of the add calls. */
typedef struct tgdp_st_entry {
    char *name; /* owned copy */
    tgdp_dtype dtype;
    const void *data; /* borrowed */
    int ndim;
    int64_t shape[TGDP_MAX_DIMS];
    size_t nbytes;
} tgdp_st_entry;

typedef struct tgdp_st_writer {
    tgdp_st_entry *entries;
    size_t n_entries, cap_entries;
    char **meta_keys, **meta_values; /* owned copies */
    size_t n_meta, cap_meta;
} tgdp_st_writer;

void tgdp_st_writer_init(tgdp_st_writer *w);
void tgdp_st_writer_free(tgdp_st_writer *w);
/* Add a tensor (name copied, data borrowed). Duplicate names, "__metadata__", bad shapes and
 * NULL data for a non-empty tensor are TGDP_EINVAL. */
int tgdp_st_writer_add(tgdp_st_writer *w, const char *name, tgdp_dtype dt, const void *data, int ndim,
                       const int64_t *shape, tgdp_error *err);
int tgdp_st_writer_add_f32(tgdp_st_writer *w, const char *name, const float *data, int ndim,
                           const int64_t *shape, tgdp_error *err);
/* Set a metadata entry (copied; setting an existing key replaces its value). Strings must be
 * UTF-8; any byte sequence is escaped properly in the JSON. */
int tgdp_st_writer_meta(tgdp_st_writer *w, const char *key, const char *value, tgdp_error *err);
/* printf-style convenience: tgdp_st_writer_metaf(w, "step", err, "%lld", step). */
int tgdp_st_writer_metaf(tgdp_st_writer *w, const char *key, tgdp_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
int tgdp_safetensors_write(const char *path, const tgdp_st_writer *w, tgdp_error *err);

/* --- reader: loads the whole file and validates it: header length (>= 2, < 100 MB, fits the
 * file), JSON syntax (UTF-8, strings with escapes, numbers, arrays, objects, nesting depth),
 * entry fields, dtypes (F32 F64 I32 I64 U8 I8; others are TGDP_EUNSUPPORTED), shape ×
 * element size == data_offsets span, and offsets that cover the data exactly (in range,
 * no overlaps, no gaps). */
typedef struct tgdp_st_tensor {
    char *name;
    tgdp_dtype dtype;
    int ndim;
    int64_t shape[TGDP_MAX_DIMS];
    size_t offset, nbytes; /* within the data section */
    const void *data;      /* into the loaded file; little-endian, possibly unaligned */
} tgdp_st_tensor;

typedef struct tgdp_st_file {
    char *path;               /* copy, used in later error messages */
    tgdp_st_tensor *tensors;  /* sorted by offset */
    size_t n_tensors;
    char **meta_keys, **meta_values;
    size_t n_meta;
    unsigned char *data;      /* the data section */
    size_t data_size;
} tgdp_st_file;

int tgdp_safetensors_read(const char *path, tgdp_st_file *out, tgdp_error *err);
void tgdp_st_file_free(tgdp_st_file *f);
const tgdp_st_tensor *tgdp_st_get(const tgdp_st_file *f, const char *name); /* NULL if absent */
const char *tgdp_st_meta(const tgdp_st_file *f, const char *key);          /* NULL if absent */
/* Copy a tensor converted to float32 into a new tensor (free with tgdp_tensor_free). */
int tgdp_st_read_f32(const tgdp_st_file *f, const char *name, tgdp_tensor *out, tgdp_error *err);
/* Copy a tensor in its own dtype into a new array (free with tgdp_array_free). */
int tgdp_st_read_array(const tgdp_st_file *f, const char *name, tgdp_array *out, tgdp_error *err);
/* Copy a tensor converted to float32 into dst, which holds the expected shape; a missing
 * name or a different shape is an error naming the file and both shapes. */
int tgdp_st_load_f32(const tgdp_st_file *f, const char *name, int ndim, const int64_t *shape, float *dst,
                     tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

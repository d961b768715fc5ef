/* Private helpers shared by the ECG readers (src/data/ecg_*.c): files, paths, strings,
 * an RFC 4180 CSV parser and record-filling helpers. Not part of the public API. */
#ifndef TGDP_ECG_INTERNAL_H
#define TGDP_ECG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tgdp/ecg.h"

/* ---- files and paths (ecg_util.c) */
/* Read a whole file; *buf gets len+1 bytes with a NUL after the data. */
int ecg_read_file(const char *path, unsigned char **buf, size_t *len, tgdp_error *err);
int ecg_is_file(const char *path);
int ecg_is_dir(const char *path);
const char *ecg_basename(const char *path);
/* Folder part of path ("." when none) into out. Returns 0 when it does not fit. */
int ecg_dirname(const char *path, char *out, size_t cap);
/* out = dir + "/" + name (name alone when absolute or dir empty). 0 when too long. */
int ecg_path_join(char *out, size_t cap, const char *dir, const char *name);
/* Pointer to the extension after the last '.' of the base name ("" when none). */
const char *ecg_extension(const char *path);

/* ---- strings */
void ecg_strlcpy(char *dst, const char *src, size_t cap);
void ecg_strlcat(char *dst, const char *src, size_t cap);
int ecg_streq_ci(const char *a, const char *b);
int ecg_startswith_ci(const char *s, const char *prefix);
/* Trim blanks (space, tab, CR, LF) in place; returns the trimmed start. */
char *ecg_trim(char *s);
/* Whole-string numbers (surrounding blanks allowed); 0 when s is not a (finite) number. */
int ecg_parse_long(const char *s, long *v);
int ecg_parse_double(const char *s, double *v);
/* Integer from a float text such as "15709.0"; 0 when not integral. */
int ecg_parse_int_loose(const char *s, long *v);

/* ---- CSV (ecg_csv.c) */
typedef struct ecg_csv {
    char *store;        /* unescaped cell texts, NUL-terminated */
    char **cells;       /* all cells, row after row */
    size_t *row_first;  /* index of the row's first cell */
    size_t *row_ncols;
    size_t *row_line;   /* 1-based line where the row starts */
    size_t nrows;
} ecg_csv;

/* Parse comma-separated text: quoted fields may hold commas, "" and line breaks;
 * LF or CRLF line ends; empty lines are skipped. An unterminated quote or text after a
 * closing quote is TGDP_EFORMAT naming what and the line. */
int ecg_csv_parse(const char *text, size_t len, const char *what, ecg_csv *csv, tgdp_error *err);
int ecg_csv_read(const char *path, ecg_csv *csv, tgdp_error *err);
void ecg_csv_free(ecg_csv *csv);
/* Cell text, "" when the row is shorter; NULL when row is out of range. */
const char *ecg_csv_get(const ecg_csv *csv, size_t row, size_t col);
/* Column of a header-row name (case-insensitive), -1 when absent. */
long ecg_csv_col(const ecg_csv *csv, const char *name);

/* ---- records (ecg_record.c) */
/* Database from CinC/PTB-XL record-name conventions (HR.. ptbxl, E.. georgia, ...), else fallback. */
void ecg_set_database_from_name(tgdp_ecg_record *r, const char *fallback);
/* Append text to r->source_labels with a separator. */
void ecg_append_source(char *dst, size_t cap, const char *text, const char *sep);

/* ---- MAT v5 sniffing (ecg_cpsc.c) */
int ecg_is_mat5(const unsigned char *buf, size_t len);
/* The whole v5 structure (ecg_mat5.c): every variable's claimed sizes backed by the file, so
 * libmatio never allocates more than a small multiple of it. */
int ecg_mat5_check(const unsigned char *buf, size_t len, const char *path, tgdp_error *err);
/* libmatio's log (ecg_cpsc.c): captured per thread, never printed. Reset before a matio call;
 * ecg_matio_problem then gives the first error or warning matio logged since (NULL: none). */
void ecg_matio_log_reset(void);
const char *ecg_matio_problem(void);

#endif

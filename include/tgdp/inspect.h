/* What a file holds: tgdp_inspect_file tells which of the formats the library reads a file is,
 * and describes it with the library's own readers (tgdp/io.h, tgdp/ecg.h): a WFDB record (header
 * fields, signal files, all samples summed up), MATLAB v5 variables (libmatio) or v4 matrices,
 * a .npy array, a numeric CSV table or one of the ECG databases' label tables, a safetensors
 * file. A file that is also a 12-lead ECG record (WFDB, a CPSC 2018 v5 file, a 12-row v4
 * matrix, a headerless 12-column CSV) is loaded as one and checked, and what the checks find
 * is told in sentences (findings).
 *
 * How a file is recognised: a ".hea" is a WFDB header; a ".dat" or ".mat" whose ".hea" (same
 * stem) exists, or a name without extension whose ".hea" exists, is that WFDB record; ".npy",
 * ".csv" (label tables by their published names: ptbxl_database*.csv, scp_statements.csv,
 * REFERENCE.csv, ludb.csv) and ".safetensors" by extension; anything else by its first bytes
 * (NumPy magic, "MATLAB 5.0", a safetensors header length, a valid MAT v4 matrix header). A file
 * that none of them reads is an error naming the file, as is a broken one. Follows tgdp/core.h. */
#ifndef TGDP_INSPECT_H
#define TGDP_INSPECT_H

#include "tgdp/api.h"

#include "tgdp/ecg.h"
#include "tgdp/io.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

typedef enum tgdp_file_kind {
    TGDP_FILE_NONE = 0, /* not (yet) recognised */
    TGDP_FILE_WFDB,
    TGDP_FILE_MAT5,
    TGDP_FILE_MAT4,
    TGDP_FILE_NPY,
    TGDP_FILE_CSV,            /* a numeric table */
    TGDP_FILE_PTBXL_DATABASE, /* ptbxl_database*.csv */
    TGDP_FILE_SCP_STATEMENTS, /* PTB-XL scp_statements.csv */
    TGDP_FILE_CPSC_REFERENCE, /* CPSC 2018 REFERENCE.csv */
    TGDP_FILE_LUDB_TABLE,     /* ludb.csv */
    TGDP_FILE_SAFETENSORS
} tgdp_file_kind;

/* "none", "wfdb", "mat5", "mat4", "npy", "csv", "ptbxl_database", "scp_statements", "cpsc2018_reference",
 * "ludb_table", "safetensors" */
const char *tgdp_file_kind_name(tgdp_file_kind kind);

/* Values summed up: the finite ones (n, min, max, sum, mean; min, max and mean are NaN when
 * n == 0) and the count of the others (NaN, Inf). */
typedef struct tgdp_value_stats {
    size_t n, nonfinite;
    double min, max, sum, mean;
} tgdp_value_stats;

/* The file as a 12-lead ECG record. */
typedef struct tgdp_inspect_ecg {
    int tried;  /* the file has a record's shape, and was loaded as one */
    int loaded; /* ... successfully: rec and lead describe it */
    tgdp_ecg_record rec;
    tgdp_value_stats lead[TGDP_ECG_NLEADS]; /* per lead, mV */
    char error[512];                        /* tried and not loaded: why */
} tgdp_inspect_ecg;

/* A MATLAB v5 variable or struct field (fields listed 4 levels deep). */
typedef struct tgdp_mat5_var {
    char name[64];
    const char *class_name; /* "double", "struct", "char", ...; NULL: a field libmatio could not read */
    const char *stored_as;  /* the stored data type ("double", "utf8", ...); NULL when matio gives none */
    int rank;
    size_t dims[8];
    int complex;
    int has_fields; /* a struct whose fields are listed (n_fields may be 0) */
    int n_fields;
    struct tgdp_mat5_var *fields;
} tgdp_mat5_var;

typedef struct tgdp_wfdb_sigfile {
    char name[256]; /* as in the header */
    int is_mat4;    /* a MATLAB v4 signal file; m4 is its matrix header */
    tgdp_mat4_header m4;
} tgdp_wfdb_sigfile;

typedef struct tgdp_wfdb_info {
    char hea[1024]; /* the header read */
    tgdp_wfdb_header h;
    int64_t nsamp;          /* samples per signal, as read */
    tgdp_value_stats *raw;  /* [nsig] the samples in ADC units (invalid samples: nonfinite) */
    int *lead;              /* [nsig] the standard lead of the signal's name, -1 when none */
    tgdp_wfdb_sigfile *files; /* the distinct signal files */
    int n_files;
} tgdp_wfdb_info;

#define TGDP_INSPECT_MAX_FINDINGS 48

typedef struct tgdp_file_info {
    tgdp_file_kind kind;
    union {
        tgdp_wfdb_info wfdb;
        struct {
            char header[128]; /* the 116-byte descriptive text, trailing blanks removed */
            tgdp_mat5_var *vars;
            int n_vars;
            int more; /* more than the 256 variables listed */
        } mat5;
        struct {
            tgdp_mat4_header *m; /* data_offset counted from the start of the file */
            int n;
        } mat4;
        struct {
            tgdp_npy_info hdr;
            tgdp_dtype dtype;
            int ndim;
            int64_t shape[TGDP_MAX_DIMS];
            size_t numel, nbytes;
            tgdp_value_stats stats;
        } npy;
        struct {
            int64_t rows, cols;
            tgdp_csv_header names; /* n == 0: no header row */
            tgdp_value_stats *col; /* [cols] */
        } csv;
        struct { /* label tables */
            size_t rows;
            size_t label_counts[TGDP_ECG_NLABELS]; /* records per tgdp label (not scp_statements) */
            int folds[11];         /* ptbxl_database: records per strat_fold 1..10 (0: other) */
            int first_id, last_id; /* ptbxl_database: ecg_id of the first and last row */
            int diagnostic, form, rhythm; /* scp_statements: statements of each kind */
        } table;
        tgdp_st_file st;
    } u;
    tgdp_inspect_ecg ecg;
    int n_findings;
    char findings[TGDP_INSPECT_MAX_FINDINGS][320];
} tgdp_file_info;

/* Describe the file at path (see above); free with tgdp_file_info_free, also after an error. */
int tgdp_inspect_file(const char *path, tgdp_file_info *info, tgdp_error *err);
void tgdp_file_info_free(tgdp_file_info *info);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

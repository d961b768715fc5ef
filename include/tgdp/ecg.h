/* tgdp ECG data: readers for the 12-lead ECG databases used by tgdp and one record model.
 *
 * Formats (each tested on real files, see tests/test_ecg_*.c):
 *  - WFDB: .hea header + signal files in formats 16, 61, 80, 160, 212, 24, 32 (others give
 *    TGDP_EUNSUPPORTED), including PhysioNet/CinC 2021 records whose signal file is a MATLAB
 *    level-4 .mat (format "16x1+24"): the MAT v4 matrix header is parsed and checked against
 *    the .hea. LUDB, PTB-XL (records100/records500 downloads and CinC "HR" copies), Georgia,
 *    Ningbo.
 *  - CPSC 2018 MATLAB v5 files (struct ECG{sex, age, data 12xN}, 500 Hz) and REFERENCE.csv.
 *  - PTB-XL headerless CSV records (mV, 12 columns) and ptbxl_database*.csv / scp_statements.csv.
 *  - LUDB ludb.csv.
 *
 * Record model: 12 leads in canonical order I, II, III, aVR, aVL, aVF, V1..V6 (mapped by lead
 * name where the file has names), float32 [12, n] in millivolts, sampling rate, metadata and a
 * label set over one fixed vocabulary (enum tgdp_ecg_label; the bit index IS the enum value,
 * never derived from sorting).
 *
 * All functions follow tgdp/core.h: int return code (TGDP_OK = 0), message in tgdp_error.
 * Error messages name the file and the problem.
 */
#ifndef TGDP_ECG_H
#define TGDP_ECG_H

#include "tgdp/api.h"

#include <stddef.h>
#include <stdint.h>

#include "tgdp/core.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

/* ---------------------------------------------------------------- leads */
#define TGDP_ECG_NLEADS 12
enum tgdp_ecg_lead {
    TGDP_LEAD_I = 0, TGDP_LEAD_II, TGDP_LEAD_III, TGDP_LEAD_AVR, TGDP_LEAD_AVL, TGDP_LEAD_AVF,
    TGDP_LEAD_V1, TGDP_LEAD_V2, TGDP_LEAD_V3, TGDP_LEAD_V4, TGDP_LEAD_V5, TGDP_LEAD_V6
};
/* Canonical spelling ("I", "aVR", "V1"); NULL when lead is out of range. */
const char *tgdp_ecg_lead_name(int lead);
/* Lead index from a name in any case ("i", "AVR", "aVR", "v1"), surrounding blanks ignored;
 * -1 when the name is not one of the 12 standard leads. */
int tgdp_ecg_lead_from_name(const char *name);

/* ---------------------------------------------------------------- labels
 * One vocabulary for all databases. The order below is the label index order used
 * everywhere (bit i of tgdp_ecg_labels is label i).
 *  NORM  : normal ECG (PTB-XL NORM, CPSC 1) or sinus rhythm (SNOMED 426783006, LUDB
 *          "Sinus rhythm"). In SNOMED/LUDB sources rhythm and morphology are labelled
 *          separately, so NORM can co-occur with e.g. RBBB there.
 *  AF    : atrial fibrillation or atrial flutter.
 *  1AVB  : first-degree AV block.
 *  LBBB  : complete left bundle branch block (incomplete LBBB is NOT mapped).
 *  RBBB  : complete right bundle branch block (incomplete RBBB is NOT mapped).
 *  PAC   : premature atrial / supraventricular complexes.
 *  PVC   : premature ventricular complexes / ventricular ectopics.
 *  STC   : ST changes: ST depression, ST elevation, non-specific ST(-T) changes, ischemic
 *          ST changes and subendocardial injury.
 *  STACH : sinus tachycardia.   SBRAD : sinus bradycardia.
 *  LVH   : left ventricular hypertrophy (voltage-only criteria are NOT mapped).
 * The explicit tables are returned by tgdp_ecg_label_table(). */
enum tgdp_ecg_label {
    TGDP_ECG_NORM = 0, TGDP_ECG_AF, TGDP_ECG_1AVB, TGDP_ECG_LBBB, TGDP_ECG_RBBB, TGDP_ECG_PAC,
    TGDP_ECG_PVC, TGDP_ECG_STC, TGDP_ECG_STACH, TGDP_ECG_SBRAD, TGDP_ECG_LVH,
    TGDP_ECG_NLABELS
};
typedef uint32_t tgdp_ecg_labels; /* bit (1u << label) per label */

const char *tgdp_ecg_label_name(int label); /* "NORM", "AF", ...; NULL out of range */
int tgdp_ecg_label_from_name(const char *name); /* case-insensitive inverse; -1 unknown */

typedef enum tgdp_ecg_label_source {
    TGDP_ECG_SRC_SCP = 0,  /* PTB-XL SCP-ECG statement codes ("NORM", "AFIB", "STD_") */
    TGDP_ECG_SRC_SNOMED,   /* SNOMED CT concept ids in CinC "#Dx:" comments */
    TGDP_ECG_SRC_CPSC,     /* CPSC 2018 class numbers "1".."9" (REFERENCE.csv), or the class
                              abbreviations "Normal", "AF", "I-AVB", "LBBB", "RBBB", "PAC", "PVC",
                              "STD", "STE" (the "#Dx:" lines of the Challenge 2020 re-release) */
    TGDP_ECG_SRC_LUDB      /* LUDB diagnosis text (ludb.csv cells or header comments) */
} tgdp_ecg_label_source;

/* One mapping row. code matches exactly (case-insensitive), or as a prefix when it ends
 * in '*'. LUDB codes are matched against normalised text: lower case, leading '#' and
 * "rhythm:" removed, trailing blanks and '.' removed. */
typedef struct tgdp_ecg_label_map {
    const char *code;
    int label;
    const char *meaning;
} tgdp_ecg_label_map;

const tgdp_ecg_label_map *tgdp_ecg_label_table(tgdp_ecg_label_source src, size_t *n);
/* Label of one code, -1 when the code is not mapped. */
int tgdp_ecg_label_lookup(tgdp_ecg_label_source src, const char *code);
/* Union of the labels of a list of codes separated by any of the characters in seps
 * (e.g. "164889003,59118001" with ","). Unmapped codes are ignored. */
tgdp_ecg_labels tgdp_ecg_labels_from_list(tgdp_ecg_label_source src, const char *list,
                                          const char *seps);
/* "NORM,STC" style text of a label set into buf (always NUL-terminated); returns buf. */
char *tgdp_ecg_labels_format(tgdp_ecg_labels labels, char *buf, size_t cap);

/* ---------------------------------------------------------------- record */
/* Flags describing what the loader saw or corrected. */
#define TGDP_ECG_F_GAIN_IS_RANGE 0x1u /* header gains were max-min of the samples (LUDB):
                                         rescaled with TGDP_LUDB_ADC_PER_MV, baseline 0 */
#define TGDP_ECG_F_FLAT_LEAD 0x2u     /* at least one lead is constant (see sanity) */
#define TGDP_ECG_F_LIMB_MISMATCH 0x4u /* limb-lead identities fail by > TGDP_ECG_LIMB_TOL_MV */
#define TGDP_ECG_F_ASSUMED_FS 0x8u    /* the file stores no rate; the documented default used */

/* LUDB's stored integers share one scale for all leads: 1000 ADC units per mV (1 uV per
 * unit). Evidence (see src/data/ecg_wfdb_load.c): the median 0.5-99.5 percentile span of
 * lead II is 1123 raw units over the 200 LUDB records, versus 1125 units (1000/mV) over the
 * 50 CinC 2021 records and 1.15 mV over the 100 PTB-XL CSV records. */
#define TGDP_LUDB_ADC_PER_MV 1000.0
#define TGDP_ECG_MAX_ABS_MV 20.0  /* |x| above this after conversion: not a physiological ECG */
#define TGDP_ECG_LIMB_TOL_MV 0.05 /* tolerance of the limb-lead identity diagnostic */

/* "gain_is_range;flat_lead" style text of TGDP_ECG_F_* flags into buf (always NUL-terminated; ""
 * for none); returns buf. */
char *tgdp_ecg_flags_format(unsigned flags, char *buf, size_t cap);

typedef struct tgdp_ecg_record {
    float *data;               /* [12, n] lead-major (lead l at data + l*n), mV; owned */
    int64_t n;                 /* samples per lead */
    double fs;                 /* sampling rate, Hz */
    char id[64];               /* record name: "E07500", "00001_lr", "A1980", "1" */
    char database[32];         /* "ludb", "ptbxl", "georgia", "ningbo", "cpsc2018", ... */
    int age;                   /* years; -1 unknown */
    char sex;                  /* 'M', 'F' or 'U' */
    tgdp_ecg_labels labels;    /* mapped labels */
    char source_labels[256];   /* the original codes/text, e.g. "164889003,59118001" */
    unsigned flags;            /* TGDP_ECG_F_* */
    float limb_residual_mv;    /* max |II - (I + III)| over the record (diagnostic) */
} tgdp_ecg_record;

/* Every loader takes an initialised record (tgdp_ecg_record_init or a previous load) and
 * frees its previous data; on failure the record is left empty. */
void tgdp_ecg_record_init(tgdp_ecg_record *r);  /* zero, age -1, sex 'U' */
void tgdp_ecg_record_free(tgdp_ecg_record *r);  /* frees data, re-inits */
/* (Re)allocate data for n samples per lead, zero-filled. */
int tgdp_ecg_record_alloc(tgdp_ecg_record *r, int64_t n, tgdp_error *err);
static inline float *tgdp_ecg_lead(const tgdp_ecg_record *r, int lead)
{
    return r->data + (size_t)lead * (size_t)r->n;
}

/* Data sanity report. */
typedef struct tgdp_ecg_sanity {
    size_t n_nonfinite;      /* NaN/Inf samples (WFDB "invalid" samples become NaN) */
    int first_nonfinite_lead; /* -1 if none */
    unsigned flat_leads;     /* bit per lead whose samples are all equal (lead off) */
    float max_abs_mv;        /* largest |x| */
    int max_abs_lead;
    float limb_residual_mv;  /* max |II - (I + III)| */
    float aug_residual_mv;   /* max over |aVR + (I+II)/2|, |aVL - (I-III)/2|, |aVF - (II+III)/2| */
} tgdp_ecg_sanity;

/* Fill s (may be NULL). Returns TGDP_ENONFINITE for non-finite samples and TGDP_EFORMAT
 * when max |x| > TGDP_ECG_MAX_ABS_MV; flat leads and identity residuals are only reported
 * (and set the record flags). what names the record in messages. */
int tgdp_ecg_check(tgdp_ecg_record *r, const char *what, tgdp_ecg_sanity *s, tgdp_error *err);

/* ---------------------------------------------------------------- WFDB */
typedef struct tgdp_wfdb_signal {
    char file_name[256];  /* signal file, relative to the header's folder */
    int format;           /* 16, 212, 80, 61, 160, 24, 32, ... */
    int samples_per_frame; /* "xN", default 1 */
    int skew;             /* ":N", default 0 */
    long byte_offset;     /* "+N", default 0 */
    int has_byte_offset;
    double gain;          /* ADC units per physical unit; 0/absent in the file -> 200 (spec) */
    int gain_given;       /* nonzero gain written in the header */
    double baseline;      /* "(N)"; defaults to adc_zero */
    int baseline_given;
    char units[32];       /* "/units", default "mV" */
    int adc_resolution;   /* bits; 0 when absent/0 in the file */
    int adc_zero;         /* default 0 */
    int init_value;       /* first sample, when has_init_value */
    int has_init_value;
    int checksum;         /* 16-bit sum of all samples, when has_checksum */
    int has_checksum;
    int block_size;       /* default 0 */
    char description[128]; /* the lead name for ECGs ("i", "aVR", "V1") */
} tgdp_wfdb_signal;

typedef struct tgdp_wfdb_header {
    char record_name[128];
    int nsig;
    double fs;            /* frames per second; default 250 (spec) */
    int fs_given;
    double counter_freq;  /* "fs/counter_freq(base_counter)"; 0 if absent */
    double base_counter;
    int64_t nsamp;        /* samples per signal; -1 when absent or 0 (taken from file size) */
    char base_time[32];   /* "" when absent */
    char base_date[32];
    tgdp_wfdb_signal *sig; /* nsig entries */
    char **comments;      /* comment lines verbatim (including '#', no line terminator) */
    size_t n_comments;
} tgdp_wfdb_header;

/* Parse header text. what names the file in messages. */
int tgdp_wfdb_parse_header(const char *text, size_t len, const char *what,
                           tgdp_wfdb_header *h, tgdp_error *err);
int tgdp_wfdb_read_header(const char *hea_path, tgdp_wfdb_header *h, tgdp_error *err);
void tgdp_wfdb_header_free(tgdp_wfdb_header *h);
/* Read all samples of all signals in ADC units: raw is [nsig, nsamp] (signal-major),
 * malloc'd; *nsamp receives the length (header nsamp, or derived from the file size when
 * the header has none). Invalid samples (WFDB "not a number" codes) become NaN. Signals
 * with several samples per frame are averaged per frame (WFDB standard mode). Checks the
 * signal file sizes and, for .mat signal files, the MAT v4 matrix header. */
int tgdp_wfdb_read_raw(const char *hea_path, const tgdp_wfdb_header *h, double **raw,
                       int64_t *nsamp, tgdp_error *err);
/* 1 when every signal's header gain equals (max - min) of its raw samples (LUDB trap). */
int tgdp_wfdb_gain_is_range(const tgdp_wfdb_header *h, const double *raw, int64_t nsamp);
/* Metadata from header comments: age ("# Age: 78", "#<age>: 51"), sex, "#Dx:" codes or LUDB
 * diagnosis lines; fills age, sex, labels, source_labels of r. A "#Dx:" code of digits is a SNOMED
 * CT concept id (CinC 2021), any other a CPSC 2018 class abbreviation (CinC 2020: "AF", "RBBB"). */
void tgdp_wfdb_comments_meta(const tgdp_wfdb_header *h, tgdp_ecg_record *r);
/* Load a WFDB record (path to .hea) into r: leads by name, units to mV, LUDB gain fix,
 * sanity check. */
int tgdp_wfdb_load(const char *hea_path, tgdp_ecg_record *r, tgdp_error *err);

/* ---------------------------------------------------------------- MATLAB level 4 */
typedef struct tgdp_mat4_header {
    int32_t type;         /* MOPT: M machine (0 little endian, 1 big endian), O 0,
                             P precision (0 double, 1 single, 2 int32, 3 int16, 4 uint16,
                             5 uint8), T 0 full numeric matrix */
    int32_t mrows, ncols, imagf, namlen;
    char name[64];
    int big_endian;
    int precision;        /* P digit */
    size_t elem_size;     /* bytes per element */
    size_t data_offset;   /* 20 + namlen */
    size_t data_bytes;    /* mrows * ncols * elem_size */
} tgdp_mat4_header;

/* Parse and validate the first matrix header of a MAT v4 file held in buf[0..len). */
int tgdp_mat4_parse_header(const unsigned char *buf, size_t len, const char *what,
                           tgdp_mat4_header *h, tgdp_error *err);
/* Load a standalone MAT v4 file (a 12 x N matrix, e.g. a CinC .mat whose .hea is absent):
 * integer matrices are ADC units at 1000 per mV and floating matrices are mV (CinC
 * conventions); the file stores no rate, so fs = 500 Hz and TGDP_ECG_F_ASSUMED_FS is set. */
int tgdp_mat4_load(const char *mat_path, tgdp_ecg_record *r, tgdp_error *err);

/* ---------------------------------------------------------------- CPSC 2018 */
#define TGDP_CPSC_FS 500.0
/* MATLAB v5 file with struct ECG {sex, age, data 12 x N in mV}; fs = 500 Hz (the CPSC
 * specification; the file stores no rate). Read with libmatio after checking the v5 header
 * and element sizes; on first use libmatio's log handler is replaced, process-wide, by one
 * that records its messages per thread (they become part of the error, never printed). */
int tgdp_cpsc_load(const char *mat_path, tgdp_ecg_record *r, tgdp_error *err);

typedef struct tgdp_cpsc_ref {
    char id[32];          /* "A1980" */
    int codes[3];         /* class numbers 1..9, First/Second/Third_label */
    int n_codes;
    tgdp_ecg_labels labels;
} tgdp_cpsc_ref;
int tgdp_cpsc_read_reference(const char *csv_path, tgdp_cpsc_ref **refs, size_t *n,
                             tgdp_error *err);

/* ---------------------------------------------------------------- PTB-XL */
/* Headerless CSV record, 12 columns in mV. fs <= 0 picks it from the name: "_hr" -> 500 Hz,
 * otherwise 100 Hz. */
int tgdp_ptbxl_load_csv(const char *csv_path, double fs, tgdp_ecg_record *r, tgdp_error *err);

typedef struct tgdp_scp_code {
    char code[16];
    double likelihood;    /* percent; rhythm and form statements carry 0 */
} tgdp_scp_code;
/* Parse a Python dict literal "{'NORM': 100.0, 'SR': 0.0}". */
int tgdp_ptbxl_parse_scp_codes(const char *dict, tgdp_scp_code *codes, size_t max, size_t *n,
                               const char *what, tgdp_error *err);

typedef struct tgdp_ptbxl_row {
    int ecg_id;
    int patient_id;
    int age;              /* -1 unknown; PTB-XL's 300 (= over 89) becomes 90 */
    char sex;             /* PTB-XL 0 -> 'M', 1 -> 'F' */
    int strat_fold;       /* 1..10, 0 unknown */
    char scp_codes[256];  /* the dict text */
    tgdp_ecg_labels labels; /* every code mapped, whatever its likelihood (rhythm codes
                               such as AFIB and SBRAD only ever carry 0) */
    char filename_lr[128];
    char filename_hr[128];
} tgdp_ptbxl_row;
int tgdp_ptbxl_read_database(const char *csv_path, tgdp_ptbxl_row **rows, size_t *n,
                             tgdp_error *err);

typedef struct tgdp_scp_statement {
    char code[16];
    char description[128];
    int diagnostic, form, rhythm;
    char diagnostic_class[16];
    char diagnostic_subclass[16];
} tgdp_scp_statement;
int tgdp_ptbxl_read_statements(const char *csv_path, tgdp_scp_statement **st, size_t *n,
                               tgdp_error *err);

/* ---------------------------------------------------------------- LUDB */
typedef struct tgdp_ludb_row {
    int id;
    char sex;             /* 'M' / 'F' */
    int age;              /* ">89" becomes 90 (as in the record's header) */
    char diagnoses[1024]; /* all diagnosis cells, one statement per line ('\n' separated) */
    tgdp_ecg_labels labels;
} tgdp_ludb_row;
int tgdp_ludb_read_csv(const char *csv_path, tgdp_ludb_row **rows, size_t *n, tgdp_error *err);

/* ---------------------------------------------------------------- uniform loading */
/* Dispatch on the file: .hea -> WFDB (.dat or MAT v4 inside); .mat or .dat with a .hea of
 * the same stem -> that WFDB record; other .mat -> CPSC v5 struct or standalone MAT v4;
 * .csv -> PTB-XL CSV record; no extension -> "<path>.hea". Metadata comes from the file
 * alone (use tgdp_ecg_load_entry for the database label files). */
int tgdp_ecg_load(const char *path, tgdp_ecg_record *r, tgdp_error *err);

typedef struct tgdp_ecg_entry {
    char path[1024];      /* file for tgdp_ecg_load */
    char id[64];
    char database[32];
    tgdp_ecg_labels labels;
    char source_labels[256];
    int age;
    char sex;
    int fold;             /* PTB-XL strat_fold, else 0 */
} tgdp_ecg_entry;

typedef struct tgdp_ecg_index {
    tgdp_ecg_entry *entries;
    size_t n;
    size_t n_missing;     /* label-file rows whose signal file was not found */
    char layout[32];      /* "ludb", "ptbxl", "cpsc2018", "wfdb" */
} tgdp_ecg_index;

/* List a database folder's records with labels. Layouts: LUDB (ludb.csv + data/N.hea);
 * PTB-XL (ptbxl_database*.csv + <id>_lr_100hz.csv, or the published download with
 * records100/... WFDB files); CPSC 2018 (REFERENCE.csv + .mat, also in TrainingSet1..3
 * sub- or sibling folders); any folder of WFDB headers (RECORDS file or *.hea, searched up
 * to 3 folder levels down; labels from "#Dx:" or LUDB comments). Entries are in label-file
 * or name order. */
int tgdp_ecg_list(const char *dir, tgdp_ecg_index *idx, tgdp_error *err);
void tgdp_ecg_index_free(tgdp_ecg_index *idx);
/* tgdp_ecg_load, then the entry's metadata (labels, age, sex, database) replace the file's
 * where the entry has them. */
int tgdp_ecg_load_entry(const tgdp_ecg_entry *e, tgdp_ecg_record *r, tgdp_error *err);

/* ---------------------------------------------------------------- resampling */
#define TGDP_ECG_DEFAULT_FS 100.0
/* Band-limited (anti-aliased) resampling with libsamplerate's best sinc converter of
 * nch channels stored channel-major [nch, n_in]. Output length round(n_in*fs_out/fs_in);
 * *y is malloc'd [nch, *n_out]. Ratio must be within [1/256, 256]. */
int tgdp_resample(const float *x, int nch, int64_t n_in, double fs_in, double fs_out,
                  float **y, int64_t *n_out, tgdp_error *err);
/* Resample a record in place to fs_out (no-op when already at fs_out). */
int tgdp_ecg_resample(tgdp_ecg_record *r, double fs_out, tgdp_error *err);

/* ---------------------------------------------------------------- windows
 * Per-window normalisation (tgdp_ecg_normalize), for each lead of a window:
 *   y = clamp(x - mean(x), -TGDP_ECG_CLIP_MV, +TGDP_ECG_CLIP_MV) / TGDP_ECG_SCALE_MV
 * The mean removes baseline offset; the clip bounds pacing spikes/artefacts at +-5 mV;
 * the fixed scale (same for all leads, so amplitude relations and the limb-lead identities
 * are kept) maps typical lead standard deviations of 0.16-0.33 mV (median and 90th
 * percentile over the CinC 2021 and PTB-XL sample records) to 0.3-0.7 and QRS peaks of
 * 1-2 mV to 2-4; |y| <= 10. Invert with x = y * TGDP_ECG_SCALE_MV (+ the removed mean). */
#define TGDP_ECG_CLIP_MV 5.0f
#define TGDP_ECG_SCALE_MV 0.5f
void tgdp_ecg_normalize(float *x, int nlead, int64_t len);
/* Number of windows of length win with the given stride in n samples (0 when n < win). */
int64_t tgdp_ecg_num_windows(int64_t n, int64_t win, int64_t stride);
/* All windows of a record into out [nw, 12, win] (allocated here), normalised when
 * normalize != 0. TGDP_EINVAL when the record is shorter than one window. */
int tgdp_ecg_windows(const tgdp_ecg_record *r, int64_t win, int64_t stride, int normalize,
                     tgdp_tensor *out, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

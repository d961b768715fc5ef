/* tgdp ECG data sets: the records of database folders turned into fixed-length, normalised
 * windows with multi-hot labels (what `tgdp ecg prepare` writes).
 *
 * Per record: tgdp_ecg_load_entry (which runs the data sanity check tgdp_ecg_check), then
 * tgdp_ecg_resample to the common rate, then tgdp_ecg_windows (window, stride, and the
 * documented per-window normalisation of tgdp/ecg.h). Every window remembers the record it
 * came from, so that splits can be made by record, never by window.
 *
 * All functions follow tgdp/core.h: int return code (TGDP_OK = 0), message in tgdp_error.
 */
#ifndef TGDP_ECG_PREPARE_H
#define TGDP_ECG_PREPARE_H

#include "tgdp/api.h"

#include <stddef.h>
#include <stdint.h>

#include "tgdp/core.h"
#include "tgdp/ecg.h"
#include "tgdp/labels.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

typedef struct tgdp_ecg_prepare_opts {
    double fs;      /* common sampling rate, Hz */
    int64_t window; /* samples per window, at fs */
    int64_t stride; /* samples between window starts, at fs */
    int normalize;  /* nonzero: tgdp_ecg_normalize each window; zero: keep millivolts */
} tgdp_ecg_prepare_opts;

/* 100 Hz, windows of 250 samples (2.5 s), stride 250 (no overlap), normalised. */
void tgdp_ecg_prepare_opts_default(tgdp_ecg_prepare_opts *o);
/* One-line description of the normalisation ("per window and lead: y = clamp(x - mean(x),
 * -5, 5 mV) / 0.5 mV", or "none (millivolts)"). */
const char *tgdp_ecg_prepare_normalization(const tgdp_ecg_prepare_opts *o);

/* One record of a set. */
typedef struct tgdp_ecg_set_record {
    char database[32];
    char id[64];
    tgdp_ecg_labels labels;
    char source_labels[256];
    int age;              /* -1 unknown */
    char sex;             /* 'M', 'F', 'U' */
    int fold;             /* PTB-XL strat_fold, else 0 */
    double fs_in;         /* rate of the file */
    int64_t n_in;         /* samples per lead in the file */
    unsigned flags;       /* TGDP_ECG_F_* seen while loading */
    int64_t first_window; /* its windows are [first_window, first_window + n_windows) */
    int64_t n_windows;
} tgdp_ecg_set_record;

/* A growing set of windows: x [n, 12, window] float32, record [n] (index into records). */
typedef struct tgdp_ecg_set {
    int64_t window;
    int64_t n;      /* windows */
    float *x;
    int64_t *record;
    tgdp_ecg_set_record *records;
    size_t n_records;
    /* private */
    size_t cap_windows, cap_records;
    size_t *slots, n_slots; /* hash of (database, id): record index + 1, 0 empty */
} tgdp_ecg_set;

void tgdp_ecg_set_init(tgdp_ecg_set *s, int64_t window);
void tgdp_ecg_set_free(tgdp_ecg_set *s);
/* Index of the record (database, id) in s, -1 when absent. */
long tgdp_ecg_set_find(const tgdp_ecg_set *s, const char *database, const char *id);

/* Load the entry, resample, cut windows and append them. On any failure s is unchanged and
 * the error says why: the record's own problems (unreadable or broken file, failed sanity
 * check, shorter than one window, already in the set: TGDP_EINVAL) are worth skipping;
 * TGDP_ENOMEM is not. o->window must equal s->window. */
int tgdp_ecg_set_add_entry(tgdp_ecg_set *s, const tgdp_ecg_entry *e, const tgdp_ecg_prepare_opts *o,
                           tgdp_error *err);
/* Multi-hot labels of every window, [s->n, TGDP_ECG_NLABELS] int64 in the label enum order
 * (malloc'd; *out is NULL when s->n == 0). */
int tgdp_ecg_set_labels(const tgdp_ecg_set *s, int64_t **out, tgdp_error *err);

/* The conditioning class of each window's multi-hot labels (one rule for every command and demo):
 * tgdp_conditioning_labels in tgdp/labels.h. */

/* The first folder of a database name under dir: tgdp_ecg_database_folders (tgdp/ecg_domains.h,
 * with the table of names and folders), kept for callers that want one folder. */
int tgdp_ecg_find_database(const char *dir, const char *name, char *out, size_t cap, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

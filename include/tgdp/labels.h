/* Label files and what their values mean: one meaning for every command and demo (train-*,
 * sample, ecg evaluate, demo ecg).
 *
 * A labels file is an int64 .npy with one row per sample, either
 *   [N] or [N, 1]  class indices c >= 0, or
 *   [N, K], K >= 2 multi-hot rows (0/1) over a label vocabulary (ecg prepare's D_labels.npy: K = 11,
 *                  NORM AF 1AVB LBBB RBBB PAC PVC STC STACH SBRAD LVH).
 * Label k and class k are the same thing. A class index c < K stands for the one-hot row with
 * column c set, and c == K for "no label" (an all-zero row). A multi-hot row's class (the one
 * integer a label-conditional network takes) is given by tgdp_conditioning_labels: its first set
 * column among 1..K-1 (with the ECG vocabulary: its first abnormal label, in vocabulary order),
 * else 0 when column 0 is set (NORM and nothing else), else K (no label). The rule depends on the
 * row alone, so the source, the target, a sampler's labels and an evaluation's labels agree.
 * A conditional network over a K-column vocabulary therefore has K + 1 classes. (Record splits
 * stratify by a different, data-dependent rule: tgdp_primary_labels in tgdp/ecg_eval.h.)
 *
 * All functions follow tgdp/core.h: int return code (TGDP_OK = 0), message in tgdp_error. */
#ifndef TGDP_LABELS_H
#define TGDP_LABELS_H

#include "tgdp/api.h"

#include <stdint.h>

#include "tgdp/core.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

#define TGDP_LABELS_MAX 65535 /* largest class index / label columns accepted */

/* Conditioning classes of multi-hot rows [n, k] (values 0/1): out[i] in 0..k (rule above). */
int tgdp_conditioning_labels(const int64_t *multi_hot, int64_t n, int k, int64_t *out, tgdp_error *err);

typedef struct tgdp_labels {
    int64_t n;           /* rows */
    int multi;           /* 1: the file held multi-hot rows; 0: class indices */
    int k;               /* label columns (vocabulary size) */
    int n_classes;       /* conditioning classes: k + 1 (with "no label"), or for a class file read
                            without an expected k, 1 + its largest index */
    int64_t *cls;        /* [n] conditioning class of every row */
    int64_t *multi_hot;  /* [n, k] 0/1 rows; NULL unless asked for */
} tgdp_labels;

/* Read a labels file. n: the expected rows (-1: any). k: the expected label columns (0: from the
 * file: K of a multi-hot file, 1 + the largest index of a class file); with k > 0 a class file may
 * hold k ("no label") and n_classes is k + 1. want_multi_hot: fill multi_hot as well (a class file's
 * rows one-hot). Errors name the file and the row. */
int tgdp_labels_read(const char *path, int64_t n, int k, int want_multi_hot, tgdp_labels *out, tgdp_error *err);
void tgdp_labels_free(tgdp_labels *l);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

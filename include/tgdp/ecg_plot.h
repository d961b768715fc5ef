/* 12-lead ECG windows drawn side by side as one PNG: a row per lead (I, II, III, aVR, aVL, aVF,
 * V1..V6), a column per window, real windows in black and generated ones in red. Used by
 * `tgdp demo ecg` (real held-out target vs each method) and `tgdp ecg plot`. */
#ifndef TGDP_ECG_PLOT_H
#define TGDP_ECG_PLOT_H

#include "tgdp/api.h"

#include "tgdp/core.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

typedef struct tgdp_ecg_plot_column {
    const float *window; /* [12, L], leads in canonical order */
    const char *label;   /* printed above the column (upper case; NULL: none) */
    int generated;       /* red when nonzero, black otherwise */
} tgdp_ecg_plot_column;

/* Writes the grid to path (atomically, tgdp_canvas_write_png). Each lead's vertical range is
 * +-1.1 x the largest |value| of that lead over the real columns (over all columns when none is
 * real), at least +-0.55, so generated windows are seen on the real windows' scale; values
 * outside are clipped. 1 <= ncol <= 64, L >= 2, else TGDP_EINVAL. */
int tgdp_ecg_plot_png(const char *path, const char *title, int64_t L, const tgdp_ecg_plot_column *cols, int ncol,
                      tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

/* Private parts of tgdp_inspect_file (src/data/inspect*.c). */
#ifndef TGDP_INSPECT_INTERNAL_H
#define TGDP_INSPECT_INTERNAL_H

#include "tgdp/inspect.h"

void inspect_finding(tgdp_file_info *info, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* value stats: start (all zero), add values, end (mean; NaN for no finite value) */
void inspect_stats_start(tgdp_value_stats *s);
void inspect_stats_add(tgdp_value_stats *s, double v);
void inspect_stats_end(tgdp_value_stats *s);
/* After an attempt to load the file as a 12-lead record (load_rc, with load_err when it failed):
 * info->ecg filled, and the findings of the record's sanity check (what names it) or of the
 * failure. */
void inspect_ecg_result(tgdp_file_info *info, const char *what, int load_rc, const tgdp_error *load_err);

/* The readers' parts (what: the file; buf/len: its bytes, where read) */
int inspect_wfdb(const char *hea, tgdp_file_info *info, tgdp_error *err);
int inspect_mat5(const char *path, const unsigned char *buf, size_t len, tgdp_file_info *info, tgdp_error *err);
int inspect_mat4(const char *path, const unsigned char *buf, size_t len, tgdp_file_info *info, tgdp_error *err);
void inspect_mat5_free(tgdp_mat5_var *vars, int n);

#endif

/* A small streaming JSON writer: objects, arrays, numbers, strings, with escaping and NaN/Inf
 * written as null. Used by every report that writes JSON (demos' results.json, the commands'
 * --json output), so keys are written one way everywhere.
 *
 * Members at nesting depth < `wrap` start on their own indented line; deeper ones stay on the
 * line of their container (e.g. wrap 2: one result object per line). Errors of the stream are
 * the caller's to check (ferror). */
#ifndef TGDP_JSON_H
#define TGDP_JSON_H

#include "tgdp/api.h"

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

#define TGDP_JSON_MAX_DEPTH 32

typedef struct tgdp_json {
    FILE *f;
    int depth, wrap;
    int count[TGDP_JSON_MAX_DEPTH]; /* members written at each depth */
} tgdp_json;

void tgdp_json_init(tgdp_json *j, FILE *f, int wrap);
/* key: the member's name inside an object, NULL inside an array or at the top */
void tgdp_json_begin_object(tgdp_json *j, const char *key);
void tgdp_json_end_object(tgdp_json *j);
void tgdp_json_begin_array(tgdp_json *j, const char *key);
void tgdp_json_end_array(tgdp_json *j);
/* %.6g, or null when not finite */
void tgdp_json_num(tgdp_json *j, const char *key, double v);
/* %.17g (round-trips exactly), or null when not finite */
void tgdp_json_num_exact(tgdp_json *j, const char *key, double v);
/* %.{digits}g, or null when not finite */
void tgdp_json_num_digits(tgdp_json *j, const char *key, double v, int digits);
void tgdp_json_int(tgdp_json *j, const char *key, int64_t v);
void tgdp_json_bool(tgdp_json *j, const char *key, int v);
/* the five fields of a paired comparison (tgdp/stats.h): mean_diff, ci_low, ci_high, p_wilcoxon,
 * win_rate, as members of the open object */
struct tgdp_paired_stats;
void tgdp_json_paired(tgdp_json *j, const struct tgdp_paired_stats *p);
void tgdp_json_str(tgdp_json *j, const char *key, const char *s); /* NULL -> null */
/* Ends the document with a newline. */
void tgdp_json_finish(tgdp_json *j);
/* s as a JSON string literal (quotes and escapes) */
void tgdp_json_write_string(FILE *f, const char *s);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

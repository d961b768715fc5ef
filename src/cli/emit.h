/* The commands' one output layer: a command describes what it prints once, and the emitter
 * writes it either as text (lines and tables laid out by printf formats) or as one JSON object
 * (through the library's writer, tgdp/json.h) holding the same values under their keys.
 *
 * cli_emitf(e, fmt, ...) takes a printf format in which "{key:%conv}" marks a field:
 *   text: printed as printf prints fmt with the "{key:" and "}" taken out (widths, precisions
 *         and the text around the fields as written);
 *   JSON: each field is the member `key` of the current object (inside an array "{:%conv}" is
 *         an element) holding the argument: integer conversions as integers, floating ones as
 *         numbers with the emitter's significant digits (NaN, Inf: null), %s as a string (never
 *         NULL: printf's text needs one), %c as a one-character string. Text outside the fields, and conversions outside
 *         them, are text only (their arguments are skipped).
 * A format without fields is a text-only line. cli_emit_int/num/str/bool/null add JSON-only
 * members, cli_emit_object/array/end nest (JSON only).
 * The compiler checks the format (the braces and keys are plain text to printf); literal '{'
 * and '}' cannot appear in a format (pass them through %s). */
#ifndef TGDP_CLI_EMIT_H
#define TGDP_CLI_EMIT_H

#include "tgdp/json.h"

#include <stdint.h>
#include <stdio.h>

typedef struct cli_emit {
    FILE *f;    /* NULL: print nothing (e.g. --quiet) */
    int json;
    int digits; /* significant digits of JSON numbers from floating fields */
    int depth;
    char kind[TGDP_JSON_MAX_DEPTH]; /* 'o' object, 'a' array, per nesting level */
    tgdp_json j;
} cli_emit;

/* json: one JSON object on f, its members at depth < wrap each on their own line (tgdp_json_init);
 * otherwise text. f NULL: nothing is printed. */
void cli_emit_begin(cli_emit *e, FILE *f, int json, int digits, int wrap);
/* Closes what is open; JSON: ends the object with a newline. */
void cli_emit_finish(cli_emit *e);

void cli_emitf(cli_emit *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* JSON only (text: nothing). key NULL inside an array. */
void cli_emit_int(cli_emit *e, const char *key, int64_t v);
void cli_emit_num(cli_emit *e, const char *key, double v); /* the emitter's digits; not finite: null */
void cli_emit_str(cli_emit *e, const char *key, const char *s); /* NULL: null */
void cli_emit_bool(cli_emit *e, const char *key, int v);
void cli_emit_null(cli_emit *e, const char *key);
void cli_emit_object(cli_emit *e, const char *key);
void cli_emit_array(cli_emit *e, const char *key);
void cli_emit_end(cli_emit *e); /* closes the innermost object or array */

#endif

/* Command-line plumbing shared by the tgdp subcommands: option tables (parsing, --help with
 * defaults), error printing, loading data. Parsing and printing only: no algorithms here. */
#ifndef TGDP_CLI_H
#define TGDP_CLI_H

#include "tgdp/nn.h"

#include <stdio.h>

typedef enum { OPT_INT, OPT_DOUBLE, OPT_STRING, OPT_FLAG } cli_opt_type;

typedef struct cli_opt {
    const char *name; /* without the leading "--" */
    cli_opt_type type;
    void *dst;        /* int*, double*, const char**, int* (flag) */
    const char *def;  /* default as text (NULL: none / off) */
    const char *help;
    double min, max;  /* valid range for numbers (min > max: unchecked) */
} cli_opt;

/* Parses argv (argv[0] is the command name). Returns 0 to go on, 1 when --help was printed
 * (caller returns 0), -1 on error (message already printed). */
int cli_parse(const char *cmd, const char *summary, cli_opt *opts, int nopt, int argc, char **argv);
/* The same for a command that takes one positional argument (a file) anywhere among its options:
 * *positional gets it (NULL when absent); a second one is an error. */
int cli_parse_pos(const char *cmd, const char *summary, cli_opt *opts, int nopt, int argc, char **argv,
                  const char **positional);
/* Whether the option name (without "--") was on the command line of the last parse of opts. */
int cli_given(const cli_opt *opts, int nopt, const char *name);
/* An error naming the first of the options names (NULL-terminated list) that was given:
 * "--NAME does not apply WHY"; 0 when none was given, else 2 (the usage exit status). */
int cli_reject(const char *cmd, const cli_opt *opts, int nopt, const char *why, const char *const *names);
void cli_print_help(FILE *f, const char *cmd, const char *summary, const cli_opt *opts, int nopt);
/* Nonzero: cli_print_help writes a roff man-page section instead (tgdp --man, from the same tables). */
extern int cli_help_roff;
/* roff-escaped text (backslash, hyphen; a leading dot or quote protected), no line break added. */
void cli_roff_text(FILE *f, const char *s);
/* Prints "tgdp <cmd>: <message>" to stderr and returns 1 (the exit status). */
int cli_error(const char *cmd, const tgdp_error *err);
int cli_errorf(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The options --gemm S (backend, NULL: the default) and --precision S of the commands that compute.
 * The default precision is auto: bf16 where it can run (the oneDNN backend and a CPU with
 * avx512_bf16), else fp32, silently; bf16 asked for by name where it cannot run falls back to fp32
 * with a message. (bf16 is the default because it is 1.4-2.7x faster here and its results on the
 * rows of the mixture study that were compared are within +-0.01 MMD^2 of fp32's: docs/scaling.md.) */
#define CLI_PRECISION_DEFAULT "auto"
#define CLI_COMPUTE_OPTS(gemm, precision)                                                                        \
    {"gemm", OPT_STRING, &(gemm), NULL, "matrix products and convolutions: onednn or openblas\n"                   \
                                        "                             (default: onednn where built in)", 0, -1},     \
    {"precision", OPT_STRING, &(precision), CLI_PRECISION_DEFAULT,                                              \
     "fp32; bf16: mixed precision (bf16 inputs of the matrix products and\n"                                    \
     "                             convolutions, float32 accumulation, weights and the rest; needs\n"              \
     "                             onednn and avx512_bf16, else runs in fp32 with a message); auto:\n"            \
     "                             bf16 where it can run, else fp32", 0, -1}
/* Selects the backend (gemm NULL: the default) and parses the precision into *out (auto: bf16
 * where it can run, else fp32); where bf16 asked for by name cannot run, prints why and sets fp32.
 * Returns 0, or 2 after printing a usage error. */
int cli_compute(const char *cmd, const char *gemm, const char *precision, tgdp_precision *out);

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} cli_command;

#endif

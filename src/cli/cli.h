/* Command-line plumbing shared by the tgdp subcommands: option tables (parsing, --help with
 * defaults), error printing, loading data. Parsing and printing only: no algorithms here. */
#ifndef TGDP_CLI_H
#define TGDP_CLI_H

#include "tgdp/core.h"

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

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} cli_command;

#endif

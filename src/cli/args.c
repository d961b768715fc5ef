/* Option parsing with defaults and ranges; --help generated from the same table. */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int set_value(const char *cmd, cli_opt *o, const char *val)
{
    char *end;
    switch (o->type) {
    case OPT_INT: {
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno || end == val || *end || v < -2147483647L || v > 2147483647L)
            return cli_errorf(cmd, "--%s: '%s' is not an integer", o->name, val), -1;
        if (o->min <= o->max && (v < o->min || v > o->max))
            return cli_errorf(cmd, "--%s: %ld is out of range [%g, %g]", o->name, v, o->min, o->max), -1;
        *(int *)o->dst = (int)v;
        return 0;
    }
    case OPT_DOUBLE: {
        errno = 0;
        double v = strtod(val, &end);
        if (errno || end == val || *end || v != v)
            return cli_errorf(cmd, "--%s: '%s' is not a number", o->name, val), -1;
        if (o->min <= o->max && (v < o->min || v > o->max))
            return cli_errorf(cmd, "--%s: %g is out of range [%g, %g]", o->name, v, o->min, o->max), -1;
        *(double *)o->dst = v;
        return 0;
    }
    case OPT_STRING: *(const char **)o->dst = val; return 0;
    case OPT_FLAG: *(int *)o->dst = 1; return 0;
    }
    return -1;
}

int cli_help_roff;

/* the options given on the command line of the last parse (cli_given) */
#define CLI_MAX_OPTS 256
static const cli_opt *last_opts;
static unsigned char last_given[CLI_MAX_OPTS];

static void roff_n(FILE *f, const char *s, size_t n)
{
    if (n && (*s == '.' || *s == '\'')) fputs("\\&", f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') fputs("\\e", f);
        else if (s[i] == '-') fputs("\\-", f);
        else fputc(s[i], f);
    }
}

void cli_roff_text(FILE *f, const char *s) { roff_n(f, s, strlen(s)); }

/* The same help as roff: ".SS tgdp CMD", the summary's lines, one ".TP" item per option. */
static void print_help_roff(FILE *f, const char *cmd, const char *summary, const cli_opt *opts, int nopt)
{
    fputs(".SS \"tgdp ", f);
    cli_roff_text(f, cmd);
    fputs(" [options]\"\n.nf\n", f); /* the summary is laid out by hand: no filling */
    for (const char *s = summary; *s;) {
        size_t n = strcspn(s, "\n");
        if (n == 0) fputs(".sp\n", f);
        else {
            roff_n(f, s, n);
            fputc('\n', f);
        }
        s += n;
        if (*s) s++;
    }
    fputs(".fi\n", f);
    for (int i = 0; i < nopt; i++) {
        const cli_opt *o = &opts[i];
        const char *arg = o->type == OPT_INT ? "N" : o->type == OPT_DOUBLE ? "X" : o->type == OPT_STRING ? "S" : NULL;
        fputs(".TP\n\\fB\\-\\-", f);
        cli_roff_text(f, o->name);
        fputs("\\fR", f);
        if (arg) fprintf(f, " \\fI%s\\fR", arg);
        fputc('\n', f);
        cli_roff_text(f, o->help);
        if (o->def && o->type != OPT_FLAG) {
            fputs(" (default: ", f);
            cli_roff_text(f, o->def);
            fputc(')', f);
        }
        fputc('\n', f);
    }
}

void cli_print_help(FILE *f, const char *cmd, const char *summary, const cli_opt *opts, int nopt)
{
    if (cli_help_roff) {
        print_help_roff(f, cmd, summary, opts, nopt);
        return;
    }
    fprintf(f, "usage: tgdp %s [options]\n\n%s\n\noptions:\n", cmd, summary);
    for (int i = 0; i < nopt; i++) {
        const cli_opt *o = &opts[i];
        char left[64];
        const char *arg = o->type == OPT_INT ? " N" : o->type == OPT_DOUBLE ? " X" : o->type == OPT_STRING ? " S" : "";
        snprintf(left, sizeof left, "--%s%s", o->name, arg);
        fprintf(f, "  %-26s %s", left, o->help);
        if (o->def && o->type != OPT_FLAG) fprintf(f, " (default: %s)", o->def);
        fputc('\n', f);
    }
    fprintf(f, "  %-26s %s\n", "--help", "show this help");
}

int cli_parse(const char *cmd, const char *summary, cli_opt *opts, int nopt, int argc, char **argv)
{
    return cli_parse_pos(cmd, summary, opts, nopt, argc, argv, NULL);
}

int cli_parse_pos(const char *cmd, const char *summary, cli_opt *opts, int nopt, int argc, char **argv,
                  const char **positional)
{
    if (positional) *positional = NULL;
    last_opts = opts;
    memset(last_given, 0, sizeof last_given);
    for (int i = 0; i < nopt; i++) {
        if (opts[i].type == OPT_FLAG) *(int *)opts[i].dst = 0;
        else if (opts[i].type == OPT_STRING) *(const char **)opts[i].dst = opts[i].def;
        if (opts[i].def && opts[i].type != OPT_STRING && opts[i].type != OPT_FLAG && set_value(cmd, &opts[i], opts[i].def))
            return -1;
    }
    for (int a = 1; a < argc; a++) {
        const char *s = argv[a];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            cli_print_help(stdout, cmd, summary, opts, nopt);
            return 1;
        }
        if (strncmp(s, "--", 2) != 0) {
            if (positional && !*positional && (s[0] != '-' || s[1] == '\0')) {
                *positional = s;
                continue;
            }
            return cli_errorf(cmd, "unexpected argument '%s' (see --help)", s), -1;
        }
        const char *name = s + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        cli_opt *o = NULL;
        for (int i = 0; i < nopt; i++)
            if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0) o = &opts[i];
        if (!o) return cli_errorf(cmd, "unknown option '%s' (see --help)", s), -1;
        const char *val;
        if (o->type == OPT_FLAG) {
            if (eq) return cli_errorf(cmd, "--%s takes no value", o->name), -1;
            val = "1";
        } else if (eq) {
            val = eq + 1;
        } else {
            if (a + 1 >= argc) return cli_errorf(cmd, "--%s needs a value", o->name), -1;
            val = argv[++a];
        }
        if (set_value(cmd, o, val)) return -1;
        if (o - opts < CLI_MAX_OPTS) last_given[o - opts] = 1;
    }
    return 0;
}

int cli_given(const cli_opt *opts, int nopt, const char *name)
{
    for (int i = 0; opts == last_opts && i < nopt && i < CLI_MAX_OPTS; i++)
        if (strcmp(opts[i].name, name) == 0) return last_given[i];
    return 0;
}

int cli_reject(const char *cmd, const cli_opt *opts, int nopt, const char *why, const char *const *names)
{
    for (; *names; names++)
        if (cli_given(opts, nopt, *names)) return cli_errorf(cmd, "--%s does not apply %s", *names, why), 2;
    return 0;
}

int cli_error(const char *cmd, const tgdp_error *err)
{
    fprintf(stderr, "tgdp %s: %s\n", cmd, err->msg[0] ? err->msg : tgdp_error_name(err->code));
    return 1;
}

int cli_errorf(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tgdp %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* JSON output helpers (cli/json.h). */
#include "cli/json.h"

#include <math.h>

void cli_json_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.8g", v);
    else fputs("null", f);
}

void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p == '\n') fputs("\\n", f);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

void cli_json_stat(FILE *f, const char *key, double mean, double sd, int n, int interval, double lo, double hi)
{
    cli_json_str(f, key);
    fputs(": {\"mean\": ", f);
    cli_json_num(f, mean);
    fputs(", \"sd\": ", f);
    cli_json_num(f, sd);
    fprintf(f, ", \"n\": %d", n);
    if (interval) {
        fputs(", \"lo\": ", f);
        cli_json_num(f, lo);
        fputs(", \"hi\": ", f);
        cli_json_num(f, hi);
    }
    fputc('}', f);
}

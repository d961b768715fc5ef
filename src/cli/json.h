/* JSON output helpers shared by the commands: a number (non-finite values as null) and a string
 * with the escapes JSON needs. */
#ifndef TGDP_CLI_JSON_H
#define TGDP_CLI_JSON_H
#include <stdio.h>

void cli_json_num(FILE *f, double v); /* %.8g, or null when not finite */
void cli_json_str(FILE *f, const char *s); /* quoted; NULL as "" */
/* "key": {"mean": m, "sd": s, "n": n} (with ", \"lo\": lo, \"hi\": hi" when interval) */
void cli_json_stat(FILE *f, const char *key, double mean, double sd, int n, int interval, double lo, double hi);
#endif

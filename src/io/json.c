/* The streaming JSON writer (tgdp/json.h). */
#include "tgdp/json.h"
#include "tgdp/stats.h"

#include <math.h>

void tgdp_json_init(tgdp_json *j, FILE *f, int wrap)
{
    j->f = f;
    j->depth = 0;
    j->wrap = wrap;
    for (int i = 0; i < TGDP_JSON_MAX_DEPTH; i++) j->count[i] = 0;
}

void tgdp_json_write_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) fprintf(f, "\\u%04x", *p);
            else fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* the separator, line break and key before a member */
static void member(tgdp_json *j, const char *key)
{
    const int d = j->depth;
    if (d > 0 && j->count[d] > 0) fputc(',', j->f);
    if (d > 0) {
        if (d <= j->wrap) {
            fputc('\n', j->f);
            for (int i = 0; i < d; i++) fputs("  ", j->f);
        } else if (j->count[d] > 0)
            fputc(' ', j->f);
    }
    if (d < TGDP_JSON_MAX_DEPTH) j->count[d]++;
    if (key) {
        tgdp_json_write_string(j->f, key);
        fputs(": ", j->f);
    }
}

static void open_(tgdp_json *j, const char *key, char c)
{
    member(j, key);
    fputc(c, j->f);
    if (j->depth + 1 < TGDP_JSON_MAX_DEPTH) j->count[j->depth + 1] = 0;
    j->depth++;
}

static void close_(tgdp_json *j, char c)
{
    const int had = j->depth < TGDP_JSON_MAX_DEPTH ? j->count[j->depth] : 0;
    j->depth--;
    if (had && j->depth + 1 <= j->wrap) {
        fputc('\n', j->f);
        for (int i = 0; i < j->depth; i++) fputs("  ", j->f);
    }
    fputc(c, j->f);
}

void tgdp_json_begin_object(tgdp_json *j, const char *key) { open_(j, key, '{'); }
void tgdp_json_end_object(tgdp_json *j) { close_(j, '}'); }
void tgdp_json_begin_array(tgdp_json *j, const char *key) { open_(j, key, '['); }
void tgdp_json_end_array(tgdp_json *j) { close_(j, ']'); }

void tgdp_json_num(tgdp_json *j, const char *key, double v)
{
    member(j, key);
    if (isfinite(v)) fprintf(j->f, "%.6g", v);
    else fputs("null", j->f);
}

void tgdp_json_num_exact(tgdp_json *j, const char *key, double v)
{
    member(j, key);
    if (isfinite(v)) fprintf(j->f, "%.17g", v);
    else fputs("null", j->f);
}

void tgdp_json_num_digits(tgdp_json *j, const char *key, double v, int digits)
{
    member(j, key);
    if (isfinite(v)) fprintf(j->f, "%.*g", digits, v);
    else fputs("null", j->f);
}

void tgdp_json_int(tgdp_json *j, const char *key, int64_t v)
{
    member(j, key);
    fprintf(j->f, "%lld", (long long)v);
}

void tgdp_json_bool(tgdp_json *j, const char *key, int v)
{
    member(j, key);
    fputs(v ? "true" : "false", j->f);
}

void tgdp_json_str(tgdp_json *j, const char *key, const char *s)
{
    member(j, key);
    if (s) tgdp_json_write_string(j->f, s);
    else fputs("null", j->f);
}

void tgdp_json_finish(tgdp_json *j) { fputc('\n', j->f); }

void tgdp_json_paired(tgdp_json *j, const struct tgdp_paired_stats *p)
{
    tgdp_json_num(j, "mean_diff", p->mean_diff);
    tgdp_json_num(j, "ci_low", p->ci_low);
    tgdp_json_num(j, "ci_high", p->ci_high);
    tgdp_json_num(j, "p_wilcoxon", p->p_wilcoxon);
    tgdp_json_num(j, "win_rate", p->win_rate);
}

/* tgdp inspect FILE: what a file holds. WFDB records (header fields, signals, comments and a
 * data check), MATLAB v5 (variables and struct fields, via libmatio) and v4 files, .npy
 * arrays, numeric CSV tables and the ECG label tables, safetensors checkpoints. Text on
 * stdout, or one JSON object with --json. A file that cannot be read gives one line
 * "tgdp inspect: FILE: problem" on stderr and exit status 1.
 *
 * The readers are the library's (tgdp/io.h, tgdp/ecg.h); this file only picks the reader,
 * formats what it returns and sums up the samples. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "data/ecg_internal.h"
#include "tgdp/ecg.h"
#include "tgdp/io.h"

#include <math.h>
#include <matio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NOPT(o) (int)(sizeof o / sizeof *o)
#define MAX_FINDINGS 48

/* ------------------------------------------------------------------ small helpers */
typedef struct findings {
    int n;
    char text[MAX_FINDINGS][320];
} findings;

static void finding(findings *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void finding(findings *f, const char *fmt, ...)
{
    if (f->n >= MAX_FINDINGS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->text[f->n++], sizeof f->text[0], fmt, ap);
    va_end(ap);
}

/* The one error line: "tgdp inspect: FILE: problem" (the library's messages usually start with
 * the file's path already; it is not repeated). */
static int fail_msg(const char *path, const char *msg)
{
    size_t L = strlen(path);
    const char *m = msg && *msg ? msg : "cannot be read";
    if (strncmp(m, path, L) == 0 && m[L] == ':') m += L + 1;
    while (*m == ' ') m++;
    fprintf(stderr, "tgdp inspect: %s: ", path);
    for (const char *p = m; *p; p++) fputc(*p == '\n' || *p == '\r' ? ' ' : *p, stderr);
    fputc('\n', stderr);
    return 1;
}

static int fail(const char *path, const tgdp_error *err)
{
    return fail_msg(path, err->msg[0] ? err->msg : tgdp_error_name(err->code));
}

static void jstr(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p == '\n') printf("\\n");
        else if (*p == '\r') printf("\\r");
        else if (*p == '\t') printf("\\t");
        else if (*p < 0x20) printf("\\u%04x", *p);
        else putchar(*p);
    }
    putchar('"');
}

static void jnum(double v)
{
    if (isfinite(v)) printf("%.9g", v);
    else printf("null");
}

static void jfindings(const findings *f)
{
    printf(",\n \"findings\": [");
    for (int i = 0; i < f->n; i++) {
        if (i) printf(", ");
        jstr(f->text[i]);
    }
    printf("]");
}

static void tfindings(const findings *f)
{
    if (!f->n) return;
    printf("findings:\n");
    for (int i = 0; i < f->n; i++) printf("  - %s\n", f->text[i]);
}

static void shape_text(char *buf, size_t cap, int ndim, const int64_t *shape, const char *sep)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndim && k + 1 < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? sep : "", (long long)shape[i]);
    if (ndim == 0) snprintf(buf, cap, "scalar");
}

static void jshape(int ndim, const int64_t *shape)
{
    putchar('[');
    for (int i = 0; i < ndim; i++) printf("%s%lld", i ? ", " : "", (long long)shape[i]);
    putchar(']');
}

/* Summary of finite values; non-finite ones are counted. */
typedef struct stats {
    size_t n, nonfinite;
    double min, max, sum;
} stats;

static void stats_init(stats *s) { memset(s, 0, sizeof *s); }

static void stats_add(stats *s, double v)
{
    if (!isfinite(v)) {
        s->nonfinite++;
        return;
    }
    if (s->n == 0 || v < s->min) s->min = v;
    if (s->n == 0 || v > s->max) s->max = v;
    s->sum += v;
    s->n++;
}

static double stats_mean(const stats *s) { return s->n ? s->sum / (double)s->n : NAN; }

static int read_all(const char *path, unsigned char **buf, size_t *len, tgdp_error *err)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return tgdp_fail(err, TGDP_EIO, "%s: cannot open", path);
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    int rc = b ? TGDP_OK : tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", path);
    while (!rc) {
        if (n == cap) {
            unsigned char *nb = cap < SIZE_MAX / 2 ? realloc(b, cap * 2) : NULL;
            if (!nb) {
                rc = tgdp_fail(err, TGDP_ENOMEM, "%s: too large to read", path);
                break;
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) rc = tgdp_fail(err, TGDP_EIO, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    if (rc) {
        free(b);
        return rc;
    }
    *buf = b;
    *len = n;
    return TGDP_OK;
}

static const char *ext_of(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *d = strrchr(b, '.');
    return d && d != b ? d + 1 : "";
}

static const char *base_of(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return 0;
    }
    return *a == *b;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* path with its extension replaced by ".hea" (or ".hea" appended when there is none), when
 * that file exists. */
static int header_of(const char *path, char *out, size_t cap)
{
    const char *ext = ext_of(path);
    size_t stem = *ext ? (size_t)(ext - path) - 1 : strlen(path);
    if (stem + 5 > cap) return 0;
    memcpy(out, path, stem);
    memcpy(out + stem, ".hea", 5);
    return is_file(out);
}

/* ------------------------------------------------------------------ ECG records */
static void lead_list(unsigned bits, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int l = 0; l < TGDP_ECG_NLEADS; l++)
        if (bits & (1u << l)) {
            if (buf[0]) strncat(buf, ", ", cap - strlen(buf) - 1);
            strncat(buf, tgdp_ecg_lead_name(l), cap - strlen(buf) - 1);
        }
}

/* Findings of the sanity check of a loaded 12-lead record. */
static void record_findings(tgdp_ecg_record *r, const char *path, findings *f, tgdp_ecg_sanity *s)
{
    tgdp_error e;
    memset(s, 0, sizeof *s);
    int rc = tgdp_ecg_check(r, path, s, &e);
    if (rc) finding(f, "sanity check failed: %s", e.msg);
    if (r->flags & TGDP_ECG_F_GAIN_IS_RANGE)
        finding(f, "header gain equals max - min of the stored samples in every signal (the LUDB trap: the "
                   "header gains are not gains); converted with one common gain of %g ADC units/mV and "
                   "baseline 0, which keeps the limb-lead identities",
                TGDP_LUDB_ADC_PER_MV);
    if (r->flags & TGDP_ECG_F_ASSUMED_FS) finding(f, "the file stores no sampling rate: %g Hz assumed", r->fs);
    if (s->flat_leads) {
        char names[128];
        lead_list(s->flat_leads, names, sizeof names);
        finding(f, "flat (constant) leads: %s", names);
    }
    if (s->n_nonfinite == 0) {
        if (s->limb_residual_mv > TGDP_ECG_LIMB_TOL_MV || s->aug_residual_mv > TGDP_ECG_LIMB_TOL_MV)
            finding(f, "limb-lead identities fail: max |II - (I + III)| = %.4g mV, augmented leads %.4g mV "
                       "(tolerance %g mV): leads swapped or mislabelled?",
                    (double)s->limb_residual_mv, (double)s->aug_residual_mv, TGDP_ECG_LIMB_TOL_MV);
        else
            finding(f, "limb-lead identities hold: max |II - (I + III)| = %.4g mV, augmented leads %.4g mV",
                    (double)s->limb_residual_mv, (double)s->aug_residual_mv);
    }
    finding(f, "largest |x| = %.4g mV in lead %s (limit %g mV)", (double)s->max_abs_mv,
            tgdp_ecg_lead_name(s->max_abs_lead), TGDP_ECG_MAX_ABS_MV);
}

static void lead_stats(const tgdp_ecg_record *r, stats st[TGDP_ECG_NLEADS])
{
    for (int l = 0; l < TGDP_ECG_NLEADS; l++) {
        stats_init(&st[l]);
        const float *x = tgdp_ecg_lead(r, l);
        for (int64_t t = 0; t < r->n; t++) stats_add(&st[l], x[t]);
    }
}

static void text_record(const tgdp_ecg_record *r, const char *title)
{
    char lab[128];
    stats st[TGDP_ECG_NLEADS];
    lead_stats(r, st);
    printf("%s\n", title);
    printf("  record        %s (%s)\n", r->id, r->database[0] ? r->database : "?");
    printf("  rate          %g Hz%s\n", r->fs, (r->flags & TGDP_ECG_F_ASSUMED_FS) ? " (assumed)" : "");
    printf("  length        %lld samples (%.3f s)\n", (long long)r->n, r->fs > 0 ? (double)r->n / r->fs : 0.0);
    if (r->age >= 0) printf("  age           %d\n", r->age);
    if (r->sex != 'U') printf("  sex           %c\n", r->sex);
    if (r->labels || r->source_labels[0])
        printf("  labels        %s   (from: %s)\n", tgdp_ecg_labels_format(r->labels, lab, sizeof lab),
               r->source_labels);
    printf("  %-5s %10s %10s %10s   (mV)\n", "lead", "min", "max", "mean");
    for (int l = 0; l < TGDP_ECG_NLEADS; l++)
        printf("  %-5s %10.4f %10.4f %10.4f\n", tgdp_ecg_lead_name(l), st[l].min, st[l].max, stats_mean(&st[l]));
}

static void json_record(const tgdp_ecg_record *r)
{
    char lab[128];
    stats st[TGDP_ECG_NLEADS];
    lead_stats(r, st);
    printf("{\"id\": ");
    jstr(r->id);
    printf(", \"database\": ");
    jstr(r->database);
    printf(", \"fs\": ");
    jnum(r->fs);
    printf(", \"fs_assumed\": %s, \"samples\": %lld, \"seconds\": ", (r->flags & TGDP_ECG_F_ASSUMED_FS) ? "true" : "false",
           (long long)r->n);
    jnum(r->fs > 0 ? (double)r->n / r->fs : NAN);
    printf(", \"age\": %d, \"sex\": \"%c\", \"labels\": ", r->age, r->sex);
    jstr(tgdp_ecg_labels_format(r->labels, lab, sizeof lab));
    printf(", \"source_labels\": ");
    jstr(r->source_labels);
    printf(", \"flags\": %u, \"leads\": [", r->flags);
    for (int l = 0; l < TGDP_ECG_NLEADS; l++) {
        printf("%s{\"lead\": \"%s\", \"min_mv\": ", l ? ", " : "", tgdp_ecg_lead_name(l));
        jnum(st[l].n ? st[l].min : NAN);
        printf(", \"max_mv\": ");
        jnum(st[l].n ? st[l].max : NAN);
        printf(", \"mean_mv\": ");
        jnum(stats_mean(&st[l]));
        printf("}");
    }
    printf("]}");
}

/* ------------------------------------------------------------------ WFDB */
static const char *mat4_precision_name(int p)
{
    static const char *const n[] = {"double", "single", "int32", "int16", "uint16", "uint8"};
    return p >= 0 && p < 6 ? n[p] : "?";
}

typedef struct sigfile {
    char name[256];
    int is_mat4;
    tgdp_mat4_header m4;
} sigfile;

static int inspect_wfdb(const char *path, const char *hea, int json)
{
    tgdp_error err;
    tgdp_wfdb_header h;
    if (tgdp_wfdb_read_header(hea, &h, &err)) return fail(path, &err);
    double *raw = NULL;
    int64_t nsamp = 0;
    if (tgdp_wfdb_read_raw(hea, &h, &raw, &nsamp, &err)) {
        tgdp_wfdb_header_free(&h);
        return fail(path, &err);
    }
    int rc = 0;
    /* the distinct signal files; MAT v4 headers of .mat signal files */
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", hea);
    char *slash = strrchr(dir, '/');
    if (slash) slash[1] = '\0';
    else dir[0] = '\0';
    sigfile *files = calloc((size_t)h.nsig + 1, sizeof *files);
    stats *st = calloc((size_t)h.nsig + 1, sizeof *st);
    int *sig_lead = calloc((size_t)h.nsig + 1, sizeof *sig_lead);
    int nfiles = 0;
    if (!files || !st || !sig_lead) rc = fail_msg(path, "out of memory");
    for (int k = 0; !rc && k < h.nsig; k++) {
        int seen = 0;
        for (int i = 0; i < nfiles; i++) seen |= strcmp(files[i].name, h.sig[k].file_name) == 0;
        if (seen) continue;
        sigfile *sf = &files[nfiles++];
        snprintf(sf->name, sizeof sf->name, "%s", h.sig[k].file_name);
        if (ieq(ext_of(sf->name), "mat")) {
            char p[1400];
            snprintf(p, sizeof p, "%s%s", sf->name[0] == '/' ? "" : dir, sf->name);
            unsigned char *buf;
            size_t len;
            if (read_all(p, &buf, &len, &err) == 0) {
                sf->is_mat4 = tgdp_mat4_parse_header(buf, len, p, &sf->m4, NULL) == 0;
                free(buf);
            }
        }
    }
    findings f;
    f.n = 0;
    for (int k = 0; !rc && k < h.nsig; k++) {
        stats_init(&st[k]);
        const double *x = raw + (size_t)k * (size_t)nsamp;
        for (int64_t t = 0; t < nsamp; t++) stats_add(&st[k], x[t]);
        if (st[k].nonfinite)
            finding(&f, "signal %d (%s): %zu invalid sample%s (WFDB 'no data' code)", k, h.sig[k].description,
                    st[k].nonfinite, st[k].nonfinite == 1 ? "" : "s");
    }
    if (!rc && !h.fs_given) finding(&f, "the header gives no sampling rate: %g Hz assumed (the WFDB default)", h.fs);
    /* as a 12-lead ECG record */
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    tgdp_ecg_sanity san;
    int loaded = 0;
    char load_msg[512] = "";
    if (!rc) {
        if (tgdp_wfdb_load(hea, &r, &err) == 0) {
            loaded = 1;
            record_findings(&r, hea, &f, &san);
        } else {
            snprintf(load_msg, sizeof load_msg, "%s", err.msg);
            finding(&f, "not loaded as a 12-lead ECG: %s", err.msg);
            if (nsamp > 0 && tgdp_wfdb_gain_is_range(&h, raw, nsamp))
                finding(&f, "header gain equals max - min of the stored samples in every signal (the LUDB trap: "
                            "the header gains are not gains)");
        }
    }
    for (int k = 0; !rc && k < h.nsig; k++) sig_lead[k] = tgdp_ecg_lead_from_name(h.sig[k].description);
    double secs = h.fs > 0 ? (double)nsamp / h.fs : 0;

    if (!rc && !json) {
        printf("%s: WFDB record\n", path);
        printf("  header        %s\n", hea);
        printf("  record        %s\n", h.record_name);
        printf("  signals       %d\n", h.nsig);
        printf("  rate          %g Hz%s\n", h.fs, h.fs_given ? "" : " (not in the header: WFDB default)");
        if (h.counter_freq > 0) printf("  counter       %g Hz (base %g)\n", h.counter_freq, h.base_counter);
        printf("  length        %lld samples (%.3f s)%s\n", (long long)nsamp, secs,
               h.nsamp < 0 ? " (from the signal file size)" : "");
        if (h.base_time[0] || h.base_date[0]) printf("  start         %s %s\n", h.base_time, h.base_date);
        printf("signals:\n");
        printf("  %-3s %-6s %-14s %6s %4s %5s %7s %12s %9s %-6s %4s %5s %7s %9s %5s\n", "#", "lead", "file", "format",
               "spf", "skew", "offset", "gain", "baseline", "units", "adc", "zero", "init", "checksum", "block");
        for (int k = 0; k < h.nsig; k++) {
            const tgdp_wfdb_signal *s = &h.sig[k];
            char gain[40], base[24], init[16], cs[16];
            snprintf(gain, sizeof gain, "%g%s", s->gain, s->gain_given ? "" : "(dflt)");
            snprintf(base, sizeof base, "%g%s", s->baseline, s->baseline_given ? "" : "*");
            snprintf(init, sizeof init, s->has_init_value ? "%d" : "-", s->init_value);
            snprintf(cs, sizeof cs, s->has_checksum ? "%d" : "-", s->checksum);
            printf("  %-3d %-6s %-14s %6d %4d %5d %7ld %12s %9s %-6s %4d %5d %7s %9s %5d\n", k, s->description,
                   s->file_name, s->format, s->samples_per_frame, s->skew, s->byte_offset, gain, base, s->units,
                   s->adc_resolution, s->adc_zero, init, cs, s->block_size);
        }
        printf("  (gain: ADC units per unit; baseline*: not in the header, the ADC zero; spf: samples per frame)\n");
        for (int i = 0; i < nfiles; i++)
            if (files[i].is_mat4)
                printf("  signal file %s: MATLAB v4 matrix '%s', %s, %d x %d, data at byte %zu\n", files[i].name,
                       files[i].m4.name, mat4_precision_name(files[i].m4.precision), (int)files[i].m4.mrows,
                       (int)files[i].m4.ncols, files[i].m4.data_offset);
        printf("comments:%s\n", h.n_comments ? "" : " none");
        for (size_t i = 0; i < h.n_comments; i++) printf("  %s\n", h.comments[i]);
        printf("data check (all %lld samples read):\n", (long long)nsamp);
        printf("  %-3s %-6s %10s %10s %12s %12s %-6s %12s %12s\n", "#", "lead", "raw min", "raw max", "min", "max",
               "units", "min mV", "max mV");
        for (int k = 0; k < h.nsig; k++) {
            const tgdp_wfdb_signal *s = &h.sig[k];
            double g = s->gain != 0 ? s->gain : 1;
            printf("  %-3d %-6s %10.0f %10.0f %12.5g %12.5g %-6s", k, s->description, st[k].min, st[k].max,
                   (st[k].min - s->baseline) / g, (st[k].max - s->baseline) / g, s->units);
            int l = sig_lead[k];
            if (loaded && l >= 0) {
                stats ls;
                stats_init(&ls);
                const float *x = tgdp_ecg_lead(&r, l);
                for (int64_t t = 0; t < r.n; t++) stats_add(&ls, x[t]);
                printf(" %12.4f %12.4f", ls.min, ls.max);
            }
            putchar('\n');
        }
        printf("  (min/max: (raw - baseline) / gain with the header's gain%s)\n",
               loaded ? "; min/max mV: as loaded by tgdp, lead by name" : "");
        tfindings(&f);
    } else if (!rc) {
        printf("{\"file\": ");
        jstr(path);
        printf(", \"type\": \"wfdb\", \"header\": ");
        jstr(hea);
        printf(",\n \"record\": ");
        jstr(h.record_name);
        printf(", \"nsig\": %d, \"fs\": ", h.nsig);
        jnum(h.fs);
        printf(", \"fs_given\": %s, \"samples\": %lld, \"seconds\": ", h.fs_given ? "true" : "false", (long long)nsamp);
        jnum(secs);
        printf(", \"base_time\": ");
        jstr(h.base_time);
        printf(", \"base_date\": ");
        jstr(h.base_date);
        printf(",\n \"signals\": [");
        for (int k = 0; k < h.nsig; k++) {
            const tgdp_wfdb_signal *s = &h.sig[k];
            double g = s->gain != 0 ? s->gain : 1;
            printf("%s\n  {\"index\": %d, \"lead\": ", k ? "," : "", k);
            jstr(s->description);
            printf(", \"standard_lead\": ");
            if (sig_lead[k] >= 0) jstr(tgdp_ecg_lead_name(sig_lead[k]));
            else printf("null");
            printf(", \"file\": ");
            jstr(s->file_name);
            printf(", \"format\": %d, \"samples_per_frame\": %d, \"skew\": %d, \"byte_offset\": %ld, \"gain\": ",
                   s->format, s->samples_per_frame, s->skew, s->byte_offset);
            jnum(s->gain);
            printf(", \"gain_given\": %s, \"baseline\": ", s->gain_given ? "true" : "false");
            jnum(s->baseline);
            printf(", \"units\": ");
            jstr(s->units);
            printf(", \"adc_resolution\": %d, \"adc_zero\": %d, \"init_value\": ", s->adc_resolution, s->adc_zero);
            if (s->has_init_value) printf("%d", s->init_value);
            else printf("null");
            printf(", \"checksum\": ");
            if (s->has_checksum) printf("%d", s->checksum);
            else printf("null");
            printf(", \"block_size\": %d, \"raw_min\": ", s->block_size);
            jnum(st[k].n ? st[k].min : NAN);
            printf(", \"raw_max\": ");
            jnum(st[k].n ? st[k].max : NAN);
            printf(", \"min\": ");
            jnum(st[k].n ? (st[k].min - s->baseline) / g : NAN);
            printf(", \"max\": ");
            jnum(st[k].n ? (st[k].max - s->baseline) / g : NAN);
            printf(", \"invalid_samples\": %zu}", st[k].nonfinite);
        }
        printf("],\n \"signal_files\": [");
        for (int i = 0; i < nfiles; i++) {
            printf("%s{\"file\": ", i ? ", " : "");
            jstr(files[i].name);
            if (files[i].is_mat4) {
                printf(", \"mat4\": {\"name\": ");
                jstr(files[i].m4.name);
                printf(", \"type\": %d, \"precision\": \"%s\", \"rows\": %d, \"cols\": %d}", (int)files[i].m4.type,
                       mat4_precision_name(files[i].m4.precision), (int)files[i].m4.mrows, (int)files[i].m4.ncols);
            }
            printf("}");
        }
        printf("],\n \"comments\": [");
        for (size_t i = 0; i < h.n_comments; i++) {
            if (i) printf(", ");
            jstr(h.comments[i]);
        }
        printf("],\n \"ecg\": ");
        if (loaded) json_record(&r);
        else printf("null");
        printf(",\n \"load_error\": ");
        if (loaded) printf("null");
        else jstr(load_msg);
        jfindings(&f);
        printf("}\n");
    }
    tgdp_ecg_record_free(&r);
    free(files);
    free(st);
    free(sig_lead);
    free(raw);
    tgdp_wfdb_header_free(&h);
    return rc;
}

/* ------------------------------------------------------------------ MATLAB */
static const char *mat_class_name(enum matio_classes c)
{
    switch (c) {
    case MAT_C_EMPTY: return "empty";
    case MAT_C_CELL: return "cell";
    case MAT_C_STRUCT: return "struct";
    case MAT_C_OBJECT: return "object";
    case MAT_C_CHAR: return "char";
    case MAT_C_SPARSE: return "sparse";
    case MAT_C_DOUBLE: return "double";
    case MAT_C_SINGLE: return "single";
    case MAT_C_INT8: return "int8";
    case MAT_C_UINT8: return "uint8";
    case MAT_C_INT16: return "int16";
    case MAT_C_UINT16: return "uint16";
    case MAT_C_INT32: return "int32";
    case MAT_C_UINT32: return "uint32";
    case MAT_C_INT64: return "int64";
    case MAT_C_UINT64: return "uint64";
    case MAT_C_FUNCTION: return "function";
    case MAT_C_OPAQUE: return "opaque";
    }
    return "?";
}

static const char *mat_type_name(enum matio_types t)
{
    switch (t) {
    case MAT_T_INT8: return "int8";
    case MAT_T_UINT8: return "uint8";
    case MAT_T_INT16: return "int16";
    case MAT_T_UINT16: return "uint16";
    case MAT_T_INT32: return "int32";
    case MAT_T_UINT32: return "uint32";
    case MAT_T_SINGLE: return "single";
    case MAT_T_DOUBLE: return "double";
    case MAT_T_INT64: return "int64";
    case MAT_T_UINT64: return "uint64";
    case MAT_T_UTF8: return "utf8";
    case MAT_T_UTF16: return "utf16";
    case MAT_T_UTF32: return "utf32";
    default: return NULL;
    }
}

/* libmatio's log messages are captured, never printed (as src/data/ecg_cpsc.c does). The
 * handler is process-wide; tgdp_cpsc_load installs its own on first use, which is why the
 * listing below runs before any record is loaded. */
static int matio_problems;
static char matio_msg[256];

static void matio_log(int level, char *message)
{
    if ((level & (MATIO_LOG_LEVEL_ERROR | MATIO_LOG_LEVEL_CRITICAL | MATIO_LOG_LEVEL_WARNING)) && matio_problems++ == 0)
        snprintf(matio_msg, sizeof matio_msg, "%s", message ? message : "?");
}

static uint32_t rd32le(const unsigned char *p, int swap)
{
    return swap ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
                : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

/* The v5 header and the sizes of the top-level data elements, checked before matio reads. */
static int check_mat5(const char *path, const unsigned char *buf, size_t len, char *msg, size_t cap)
{
    if (len < 128) return snprintf(msg, cap, "truncated MATLAB v5 header (%zu bytes, need 128)", len), 1;
    int swap = buf[126] == 'M' && buf[127] == 'I';
    if (!swap && !(buf[126] == 'I' && buf[127] == 'M'))
        return snprintf(msg, cap, "corrupted MATLAB v5 header: bad endian indicator"), 1;
    size_t pos = 128;
    while (pos < len) {
        if (len - pos < 8)
            return snprintf(msg, cap, "truncated: %zu stray bytes after the last data element", len - pos), 1;
        uint32_t type = rd32le(buf + pos, swap), nbytes = rd32le(buf + pos + 4, swap);
        if (type >> 16) return snprintf(msg, cap, "corrupted data element at byte %zu", pos), 1;
        if ((size_t)nbytes > len - pos - 8)
            return snprintf(msg, cap, "truncated: data element at byte %zu needs %u bytes, %zu left", pos, nbytes,
                            len - pos - 8), 1;
        pos += 8 + (size_t)nbytes;
        if (type != 15 && pos % 8) pos += 8 - pos % 8;
    }
    (void)path;
    return 0;
}

static void dims_text(const matvar_t *v, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < v->rank && k + 1 < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%zu", i ? "x" : "", v->dims[i]);
}

static void text_matvar(matvar_t *v, const char *name, int depth)
{
    char dims[64];
    dims_text(v, dims, sizeof dims);
    const char *stored = mat_type_name(v->data_type);
    printf("  %*s%-*s %-8s %-12s%s%s%s%s\n", 2 * depth, "", 16 - 2 * depth > 1 ? 16 - 2 * depth : 1, name,
           mat_class_name(v->class_type), dims, v->isComplex ? " complex" : "",
           stored && strcmp(stored, mat_class_name(v->class_type)) ? " (stored as " : "",
           stored && strcmp(stored, mat_class_name(v->class_type)) ? stored : "",
           stored && strcmp(stored, mat_class_name(v->class_type)) ? ")" : "");
    if (v->class_type == MAT_C_STRUCT && depth < 4) {
        unsigned nf = Mat_VarGetNumberOfFields(v);
        char *const *fn = Mat_VarGetStructFieldnames(v);
        for (unsigned i = 0; fn && i < nf; i++) {
            matvar_t *fv = Mat_VarGetStructFieldByIndex(v, i, 0);
            if (fv) text_matvar(fv, fn[i] ? fn[i] : "?", depth + 1);
            else printf("  %*s%s\n", 2 * (depth + 1), "", fn[i] ? fn[i] : "?");
        }
    }
}

static void json_matvar(matvar_t *v, const char *name, int depth)
{
    printf("{\"name\": ");
    jstr(name);
    printf(", \"class\": \"%s\", \"dims\": [", mat_class_name(v->class_type));
    for (int i = 0; i < v->rank; i++) printf("%s%zu", i ? ", " : "", v->dims[i]);
    printf("], \"complex\": %s", v->isComplex ? "true" : "false");
    const char *stored = mat_type_name(v->data_type);
    if (stored) printf(", \"stored_as\": \"%s\"", stored);
    if (v->class_type == MAT_C_STRUCT && depth < 4) {
        unsigned nf = Mat_VarGetNumberOfFields(v);
        char *const *fn = Mat_VarGetStructFieldnames(v);
        printf(", \"fields\": [");
        for (unsigned i = 0; fn && i < nf; i++) {
            matvar_t *fv = Mat_VarGetStructFieldByIndex(v, i, 0);
            if (i) printf(", ");
            if (fv) json_matvar(fv, fn[i] ? fn[i] : "?", depth + 1);
            else {
                printf("{\"name\": ");
                jstr(fn[i]);
                printf("}");
            }
        }
        printf("]");
    }
    printf("}");
}

/* A loaded record's text/JSON block after a listing; load problems that are about the data
 * (non-finite, out of range) are findings, anything else makes the file unreadable. */
static int print_ecg_block(const char *path, int json, int loaded, tgdp_ecg_record *r, const char *load_msg,
                           const char *title, findings *f)
{
    if (loaded) {
        tgdp_ecg_sanity san;
        record_findings(r, path, f, &san);
    } else if (load_msg) {
        finding(f, "not loaded as a 12-lead ECG: %s", load_msg);
    }
    if (json) {
        printf(",\n \"ecg\": ");
        if (loaded) json_record(r);
        else printf("null");
        jfindings(f);
        printf("}\n");
    } else {
        if (loaded) text_record(r, title);
        tfindings(f);
    }
    return 0;
}

static int inspect_mat5(const char *path, const unsigned char *buf, size_t len, int json)
{
    char msg[512];
    if (check_mat5(path, buf, len, msg, sizeof msg)) return fail_msg(path, msg);
    /* sizes the variables claim must be backed by the file before libmatio allocates them; classes
     * a CPSC record never has (sparse, object) are still listed */
    tgdp_error err5;
    if (ecg_mat5_check(buf, len, path, &err5) == TGDP_EFORMAT) return fail(path, &err5);
    Mat_LogInitFunc("tgdp", matio_log);
    matio_problems = 0;
    mat_t *mat = Mat_Open(path, MAT_ACC_RDONLY);
    if (!mat) {
        snprintf(msg, sizeof msg, "libmatio cannot open the file%s%s", matio_problems ? ": " : "",
                 matio_problems ? matio_msg : "");
        return fail_msg(path, msg);
    }
    char header[128];
    const char *hdr = Mat_GetHeader(mat);
    snprintf(header, sizeof header, "%s", hdr ? hdr : "");
    for (size_t n = strlen(header); n > 0 && (header[n - 1] == ' ' || header[n - 1] == '\0'); n--) header[n - 1] = '\0';
    matvar_t *vars[256];
    int nvar = 0, has_ecg = 0;
    matvar_t *v;
    while (nvar < 256 && (v = Mat_VarReadNextInfo(mat)) != NULL) {
        vars[nvar++] = v;
        if (v->name && strcmp(v->name, "ECG") == 0 && v->class_type == MAT_C_STRUCT) has_ecg = 1;
    }
    int more = nvar == 256 && (v = Mat_VarReadNextInfo(mat)) != NULL;
    if (more) Mat_VarFree(v);
    Mat_Close(mat);
    if (matio_problems) {
        for (int i = 0; i < nvar; i++) Mat_VarFree(vars[i]);
        snprintf(msg, sizeof msg, "corrupted MATLAB v5 data: %s", matio_msg);
        return fail_msg(path, msg);
    }
    if (nvar == 0) return fail_msg(path, "MATLAB v5 file without any variable");
    if (json) {
        printf("{\"file\": ");
        jstr(path);
        printf(", \"type\": \"mat5\", \"header\": ");
        jstr(header);
        printf(",\n \"variables\": [");
        for (int i = 0; i < nvar; i++) {
            if (i) printf(",\n  ");
            json_matvar(vars[i], vars[i]->name ? vars[i]->name : "", 0);
        }
        printf("]");
    } else {
        printf("%s: MATLAB v5 MAT-file\n", path);
        printf("  header        %s\n", header);
        printf("variables:\n");
        printf("  %-16s %-8s %-12s\n", "name", "class", "dims");
        for (int i = 0; i < nvar; i++) text_matvar(vars[i], vars[i]->name ? vars[i]->name : "", 0);
        if (more) printf("  ... more variables (the first 256 are listed)\n");
    }
    for (int i = 0; i < nvar; i++) Mat_VarFree(vars[i]);
    findings f;
    f.n = 0;
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int loaded = 0;
    char load_msg[512] = "";
    if (has_ecg) {
        tgdp_error err;
        if (tgdp_cpsc_load(path, &r, &err) == 0) loaded = 1;
        else snprintf(load_msg, sizeof load_msg, "%s", err.msg);
    }
    print_ecg_block(path, json, loaded, &r, has_ecg && !loaded ? load_msg : NULL,
                    "as a CPSC 2018 ECG record (struct ECG, mV):", &f);
    tgdp_ecg_record_free(&r);
    return 0;
}

static int inspect_mat4(const char *path, const unsigned char *buf, size_t len, int json)
{
    tgdp_error err;
    tgdp_mat4_header hs[64];
    int n = 0;
    size_t pos = 0;
    while (pos < len && n < 64) {
        if (tgdp_mat4_parse_header(buf + pos, len - pos, path, &hs[n], &err)) {
            if (n == 0) return fail(path, &err);
            char m[600];
            snprintf(m, sizeof m, "matrix %d at byte %zu: %s", n + 1, pos, err.msg);
            return fail_msg(path, m);
        }
        size_t next = pos + hs[n].data_offset + hs[n].data_bytes;
        hs[n].data_offset += pos; /* absolute, for printing */
        pos = next;
        n++;
    }
    if (json) {
        printf("{\"file\": ");
        jstr(path);
        printf(", \"type\": \"mat4\",\n \"matrices\": [");
        for (int i = 0; i < n; i++) {
            printf("%s{\"name\": ", i ? ", " : "");
            jstr(hs[i].name);
            printf(", \"type\": %d, \"precision\": \"%s\", \"big_endian\": %s, \"rows\": %d, \"cols\": %d, "
                   "\"data_offset\": %zu, \"bytes\": %zu}",
                   (int)hs[i].type, mat4_precision_name(hs[i].precision), hs[i].big_endian ? "true" : "false",
                   (int)hs[i].mrows, (int)hs[i].ncols, hs[i].data_offset, hs[i].data_bytes);
        }
        printf("]");
    } else {
        printf("%s: MATLAB v4 MAT-file\n", path);
        printf("  %-12s %-6s %-8s %-6s %8s %8s %10s\n", "name", "type", "class", "endian", "rows", "cols", "offset");
        for (int i = 0; i < n; i++)
            printf("  %-12s %-6d %-8s %-6s %8d %8d %10zu\n", hs[i].name, (int)hs[i].type,
                   mat4_precision_name(hs[i].precision), hs[i].big_endian ? "big" : "little", (int)hs[i].mrows,
                   (int)hs[i].ncols, hs[i].data_offset);
    }
    findings f;
    f.n = 0;
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int loaded = 0, try_ecg = hs[0].mrows == TGDP_ECG_NLEADS;
    char load_msg[512] = "";
    if (try_ecg) {
        if (tgdp_mat4_load(path, &r, &err) == 0) loaded = 1;
        else snprintf(load_msg, sizeof load_msg, "%s", err.msg);
    }
    print_ecg_block(path, json, loaded, &r, try_ecg && !loaded ? load_msg : NULL,
                    "as a 12-lead ECG (CinC conventions: integers at 1000 per mV):", &f);
    tgdp_ecg_record_free(&r);
    return 0;
}

/* ------------------------------------------------------------------ .npy */
static double array_elem(const tgdp_array *a, size_t i)
{
    const unsigned char *p = a->data;
    switch (a->dtype) {
    case TGDP_DT_F32: { float v; memcpy(&v, p + 4 * i, 4); return v; }
    case TGDP_DT_F64: { double v; memcpy(&v, p + 8 * i, 8); return v; }
    case TGDP_DT_I32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
    case TGDP_DT_I64: { int64_t v; memcpy(&v, p + 8 * i, 8); return (double)v; }
    case TGDP_DT_U8: return p[i];
    case TGDP_DT_I8: return (int8_t)p[i];
    }
    return NAN;
}

static int inspect_npy(const char *path, int json)
{
    tgdp_error err;
    tgdp_array a;
    if (tgdp_npy_read(path, &a, &err)) return fail(path, &err);
    /* version and header text, from the file's first bytes (the reader validated them) */
    unsigned char head[4096 + 16];
    char dict[4096] = "";
    int major = 0, minor = 0;
    FILE *fp = fopen(path, "rb");
    size_t got = fp ? fread(head, 1, sizeof head, fp) : 0;
    if (fp) fclose(fp);
    if (got >= 10) {
        major = head[6];
        minor = head[7];
        size_t hl, off;
        if (major == 1) hl = (size_t)head[8] | (size_t)head[9] << 8, off = 10;
        else hl = (size_t)rd32le(head + 8, 0), off = 12;
        if (off + hl > got) hl = got > off ? got - off : 0;
        size_t k = 0;
        for (size_t i = 0; i < hl && k + 1 < sizeof dict; i++) dict[k++] = (char)head[off + i];
        dict[k] = '\0';
        while (k > 0 && (dict[k - 1] == ' ' || dict[k - 1] == '\n')) dict[--k] = '\0';
    }
    size_t numel = tgdp_array_numel(&a);
    stats s;
    stats_init(&s);
    for (size_t i = 0; i < numel; i++) stats_add(&s, array_elem(&a, i));
    int is_float = a.dtype == TGDP_DT_F32 || a.dtype == TGDP_DT_F64;
    char shape[160];
    shape_text(shape, sizeof shape, a.ndim, a.shape, ", ");
    if (json) {
        printf("{\"file\": ");
        jstr(path);
        printf(", \"type\": \"npy\", \"version\": \"%d.%d\", \"dtype\": \"%s\", \"shape\": ", major, minor,
               tgdp_dtype_name(a.dtype));
        jshape(a.ndim, a.shape);
        printf(", \"elements\": %zu, \"bytes\": %zu, \"header\": ", numel, numel * tgdp_dtype_size(a.dtype));
        jstr(dict);
        printf(",\n \"min\": ");
        jnum(s.n ? s.min : NAN);
        printf(", \"max\": ");
        jnum(s.n ? s.max : NAN);
        printf(", \"mean\": ");
        jnum(stats_mean(&s));
        printf(", \"nonfinite\": %zu}\n", s.nonfinite);
    } else {
        printf("%s: NumPy .npy array\n", path);
        printf("  version       %d.%d\n", major, minor);
        printf("  header        %s\n", dict);
        printf("  dtype         %s\n", tgdp_dtype_name(a.dtype));
        printf("  shape         (%s%s)\n", a.ndim ? shape : "", a.ndim == 1 ? "," : "");
        printf("  elements      %zu (%zu bytes of data)\n", numel, numel * tgdp_dtype_size(a.dtype));
        if (s.n) {
            printf("  min           %.9g\n", s.min);
            printf("  max           %.9g\n", s.max);
            printf("  mean          %.9g\n", stats_mean(&s));
        }
        if (is_float) printf("  non-finite    %zu\n", s.nonfinite);
    }
    tgdp_array_free(&a);
    return 0;
}

/* ------------------------------------------------------------------ CSV */
static void label_counts_text(const tgdp_ecg_labels *labels, size_t n, size_t stride, int json)
{
    size_t cnt[TGDP_ECG_NLABELS] = {0};
    for (size_t i = 0; i < n; i++) {
        tgdp_ecg_labels l = *(const tgdp_ecg_labels *)((const char *)labels + i * stride);
        for (int k = 0; k < TGDP_ECG_NLABELS; k++) cnt[k] += (l >> k) & 1u;
    }
    if (json) {
        printf(", \"label_counts\": {");
        for (int k = 0; k < TGDP_ECG_NLABELS; k++) printf("%s\"%s\": %zu", k ? ", " : "", tgdp_ecg_label_name(k), cnt[k]);
        printf("}");
    } else {
        printf("  labels        ");
        for (int k = 0; k < TGDP_ECG_NLABELS; k++) printf("%s%s %zu", k ? ", " : "", tgdp_ecg_label_name(k), cnt[k]);
        printf("  (records per tgdp label)\n");
    }
}

/* The ECG databases' label tables, which are text tables. 1 when path is one (rc set). */
static int inspect_label_table(const char *path, int json, int *rc)
{
    const char *b = base_of(path);
    tgdp_error err;
    if (strncmp(b, "ptbxl_database", 14) == 0) {
        tgdp_ptbxl_row *rows;
        size_t n;
        if (tgdp_ptbxl_read_database(path, &rows, &n, &err)) return *rc = fail(path, &err), 1;
        int folds[11] = {0};
        for (size_t i = 0; i < n; i++) folds[rows[i].strat_fold >= 0 && rows[i].strat_fold <= 10 ? rows[i].strat_fold : 0]++;
        if (json) {
            printf("{\"file\": ");
            jstr(path);
            printf(", \"type\": \"ptbxl_database\", \"rows\": %zu", n);
            if (n) label_counts_text(&rows[0].labels, n, sizeof *rows, 1);
            printf(", \"folds\": [");
            for (int k = 1; k <= 10; k++) printf("%s%d", k > 1 ? ", " : "", folds[k]);
            printf("]}\n");
        } else {
            printf("%s: PTB-XL database table (ptbxl_database.csv)\n", path);
            printf("  rows          %zu records (ecg_id %d..%d)\n", n, n ? rows[0].ecg_id : 0, n ? rows[n - 1].ecg_id : 0);
            if (n) label_counts_text(&rows[0].labels, n, sizeof *rows, 0);
            printf("  strat_fold    ");
            for (int k = 1; k <= 10; k++) printf("%s%d:%d", k > 1 ? " " : "", k, folds[k]);
            printf("\n");
        }
        free(rows);
        return 1;
    }
    if (strcmp(b, "REFERENCE.csv") == 0) {
        tgdp_cpsc_ref *refs;
        size_t n;
        if (tgdp_cpsc_read_reference(path, &refs, &n, &err)) return *rc = fail(path, &err), 1;
        if (json) {
            printf("{\"file\": ");
            jstr(path);
            printf(", \"type\": \"cpsc2018_reference\", \"rows\": %zu", n);
            if (n) label_counts_text(&refs[0].labels, n, sizeof *refs, 1);
            printf("}\n");
        } else {
            printf("%s: CPSC 2018 label table (REFERENCE.csv)\n", path);
            printf("  rows          %zu records\n", n);
            if (n) label_counts_text(&refs[0].labels, n, sizeof *refs, 0);
        }
        free(refs);
        return 1;
    }
    if (strcmp(b, "ludb.csv") == 0) {
        tgdp_ludb_row *rows;
        size_t n;
        if (tgdp_ludb_read_csv(path, &rows, &n, &err)) return *rc = fail(path, &err), 1;
        if (json) {
            printf("{\"file\": ");
            jstr(path);
            printf(", \"type\": \"ludb_table\", \"rows\": %zu", n);
            if (n) label_counts_text(&rows[0].labels, n, sizeof *rows, 1);
            printf("}\n");
        } else {
            printf("%s: LUDB label table (ludb.csv)\n", path);
            printf("  rows          %zu records\n", n);
            if (n) label_counts_text(&rows[0].labels, n, sizeof *rows, 0);
        }
        free(rows);
        return 1;
    }
    if (strcmp(b, "scp_statements.csv") == 0) {
        tgdp_scp_statement *st;
        size_t n;
        if (tgdp_ptbxl_read_statements(path, &st, &n, &err)) return *rc = fail(path, &err), 1;
        int diag = 0, form = 0, rhythm = 0;
        for (size_t i = 0; i < n; i++) diag += st[i].diagnostic != 0, form += st[i].form != 0, rhythm += st[i].rhythm != 0;
        if (json) {
            printf("{\"file\": ");
            jstr(path);
            printf(", \"type\": \"scp_statements\", \"rows\": %zu, \"diagnostic\": %d, \"form\": %d, \"rhythm\": %d}\n",
                   n, diag, form, rhythm);
        } else {
            printf("%s: PTB-XL SCP statement table (scp_statements.csv)\n", path);
            printf("  rows          %zu statements: %d diagnostic, %d form, %d rhythm\n", n, diag, form, rhythm);
        }
        free(st);
        return 1;
    }
    return 0;
}

static int inspect_csv(const char *path, int json)
{
    int rc = 0;
    if (inspect_label_table(path, json, &rc)) return rc;
    tgdp_error err;
    tgdp_tensor t;
    tgdp_csv_header hdr;
    memset(&hdr, 0, sizeof hdr);
    if (tgdp_csv_read(path, NULL, &t, &hdr, &err)) return fail(path, &err);
    int64_t rows = t.shape[0], cols = t.ndim > 1 ? t.shape[1] : 1;
    stats *st = calloc((size_t)cols, sizeof *st);
    if (!st) {
        tgdp_tensor_free(&t);
        tgdp_csv_header_free(&hdr);
        return fail_msg(path, "out of memory");
    }
    for (int64_t c = 0; c < cols; c++) stats_init(&st[c]);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) stats_add(&st[c], t.data[(size_t)r * (size_t)cols + (size_t)c]);
    /* twelve columns: a PTB-XL style ECG record? */
    findings f;
    f.n = 0;
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int loaded = 0, try_ecg = cols == TGDP_ECG_NLEADS && hdr.n == 0;
    char load_msg[512] = "";
    if (try_ecg) {
        if (tgdp_ptbxl_load_csv(path, 0, &r, &err) == 0) loaded = 1;
        else snprintf(load_msg, sizeof load_msg, "%s", err.msg);
    }
    if (json) {
        printf("{\"file\": ");
        jstr(path);
        printf(", \"type\": \"csv\", \"rows\": %lld, \"columns\": %lld, \"header\": ", (long long)rows, (long long)cols);
        if (hdr.n) {
            printf("[");
            for (int i = 0; i < hdr.n; i++) {
                if (i) printf(", ");
                jstr(hdr.names[i]);
            }
            printf("]");
        } else {
            printf("null");
        }
        printf(",\n \"column_stats\": [");
        for (int64_t c = 0; c < cols; c++) {
            printf("%s{\"min\": ", c ? ", " : "");
            jnum(st[c].n ? st[c].min : NAN);
            printf(", \"max\": ");
            jnum(st[c].n ? st[c].max : NAN);
            printf(", \"mean\": ");
            jnum(stats_mean(&st[c]));
            printf(", \"nonfinite\": %zu}", st[c].nonfinite);
        }
        printf("]");
    } else {
        printf("%s: numeric CSV table\n", path);
        printf("  rows          %lld%s\n", (long long)rows, hdr.n ? " (after the header row)" : "");
        printf("  columns       %lld\n", (long long)cols);
        printf("  header        %s\n", hdr.n ? "yes" : "none");
        printf("  %-4s %-16s %12s %12s %12s %9s\n", "col", "name", "min", "max", "mean", "nonfinite");
        int64_t show = cols > 40 ? 40 : cols;
        for (int64_t c = 0; c < show; c++)
            printf("  %-4lld %-16s %12.6g %12.6g %12.6g %9zu\n", (long long)c, c < hdr.n ? hdr.names[c] : "-",
                   st[c].n ? st[c].min : NAN, st[c].n ? st[c].max : NAN, stats_mean(&st[c]), st[c].nonfinite);
        if (show < cols) printf("  ... %lld more columns (--json lists all)\n", (long long)(cols - show));
    }
    print_ecg_block(path, json, loaded, &r, try_ecg && !loaded ? load_msg : NULL,
                    "as a PTB-XL ECG record (12 leads I..V6, mV; rate from the file name):", &f);
    tgdp_ecg_record_free(&r);
    free(st);
    tgdp_tensor_free(&t);
    tgdp_csv_header_free(&hdr);
    return 0;
}

/* ------------------------------------------------------------------ safetensors */
static int inspect_safetensors(const char *path, int json)
{
    tgdp_error err;
    tgdp_st_file f;
    if (tgdp_safetensors_read(path, &f, &err)) return fail(path, &err);
    size_t total = 0;
    for (size_t i = 0; i < f.n_tensors; i++) total += f.tensors[i].nbytes;
    if (json) {
        printf("{\"file\": ");
        jstr(path);
        printf(", \"type\": \"safetensors\", \"data_bytes\": %zu,\n \"tensors\": [", f.data_size);
        for (size_t i = 0; i < f.n_tensors; i++) {
            const tgdp_st_tensor *t = &f.tensors[i];
            printf("%s\n  {\"name\": ", i ? "," : "");
            jstr(t->name);
            printf(", \"dtype\": \"%s\", \"shape\": ", tgdp_dtype_name(t->dtype));
            jshape(t->ndim, t->shape);
            printf(", \"offset\": %zu, \"bytes\": %zu}", t->offset, t->nbytes);
        }
        printf("],\n \"metadata\": {");
        for (size_t i = 0; i < f.n_meta; i++) {
            if (i) printf(", ");
            jstr(f.meta_keys[i]);
            printf(": ");
            jstr(f.meta_values[i]);
        }
        printf("}}\n");
    } else {
        printf("%s: safetensors\n", path);
        printf("  tensors       %zu (%zu bytes of data)\n", f.n_tensors, total);
        printf("  %-32s %-8s %-18s %10s %10s\n", "name", "dtype", "shape", "bytes", "offset");
        for (size_t i = 0; i < f.n_tensors; i++) {
            const tgdp_st_tensor *t = &f.tensors[i];
            char shape[160];
            shape_text(shape, sizeof shape, t->ndim, t->shape, " x ");
            printf("  %-32s %-8s %-18s %10zu %10zu\n", t->name, tgdp_dtype_name(t->dtype), shape, t->nbytes, t->offset);
        }
        printf("metadata:%s\n", f.n_meta ? "" : " none");
        for (size_t i = 0; i < f.n_meta; i++) printf("  %s = %s\n", f.meta_keys[i], f.meta_values[i]);
    }
    tgdp_st_file_free(&f);
    return 0;
}

/* ------------------------------------------------------------------ dispatch */
typedef enum { K_UNKNOWN, K_NPY, K_MAT5, K_MAT4, K_SAFETENSORS } sniffed;

static sniffed sniff(const unsigned char *b, size_t n)
{
    if (n >= 6 && memcmp(b, "\x93NUMPY", 6) == 0) return K_NPY;
    if (n >= 10 && memcmp(b, "MATLAB 5.0", 10) == 0) return K_MAT5;
    if (n >= 9 && b[8] == '{') {
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | b[i];
        if (hl >= 2 && hl <= (uint64_t)n - 8) return K_SAFETENSORS;
    }
    tgdp_mat4_header h;
    if (tgdp_mat4_parse_header(b, n, "", &h, NULL) == 0) return K_MAT4;
    return K_UNKNOWN;
}

static int inspect_file(const char *path, int json)
{
    struct stat sb;
    char hea[1100];
    const char *ext = ext_of(path);
    if (stat(path, &sb) != 0) {
        /* a record name without extension: "data/1" -> "data/1.hea" */
        if (!*ext && header_of(path, hea, sizeof hea)) return inspect_wfdb(path, hea, json);
        return fail_msg(path, "no such file");
    }
    if (S_ISDIR(sb.st_mode)) return fail_msg(path, "is a folder (give a file or a WFDB record name)");
    if (!S_ISREG(sb.st_mode)) return fail_msg(path, "not a regular file");
    if (ieq(ext, "hea")) return inspect_wfdb(path, path, json);
    if ((ieq(ext, "dat") || ieq(ext, "mat")) && header_of(path, hea, sizeof hea)) return inspect_wfdb(path, hea, json);
    if (ieq(ext, "dat")) return fail_msg(path, "WFDB signal file without its .hea header");
    if (sb.st_size == 0) return fail_msg(path, "empty file");
    if (ieq(ext, "npy")) return inspect_npy(path, json);
    if (ieq(ext, "csv")) return inspect_csv(path, json);
    if (ieq(ext, "safetensors")) return inspect_safetensors(path, json);
    /* .mat and anything else: by contents */
    unsigned char *buf;
    size_t len;
    tgdp_error err;
    if (read_all(path, &buf, &len, &err)) return fail(path, &err);
    sniffed k = sniff(buf, len);
    int rc;
    if (ieq(ext, "mat") && k != K_MAT5 && k != K_MAT4) {
        tgdp_mat4_header h;
        if (tgdp_mat4_parse_header(buf, len, path, &h, &err)) rc = fail(path, &err);
        else rc = inspect_mat4(path, buf, len, json);
    } else {
        switch (k) {
        case K_NPY: rc = inspect_npy(path, json); break;
        case K_MAT5: rc = inspect_mat5(path, buf, len, json); break;
        case K_MAT4: rc = inspect_mat4(path, buf, len, json); break;
        case K_SAFETENSORS: rc = inspect_safetensors(path, json); break;
        default:
            rc = fail_msg(path, "unknown file type: expected a WFDB record (.hea), .mat, .npy, .csv or .safetensors, "
                                "and the contents match none of them");
        }
    }
    free(buf);
    return rc;
}

int cmd_inspect(int argc, char **argv)
{
    const char *cmd = "inspect";
    int json = 0;
    cli_opt opts[] = {
        {"json", OPT_FLAG, &json, NULL, "print one JSON object instead of text", 0, -1},
    };
    const char *summary =
        "Print what a file holds: tgdp inspect FILE [--json]\n\n"
        "  WFDB record (.hea, a record name without extension, or a .dat/.mat with its .hea): rate, length,\n"
        "      signals (lead, format, samples per frame, byte offset, gain, baseline, units, ADC), the #\n"
        "      comments, and a data check (all samples read: min/max per lead, sanity findings)\n"
        "  .mat: MATLAB v5 variables and struct fields (class, dimensions), or MATLAB v4 matrices; a CPSC\n"
        "      2018 record or a 12-row v4 matrix is also checked as an ECG\n"
        "  .npy: version, dtype, shape, min/max/mean and non-finite count\n"
        "  .csv: rows, columns, header, per-column min/max (ECG label tables: rows and label counts)\n"
        "  .safetensors: tensors (name, dtype, shape, bytes) and metadata\n"
        "Other names are recognised by their first bytes. A file that cannot be read gives one line on\n"
        "stderr and exit status 1.";
    /* the one positional argument; the rest are options */
    const char *file = NULL;
    char **rest = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *rest);
    if (!rest) return cli_errorf(cmd, "out of memory");
    int nrest = 0;
    rest[nrest++] = argv[0];
    int extra = 0;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "-", 1) == 0 && argv[i][1] != '\0') rest[nrest++] = argv[i];
        else if (!file) file = argv[i];
        else extra = 1;
    }
    int pr = cli_parse(cmd, summary, opts, NOPT(opts), nrest, rest);
    free(rest);
    if (pr) return pr > 0 ? 0 : 2;
    if (extra) return cli_errorf(cmd, "give one file (see --help)"), 2;
    if (!file) return cli_errorf(cmd, "give a file to inspect (see --help)"), 2;
    fflush(stdout);
    return inspect_file(file, json);
}

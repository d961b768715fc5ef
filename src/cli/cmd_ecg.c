/* tgdp ecg prepare: database folders -> windowed .npy arrays with labels and record ids, split
 * into a source and a target domain. The library builds the domains (tgdp_ecg_domains_build,
 * tgdp/ecg_domains.h) and writes their files (tgdp_ecg_set_write); this file parses the options,
 * prints progress and skipped records, and writes the prepare.json summary. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "tgdp/ecg.h"
#include "tgdp/ecg_domains.h"
#include "tgdp/io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NOPT(o) (int)(sizeof o / sizeof *o)
static const char *const CMD = "ecg prepare";

typedef struct prep_args {
    const char *data, *out, *source_dbs, *target_dbs;
    double rate, window_s;
    int window, stride, max_records, target_records, seed, raw, quiet, json;
} prep_args;

/* ---- progress (the library's callbacks) */
typedef struct prep_ui {
    int quiet;
    const tgdp_ecg_db_run *cur;
    char what[200];
    cli_progress pg; /* periodic lines for the big folders; the summary line per database for all */
} prep_ui;

static void ui_start(prep_ui *u, const tgdp_ecg_db_run *db)
{
    if (u->cur == db) return;
    u->cur = db;
    snprintf(u->what, sizeof u->what, "ecg prepare: %s %s", tgdp_ecg_domain_name(db->domain), db->name);
    cli_progress_init(&u->pg, u->what, u->quiet || db->total < 100);
}

static void on_record(void *ctx, const tgdp_ecg_db_run *db)
{
    prep_ui *u = ctx;
    ui_start(u, db);
    size_t done = db->used < db->total ? db->used : db->total;
    if (db->total > 0 && done < db->total) cli_progress_sample(&u->pg, (int)done, (int)db->total);
}

static void on_database(void *ctx, const tgdp_ecg_db_run *db)
{
    prep_ui *u = ctx;
    ui_start(u, db);
    if (db->total > 0) cli_progress_sample(&u->pg, (int)db->total, (int)db->total);
    if (u->quiet) return;
    fprintf(stderr, "ecg prepare: %s %s (%s", tgdp_ecg_domain_name(db->domain), db->name, db->folders.path[0]);
    for (int f = 1; f < db->folders.n; f++) fprintf(stderr, " + %s", db->folders.path[f]);
    fprintf(stderr, ", %s layout, %zu listed): %zu records used, %zu skipped, ", db->layout, db->listed, db->used,
            db->skipped);
    if (db->duplicates) fprintf(stderr, "%zu duplicates, ", db->duplicates);
    fprintf(stderr, "%lld windows, %.1f s\n", (long long)db->windows, db->seconds);
}

static void on_skip(void *ctx, const tgdp_ecg_skip *s)
{
    (void)ctx;
    fprintf(stderr, "tgdp %s: warning: skipped %s record %s: %s\n", CMD, s->database, s->id, s->reason);
}

/* ---- prepare.json */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p == '\n') fputs("\\n", f);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

static void json_label_counts(FILE *f, const tgdp_ecg_set *s)
{
    size_t rec[TGDP_ECG_NLABELS] = {0}, win[TGDP_ECG_NLABELS] = {0};
    for (size_t i = 0; i < s->n_records; i++)
        for (int k = 0; k < TGDP_ECG_NLABELS; k++)
            if (s->records[i].labels & (1u << k)) {
                rec[k]++;
                win[k] += (size_t)s->records[i].n_windows;
            }
    fprintf(f, "\"label_counts\": {\"records\": {");
    for (int k = 0; k < TGDP_ECG_NLABELS; k++) fprintf(f, "%s\"%s\": %zu", k ? ", " : "", tgdp_ecg_label_name(k), rec[k]);
    fprintf(f, "}, \"windows\": {");
    for (int k = 0; k < TGDP_ECG_NLABELS; k++) fprintf(f, "%s\"%s\": %zu", k ? ", " : "", tgdp_ecg_label_name(k), win[k]);
    fprintf(f, "}}");
}

static void json_database(FILE *f, const tgdp_ecg_db_run *b)
{
    fprintf(f, "{\"name\": ");
    json_str(f, b->name);
    fprintf(f, ", \"folder\": ");
    json_str(f, b->folders.path[0]);
    fprintf(f, ", \"folders\": [");
    for (int k = 0; k < b->folders.n; k++) {
        if (k) fputs(", ", f);
        json_str(f, b->folders.path[k]);
    }
    fprintf(f, "], \"layout\": ");
    json_str(f, b->layout);
    fprintf(f, ", \"listed\": %zu, \"listed_but_missing\": %zu, \"tried\": %zu, \"used\": %zu, \"skipped\": %zu, "
               "\"duplicates\": %zu, \"windows\": %lld, \"seconds\": %.2f}",
            b->listed, b->missing, b->tried, b->used, b->skipped, b->duplicates, (long long)b->windows, b->seconds);
}

static void json_domain(FILE *f, const tgdp_ecg_domains *D, int dom)
{
    const tgdp_ecg_set *s = &D->set[dom];
    const char *nm = tgdp_ecg_domain_name(dom);
    fprintf(f, "\n    \"%s\": {\n      \"records\": %zu,\n      \"windows\": %lld,\n", nm, s->n_records, (long long)s->n);
    fprintf(f, "      \"files\": [\"%s_x.npy\", \"%s_labels.npy\", \"%s_record.npy\", \"%s_records.csv\"],\n", nm, nm, nm,
            nm);
    fprintf(f, "      \"x_shape\": [%lld, %d, %lld],\n      \"databases\": [", (long long)s->n, TGDP_ECG_NLEADS,
            (long long)s->window);
    for (int i = 0, first = 1; i < D->n_db; i++)
        if (D->db[i].domain == dom) {
            fprintf(f, "%s\n        ", first ? "" : ",");
            json_database(f, &D->db[i]);
            first = 0;
        }
    fprintf(f, "],\n      ");
    json_label_counts(f, s);
    fprintf(f, "\n    }");
}

/* prepare.json; domains without databases are left out */
static int write_summary(const char *path, const prep_args *a, const tgdp_ecg_domains_opts *o, const tgdp_ecg_domains *D,
                         tgdp_error *err)
{
    tgdp_atomic_file af;
    int rc = tgdp_atomic_open(&af, path, err);
    if (rc) return rc;
    FILE *f = af.f;
    const tgdp_ecg_prepare_opts *p = &o->prep;
    fprintf(f, "{\n  \"command\": \"ecg prepare\",\n  \"data\": ");
    json_str(f, a->data);
    fprintf(f, ",\n  \"rate_hz\": %g,\n  \"window\": %lld,\n  \"stride\": %lld,\n  \"window_seconds\": %g,\n", p->fs,
            (long long)p->window, (long long)p->stride, (double)p->window / p->fs);
    fprintf(f, "  \"max_records_per_database\": %d,\n  \"target_records\": %d,\n  \"seed\": %d,\n  \"normalized\": %s,\n",
            a->max_records, a->target_records, a->seed, p->normalize ? "true" : "false");
    fprintf(f, "  \"normalization\": ");
    json_str(f, tgdp_ecg_prepare_normalization(p));
    fprintf(f, ",\n  \"resampling\": \"libsamplerate SRC_SINC_BEST_QUALITY (anti-aliased), odd-reflection padded edges\",\n");
    fprintf(f, "  \"leads\": [");
    for (int l = 0; l < TGDP_ECG_NLEADS; l++) fprintf(f, "%s\"%s\"", l ? ", " : "", tgdp_ecg_lead_name(l));
    fprintf(f, "],\n  \"labels\": [");
    for (int k = 0; k < TGDP_ECG_NLABELS; k++) fprintf(f, "%s\"%s\"", k ? ", " : "", tgdp_ecg_label_name(k));
    fprintf(f, "],\n  \"domains\": {");
    for (int d = 0, first = 1; d < 2; d++)
        if (D->has[d]) {
            if (!first) fputc(',', f);
            json_domain(f, D, d);
            first = 0;
        }
    fprintf(f, "\n  },\n  \"skipped\": [");
    for (size_t i = 0; i < D->n_skips; i++) {
        const tgdp_ecg_skip *s = &D->skips[i];
        fprintf(f, "%s\n    {\"domain\": \"%s\", \"database\": ", i ? "," : "", tgdp_ecg_domain_name(s->domain));
        json_str(f, s->database);
        fprintf(f, ", \"record\": ");
        json_str(f, s->id);
        fprintf(f, ", \"file\": ");
        json_str(f, s->file);
        fprintf(f, ", \"reason\": ");
        json_str(f, s->reason);
        fprintf(f, "}");
    }
    fprintf(f, "%s]\n}\n", D->n_skips ? "\n  " : "");
    return tgdp_atomic_commit(&af, err);
}

/* the domains built: their files, prepare.json and the closing lines */
static int finish(const prep_args *a, const tgdp_ecg_domains_opts *o, const tgdp_ecg_domains *D, double t0)
{
    tgdp_error err;
    for (int d = 0; d < 2; d++)
        if (D->has[d] && tgdp_ecg_set_write(&D->set[d], a->out, tgdp_ecg_domain_name(d), &err))
            return cli_error(CMD, &err);
    char path[4200];
    snprintf(path, sizeof path, "%s/prepare.json", a->out);
    if (write_summary(path, a, o, D, &err)) return cli_error(CMD, &err);
    if (a->json) {
        printf("{\"command\": \"ecg prepare\", \"out\": ");
        json_str(stdout, a->out);
        for (int d = 0; d < 2; d++)
            if (D->has[d])
                printf(", \"%s\": {\"records\": %zu, \"windows\": %lld}", tgdp_ecg_domain_name(d), D->set[d].n_records,
                       (long long)D->set[d].n);
        printf(", \"skipped\": %zu, \"seconds\": %.3f}\n", D->n_skips, tgdp_now_s() - t0);
    } else if (!a->quiet) {
        for (int d = 0; d < 2; d++)
            if (D->has[d])
                fprintf(stderr, "ecg prepare: %s: %zu records, %lld windows of 12 x %lld -> %s/%s_x.npy\n",
                        tgdp_ecg_domain_name(d), D->set[d].n_records, (long long)D->set[d].n,
                        (long long)D->set[d].window, a->out, tgdp_ecg_domain_name(d));
        fprintf(stderr, "ecg prepare: %zu records skipped; wrote %s (%.1f s)\n", D->n_skips, path, tgdp_now_s() - t0);
    }
    return 0;
}

static const char *const HELP =
    "Turn ECG database folders into windowed arrays, split into a source and a target domain.\n\n"
    "Database names: ludb, ptbxl (ptbxl-records100/ or a PTB-XL download with records100/, else the 100 Hz\n"
    "CSV records of ptbxl/), ptbxl-hr (ptbxl/hr500), georgia, ningbo (CinC 2021 folders), cpsc2018\n"
    "(cpsc2018/ with REFERENCE.csv + .mat, and the Challenge copies in cpsc2018-cinc2020/ or\n"
    "cinc2021/cpsc_2018/); any other name is a folder under --data (a WFDB folder, a RECORDS file, ...).\n"
    "Every record is loaded and checked (tgdp_ecg_load_entry), resampled to --rate, cut into windows of\n"
    "--window samples (or --window-s seconds) every --stride samples and normalised per window and lead:\n"
    "  y = clamp(x - mean(x), -5 mV, +5 mV) / 0.5 mV.\n"
    "Records that cannot be loaded, fail the sanity checks or are shorter than one window are skipped with\n"
    "a warning; a record in both domains stays in the target (the source skips it). Writes, for each\n"
    "domain D (source, target), to --out:\n"
    "  D_x.npy [N, 12, window] float32 (leads I, II, III, aVR, aVL, aVF, V1..V6)\n"
    "  D_labels.npy [N, 11] int64 multi-hot (NORM AF 1AVB LBBB RBBB PAC PVC STC STACH SBRAD LVH)\n"
    "  D_record.npy [N] int64, the window's row in D_records.csv (split by record, never by window)\n"
    "  D_records.csv index, database, record, labels, windows, ...\n"
    "and prepare.json (settings, counts per database and label, skipped records with the reason).";

static int prepare(int argc, char **argv)
{
    prep_args a;
    memset(&a, 0, sizeof a);
    cli_opt opts[] = {
        {"data", OPT_STRING, &a.data, NULL, "data folder holding the database folders (required)", 0, -1},
        {"source-dbs", OPT_STRING, &a.source_dbs, "ludb,ptbxl,georgia",
         "source domain: database names or folders relative to --data (\"\" or none: no source)", 0, -1},
        {"target-dbs", OPT_STRING, &a.target_dbs, "ningbo,cpsc2018",
         "target domain: database names or folders relative to --data (\"\" or none: no target)", 0, -1},
        {"out", OPT_STRING, &a.out, "ecg_data", "output folder (created)", 0, -1},
        {"rate", OPT_DOUBLE, &a.rate, "100", "common sampling rate, Hz (anti-aliased resampling)", 1, 20000},
        {"window", OPT_INT, &a.window, "250", "window length, samples at --rate", 2, 10000000},
        {"window-s", OPT_DOUBLE, &a.window_s, NULL,
         "window length in seconds (overrides --window; the stride follows unless --stride is given)", 0.01, 3600},
        {"stride", OPT_INT, &a.stride, NULL, "samples between window starts, at --rate (default: the window)", 1, 10000000},
        {"max-records", OPT_INT, &a.max_records, "0", "use at most N records of each database (0: all)", 0, 2147483647},
        {"target-records", OPT_INT, &a.target_records, "0",
         "at most N target records in all, a random choice by --seed (0: all; the paper: ~690, 10% of CPSC 2018)", 0,
         2147483647},
        {"seed", OPT_INT, &a.seed, "0", "seed of the --target-records choice", 0, 2147483647},
        {"raw", OPT_FLAG, &a.raw, NULL, "keep millivolts: no per-window normalisation", 0, -1},
        {"quiet", OPT_FLAG, &a.quiet, NULL, "no progress lines (skipped records are still reported)", 0, -1},
        {"json", OPT_FLAG, &a.json, NULL, "print a JSON summary on stdout", 0, -1},
    };
    int pr = cli_parse(CMD, HELP, opts, NOPT(opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if (!a.data) return cli_errorf(CMD, "--data DIR is required"), 2;
    struct stat st;
    if (stat(a.data, &st) || !S_ISDIR(st.st_mode)) return cli_errorf(CMD, "--data %s: no such folder", a.data), 1;
    tgdp_ecg_domains_opts o;
    tgdp_ecg_domains_opts_default(&o);
    o.prep.fs = a.rate;
    o.prep.window = a.window_s > 0 ? (int64_t)llround(a.window_s * a.rate) : a.window;
    if (o.prep.window < 2) return cli_errorf(CMD, "--window-s %g at %g Hz is shorter than 2 samples", a.window_s, a.rate), 2;
    o.prep.stride = a.stride > 0 ? a.stride : o.prep.window;
    o.prep.normalize = !a.raw;
    if (o.prep.stride > o.prep.window)
        fprintf(stderr, "tgdp %s: note: --stride %lld > window %lld leaves gaps between windows\n", CMD,
                (long long)o.prep.stride, (long long)o.prep.window);
    o.source_dbs = a.source_dbs;
    o.target_dbs = a.target_dbs;
    o.max_records = a.max_records;
    o.target_records = a.target_records;
    o.seed = (uint64_t)a.seed;
    prep_ui ui;
    memset(&ui, 0, sizeof ui);
    ui.quiet = a.quiet;
    o.on_record = on_record;
    o.on_database = on_database;
    o.on_skip = on_skip;
    o.ctx = &ui;
    tgdp_error err;
    double t0 = tgdp_now_s();
    tgdp_ecg_domains D;
    int rc = tgdp_ecg_domains_build(a.data, &o, &D, &err);
    if (rc) rc = cli_error(CMD, &err);
    if (!rc && tgdp_mkdir_p(a.out, &err)) rc = cli_error(CMD, &err);
    if (!rc) rc = finish(&a, &o, &D, t0);
    tgdp_ecg_domains_free(&D);
    return rc ? 1 : 0;
}

int cmd_ecg(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: tgdp ecg <subcommand> [options]\n\nsubcommands:\n"
                   "  prepare   turn ECG database folders into windowed .npy arrays (source and target domains)\n"
                   "  evaluate  generated windows against real target records held out by record (C2ST, Frechet,\n"
                   "            MMD^2, train-on-synthetic-test-on-real macro-AUROC), k folds x seeds\n"
                   "  plot      draw 12-lead windows (.npy) as a PNG, optionally beside real ones\n"
                   "  beats     R peaks (QRS) of one lead of a record or of an .npy window, and the rate\n"
                   "  download  fetch a database from PhysioNet (checked, resumable) into the layout prepare reads\n"
                   "\n'tgdp ecg <subcommand> --help' describes the options with their defaults.\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "prepare") == 0) return prepare(argc - 1, argv + 1);
    if (strcmp(argv[1], "evaluate") == 0) return cmd_ecg_evaluate(argc - 1, argv + 1);
    if (strcmp(argv[1], "plot") == 0) return cmd_ecg_plot(argc - 1, argv + 1);
    if (strcmp(argv[1], "beats") == 0) return cmd_ecg_beats(argc - 1, argv + 1);
    if (strcmp(argv[1], "download") == 0) return cmd_ecg_download(argc - 1, argv + 1);
    fprintf(stderr, "tgdp ecg: unknown subcommand '%s' (expected: prepare, evaluate, plot, beats, download)\n", argv[1]);
    return 2;
}

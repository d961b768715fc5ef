/* tgdp ecg prepare: database folders -> windowed .npy arrays with labels and record ids,
 * split into a source and a target domain. The work per record (load, sanity check,
 * resample, windows, normalisation) is the library's (tgdp/ecg_prepare.h); this file parses
 * the options, walks the folders, reports progress and skipped records, and writes the files. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "tgdp/ecg.h"
#include "tgdp/ecg_prepare.h"
#include "tgdp/io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NOPT(o) (int)(sizeof o / sizeof *o)
#define MAX_DBS 16
static const char *const CMD = "ecg prepare";

typedef struct db_run {
    char name[128];
    char folder[1100];
    char layout[32];
    size_t listed, missing, tried, used, skipped;
    int64_t windows;
    double seconds;
} db_run;

typedef struct skip {
    int domain;
    char database[128];
    char id[64];
    char file[1024];
    char reason[512];
} skip;

typedef struct domain {
    const char *name; /* "source", "target" */
    db_run dbs[MAX_DBS];
    int n_dbs;
    tgdp_ecg_set set;
} domain;

typedef struct skips {
    skip *v;
    size_t n, cap;
} skips;

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}


/* "ludb, ptbxl,georgia" -> names; 0 names for "" or "none". */
static int split_names(const char *list, const char *opt, db_run *dbs, int *n)
{
    *n = 0;
    if (!list) return 0;
    const char *s = list;
    while (*s) {
        while (*s == ' ' || *s == ',') s++;
        if (!*s) break;
        size_t len = strcspn(s, ",");
        while (len > 0 && s[len - 1] == ' ') len--;
        if (*n >= MAX_DBS) return cli_errorf(CMD, "%s: at most %d databases", opt, MAX_DBS), -1;
        if (len >= sizeof dbs[0].name) return cli_errorf(CMD, "%s: name too long", opt), -1;
        memset(&dbs[*n], 0, sizeof dbs[*n]);
        memcpy(dbs[*n].name, s, len);
        dbs[*n].name[len] = '\0';
        if (strcmp(dbs[*n].name, "none") != 0) (*n)++;
        s += len;
        while (*s && *s != ',') s++;
    }
    return 0;
}

static int add_skip(skips *s, int dom, const char *database, const char *id, const char *file, const char *reason)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 64;
        skip *v = realloc(s->v, nc * sizeof *v);
        if (!v) return -1;
        s->v = v;
        s->cap = nc;
    }
    skip *k = &s->v[s->n++];
    snprintf(k->database, sizeof k->database, "%s", database);
    snprintf(k->id, sizeof k->id, "%s", id);
    snprintf(k->file, sizeof k->file, "%s", file);
    snprintf(k->reason, sizeof k->reason, "%.*s", (int)sizeof k->reason - 1, reason);
    for (char *p = k->reason; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    k->domain = dom;
    return 0;
}

/* ---- writing */
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

static void flag_text(unsigned flags, char *buf, size_t cap)
{
    buf[0] = '\0';
    static const struct { unsigned bit; const char *name; } tab[] = {
        {TGDP_ECG_F_GAIN_IS_RANGE, "gain_is_range"}, {TGDP_ECG_F_FLAT_LEAD, "flat_lead"},
        {TGDP_ECG_F_LIMB_MISMATCH, "limb_mismatch"}, {TGDP_ECG_F_ASSUMED_FS, "assumed_fs"}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (flags & tab[i].bit) {
            if (buf[0]) strncat(buf, ";", cap - strlen(buf) - 1);
            strncat(buf, tab[i].name, cap - strlen(buf) - 1);
        }
}

static int write_records_csv(const char *path, const tgdp_ecg_set *s, tgdp_error *err)
{
    tgdp_atomic_file af;
    int rc = tgdp_atomic_open(&af, path, err);
    if (rc) return rc;
    fprintf(af.f, "index,database,record,labels,windows,first_window,fs_original,samples_original,age,sex,fold,flags,"
                  "source_labels\n");
    for (size_t i = 0; i < s->n_records; i++) {
        const tgdp_ecg_set_record *r = &s->records[i];
        char lab[160], flags[96];
        tgdp_ecg_labels_format(r->labels, lab, sizeof lab);
        for (char *p = lab; *p; p++)
            if (*p == ',') *p = ';';
        flag_text(r->flags, flags, sizeof flags);
        fprintf(af.f, "%zu,", i);
        tgdp_csv_write_field(af.f, r->database);
        fputc(',', af.f);
        tgdp_csv_write_field(af.f, r->id);
        fprintf(af.f, ",%s,%lld,%lld,%g,%lld,", lab, (long long)r->n_windows, (long long)r->first_window, r->fs_in,
                (long long)r->n_in);
        if (r->age >= 0) fprintf(af.f, "%d", r->age);
        fprintf(af.f, ",%c,%d,%s,", r->sex, r->fold, flags);
        tgdp_csv_write_field(af.f, r->source_labels);
        fputc('\n', af.f);
    }
    return tgdp_atomic_commit(&af, err);
}

static int write_domain(const char *out, const domain *d, tgdp_error *err)
{
    char path[4200];
    const tgdp_ecg_set *s = &d->set;
    int64_t shape[3] = {s->n, TGDP_ECG_NLEADS, s->window};
    snprintf(path, sizeof path, "%s/%s_x.npy", out, d->name);
    int rc = tgdp_npy_write_f32(path, s->x, 3, shape, err);
    int64_t *labels = NULL;
    if (!rc) rc = tgdp_ecg_set_labels(s, &labels, err);
    int64_t lshape[2] = {s->n, TGDP_ECG_NLABELS};
    snprintf(path, sizeof path, "%s/%s_labels.npy", out, d->name);
    if (!rc) rc = tgdp_npy_write_i64(path, labels, 2, lshape, err);
    free(labels);
    snprintf(path, sizeof path, "%s/%s_record.npy", out, d->name);
    if (!rc) rc = tgdp_npy_write_i64(path, s->record, 1, shape, err);
    snprintf(path, sizeof path, "%s/%s_records.csv", out, d->name);
    if (!rc) rc = write_records_csv(path, s, err);
    return rc;
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

typedef struct prep_args {
    const char *data, *out, *source_dbs, *target_dbs;
    double rate;
    int window, stride, max_records, raw, quiet, json;
} prep_args;

/* prepare.json; domains without databases are left out */
static int write_summary(const char *path, const prep_args *a, const tgdp_ecg_prepare_opts *o, const domain doms[2],
                         const skips *sk, tgdp_error *err)
{
    tgdp_atomic_file af;
    int rc = tgdp_atomic_open(&af, path, err);
    if (rc) return rc;
    FILE *f = af.f;
    fprintf(f, "{\n  \"command\": \"ecg prepare\",\n  \"data\": ");
    json_str(f, a->data);
    fprintf(f, ",\n  \"rate_hz\": %g,\n  \"window\": %d,\n  \"stride\": %d,\n  \"window_seconds\": %g,\n", o->fs,
            a->window, a->stride, (double)a->window / o->fs);
    fprintf(f, "  \"max_records_per_database\": %d,\n  \"normalized\": %s,\n  \"normalization\": ", a->max_records,
            o->normalize ? "true" : "false");
    json_str(f, tgdp_ecg_prepare_normalization(o));
    fprintf(f, ",\n  \"resampling\": \"libsamplerate SRC_SINC_BEST_QUALITY (anti-aliased), odd-reflection padded edges\",\n");
    fprintf(f, "  \"leads\": [");
    for (int l = 0; l < TGDP_ECG_NLEADS; l++) fprintf(f, "%s\"%s\"", l ? ", " : "", tgdp_ecg_lead_name(l));
    fprintf(f, "],\n  \"labels\": [");
    for (int k = 0; k < TGDP_ECG_NLABELS; k++) fprintf(f, "%s\"%s\"", k ? ", " : "", tgdp_ecg_label_name(k));
    fprintf(f, "],\n  \"domains\": {");
    for (int d = 0, first = 1; d < 2; d++) {
        const domain *D = &doms[d];
        if (!D->n_dbs) continue;
        fprintf(f, "%s\n    \"%s\": {\n      \"records\": %zu,\n      \"windows\": %lld,\n", first ? "" : ",", D->name,
                D->set.n_records, (long long)D->set.n);
        fprintf(f, "      \"files\": [\"%s_x.npy\", \"%s_labels.npy\", \"%s_record.npy\", \"%s_records.csv\"],\n",
                D->name, D->name, D->name, D->name);
        fprintf(f, "      \"x_shape\": [%lld, %d, %d],\n      \"databases\": [", (long long)D->set.n, TGDP_ECG_NLEADS,
                a->window);
        for (int i = 0; i < D->n_dbs; i++) {
            const db_run *b = &D->dbs[i];
            fprintf(f, "%s\n        {\"name\": ", i ? "," : "");
            json_str(f, b->name);
            fprintf(f, ", \"folder\": ");
            json_str(f, b->folder);
            fprintf(f, ", \"layout\": ");
            json_str(f, b->layout);
            fprintf(f, ", \"listed\": %zu, \"listed_but_missing\": %zu, \"tried\": %zu, \"used\": %zu, \"skipped\": %zu, "
                       "\"windows\": %lld, \"seconds\": %.2f}",
                    b->listed, b->missing, b->tried, b->used, b->skipped, (long long)b->windows, b->seconds);
        }
        fprintf(f, "],\n      ");
        json_label_counts(f, &D->set);
        fprintf(f, "\n    }");
        first = 0;
    }
    fprintf(f, "\n  },\n  \"skipped\": [");
    for (size_t i = 0; i < sk->n; i++) {
        const skip *s = &sk->v[i];
        fprintf(f, "%s\n    {\"domain\": \"%s\", \"database\": ", i ? "," : "", doms[s->domain].name);
        json_str(f, s->database);
        fprintf(f, ", \"record\": ");
        json_str(f, s->id);
        fprintf(f, ", \"file\": ");
        json_str(f, s->file);
        fprintf(f, ", \"reason\": ");
        json_str(f, s->reason);
        fprintf(f, "}");
    }
    fprintf(f, "%s]\n}\n", sk->n ? "\n  " : "");
    return tgdp_atomic_commit(&af, err);
}

/* ---- one database folder into a domain */
static int run_database(domain *D, int dom, const domain *other, db_run *b, const tgdp_ecg_prepare_opts *o,
                        const prep_args *a, skips *sk)
{
    tgdp_error err;
    tgdp_ecg_index idx;
    double t0 = cli_now();
    if (tgdp_ecg_list(b->folder, &idx, &err)) return cli_error(CMD, &err);
    snprintf(b->layout, sizeof b->layout, "%s", idx.layout);
    b->listed = idx.n;
    b->missing = idx.n_missing;
    char what[200];
    snprintf(what, sizeof what, "ecg prepare: %s %s", D->name, b->name);
    size_t total = a->max_records > 0 && (size_t)a->max_records < idx.n ? (size_t)a->max_records : idx.n;
    cli_progress pg; /* periodic lines for the big folders; the summary line below for all */
    cli_progress_init(&pg, what, a->quiet || total < 100);
    int rc = 0;
    int64_t before = D->set.n;
    for (size_t i = 0; i < idx.n && !rc && (a->max_records <= 0 || b->used < (size_t)a->max_records); i++) {
        const tgdp_ecg_entry *e = &idx.entries[i];
        b->tried++;
        const char *why = NULL;
        char msg[1600];
        if (other && e->database[0] && tgdp_ecg_set_find(&other->set, e->database, e->id) >= 0) {
            snprintf(msg, sizeof msg, "%s: record %s of %s is already in the %s domain", e->path, e->id, e->database,
                     other->name);
            why = msg;
        } else if (tgdp_ecg_set_add_entry(&D->set, e, o, &err)) {
            if (err.code == TGDP_ENOMEM) {
                rc = cli_error(CMD, &err);
                break;
            }
            snprintf(msg, sizeof msg, "%s", err.msg);
            why = msg;
        }
        if (why) {
            b->skipped++;
            fprintf(stderr, "tgdp %s: warning: skipped %s record %s: %s\n", CMD, b->name, e->id, why);
            if (add_skip(sk, dom, b->name, e->id, e->path, why)) rc = cli_errorf(CMD, "out of memory");
        } else {
            b->used++;
        }
        size_t done = b->used < total ? b->used : total;
        if (total > 0 && done < total) cli_progress_sample(&pg, (int)done, (int)total);
    }
    if (total > 0) cli_progress_sample(&pg, (int)total, (int)total);
    b->windows = D->set.n - before;
    b->seconds = cli_now() - t0;
    if (!rc && !a->quiet)
        fprintf(stderr, "ecg prepare: %s %s (%s, %s layout, %zu listed): %zu records used, %zu skipped, %lld windows, "
                        "%.1f s\n",
                D->name, b->name, b->folder, b->layout, idx.n, b->used, b->skipped, (long long)b->windows, b->seconds);
    tgdp_ecg_index_free(&idx);
    return rc;
}

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
        {"stride", OPT_INT, &a.stride, "250", "samples between window starts, at --rate", 1, 10000000},
        {"max-records", OPT_INT, &a.max_records, "0", "use at most N records of each database (0: all)", 0, 2147483647},
        {"raw", OPT_FLAG, &a.raw, NULL, "keep millivolts: no per-window normalisation", 0, -1},
        {"quiet", OPT_FLAG, &a.quiet, NULL, "no progress lines (skipped records are still reported)", 0, -1},
        {"json", OPT_FLAG, &a.json, NULL, "print a JSON summary on stdout", 0, -1},
    };
    int pr = cli_parse(
        CMD,
        "Turn ECG database folders into windowed arrays, split into a source and a target domain.\n\n"
        "Database names: ludb, ptbxl (100 Hz CSV records or the published records100/records500 download),\n"
        "ptbxl-hr (ptbxl/hr500), georgia, ningbo (CinC 2021 folders), cpsc2018 (REFERENCE.csv + .mat, also\n"
        "TrainingSet1..3); any other name is a folder under --data (a WFDB folder, a RECORDS file, ...).\n"
        "Every record is loaded and checked (tgdp_ecg_load_entry), resampled to --rate, cut into windows of\n"
        "--window samples every --stride samples and normalised per window and lead:\n"
        "  y = clamp(x - mean(x), -5 mV, +5 mV) / 0.5 mV.\n"
        "Records that cannot be loaded, fail the sanity checks, are shorter than one window, or are already in\n"
        "the other domain are skipped with a warning. Writes, for each domain D (source, target), to --out:\n"
        "  D_x.npy [N, 12, window] float32 (leads I, II, III, aVR, aVL, aVF, V1..V6)\n"
        "  D_labels.npy [N, 11] int64 multi-hot (NORM AF 1AVB LBBB RBBB PAC PVC STC STACH SBRAD LVH)\n"
        "  D_record.npy [N] int64, the window's row in D_records.csv (split by record, never by window)\n"
        "  D_records.csv index, database, record, labels, windows, ...\n"
        "and prepare.json (settings, counts per database and label, skipped records with the reason).",
        opts, NOPT(opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if (!a.data) return cli_errorf(CMD, "--data DIR is required"), 2;
    if (!is_dir(a.data)) return cli_errorf(CMD, "--data %s: no such folder", a.data), 1;
    if (a.stride > a.window)
        fprintf(stderr, "tgdp %s: note: --stride %d > --window %d leaves gaps between windows\n", CMD, a.stride, a.window);
    tgdp_ecg_prepare_opts o;
    tgdp_ecg_prepare_opts_default(&o);
    o.fs = a.rate;
    o.window = a.window;
    o.stride = a.stride;
    o.normalize = !a.raw;

    static domain doms[2];
    memset(doms, 0, sizeof doms);
    doms[0].name = "source";
    doms[1].name = "target";
    if (split_names(a.source_dbs, "--source-dbs", doms[0].dbs, &doms[0].n_dbs) ||
        split_names(a.target_dbs, "--target-dbs", doms[1].dbs, &doms[1].n_dbs))
        return 2;
    if (doms[0].n_dbs + doms[1].n_dbs == 0) return cli_errorf(CMD, "no databases: give --source-dbs or --target-dbs"), 2;
    /* resolve every folder first: a missing database is an error before any work */
    tgdp_error err;
    struct stat id[2][MAX_DBS];
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < doms[d].n_dbs; i++) {
            db_run *b = &doms[d].dbs[i];
            if (tgdp_ecg_find_database(a.data, b->name, b->folder, sizeof b->folder, &err)) return cli_error(CMD, &err);
            if (stat(b->folder, &id[d][i])) return cli_errorf(CMD, "%s: %s", b->folder, strerror(errno)), 1;
            for (int e = 0; e <= d; e++)
                for (int j = 0; j < (e == d ? i : doms[e].n_dbs); j++)
                    if (id[e][j].st_dev == id[d][i].st_dev && id[e][j].st_ino == id[d][i].st_ino)
                        return cli_errorf(CMD, "%s and %s are the same folder (%s)%s", doms[e].dbs[j].name, b->name,
                                          b->folder, e != d ? ": a database cannot be in both domains" : ""), 2;
        }
    {
        tgdp_error merr;
        if (tgdp_mkdir_p(a.out, &merr)) return cli_error(CMD, &merr);
    }

    skips sk = {NULL, 0, 0};
    int rc = 0;
    double t0 = cli_now();
    for (int d = 0; d < 2; d++) tgdp_ecg_set_init(&doms[d].set, a.window);
    for (int d = 0; d < 2 && !rc; d++)
        for (int i = 0; i < doms[d].n_dbs && !rc; i++)
            rc = run_database(&doms[d], d, d ? &doms[0] : NULL, &doms[d].dbs[i], &o, &a, &sk);
    for (int d = 0; d < 2 && !rc; d++)
        if (doms[d].n_dbs && doms[d].set.n == 0)
            rc = cli_errorf(CMD, "%s domain: no usable records (all %zu tried were skipped)", doms[d].name, sk.n);
    for (int d = 0; d < 2 && !rc; d++)
        if (doms[d].n_dbs && write_domain(a.out, &doms[d], &err)) rc = cli_error(CMD, &err);
    char path[4200];
    snprintf(path, sizeof path, "%s/prepare.json", a.out);
    if (!rc && write_summary(path, &a, &o, doms, &sk, &err)) rc = cli_error(CMD, &err);
    if (!rc && a.json) {
        printf("{\"command\": \"ecg prepare\", \"out\": ");
        json_str(stdout, a.out);
        for (int d = 0; d < 2; d++)
            if (doms[d].n_dbs)
                printf(", \"%s\": {\"records\": %zu, \"windows\": %lld}", doms[d].name, doms[d].set.n_records,
                       (long long)doms[d].set.n);
        printf(", \"skipped\": %zu, \"seconds\": %.3f}\n", sk.n, cli_now() - t0);
    } else if (!rc && !a.quiet) {
        for (int d = 0; d < 2; d++)
            if (doms[d].n_dbs)
                fprintf(stderr, "ecg prepare: %s: %zu records, %lld windows of 12 x %d -> %s/%s_x.npy\n", doms[d].name,
                        doms[d].set.n_records, (long long)doms[d].set.n, a.window, a.out, doms[d].name);
        fprintf(stderr, "ecg prepare: %zu records skipped; wrote %s (%.1f s)\n", sk.n, path, cli_now() - t0);
    }
    for (int d = 0; d < 2; d++) tgdp_ecg_set_free(&doms[d].set);
    free(sk.v);
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
                   "\n'tgdp ecg <subcommand> --help' describes the options with their defaults.\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "prepare") == 0) return prepare(argc - 1, argv + 1);
    if (strcmp(argv[1], "evaluate") == 0) return cmd_ecg_evaluate(argc - 1, argv + 1);
    if (strcmp(argv[1], "plot") == 0) return cmd_ecg_plot(argc - 1, argv + 1);
    if (strcmp(argv[1], "beats") == 0) return cmd_ecg_beats(argc - 1, argv + 1);
    fprintf(stderr, "tgdp ecg: unknown subcommand '%s' (expected: prepare, evaluate, plot, beats)\n", argv[1]);
    return 2;
}

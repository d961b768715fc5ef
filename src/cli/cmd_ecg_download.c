/* tgdp ecg download: the ECG databases from PhysioNet into the layout ecg prepare reads. The
 * library fetches and checks (tgdp/ecg_download.h); this file parses the options and reports. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "tgdp/ecg_download.h"
#include "tgdp/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CMD = "ecg download";

typedef struct dl_ui {
    int quiet;
    char what[160];
    cli_progress pg;
    size_t last_resumed;
} dl_ui;

static void on_file(void *ctx, const tgdp_ecg_download_state *s, const tgdp_error *e)
{
    dl_ui *u = ctx;
    if (s->done == 1) {
        snprintf(u->what, sizeof u->what, "ecg download: %s (%zu files)", s->src->name, s->files);
        cli_progress_init(&u->pg, u->what, u->quiet);
        u->last_resumed = 0;
    }
    if (e) fprintf(stderr, "tgdp %s: error: %s\n", CMD, e->msg);
    if (!u->quiet && (size_t)s->resumed > u->last_resumed)
        fprintf(stderr, "ecg download: %s: continued a partial file (HTTP Range)\n", s->path);
    u->last_resumed = (size_t)s->resumed;
    cli_progress_sample(&u->pg, (int)s->done, (int)s->files);
}

static void report(const tgdp_ecg_download_state *s, const char *to, int rc, int json, int quiet)
{
    const char *local = s->src ? s->src->local : "";
    if (json) {
        printf("{\"command\": \"ecg download\", \"db\": \"%s\", \"folder\": \"%s/%s\", \"ok\": %s, \"files\": %zu, "
               "\"downloaded\": %zu, \"present\": %zu, \"failed\": %zu, \"resumed\": %d, \"bytes\": %lld, \"seconds\": %.3f}\n",
               s->src ? s->src->name : "", to, local, rc ? "false" : "true", s->files, s->downloaded, s->present,
               s->failed, s->resumed, (long long)s->bytes, s->seconds);
    } else if (!quiet && s->src) {
        fprintf(stderr, "ecg download: %s: %zu of %zu files (%zu downloaded, %zu already there, %zu failed), %.1f MB in %.1f s"
                        " -> %s/%s\n", s->src->name, s->present + s->downloaded, s->files, s->downloaded, s->present,
                s->failed, (double)s->bytes / 1e6, s->seconds, to, local);
    }
}

static void list_sources(void)
{
    size_t n;
    const tgdp_ecg_source *v = tgdp_ecg_sources(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-9s %s\n          %s%s%s -> %s/\n", v[i].name, v[i].what, TGDP_PHYSIONET_URL, v[i].project, v[i].strip,
               v[i].local);
}

int cmd_ecg_download(int argc, char **argv)
{
    const char *dbs = NULL, *to = NULL, *base = NULL;
    int quiet = 0, json = 0, list = 0;
    tgdp_ecg_download_opts o;
    tgdp_ecg_download_opts_default(&o);
    cli_opt opts[] = {
        {"db", OPT_STRING, &dbs, NULL, "database(s), comma-separated: ptbxl, cpsc2018, ludb, georgia, ningbo", 0, -1},
        {"to", OPT_STRING, &to, NULL, "data folder to fill (created); then: tgdp ecg prepare --data DIR", 0, -1},
        {"base-url", OPT_STRING, &base, NULL,
         "PhysioNet file server (default $TGDP_PHYSIONET_URL, else " TGDP_PHYSIONET_URL "), e.g. a local mirror", 0, -1},
        {"retries", OPT_INT, &o.fetch.retries, "5", "attempts after the first one of a file", 0, 100},
        {"retry-wait", OPT_DOUBLE, &o.fetch.retry_wait_s, "2", "seconds before the first retry, doubled for each next",
         0, 300},
        {"connect-timeout", OPT_DOUBLE, &o.fetch.connect_timeout_s, "30", "seconds to connect", 0.1, 3600},
        {"stall-timeout", OPT_DOUBLE, &o.fetch.stall_timeout_s, "60", "give up an attempt after this many seconds without data",
         1, 3600},
        {"list", OPT_FLAG, &list, NULL, "list the databases, their sources and folders, and exit", 0, -1},
        {"quiet", OPT_FLAG, &quiet, NULL, "no progress lines (errors are still reported)", 0, -1},
        {"json", OPT_FLAG, &json, NULL, "a JSON line per database on stdout", 0, -1},
    };
    int pr = cli_parse(CMD,
                       "Download ECG databases from PhysioNet into --to, laid out as tgdp ecg prepare reads them\n"
                       "(ptbxl -> ptbxl-records100/, ludb -> ludb/, georgia, ningbo, cpsc2018 -> cinc2021/<db>/).\n"
                       "Every file is checked against the SHA-256 list PhysioNet publishes (SHA256SUMS.txt) and kept\n"
                       "only when it matches; files already there and verified are skipped; a partial file (.part)\n"
                       "is continued with an HTTP Range request; failed transfers are retried with backoff. Run the\n"
                       "same command again to resume after an interruption.",
                       opts, (int)(sizeof opts / sizeof *opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if (list) return list_sources(), 0;
    if (!dbs || !*dbs) return cli_errorf(CMD, "--db NAME is required (ptbxl, cpsc2018, ludb, georgia, ningbo)"), 2;
    if (!to || !*to) return cli_errorf(CMD, "--to DIR is required"), 2;
    char names[512];
    if (snprintf(names, sizeof names, "%s", dbs) >= (int)sizeof names) return cli_errorf(CMD, "--db: too long"), 2;
    for (char *save = NULL, *t = strtok_r(names, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        if (!tgdp_ecg_source_find(t)) return cli_errorf(CMD, "--db: unknown database '%s' (ptbxl, cpsc2018, ludb, georgia, ningbo)", t), 2;
    tgdp_error err;
    if (tgdp_mkdir_p(to, &err)) return cli_error(CMD, &err);
    o.base_url = base;
    dl_ui ui;
    memset(&ui, 0, sizeof ui);
    ui.quiet = quiet;
    o.on_file = on_file;
    o.ctx = &ui;
    int failed = 0;
    snprintf(names, sizeof names, "%s", dbs);
    for (char *save = NULL, *t = strtok_r(names, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        tgdp_ecg_download_state s;
        int rc = tgdp_ecg_download(t, to, &o, &s, &err);
        report(&s, to, rc, json, quiet);
        if (rc) {
            cli_error(CMD, &err);
            failed++;
            if (err.code == TGDP_EUNSUPPORTED) break;
        }
    }
    return failed ? 1 : 0;
}

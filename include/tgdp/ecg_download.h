/* The ECG databases from PhysioNet, laid out as `tgdp ecg prepare` reads them (tgdp ecg download).
 *
 * Each database is a set of files of a PhysioNet project version, chosen from the project's published
 * checksum list <base><project>/SHA256SUMS.txt (sha256sum format, paths relative to the project);
 * every file is fetched with tgdp_fetch (resume, retries, SHA-256 check) into <to>/<local>/<path
 * with the strip prefix removed>:
 *   ptbxl     ptb-xl/1.0.3/: records100/, ptbxl_database.csv, scp_statements.csv, RECORDS,
 *             LICENSE.txt                                -> ptbxl-records100/   (~21837 records)
 *   ludb      ludb/1.0.1/: everything                    -> ludb/               (200 records)
 *   georgia   challenge-2021/1.0.3/training/georgia/     -> cinc2021/georgia/   (~10344 records)
 *   ningbo    challenge-2021/1.0.3/training/ningbo/      -> cinc2021/ningbo/    (~34905 records)
 *   cpsc2018  challenge-2021/1.0.3/training/cpsc_2018/   -> cinc2021/cpsc_2018/ (6877 records)
 * The local folders are the ones tgdp_ecg_database_folders looks for first (tgdp/ecg_domains.h), so
 * `tgdp ecg prepare --data <to>` and `tgdp demo ecg --data <to>` find them by database name.
 *
 * The base URL is https://physionet.org/files/ unless given (opts.base_url) or set in the environment
 * variable TGDP_PHYSIONET_URL (a local mirror, as the tests use).
 *
 * All functions follow tgdp/core.h: int return code (TGDP_OK = 0), message in tgdp_error. */
#ifndef TGDP_ECG_DOWNLOAD_H
#define TGDP_ECG_DOWNLOAD_H

#include "tgdp/api.h"

#include <stddef.h>
#include <stdint.h>

#include "tgdp/core.h"
#include "tgdp/download.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

#define TGDP_PHYSIONET_URL "https://physionet.org/files/"

typedef struct tgdp_ecg_source {
    const char *name;        /* "ptbxl" */
    const char *what;        /* one line for people */
    const char *project;     /* "ptb-xl/1.0.3/", under the base URL */
    const char *strip;       /* taken off the front of every path ("training/georgia/"), "" for none */
    const char *local;       /* folder under --to ("ptbxl-records100") */
    const char *take[6];     /* paths to fetch: a folder prefix ending in '/' or a file; none: all */
} tgdp_ecg_source;

const tgdp_ecg_source *tgdp_ecg_sources(size_t *n);
const tgdp_ecg_source *tgdp_ecg_source_find(const char *name); /* case-insensitive; NULL: unknown */
/* 1 when the project path path (from SHA256SUMS.txt) belongs to the database. */
int tgdp_ecg_source_takes(const tgdp_ecg_source *s, const char *path);

typedef struct tgdp_ecg_download_state {
    const tgdp_ecg_source *src;
    size_t files;            /* files of the database */
    size_t done;             /* handled so far: present + downloaded + failed */
    size_t present, downloaded, failed;
    int64_t bytes;           /* received over the network */
    int resumed;             /* transfers that continued a partial file */
    const char *path;        /* the file just handled (local path) */
    double seconds;
} tgdp_ecg_download_state;

typedef struct tgdp_ecg_download_opts {
    const char *base_url;    /* NULL: $TGDP_PHYSIONET_URL, else TGDP_PHYSIONET_URL */
    tgdp_fetch_opts fetch;
    /* after every file (may be NULL); on a failed file, err holds why (NULL otherwise) */
    void (*on_file)(void *ctx, const tgdp_ecg_download_state *s, const tgdp_error *file_err);
    void *ctx;
} tgdp_ecg_download_opts;
void tgdp_ecg_download_opts_default(tgdp_ecg_download_opts *o);

/* Download the database name into the folder to (created). Files already there with the published
 * checksum are kept; partial files are continued. A checksum mismatch or an HTTP error of one file
 * is reported (on_file) and the others go on; a transport failure after the retries stops the run
 * (the server is gone: run again to resume). TGDP_OK only when every file is there and verified;
 * st (may be NULL) gets the counts either way. */
int tgdp_ecg_download(const char *name, const char *to, const tgdp_ecg_download_opts *o, tgdp_ecg_download_state *st,
                      tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

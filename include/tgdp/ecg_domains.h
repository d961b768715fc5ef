/* The source and target ECG domains: database names -> folders -> records -> windows, built by one
 * routine for `tgdp ecg prepare` and `tgdp demo ecg` (and any program that wants the same split).
 *
 * Database names. A name of a known database stands for its folders under the data folder, in
 * the layouts of the shared samples (../shared/data/ecg), of `tgdp ecg download` and of the
 * published downloads; each row below is one group of alternatives, the first existing folder of
 * each group is used, and a database is the union of its groups:
 *   ludb      ludb | lobachevsky-university-electrocardiography-database-1.0.1
 *   ptbxl     ptbxl-records100 | ptb-xl-a-large-publicly-available-electrocardiography-dataset-1.0.3
 *             (-1.0.2, -1.0.1) | ptbxl | ptb-xl        (the WFDB records100/ release first: records
 *             1-1999 in the shared data, where ptbxl/ holds CSV copies of records 1-100)
 *   ptbxl-hr  ptbxl/hr500 (the CinC 2021 copies at 500 Hz)
 *   georgia   cinc2021/georgia | training/georgia | georgia | WFDB_Ga
 *   ningbo    cinc2021/ningbo | training/ningbo | ningbo | WFDB_Ningbo
 *   cpsc2018  cpsc2018 | CPSC2018 | cpsc_2018 | ICBEB2018          (REFERENCE.csv + MATLAB v5)
 *         and cpsc2018-cinc2020 | cinc2021/cpsc_2018 | training/cpsc_2018 | cinc2020/cpsc_2018
 *             (the Challenge re-releases, WFDB + MATLAB v4)
 * Any other name is a folder: relative to the data folder, or absolute (write ./ptbxl for the
 * folder itself rather than the database).
 *
 * The split. Every database of a list belongs to that domain; one folder in both domains (or twice)
 * is an error. A record is identified by (database, id) ("ptbxl", "00001"): it is used once per
 * domain (its copies in other folders of the same database are counted as duplicates and not
 * loaded again), and never in both domains: a record listed in both stays in the TARGET, and the
 * source skips it with a warning. The target is the scarce domain whose held-out records judge
 * every method, so it keeps its records; the source, large by assumption, loses nothing that
 * matters, and its model can never have seen a record it is evaluated on. The target is built first.
 *
 * Per record: tgdp_ecg_set_add_entry (load, sanity check, resample, windows, normalisation; see
 * tgdp/ecg_prepare.h). Records that cannot be used are skipped with the reason (out of memory
 * stops everything). max_records caps the records used per database (failures are replaced by
 * the next listed record); target_records caps the target domain as a whole, with a seeded random
 * choice among the listed target records (the paper's target budget: 10% of CPSC 2018 is about
 * 690 records; records of the choice that fail are skipped, not replaced).
 *
 * All functions follow tgdp/core.h: int return code (TGDP_OK = 0), message in tgdp_error. */
#ifndef TGDP_ECG_DOMAINS_H
#define TGDP_ECG_DOMAINS_H

#include "tgdp/api.h"

#include <stddef.h>
#include <stdint.h>

#include "tgdp/core.h"
#include "tgdp/ecg_prepare.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

#define TGDP_ECG_MAX_DBS 16    /* databases per domain */
#define TGDP_ECG_MAX_FOLDERS 4 /* folders per database */
enum { TGDP_ECG_SOURCE = 0, TGDP_ECG_TARGET = 1 };
const char *tgdp_ecg_domain_name(int domain); /* "source", "target"; NULL otherwise */

typedef struct tgdp_ecg_folders {
    int n;
    char path[TGDP_ECG_MAX_FOLDERS][1024];
} tgdp_ecg_folders;

/* The folders of a database name under dir (rules above). TGDP_EIO naming the folders tried when
 * none exists. */
int tgdp_ecg_database_folders(const char *dir, const char *name, tgdp_ecg_folders *out, tgdp_error *err);

/* One database of a domain, and what became of its records. */
typedef struct tgdp_ecg_db_run {
    char name[128];
    int domain;
    tgdp_ecg_folders folders;
    char layout[64];   /* tgdp_ecg_list's layout of each folder, '+'-joined: "cpsc2018+wfdb" */
    size_t listed;     /* records listed in the folders */
    size_t missing;    /* label-file rows without a signal file */
    size_t total;      /* records it will try at most (after max_records / target_records) */
    size_t tried, used, skipped, duplicates;
    int64_t windows;
    double seconds;
} tgdp_ecg_db_run;

typedef struct tgdp_ecg_skip {
    int domain;
    char database[128]; /* the database name as given */
    char id[64];
    char file[1024];
    char reason[512];   /* one line */
} tgdp_ecg_skip;

typedef struct tgdp_ecg_domains_opts {
    const char *source_dbs, *target_dbs; /* comma-separated names; NULL, "" or "none": no such domain */
    int max_records;                     /* records used per database, 0: all */
    int target_records;                  /* records of the whole target domain, 0: all */
    uint64_t seed;                       /* of the target_records choice */
    tgdp_ecg_prepare_opts prep;
    /* progress (each may be NULL): after every record tried, after every database, per skip */
    void (*on_record)(void *ctx, const tgdp_ecg_db_run *db);
    void (*on_database)(void *ctx, const tgdp_ecg_db_run *db);
    void (*on_skip)(void *ctx, const tgdp_ecg_skip *s);
    void *ctx;
} tgdp_ecg_domains_opts;

/* Defaults: source ludb,ptbxl,georgia; target ningbo,cpsc2018; all records; tgdp_ecg_prepare_opts_default. */
void tgdp_ecg_domains_opts_default(tgdp_ecg_domains_opts *o);

typedef struct tgdp_ecg_domains {
    tgdp_ecg_set set[2];      /* [TGDP_ECG_SOURCE], [TGDP_ECG_TARGET] */
    int has[2];               /* the domain was given databases */
    tgdp_ecg_db_run db[2 * TGDP_ECG_MAX_DBS];
    int n_db;                 /* in the order given: the source's, then the target's */
    tgdp_ecg_skip *skips;
    size_t n_skips, cap_skips;
} tgdp_ecg_domains;

/* Build the domains from the databases under data_dir. Every name is resolved before any record is
 * read (an unknown database is an error before any work); a domain that was given databases but
 * ends without windows is an error. d is filled even on failure (free it with tgdp_ecg_domains_free). */
int tgdp_ecg_domains_build(const char *data_dir, const tgdp_ecg_domains_opts *o, tgdp_ecg_domains *d,
                           tgdp_error *err);
void tgdp_ecg_domains_free(tgdp_ecg_domains *d);

/* The four files of a domain set: dir/P_x.npy [N, 12, window] float32, P_labels.npy [N, 11] int64
 * multi-hot, P_record.npy [N] int64 (the window's row in P_records.csv) and P_records.csv (index,
 * database, record, labels, windows, first_window, fs_original, samples_original, age, sex, fold,
 * flags, source_labels), each written atomically. */
int tgdp_ecg_set_write(const tgdp_ecg_set *s, const char *dir, const char *prefix, tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

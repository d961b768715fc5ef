/* Database names -> folders under a data folder (the table of tgdp/ecg_domains.h). */
#include "tgdp/ecg_domains.h"

#include "data/ecg_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_ALT 8
typedef struct db_alias {
    const char *name;
    const char *groups[2][MAX_ALT]; /* each group: alternatives, NULL-terminated; groups[1] may be empty */
} db_alias;

static const db_alias aliases[] = {
    {"ludb", {{"ludb", "lobachevsky-university-electrocardiography-database-1.0.1", NULL}, {NULL}}},
    {"ptbxl",
     {{"ptbxl-records100", "ptb-xl-a-large-publicly-available-electrocardiography-dataset-1.0.3",
       "ptb-xl-a-large-publicly-available-electrocardiography-dataset-1.0.2",
       "ptb-xl-a-large-publicly-available-electrocardiography-dataset-1.0.1", "ptbxl", "ptb-xl", NULL},
      {NULL}}},
    {"ptbxl-hr", {{"ptbxl/hr500", NULL}, {NULL}}},
    {"georgia", {{"cinc2021/georgia", "training/georgia", "georgia", "WFDB_Ga", NULL}, {NULL}}},
    {"ningbo", {{"cinc2021/ningbo", "training/ningbo", "ningbo", "WFDB_Ningbo", NULL}, {NULL}}},
    {"cpsc2018",
     {{"cpsc2018", "CPSC2018", "cpsc_2018", "ICBEB2018", NULL},
      {"cpsc2018-cinc2020", "cinc2021/cpsc_2018", "training/cpsc_2018", "cinc2020/cpsc_2018", NULL}}},
};

const char *tgdp_ecg_domain_name(int domain)
{
    return domain == TGDP_ECG_SOURCE ? "source" : domain == TGDP_ECG_TARGET ? "target" : NULL;
}

static const db_alias *find_alias(const char *name)
{
    for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++)
        if (ecg_streq_ci(aliases[a].name, name)) return &aliases[a];
    return NULL;
}

/* The first existing folder of one group into out->path[out->n]; the names tried go to tried. */
static void resolve_group(const char *dir, const char *const *alt, tgdp_ecg_folders *out, char *tried, size_t cap)
{
    for (size_t k = 0; k < MAX_ALT && alt[k]; k++) {
        char *p = out->path[out->n];
        if (ecg_path_join(p, sizeof out->path[0], dir, alt[k]) && ecg_is_dir(p)) {
            out->n++;
            return;
        }
        if (tried[0]) ecg_strlcat(tried, ", ", cap);
        ecg_strlcat(tried, alt[k], cap);
    }
}

int tgdp_ecg_database_folders(const char *dir, const char *name, tgdp_ecg_folders *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    if (!name || !*name) return tgdp_fail(err, TGDP_EINVAL, "%s: empty database name", dir);
    char tried[1024] = "";
    const db_alias *a = find_alias(name);
    if (a) {
        for (int g = 0; g < 2 && a->groups[g][0]; g++) resolve_group(dir, a->groups[g], out, tried, sizeof tried);
        if (out->n) return TGDP_OK;
    } else {
        int fits = name[0] == '/' ? strlen(name) < sizeof out->path[0] : ecg_path_join(out->path[0], sizeof out->path[0], dir, name);
        if (fits && name[0] == '/') ecg_strlcpy(out->path[0], name, sizeof out->path[0]);
        if (fits && ecg_is_dir(out->path[0])) {
            out->n = 1;
            return TGDP_OK;
        }
        ecg_strlcpy(tried, name, sizeof tried);
    }
    memset(out, 0, sizeof *out);
    return tgdp_fail(err, TGDP_EIO, "%s: no folder for database '%s' (tried %s)", dir, name, tried);
}

int tgdp_ecg_find_database(const char *dir, const char *name, char *out, size_t cap, tgdp_error *err)
{
    tgdp_ecg_folders f;
    int rc = tgdp_ecg_database_folders(dir, name, &f, err);
    if (!rc && strlen(f.path[0]) >= cap) rc = tgdp_fail(err, TGDP_EINVAL, "%s: path too long", f.path[0]);
    if (rc) {
        if (cap) out[0] = '\0';
        return rc;
    }
    ecg_strlcpy(out, f.path[0], cap);
    return TGDP_OK;
}

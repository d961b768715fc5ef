/* Listing a database folder's records with their labels, for each published layout:
 *   LUDB      ludb.csv + data/<n>.hea
 *   PTB-XL    ptbxl_database*.csv + <id>_lr_100hz.csv, or records100/.../<id>_lr.hea
 *             (records500 when the 100 Hz files are absent)
 *   CPSC 2018 REFERENCE.csv + <id>.mat, also inside TrainingSet1..3 (sub- or sibling folders)
 *   WFDB      RECORDS (lines ending in '/' name sub-folders) or *.hea in the folder, else in
 *             sub-folders (up to 3 levels); labels,
 *             age and sex from the header comments (CinC "#Dx:", LUDB diagnoses). */
#include "data/ecg_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 3

static int push(tgdp_ecg_index *idx, size_t *cap, tgdp_ecg_entry **slot, tgdp_error *err)
{
    if (idx->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64, bytes;
        if (!tgdp_mul_size(nc, sizeof *idx->entries, &bytes))
            return tgdp_fail(err, TGDP_ENOMEM, "ecg list: too many records");
        tgdp_ecg_entry *e = realloc(idx->entries, bytes);
        if (!e) return tgdp_fail(err, TGDP_ENOMEM, "ecg list: out of memory");
        idx->entries = e;
        *cap = nc;
    }
    *slot = &idx->entries[idx->n++];
    memset(*slot, 0, sizeof **slot);
    (*slot)->age = -1;
    (*slot)->sex = 'U';
    return TGDP_OK;
}

/* out = dir/name when the file exists. */
static int exists_in(char *out, size_t cap, const char *dir, const char *name)
{
    return ecg_path_join(out, cap, dir, name) && ecg_is_file(out);
}

/* ---- names in a folder, natural order ("2" < "10") */
static int natural_cmp(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    while (*a && *b) {
        if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
            char *ea, *eb;
            unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
            if (x != y) return x < y ? -1 : 1;
            a = ea;
            b = eb;
            continue;
        }
        if (*a != *b) return (unsigned char)*a - (unsigned char)*b;
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

typedef struct names {
    char **v;
    size_t n;
} names;

static void names_free(names *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* Entries of dir whose name ends with suffix (files) or, with suffix NULL, sub-folders. */
static int list_names(const char *dir, const char *suffix, names *out, tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d) return tgdp_fail(err, TGDP_EIO, "%s: cannot open folder", dir);
    size_t cap = 0;
    int rc = TGDP_OK;
    struct dirent *de;
    while (rc == TGDP_OK && (de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        if (nm[0] == '.') continue;
        size_t L = strlen(nm), ls = suffix ? strlen(suffix) : 0;
        char path[1100];
        if (!ecg_path_join(path, sizeof path, dir, nm)) continue;
        if (suffix ? (L <= ls || strcmp(nm + L - ls, suffix) != 0 || !ecg_is_file(path)) : !ecg_is_dir(path)) continue;
        if (out->n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            char **v = realloc(out->v, nc * sizeof *v);
            if (!v) {
                rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", dir);
                break;
            }
            out->v = v;
            cap = nc;
        }
        out->v[out->n] = malloc(L + 1);
        if (!out->v[out->n]) rc = tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", dir);
        else memcpy(out->v[out->n++], nm, L + 1);
    }
    closedir(d);
    if (rc) names_free(out);
    else if (out->n) qsort(out->v, out->n, sizeof *out->v, natural_cmp);
    return rc;
}

/* ---- LUDB */
static int list_ludb(const char *dir, const char *csv, tgdp_ecg_index *idx, size_t *cap, tgdp_error *err)
{
    tgdp_ludb_row *rows;
    size_t n;
    int rc = tgdp_ludb_read_csv(csv, &rows, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        char name[64], sub[80], path[1100];
        snprintf(name, sizeof name, "%d.hea", rows[i].id);
        snprintf(sub, sizeof sub, "data/%s", name);
        if (!exists_in(path, sizeof path, dir, sub) && !exists_in(path, sizeof path, dir, name)) {
            idx->n_missing++;
            continue;
        }
        tgdp_ecg_entry *e;
        if ((rc = push(idx, cap, &e, err))) break;
        ecg_strlcpy(e->path, path, sizeof e->path);
        snprintf(e->id, sizeof e->id, "%d", rows[i].id);
        ecg_strlcpy(e->database, "ludb", sizeof e->database);
        e->labels = rows[i].labels;
        e->age = rows[i].age;
        e->sex = rows[i].sex;
        ecg_strlcpy(e->source_labels, rows[i].diagnoses, sizeof e->source_labels);
        for (char *p = e->source_labels; *p; p++)
            if (*p == '\n') *p = ';';
    }
    free(rows);
    return rc;
}

/* ---- PTB-XL */
static int ptbxl_path(const char *dir, const tgdp_ptbxl_row *row, char *path, size_t cap)
{
    char name[256];
    snprintf(name, sizeof name, "%05d_lr_100hz.csv", row->ecg_id);
    if (exists_in(path, cap, dir, name)) return 1;
    snprintf(name, sizeof name, "%.200s.hea", row->filename_lr);
    if (row->filename_lr[0] && exists_in(path, cap, dir, name)) return 1;
    snprintf(name, sizeof name, "%.200s.hea", row->filename_hr);
    return row->filename_hr[0] && exists_in(path, cap, dir, name);
}

static int list_ptbxl(const char *dir, const char *csv, tgdp_ecg_index *idx, size_t *cap, tgdp_error *err)
{
    tgdp_ptbxl_row *rows;
    size_t n;
    int rc = tgdp_ptbxl_read_database(csv, &rows, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        char path[1100];
        if (!ptbxl_path(dir, &rows[i], path, sizeof path)) {
            idx->n_missing++;
            continue;
        }
        tgdp_ecg_entry *e;
        if ((rc = push(idx, cap, &e, err))) break;
        ecg_strlcpy(e->path, path, sizeof e->path);
        snprintf(e->id, sizeof e->id, "%05d", rows[i].ecg_id);
        ecg_strlcpy(e->database, "ptbxl", sizeof e->database);
        e->labels = rows[i].labels;
        e->age = rows[i].age;
        e->sex = rows[i].sex;
        e->fold = rows[i].strat_fold;
        ecg_strlcpy(e->source_labels, rows[i].scp_codes, sizeof e->source_labels);
    }
    free(rows);
    return rc;
}

/* "ptbxl_database.csv" preferred, else the first ptbxl_database*.csv in name order. */
static int find_ptbxl_db(const char *dir, char *out, size_t cap)
{
    if (exists_in(out, cap, dir, "ptbxl_database.csv")) return 1;
    names nm;
    if (list_names(dir, ".csv", &nm, NULL)) return 0;
    int found = 0;
    for (size_t i = 0; i < nm.n && !found; i++)
        if (strncmp(nm.v[i], "ptbxl_database", 14) == 0) found = exists_in(out, cap, dir, nm.v[i]);
    names_free(&nm);
    return found;
}

/* ---- CPSC 2018 */
static int cpsc_path(const char *dir, const char *id, char *path, size_t cap)
{
    static const char *const sub[] = {"", "TrainingSet1/", "TrainingSet2/", "TrainingSet3/",
                                      "../TrainingSet1/", "../TrainingSet2/", "../TrainingSet3/"};
    for (size_t k = 0; k < sizeof sub / sizeof sub[0]; k++) {
        char name[128];
        snprintf(name, sizeof name, "%s%.60s.mat", sub[k], id);
        if (exists_in(path, cap, dir, name)) return 1;
    }
    return 0;
}

static int list_cpsc(const char *dir, const char *csv, tgdp_ecg_index *idx, size_t *cap, tgdp_error *err)
{
    tgdp_cpsc_ref *refs;
    size_t n;
    int rc = tgdp_cpsc_read_reference(csv, &refs, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        char path[1100];
        if (!cpsc_path(dir, refs[i].id, path, sizeof path)) {
            idx->n_missing++;
            continue;
        }
        tgdp_ecg_entry *e;
        if ((rc = push(idx, cap, &e, err))) break;
        ecg_strlcpy(e->path, path, sizeof e->path);
        ecg_strlcpy(e->id, refs[i].id, sizeof e->id);
        ecg_strlcpy(e->database, "cpsc2018", sizeof e->database);
        e->labels = refs[i].labels;
        for (int k = 0; k < refs[i].n_codes; k++) {
            char c[8];
            snprintf(c, sizeof c, "%d", refs[i].codes[k]);
            ecg_append_source(e->source_labels, sizeof e->source_labels, c, ",");
        }
    }
    free(refs);
    return rc;
}

/* ---- WFDB folders */
static int add_wfdb(const char *hea, tgdp_ecg_index *idx, size_t *cap, tgdp_error *err)
{
    tgdp_wfdb_header h;
    int rc = tgdp_wfdb_read_header(hea, &h, err);
    if (rc) return rc;
    tgdp_ecg_record meta;
    tgdp_ecg_record_init(&meta);
    ecg_strlcpy(meta.id, h.record_name, sizeof meta.id);
    tgdp_wfdb_comments_meta(&h, &meta);
    ecg_set_database_from_name(&meta, "wfdb");
    tgdp_wfdb_header_free(&h);
    tgdp_ecg_entry *e;
    if ((rc = push(idx, cap, &e, err))) return rc;
    ecg_strlcpy(e->path, hea, sizeof e->path);
    ecg_strlcpy(e->id, meta.id, sizeof e->id);
    ecg_strlcpy(e->database, meta.database, sizeof e->database);
    e->labels = meta.labels;
    e->age = meta.age;
    e->sex = meta.sex;
    ecg_strlcpy(e->source_labels, meta.source_labels, sizeof e->source_labels);
    return TGDP_OK;
}

static int list_wfdb(const char *dir, int depth, tgdp_ecg_index *idx, size_t *cap, tgdp_error *err);

/* RECORDS file: one record name per line, relative to dir; a line ending in '/' names a
 * sub-folder with its own RECORDS (PhysioNet's multi-level databases). */
static int list_records_file(const char *dir, const char *records, int depth, tgdp_ecg_index *idx, size_t *cap,
                             tgdp_error *err)
{
    unsigned char *buf;
    size_t len;
    int rc = ecg_read_file(records, &buf, &len, err);
    char *s = (char *)buf;
    while (!rc && s && *s) {
        char *e = strchr(s, '\n');
        if (e) *e = '\0';
        char *name = ecg_trim(s), file[1024], path[1100];
        size_t L = strlen(name);
        if (L > 1 && name[L - 1] == '/') {
            name[L - 1] = '\0';
            if (depth < MAX_DEPTH && ecg_path_join(path, sizeof path, dir, name) && ecg_is_dir(path))
                rc = list_wfdb(path, depth + 1, idx, cap, err);
            else idx->n_missing++;
        } else if (L && snprintf(file, sizeof file, "%s.hea", name) < (int)sizeof file) {
            if (exists_in(path, sizeof path, dir, file)) rc = add_wfdb(path, idx, cap, err);
            else idx->n_missing++;
        }
        s = e ? e + 1 : NULL;
    }
    free(buf);
    return rc;
}

static int list_wfdb(const char *dir, int depth, tgdp_ecg_index *idx, size_t *cap, tgdp_error *err)
{
    char path[1100];
    if (exists_in(path, sizeof path, dir, "RECORDS")) return list_records_file(dir, path, depth, idx, cap, err);
    names nm;
    int rc = list_names(dir, ".hea", &nm, err);
    for (size_t i = 0; !rc && i < nm.n; i++)
        rc = ecg_path_join(path, sizeof path, dir, nm.v[i]) ? add_wfdb(path, idx, cap, err)
                                                             : tgdp_fail(err, TGDP_EINVAL, "%s: path too long", dir);
    size_t found = nm.n;
    names_free(&nm);
    if (rc || found || depth >= MAX_DEPTH) return rc;
    rc = list_names(dir, NULL, &nm, err);
    for (size_t i = 0; !rc && i < nm.n; i++)
        if (ecg_path_join(path, sizeof path, dir, nm.v[i])) rc = list_wfdb(path, depth + 1, idx, cap, err);
    names_free(&nm);
    return rc;
}

int tgdp_ecg_list(const char *dir, tgdp_ecg_index *idx, tgdp_error *err)
{
    memset(idx, 0, sizeof *idx);
    if (!ecg_is_dir(dir)) return tgdp_fail(err, TGDP_EIO, "%s: not a folder", dir);
    char csv[1100];
    size_t cap = 0;
    int rc;
    if (exists_in(csv, sizeof csv, dir, "ludb.csv")) {
        ecg_strlcpy(idx->layout, "ludb", sizeof idx->layout);
        rc = list_ludb(dir, csv, idx, &cap, err);
    } else if (find_ptbxl_db(dir, csv, sizeof csv)) {
        ecg_strlcpy(idx->layout, "ptbxl", sizeof idx->layout);
        rc = list_ptbxl(dir, csv, idx, &cap, err);
    } else if (exists_in(csv, sizeof csv, dir, "REFERENCE.csv")) {
        ecg_strlcpy(idx->layout, "cpsc2018", sizeof idx->layout);
        rc = list_cpsc(dir, csv, idx, &cap, err);
    } else {
        ecg_strlcpy(idx->layout, "wfdb", sizeof idx->layout);
        rc = list_wfdb(dir, 0, idx, &cap, err);
    }
    if (!rc && idx->n == 0)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: no ECG records found (%s layout, %zu listed but missing)", dir,
                       idx->layout, idx->n_missing);
    if (rc) tgdp_ecg_index_free(idx);
    return rc;
}

void tgdp_ecg_index_free(tgdp_ecg_index *idx)
{
    free(idx->entries);
    memset(idx, 0, sizeof *idx);
}

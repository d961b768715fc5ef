/* The source and target ECG domains (tgdp/ecg_domains.h): names -> folders -> listed records ->
 * window sets, the target first, a record never in both domains. */
#include "tgdp/ecg_domains.h"

#include "data/ecg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void tgdp_ecg_domains_opts_default(tgdp_ecg_domains_opts *o)
{
    memset(o, 0, sizeof *o);
    o->source_dbs = "ludb,ptbxl,georgia";
    o->target_dbs = "ningbo,cpsc2018";
    tgdp_ecg_prepare_opts_default(&o->prep);
}

/* "ludb, ptbxl,georgia" -> runs of domain dom; "none" and empty names are skipped. */
static int parse_list(const char *list, int dom, tgdp_ecg_domains *d, tgdp_error *err)
{
    int count = 0;
    for (const char *s = list ? list : ""; *s;) {
        while (*s == ' ' || *s == ',') s++;
        size_t len = strcspn(s, ",");
        size_t keep = len;
        while (keep > 0 && s[keep - 1] == ' ') keep--;
        if (keep && !(keep == 4 && strncmp(s, "none", 4) == 0)) {
            if (count == TGDP_ECG_MAX_DBS)
                return tgdp_fail(err, TGDP_EINVAL, "%s domain: at most %d databases", tgdp_ecg_domain_name(dom),
                                 TGDP_ECG_MAX_DBS);
            tgdp_ecg_db_run *r = &d->db[d->n_db];
            if (keep >= sizeof r->name)
                return tgdp_fail(err, TGDP_EINVAL, "%s domain: database name too long", tgdp_ecg_domain_name(dom));
            memset(r, 0, sizeof *r);
            memcpy(r->name, s, keep);
            r->domain = dom;
            d->n_db++;
            count++;
        }
        s += len;
    }
    d->has[dom] = count > 0;
    return TGDP_OK;
}

/* Every name to its folders; one folder in two places is an error. */
static int resolve_all(const char *dir, tgdp_ecg_domains *d, tgdp_error *err)
{
    struct stat st[2 * TGDP_ECG_MAX_DBS][TGDP_ECG_MAX_FOLDERS];
    for (int i = 0; i < d->n_db; i++) {
        tgdp_ecg_db_run *r = &d->db[i];
        int rc = tgdp_ecg_database_folders(dir, r->name, &r->folders, err);
        if (rc) return rc;
        for (int f = 0; f < r->folders.n; f++) {
            if (stat(r->folders.path[f], &st[i][f]))
                return tgdp_fail(err, TGDP_EIO, "%s: cannot stat the folder", r->folders.path[f]);
            for (int j = 0; j <= i; j++)
                for (int g = 0; g < (j == i ? f : d->db[j].folders.n); g++)
                    if (st[j][g].st_dev == st[i][f].st_dev && st[j][g].st_ino == st[i][f].st_ino)
                        return tgdp_fail(err, TGDP_EINVAL, "%s and %s are the same folder (%s)%s", d->db[j].name,
                                         r->name, r->folders.path[f],
                                         d->db[j].domain != r->domain ? ": a database cannot be in both domains" : "");
        }
    }
    return TGDP_OK;
}

static int add_skip(tgdp_ecg_domains *d, const tgdp_ecg_domains_opts *o, const tgdp_ecg_db_run *r,
                    const tgdp_ecg_entry *e, const char *reason, tgdp_error *err)
{
    if (d->n_skips == d->cap_skips) {
        size_t nc = d->cap_skips ? 2 * d->cap_skips : 64;
        tgdp_ecg_skip *v = realloc(d->skips, nc * sizeof *v);
        if (!v) return tgdp_fail(err, TGDP_ENOMEM, "ecg domains: out of memory");
        d->skips = v;
        d->cap_skips = nc;
    }
    tgdp_ecg_skip *k = &d->skips[d->n_skips++];
    k->domain = r->domain;
    snprintf(k->database, sizeof k->database, "%s", r->name);
    snprintf(k->id, sizeof k->id, "%s", e->id);
    snprintf(k->file, sizeof k->file, "%s", e->path);
    snprintf(k->reason, sizeof k->reason, "%.*s", (int)sizeof k->reason - 1, reason);
    for (char *p = k->reason; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    if (o->on_skip) o->on_skip(o->ctx, k);
    return TGDP_OK;
}

/* The listed records of every database: lists[i][f] for folder f of database i. */
typedef struct listing {
    tgdp_ecg_index idx[2 * TGDP_ECG_MAX_DBS][TGDP_ECG_MAX_FOLDERS];
    unsigned char *chosen[2 * TGDP_ECG_MAX_DBS]; /* per entry over the folders in order; NULL: all */
} listing;

static void listing_free(listing *L)
{
    for (int i = 0; i < 2 * TGDP_ECG_MAX_DBS; i++) {
        for (int f = 0; f < TGDP_ECG_MAX_FOLDERS; f++) tgdp_ecg_index_free(&L->idx[i][f]);
        free(L->chosen[i]);
    }
}

static int list_all(tgdp_ecg_domains *d, listing *L, tgdp_error *err)
{
    for (int i = 0; i < d->n_db; i++) {
        tgdp_ecg_db_run *r = &d->db[i];
        for (int f = 0; f < r->folders.n; f++) {
            int rc = tgdp_ecg_list(r->folders.path[f], &L->idx[i][f], err);
            if (rc) return rc;
            r->listed += L->idx[i][f].n;
            r->missing += L->idx[i][f].n_missing;
            if (f) ecg_strlcat(r->layout, "+", sizeof r->layout);
            ecg_strlcat(r->layout, L->idx[i][f].layout, sizeof r->layout);
        }
    }
    return TGDP_OK;
}

/* target_records: a seeded random choice of that many of the listed target records */
static int choose_target(tgdp_ecg_domains *d, const tgdp_ecg_domains_opts *o, listing *L, tgdp_error *err)
{
    size_t n = 0;
    for (int i = 0; i < d->n_db; i++)
        if (d->db[i].domain == TGDP_ECG_TARGET) n += d->db[i].listed;
    if (o->target_records <= 0 || (size_t)o->target_records >= n) return TGDP_OK;
    int64_t *perm = malloc(n * sizeof *perm);
    int rc = perm ? TGDP_OK : tgdp_fail(err, TGDP_ENOMEM, "ecg domains: out of memory");
    for (int i = 0; !rc && i < d->n_db; i++)
        if (d->db[i].domain == TGDP_ECG_TARGET && !(L->chosen[i] = calloc(d->db[i].listed + 1, 1)))
            rc = tgdp_fail(err, TGDP_ENOMEM, "ecg domains: out of memory");
    if (!rc) {
        tgdp_rng rng = tgdp_rng_new(o->seed ^ 0x7461726765747265ULL); /* "targetre" */
        tgdp_rng_permutation(&rng, perm, n);
        for (size_t k = 0; k < (size_t)o->target_records; k++) {
            size_t p = (size_t)perm[k];
            for (int i = 0; i < d->n_db; i++) {
                if (d->db[i].domain != TGDP_ECG_TARGET) continue;
                if (p < d->db[i].listed) {
                    L->chosen[i][p] = 1;
                    break;
                }
                p -= d->db[i].listed;
            }
        }
    }
    free(perm);
    return rc;
}

/* One listed record into its domain: used, a duplicate, skipped (with the reason) or a fatal error. */
static int take_entry(tgdp_ecg_domains *d, const tgdp_ecg_domains_opts *o, tgdp_ecg_db_run *r, const tgdp_ecg_entry *e,
                      tgdp_error *err)
{
    tgdp_ecg_set *own = &d->set[r->domain], *target = &d->set[TGDP_ECG_TARGET];
    if (e->database[0] && tgdp_ecg_set_find(own, e->database, e->id) >= 0) {
        r->duplicates++;
        return TGDP_OK;
    }
    r->tried++;
    char msg[1600];
    tgdp_error e2;
    if (r->domain == TGDP_ECG_SOURCE && e->database[0] && tgdp_ecg_set_find(target, e->database, e->id) >= 0) {
        snprintf(msg, sizeof msg, "%s: record %s of %s is in the target domain too (never in both: the target keeps it)",
                 e->path, e->id, e->database);
    } else if (tgdp_ecg_set_add_entry(own, e, &o->prep, &e2)) {
        if (e2.code == TGDP_ENOMEM) return tgdp_fail(err, TGDP_ENOMEM, "%s", e2.msg);
        snprintf(msg, sizeof msg, "%s", e2.msg);
    } else {
        r->used++;
        return TGDP_OK;
    }
    r->skipped++;
    return add_skip(d, o, r, e, msg, err);
}

static int run_database(tgdp_ecg_domains *d, const tgdp_ecg_domains_opts *o, int i, const listing *L, tgdp_error *err)
{
    tgdp_ecg_db_run *r = &d->db[i];
    const double t0 = tgdp_now_s();
    const int64_t before = d->set[r->domain].n;
    size_t chosen = 0;
    for (size_t k = 0; k < r->listed; k++) chosen += !L->chosen[i] || L->chosen[i][k];
    r->total = o->max_records > 0 && (size_t)o->max_records < chosen ? (size_t)o->max_records : chosen;
    int rc = TGDP_OK;
    size_t k = 0;
    for (int f = 0; f < r->folders.n && !rc; f++)
        for (size_t j = 0; j < L->idx[i][f].n && !rc; j++, k++) {
            if (o->max_records > 0 && r->used >= (size_t)o->max_records) break;
            if (L->chosen[i] && !L->chosen[i][k]) continue;
            rc = take_entry(d, o, r, &L->idx[i][f].entries[j], err);
            if (!rc && o->on_record) o->on_record(o->ctx, r);
        }
    r->windows = d->set[r->domain].n - before;
    r->seconds = tgdp_now_s() - t0;
    if (!rc && o->on_database) o->on_database(o->ctx, r);
    return rc;
}

int tgdp_ecg_domains_build(const char *data_dir, const tgdp_ecg_domains_opts *o, tgdp_ecg_domains *d,
                           tgdp_error *err)
{
    memset(d, 0, sizeof *d);
    for (int k = 0; k < 2; k++) tgdp_ecg_set_init(&d->set[k], o->prep.window);
    if (!ecg_is_dir(data_dir)) return tgdp_fail(err, TGDP_EIO, "%s: no such folder", data_dir);
    int rc = parse_list(o->source_dbs, TGDP_ECG_SOURCE, d, err);
    if (!rc) rc = parse_list(o->target_dbs, TGDP_ECG_TARGET, d, err);
    if (!rc && d->n_db == 0) rc = tgdp_fail(err, TGDP_EINVAL, "no databases: give a source or a target domain");
    if (!rc) rc = resolve_all(data_dir, d, err);
    listing *L = rc ? NULL : calloc(1, sizeof *L);
    if (!rc && !L) rc = tgdp_fail(err, TGDP_ENOMEM, "ecg domains: out of memory");
    if (!rc) rc = list_all(d, L, err);
    if (!rc) rc = choose_target(d, o, L, err);
    for (int dom = TGDP_ECG_TARGET; dom >= TGDP_ECG_SOURCE && !rc; dom--) /* the target first */
        for (int i = 0; i < d->n_db && !rc; i++)
            if (d->db[i].domain == dom) rc = run_database(d, o, i, L, err);
    for (int dom = 0; dom < 2 && !rc; dom++)
        if (d->has[dom] && d->set[dom].n == 0)
            rc = tgdp_fail(err, TGDP_EINVAL, "%s domain: no usable records (%zu skipped)", tgdp_ecg_domain_name(dom),
                           d->n_skips);
    if (L) listing_free(L);
    free(L);
    return rc;
}

void tgdp_ecg_domains_free(tgdp_ecg_domains *d)
{
    for (int k = 0; k < 2; k++) tgdp_ecg_set_free(&d->set[k]);
    free(d->skips);
    memset(d, 0, sizeof *d);
}

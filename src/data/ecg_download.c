/* The ECG databases from PhysioNet (tgdp/ecg_download.h): the published checksum list, the files of
 * one database, each fetched and verified into the layout ecg prepare reads. */
#include "tgdp/ecg_download.h"

#include "data/ecg_internal.h"
#include "tgdp/io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const tgdp_ecg_source sources[] = {
    {"ptbxl", "PTB-XL 1.0.3: the 100 Hz records (records100/) and the tables", "ptb-xl/1.0.3/", "",
     "ptbxl-records100", {"records100/", "ptbxl_database.csv", "scp_statements.csv", "RECORDS", "LICENSE.txt", NULL}},
    {"ludb", "Lobachevsky University ECG database 1.0.1 (records, annotations, ludb.csv)", "ludb/1.0.1/", "", "ludb",
     {NULL}},
    {"georgia", "Georgia 12-lead ECG database, PhysioNet/CinC Challenge 2021 training set", "challenge-2021/1.0.3/",
     "training/georgia/", "cinc2021/georgia", {"training/georgia/", NULL}},
    {"ningbo", "Ningbo First Hospital database, PhysioNet/CinC Challenge 2021 training set", "challenge-2021/1.0.3/",
     "training/ningbo/", "cinc2021/ningbo", {"training/ningbo/", NULL}},
    {"cpsc2018", "CPSC 2018 training set as re-released in the PhysioNet/CinC Challenge 2021", "challenge-2021/1.0.3/",
     "training/cpsc_2018/", "cinc2021/cpsc_2018", {"training/cpsc_2018/", NULL}},
};

const tgdp_ecg_source *tgdp_ecg_sources(size_t *n)
{
    *n = sizeof sources / sizeof sources[0];
    return sources;
}

const tgdp_ecg_source *tgdp_ecg_source_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof sources / sizeof sources[0]; i++)
        if (ecg_streq_ci(sources[i].name, name)) return &sources[i];
    return NULL;
}

int tgdp_ecg_source_takes(const tgdp_ecg_source *s, const char *path)
{
    if (strncmp(path, s->strip, strlen(s->strip)) != 0 || !path[strlen(s->strip)]) return 0;
    if (!s->take[0]) return 1;
    for (int i = 0; i < 6 && s->take[i]; i++) {
        size_t n = strlen(s->take[i]);
        if (s->take[i][n - 1] == '/' ? strncmp(path, s->take[i], n) == 0 : strcmp(path, s->take[i]) == 0) return 1;
    }
    return 0;
}

void tgdp_ecg_download_opts_default(tgdp_ecg_download_opts *o)
{
    memset(o, 0, sizeof *o);
    tgdp_fetch_opts_default(&o->fetch);
}

/* base (with a trailing '/') + project + path, percent-encoding what a URL path cannot hold */
static int make_url(char *out, size_t cap, const char *base, const char *project, const char *path)
{
    int k = snprintf(out, cap, "%s%s%s", base, base[0] && base[strlen(base) - 1] == '/' ? "" : "/", project);
    if (k < 0 || (size_t)k >= cap) return 0;
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                    strchr("-._~/", *p) != NULL;
        if ((size_t)k + 4 >= cap) return 0;
        if (plain) out[k++] = (char)*p;
        else out[k++] = '%', out[k++] = hex[*p >> 4], out[k++] = hex[*p & 15];
    }
    out[k] = '\0';
    return 1;
}

/* the published list, with the files of the database counted */
static int fetch_list(tgdp_fetcher *F, const char *base, const tgdp_ecg_source *src, tgdp_sha256_list *list,
                      size_t *files, tgdp_error *err)
{
    char url[2048];
    if (!make_url(url, sizeof url, base, src->project, "SHA256SUMS.txt"))
        return tgdp_fail(err, TGDP_EINVAL, "%s: base URL too long", base);
    char *text;
    size_t len;
    int rc = tgdp_fetch_text(F, url, (size_t)256 << 20, &text, &len, err);
    if (rc) return rc;
    rc = tgdp_sha256_list_parse(text, len, url, list, err);
    free(text);
    *files = 0;
    for (size_t i = 0; !rc && i < list->n; i++) *files += tgdp_ecg_source_takes(src, list->v[i].path);
    if (!rc && *files == 0) rc = tgdp_fail(err, TGDP_EFORMAT, "%s lists no file of %s", url, src->name);
    return rc;
}

/* one file of the list: where it goes, then tgdp_fetch */
static int fetch_one(tgdp_fetcher *F, const char *base, const char *to, const tgdp_ecg_source *src,
                     const tgdp_sha256_entry *e, char *local, size_t cap, tgdp_fetch_result *res, tgdp_error *err)
{
    memset(res, 0, sizeof *res);
    const char *rel = e->path + strlen(src->strip);
    snprintf(local, cap, "%s/%s/%s", to, src->local, rel);
    if (!tgdp_safe_relpath(e->path))
        return tgdp_fail(err, TGDP_EFORMAT, "'%s': not a safe relative path; not fetched", e->path);
    char url[4096], dir[4096];
    if (!make_url(url, sizeof url, base, src->project, e->path) || strlen(local) + 1 >= cap ||
        !ecg_dirname(local, dir, sizeof dir))
        return tgdp_fail(err, TGDP_EINVAL, "%s: path too long", e->path);
    int rc = tgdp_mkdir_p(dir, err);
    return rc ? rc : tgdp_fetch(F, url, local, e->hex, res, err);
}

int tgdp_ecg_download(const char *name, const char *to, const tgdp_ecg_download_opts *o, tgdp_ecg_download_state *st,
                      tgdp_error *err)
{
    tgdp_ecg_download_state s;
    memset(&s, 0, sizeof s);
    if (st) *st = s;
    s.src = tgdp_ecg_source_find(name);
    if (!s.src)
        return tgdp_fail(err, TGDP_EINVAL, "unknown database '%s' (ptbxl, cpsc2018, ludb, georgia, ningbo)", name);
    const char *base = o->base_url ? o->base_url : getenv("TGDP_PHYSIONET_URL");
    if (!base || !*base) base = TGDP_PHYSIONET_URL;
    const double t0 = tgdp_now_s();
    tgdp_fetcher *F;
    int rc = tgdp_fetcher_new(&F, &o->fetch, err);
    if (rc) return rc;
    tgdp_sha256_list list;
    memset(&list, 0, sizeof list);
    rc = fetch_list(F, base, s.src, &list, &s.files, err);
    tgdp_error first = {0, ""};
    for (size_t i = 0; !rc && i < list.n; i++) {
        if (!tgdp_ecg_source_takes(s.src, list.v[i].path)) continue;
        char local[4096];
        tgdp_fetch_result r;
        tgdp_error fe = {0, ""};
        int frc = fetch_one(F, base, to, s.src, &list.v[i], local, sizeof local, &r, &fe);
        s.done++;
        s.bytes += r.bytes;
        s.resumed += r.resumed;
        s.path = local;
        if (frc) s.failed++;
        else if (r.status == TGDP_FETCH_PRESENT) s.present++;
        else s.downloaded++;
        s.seconds = tgdp_now_s() - t0;
        if (frc && !first.code) first = fe;
        if (o->on_file) o->on_file(o->ctx, &s, frc ? &fe : NULL);
        if (frc && (r.exhausted || frc == TGDP_ENOMEM || frc == TGDP_EUNSUPPORTED))
            rc = tgdp_fail(err, frc, "%s: stopped after %zu of %zu files: %s", s.src->name, s.done, s.files, fe.msg);
    }
    if (!rc && s.failed)
        rc = tgdp_fail(err, first.code, "%s: %zu of %zu files failed (the first: %s)", s.src->name, s.failed, s.files,
                       first.msg);
    s.path = NULL;
    s.seconds = tgdp_now_s() - t0;
    if (st) *st = s;
    tgdp_sha256_list_free(&list);
    tgdp_fetcher_free(F);
    return rc;
}

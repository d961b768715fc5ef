/* tgdp_inspect_file for WFDB records: the header, the signal files (MAT v4 matrix headers of
 * .mat ones), every sample summed up per signal, and the record as loaded by tgdp_wfdb_load. */
#include "data/inspect_internal.h"

#include "data/ecg_internal.h"

#include <stdlib.h>
#include <string.h>

/* the distinct signal files, with the MAT v4 header of a .mat one */
static void signal_files(tgdp_wfdb_info *w)
{
    char dir[1024];
    if (!ecg_dirname(w->hea, dir, sizeof dir)) dir[0] = '\0';
    for (int k = 0; k < w->h.nsig; k++) {
        int seen = 0;
        for (int i = 0; i < w->n_files; i++) seen |= strcmp(w->files[i].name, w->h.sig[k].file_name) == 0;
        if (seen) continue;
        tgdp_wfdb_sigfile *sf = &w->files[w->n_files++];
        ecg_strlcpy(sf->name, w->h.sig[k].file_name, sizeof sf->name);
        char p[1400];
        unsigned char *buf;
        size_t len;
        if (ecg_streq_ci(ecg_extension(sf->name), "mat") && ecg_path_join(p, sizeof p, dir, sf->name) &&
            ecg_read_file(p, &buf, &len, NULL) == 0) {
            sf->is_mat4 = tgdp_mat4_parse_header(buf, len, p, &sf->m4, NULL) == 0;
            free(buf);
        }
    }
}

int inspect_wfdb(const char *hea, tgdp_file_info *info, tgdp_error *err)
{
    info->kind = TGDP_FILE_WFDB;
    tgdp_wfdb_info *w = &info->u.wfdb;
    ecg_strlcpy(w->hea, hea, sizeof w->hea);
    int rc = tgdp_wfdb_read_header(hea, &w->h, err);
    double *raw = NULL;
    if (!rc) rc = tgdp_wfdb_read_raw(hea, &w->h, &raw, &w->nsamp, err);
    if (rc) return rc;
    const size_t ns = (size_t)w->h.nsig + 1;
    w->raw = calloc(ns, sizeof *w->raw);
    w->lead = calloc(ns, sizeof *w->lead);
    w->files = calloc(ns, sizeof *w->files);
    if (!w->raw || !w->lead || !w->files) {
        free(raw);
        return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", hea);
    }
    signal_files(w);
    for (int k = 0; k < w->h.nsig; k++) {
        tgdp_value_stats *s = &w->raw[k];
        inspect_stats_start(s);
        const double *x = raw + (size_t)k * (size_t)w->nsamp;
        for (int64_t t = 0; t < w->nsamp; t++) inspect_stats_add(s, x[t]);
        inspect_stats_end(s);
        if (s->nonfinite)
            inspect_finding(info, "signal %d (%s): %zu invalid sample%s (WFDB 'no data' code)", k, w->h.sig[k].description,
                            s->nonfinite, s->nonfinite == 1 ? "" : "s");
        w->lead[k] = tgdp_ecg_lead_from_name(w->h.sig[k].description);
    }
    if (!w->h.fs_given) inspect_finding(info, "the header gives no sampling rate: %g Hz assumed (the WFDB default)", w->h.fs);
    tgdp_error e;
    int load = tgdp_wfdb_load(hea, &info->ecg.rec, &e);
    inspect_ecg_result(info, hea, load, &e);
    if (load && w->nsamp > 0 && tgdp_wfdb_gain_is_range(&w->h, raw, w->nsamp))
        inspect_finding(info, "header gain equals max - min of the stored samples in every signal (the LUDB trap: "
                              "the header gains are not gains)");
    free(raw);
    return TGDP_OK;
}

/* Writing a domain's window set: P_x.npy, P_labels.npy, P_record.npy and P_records.csv
 * (tgdp_ecg_set_write, tgdp/ecg_domains.h). */
#include "tgdp/ecg_domains.h"
#include "tgdp/io.h"

#include <stdio.h>
#include <stdlib.h>

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
        tgdp_ecg_flags_format(r->flags, flags, sizeof flags);
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

int tgdp_ecg_set_write(const tgdp_ecg_set *s, const char *dir, const char *prefix, tgdp_error *err)
{
    char path[4200];
    const int64_t shape[3] = {s->n, TGDP_ECG_NLEADS, s->window}, lshape[2] = {s->n, TGDP_ECG_NLABELS};
    snprintf(path, sizeof path, "%s/%s_x.npy", dir, prefix);
    int rc = tgdp_npy_write_f32(path, s->x, 3, shape, err);
    int64_t *labels = NULL;
    if (!rc) rc = tgdp_ecg_set_labels(s, &labels, err);
    snprintf(path, sizeof path, "%s/%s_labels.npy", dir, prefix);
    if (!rc) rc = tgdp_npy_write_i64(path, labels, 2, lshape, err);
    free(labels);
    snprintf(path, sizeof path, "%s/%s_record.npy", dir, prefix);
    if (!rc) rc = tgdp_npy_write_i64(path, s->record, 1, shape, err);
    snprintf(path, sizeof path, "%s/%s_records.csv", dir, prefix);
    if (!rc) rc = write_records_csv(path, s, err);
    return rc;
}

/* Uniform ECG loading: dispatch on the file name and contents to the WFDB, CPSC (MAT v5),
 * MAT v4 and PTB-XL CSV readers; loading an index entry with its database metadata. */
#include "data/ecg_internal.h"

#include <stdio.h>
#include <string.h>

/* path with its extension replaced by "hea", when that file exists. */
static int sibling_header(const char *path, char *out, size_t cap)
{
    const char *ext = ecg_extension(path);
    size_t stem = (size_t)(ext - path);
    if (!*ext || stem + 4 > cap) return 0;
    memcpy(out, path, stem);
    memcpy(out + stem, "hea", 4);
    return ecg_is_file(out);
}

/* First bytes of a file (up to cap); -1 when it cannot be opened. */
static long read_head(const char *path, unsigned char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return (long)n;
}

static int load_mat(const char *path, tgdp_ecg_record *r, tgdp_error *err)
{
    unsigned char head[128];
    long n = read_head(path, head, sizeof head);
    if (n < 0) return tgdp_fail(err, TGDP_EIO, "%s: cannot open", path);
    if (ecg_is_mat5(head, (size_t)n)) return tgdp_cpsc_load(path, r, err);
    return tgdp_mat4_load(path, r, err); /* reports non-MATLAB files */
}

int tgdp_ecg_load(const char *path, tgdp_ecg_record *r, tgdp_error *err)
{
    const char *ext = ecg_extension(path);
    char hea[1100];
    if (ecg_streq_ci(ext, "hea")) return tgdp_wfdb_load(path, r, err);
    if (ecg_streq_ci(ext, "mat") || ecg_streq_ci(ext, "dat")) {
        if (sibling_header(path, hea, sizeof hea)) return tgdp_wfdb_load(hea, r, err);
        if (ecg_streq_ci(ext, "dat"))
            return tgdp_fail(err, TGDP_EIO, "%s: WFDB signal file without its .hea header", path);
        return load_mat(path, r, err);
    }
    if (ecg_streq_ci(ext, "csv")) return tgdp_ptbxl_load_csv(path, 0, r, err);
    if (!*ext && snprintf(hea, sizeof hea, "%s.hea", path) < (int)sizeof hea && ecg_is_file(hea))
        return tgdp_wfdb_load(hea, r, err);
    if (!ecg_is_file(path)) return tgdp_fail(err, TGDP_EIO, "%s: no such file", path);
    return tgdp_fail(err, TGDP_EUNSUPPORTED, "%s: unknown ECG file type (expected .hea, .mat, .dat or .csv)", path);
}

int tgdp_ecg_load_entry(const tgdp_ecg_entry *e, tgdp_ecg_record *r, tgdp_error *err)
{
    int rc = tgdp_ecg_load(e->path, r, err);
    if (rc) return rc;
    if (e->labels || e->source_labels[0]) {
        r->labels = e->labels;
        ecg_strlcpy(r->source_labels, e->source_labels, sizeof r->source_labels);
    }
    if (e->age >= 0) r->age = e->age;
    if (e->sex == 'M' || e->sex == 'F') r->sex = e->sex;
    if (e->database[0]) ecg_strlcpy(r->database, e->database, sizeof r->database);
    if (e->id[0]) ecg_strlcpy(r->id, e->id, sizeof r->id);
    return TGDP_OK;
}

/* WFDB signal files: decoding of formats 16, 61, 80, 160, 212, 24 and 32, frames with
 * several samples per signal, skew and byte offsets; signal files that are MATLAB v4
 * matrices (CinC 2021 ".mat" with format 16 and offset 24) are checked against their
 * MAT v4 header. Every file is checked for its exact size, and signals with a checksum in
 * the header are checked against it (the 16-bit sum of the samples). */
#include "data/ecg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One signal file and the consecutive header signals stored in it. */
typedef struct sig_group {
    int first, count; /* header signals [first, first+count) */
    int format;
    size_t spf_total; /* samples per frame, all signals of the file */
    size_t offset;    /* byte offset of the first sample */
    unsigned char *buf; /* the file, while the record is read */
    size_t len;
} sig_group;

static int format_supported(int fmt)
{
    return fmt == 16 || fmt == 61 || fmt == 80 || fmt == 160 || fmt == 212 || fmt == 24 || fmt == 32;
}

/* Bytes for nsamples samples in fmt; 0 on overflow. */
static int format_bytes(int fmt, size_t nsamples, size_t *bytes)
{
    switch (fmt) {
    case 80: *bytes = nsamples; return 1;
    case 16: case 61: case 160: return tgdp_mul_size(nsamples, 2, bytes);
    case 24: return tgdp_mul_size(nsamples, 3, bytes);
    case 32: return tgdp_mul_size(nsamples, 4, bytes);
    case 212: {
        size_t t;
        if (!tgdp_mul_size(nsamples, 3, &t) || t == SIZE_MAX) return 0;
        *bytes = (t + 1) / 2;
        return 1;
    }
    default: return 0;
    }
}

/* Decode n samples of fmt from p into out (NaN for WFDB invalid-sample codes). */
static void decode(int fmt, const unsigned char *p, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++) {
        int32_t v, bad;
        switch (fmt) {
        case 80: v = (int32_t)p[i] - 128; bad = -128; break;
        case 16: v = (int16_t)(uint16_t)(p[2 * i] | (p[2 * i + 1] << 8)); bad = -32768; break;
        case 61: v = (int16_t)(uint16_t)((p[2 * i] << 8) | p[2 * i + 1]); bad = -32768; break;
        case 160: v = (int32_t)(p[2 * i] | (p[2 * i + 1] << 8)) - 32768; bad = -32768; break;
        case 24: {
            uint32_t u = (uint32_t)p[3 * i] | ((uint32_t)p[3 * i + 1] << 8) | ((uint32_t)p[3 * i + 2] << 16);
            v = (int32_t)(u ^ 0x800000u) - 0x800000;
            bad = -0x800000;
            break;
        }
        case 32: {
            uint32_t u = (uint32_t)p[4 * i] | ((uint32_t)p[4 * i + 1] << 8) | ((uint32_t)p[4 * i + 2] << 16) |
                         ((uint32_t)p[4 * i + 3] << 24);
            v = (int32_t)u;
            bad = INT32_MIN;
            break;
        }
        default: { /* 212: two 12-bit samples in three bytes */
            const unsigned char *q = p + 3 * (i / 2);
            uint32_t u = (i % 2 == 0) ? (uint32_t)(q[0] | ((q[1] & 0x0F) << 8))
                                      : (uint32_t)(q[2] | ((q[1] & 0xF0) << 4));
            v = (int32_t)(u ^ 0x800u) - 0x800;
            bad = -2048;
            break;
        }
        }
        out[i] = v == bad ? NAN : (double)v;
    }
}

/* Group consecutive signals sharing a file; check formats. */
static int make_groups(const char *hea, const tgdp_wfdb_header *h, sig_group *g, int *ng, tgdp_error *err)
{
    *ng = 0;
    for (int i = 0; i < h->nsig;) {
        const tgdp_wfdb_signal *s = &h->sig[i];
        if (!format_supported(s->format))
            return tgdp_fail(err, TGDP_EUNSUPPORTED,
                             "%s: signal %d (%s): unsupported signal format %d (supported: 16, 61, 80, 160, 212, "
                             "24, 32)", hea, i, s->description, s->format);
        sig_group *G = &g[(*ng)++];
        memset(G, 0, sizeof *G);
        G->first = i;
        G->format = s->format;
        G->offset = (size_t)s->byte_offset;
        int j = i;
        while (j < h->nsig && strcmp(h->sig[j].file_name, s->file_name) == 0) {
            if (h->sig[j].format != s->format)
                return tgdp_fail(err, TGDP_EFORMAT, "%s: signals %d and %d share file %s but have formats %d and %d",
                                 hea, i, j, s->file_name, s->format, h->sig[j].format);
            G->spf_total += (size_t)h->sig[j].samples_per_frame;
            j++;
        }
        G->count = j - i;
        i = j;
    }
    return TGDP_OK;
}

static int mat4_precision_for(int fmt, int *big_endian)
{
    *big_endian = fmt == 61;
    if (fmt == 16 || fmt == 61) return 3; /* int16 */
    if (fmt == 32) return 2;              /* int32 */
    return -1;
}

/* A .mat signal file: validate its MAT v4 header against the WFDB header; sets the data
 * offset and, when the header had none, the number of samples. */
static int check_mat4(const char *path, const char *hea, const unsigned char *buf, size_t len, sig_group *G,
                      const tgdp_wfdb_signal *s, int64_t *nsamp, tgdp_error *err)
{
    tgdp_mat4_header m;
    int rc = tgdp_mat4_parse_header(buf, len, path, &m, err);
    if (rc) return rc;
    int be, prec = mat4_precision_for(G->format, &be);
    if (prec < 0 || m.precision != prec || m.big_endian != be)
        return tgdp_fail(err, TGDP_EFORMAT,
                         "%s: MAT v4 matrix type %d does not hold WFDB format %d samples (header %s)", path,
                         (int)m.type, G->format, hea);
    if ((size_t)m.mrows != G->spf_total)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: MAT v4 matrix has %d rows but header %s has %zu signals in it",
                         path, (int)m.mrows, hea, G->spf_total);
    if (*nsamp >= 0 && (int64_t)m.ncols != *nsamp)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: MAT v4 matrix has %d columns but header %s says %lld samples",
                         path, (int)m.ncols, hea, (long long)*nsamp);
    if (s->has_byte_offset && (size_t)s->byte_offset != m.data_offset)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: MAT v4 data start at byte %zu but header %s says +%ld", path,
                         m.data_offset, hea, s->byte_offset);
    G->offset = m.data_offset;
    if (*nsamp < 0) *nsamp = m.ncols;
    return TGDP_OK;
}

/* Check the size of a signal file (derive nsamp when unknown). Exact for .dat files; a
 * MAT v4 file may hold further variables after the matrix. */
static int check_size(const char *path, const char *hea, size_t len, const sig_group *G, int is_mat,
                      int64_t *nsamp, tgdp_error *err)
{
    if (len < G->offset)
        return tgdp_fail(err, TGDP_EFORMAT, "%s: truncated: %zu bytes, shorter than the byte offset %zu", path, len,
                         G->offset);
    if (*nsamp < 0) { /* header without a length: the whole frames in the file */
        size_t bits = (G->format == 212 ? 12 : G->format == 80 ? 8 : G->format == 24 ? 24 : G->format == 32 ? 32 : 16);
        size_t avail = len - G->offset, frame_bits;
        if (!tgdp_mul_size(bits, G->spf_total, &frame_bits) || avail > SIZE_MAX / 8)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: bad frame size", path);
        *nsamp = (int64_t)(avail * 8 / frame_bits);
    }
    size_t total, need;
    if (!tgdp_mul_size(G->spf_total, (size_t)*nsamp, &total) || !format_bytes(G->format, total, &need) ||
        need > SIZE_MAX - G->offset)
        return tgdp_fail(err, TGDP_ENOMEM, "%s: signal size overflows", path);
    need += G->offset;
    if (len < need)
        return tgdp_fail(err, TGDP_EFORMAT,
                         "%s: truncated: %zu bytes, but header %s needs %zu (%zu samples per frame x %lld frames, "
                         "format %d, offset %zu)", path, len, hea, need, G->spf_total, (long long)*nsamp, G->format,
                         G->offset);
    if (len > need && !is_mat)
        return tgdp_fail(err, TGDP_EFORMAT,
                         "%s: %zu bytes, but header %s describes %zu (%zu samples per frame x %lld frames, format "
                         "%d): signal count or length disagree", path, len, hea, need, G->spf_total,
                         (long long)*nsamp, G->format);
    return TGDP_OK;
}

/* 16-bit two's-complement sum of samples, as the WFDB checksum field. */
static int checksum16(const double *v, size_t n, size_t stride)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += (int64_t)(isnan(v[i * stride]) ? -32768 : v[i * stride]);
    return (int)(int16_t)(uint16_t)(sum & 0xFFFF);
}

/* Deinterleave decoded frames of one file into raw rows; average multi-sample frames;
 * apply skew; verify initial values and checksums. */
static int scatter(const char *path, const char *hea, const tgdp_wfdb_header *h, const sig_group *G, const double *dec,
                   int64_t nsamp, double *raw, tgdp_error *err)
{
    size_t col = 0;
    for (int k = G->first; k < G->first + G->count; k++) {
        const tgdp_wfdb_signal *s = &h->sig[k];
        size_t spf = (size_t)s->samples_per_frame;
        if (s->has_checksum && spf == 1) {
            int cs = checksum16(dec + col, (size_t)nsamp, G->spf_total);
            if (cs != (int16_t)s->checksum)
                return tgdp_fail(err, TGDP_EFORMAT, "%s: signal %d (%s): checksum %d in header %s, %d in the data",
                                 path, k, s->description, s->checksum, hea, cs);
        }
        if (s->skew >= nsamp && nsamp > 0)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: signal %d: skew %d in header %s exceeds the %lld samples", path,
                             k, s->skew, hea, (long long)nsamp);
        double *row = raw + (size_t)k * (size_t)nsamp;
        for (int64_t t = 0; t < nsamp; t++) {
            int64_t src = t + s->skew < nsamp ? t + s->skew : nsamp - 1; /* hold the last sample */
            const double *f = dec + (size_t)src * G->spf_total + col;
            double acc = 0;
            for (size_t j = 0; j < spf; j++) acc += f[j];
            row[t] = acc / (double)spf;
        }
        if (s->has_init_value && spf == 1 && nsamp > 0 && !isnan(dec[col]) && (int)dec[col] != s->init_value)
            return tgdp_fail(err, TGDP_EFORMAT, "%s: signal %d (%s): initial value %d in header %s, %d in the data",
                             path, k, s->description, s->init_value, hea, (int)dec[col]);
        col += spf;
    }
    return TGDP_OK;
}

/* Read one signal file and check it against the header: G->buf/G->len receive the file (freed
 * by the caller), *nsamp the length when it was still unknown. */
static int load_group(const char *dir, const char *hea, const tgdp_wfdb_header *h, sig_group *G, int64_t *nsamp,
                      tgdp_error *err)
{
    const tgdp_wfdb_signal *s = &h->sig[G->first];
    char path[1024];
    if (!ecg_path_join(path, sizeof path, dir, s->file_name))
        return tgdp_fail(err, TGDP_EINVAL, "%s: signal file path too long", hea);
    int rc = ecg_read_file(path, &G->buf, &G->len, err);
    if (rc) {
        tgdp_error_prefix(err, "%s: signal file %s", hea, s->file_name);
        return rc;
    }
    int is_mat = ecg_streq_ci(ecg_extension(path), "mat");
    int64_t ns = *nsamp;
    if (is_mat) rc = check_mat4(path, hea, G->buf, G->len, G, s, &ns, err);
    if (!rc) rc = check_size(path, hea, G->len, G, is_mat, &ns, err);
    if (!rc && *nsamp >= 0 && ns != *nsamp)
        rc = tgdp_fail(err, TGDP_EFORMAT, "%s: %lld samples, other signal files of %s have %lld", path,
                       (long long)ns, hea, (long long)*nsamp);
    if (!rc) *nsamp = ns;
    return rc;
}

/* Decode one loaded and checked signal file into its rows of raw. */
static int decode_group(const char *dir, const char *hea, const tgdp_wfdb_header *h, const sig_group *G, int64_t ns,
                        double *raw, tgdp_error *err)
{
    char path[1024];
    ecg_path_join(path, sizeof path, dir, h->sig[G->first].file_name); /* fitted in load_group */
    size_t total;
    if (!tgdp_mul_size(G->spf_total, (size_t)ns, &total) || total > SIZE_MAX / sizeof(double))
        return tgdp_fail(err, TGDP_ENOMEM, "%s: record too large", path);
    double *dec = malloc((total ? total : 1) * sizeof *dec);
    if (!dec) return tgdp_fail(err, TGDP_ENOMEM, "%s: cannot allocate %zu samples", path, total);
    decode(G->format, G->buf + G->offset, total, dec);
    int rc = scatter(path, hea, h, G, dec, ns, raw, err);
    free(dec);
    return rc;
}

/* All signal files are read and checked before raw is allocated, so its size (nsig x nsamp) is
 * backed by the files' sizes, whatever the header claims. */
int tgdp_wfdb_read_raw(const char *hea_path, const tgdp_wfdb_header *h, double **raw, int64_t *nsamp,
                       tgdp_error *err)
{
    *raw = NULL;
    *nsamp = 0;
    if (h->nsig <= 0) return tgdp_fail(err, TGDP_EFORMAT, "%s: record has no signals", hea_path);
    char dir[1024];
    if (!ecg_dirname(hea_path, dir, sizeof dir)) return tgdp_fail(err, TGDP_EINVAL, "%s: path too long", hea_path);
    sig_group *g = calloc((size_t)h->nsig, sizeof *g);
    if (!g) return tgdp_fail(err, TGDP_ENOMEM, "%s: out of memory", hea_path);
    int ng = 0, rc = make_groups(hea_path, h, g, &ng, err);
    int64_t ns = h->nsamp;
    for (int i = 0; i < ng && rc == TGDP_OK; i++) rc = load_group(dir, hea_path, h, &g[i], &ns, err);
    size_t rawn = 0;
    if (!rc && (!tgdp_mul_size((size_t)h->nsig, (size_t)ns, &rawn) || rawn > SIZE_MAX / sizeof(double)))
        rc = tgdp_fail(err, TGDP_ENOMEM, "%s: record too large", hea_path);
    if (!rc && !(*raw = malloc((rawn ? rawn : 1) * sizeof **raw)))
        rc = tgdp_fail(err, TGDP_ENOMEM, "%s: cannot allocate %zu samples", hea_path, rawn);
    for (int i = 0; i < ng && rc == TGDP_OK; i++) rc = decode_group(dir, hea_path, h, &g[i], ns, *raw, err);
    for (int i = 0; i < ng; i++) free(g[i].buf);
    free(g);
    if (rc) {
        free(*raw);
        *raw = NULL;
        return rc;
    }
    *nsamp = ns;
    return TGDP_OK;
}

int tgdp_wfdb_gain_is_range(const tgdp_wfdb_header *h, const double *raw, int64_t nsamp)
{
    if (h->nsig < 2 || nsamp < 2) return 0;
    for (int k = 0; k < h->nsig; k++) {
        const double *x = raw + (size_t)k * (size_t)nsamp;
        double lo = x[0], hi = x[0];
        for (int64_t t = 1; t < nsamp; t++) {
            if (x[t] < lo) lo = x[t];
            if (x[t] > hi) hi = x[t];
        }
        if (!h->sig[k].gain_given || h->sig[k].gain != hi - lo) return 0;
    }
    return 1;
}

/* Fixed-length windows of ECG records and the per-window normalisation documented in
 * include/tgdp/ecg.h: per lead, subtract the window mean, clip to +-TGDP_ECG_CLIP_MV and
 * divide by TGDP_ECG_SCALE_MV. */
#include "data/ecg_internal.h"

#include <string.h>

void tgdp_ecg_normalize(float *x, int nlead, int64_t len)
{
    if (len <= 0) return;
    for (int l = 0; l < nlead; l++) {
        float *v = x + (size_t)l * (size_t)len;
        double mean = 0;
        for (int64_t t = 0; t < len; t++) mean += v[t];
        mean /= (double)len;
        for (int64_t t = 0; t < len; t++) {
            float y = (float)(v[t] - mean);
            if (y > TGDP_ECG_CLIP_MV) y = TGDP_ECG_CLIP_MV;
            if (y < -TGDP_ECG_CLIP_MV) y = -TGDP_ECG_CLIP_MV;
            v[t] = y / TGDP_ECG_SCALE_MV;
        }
    }
}

int64_t tgdp_ecg_num_windows(int64_t n, int64_t win, int64_t stride)
{
    if (win <= 0 || stride <= 0 || n < win) return 0;
    return (n - win) / stride + 1;
}

int tgdp_ecg_windows(const tgdp_ecg_record *r, int64_t win, int64_t stride, int normalize, tgdp_tensor *out,
                     tgdp_error *err)
{
    memset(out, 0, sizeof *out);
    if (win <= 0 || stride <= 0)
        return tgdp_fail(err, TGDP_EINVAL, "ecg windows: bad window %lld / stride %lld", (long long)win,
                         (long long)stride);
    int64_t nw = tgdp_ecg_num_windows(r->n, win, stride);
    if (nw == 0)
        return tgdp_fail(err, TGDP_EINVAL, "record %s: %lld samples, shorter than one window of %lld", r->id,
                         (long long)r->n, (long long)win);
    int64_t shape[3] = {nw, TGDP_ECG_NLEADS, win};
    int rc = tgdp_tensor_alloc(out, 3, shape, err);
    if (rc) return rc;
    for (int64_t w = 0; w < nw; w++) {
        float *dst = out->data + (size_t)w * TGDP_ECG_NLEADS * (size_t)win;
        for (int l = 0; l < TGDP_ECG_NLEADS; l++)
            memcpy(dst + (size_t)l * (size_t)win, tgdp_ecg_lead(r, l) + (size_t)(w * stride),
                   (size_t)win * sizeof(float));
        if (normalize) tgdp_ecg_normalize(dst, TGDP_ECG_NLEADS, win);
    }
    return TGDP_OK;
}

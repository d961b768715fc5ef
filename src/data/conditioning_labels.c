/* Multi-hot label rows -> one conditioning label per row (see tgdp/ecg_prepare.h). */
#include "tgdp/ecg_prepare.h"

int tgdp_conditioning_labels(const int64_t *multi_hot, int64_t n, int k, int64_t *out, tgdp_error *err)
{
    if (k < 1) return tgdp_fail(err, TGDP_EINVAL, "multi-hot labels need at least one column (got %d)", k);
    for (int64_t i = 0; i < n; i++) {
        const int64_t *row = multi_hot + i * k;
        int64_t primary = k;
        for (int j = 0; j < k; j++) {
            if (row[j] != 0 && row[j] != 1)
                return tgdp_fail(err, TGDP_EINVAL, "multi-hot label [%lld, %d] is %lld, not 0 or 1", (long long)i, j,
                                 (long long)row[j]);
            if (row[j] && j > 0 && primary == k) primary = j;
        }
        if (primary == k && row[0]) primary = 0;
        out[i] = primary;
    }
    return TGDP_OK;
}

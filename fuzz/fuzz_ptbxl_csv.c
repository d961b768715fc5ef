/* Fuzz target: PTB-XL headerless 12-column CSV signal records (tgdp_ptbxl_load_csv). */
#include <string.h>

#include "fuzz_util.h"
#include "tgdp/ecg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = fuzz_write("00001_lr_100hz.csv", data, size);
    tgdp_error err;
    memset(&err, 0, sizeof err);
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int rc = tgdp_ptbxl_load_csv(p, 0, &r, &err);
    fuzz_check_named(rc, &err, "tgdp_ptbxl_load_csv", NULL);
    if (rc == TGDP_OK && r.n > 0) ((volatile float *)r.data)[12 * (size_t)r.n - 1] += 0.0f;
    tgdp_ecg_record_free(&r);
    return 0;
}

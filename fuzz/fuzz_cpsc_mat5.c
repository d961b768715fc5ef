/* Fuzz target: CPSC 2018 MATLAB v5 struct files (v5 header and element checks, then libmatio,
 * which reads from a path: the input goes through a scratch file). */
#include <string.h>

#include "fuzz_util.h"
#include "tgdp/ecg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = fuzz_write("A0001.mat", data, size);
    tgdp_error err;
    memset(&err, 0, sizeof err);
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    int rc = tgdp_cpsc_load(p, &r, &err);
    fuzz_check_named(rc, &err, "tgdp_cpsc_load", NULL);
    if (rc == TGDP_OK && r.n > 0) ((volatile float *)r.data)[12 * (size_t)r.n - 1] += 0.0f;
    tgdp_ecg_record_free(&r);
    return 0;
}

/* Fuzz target: numeric CSV reader (tgdp_csv_read) with the three header modes. */
#include <string.h>

#include "fuzz_util.h"
#include "tgdp/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = fuzz_write("in.csv", data, size);
    static const tgdp_csv_options opts[3] = {
        {TGDP_CSV_HEADER_AUTO, 0}, {TGDP_CSV_HEADER_YES, 1}, {TGDP_CSV_HEADER_NO, 1}};
    for (int k = 0; k < 3; k++) {
        tgdp_error err;
        memset(&err, 0, sizeof err);
        tgdp_tensor t;
        tgdp_csv_header names;
        int rc = tgdp_csv_read(p, &opts[k], &t, k == 1 ? &names : NULL, &err);
        fuzz_check_named(rc, &err, "tgdp_csv_read", NULL);
        if (rc == TGDP_OK) {
            size_t n = tgdp_tensor_numel(&t);
            if (n) ((volatile float *)t.data)[n - 1] += 0.0f;
            tgdp_tensor_free(&t);
            if (k == 1) tgdp_csv_header_free(&names);
        }
    }
    return 0;
}

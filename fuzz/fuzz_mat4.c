/* Fuzz target: MATLAB level 4 matrices: header parser on the bytes, and the standalone
 * CinC-style .mat record loader. */
#include <string.h>

#include "fuzz_util.h"
#include "tgdp/ecg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tgdp_error err;
    memset(&err, 0, sizeof err);
    tgdp_mat4_header h;
    int rc = tgdp_mat4_parse_header(data, size, "in.mat", &h, &err);
    fuzz_check_named(rc, &err, "tgdp_mat4_parse_header", "in.mat");
    if (rc == TGDP_OK && (h.data_offset > size || h.data_bytes > size - h.data_offset)) __builtin_trap();
    const char *p = fuzz_write("A0001.mat", data, size);
    tgdp_ecg_record r;
    tgdp_ecg_record_init(&r);
    rc = tgdp_mat4_load(p, &r, &err);
    fuzz_check_named(rc, &err, "tgdp_mat4_load", NULL);
    tgdp_ecg_record_free(&r);
    return 0;
}

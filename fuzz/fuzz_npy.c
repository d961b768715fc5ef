/* Fuzz target: NumPy .npy reader (tgdp_npy_read and the float32 / int64 conversions). */
#include <string.h>

#include "fuzz_util.h"
#include "tgdp/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = fuzz_write("in.npy", data, size);
    tgdp_error err;
    memset(&err, 0, sizeof err);
    tgdp_array a;
    int rc = tgdp_npy_read(p, &a, &err);
    fuzz_check_named(rc, &err, "tgdp_npy_read", NULL);
    if (rc == TGDP_OK) {
        /* the buffer must hold numel elements: touch the last byte */
        size_t nbytes = tgdp_array_numel(&a) * tgdp_dtype_size(a.dtype);
        if (nbytes) ((volatile unsigned char *)a.data)[nbytes - 1] ^= 0;
        tgdp_array_free(&a);
    }
    tgdp_tensor t;
    rc = tgdp_npy_read_f32_finite(p, &t, &err);
    fuzz_check_named(rc, &err, "tgdp_npy_read_f32_finite", NULL);
    if (rc == TGDP_OK) tgdp_tensor_free(&t);
    rc = tgdp_npy_read_i64(p, &a, &err);
    fuzz_check_named(rc, &err, "tgdp_npy_read_i64", NULL);
    if (rc == TGDP_OK) tgdp_array_free(&a);
    return 0;
}

/* Fuzz target: safetensors reader (header JSON, entries, coverage) and the tensor accessors. */
#include <string.h>

#include "fuzz_util.h"
#include "tgdp/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = fuzz_write("in.safetensors", data, size);
    tgdp_error err;
    memset(&err, 0, sizeof err);
    tgdp_st_file f;
    int rc = tgdp_safetensors_read(p, &f, &err);
    fuzz_check_named(rc, &err, "tgdp_safetensors_read", NULL);
    if (rc) return 0;
    for (size_t k = 0; k < f.n_tensors; k++) {
        const tgdp_st_tensor *t = &f.tensors[k];
        tgdp_tensor x;
        rc = tgdp_st_read_f32(&f, t->name, &x, &err);
        fuzz_check_named(rc, &err, "tgdp_st_read_f32", NULL);
        if (rc == TGDP_OK) tgdp_tensor_free(&x);
        tgdp_array a;
        rc = tgdp_st_read_array(&f, t->name, &a, &err);
        fuzz_check_named(rc, &err, "tgdp_st_read_array", NULL);
        if (rc == TGDP_OK) tgdp_array_free(&a);
    }
    for (size_t k = 0; k < f.n_meta; k++)
        if (tgdp_st_meta(&f, f.meta_keys[k]) == NULL) __builtin_trap();
    tgdp_st_file_free(&f);
    return 0;
}

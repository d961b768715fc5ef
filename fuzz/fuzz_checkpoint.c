/* Fuzz target: checkpoint loader (safetensors with tgdp.* metadata -> network). */
#include <string.h>

#include "fuzz_util.h"
#include "tgdp/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = fuzz_write("in.safetensors", data, size);
    tgdp_error err;
    memset(&err, 0, sizeof err);
    tgdp_net net;
    tgdp_ckpt_info info;
    int rc = tgdp_checkpoint_load(p, &net, &info, &err);
    fuzz_check_named(rc, &err, "tgdp_checkpoint_load", NULL);
    if (rc == TGDP_OK) tgdp_net_free(&net);
    return 0;
}

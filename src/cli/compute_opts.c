/* --gemm and --precision, shared by the commands that compute: the backend of the process and
 * the precision of the run, with the fallback message where bf16 cannot run. */
#include "cli/cli.h"
#include "tgdp/nn.h"

#include <string.h>

int cli_compute(const char *cmd, const char *gemm, const char *precision, tgdp_precision *out)
{
    tgdp_error err;
    tgdp_gemm_backend b;
    if (gemm && *gemm) {
        if (tgdp_gemm_backend_parse(gemm, &b)) return cli_errorf(cmd, "--gemm: '%s' is not onednn or openblas", gemm), 2;
        if (tgdp_set_gemm_backend(b, &err)) return cli_errorf(cmd, "--gemm %s: %s", gemm, err.msg), 2;
    }
    if (strcmp(precision, "auto") == 0) {
        *out = tgdp_precision_effective(TGDP_BF16);
        return 0;
    }
    if (tgdp_precision_parse(precision, out))
        return cli_errorf(cmd, "--precision: '%s' is not fp32, bf16 or auto", precision), 2;
    char why[160];
    if (!tgdp_precision_check(*out, why, sizeof why)) {
        fprintf(stderr, "tgdp %s: --precision %s is not available (%s): running in fp32\n", cmd, precision, why);
        *out = TGDP_FP32;
    }
    return 0;
}

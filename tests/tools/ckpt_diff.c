/* ckpt_diff A.safetensors B.safetensors TOL: compares every float tensor of two checkpoints
 * (same names and shapes required) and exits 0 when max |a - b| <= TOL * (1 + max |a|),
 * printing the largest difference. A test helper (tests/cli_mpi.sh), not a test itself. */
#include "tgdp/io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: ckpt_diff A.safetensors B.safetensors TOL\n");
        return 2;
    }
    double tol = atof(argv[3]);
    tgdp_error err;
    tgdp_st_file a, b;
    if (tgdp_safetensors_read(argv[1], &a, &err)) return fprintf(stderr, "%s\n", err.msg), 2;
    if (tgdp_safetensors_read(argv[2], &b, &err)) return fprintf(stderr, "%s\n", err.msg), 2;
    int bad = 0;
    double worst = 0, scale = 0;
    size_t compared = 0;
    if (a.n_tensors != b.n_tensors) {
        fprintf(stderr, "tensor counts differ: %zu vs %zu\n", a.n_tensors, b.n_tensors);
        bad = 1;
    }
    for (size_t i = 0; i < a.n_tensors && !bad; i++) {
        const char *name = a.tensors[i].name;
        tgdp_tensor ta, tb;
        if (tgdp_st_read_f32(&a, name, &ta, &err)) return fprintf(stderr, "%s\n", err.msg), 2;
        if (tgdp_st_read_f32(&b, name, &tb, &err)) return fprintf(stderr, "%s\n", err.msg), 2;
        size_t n = tgdp_tensor_numel(&ta);
        if (n != tgdp_tensor_numel(&tb)) {
            fprintf(stderr, "%s: sizes differ\n", name);
            bad = 1;
        }
        for (size_t k = 0; k < n && !bad; k++) {
            double d = fabs((double)ta.data[k] - tb.data[k]);
            if (!(d <= worst)) worst = d; /* NaN makes worst NaN */
            if (fabs(ta.data[k]) > scale) scale = fabs(ta.data[k]);
        }
        compared += n;
        tgdp_tensor_free(&ta);
        tgdp_tensor_free(&tb);
    }
    printf("compared %zu values: max |a - b| = %.3g (max |a| = %.3g)\n", compared, worst, scale);
    if (!(worst <= tol * (1 + scale)) || compared == 0) bad = 1;
    tgdp_st_file_free(&a);
    tgdp_st_file_free(&b);
    return bad;
}

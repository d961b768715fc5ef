/* The process-wide compute settings: which backend runs the matrix products and convolutions
 * (OpenBLAS or oneDNN), and the precision of the graphs initialised from now on (fp32, or bf16
 * mixed precision where the backend and the CPU allow it). See tgdp/nn.h. */
#include "nn/dnnl.h"
#include "nn/ops.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static tgdp_gemm_backend backend;
static tgdp_precision precision = TGDP_FP32;

/* the default backend: TGDP_GEMM from the environment where it names a built-in one, else oneDNN
 * where built */
static void init_backend(void)
{
    backend = nn_dnnl_built() ? TGDP_GEMM_ONEDNN : TGDP_GEMM_OPENBLAS;
    tgdp_gemm_backend b;
    const char *env = getenv("TGDP_GEMM");
    if (env && *env && tgdp_gemm_backend_parse(env, &b) == TGDP_OK && tgdp_gemm_backend_available(b)) backend = b;
}

const char *tgdp_gemm_backend_name(tgdp_gemm_backend b) { return b == TGDP_GEMM_ONEDNN ? "onednn" : "openblas"; }

int tgdp_gemm_backend_parse(const char *s, tgdp_gemm_backend *out)
{
    if (strcmp(s, "openblas") == 0) *out = TGDP_GEMM_OPENBLAS;
    else if (strcmp(s, "onednn") == 0) *out = TGDP_GEMM_ONEDNN;
    else return TGDP_EINVAL;
    return TGDP_OK;
}

int tgdp_gemm_backend_available(tgdp_gemm_backend b) { return b == TGDP_GEMM_OPENBLAS || nn_dnnl_built(); }

int tgdp_set_gemm_backend(tgdp_gemm_backend b, tgdp_error *err)
{
    pthread_once(&once, init_backend);
    if (!tgdp_gemm_backend_available(b))
        return tgdp_fail(err, TGDP_EUNSUPPORTED, "the %s backend is not built in (tgdp was built without libdnnl-dev)",
                         tgdp_gemm_backend_name(b));
    backend = b;
    return TGDP_OK;
}

tgdp_gemm_backend tgdp_get_gemm_backend(void)
{
    pthread_once(&once, init_backend);
    return backend;
}

const char *tgdp_precision_name(tgdp_precision p) { return p == TGDP_BF16 ? "bf16" : "fp32"; }

int tgdp_precision_parse(const char *s, tgdp_precision *out)
{
    if (strcmp(s, "fp32") == 0) *out = TGDP_FP32;
    else if (strcmp(s, "bf16") == 0) *out = TGDP_BF16;
    else return TGDP_EINVAL;
    return TGDP_OK;
}

/* AVX-512 bfloat16 dot products: CPUID leaf 7, sub-leaf 1, EAX bit 5 */
static int cpu_has_avx512_bf16(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return (a >> 5) & 1u;
#else
    return 0;
#endif
}

int tgdp_precision_check(tgdp_precision p, char *why, size_t cap)
{
    const char *no = NULL;
    const char *env = getenv("TGDP_NO_BF16");
    if (p == TGDP_FP32) return 1;
    if (!nn_dnnl_built()) no = "tgdp was built without oneDNN (libdnnl-dev)";
    else if (tgdp_get_gemm_backend() != TGDP_GEMM_ONEDNN) no = "bf16 runs on the onednn backend only (--gemm onednn)";
    else if (env && *env && strcmp(env, "0") != 0) no = "TGDP_NO_BF16 is set";
    else if (!cpu_has_avx512_bf16()) no = "this CPU has no avx512_bf16 (cpuid)";
    if (no && why && cap) snprintf(why, cap, "%s", no);
    return no == NULL;
}

tgdp_precision tgdp_precision_effective(tgdp_precision p) { return tgdp_precision_check(p, NULL, 0) ? p : TGDP_FP32; }

tgdp_precision tgdp_use_precision(tgdp_precision p)
{
    const tgdp_precision prev = precision, next = tgdp_precision_effective(p);
    if (next != prev) precision = next; /* concurrent runs that share one precision only read it */
    return prev;
}

tgdp_precision tgdp_get_precision(void) { return precision; }

/* Minimal test harness: CHECK macros count failures; TEST_MAIN_END prints the summary. */
#ifndef TGDP_TESTUTIL_H
#define TGDP_TESTUTIL_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tu_fail = 0, tu_pass = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) tu_pass++;                                                         \
        else {                                                                       \
            tu_fail++;                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

#define CHECKF(cond, ...)                                                            \
    do {                                                                             \
        if (cond) tu_pass++;                                                         \
        else {                                                                       \
            tu_fail++;                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
        }                                                                            \
    } while (0)

/* |a-b| <= atol + rtol*|b| */
#define CHECK_CLOSE(a, b, atol, rtol)                                                                         \
    do {                                                                                                      \
        double tu_a = (a), tu_b = (b);                                                                        \
        CHECKF(fabs(tu_a - tu_b) <= (atol) + (rtol)*fabs(tu_b), "%s=%.9g vs %s=%.9g", #a, tu_a, #b, tu_b); \
    } while (0)

/* Tests with an optional part that needs something the machine may lack (the shared ECG data,
 * python3 with numpy) run as two CTest tests (CMakeLists.txt, TGDP_SPLIT_TESTS): "NAME base"
 * runs everything but that part, "NAME extra" runs the whole test and exits 77 (CTest: skipped)
 * when the requirement is missing; with no argument (by hand) the part runs when it can. */
enum { TU_ALL = 0, TU_BASE = 1, TU_EXTRA = 2 };
static int tu_mode = TU_ALL;
static inline void tu_init(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "base") == 0) tu_mode = TU_BASE;
    else if (argc > 1 && strcmp(argv[1], "extra") == 0) tu_mode = TU_EXTRA;
}
/* whether to run the optional part whose requirement is `present` (describe: what is missing) */
static inline int tu_optional(int present, const char *missing)
{
    if (tu_mode == TU_BASE) return 0;
    if (present) return 1;
    printf("SKIP: %s\n", missing);
    if (tu_mode == TU_EXTRA) exit(77);
    return 0;
}

#define TEST_MAIN_END()                                                   \
    do {                                                                  \
        printf("%d checks passed, %d failed\n", tu_pass, tu_fail);        \
        return (tu_fail == 0 && tu_pass > 0) ? 0 : 1;                     \
    } while (0)
#endif

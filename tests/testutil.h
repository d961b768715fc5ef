/* Minimal test harness: CHECK macros count failures; TEST_MAIN_END prints the summary. */
#ifndef TGDP_TESTUTIL_H
#define TGDP_TESTUTIL_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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

#define TEST_MAIN_END()                                                   \
    do {                                                                  \
        printf("%d checks passed, %d failed\n", tu_pass, tu_fail);        \
        return (tu_fail == 0 && tu_pass > 0) ? 0 : 1;                     \
    } while (0)
#endif

/* The one monotonic clock of the library and the tool. */
#include "tgdp/core.h"

#include <time.h>

double tgdp_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

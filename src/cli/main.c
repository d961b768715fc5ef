#include "tgdp/core.h"
#include <stdio.h>
int main(void) { printf("tgdp\n"); return 0; }

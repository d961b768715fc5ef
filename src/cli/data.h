/* .npy data sets for the commands: samples [N, ...] flattened to [N, d], optional int labels. */
#ifndef TGDP_CLI_DATA_H
#define TGDP_CLI_DATA_H
#include "tgdp/io.h"
#include "tgdp/tgdp.h"

typedef struct cli_data {
    tgdp_tensor x;
    tgdp_array y;
    tgdp_dataset ds;
    int n_classes; /* 1 + largest label, 0 without labels */
} cli_data;

int cli_load_data(const char *path, const char *labels_path, cli_data *d, tgdp_error *err);
void cli_free_data(cli_data *d);
#endif

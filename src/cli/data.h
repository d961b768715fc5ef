/* .npy data sets for the commands: samples [N, ...] flattened to [N, d] (the shape is kept for the
 * convolutional networks), optional labels. */
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

/* Labels (tgdp_labels_read, tgdp/labels.h): integers [N] (or [N, 1]), or multi-hot [N, K] (tgdp ecg
 * prepare's D_labels.npy), which become conditioning labels 0..K with n_classes = K + 1. */
int cli_load_data(const char *path, const char *labels_path, cli_data *d, tgdp_error *err);
/* A label file as above into y (int64 [N]); n_classes (may be NULL) gets 1 + the largest label,
 * or K + 1 for multi-hot rows. */
int cli_load_labels(const char *path, tgdp_array *y, int *n_classes, tgdp_error *err);
/* The sample shape [C, L] the convolutional networks see: [N, C, L] data as they are, [N, d]
 * as one channel (C = 1, L = d), [N, C, ...] as C channels of the flattened rest. */
void cli_data_sample_shape(const cli_data *d, int *channels, int *length);
void cli_free_data(cli_data *d);
#endif

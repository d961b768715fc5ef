/* Internal helpers shared by the training loops: batch draws, Adam + EMA state, checks, and the
 * resumable training state (fingerprint, periodic/interrupt checkpoints, resume). */
#ifndef TGDP_TRAIN_UTIL_H
#define TGDP_TRAIN_UTIL_H
#include "tgdp/tgdp.h"

/* A run's fingerprint: what must be equal for a state file to be resumed, as (key, value) text
 * pairs stored in the state's metadata (tgdp.fp.<key>) and compared one by one on resume. */
#define TRAIN_FP_MAX 48
typedef struct train_fp {
    int n;
    char key[TRAIN_FP_MAX][32];
    char val[TRAIN_FP_MAX][112];
} train_fp;

void train_fp_init(train_fp *fp, const char *kind);
void train_fp_add(train_fp *fp, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void train_fp_data(train_fp *fp, const char *key, const tgdp_dataset *d); /* size + checksum (NULL: "none") */
void train_fp_floats(train_fp *fp, const char *key, const float *x, size_t n);
void train_fp_net(train_fp *fp, const char *key, const tgdp_net *net);   /* layout + weights (NULL: "none") */
void train_fp_schedule(train_fp *fp, const tgdp_schedule *s);

/* A step's rows are cut into chunks of at least TRAIN_CHUNK_ROWS rows (at most
 * TRAIN_CHUNKS_MAX) that run on the threads at the same time, each with single-threaded GEMMs:
 * on this 2-core machine two half-batch GEMMs run 1.9x the speed of one GEMM, where OpenBLAS's
 * own 2-thread split of one large GEMM reaches 1.7x (docs/scaling.md). */
/* Convolutional nets cut at TRAIN_CONV_CHUNK_ROWS: a [12, 250] window is as much work as hundreds
 * of mixture rows, and one single-threaded chunk per thread spares the per-op thread
 * synchronisation of small tensors. */
enum { TRAIN_CHUNK_ROWS = 128, TRAIN_CONV_CHUNK_ROWS = 16, TRAIN_CHUNKS_MAX = 8 };
/* the chunk sizes in use (MLPs, conv nets); tests raise them to compare with unchunked steps */
extern int train_chunk_rows, train_conv_chunk_rows;

typedef struct train_state {
    tgdp_adam adam;
    float *ema;        /* NULL when o->ema == 0 */
    tgdp_arena arena;  /* the step's batch buffers */
    tgdp_arena chunk_ar[TRAIN_CHUNKS_MAX], chunk_ev[TRAIN_CHUNKS_MAX]; /* per thread: graphs, frozen nets */
    float *chunk_g;    /* gradient buffers of chunks 1.. (chunk 0 uses the net's own), made on first use */
    int chunk_g_n;     /* how many chunk_g holds */
    double loss_acc;   /* sum of losses over the last 10% of steps */
    int64_t loss_cnt;
    int64_t start;     /* first step to run: 0, or the state's step after a resume */
    const train_fp *fp;
    const tgdp_train_opts *o; /* the run's options */
    tgdp_train_result *res;   /* the run's result (the caller's, or own when it passed NULL) */
    tgdp_train_result own_res;
    tgdp_precision caller_precision; /* restored by train_end */
} train_state;

/* Checks the options, allocates the optimiser state, completes fp with the options (co, go: the
 * per-trainer ones, NULL when the trainer has none) and the net, and with o->resume loads
 * o->state_path into net and st. res (may be NULL) receives the run's result. On failure nothing
 * is left allocated. The loop then runs steps st->start .. o->steps - 1. */
int train_begin(train_state *st, tgdp_net *net, const tgdp_train_opts *o, const tgdp_classifier_opts *co,
                const tgdp_guidance_opts *go, tgdp_train_result *res, train_fp *fp, tgdp_error *err);
/* The end of every step: non-finite loss check, clip, THE optimiser step (the one place where
 * gradients become weights), EMA, loss bookkeeping, progress, then the periodic checkpoint and
 * the stop request. Any non-zero return ends training (TGDP_EINTERRUPTED on a stop request). */
int train_step_end(train_state *st, tgdp_net *net, int64_t step, double loss, tgdp_error *err);
/* copy the EMA weights into the net (if any), free state */
void train_end(train_state *st, tgdp_net *net);

/* train_checkpoint.c: the state file */
int train_state_save(train_state *st, const tgdp_net *net, int64_t step, tgdp_error *err);
int train_state_load(train_state *st, tgdp_net *net, tgdp_error *err);
/* after step `done` (1-based count of finished steps): periodic checkpoint and stop request */
int train_state_after_step(train_state *st, const tgdp_net *net, int64_t done, tgdp_error *err);
/* the error for a non-finite loss (or weights) at step `done`, naming the last good state */
int train_diverged(const train_state *st, int64_t done, const char *what, double value, tgdp_error *err);

/* Data parallelism (tgdp/dist.h): this rank's rows [lo, lo + n) of a global batch of B rows,
 * and frac = n / B, the weight that turns the mean over its rows into its share of the mean over
 * the global batch (1 on a single process). */
typedef struct train_slice {
    int64_t lo;
    int n;
    double frac;
} train_slice;
train_slice train_slice_of(int B);

/* One chunk of a step: rows [rows.lo, rows.lo + rows.n) of the global batch of B rows, with
 * rows.frac = rows.n / B (its share of the global mean); net is the trained network with this
 * chunk's own gradient buffer (zeroed), ar and ev are this thread's arenas (ar reset) for the
 * graph and for evaluations of frozen networks. The function adds its weighted loss to loss and
 * its gradient to net.p.g; it may fill err on failure. */
typedef struct train_chunk {
    train_slice rows;
    tgdp_net net;
    tgdp_arena *ar, *ev;
    double loss;
    tgdp_error err;
} train_chunk;
typedef int (*train_chunk_fn)(void *ctx, train_chunk *c);
/* Runs fn over the chunks of this rank's rows of a batch of B rows (train_slice_of), several at a
 * time on the threads, then sums the chunks' gradients into net->p.g (zeroed first) and their
 * losses into *loss, both in chunk order. The chunks depend on the rows only, never on the
 * number of threads, so a run gives the same result on any number of threads. */
int train_run_chunks(train_state *st, tgdp_net *net, int B, train_chunk_fn fn, void *ctx, double *loss,
                     tgdp_error *err);

/* The classifiers' step without the draws: the class-balanced loss with the penalties of co on
 * one fixed batch of B rows (x [B, d], times t (time classifier), labels y, targets tgt_y, row
 * weights w, curvature directions u [B, d] or NULL), its value in *loss and its parameter
 * gradient added to net->p.g (tests/test_tgdp.c checks it against finite differences). */
int classifier_batch_loss(tgdp_net *net, tgdp_arena *ar, const tgdp_schedule *s, const tgdp_classifier_opts *co, int B,
                          const float *x, const float *t, const int64_t *y, const float *tgt_y, const float *w,
                          const float *u, double *loss, tgdp_error *err);

int check_dataset(const tgdp_dataset *d, const tgdp_net *net, const char *what, tgdp_error *err);
/* indices drawn uniformly with replacement */
void draw_batch(tgdp_rng *r, const tgdp_dataset *d, int B, float *x, int64_t *y, int64_t *idx);
void draw_times(tgdp_rng *r, int B, double t_min, float *t);
/* lambda_t ~ U(lambda_1, lambda_{t_min}) (TGDP_T_LOGSNR), t clamped to [t_min, 1] */
void draw_times_logsnr(tgdp_rng *r, const tgdp_schedule *s, int B, double t_min, float *t);
#endif

/* TGDP: the method's algorithms (see docs/method-notes.md and ../shared/docs/tgdp-method.md).
 *
 *  - tgdp_train_denoiser        noise-prediction training (source model, target-only, fine-tune)
 *  - tgdp_train_classifier      class-balanced domain classifier c(x0) = P(source | x0) (Alg 1),
 *                               and with a schedule the time-dependent c'(x_t, t) (Alg 2)
 *  - tgdp_train_guidance        guidance network h_psi regressed on r = exp(-logit c) over source
 *                               samples (Alg 3), plus the cycle and consistency regularisers (Alg 4)
 *  - eps callbacks for sampling: source/any denoiser, TGDP guided, domain guidance,
 *                               time-dependent-classifier guidance
 *
 * All networks are tgdp_net: a network over (x, t, optional label) with one contiguous parameter
 * buffer, of one of three architectures (tgdp/models.h): an MLP (the default, any data), or for
 * [C, L] signals (ECG windows) the 1-D residual U-Net unet1d (noise predictor) or the 1-D
 * ResNet resnet1d (classifiers, guidance network). Every architecture serves every role; the
 * data are always passed flat, [n, d] with d = C*L for the convolutional ones. Classifier
 * outputs are logits of P(source); the guidance output z is mapped to h = softplus(z)
 * (TGDP_H_SOFTPLUS, the paper's algorithms) or h = exp(z) (TGDP_H_EXP).
 */
#ifndef TGDP_TGDP_H
#define TGDP_TGDP_H

#include "tgdp/api.h"

#include "tgdp/diffusion.h"
#include "tgdp/models.h"

#include <signal.h>

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

typedef enum { TGDP_ROLE_EPS = 0, TGDP_ROLE_CLASSIFIER = 1, TGDP_ROLE_TIME_CLASSIFIER = 2, TGDP_ROLE_GUIDANCE = 3 } tgdp_role;
typedef enum { TGDP_H_SOFTPLUS = 0, TGDP_H_EXP = 1 } tgdp_h_param;

/* The architecture and its configuration, a tagged union: arch is the tag; mlp is the member for
 * TGDP_ARCH_MLP, conv for the convolutional ones (the other member is not to be read). */
typedef struct tgdp_net_config {
    tgdp_arch arch;
    union {
        tgdp_mlp_config mlp;   /* arch == TGDP_ARCH_MLP */
        tgdp_conv_config conv; /* arch == TGDP_ARCH_UNET1D or TGDP_ARCH_RESNET1D */
    };
} tgdp_net_config;

/* A network: its role, its architecture (the tag of the union) and its parameters. */
typedef struct tgdp_net {
    tgdp_role role;
    tgdp_h_param hparam; /* guidance only */
    tgdp_arch arch;
    union {
        tgdp_mlp mlp;      /* arch == TGDP_ARCH_MLP */
        tgdp_convnet conv; /* arch == TGDP_ARCH_UNET1D or TGDP_ARCH_RESNET1D */
    };
    tgdp_params p;
} tgdp_net;

const char *tgdp_role_name(tgdp_role r);
int tgdp_role_parse(const char *s, tgdp_role *out);
/* An MLP network (as before the other architectures existed). */
int tgdp_net_create(tgdp_net *net, tgdp_role role, const tgdp_mlp_config *cfg, uint64_t seed, tgdp_error *err);
/* A network of any architecture; errors say what is wrong with the configuration. */
/* the number of parameters (floats) a network of this configuration has, without allocating it */
int tgdp_net_param_count(tgdp_role role, const tgdp_net_config *cfg, size_t *n, tgdp_error *err);
int tgdp_net_create_arch(tgdp_net *net, tgdp_role role, const tgdp_net_config *cfg, uint64_t seed, tgdp_error *err);
/* The default unet1d noise predictor for ECG windows [12, 250] (tgdp ecg prepare's defaults)
 * with n_classes label classes (0: unconditional): what `tgdp train-source --arch unet1d` builds
 * for such data; for benchmarks. */
int tgdp_net_create_ecg_unet1d(tgdp_net *net, int n_classes, uint64_t seed, tgdp_error *err);
/* The default resnet1d for ECG windows [12, 250] in a scalar-output role (classifier: no time;
 * time_classifier, guidance: Fourier time), as `--arch resnet1d` builds it. */
int tgdp_net_create_ecg_resnet1d(tgdp_net *net, tgdp_role role, int n_classes, uint64_t seed, tgdp_error *err);
int tgdp_net_copy(tgdp_net *dst, const tgdp_net *src, tgdp_error *err);
void tgdp_net_free(tgdp_net *net);
/* x node with d values per sample ([B, d] or [B, d, 1]), t node [B,1] (or -1 when the net takes
 * no time). Returns the raw output node [B, out_dim, 1]. */
int tgdp_net_build(tgdp_graph *gr, tgdp_net *net, int x, int t, const int64_t *labels);

/* What a network takes and gives, whatever its architecture. */
void tgdp_net_get_config(const tgdp_net *net, tgdp_net_config *cfg);
int tgdp_net_time_input(const tgdp_net *net); /* whether it takes t */
int tgdp_net_in_dim(const tgdp_net *net);     /* d (= C*L for the convolutional ones) */
int tgdp_net_out_dim(const tgdp_net *net);
int tgdp_net_n_classes(const tgdp_net *net);  /* 0: not label-conditional */
/* Shape of one sample: [d] (ndim 1, MLP) or [C, L] (ndim 2, convolutional); returns ndim. */
int tgdp_net_sample_shape(const tgdp_net *net, int64_t shape[2]);
/* One line describing the architecture, e.g. "mlp 512,512" or "unet1d [12, 250] width 32 mult 1,2,4". */
void tgdp_net_describe(const tgdp_net *net, char *buf, size_t cap);
/* Pooled feature vectors [n, F] (resnet1d, or unet1d with a pooled head: the input of the final
 * Linear), e.g. the feature space of a Frechet/MMD distance; F = tgdp_net_pooled_dim (0: none). */
int tgdp_net_pooled_dim(const tgdp_net *net);
int tgdp_net_pooled_features(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t, const int64_t *labels,
                      float *out, tgdp_error *err);

/* Batched evaluation of the raw output (eps, logit, or z), t per sample (NULL: no time). */
int tgdp_net_eval(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t, const int64_t *labels,
                  float *out, tgdp_error *err);
/* grad_x of a scalar output transformed by act (e.g. log_softplus -> grad log h; identity ->
 * grad logit), scaled by `scale`; out is [n, d]. */
int tgdp_net_input_grad(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t,
                        const int64_t *labels, tgdp_act act, float scale, float *out, tgdp_error *err);

/* Exact second order in the input (tangent passes, one per input dimension; src/tgdp/net_divergence.c):
 * the noise eps(x, t) of a denoiser with its divergence tr(d eps/dx) (div_out: n doubles), and
 * scale * grad_x f and scale * Laplacian of f for f = act(output) of a scalar network. */
int tgdp_net_eps_div(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t, const int64_t *labels,
                     float *eps_out, double *div_out, tgdp_error *err);
int tgdp_net_input_grad_lap(tgdp_net *net, tgdp_arena *ar, int64_t n, const float *x, const float *t,
                            const int64_t *labels, tgdp_act act, float scale, float *grad_out, double *lap_out,
                            tgdp_error *err);

typedef void (*tgdp_train_progress)(void *ctx, int64_t step, int64_t total, double loss);

/* The learning rate over the steps: constant (the default), or a cosine decay from lr to 0 over
 * the steps (step s of N: lr (1 + cos(pi s / N)) / 2). Either may start with a linear warm-up
 * over the first `warmup` steps (step s < warmup: times (s + 1) / warmup). */
typedef enum { TGDP_LR_CONSTANT = 0, TGDP_LR_COSINE = 1 } tgdp_lr_schedule;
int tgdp_lr_schedule_parse(const char *s, tgdp_lr_schedule *out); /* "constant", "cosine" */
const char *tgdp_lr_schedule_name(tgdp_lr_schedule s);

/* How the denoiser draws its training times: t ~ U(t_min, 1) (the default), or lambda_t (half
 * log-SNR) ~ U(lambda_1, lambda_{t_min}), t = t(lambda): the grid of the DPM-Solver samplers,
 * which spends most of its steps at low noise, where uniform t trains little (with the VP linear
 * schedule, sigma_t < 0.3 for t < 0.09 only). The loss at each t is the same; only where the
 * training effort goes changes. */
typedef enum { TGDP_T_UNIFORM = 0, TGDP_T_LOGSNR = 1 } tgdp_t_sampling;
int tgdp_t_sampling_parse(const char *s, tgdp_t_sampling *out); /* "uniform", "logsnr" */
const char *tgdp_t_sampling_name(tgdp_t_sampling s);

/* What every trainer takes (inputs only: the library never writes to it). */
typedef struct tgdp_train_opts {
    int64_t steps;
    int batch;
    double lr;
    double weight_decay;
    double clip;         /* max gradient norm, <= 0: none */
    double ema;          /* EMA decay of the weights used at the end, 0: none */
    tgdp_lr_schedule lr_schedule; /* constant (default) or cosine, see above */
    int64_t warmup;      /* linear learning-rate warm-up steps (0: none) */
    uint64_t seed;
    double t_min;        /* t ~ U(t_min, 1), default 1e-3 */
    tgdp_precision precision; /* of the steps' matrix products and convolutions (tgdp/nn.h): TGDP_FP32,
                                 or TGDP_BF16 where tgdp_precision_check allows it (else fp32) */
    tgdp_t_sampling t_sampling; /* the denoiser's times: uniform t (default) or uniform log-SNR */
    tgdp_train_progress progress;
    void *progress_ctx;
    /* Resumable training (all off when zeroed; see "Training state" below). */
    const char *state_path;       /* the state file (NULL: none is read or written) */
    int64_t checkpoint_every;     /* write the state every this many steps (<= 0: only when stopped) */
    int resume;                   /* continue from state_path (it must exist and match this run) */
    volatile sig_atomic_t *stop;  /* non-zero (e.g. set by the caller's signal handler): stop after
                                     the current step, write the state, fail with TGDP_EINTERRUPTED */
} tgdp_train_opts;

/* What only the domain classifiers take (tgdp_train_classifier). */
typedef struct tgdp_classifier_opts {
    double label_smoothing; /* targets y -> y (1 - s) + s/2 */
    double grad_penalty;    /* lambda of the input-gradient penalty (0: off), see domain_classifier.c */
    int grad_penalty_data_units; /* time classifier: weight the penalty by 1 (data units) instead of sigma_t^2 */
    double curv_penalty;    /* mu of the curvature (gradient-difference) penalty (0: off), see domain_classifier.c */
} tgdp_classifier_opts;

/* What only the guidance network takes (tgdp_train_guidance*). */
typedef struct tgdp_guidance_opts {
    double eta_cycle, eta_consistency; /* Algorithm 4's regulariser weights (0: Algorithm 3) */
    double r_clip_quantile; /* clip r at this quantile of the source r values (<= 0 or >= 1: none) */
    int normalize_r;        /* divide r by its mean over the source set (h is scale-free for grad log h) */
    int bregman;            /* loss h - r log h (conditional mean, relative fit) instead of (h - r)^2 */
} tgdp_guidance_opts;

/* What a trainer reports (every trainer takes a pointer to one, or NULL). */
typedef struct tgdp_train_result {
    double final_loss;      /* mean loss of the last 10% of steps */
    int64_t start_step;     /* the step training started from (> 0 after a resume) */
    int64_t steps_done;     /* steps completed (== steps on success) */
    int64_t state_step;     /* step of the state now in state_path (-1: none written or read) */
} tgdp_train_result;

/* Defaults: 1000 steps, batch 256, lr 1e-3, clip 1, t_min 1e-3, the rest 0 / off. The per-
 * trainer options default to all zero (no smoothing, penalties, regularisers or clipping). */
void tgdp_train_opts_default(tgdp_train_opts *o);
/* The learning rate of step `step` (0-based) of o->steps under o's schedule and warm-up. */
double tgdp_train_lr(const tgdp_train_opts *o, int64_t step);

/* ---------- Training state: checkpoints, resume, interrupts, divergence ----------
 * With o->state_path set, the three training functions below write a resumable state file
 * every o->checkpoint_every steps and when *o->stop becomes non-zero. It is a safetensors file:
 *   tensors  "weights", "adam.m", "adam.v" (and "ema" with o->ema > 0): F32 [P], the network's
 *            whole contiguous parameter buffer (P floats) and the optimiser moments;
 *   metadata tgdp.state_format = "1", tgdp.step (steps done), tgdp.steps, tgdp.adam_t,
 *            tgdp.loss_acc (C99 hex float, exact), tgdp.loss_cnt, tgdp.threads (informative) and
 *            the run's fingerprint tgdp.fp.<key>: every option of tgdp_train_opts that changes
 *            the result, the network layout and initial weights, the schedule, and size and
 *            checksum of every data set (and of the frozen networks and ratios of the guidance).
 * It is written atomically (temporary file + fsync + rename): killed at any instant, the file
 * holds the previous state or the new one. A state with a non-finite value is never written.
 * With o->resume the state is loaded before the first step and training continues from its
 * step; a fingerprint that differs from this run's is refused (TGDP_EINVAL, naming the first
 * differing item). Since every step draws its random numbers from tgdp_rng_split(seed, step),
 * a resumed run ends with bit-identical weights to an uninterrupted one (same thread count).
 * On a non-finite loss (or gradient norm, or weights) training stops with TGDP_ENONFINITE naming
 * the step; the state file keeps the last good state. The library never deletes the state file,
 * and it installs no signal handlers: the caller owns both (the tgdp commands remove the file
 * once the final model is written). Errors: a stop request returns TGDP_EINTERRUPTED ("interrupted
 * at step k/N; state saved to PATH"); o->resume without the file, TGDP_EIO. */
/* Reads the step counts of a state file (for messages: "step 120 of 300"). */
int tgdp_train_state_peek(const char *path, int64_t *step, int64_t *steps, tgdp_error *err);

typedef struct tgdp_dataset {
    int64_t n;
    int d;
    const float *x;       /* [n, d] */
    const int64_t *y;     /* [n] or NULL */
} tgdp_dataset;

int tgdp_train_denoiser(tgdp_net *net, const tgdp_schedule *s, const tgdp_dataset *data, const tgdp_train_opts *o,
                        tgdp_train_result *res, tgdp_error *err);
/* time-dependent if net->role == TGDP_ROLE_TIME_CLASSIFIER (then s is required) */
int tgdp_train_classifier(tgdp_net *net, const tgdp_schedule *s, const tgdp_dataset *src, const tgdp_dataset *tgt,
                          const tgdp_train_opts *o, const tgdp_classifier_opts *co, tgdp_train_result *res,
                          tgdp_error *err);
/* r = exp(-logit c(x0)) for every source sample (log r written if log_r != NULL) */
int tgdp_density_ratio(tgdp_net *cls, tgdp_arena *ar, const tgdp_dataset *src, float *r, float *log_r, tgdp_error *err);
/* Alg 3 (and Alg 4 when go->eta_cycle/eta_consistency > 0: needs tcls / eps_src), with the ratios
 * r = exp(-logit cls(x0)) of the source samples. co and go may be NULL (all zero). */
int tgdp_train_guidance(tgdp_net *h, tgdp_net *cls, tgdp_net *tcls, tgdp_net *eps_src, const tgdp_schedule *s,
                        const tgdp_dataset *src, const tgdp_dataset *tgt, const tgdp_train_opts *o,
                        const tgdp_guidance_opts *go, tgdp_train_result *res, tgdp_error *err);
/* The same with the source ratios given (r[i] for source sample i), e.g. from another estimator. */
int tgdp_train_guidance_ratios(tgdp_net *h, const float *r, tgdp_net *tcls, tgdp_net *eps_src,
                               const tgdp_schedule *s, const tgdp_dataset *src, const tgdp_dataset *tgt,
                               const tgdp_train_opts *o, const tgdp_guidance_opts *go, tgdp_train_result *res,
                               tgdp_error *err);

/* The consistency regulariser on one noised target batch (x_t, t, labels y, noise eps, source
 * prediction eps_s): returns its value in *loss and ADDS weight * grad_psi of it to h's parameter
 * gradients (exact second order through grad_x log h). Graph buffers come from ar. */
int tgdp_consistency_term(tgdp_net *h, tgdp_arena *ar, const tgdp_schedule *s, int B, int d, const float *xt,
                          const float *t, const int64_t *y, const float *eps, const float *eps_s, double weight,
                          double *loss, tgdp_error *err);

/* ---------- eps callbacks for the samplers (tgdp_eps_fn) ---------- */
typedef struct tgdp_eps_ctx {
    const tgdp_schedule *s;
    tgdp_net *eps;      /* denoiser (source, target-only, fine-tuned) */
    tgdp_net *eps2;     /* domain guidance: the fine-tuned model */
    tgdp_net *guide;    /* TGDP: guidance network h, or a time-dependent classifier */
    double w;           /* guidance scale */
    const int64_t *labels; /* per-sample labels for conditional models, or NULL */
    tgdp_arena *arena;
    float *scratch;     /* n*d floats, owned by the caller */
    tgdp_net **guides;  /* bagged TGDP: n_guides time-dependent classifiers (or guidance nets) whose
                           grad log h are averaged (used instead of guide when n_guides > 0) */
    int n_guides;
} tgdp_eps_ctx;

int tgdp_eps_plain(void *ctx, int n, int d, const float *x, float t, float *eps_out, tgdp_error *err);
/* eps_source - w sigma_t grad log h (guide = guidance net) or
 * eps_source + w sigma_t grad logit c'(x_t,t) (guide = time-dependent classifier: log h* = -logit c') */
int tgdp_eps_guided(void *ctx, int n, int d, const float *x, float t, float *eps_out, tgdp_error *err);
/* eps_source + w (eps_finetuned - eps_source) */
int tgdp_eps_domain_guidance(void *ctx, int n, int d, const float *x, float t, float *eps_out, tgdp_error *err);
/* grad_x log h (guidance net or -grad logit of a time classifier) at one time t */
int tgdp_guidance_grad(tgdp_net *guide, tgdp_arena *ar, int n, int d, const float *x, float t, const int64_t *labels,
                       float *out, tgdp_error *err);
/* the same with the Laplacian of log h (lap: n doubles) */
int tgdp_guidance_grad_lap(tgdp_net *guide, tgdp_arena *ar, int n, int d, const float *x, float t,
                           const int64_t *labels, float *grad, double *lap, tgdp_error *err);

/* The callbacks above with the exact divergence of the noise they return (tgdp_eps_div_fn, for
 * tgdp_flow_log_prob); the context is the same tgdp_eps_ctx, its scratch must hold n*d floats. */
int tgdp_eps_plain_div(void *ctx, int n, int d, const float *x, float t, float *eps_out, double *div_out,
                       tgdp_error *err);
int tgdp_eps_guided_div(void *ctx, int n, int d, const float *x, float t, float *eps_out, double *div_out,
                        tgdp_error *err);
int tgdp_eps_domain_guidance_div(void *ctx, int n, int d, const float *x, float t, float *eps_out, double *div_out,
                                 tgdp_error *err);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

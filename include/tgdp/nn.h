/* tgdp neural-network engine.
 *
 * A network is built, eagerly evaluated, into a tgdp_graph: a list of nodes whose buffers
 * live in the step's arena. Each node has
 *   v   the value,                          g   the gradient of the loss w.r.t. v,
 *   dv  the tangent (directional derivative of v along a chosen input direction),
 *   dg  the gradient of the loss w.r.t. dv.
 * tgdp_graph_forward-style builders compute v as nodes are added. tgdp_graph_tangent()
 * then computes dv for every node given the tangent of one input (dual numbers), and
 * tgdp_graph_backward() propagates g (and dg when tangents exist) to inputs and parameters.
 *
 * Second order: for a scalar network output l(x) (e.g. log h(x, t)) and a fixed direction v,
 * the tangent of l is v . grad_x l. Seeding dg(out) = 1 and running backward gives the exact
 * gradient  grad_psi [ v . grad_x l(x) ]  with respect to the parameters psi (forward-over-
 * reverse differentiation), which the consistency regulariser needs.
 *
 * Shapes: every node is [B, C, L] (L = 1 for feature vectors [B, F] = [B, C=F, L=1]).
 * Parameters of a model live in one contiguous buffer (tgdp_params), and so do their
 * gradients; parameter nodes point into those buffers.
 */
#ifndef TGDP_NN_H
#define TGDP_NN_H

#include "tgdp/api.h"

#include "tgdp/core.h"

#ifdef __cplusplus
extern "C" {
#endif
TGDP_API_BEGIN

typedef enum tgdp_act {
    TGDP_ACT_IDENTITY = 0,
    TGDP_ACT_SILU,
    TGDP_ACT_SOFTPLUS,
    TGDP_ACT_SIGMOID,
    TGDP_ACT_TANH,
    TGDP_ACT_EXP,
    TGDP_ACT_LOG_SOFTPLUS, /* log(softplus(x)): log h for h = softplus(z) */
    TGDP_ACT_RSQRT_EPS,    /* 1/sqrt(x + 1e-5) (group normalisation) */
    TGDP_ACT_SQUARE,
    TGDP_ACT_COUNT
} tgdp_act;

/* activation value and its first two derivatives (double precision) */
double tgdp_act_eval(tgdp_act a, double x, double *d1, double *d2);
const char *tgdp_act_name(tgdp_act a);
int tgdp_act_parse(const char *s, tgdp_act *out);

/* ---------- parameters: one contiguous buffer per model ---------- */
typedef struct tgdp_param_info {
    char name[64];
    int ndim;
    int64_t shape[4];
    size_t off, n;
} tgdp_param_info;

typedef struct tgdp_params {
    float *w; /* values */
    float *g; /* gradients, same layout */
    size_t n; /* total number of floats */
    tgdp_param_info *info;
    int count, cap;
} tgdp_params;

void tgdp_params_init(tgdp_params *p);
/* Register a parameter (before tgdp_params_alloc); returns its index or -1 on error. */
int tgdp_params_add(tgdp_params *p, const char *name, int ndim, const int64_t *shape);
/* Allocate w and g (zeroed) once all parameters are registered. */
int tgdp_params_alloc(tgdp_params *p, tgdp_error *err);
void tgdp_params_free(tgdp_params *p);
void tgdp_params_zero_grad(tgdp_params *p);
int tgdp_params_find(const tgdp_params *p, const char *name);
/* PyTorch-style default init of a weight (U(-1/sqrt(fan_in), 1/sqrt(fan_in))). */
void tgdp_params_init_uniform(tgdp_params *p, int idx, float bound, tgdp_rng *rng);

/* ---------- compute backend and precision ----------
 * Every matrix product and convolution of the engine runs on one backend, chosen for the whole
 * process:
 *   TGDP_GEMM_OPENBLAS  cblas_sgemm; convolutions as im2col + sgemm (always built)
 *   TGDP_GEMM_ONEDNN    oneDNN matmul and convolution primitives (built when libdnnl-dev is
 *                       found), created once per shape and thread and reused
 * The default is oneDNN where built (the faster one, docs/scaling.md), else OpenBLAS; the
 * environment variable TGDP_GEMM=openblas|onednn sets the default of a process.
 *
 * Precision: TGDP_FP32 computes in float32. TGDP_BF16 is mixed precision: the inputs of the
 * matrix products and convolutions are rounded to bfloat16, products are accumulated and
 * written in float32; weights, optimiser moments, losses and element-wise work stay float32.
 * bf16 needs the oneDNN backend and a CPU with avx512_bf16; tgdp_precision_check says whether
 * it can run and why not (TGDP_NO_BF16=1 in the environment makes it unavailable, to test the
 * fallback). A graph computes in the precision current when it was initialised
 * (tgdp_graph_init); runs with a precision option make theirs current while they run. */
typedef enum { TGDP_GEMM_OPENBLAS = 0, TGDP_GEMM_ONEDNN = 1 } tgdp_gemm_backend;
typedef enum { TGDP_FP32 = 0, TGDP_BF16 = 1 } tgdp_precision;

const char *tgdp_gemm_backend_name(tgdp_gemm_backend b);
int tgdp_gemm_backend_parse(const char *s, tgdp_gemm_backend *out);
int tgdp_gemm_backend_available(tgdp_gemm_backend b);  /* built in */
/* Selects the backend of the process (TGDP_EUNSUPPORTED when not built in). Not while a step runs. */
int tgdp_set_gemm_backend(tgdp_gemm_backend b, tgdp_error *err);
tgdp_gemm_backend tgdp_get_gemm_backend(void);
const char *tgdp_precision_name(tgdp_precision p);
int tgdp_precision_parse(const char *s, tgdp_precision *out);
/* 1 when p can run with the current backend on this CPU; else 0 and why (one line) in why. */
int tgdp_precision_check(tgdp_precision p, char *why, size_t cap);
/* The precision that a request for p gets: p where tgdp_precision_check allows it, else fp32. */
tgdp_precision tgdp_precision_effective(tgdp_precision p);
/* Makes tgdp_precision_effective(p) the precision of graphs initialised from now on (process-wide);
 * returns the previous one, to restore when the run ends. Process-wide: runs on several threads at
 * once (the mixture study's seeds) must all use the precision set before they start, or one
 * thread's run would set another's (the training loops set theirs and restore the caller's). */
tgdp_precision tgdp_use_precision(tgdp_precision p);
tgdp_precision tgdp_get_precision(void);

/* ---------- graph ---------- */
enum {
    TGDP_OP_INPUT = 0,
    TGDP_OP_PARAM,
    TGDP_OP_LINEAR,    /* x[B,in] W[out,in] b[out] -> [B,out] */
    TGDP_OP_ACT,       /* elementwise activation */
    TGDP_OP_ADD,       /* a + alpha * b, same shape */
    TGDP_OP_MUL,       /* a * b, same shape */
    TGDP_OP_ADDB,      /* a[o,m,i] + alpha * b[o,m] or b[m] broadcast over i (and o) */
    TGDP_OP_MULB,      /* a[o,m,i] * b[o,m] or b[m] */
    TGDP_OP_MEAN_INNER,/* a[o,m,i] -> [o,m] mean over i */
    TGDP_OP_CONCAT,    /* along dimension 1 (C) */
    TGDP_OP_VIEW,      /* same data, another shape */
    TGDP_OP_FOURIER,   /* t[B,1] -> [B,2K]: sin/cos time embedding */
    TGDP_OP_EMBED,     /* labels -> rows of a table[ncls,E] */
    TGDP_OP_CONV1D,    /* x[B,Cin,L] W[Cout,Cin,K] b[Cout] (stride, padding, dilation), + e (in[3]): [B,Cout] or, ip[3], [B,Cout,Lo] */
    TGDP_OP_AVGPOOL2,  /* [B,C,L] -> [B,C,L/2] (down-sampling) */
    TGDP_OP_UPSAMPLE2, /* [B,C,L] -> [B,C,2L] nearest (up-sampling) */
    TGDP_OP_BMM,       /* batched matrix product alpha op(a[b]) op(c[b]) (src/nn/ops_attn.c) */
    TGDP_OP_SOFTMAX,   /* softmax along L of every row of [B,C,L] (src/nn/ops_attn.c) */
    TGDP_OP_GROUPNORM, /* x[B,C,L] gamma[C] beta[C], G groups (ip[0]), SiLU after it (ip[1]) */
    TGDP_OP_COUNT
};

enum { TGDP_NODE_INPUTS = 4 }; /* the most inputs of one node */

typedef struct tgdp_node {
    int op;
    int in[TGDP_NODE_INPUTS]; /* input node ids, -1 if unused */
    int64_t B, C, L;    /* shape */
    size_t n;           /* B*C*L */
    float *v, *g, *dv, *dg; /* v: NULL for a group norm inside tgdp_norm_conv1d (its value is never made
                               on the oneDNN path: only its convolution reads it) */
    int act;            /* TGDP_OP_ACT */
    float alpha;        /* TGDP_OP_ADD/ADDB coefficient */
    int ip[4];          /* op integer params: conv stride, padding, dilation; fourier K; broadcast flags */
    int64_t sh[3];      /* broadcast view [o,m,i] for ADDB/MULB/MEAN_INNER */
    const int64_t *labels; /* TGDP_OP_EMBED */
    int requires_grad;  /* inputs: whether backward computes their gradient */
    int is_param;       /* g points into a tgdp_params gradient buffer */
    int need;           /* internal: backward computes this node's gradient */
    float *aux;         /* internal: what an op keeps for its backward (group norm: mean, 1/std) */
    const uint16_t *v16; /* internal: v rounded to bf16, made by the first bf16 product that reads it */
    int g_fresh;        /* internal: g was allocated by this backward pass and holds nothing yet (not zeroed) */
} tgdp_node;

typedef struct tgdp_graph {
    tgdp_arena *arena;
    tgdp_node *nodes;
    int n, cap;
    int has_tangent;  /* tgdp_graph_tangent has run */
    int g_assign;     /* internal, during the backward of one node: its first input's gradient holds
                         nothing yet, so the op may assign it instead of adding (nn_backward) */
    tgdp_precision precision; /* of its matrix products and convolutions (tgdp_graph_init) */
    int failed;       /* an op failed; every later call is a no-op */
    tgdp_error err;   /* the first failure: its code (TGDP_ENOMEM, TGDP_EINVAL) and what went wrong */
} tgdp_graph;

/* Marks the graph failed with the first error (later ones keep it); returns -1 (a builder's
 * failure value). Callers report gr->err. */
int tgdp_graph_fail(tgdp_graph *gr, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The graph's failure into err as "what: <the graph's message>" with its code; when the graph did
 * not fail (a buffer outside it could not be allocated), TGDP_ENOMEM "what: out of memory". */
int tgdp_graph_error(const tgdp_graph *gr, tgdp_error *err, const char *what);

/* The graph's node array is allocated in the arena: call again after tgdp_arena_reset. The graph
 * computes in the current precision (tgdp_use_precision). */
void tgdp_graph_init(tgdp_graph *gr, tgdp_arena *arena);
/* Input node: copies nothing, v points at data (must outlive the graph). */
int tgdp_input(tgdp_graph *gr, const float *data, int64_t B, int64_t C, int64_t L, int requires_grad);
/* Parameter node: v/g point into p->w / p->g at parameter idx. */
int tgdp_param(tgdp_graph *gr, tgdp_params *p, int idx);
int tgdp_linear(tgdp_graph *gr, int x, int W, int b);        /* b may be -1 */
int tgdp_act_node(tgdp_graph *gr, int x, tgdp_act a);
int tgdp_add(tgdp_graph *gr, int a, int b, float alpha);
int tgdp_mul(tgdp_graph *gr, int a, int b);
/* broadcast ops: a viewed as [o, m, i] = [a.B, m, a.n/(a.B*m)]; b is [o,m] (per_sample=1) or [m] */
int tgdp_addb(tgdp_graph *gr, int a, int b, int64_t m, int per_sample, float alpha);
int tgdp_mulb(tgdp_graph *gr, int a, int b, int64_t m, int per_sample);
int tgdp_mean_inner(tgdp_graph *gr, int a, int64_t m);      /* [B, m, rest] -> [B, m, 1] */
int tgdp_concat(tgdp_graph *gr, int a, int b);
int tgdp_view(tgdp_graph *gr, int a, int64_t B, int64_t C, int64_t L);
int tgdp_fourier(tgdp_graph *gr, int t, int K);
int tgdp_embed(tgdp_graph *gr, const int64_t *labels, int64_t B, int table);
int tgdp_conv1d(tgdp_graph *gr, int x, int W, int b, int stride, int padding, int dilation);
/* conv1d(x, W) + b + e, e either [B, Cout] per sample (a time embedding) added at every position,
 * the same values as tgdp_addb(conv, e, Cout, 1, 1) after the convolution, or [B, Cout, Lo] added
 * element by element (a residual: tgdp_add(conv, e, 1)), without the extra node's pass and buffers
 * (the sum is made where the convolution's output is written); e = -1: none */
int tgdp_conv1d_add(tgdp_graph *gr, int x, int W, int b, int e, int stride, int padding, int dilation);
/* tgdp_conv1d_add(tgdp_groupnorm_act(x, ...), W, b, e, ...), the same values, the normalised
 * output written only where the convolution reads it (its channels-last input copy) */
int tgdp_norm_conv1d(tgdp_graph *gr, int x, int G, int gamma, int beta, tgdp_act act, int W, int b, int e, int stride,
                     int padding, int dilation);
int tgdp_avgpool2(tgdp_graph *gr, int x);
int tgdp_upsample2(tgdp_graph *gr, int x);
/* Group normalisation of x[B,C,L] with G groups, affine gamma[C], beta[C] (param nodes): one op
 * with tangent and exact second order (ops_norm.c). */
int tgdp_groupnorm(tgdp_graph *gr, int x, int G, int gamma, int beta);
/* Batched matrix product y[i] = alpha op(a[i]) op(b[i]) for i < B: each node is B matrices of C
 * rows and L columns ([B, C, L]; view it first), op the transpose when ta (tb) is nonzero. The
 * inner sizes must agree; y is [B, M, N] (M rows of op(a), N columns of op(b)). Exact tangents
 * and second order like every op (the product rule; src/nn/ops_attn.c). */
int tgdp_bmm(tgdp_graph *gr, int a, int b, int ta, int tb, float alpha);
/* Softmax along L of every row of x [B, C, L] (max-shifted; tangent y (dx - <y, dx>)). */
int tgdp_softmax(tgdp_graph *gr, int x);
/* act(group norm of x): the same op with the activation fused (TGDP_ACT_SILU; other activations
 * are a separate node) */
int tgdp_groupnorm_act(tgdp_graph *gr, int x, int G, int gamma, int beta, tgdp_act act);

/* Tangent pass: dv(input) = dir (B*C*L floats, not copied), other inputs' tangents are zero. */
int tgdp_graph_tangent(tgdp_graph *gr, int input, const float *dir);
/* Backward from node out: g(out) += seed_g (may be NULL), dg(out) += seed_dg (may be NULL;
 * needs tgdp_graph_tangent first). Parameter gradients are accumulated only if param_grads. */
int tgdp_graph_backward(tgdp_graph *gr, int out, const float *seed_g, const float *seed_dg, int param_grads);
/* Zero all non-parameter gradients (to run a second backward on the same graph). */
void tgdp_graph_zero_grads(tgdp_graph *gr);
static inline tgdp_node *tgdp_node_at(tgdp_graph *gr, int id) { return &gr->nodes[id]; }

/* ---------- losses (forward returns the mean loss; backward writes d loss / d pred) ---------- */
/* mean over all n elements of (pred - target)^2 * scale; grad (may be NULL) gets d/dpred */
double tgdp_mse_loss(const float *pred, const float *target, size_t n, float *grad);
/* Weighted binary cross-entropy with logits, stable for any logit:
 *   loss = sum_i w_i * [softplus(z_i) - y_i z_i] ; grad_i = w_i (sigmoid(z_i) - y_i)
 * with y in [0,1]. weights may be NULL (then w_i = 1/n). */
double tgdp_bce_logits_loss(const float *logits, const float *y, const float *weights, size_t n, float *grad);

/* ---------- conv kernels (exposed for reference-vs-optimised tests) ---------- */
int64_t tgdp_conv1d_out_len(int64_t L, int K, int stride, int padding, int dilation);
void tgdp_conv1d_forward_ref(const float *x, const float *W, const float *b, float *y, int64_t B, int64_t Cin,
                             int64_t L, int64_t Cout, int K, int stride, int padding, int dilation);
/* im2col + sgemm; col is scratch of Cin*K*Lout floats */
void tgdp_conv1d_forward_gemm(const float *x, const float *W, const float *b, float *y, int64_t B, int64_t Cin,
                              int64_t L, int64_t Cout, int K, int stride, int padding, int dilation, float *col);

/* ---------- profiling: GEMM counters (off by default; not thread-safe to toggle mid-step) ---------- */
typedef struct tgdp_gemm_stats {
    int64_t calls;
    double flops;   /* 2 M N K summed over the calls */
    double seconds; /* wall time inside sgemm */
} tgdp_gemm_stats;
void tgdp_gemm_stats_enable(int on);
void tgdp_gemm_stats_reset(void);
tgdp_gemm_stats tgdp_gemm_stats_get(void);
/* Recording of the calls while stats are enabled (for replaying a step's matrix products and
 * convolutions on their own: the rate the backend reaches at the step's own shapes). */
enum { TGDP_CALL_GEMM = 0, TGDP_CALL_CONV_FWD, TGDP_CALL_CONV_BWD_DATA, TGDP_CALL_CONV_BWD_WEIGHTS };
typedef struct tgdp_conv_shape { /* x [B, Cin, L] (*) W [Cout, Cin, K] -> y [B, Cout, Lo] */
    int64_t B, Cin, L, Cout, Lo;
    int K, stride, padding, dilation;
} tgdp_conv_shape;
typedef struct tgdp_gemm_call {
    int ta, tb;    /* CBLAS_TRANSPOSE values */
    int M, N, K;
    float beta;
    int op;        /* TGDP_CALL_*: a GEMM (M, N, K, ta, tb, beta), or a convolution (conv) */
    int precision; /* tgdp_precision it ran in */
    tgdp_conv_shape conv;
    int bias;      /* a convolution with bias (forward) or bias gradient (backward weights) */
} tgdp_gemm_call;
void tgdp_gemm_record(int on);
void tgdp_gemm_record_reset(void);
const tgdp_gemm_call *tgdp_gemm_recorded(int *n); /* at most TGDP_GEMM_RECORD_MAX calls are kept */
/* The floating-point operations of one call (2 M N K; 2 B Cout Lo Cin K for a convolution). */
double tgdp_gemm_call_flops(const tgdp_gemm_call *c);
/* GFLOP/s of the calls replayed back to back for about min_time seconds on the current backend,
 * in their own precision, without conversions: one sequence at a time on all threads
 * (concurrent = 0), or one single-threaded copy per thread at once (concurrent = 1, how the
 * chunked steps run). NAN when n == 0 or buffers cannot be allocated. */
double tgdp_gemm_replay(const tgdp_gemm_call *calls, int n, double min_time, int concurrent);
/* the instruction set the oneDNN backend dispatches to ("none" without oneDNN) */
const char *tgdp_onednn_isa(void);
#define TGDP_GEMM_RECORD_MAX 1024

/* ---------- optimisers ---------- */
typedef struct tgdp_adam {
    double lr, beta1, beta2, eps, weight_decay; /* weight_decay: decoupled (AdamW) */
    int64_t t;                                  /* steps taken */
    float *m, *v;                               /* contiguous, like the parameters */
    size_t n;
} tgdp_adam;

int tgdp_adam_init(tgdp_adam *o, size_t n, double lr, double weight_decay, tgdp_error *err);
void tgdp_adam_free(tgdp_adam *o);
void tgdp_adam_step(tgdp_adam *o, float *w, const float *g);
/* The same step with the gradient g_scale * g (g itself unchanged): clipping fused into the step,
 * one pass over the parameters less than tgdp_clip_grad_norm + tgdp_adam_step, same result. */
void tgdp_adam_step_scaled(tgdp_adam *o, float *w, const float *g, float g_scale);
/* Global L2 norm of g (summed in a fixed order: the same on any number of threads). */
double tgdp_grad_norm(const float *g, size_t n);
/* The factor that clipping at max_norm applies to a gradient of this norm (1: none). */
float tgdp_clip_factor(double norm, double max_norm);
/* Scale g so its global L2 norm is at most max_norm; returns the norm before clipping. */
double tgdp_clip_grad_norm(float *g, size_t n, double max_norm);
/* ema = decay * ema + (1 - decay) * w */
void tgdp_ema_update(float *ema, const float *w, size_t n, double decay);

TGDP_API_END
#ifdef __cplusplus
}
#endif
#endif

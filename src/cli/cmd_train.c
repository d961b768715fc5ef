/* Training commands: train-source, train-target, finetune, train-classifier, train-guidance.
 * Data in .npy ([N, d] float, labels int), models out as safetensors checkpoints. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/data.h"
#include "cli/emit.h"
#include "cli/progress.h"
#include "tgdp/dist.h"
#include "tgdp/checkpoint.h"

#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct targs {
    const char *data, *labels, *source, *target, *source_labels, *target_labels;
    const char *model, *classifier, *time_classifier, *out, *hidden, *schedule, *loss, *hparam, *time_mode;
    const char *arch, *mult, *dilation; /* --arch and the convolutional nets' options */
    const char *gemm, *precision; /* --gemm, --precision (prec: the precision the run gets) */
    tgdp_precision prec;
    const char *lr_schedule, *t_sampling;
    int warmup;
    int width, blocks, kernel, groups, skip, attn, attn_heads;
    int steps, batch, seed, threads, quiet, json, time_dependent, normalize_r, temb, checkpoint_every, resume;
    double lr, weight_decay, label_smoothing, eta_cycle, eta_consistency, clip, ema, r_clip, grad_penalty, curv_penalty;
    char state[4200]; /* the resumable state file: <out>.state.safetensors */
} targs;

#define O_STEPS(def) {"steps", OPT_INT, &a.steps, def, "training steps", 1, 1e9}
#define O_BATCH(def) {"batch", OPT_INT, &a.batch, def, "batch size", 1, 1 << 20}
#define O_LR(def) {"lr", OPT_DOUBLE, &a.lr, def, "Adam learning rate", 1e-12, 10}
#define O_COMMON                                                                                       \
    {"seed", OPT_INT, &a.seed, "0", "random seed", 0, 2147483647},                                     \
    {"weight-decay", OPT_DOUBLE, &a.weight_decay, "0", "AdamW decoupled weight decay", 0, 1e6},        \
    {"clip", OPT_DOUBLE, &a.clip, "1", "gradient-norm clipping (0: off)", 0, 1e12},                     \
    {"ema", OPT_DOUBLE, &a.ema, "0", "EMA decay of the weights kept at the end (0: off)", 0, 0.999999}, \
    {"lr-schedule", OPT_STRING, &a.lr_schedule, "constant",                                             \
     "learning rate over the steps: constant, or cosine (decays to 0 at the last step)", 0, -1},        \
    {"warmup", OPT_INT, &a.warmup, "0", "linear learning-rate warm-up over the first N steps", 0, 1e9}, \
    {"threads", OPT_INT, &a.threads, "0", "threads (0: all cores)", 0, 1024},                          \
    {"quiet", OPT_FLAG, &a.quiet, NULL, "no progress output", 0, -1},                                   \
    {"json", OPT_FLAG, &a.json, NULL, "print the result as JSON on stdout", 0, -1},                     \
    {"checkpoint-every", OPT_INT, &a.checkpoint_every, NULL,                                            \
     "write the resumable state <out>.state.safetensors every N steps; 0: only on SIGINT/SIGTERM "     \
     "(default: every 10% of the steps, at most 1000)", 0, 1e9},                                                      \
    {"resume", OPT_FLAG, &a.resume, NULL,                                                                \
     "continue the run saved in <out>.state.safetensors (same options and data; starts afresh if none)", 0, -1}, \
    CLI_COMPUTE_OPTS(a.gemm, a.precision)
#define O_NET(def)                                                                                               \
    {"hidden", OPT_STRING, &a.hidden, def, "mlp: hidden layer sizes", 0, -1},                                    \
    {"time-embedding", OPT_STRING, &a.time_mode, "raw", "mlp: how t enters the network, raw or fourier", 0, -1}, \
    {"temb", OPT_INT, &a.temb, "16", "Fourier frequencies (with --time-embedding fourier; conv nets: always)", 1, 4096}, \
    {"arch", OPT_STRING, &a.arch, "mlp",                                                                          \
     "network: mlp, unet1d (1-D residual U-Net, for the denoiser) or resnet1d (1-D ResNet, for\n"                  \
     "                             classifiers and guidance); conv nets see [N, C, L] data as C channels of L samples", 0, -1}, \
    {"width", OPT_INT, &a.width, "32", "conv nets: base channel count", 1, 4096},                                 \
    {"mult", OPT_STRING, &a.mult, "1,2,4", "conv nets: channel multiplier per resolution level (2x down-sampling between)", 0, -1}, \
    {"blocks", OPT_INT, &a.blocks, "1", "conv nets: residual blocks per level", 1, TGDP_CONV_MAX_BLOCKS},          \
    {"dilation", OPT_STRING, &a.dilation, NULL,                                                                     \
     "conv nets: dilation of the second convolution of every residual block, one per level (e.g. 1,2,4; default none)", 0, -1}, \
    {"attn", OPT_INT, &a.attn, "0", "unet1d: self-attention blocks after the middle block (lowest level)", 0, TGDP_CONV_MAX_ATTN}, \
    {"attn-heads", OPT_INT, &a.attn_heads, "4", "unet1d: heads of the attention blocks", 1, 4096}, \
    {"kernel", OPT_INT, &a.kernel, "3", "conv nets: convolution kernel size (odd)", 1, 63},                         \
    {"groups", OPT_INT, &a.groups, "8", "conv nets: group-normalisation groups", 1, 4096}
#define O_T_SAMPLING                                                                                     \
    {"t-sampling", OPT_STRING, &a.t_sampling, "uniform",                                                  \
     "training times: uniform (t ~ U(0.001, 1)) or logsnr (uniform in log-SNR, as the dpm samplers' grid)", 0, -1}
#define NOPT(o) (int)(sizeof o / sizeof *o)

/* The network options that do not apply to the --arch chosen are errors (2), not ignored. */
static int check_net_options(const char *cmd, const targs *a, const cli_opt *opts, int nopt)
{
    static const char *const conv_only[] = {"width", "mult", "blocks", "kernel", "groups", "dilation", "attn", "attn-heads", NULL};
    static const char *const mlp_only[] = {"hidden", "time-embedding", NULL};
    tgdp_arch arch;
    if (tgdp_arch_parse(a->arch, &arch))
        return cli_errorf(cmd, "--arch: expected mlp, unet1d or resnet1d, got '%s'", a->arch), 2;
    char why[64];
    snprintf(why, sizeof why, "to --arch %s", tgdp_arch_name(arch));
    int rc = cli_reject(cmd, opts, nopt, why, arch == TGDP_ARCH_MLP ? conv_only : mlp_only);
    /* the Fourier frequencies of an MLP exist only with --time-embedding fourier */
    static const char *const temb[] = {"temb", NULL};
    if (!rc && arch == TGDP_ARCH_MLP && a->time_mode && strcmp(a->time_mode, "fourier") != 0)
        rc = cli_reject(cmd, opts, nopt, "to an MLP with --time-embedding raw (use --time-embedding fourier)", temb);
    return rc;
}

/* the network of --arch for data d: out_dim 0 means one output per input value (a denoiser) */
static int make_config(const char *cmd, const targs *a, const cli_data *d, int out_dim, int n_classes, int timed,
                       tgdp_net_config *nc)
{
    memset(nc, 0, sizeof *nc);
    tgdp_error err;
    const int in_dim = d->ds.d;
    if (out_dim == 0) out_dim = in_dim;
    tgdp_arch_parse(a->arch, &nc->arch); /* checked by check_net_options */
    if (nc->arch != TGDP_ARCH_MLP) {
        tgdp_conv_config *k = &nc->conv;
        int C, L;
        cli_data_sample_shape(d, &C, &L);
        tgdp_conv_config_default(k, nc->arch, C, L, out_dim, timed, n_classes);
        k->width = a->width;
        k->blocks = a->blocks;
        k->kernel = a->kernel;
        k->groups = a->groups;
        k->temb = a->temb;
        k->skip = a->skip; /* unet1d noise predictor only: tgdp_conv_check says so otherwise */
        k->attn = a->attn, k->attn_heads = a->attn_heads; /* likewise */
        if (tgdp_conv_parse_mult(k, a->mult, &err) || (a->dilation && tgdp_conv_parse_dilation(k, a->dilation, &err)) ||
            tgdp_conv_check(nc->arch, k, &err))
            return cli_error(cmd, &err);
        return 0;
    }
    tgdp_mlp_config *c = &nc->mlp;
    c->in_dim = in_dim;
    c->out_dim = out_dim;
    c->act = TGDP_ACT_SILU;
    c->n_classes = n_classes;
    c->label_dim = n_classes;
    c->temb = a->temb;
    if (!timed) c->time_mode = TGDP_TIME_NONE;
    else if (strcmp(a->time_mode, "raw") == 0) c->time_mode = TGDP_TIME_RAW;
    else if (strcmp(a->time_mode, "fourier") == 0) c->time_mode = TGDP_TIME_FOURIER;
    else return cli_errorf(cmd, "--time-embedding: expected raw or fourier, got '%s'", a->time_mode);
    if (tgdp_mlp_parse_hidden(c, a->hidden, &err)) return cli_error(cmd, &err);
    c->skip = a->skip; /* denoisers only (the --skip option); tgdp_mlp check_config validates it */
    return 0;
}

/* ---- resumable runs: the state file, interrupts (the library only sees the flag) ---- */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

/* SIGINT and SIGTERM set the flag; the training loop stops after the current step and writes
 * its state. The handler is reset after the first signal, so a second Ctrl-C stops at once
 * (the last state file is intact: it is replaced atomically). An ignored SIGINT (a background
 * job of a non-interactive shell, nohup) stays ignored. */
static void catch_stop_signals(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    if (sigaction(SIGINT, NULL, &old) == 0 && old.sa_handler != SIG_IGN) sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Temporary files "<state>.tmp.XXXXXX" that a kill during a state write left behind. */
static void remove_stale_temporaries(const char *state)
{
    char pattern[4300];
    snprintf(pattern, sizeof pattern, "%s.tmp.??????", state);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0) return;
    size_t len = strlen(state);
    for (size_t i = 0; i < g.gl_pathc; i++) /* the exact prefix only (the path may hold glob characters) */
        if (strncmp(g.gl_pathv[i], state, len) == 0 && strncmp(g.gl_pathv[i] + len, ".tmp.", 5) == 0 &&
            strlen(g.gl_pathv[i]) == len + 11)
            unlink(g.gl_pathv[i]);
    globfree(&g);
}

/* Before any work: a known --lr-schedule; the state file's name; a fresh run refuses to replace
 * an unfinished run's state, and --resume without a state file starts from step 0. Returns 0 or
 * the exit status. */
static int state_prepare(const char *cmd, targs *a)
{
    tgdp_lr_schedule ls;
    if (tgdp_lr_schedule_parse(a->lr_schedule, &ls))
        return cli_errorf(cmd, "--lr-schedule: expected constant or cosine, got '%s'", a->lr_schedule), 2;
    tgdp_t_sampling ts;
    if (a->t_sampling && tgdp_t_sampling_parse(a->t_sampling, &ts))
        return cli_errorf(cmd, "--t-sampling: expected uniform or logsnr, got '%s'", a->t_sampling), 2;
    if (a->checkpoint_every < 0) /* default: every 10% of the steps, at most 1000 apart */
        a->checkpoint_every = a->steps < 10 ? 1 : a->steps / 10 > 1000 ? 1000 : a->steps / 10;
    if ((size_t)snprintf(a->state, sizeof a->state, "%s.state.safetensors", a->out) >= sizeof a->state)
        return cli_errorf(cmd, "--out: path too long"), 2;
    remove_stale_temporaries(a->state);
    int64_t step = 0, steps = 0;
    tgdp_error err;
    if (access(a->state, F_OK) != 0) {
        if (a->resume && !a->quiet && !a->json)
            fprintf(stderr, "%s: no saved state %s: starting from step 0\n", cmd, a->state);
        a->resume = 0;
        return 0;
    }
    if (tgdp_train_state_peek(a->state, &step, &steps, &err)) {
        cli_error(cmd, &err);
        return cli_errorf(cmd, "delete %s to start over", a->state), 1;
    }
    if (!a->resume)
        return cli_errorf(cmd, "%s holds an unfinished run (step %lld of %lld): pass --resume to continue it, or "
                               "delete it to start over", a->state, (long long)step, (long long)steps), 1;
    if (!a->quiet && !a->json)
        fprintf(stderr, "%s: resuming from step %lld of %lld (%s)\n", cmd, (long long)step, (long long)steps, a->state);
    return 0;
}

/* the exit status of a failed training call: 128 + signal after an interrupt, else 1 */
static int train_failed(const char *cmd, const tgdp_error *err)
{
    if (err->code != TGDP_EINTERRUPTED) return cli_error(cmd, err);
    fprintf(stderr, "tgdp %s: %s; rerun with --resume\n", cmd, err->msg);
    return 128 + (stop_signal > 0 ? stop_signal : SIGINT);
}

static void opts_from(targs *a, tgdp_train_opts *o, cli_progress *pg)
{
    tgdp_train_opts_default(o);
    o->steps = a->steps;
    o->batch = a->batch;
    o->lr = a->lr;
    o->seed = (uint64_t)a->seed;
    o->weight_decay = a->weight_decay;
    o->clip = a->clip;
    o->ema = a->ema;
    tgdp_lr_schedule_parse(a->lr_schedule, &o->lr_schedule); /* checked by state_prepare */
    o->warmup = a->warmup;
    o->precision = a->prec;
    if (a->t_sampling) tgdp_t_sampling_parse(a->t_sampling, &o->t_sampling); /* checked by state_prepare */
    o->progress = cli_progress_train;
    o->progress_ctx = pg;
    o->state_path = a->state;
    o->checkpoint_every = a->checkpoint_every;
    o->resume = a->resume;
    o->stop = &stop_signal;
    catch_stop_signals();
}

static int schedule_from(const char *cmd, const char *name, tgdp_schedule *s)
{
    tgdp_schedule_kind k;
    tgdp_error err;
    if (tgdp_schedule_kind_parse(name, &k, &err) || tgdp_schedule_init_default(s, k, 1000, &err))
        return cli_error(cmd, &err);
    return 0;
}

/* writes the model, then removes the state file (the run is complete) */
static int save(const char *cmd, const targs *a, const tgdp_net *net, const char *schedule, const tgdp_train_result *o,
                double secs)
{
    if (tgdp_dist_rank() != 0) return 0; /* data-parallel: rank 0 writes the model and logs */
    tgdp_ckpt_info info;
    memset(&info, 0, sizeof info);
    info.step = a->steps;
    info.seed = (uint64_t)a->seed;
    if (schedule) snprintf(info.schedule, sizeof info.schedule, "%s", schedule);
    tgdp_error err;
    if (tgdp_checkpoint_save(a->out, net, &info, &err)) return cli_error(cmd, &err);
    if (unlink(a->state) != 0 && errno != ENOENT)
        fprintf(stderr, "tgdp %s: warning: cannot remove %s: %s\n", cmd, a->state, strerror(errno));
    cli_emit e; /* JSON on stdout, or a line on stderr */
    cli_emit_begin(&e, a->json ? stdout : a->quiet ? NULL : stderr, a->json, 6, 0);
    cli_emitf(&e, "{command:%s}: wrote {out:%s} (final loss {final_loss:%.5g}, {seconds:%.1f} s", cmd, a->out,
              o->final_loss, secs);
    cli_emit_int(&e, "steps", a->steps);
    cli_emit_int(&e, "start_step", o->start_step);
    if (o->start_step > 0) cli_emitf(&e, " for steps %lld..%d", (long long)o->start_step + 1, a->steps);
    cli_emitf(&e, ")\n");
    cli_emit_finish(&e);
    return 0;
}

/* train-source, train-target (from scratch) and finetune (from --model) */
static int denoiser_cmd(const char *cmd, int argc, char **argv, int finetune)
{
    targs a;
    memset(&a, 0, sizeof a);
    a.checkpoint_every = -1; /* default: see state_prepare */
    cli_opt ft_opts[] = {
        {"model", OPT_STRING, &a.model, NULL, "source model checkpoint to fine-tune (required)", 0, -1},
        {"data", OPT_STRING, &a.data, NULL, "target training data, .npy [N, d] (required)", 0, -1},
        {"labels", OPT_STRING, &a.labels, NULL, "labels .npy [N] (required for a conditional model)", 0, -1},
        {"out", OPT_STRING, &a.out, "finetuned.safetensors", "output checkpoint", 0, -1},
        O_T_SAMPLING, O_STEPS("500"), O_BATCH("256"), O_LR("2e-4"), O_COMMON,
    };
    cli_opt tr_opts[] = {
        {"data", OPT_STRING, &a.data, NULL, "training data, .npy [N, d] (required)", 0, -1},
        {"labels", OPT_STRING, &a.labels, NULL, "labels .npy [N]: trains a label-conditional model", 0, -1},
        {"out", OPT_STRING, &a.out, "model.safetensors", "output checkpoint", 0, -1},
        {"schedule", OPT_STRING, &a.schedule, "vp", "noise schedule: vp (linear VP-SDE) or discrete (DDPM, T=1000)", 0, -1},
        {"skip", OPT_FLAG, &a.skip, NULL,
         "add a learned input skip g(t) x to the noise predictor (mlp, unet1d): the layers learn only the correction to a scaled identity, which they cannot pass exactly (e.g. ECG windows)", 0, -1},
        O_T_SAMPLING, O_STEPS("1500"), O_BATCH("256"), O_LR("1e-3"), O_NET("512,512,512,512,256"), O_COMMON,
    };
    int pr = finetune ? cli_parse(cmd, "Fine-tune a trained denoiser on (target) data.", ft_opts, NOPT(ft_opts), argc, argv)
                      : cli_parse(cmd, "Train a noise-prediction denoiser eps(x_t, t[, y]) on data.", tr_opts,
                                  NOPT(tr_opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if (!finetune && (pr = check_net_options(cmd, &a, tr_opts, NOPT(tr_opts)))) return pr;
    if (!a.data) return cli_errorf(cmd, "--data FILE is required"), 2;
    if (finetune && !a.model) return cli_errorf(cmd, "--model FILE is required"), 2;
    if ((pr = state_prepare(cmd, &a))) return pr;
    tgdp_set_threads(a.threads);
    if ((pr = cli_compute(cmd, a.gemm, a.precision, &a.prec))) return pr;
    tgdp_error err;
    cli_data d;
    if (cli_load_data(a.data, a.labels, &d, &err)) return cli_error(cmd, &err);
    tgdp_net net;
    memset(&net, 0, sizeof net); /* freed on every path, also when no network was made */
    tgdp_ckpt_info info; /* fine-tuning: the model's schedule */
    memset(&info, 0, sizeof info);
    tgdp_schedule s;
    memset(&s, 0, sizeof s);
    int rc = 0;
    if (finetune) {
        if (tgdp_checkpoint_load(a.model, &net, &info, &err) ||
            (tgdp_ckpt_schedule_init(&info, &s, &err) && tgdp_error_prefix(&err, "%s", a.model))) {
            cli_free_data(&d);
            tgdp_net_free(&net);
            return cli_error(cmd, &err);
        }
        if (net.role != TGDP_ROLE_EPS) rc = cli_errorf(cmd, "%s is a %s, not a denoiser", a.model, tgdp_role_name(net.role));
        else if (a.labels && tgdp_net_n_classes(&net) == 0)
            rc = cli_errorf(cmd, "--labels does not apply: %s is not label-conditional", a.model);
    } else {
        tgdp_net_config c;
        if ((rc = make_config(cmd, &a, &d, 0, d.n_classes, 1, &c)) == 0 &&
            tgdp_net_create_arch(&net, TGDP_ROLE_EPS, &c, (uint64_t)a.seed * 7919 + 1, &err))
            rc = cli_error(cmd, &err);
        if (!rc) rc = schedule_from(cmd, a.schedule, &s);
    }
    const char *sched_name = !finetune ? a.schedule : info.schedule[0] ? info.schedule : "vp";
    if (!rc) {
        cli_progress pg;
        cli_progress_init(&pg, cmd, a.quiet || a.json);
        tgdp_train_opts o;
        opts_from(&a, &o, &pg);
        double t0 = tgdp_now_s();
        tgdp_train_result res;
        if (tgdp_train_denoiser(&net, &s, &d.ds, &o, &res, &err)) rc = train_failed(cmd, &err);
        else rc = save(cmd, &a, &net, sched_name, &res, tgdp_now_s() - t0);
    }
    tgdp_schedule_free(&s);
    tgdp_net_free(&net);
    cli_free_data(&d);
    return rc;
}

int cmd_train_source(int argc, char **argv) { return denoiser_cmd("train-source", argc, argv, 0); }
int cmd_train_target(int argc, char **argv) { return denoiser_cmd("train-target", argc, argv, 0); }
int cmd_finetune(int argc, char **argv) { return denoiser_cmd("finetune", argc, argv, 1); }

int cmd_train_classifier(int argc, char **argv)
{
    const char *cmd = "train-classifier";
    targs a;
    memset(&a, 0, sizeof a);
    a.checkpoint_every = -1; /* default: see state_prepare */
    cli_opt opts[] = {
        {"source", OPT_STRING, &a.source, NULL, "source samples .npy [m, d] (required)", 0, -1},
        {"target", OPT_STRING, &a.target, NULL, "target samples .npy [n, d] (required)", 0, -1},
        {"source-labels", OPT_STRING, &a.source_labels, NULL, "source labels: classifier of (x, y) (conditional TGDP)", 0, -1},
        {"target-labels", OPT_STRING, &a.target_labels, NULL, "target labels (with --source-labels)", 0, -1},
        {"time-dependent", OPT_FLAG, &a.time_dependent, NULL, "train c'(x_t, t) on noised samples (Algorithm 2)", 0, -1},
        {"schedule", OPT_STRING, &a.schedule, "vp", "noise schedule for --time-dependent", 0, -1},
        {"label-smoothing", OPT_DOUBLE, &a.label_smoothing, "0", "label smoothing s: targets y(1-s)+s/2", 0, 0.5},
        {"grad-penalty", OPT_DOUBLE, &a.grad_penalty, "0",
         "penalty lambda E sigma_t^2 |grad_x logit|^2 on the input gradient (exact second order)", 0, 1e6},
        {"curv-penalty", OPT_DOUBLE, &a.curv_penalty, "0",
         "penalty mu E sigma_t^2 |grad_x logit(x + sigma_t u) - grad_x logit(x)|^2 (curvature of log r)", 0, 1e6},
        {"out", OPT_STRING, &a.out, "classifier.safetensors", "output checkpoint", 0, -1},
        O_STEPS("1000"), O_BATCH("256"), O_LR("1e-3"), O_NET("512,512,512,512"), O_COMMON,
    };
    int pr = cli_parse(cmd, "Train the class-balanced domain classifier c(x) = P(source | x) (Algorithm 1),\n"
                            "or with --time-dependent c'(x_t, t) (Algorithm 2). log r = -logit c.",
                       opts, NOPT(opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if ((pr = check_net_options(cmd, &a, opts, NOPT(opts)))) return pr;
    if (!a.source || !a.target) return cli_errorf(cmd, "--source FILE and --target FILE are required"), 2;
    if (!a.source_labels != !a.target_labels)
        return cli_errorf(cmd, "--source-labels and --target-labels go together"), 2;
    static const char *const timed_only[] = {"schedule", "time-embedding", "temb", NULL};
    if (!a.time_dependent &&
        (pr = cli_reject(cmd, opts, NOPT(opts), "without --time-dependent (the classifier takes no time)", timed_only)))
        return pr;
    if ((pr = state_prepare(cmd, &a))) return pr;
    tgdp_set_threads(a.threads);
    if ((pr = cli_compute(cmd, a.gemm, a.precision, &a.prec))) return pr;
    tgdp_error err;
    cli_data S, T;
    if (cli_load_data(a.source, a.source_labels, &S, &err)) return cli_error(cmd, &err);
    if (cli_load_data(a.target, a.target_labels, &T, &err)) {
        cli_free_data(&S);
        return cli_error(cmd, &err);
    }
    int rc = 0;
    if (S.ds.d != T.ds.d)
        rc = cli_errorf(cmd, "source samples have dimension %d but target samples %d", S.ds.d, T.ds.d);
    int nc = S.n_classes > T.n_classes ? S.n_classes : T.n_classes;
    tgdp_net_config c;
    tgdp_net net;
    memset(&net, 0, sizeof net);
    tgdp_schedule s;
    memset(&s, 0, sizeof s);
    if (!rc) rc = make_config(cmd, &a, &S, 1, nc, a.time_dependent, &c);
    if (!rc && tgdp_net_create_arch(&net, a.time_dependent ? TGDP_ROLE_TIME_CLASSIFIER : TGDP_ROLE_CLASSIFIER, &c,
                               (uint64_t)a.seed * 7919 + 2, &err))
        rc = cli_error(cmd, &err);
    if (!rc && a.time_dependent) rc = schedule_from(cmd, a.schedule, &s);
    if (!rc) {
        cli_progress pg;
        cli_progress_init(&pg, cmd, a.quiet || a.json);
        tgdp_train_opts o;
        opts_from(&a, &o, &pg);
        tgdp_classifier_opts co = {.label_smoothing = a.label_smoothing, .grad_penalty = a.grad_penalty,
                                   .curv_penalty = a.curv_penalty};
        double t0 = tgdp_now_s();
        tgdp_train_result res;
        if (tgdp_train_classifier(&net, a.time_dependent ? &s : NULL, &S.ds, &T.ds, &o, &co, &res, &err))
            rc = train_failed(cmd, &err);
        else rc = save(cmd, &a, &net, a.time_dependent ? a.schedule : NULL, &res, tgdp_now_s() - t0);
    }
    tgdp_schedule_free(&s);
    tgdp_net_free(&net);
    cli_free_data(&S);
    cli_free_data(&T);
    return rc;
}

int cmd_train_guidance(int argc, char **argv)
{
    const char *cmd = "train-guidance";
    targs a;
    memset(&a, 0, sizeof a);
    a.checkpoint_every = -1; /* default: see state_prepare */
    cli_opt opts[] = {
        {"source", OPT_STRING, &a.source, NULL, "source samples .npy [m, d] (required; the regression runs on them)", 0, -1},
        {"target", OPT_STRING, &a.target, NULL, "target samples .npy (for the regularisers)", 0, -1},
        {"source-labels", OPT_STRING, &a.source_labels, NULL, "source labels (conditional TGDP)", 0, -1},
        {"target-labels", OPT_STRING, &a.target_labels, NULL, "target labels (conditional TGDP)", 0, -1},
        {"classifier", OPT_STRING, &a.classifier, NULL, "domain classifier checkpoint (required)", 0, -1},
        {"time-classifier", OPT_STRING, &a.time_classifier, NULL, "time-dependent classifier (for --eta-cycle)", 0, -1},
        {"model", OPT_STRING, &a.model, NULL, "source denoiser checkpoint (for --eta-consistency)", 0, -1},
        {"eta-cycle", OPT_DOUBLE, &a.eta_cycle, "0", "weight of the cycle regulariser (Algorithm 4)", 0, 1e6},
        {"eta-consistency", OPT_DOUBLE, &a.eta_consistency, "0", "weight of the consistency regulariser (Algorithm 4)", 0, 1e6},
        {"loss", OPT_STRING, &a.loss, "mse", "regression loss: mse (h - r)^2 or bregman h - r log h", 0, -1},
        {"h-param", OPT_STRING, &a.hparam, "softplus", "output map: softplus (h = softplus z) or exp", 0, -1},
        {"normalize-r", OPT_FLAG, &a.normalize_r, NULL, "divide r by its mean over the source set", 0, -1},
        {"r-clip-quantile", OPT_DOUBLE, &a.r_clip, "0", "clip r at this quantile (0: no clipping)", 0, 1},
        {"schedule", OPT_STRING, &a.schedule, "vp", "noise schedule", 0, -1},
        {"out", OPT_STRING, &a.out, "guidance.safetensors", "output checkpoint", 0, -1},
        O_STEPS("1000"), O_BATCH("256"), O_LR("1e-3"), O_NET("512,512,512,512"), O_COMMON,
    };
    int pr = cli_parse(cmd, "Train the guidance network h(x_t, t) by regressing r = exp(-logit c) over source samples\n"
                            "(Algorithm 3), optionally with the cycle and consistency regularisers (Algorithm 4).",
                       opts, NOPT(opts), argc, argv);
    if (pr) return pr > 0 ? 0 : 2;
    if ((pr = check_net_options(cmd, &a, opts, NOPT(opts)))) return pr;
    if (!a.source || !a.classifier) return cli_errorf(cmd, "--source FILE and --classifier FILE are required"), 2;
    if ((a.eta_cycle > 0 || a.eta_consistency > 0) && !a.target)
        return cli_errorf(cmd, "the regularisers need --target FILE"), 2;
    if (a.eta_cycle > 0 && !a.time_classifier) return cli_errorf(cmd, "--eta-cycle needs --time-classifier FILE"), 2;
    if (a.eta_consistency > 0 && !a.model) return cli_errorf(cmd, "--eta-consistency needs --model FILE"), 2;
    if (a.time_classifier && !(a.eta_cycle > 0))
        return cli_errorf(cmd, "--time-classifier does not apply without --eta-cycle (only the cycle term uses it)"), 2;
    if (a.model && !(a.eta_consistency > 0))
        return cli_errorf(cmd, "--model does not apply without --eta-consistency (only the consistency term uses it)"), 2;
    int bregman = strcmp(a.loss, "bregman") == 0, hexp = strcmp(a.hparam, "exp") == 0;
    if (!bregman && strcmp(a.loss, "mse")) return cli_errorf(cmd, "--loss: expected mse or bregman"), 2;
    if (!hexp && strcmp(a.hparam, "softplus")) return cli_errorf(cmd, "--h-param: expected softplus or exp"), 2;
    if ((pr = state_prepare(cmd, &a))) return pr;
    tgdp_set_threads(a.threads);
    if ((pr = cli_compute(cmd, a.gemm, a.precision, &a.prec))) return pr;
    tgdp_error err;
    cli_data S, T;
    memset(&T, 0, sizeof T);
    if (cli_load_data(a.source, a.source_labels, &S, &err)) return cli_error(cmd, &err);
    int rc = 0;
    if (a.target && cli_load_data(a.target, a.target_labels, &T, &err)) rc = cli_error(cmd, &err);
    tgdp_net cls, tcls, src, h;
    memset(&cls, 0, sizeof cls); memset(&tcls, 0, sizeof tcls); memset(&src, 0, sizeof src); memset(&h, 0, sizeof h);
    tgdp_schedule s; /* the time classifier and the model were trained with it too */
    memset(&s, 0, sizeof s);
    tgdp_ckpt_info ti, mi;
    if (!rc) rc = schedule_from(cmd, a.schedule, &s);
    if (!rc && tgdp_checkpoint_load(a.classifier, &cls, NULL, &err)) rc = cli_error(cmd, &err);
    if (!rc && a.time_classifier && (tgdp_checkpoint_load(a.time_classifier, &tcls, &ti, &err) ||
                                     tgdp_ckpt_schedule_check(&ti, &s, a.time_classifier, &err)))
        rc = cli_error(cmd, &err);
    if (!rc && a.model && a.eta_consistency > 0 &&
        (tgdp_checkpoint_load(a.model, &src, &mi, &err) || tgdp_ckpt_schedule_check(&mi, &s, a.model, &err)))
        rc = cli_error(cmd, &err);
    if (!rc && cls.role != TGDP_ROLE_CLASSIFIER) rc = cli_errorf(cmd, "%s is not a domain classifier", a.classifier);
    if (!rc && a.time_classifier && tcls.role != TGDP_ROLE_TIME_CLASSIFIER)
        rc = cli_errorf(cmd, "%s is not a time-dependent classifier", a.time_classifier);
    tgdp_net_config c;
    if (!rc) rc = make_config(cmd, &a, &S, 1, tgdp_net_n_classes(&cls), 1, &c);
    if (!rc && tgdp_net_create_arch(&h, TGDP_ROLE_GUIDANCE, &c, (uint64_t)a.seed * 7919 + 3, &err)) rc = cli_error(cmd, &err);
    if (!rc) {
        h.hparam = hexp ? TGDP_H_EXP : TGDP_H_SOFTPLUS;
        cli_progress pg;
        cli_progress_init(&pg, cmd, a.quiet || a.json);
        tgdp_train_opts o;
        opts_from(&a, &o, &pg);
        tgdp_guidance_opts go = {.eta_cycle = a.eta_cycle, .eta_consistency = a.eta_consistency,
                                 .r_clip_quantile = a.r_clip, .normalize_r = a.normalize_r, .bregman = bregman};
        double t0 = tgdp_now_s();
        tgdp_train_result res;
        if (tgdp_train_guidance(&h, &cls, a.time_classifier ? &tcls : NULL, a.model ? &src : NULL, &s, &S.ds,
                                a.target ? &T.ds : NULL, &o, &go, &res, &err))
            rc = train_failed(cmd, &err);
        else rc = save(cmd, &a, &h, a.schedule, &res, tgdp_now_s() - t0);
    }
    tgdp_schedule_free(&s);
    tgdp_net_free(&cls); tgdp_net_free(&tcls); tgdp_net_free(&src); tgdp_net_free(&h);
    cli_free_data(&S);
    cli_free_data(&T);
    return rc;
}

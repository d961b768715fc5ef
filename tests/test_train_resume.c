/* Resumable training in the library: for the denoiser (with EMA), the time-dependent classifier
 * (with the gradient penalty) and the guidance network (with both regularisers), a run stopped
 * through opts.stop and resumed from its state file ends with the same weights, bit for bit, and
 * the same final loss as an uninterrupted run; a state of another run (changed option, changed
 * data) is refused naming what differs; a diverging run stops naming the step and keeps its last
 * good state. */
#include "testutil.h"
#include "tgdp/io.h"
#include "tgdp/train_util.h" /* draw_times_logsnr */
#include "tgdp/tgdp.h"

#include <string.h>
#include <unistd.h>

enum { M = 300, N = 60, D = 2, STEPS = 40, STOP_AT = 17 };
static float xs[M * D], xt[N * D];
static tgdp_schedule S;
static char dir[] = "/tmp/tgdp_resume.XXXXXX";
static char state_path[256];

static void mknet(tgdp_net *net, tgdp_role role, int out_dim, int timed, uint64_t seed)
{
    tgdp_mlp_config c;
    memset(&c, 0, sizeof c);
    c.in_dim = D;
    c.out_dim = out_dim;
    c.act = TGDP_ACT_SILU;
    c.time_mode = timed ? TGDP_TIME_RAW : TGDP_TIME_NONE;
    tgdp_mlp_parse_hidden(&c, "16,16", NULL);
    CHECK(tgdp_net_create(net, role, &c, seed, NULL) == TGDP_OK);
}

typedef struct stopper {
    volatile sig_atomic_t flag;
    int64_t at;
} stopper;

static void stop_at(void *ctx, int64_t step, int64_t total, double loss)
{
    (void)total;
    (void)loss;
    stopper *s = ctx;
    if (step == s->at) s->flag = 1;
}

/* kind 0: denoiser, 1: time classifier, 2: guidance; the frozen nets are for the guidance */
static tgdp_net cls, tcls, src;

static void opts_for(int kind, tgdp_train_opts *o)
{
    tgdp_train_opts_default(o);
    o->steps = STEPS;
    o->batch = 32;
    o->seed = 5;
    if (kind == 0) { /* the denoiser with EMA and a scheduled learning rate (warm-up, cosine decay) */
        o->ema = 0.9;
        o->lr_schedule = TGDP_LR_COSINE;
        o->warmup = 5;
    }
}

/* the per-trainer options of kind 1 and 2 (the same every run) */
static const tgdp_classifier_opts kind1_co = {.grad_penalty = 0.1};
static const tgdp_guidance_opts kind2_go = {.eta_cycle = 0.1, .eta_consistency = 0.1, .normalize_r = 1};
/* the result of the last run */
static tgdp_train_result res;

static int run(int kind, tgdp_net *net, tgdp_train_opts *o, tgdp_error *err)
{
    tgdp_dataset SD = {M, D, xs, NULL}, TD = {N, D, xt, NULL};
    if (kind == 0) {
        mknet(net, TGDP_ROLE_EPS, D, 1, 11);
        return tgdp_train_denoiser(net, &S, &SD, o, &res, err);
    }
    if (kind == 1) {
        mknet(net, TGDP_ROLE_TIME_CLASSIFIER, 1, 1, 12);
        return tgdp_train_classifier(net, &S, &SD, &TD, o, &kind1_co, &res, err);
    }
    mknet(net, TGDP_ROLE_GUIDANCE, 1, 1, 13);
    return tgdp_train_guidance(net, &cls, &tcls, &src, &S, &SD, &TD, o, &kind2_go, &res, err);
}

static void test_resume(int kind)
{
    const char *name = kind == 0 ? "denoiser" : kind == 1 ? "time classifier" : "guidance";
    tgdp_error err;
    tgdp_net ref, a, b;
    tgdp_train_opts o;
    opts_for(kind, &o);
    CHECKF(run(kind, &ref, &o, &err) == TGDP_OK, "%s: %s", name, err.msg);
    double ref_loss = res.final_loss;
    CHECK(res.steps_done == STEPS && res.start_step == 0 && res.state_step == -1);

    /* stopped at STOP_AT through the flag: the state is written, TGDP_EINTERRUPTED */
    unlink(state_path);
    stopper st = {0, STOP_AT};
    opts_for(kind, &o);
    o.state_path = state_path;
    o.checkpoint_every = 5;
    o.stop = &st.flag;
    o.progress = stop_at;
    o.progress_ctx = &st;
    int rc = run(kind, &a, &o, &err);
    CHECKF(rc == TGDP_EINTERRUPTED, "%s: rc %d: %s", name, rc, err.msg);
    CHECKF(strstr(err.msg, "interrupted at step 17/40") && strstr(err.msg, state_path), "%s: message '%s'", name, err.msg);
    CHECK(res.steps_done == STOP_AT && res.state_step == STOP_AT);
    int64_t step = -1, steps = -1;
    CHECK(tgdp_train_state_peek(state_path, &step, &steps, NULL) == TGDP_OK && step == STOP_AT && steps == STEPS);
    tgdp_net_free(&a);

    /* resumed: bit-identical weights and loss */
    opts_for(kind, &o);
    o.state_path = state_path;
    o.checkpoint_every = 5;
    o.resume = 1;
    rc = run(kind, &b, &o, &err);
    CHECKF(rc == TGDP_OK, "%s: resume failed: %s", name, err.msg);
    CHECK(res.start_step == STOP_AT && res.steps_done == STEPS);
    CHECKF(b.p.n == ref.p.n && memcmp(b.p.w, ref.p.w, ref.p.n * sizeof(float)) == 0,
           "%s: resumed weights differ from the uninterrupted run", name);
    CHECKF(memcmp(&res.final_loss, &ref_loss, sizeof ref_loss) == 0, "%s: final loss %.17g vs %.17g", name,
           res.final_loss, ref_loss);
    /* the library leaves the state (periodic one at step 35) for the caller to remove */
    CHECK(tgdp_train_state_peek(state_path, &step, NULL, NULL) == TGDP_OK && step == 35);
    tgdp_net_free(&b);

    /* resuming from the periodic state of step 35 also ends identically */
    opts_for(kind, &o);
    o.state_path = state_path;
    o.resume = 1;
    CHECK(run(kind, &b, &o, &err) == TGDP_OK && res.start_step == 35);
    CHECKF(memcmp(b.p.w, ref.p.w, ref.p.n * sizeof(float)) == 0, "%s: weights differ after resuming at 35", name);
    tgdp_net_free(&b);

    /* another run's state is refused, naming what differs */
    opts_for(kind, &o);
    o.state_path = state_path;
    o.resume = 1;
    o.lr = 2e-3;
    CHECK(run(kind, &b, &o, &err) == TGDP_EINVAL);
    CHECKF(strstr(err.msg, "cannot resume") && strstr(err.msg, "lr = 0.001") && strstr(err.msg, "lr = 0.002"),
           "%s: message '%s'", name, err.msg);
    tgdp_net_free(&b);
    opts_for(kind, &o);
    o.state_path = state_path;
    o.resume = 1;
    float keep = xs[7];
    xs[7] += 1.0f;
    CHECK(run(kind, &b, &o, &err) == TGDP_EINVAL);
    CHECKF(strstr(err.msg, "source") || strstr(err.msg, "data") || strstr(err.msg, "ratios"), "%s: message '%s'",
           name, err.msg);
    xs[7] = keep;
    tgdp_net_free(&b);
    tgdp_net_free(&ref);
    unlink(state_path);
}

/* the learning-rate schedule: its values, that it is applied, and that it is part of a run's identity */
static void test_lr_schedule(void)
{
    tgdp_train_opts o;
    tgdp_train_opts_default(&o);
    o.steps = 100;
    o.lr = 1e-3;
    CHECK(tgdp_train_lr(&o, 0) == 1e-3 && tgdp_train_lr(&o, 99) == 1e-3);
    o.warmup = 10;
    CHECK_CLOSE(tgdp_train_lr(&o, 0), 1e-4, 1e-12, 1e-9);
    CHECK_CLOSE(tgdp_train_lr(&o, 4), 5e-4, 1e-12, 1e-9);
    CHECK(tgdp_train_lr(&o, 10) == 1e-3);
    o.lr_schedule = TGDP_LR_COSINE;
    CHECK_CLOSE(tgdp_train_lr(&o, 50), 5e-4, 1e-12, 1e-9);                             /* half way: lr / 2 */
    CHECK_CLOSE(tgdp_train_lr(&o, 4), 5e-4 * 0.5 * (1 + cos(3.14159265358979323846 * 0.04)), 1e-12, 1e-9); /* warm-up x cosine */
    CHECK(tgdp_train_lr(&o, 99) < 1e-6 && tgdp_train_lr(&o, 99) > 0);
    tgdp_lr_schedule ls;
    CHECK(tgdp_lr_schedule_parse("cosine", &ls) == TGDP_OK && ls == TGDP_LR_COSINE);
    CHECK(tgdp_lr_schedule_parse("linear", &ls) != TGDP_OK);
    CHECK(!strcmp(tgdp_lr_schedule_name(TGDP_LR_CONSTANT), "constant"));

    /* the denoiser with and without the schedule: different weights */
    tgdp_error err;
    tgdp_net a, b;
    opts_for(0, &o);
    CHECK(run(0, &a, &o, &err) == TGDP_OK);
    o.lr_schedule = TGDP_LR_CONSTANT, o.warmup = 0;
    CHECK(run(0, &b, &o, &err) == TGDP_OK);
    CHECK(memcmp(a.p.w, b.p.w, a.p.n * sizeof(float)) != 0);
    tgdp_net_free(&a);
    tgdp_net_free(&b);
    /* a cosine run's state is not resumed as a constant-rate run */
    unlink(state_path);
    stopper st = {0, STOP_AT};
    opts_for(0, &o);
    o.state_path = state_path, o.stop = &st.flag, o.progress = stop_at, o.progress_ctx = &st;
    CHECK(run(0, &a, &o, &err) == TGDP_EINTERRUPTED);
    tgdp_net_free(&a);
    opts_for(0, &o);
    o.state_path = state_path, o.resume = 1, o.lr_schedule = TGDP_LR_CONSTANT;
    CHECK(run(0, &a, &o, &err) == TGDP_EINVAL);
    CHECKF(strstr(err.msg, "lr-schedule"), "message '%s'", err.msg);
    o.warmup = -1;
    o.resume = 0, o.state_path = NULL;
    tgdp_net_free(&a);
    CHECK(run(0, &a, &o, &err) == TGDP_EINVAL && strstr(err.msg, "warm-up"));
    tgdp_net_free(&a);
    unlink(state_path);
}

/* training times uniform in log-SNR: lambda_t uniform over [lambda_1, lambda_{t_min}], t in
 * [t_min, 1]; a run with them differs from one with uniform t, and its state is not resumed by one */
static void test_t_sampling(void)
{
    enum { NT = 20000 };
    static float t[NT];
    tgdp_rng r = tgdp_rng_new(3);
    draw_times_logsnr(&r, &S, NT, 1e-3, t);
    const double l0 = tgdp_schedule_lambda(&S, 1.0), l1 = tgdp_schedule_lambda(&S, 1e-3);
    double mean = 0, lo = 0, tmin = 1, tmax = 0;
    for (int i = 0; i < NT; i++) {
        double u = (tgdp_schedule_lambda(&S, t[i]) - l0) / (l1 - l0); /* ~ U(0, 1) */
        mean += u / NT;
        lo += (u < 0.25) / (double)NT;
        tmin = fmin(tmin, t[i]), tmax = fmax(tmax, t[i]);
    }
    CHECKF(fabs(mean - 0.5) < 0.01 && fabs(lo - 0.25) < 0.01, "log-SNR of the times: mean %.4f, P(<1/4) %.4f", mean, lo);
    CHECK(tmin >= 1e-3f && tmax <= 1.0f);
    tgdp_t_sampling ts;
    CHECK(tgdp_t_sampling_parse("logsnr", &ts) == TGDP_OK && ts == TGDP_T_LOGSNR);
    CHECK(tgdp_t_sampling_parse("edm", &ts) != TGDP_OK && !strcmp(tgdp_t_sampling_name(TGDP_T_UNIFORM), "uniform"));

    tgdp_error err;
    tgdp_net a, b;
    tgdp_train_opts o;
    opts_for(0, &o);
    CHECK(run(0, &a, &o, &err) == TGDP_OK);
    o.t_sampling = TGDP_T_LOGSNR;
    CHECK(run(0, &b, &o, &err) == TGDP_OK);
    CHECK(memcmp(a.p.w, b.p.w, a.p.n * sizeof(float)) != 0);
    tgdp_net_free(&a);
    tgdp_net_free(&b);
    unlink(state_path);
    stopper st = {0, STOP_AT};
    opts_for(0, &o);
    o.t_sampling = TGDP_T_LOGSNR;
    o.state_path = state_path, o.stop = &st.flag, o.progress = stop_at, o.progress_ctx = &st;
    CHECK(run(0, &a, &o, &err) == TGDP_EINTERRUPTED);
    tgdp_net_free(&a);
    opts_for(0, &o);
    o.state_path = state_path, o.resume = 1;
    CHECK(run(0, &a, &o, &err) == TGDP_EINVAL);
    CHECKF(strstr(err.msg, "t-sampling"), "message '%s'", err.msg);
    tgdp_net_free(&a);
    unlink(state_path);
}

/* huge (finite) data and a large learning rate: the gradient overflows after a step or more */
static void test_divergence(void)
{
    static float big[M * D];
    for (int i = 0; i < M * D; i++) big[i] = xs[i] * 1e18f;
    tgdp_dataset BD = {M, D, big, NULL};
    tgdp_net net;
    tgdp_train_opts o;
    tgdp_error err;
    unlink(state_path);
    tgdp_train_opts_default(&o);
    o.steps = 400;
    o.batch = 16;
    o.lr = 10;
    o.state_path = state_path;
    o.checkpoint_every = 1;
    mknet(&net, TGDP_ROLE_EPS, D, 1, 3);
    int rc = tgdp_train_denoiser(&net, &S, &BD, &o, &res, &err);
    CHECKF(rc == TGDP_ENONFINITE, "rc %d (%s), %lld steps done", rc, err.msg, (long long)res.steps_done);
    CHECKF(res.state_step >= 1 && res.state_step <= res.steps_done, "state step %lld, %lld done", (long long)res.state_step,
           (long long)res.steps_done);
    char want[64];
    snprintf(want, sizeof want, "last good state (step %lld)", (long long)res.state_step);
    CHECKF(strstr(err.msg, "became") && strstr(err.msg, "at step") && strstr(err.msg, want),
           "message '%s' (wanted '%s')", err.msg, want);
    /* the kept state is finite and resumable (it stops again at the same step) */
    tgdp_st_file f;
    if (tgdp_safetensors_read(state_path, &f, NULL) == TGDP_OK) {
        tgdp_tensor w;
        CHECK(tgdp_st_read_f32(&f, "weights", &w, NULL) == TGDP_OK);
        CHECK(tgdp_check_finite(w.data, tgdp_tensor_numel(&w), "w", NULL) == TGDP_OK);
        tgdp_tensor_free(&w);
        tgdp_st_file_free(&f);
    } else {
        CHECKF(0, "no state file after the divergence");
    }
    int64_t done = res.steps_done, kept = res.state_step;
    tgdp_net_free(&net);
    mknet(&net, TGDP_ROLE_EPS, D, 1, 3);
    o.resume = 1;
    rc = tgdp_train_denoiser(&net, &S, &BD, &o, &res, &err);
    CHECKF(rc == TGDP_ENONFINITE && res.start_step == kept && res.steps_done == done, "resume: rc %d, %s", rc, err.msg);
    tgdp_net_free(&net);
    unlink(state_path);

    /* without a state file the message says so, and nothing is written */
    tgdp_train_opts_default(&o);
    o.steps = 400;
    o.batch = 16;
    o.lr = 10;
    mknet(&net, TGDP_ROLE_EPS, D, 1, 3);
    CHECK(tgdp_train_denoiser(&net, &S, &BD, &o, &res, &err) == TGDP_ENONFINITE);
    CHECKF(strstr(err.msg, "became") && !strstr(err.msg, "state"), "message '%s'", err.msg);
    tgdp_net_free(&net);
}

static void test_bad_state(void)
{
    tgdp_error err;
    tgdp_net net;
    tgdp_train_opts o;
    opts_for(0, &o);
    o.state_path = state_path;
    o.resume = 1;
    unlink(state_path);
    CHECK(run(0, &net, &o, &err) == TGDP_EIO);
    tgdp_net_free(&net);
    /* a network checkpoint is not a training state */
    mknet(&net, TGDP_ROLE_EPS, D, 1, 1);
    tgdp_st_writer w;
    tgdp_st_writer_init(&w);
    int64_t shape[1] = {(int64_t)net.p.n};
    tgdp_st_writer_add_f32(&w, "weights", net.p.w, 1, shape, NULL);
    CHECK(tgdp_safetensors_write(state_path, &w, NULL) == TGDP_OK);
    tgdp_st_writer_free(&w);
    tgdp_net_free(&net);
    CHECK(run(0, &net, &o, &err) == TGDP_EFORMAT);
    CHECKF(strstr(err.msg, "not a tgdp training state"), "message '%s'", err.msg);
    CHECK(tgdp_train_state_peek(state_path, NULL, NULL, &err) == TGDP_EFORMAT);
    tgdp_net_free(&net);
    o.state_path = NULL;
    CHECK(run(0, &net, &o, &err) == TGDP_EINVAL);
    tgdp_net_free(&net);
    unlink(state_path);
}

int main(void)
{
    tgdp_set_threads(2);
    tgdp_schedule_init_vp_linear(&S, 0.1, 20, NULL);
    if (!mkdtemp(dir)) return 1;
    snprintf(state_path, sizeof state_path, "%s/run.state.safetensors", dir);
    tgdp_rng r = tgdp_rng_new(1);
    tgdp_rng_fill_normal(&r, xs, M * D, 0, 1);
    tgdp_rng_fill_normal(&r, xt, N * D, 1, 0.5f);
    /* frozen networks for the guidance (their weights are a fresh init: enough here) */
    mknet(&cls, TGDP_ROLE_CLASSIFIER, 1, 0, 21);
    mknet(&tcls, TGDP_ROLE_TIME_CLASSIFIER, 1, 1, 22);
    mknet(&src, TGDP_ROLE_EPS, D, 1, 23);
    for (int k = 0; k < 3; k++) test_resume(k);
    test_lr_schedule();
    test_t_sampling();
    test_divergence();
    test_bad_state();
    tgdp_net_free(&cls);
    tgdp_net_free(&tcls);
    tgdp_net_free(&src);
    tgdp_schedule_free(&S);
    rmdir(dir);
    TEST_MAIN_END();
}

#!/usr/bin/python3
"""PyTorch CPU peer of `tgdp bench` (src/cli/cmd_bench.c): the same workloads, written the way
a PyTorch user would, to measure tgdp against ("torch 1.13, OpenBLAS, N threads, this machine").
A developer's measuring instrument: not part of the product, not a test, not run by CTest.

Run it with Debian's interpreter (python3-torch), not a pyenv python:
    /usr/bin/python3 bench/peer_torch.py [--threads 2] [--workloads all|a,b] [--min-time 2] [--json]
                                         [--precision fp32|bf16]
--precision bf16 runs every forward pass (and the losses) under CPU autocast to bfloat16
(torch.autocast("cpu", dtype=torch.bfloat16)): matrix products in bf16, weights, optimiser and
gradients float32, as a PyTorch user would write mixed precision; tgdp bench --precision bf16
is its counterpart.
bench/compare_peer.sh runs it next to `tgdp bench` and prints the ratios.

What every workload does per step, as tgdp does it (float32, untrained weights, 2-D mixture:
source = equal mixture of N(+-(0.5, 0.5), 0.1 I), 10000 rows; target = the same with
+-(0.5, -0.5), 1000 rows; indices drawn with replacement; VP linear schedule beta 0.1..20,
t ~ U(1e-3, 1); MLPs take [x, t] (t raw, one extra input), SiLU between layers, init
U(+-1/sqrt(fan_in)) for weights and biases; Adam lr 1e-4, betas (0.9, 0.999), eps 1e-8, no weight
decay, global gradient-norm clip at 1.0 applied only when the norm exceeds it, no EMA; the
loss and the gradient norm are read back and checked finite every step, as train_step_end does):

  eps_train_4096/256/64  noise predictor [512,512,512,512,256] -> 2: batch draw, t and noise
                         draws, x_t = alpha x0 + sigma eps, forward, MSE(eps_hat, eps), backward,
                         clip, Adam step.
  g_alg3_4096            guidance net [512]x4 -> 1, h = softplus(z): source batch of 4096,
                         loss mean (h(x_t, t) - r(x0))^2 with r = exp(0.5 N(0,1)) per source row.
  g_alg4_4096            Alg 3 + eta 0.1 * cycle term: 4096 noised target rows, time classifier
                         [512]x4 forward (no grad), target exp(-logit), loss mean (h - target)^2
                         + eta 0.1 * consistency term: 4096 fresh noised target rows, source
                         model forward (no grad), g = grad_x log softplus z (create_graph=True),
                         loss mean ||eps_src - sigma_t g - eps||^2, exact second order. The three
                         terms are backpropagated one after the other into the same gradients,
                         as tgdp does (three graphs, three backward passes).
  sample_10000           guided DPM-Solver-2 (singlestep, r1 = 0.5, time grid uniform in
                         lambda), 25 steps from t = 1 to 1e-3, 10000 samples, w = 1; per
                         evaluation: source eps forward + guidance forward and input gradient of
                         log softplus z, eps - w sigma_t grad, in chunks of 4096 rows (tgdp's
                         evaluation chunk). Rate = samples/s.
  ecg_unet_train_32      NOT implemented here: tgdp's label-conditional 1-D U-Net would have to
                         be copied layer by layer (convnet.c/unet1d.c) for a fair comparison.

Timing as tgdp bench: training = 2 warm-up steps, then at least 3 timed steps and at least
--min-time seconds; sampling = one warm-up run, then timed runs until --min-time has passed.

gflops = (matrix-product FLOPs of one step, 2 M N K per GEMM, forward + backward, counted the
way tgdp's nn_gemm counter counts ITS step) * rate. The counts are derived from the shapes
(flops_per_step below) and agree exactly with `tgdp bench --json` gflops/rate. Using tgdp's count
for both makes gflops a measure of the same useful work.

Differences that could not (or should not) be avoided:
  * Random streams: torch's generator, not tgdp's; the same distributions and shapes.
  * Alg 4 consistency term: tgdp computes the second-order gradient with a tangent (forward-mode)
    pass plus one backward over primal and tangent: 7 GEMMs per guidance-net layer (2 of them
    wasted on the K = 3 first layer). PyTorch's double backward (create_graph=True) needs 6 per
    layer, so the peer does 6.6% fewer GEMM FLOPs in g_alg4_4096 than tgdp
    ("peer's own" FLOPs/step in the table); its gflops still uses tgdp's count. Its SiLU double backward
    is autograd's composite formula (more elementwise kernels than tgdp's fused one).
  * softplus is torch's (linear above z = 20), log h = log(softplus(z)) (tgdp: one fused,
    overflow-safe log-softplus); identical for the untrained nets' outputs.
  * zero_grad keeps the gradient buffers (set_to_none=False, as tgdp's memset); the clip is
    written out (torch's clip_grad_norm_ always rescales, tgdp only above the limit).
  * Noising and sampler coefficients: the schedule is evaluated in float32 tensors on the
    batch (tgdp: double per row, stored as float); sampler step coefficients in double as tgdp.
  * tgdp re-initialises its trainer (Adam state, run fingerprint) per timing pass, outside the
    timed window; here one optimiser per workload. Networks persist across workloads in both.
  * peak_rss_mb includes the Python interpreter and libtorch (a few hundred MB before any
    tensor), so it is not comparable to tgdp's as a measure of the workloads' own memory.
"""
import argparse
import contextlib
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ALL = ["eps_train_4096", "eps_train_256", "eps_train_64", "g_alg3_4096", "g_alg4_4096", "sample_10000"]
OPTIONAL = ["ecg_unet_train_32"]  # tgdp only

EPS_HIDDEN = [512, 512, 512, 512, 256]
G_HIDDEN = [512, 512, 512, 512]
D = 2
M_SRC, N_TGT = 10000, 1000
BETA0, BETA1 = 0.1, 20.0
T_MIN = 1e-3
LR, CLIP = 1e-4, 1.0
ETA = 0.1
EVAL_CHUNK = 4096
SAMPLE_STEPS, SAMPLE_T_END, GUIDE_W = 25, 1e-3, 1.0
WARM_STEPS, MIN_STEPS = 2, 3


# ---------------------------------------------------------------- networks
class MLP(nn.Module):
    """[x, t] -> Linear/SiLU ... -> Linear, as tgdp_mlp_forward with TGDP_TIME_RAW."""

    def __init__(self, in_dim, hidden, out_dim):
        super().__init__()
        dims = [in_dim + 1] + list(hidden) + [out_dim]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        with torch.no_grad():
            for l in self.layers:
                bound = 1.0 / math.sqrt(l.in_features)
                l.weight.uniform_(-bound, bound)
                l.bias.uniform_(-bound, bound)

    def forward(self, x, t):
        h = torch.cat([x, t], 1)
        last = len(self.layers) - 1
        for i, l in enumerate(self.layers):
            h = l(h)
            if i < last:
                h = F.silu(h)
        return h


def mlp_macs(in_dim, hidden, out_dim):
    """(sum of in*out over the layers, the same without the first layer)"""
    dims = [in_dim + 1] + list(hidden) + [out_dim]
    s = [a * b for a, b in zip(dims[:-1], dims[1:])]
    return sum(s), sum(s[1:])


def flops_per_step(name):
    """GEMM FLOPs of one step as tgdp counts them (rows of one sample for sample_10000)."""
    se, se1 = mlp_macs(D, EPS_HIDDEN, D)
    sg, sg1 = mlp_macs(D, G_HIDDEN, 1)
    if name.startswith("eps_train_"):  # forward, dW everywhere, dX but for the first layer
        B = int(name.rsplit("_", 1)[1])
        return 2 * B * (2 * se + se1)
    alg3 = 2 * 4096 * (2 * sg + sg1)
    if name == "g_alg3_4096":
        return alg3
    if name == "g_alg4_4096":
        cycle = 2 * 4096 * sg + alg3  # time classifier forward + regression term
        # source forward; guidance forward, grad_x (all layers), tangent, backward with 4 GEMMs
        consistency = 2 * 4096 * (se + 7 * sg)
        return alg3 + cycle + consistency
    if name == "sample_10000":  # per sample: 2 evals/step, eps forward + guidance fwd + grad_x
        return 2 * SAMPLE_STEPS * 2 * (se + 2 * sg)
    raise ValueError(name)


def peer_own_flops_per_step(name):
    """GEMM FLOPs of the peer's own step (differs from tgdp only in the double backward)."""
    if name != "g_alg4_4096":
        return flops_per_step(name)
    se, _ = mlp_macs(D, EPS_HIDDEN, D)
    sg, sg1 = mlp_macs(D, G_HIDDEN, 1)
    alg3 = 2 * 4096 * (2 * sg + sg1)
    # source forward; guidance forward, grad_x (all layers), the double backward: 2 GEMMs per
    # grad_x GEMM (d gY, d W), then dW everywhere and dX but for the first layer
    consistency = 2 * 4096 * (se + sg + sg + 2 * sg + sg + sg1)
    return alg3 + 2 * 4096 * sg + alg3 + consistency


# ---------------------------------------------------------------- schedule
def log_alpha(t):
    return -0.5 * (BETA0 * t + 0.5 * (BETA1 - BETA0) * t * t)


def alpha_sigma(t):  # tensors
    la = log_alpha(t)
    return torch.exp(la), torch.sqrt(-torch.expm1(2.0 * la))


def sigma_d(t):  # python float
    return math.sqrt(-math.expm1(2.0 * log_alpha(t)))


def lambda_d(t):
    la = log_alpha(t)
    return la - 0.5 * math.log(-math.expm1(2.0 * la))


def t_of_lambda(lam):
    z = -2.0 * lam
    neg_log_alpha = 0.5 * (z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z)))
    db = BETA1 - BETA0
    tmp = 4.0 * db * neg_log_alpha
    return tmp / (math.sqrt(BETA0 * BETA0 + tmp) + BETA0) / db


# ---------------------------------------------------------------- environment
class Env:
    def __init__(self, seed=7):
        g = torch.Generator().manual_seed(seed)
        self.gen = g
        self.xs = self.mixture(M_SRC, (0.5, 0.5), g)
        self.xt = self.mixture(N_TGT, (0.5, -0.5), g)
        self.r = torch.exp(0.5 * torch.randn(M_SRC, 1, generator=g))  # positive ratios
        torch.manual_seed(1)
        self.eps = MLP(D, EPS_HIDDEN, D)
        torch.manual_seed(2)
        self.g = MLP(D, G_HIDDEN, 1)
        torch.manual_seed(3)
        self.tcls = MLP(D, G_HIDDEN, 1)
        for p in self.tcls.parameters():  # frozen in every workload
            p.requires_grad_(False)

    @staticmethod
    def mixture(n, m, g):
        mu = torch.tensor([m, [-m[0], -m[1]]], dtype=torch.float32)
        comp = torch.randint(0, 2, (n,), generator=g)
        return mu[comp] + math.sqrt(0.1) * torch.randn(n, D, generator=g)

    def noised(self, data, B, idx_out=None):
        """rows drawn with replacement, t ~ U(t_min, 1), x_t = alpha x0 + sigma eps"""
        g = self.gen
        idx = torch.randint(0, data.shape[0], (B,), generator=g)
        x0 = data[idx]
        t = torch.rand(B, 1, generator=g) * (1.0 - T_MIN) + T_MIN
        eps = torch.randn(B, D, generator=g)
        a, s = alpha_sigma(t)
        return a * x0 + s * eps, t, eps, idx


def set_trainable(net, on):
    for p in net.parameters():
        p.requires_grad_(on)


class Trainer:
    """Adam + tgdp's train_step_end: finite checks, clip above the limit only, update."""

    def __init__(self, net):
        self.params = list(net.parameters())
        self.opt = torch.optim.Adam(self.params, lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)

    def zero_grad(self):
        self.opt.zero_grad(set_to_none=False)

    def step_end(self, loss):
        if not math.isfinite(loss):
            raise RuntimeError("loss is %g" % loss)
        grads = [p.grad for p in self.params if p.grad is not None]
        norm = math.sqrt(sum(float(g.pow(2).sum()) for g in grads))
        if not math.isfinite(norm):
            raise RuntimeError("gradient norm is %g" % norm)
        if norm > CLIP:
            k = CLIP / (norm + 1e-12)
            for g in grads:
                g.mul_(k)
        self.opt.step()
        return norm


# ---------------------------------------------------------------- steps
BF16 = False  # --precision bf16: forward passes under CPU autocast


def amp():
    """the forward passes' precision context: autocast to bfloat16, or nothing (float32)"""
    return torch.autocast("cpu", dtype=torch.bfloat16) if BF16 else contextlib.nullcontext()


def eps_step(E, tr, B):
    xt, t, eps, _ = E.noised(E.xs, B)
    tr.zero_grad()
    with amp():
        loss = F.mse_loss(E.eps(xt, t).float(), eps)
    loss.backward()
    lv = float(loss)
    tr.step_end(lv)
    return lv


def h_of(g, x, t):
    with amp():
        z = g(x, t)
    return F.softplus(z.float())


def consistency_loss(g, xt, t, eps, eps_s):
    """mean || eps_src - sigma_t grad_x log h(x_t, t) - eps ||^2, differentiable in g's weights"""
    x = xt.detach().requires_grad_(True)
    lh = torch.log(h_of(g, x, t))
    (gx,) = torch.autograd.grad(lh.sum(), x, create_graph=True)
    _, sg = alpha_sigma(t)
    return ((eps_s - sg * gx - eps) ** 2).mean()


def g_step(E, tr, alg4, B=4096, terms=None):
    tr.zero_grad()
    # Algorithm 3 on source rows
    xt, t, _, idx = E.noised(E.xs, B)
    loss3 = ((h_of(E.g, xt, t) - E.r[idx]) ** 2).mean()
    loss3.backward()
    total = float(loss3)
    if alg4:
        # cycle term: h(x_t', t) ~ exp(-logit c'(x_t', t)) on target rows
        xt, t, _, _ = E.noised(E.xt, B)
        with torch.no_grad(), amp():
            target = torch.exp(-E.tcls(xt, t).float())
        lc = ((h_of(E.g, xt, t) - target) ** 2).mean()
        (ETA * lc).backward()
        # consistency term on fresh target rows, exact second order
        xt, t, eps, _ = E.noised(E.xt, B)
        with torch.no_grad(), amp():
            eps_s = E.eps(xt, t).float()
        lk = consistency_loss(E.g, xt, t, eps, eps_s)
        (ETA * lk).backward(inputs=tr.params)
        total += ETA * float(lc) + ETA * float(lk)
        if terms is not None:
            terms.update(l3=float(loss3), cycle=float(lc), consistency=float(lk))
    tr.step_end(total)
    return total


def guided_eps(E, x, t):
    """eps_src(x, t) - w sigma_t grad_x log softplus h(x, t), in chunks of 4096 rows"""
    n = x.shape[0]
    out = torch.empty(n, D)
    grad = torch.empty(n, D)
    with torch.no_grad(), amp():
        for s in range(0, n, EVAL_CHUNK):
            xc = x[s:s + EVAL_CHUNK]
            out[s:s + EVAL_CHUNK] = E.eps(xc, torch.full((xc.shape[0], 1), t)).float()
    for s in range(0, n, EVAL_CHUNK):
        xc = x[s:s + EVAL_CHUNK].detach().requires_grad_(True)
        lh = torch.log(h_of(E.g, xc, torch.full((xc.shape[0], 1), t)))
        (gc,) = torch.autograd.grad(lh.sum(), xc)
        grad[s:s + EVAL_CHUNK] = gc
    out -= (GUIDE_W * sigma_d(t)) * grad
    return out


def sample(E, n, seed, x=None):
    """guided DPM-Solver-2 (singlestep, midpoint in lambda), time grid uniform in lambda;
    x: the starting noise (default: drawn)"""
    l0, l1 = lambda_d(1.0), lambda_d(SAMPLE_T_END)
    ts = [1.0] + [t_of_lambda(l0 + (l1 - l0) * i / SAMPLE_STEPS) for i in range(1, SAMPLE_STEPS)] + [SAMPLE_T_END]
    if x is None:
        x = torch.randn(n, D, generator=torch.Generator().manual_seed(seed))
    for i in range(SAMPLE_STEPS):
        t, s = ts[i], ts[i + 1]
        lam_t = lambda_d(t)
        h = lambda_d(s) - lam_t
        m = t_of_lambda(lam_t + 0.5 * h)
        la_t = log_alpha(t)
        e = guided_eps(E, x, t)
        u = math.exp(log_alpha(m) - la_t) * x - (sigma_d(m) * math.expm1(0.5 * h)) * e
        e = guided_eps(E, u, m)
        x = math.exp(log_alpha(s) - la_t) * x - (sigma_d(s) * math.expm1(h)) * e
    if not torch.isfinite(x).all():
        raise RuntimeError("sampler output is not finite")
    return x


# ---------------------------------------------------------------- timing
def run_train(step_fn, min_time):
    for _ in range(WARM_STEPS):
        step_fn()
    steps, t0 = 0, time.perf_counter()
    while True:
        step_fn()
        steps += 1
        dt = time.perf_counter() - t0
        if steps >= MIN_STEPS and dt >= min_time:
            return steps / dt, dt / steps


def run_sample(E, n, min_time):
    sample(E, n, 0)  # warm-up run
    runs, t0 = 0, time.perf_counter()
    while True:
        sample(E, n, runs + 1)
        runs += 1
        dt = time.perf_counter() - t0
        if dt >= min_time:
            return n * runs / dt, dt / runs


def run_workload(E, name, min_time):
    if name.startswith("eps_train_"):
        B = int(name.rsplit("_", 1)[1])
        set_trainable(E.eps, True)
        tr = Trainer(E.eps)
        return run_train(lambda: eps_step(E, tr, B), min_time)
    if name in ("g_alg3_4096", "g_alg4_4096"):
        set_trainable(E.g, True)
        set_trainable(E.eps, False)  # the frozen source model of the consistency term
        tr = Trainer(E.g)
        alg4 = name == "g_alg4_4096"
        return run_train(lambda: g_step(E, tr, alg4), min_time)
    if name == "sample_10000":
        set_trainable(E.eps, False)
        set_trainable(E.g, False)
        return run_sample(E, 10000, min_time)
    raise ValueError(name)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--workloads", default="all", help="comma-separated subset of %s, or all" % ",".join(ALL))
    ap.add_argument("--min-time", type=float, default=2.0, help="seconds of timed steady state per workload")
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                    help="fp32, or bf16: forward passes under CPU autocast to bfloat16")
    a = ap.parse_args(argv)
    global BF16
    BF16 = a.precision == "bf16"
    if a.threads < 1:
        ap.error("--threads must be >= 1")
    if a.workloads == "all":
        names = list(ALL)
    else:
        names = [w for w in a.workloads.split(",") if w]
        bad = [w for w in names if w not in ALL + OPTIONAL]
        if bad:
            ap.error("unknown workload(s): %s" % ",".join(bad))
        skipped = [w for w in names if w in OPTIONAL]
        if skipped:
            print("peer_torch: %s not implemented in the peer, skipped" % ",".join(skipped), file=sys.stderr)
        names = [w for w in ALL if w in names]  # tgdp's order
    torch.set_num_threads(a.threads)
    E = Env()
    res = {}
    if not a.json:
        print("peer_torch: torch %s, %d thread(s), %s" % (torch.__version__, torch.get_num_threads(), a.precision))
    for name in names:
        rate, per = run_workload(E, name, a.min_time)
        fl = flops_per_step(name)
        res[name] = {"rate": rate, "gflops": rate * fl / 1e9, "seconds_per_step": per,
                     "flops_per_step": fl, "peer_own_flops_per_step": peer_own_flops_per_step(name)}
        if not a.json:
            unit = "samples/s" if name == "sample_10000" else "steps/s"
            print("  %-15s %10.2f %-10s %8.1f GFLOP/s  (tgdp FLOPs/step %.4g, peer's own %.4g)"
                  % (name, rate, unit, res[name]["gflops"], fl, res[name]["peer_own_flops_per_step"]), flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    if a.json:
        out = {"threads": torch.get_num_threads(), "precision": a.precision, "peak_rss_mb": round(rss, 1),
               "workloads": {k: {"rate": round(v["rate"], 4), "gflops": round(v["gflops"], 3),
                                 "seconds_per_step": float("%.6g" % v["seconds_per_step"])}
                             for k, v in res.items()}}
        print(json.dumps(out))
    else:
        print("peer_torch: peak RSS %.1f MB" % rss)
    return 0


if __name__ == "__main__":
    sys.exit(main())

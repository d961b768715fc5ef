#!/usr/bin/env bash
# tgdp bench in both precisions (fp32, bf16) next to its PyTorch CPU peer (bench/peer_torch.py) in
# both modes (float32, CPU autocast to bfloat16), same threads, one after the other, then per
# workload: the rates, the ratios, each one's GFLOP/s and fraction of its own precision's peak,
# and the peak RSS.
#   bash bench/compare_peer.sh TGDP_BINARY [THREADS]        (THREADS default 2)
# Environment: MIN_TIME (seconds of steady state per workload, default 2), WORKLOADS (default
# all; ecg_unet_train_32 has no peer), BASELINE (another tgdp binary, e.g. an older build: its
# fp32 bench joins the table, same run), ROUNDS (default 1: how many times the whole set runs,
# one program after the other in each round; every cell is then the median over the rounds and
# the table gives each rate's spread, min-max over the rounds: on a shared machine whose speed
# drifts, a slow spell then shifts one round, not one column). Needs Debian's /usr/bin/python3
# with python3-torch for the peer; without it the script says so and leaves the peer's columns
# empty (n/a).
# Run it on an otherwise idle machine: a developer's measurement, not a test.
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 TGDP_BINARY [THREADS]" >&2
  exit 2
fi
TGDP=$1
THREADS=${2:-2}
MIN_TIME=${MIN_TIME:-2}
WORKLOADS=${WORKLOADS:-all}
BASELINE=${BASELINE:-}
ROUNDS=${ROUNDS:-1}
case "$ROUNDS" in ''|*[!0-9]*) ROUNDS=0 ;; *) ROUNDS=$((10#$ROUNDS)) ;; esac
if [ "$ROUNDS" -lt 1 ]; then echo "$0: ROUNDS must be a positive integer" >&2; exit 2; fi
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$TGDP" ]; then
  echo "$0: $TGDP is not an executable" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
peer_wl=$WORKLOADS
[ "$peer_wl" = all ] || peer_wl=$(echo "$peer_wl" | tr ',' '\n' | grep -vx 'ecg_unet_train_32' | paste -sd, -)
if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
  echo "$0: $PY cannot import torch (apt-get install python3-torch): the peer's columns are n/a" >&2
  peer="none (torch not installed)"
elif [ -n "$peer_wl" ]; then
  peer="torch"
else
  peer="none (no workload with a peer)"
fi
for r in $(seq 1 "$ROUNDS"); do
  for p in fp32 bf16; do
    echo "round $r/$ROUNDS: tgdp bench --precision $p (threads $THREADS, min-time $MIN_TIME) ..." >&2
    "$TGDP" bench --json --threads "$THREADS" --min-time "$MIN_TIME" --workloads "$WORKLOADS" --precision "$p" \
      >"$tmp/tgdp_${p}_$r.json"
  done
  if [ -n "$BASELINE" ]; then
    echo "round $r/$ROUNDS: baseline $BASELINE bench (fp32) ..." >&2
    "$BASELINE" bench --json --threads "$THREADS" --min-time "$MIN_TIME" --workloads "$WORKLOADS" --precision fp32 \
      >"$tmp/base_$r.json"
  else
    echo '{"workloads": {}}' >"$tmp/base_$r.json"
  fi
  for p in fp32 bf16; do
    if [ "$peer" = torch ]; then
      echo "round $r/$ROUNDS: peer_torch.py --precision $p (threads $THREADS, min-time $MIN_TIME) ..." >&2
      "$PY" "$HERE/peer_torch.py" --json --threads "$THREADS" --min-time "$MIN_TIME" --workloads "$peer_wl" \
        --precision "$p" >"$tmp/peer_${p}_$r.json"
    else
      echo '{"threads": null, "peak_rss_mb": null, "workloads": {}}' >"$tmp/peer_${p}_$r.json"
    fi
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$PY" - "$tmp" "$peer" "$ROUNDS" <<'PYEOF'
import json, statistics, sys
d, peer, R = sys.argv[1], sys.argv[2], int(sys.argv[3])

def ld(f):
    """one program's runs, merged: each workload's rate the median over the rounds (with its min and
    max) and its peak fraction that of the round with the (lower) median rate; the GEMM peak the
    median, the peak RSS the largest; anything else from the first round"""
    runs = [json.load(open("%s/%s_%d.json" % (d, f, r))) for r in range(1, R + 1)]
    out = dict(runs[0])
    med = lambda k: statistics.median(j[k] for j in runs) if all(j.get(k) is not None for j in runs) else None
    out["gemm_gflops"] = med("gemm_gflops")
    rss = [j.get("peak_rss_mb") for j in runs if j.get("peak_rss_mb") is not None]
    out["peak_rss_mb"] = max(rss) if rss else None
    wl = {}
    for n in runs[0].get("workloads", {}):
        v = [j["workloads"][n] for j in runs if n in j.get("workloads", {})]
        w = dict(v[0])
        w["rate"] = statistics.median(x["rate"] for x in v)
        w["rate_min"], w["rate_max"] = min(x["rate"] for x in v), max(x["rate"] for x in v)
        if all("shape_peak_fraction" in x for x in v): # from the round of the (lower) median rate
            w["shape_peak_fraction"] = sorted(v, key=lambda x: x["rate"])[(len(v) - 1) // 2]["shape_peak_fraction"]
        wl[n] = w
    out["workloads"] = wl
    return out

t32, t16, p32, p16, base = ld("tgdp_fp32"), ld("tgdp_bf16"), ld("peer_fp32"), ld("peer_bf16"), ld("base")
W = lambda j: j.get("workloads", {})
print("threads %s; tgdp backend %s (%s); peer: %s" % (t32.get("threads"), t32.get("backend"), t32.get("isa"), peer))
print("GEMM 4096x512x512 peak: fp32 %.1f, bf16 %.1f GFLOP/s" % (t32["gemm_gflops"], t16["gemm_gflops"]))
rate = lambda j, n: W(j)[n]["rate"] if n in W(j) else None
f = lambda v, fmt="%.3f": "n/a" if v is None else fmt % v
ratio = lambda a, b: "n/a" if a is None or b is None or b <= 0 else "%.2fx" % (a / b)
cols = ["workload", "tgdp fp32", "tgdp bf16", "bf16/fp32", "peer fp32", "peer bf16", "t32/p32", "t16/p16",
        "t16/p32", "fp32 of peak", "bf16 of peak"]
if W(base): cols[1:1] = ["baseline", "fp32/base", "bf16/base"]
print("| " + " | ".join(cols) + " |")
print("|" + "---|" * len(cols))
for n in W(t32):
    a, b, c, e = rate(t32, n), rate(t16, n), rate(p32, n), rate(p16, n)
    row = [n, f(a), f(b), ratio(b, a), f(c), f(e), ratio(a, c), ratio(b, e), ratio(b, c),
           "%.0f%%" % (100 * W(t32)[n]["shape_peak_fraction"]),
           "%.0f%%" % (100 * W(t16)[n]["shape_peak_fraction"]) if n in W(t16) else "n/a"]
    if W(base):
        z = rate(base, n)
        row[1:1] = [f(z), ratio(a, z), ratio(b, z)]
    print("| " + " | ".join(row) + " |")
m = lambda j: j.get("peak_rss_mb")
print("peak RSS: tgdp fp32 %s, bf16 %s; peer fp32 %s, bf16 %s (the peer's includes the interpreter and libtorch)"
      % (f(m(t32), "%.0f MB"), f(m(t16), "%.0f MB"), f(m(p32), "%.0f MB"), f(m(p16), "%.0f MB")))
print("(steps/s; samples/s for sample_*; of peak: GFLOP/s over the rate of the same step's matrix products and"
      " convolutions replayed on their own in the same precision)")
if R > 1:
    progs = [("tgdp fp32", t32), ("tgdp bf16", t16), ("peer fp32", p32), ("peer bf16", p16)]
    if W(base): progs.insert(0, ("baseline", base))
    print("\nEvery cell above is the median of %d rounds; each rate's spread over the rounds (min-max):\n" % R)
    print("| workload | " + " | ".join(p for p, _ in progs) + " |")
    print("|" + "---|" * (len(progs) + 1))
    sp = lambda j, n: "%s-%s" % (f(W(j)[n]["rate_min"]), f(W(j)[n]["rate_max"])) if n in W(j) else "n/a"
    for n in W(t32):
        print("| " + " | ".join([n] + [sp(j, n) for _, j in progs]) + " |")
PYEOF

#!/usr/bin/env bash
# tgdp bench in both precisions (fp32, bf16) next to its PyTorch CPU peer (bench/peer_torch.py) in
# both modes (float32, CPU autocast to bfloat16), same threads, one after the other, then per
# workload: the rates, the ratios, each one's GFLOP/s and fraction of its own precision's peak,
# and the peak RSS.
#   bash bench/compare_peer.sh TGDP_BINARY [THREADS]        (THREADS default 2)
# Environment: MIN_TIME (seconds of steady state per workload, default 2), WORKLOADS (default
# all; ecg_unet_train_32 has no peer), BASELINE (another tgdp binary, e.g. an older build: its
# fp32 bench joins the table, same run). Needs Debian's /usr/bin/python3 with python3-torch for the
# peer; without it the script says so and leaves the peer's columns empty (n/a).
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
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$TGDP" ]; then
  echo "$0: $TGDP is not an executable" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for p in fp32 bf16; do
  echo "tgdp bench --precision $p (threads $THREADS, min-time $MIN_TIME) ..." >&2
  "$TGDP" bench --json --threads "$THREADS" --min-time "$MIN_TIME" --workloads "$WORKLOADS" --precision "$p" \
    >"$tmp/tgdp_$p.json"
done
if [ -n "$BASELINE" ]; then
  echo "baseline $BASELINE bench (fp32) ..." >&2
  "$BASELINE" bench --json --threads "$THREADS" --min-time "$MIN_TIME" --workloads "$WORKLOADS" --precision fp32 \
    >"$tmp/base.json"
fi
peer_wl=$WORKLOADS
[ "$peer_wl" = all ] || peer_wl=$(echo "$peer_wl" | tr ',' '\n' | grep -vx 'ecg_unet_train_32' | paste -sd, -)
for p in fp32 bf16; do echo '{"threads": null, "peak_rss_mb": null, "workloads": {}}' >"$tmp/peer_$p.json"; done
if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
  echo "$0: $PY cannot import torch (apt-get install python3-torch): the peer's columns are n/a" >&2
  peer="none (torch not installed)"
elif [ -n "$peer_wl" ]; then
  peer="torch"
  for p in fp32 bf16; do
    echo "peer_torch.py --precision $p (threads $THREADS, min-time $MIN_TIME) ..." >&2
    "$PY" "$HERE/peer_torch.py" --json --threads "$THREADS" --min-time "$MIN_TIME" --workloads "$peer_wl" \
      --precision "$p" >"$tmp/peer_$p.json"
  done
fi
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
[ -s "$tmp/base.json" ] || echo '{"workloads": {}}' >"$tmp/base.json"
"$PY" - "$tmp" "$peer" <<'PYEOF'
import json, sys
d, peer = sys.argv[1], sys.argv[2]
ld = lambda f: json.load(open("%s/%s.json" % (d, f)))
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
PYEOF

#!/usr/bin/env bash
# tgdp bench next to its PyTorch CPU peer (bench/peer_torch.py), same threads, one after the
# other, then per workload: both rates, the speed ratio tgdp/peer, and both peak RSS.
#   bash bench/compare_peer.sh TGDP_BINARY [THREADS]        (THREADS default 2)
# Environment: MIN_TIME (seconds of steady state per workload, default 2), WORKLOADS (default
# all; ecg_unet_train_32 has no peer). Needs Debian's /usr/bin/python3 with python3-torch; exits
# 77 (skipped) without it. Run it on an otherwise idle machine: a developer's measurement, not a test.
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 TGDP_BINARY [THREADS]" >&2
  exit 2
fi
TGDP=$1
THREADS=${2:-2}
MIN_TIME=${MIN_TIME:-2}
WORKLOADS=${WORKLOADS:-all}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$TGDP" ]; then
  echo "$0: $TGDP is not an executable" >&2
  exit 2
fi
if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
  echo "$0: $PY cannot import torch (apt-get install python3-torch); skipped" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "tgdp bench (threads $THREADS, min-time $MIN_TIME) ..." >&2
"$TGDP" bench --json --threads "$THREADS" --min-time "$MIN_TIME" --workloads "$WORKLOADS" >"$tmp/tgdp.json"
echo "peer_torch.py (threads $THREADS, min-time $MIN_TIME) ..." >&2
peer_wl=$WORKLOADS
[ "$peer_wl" = all ] || peer_wl=$(echo "$peer_wl" | tr ',' '\n' | grep -vx 'ecg_unet_train_32' | paste -sd, -)
if [ -n "$peer_wl" ]; then
  "$PY" "$HERE/peer_torch.py" --json --threads "$THREADS" --min-time "$MIN_TIME" --workloads "$peer_wl" >"$tmp/peer.json"
else
  echo '{"threads": '"$THREADS"', "peak_rss_mb": null, "workloads": {}}' >"$tmp/peer.json"
fi
"$PY" - "$tmp/tgdp.json" "$tmp/peer.json" <<'PYEOF'
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
ta, tb = a.get("workloads", {}), b.get("workloads", {})
print("threads: tgdp %s, peer %s (torch)" % (a.get("threads"), b.get("threads")))
print("%-18s %14s %14s %10s %12s %12s" % ("workload", "tgdp rate", "peer rate", "tgdp/peer", "tgdp GF/s", "peer GF/s"))
for name in list(ta) + [k for k in tb if k not in ta]:
    x, y = ta.get(name), tb.get(name)
    unit = "samples/s" if name.startswith("sample_") else "steps/s"
    ra = "%.3f" % x["rate"] if x else "-"
    rb = "%.3f" % y["rate"] if y else "n/a"
    ratio = "%.2fx" % (x["rate"] / y["rate"]) if x and y and y["rate"] > 0 else "-"
    ga = "%.1f" % x["gflops"] if x else "-"
    gb = "%.1f" % y["gflops"] if y else "-"
    print("%-18s %14s %14s %10s %12s %12s   (%s)" % (name, ra, rb, ratio, ga, gb, unit))
fmt = lambda v: "-" if v is None else "%.1f MB" % v
print("peak RSS: tgdp %s, peer %s (the peer's includes the Python interpreter and libtorch)"
      % (fmt(a.get("peak_rss_mb")), fmt(b.get("peak_rss_mb"))))
PYEOF

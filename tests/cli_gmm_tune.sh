#!/usr/bin/env bash
# demo gmm --tune: a small tuning run (finetune's grid, one tuning seed, n = 10, short training)
# on 1 and on 2 threads gives identical files, in fp32 and in bf16 (where it can run; bf16 differs
# from fp32): on 2 threads the grid's cells of the one seed run side by side. tuning.json is valid
# JSON with the grid's 6 points per target size, exactly one chosen, the chosen one has the lowest
# mean MMD^2 and its values are what tuned_hp.inc records for the row. $1 = the tgdp binary.
set -u
T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x /usr/bin/python3 ] || { echo "no python3: skipped"; exit 77; }
dir=$(mktemp -d /tmp/tgdp_tune.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
A="demo gmm --tune --quick --seeds 1 --n 10 --steps-scale 20 --nll-points 0 --first-seed 1000 --methods finetune --quiet"
"$T" $A --threads 1 --out t1 --precision fp32 >/dev/null || { echo "FAILED: tune on 1 thread"; exit 1; }
"$T" $A --threads 2 --out t2 --precision fp32 >/dev/null || { echo "FAILED: tune on 2 threads"; exit 1; }
fail=0
cmp -s t1/tuning.json t2/tuning.json || { echo "FAILED: tuning.json differs between 1 and 2 threads"; fail=1; }
cmp -s t1/tuned_hp.inc t2/tuned_hp.inc || { echo "FAILED: tuned_hp.inc differs between 1 and 2 threads"; fail=1; }
if "$T" version | grep -q "^bf16: yes"; then
  "$T" $A --threads 1 --out b1 --precision bf16 >/dev/null || { echo "FAILED: bf16 tune on 1 thread"; exit 1; }
  "$T" $A --threads 2 --out b2 --precision bf16 >/dev/null || { echo "FAILED: bf16 tune on 2 threads"; exit 1; }
  cmp -s b1/tuning.json b2/tuning.json || { echo "FAILED: bf16 tuning.json differs between 1 and 2 threads"; fail=1; }
  cmp -s b1/tuning.json t1/tuning.json && { echo "FAILED: the bf16 tuning equals the fp32 one (bf16 unused?)"; fail=1; }
fi
/usr/bin/python3 - t1/tuning.json t1/tuned_hp.inc <<'PY' || fail=1
import json, re, sys
j = json.load(open(sys.argv[1]))
inc = open(sys.argv[2]).read()
assert j["seeds"] == 1 and j["first_seed"] == 1000 and j["precision"] == "fp32", j
assert "--precision fp32" in inc, inc[:200]
g = [x for x in j["grids"] if x["method"] == "finetune"]
assert len(g) == 1 and len(j["grids"]) == 1, [x["method"] for x in j["grids"]]
pts = g[0]["points"]
assert len(pts) == 6 and all(p["n"] == 10 for p in pts), pts
assert len({(p["steps"], p["lr"]) for p in pts}) == 6, "grid points repeat"
chosen = [p for p in pts if p["chosen"]]
assert len(chosen) == 1, chosen
c = chosen[0]
assert all(0 < p["mean_mmd2"] < 1 for p in pts), pts
assert c["mean_mmd2"] == min(p["mean_mmd2"] for p in pts), (c, pts)
row = re.search(r"/\* finetune \*/ \{\{(\d+), ([^,]+),", inc)
assert row, inc
assert int(row.group(1)) == c["steps"] and float(row.group(2)) == c["lr"], (row.groups(), c)
print("tuned finetune at n = 10: steps %d lr %g (mean MMD^2 %.4f)" % (c["steps"], c["lr"], c["mean_mmd2"]))
PY
[ $fail = 0 ] && echo "tune: OK"
exit $fail

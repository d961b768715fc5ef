#!/usr/bin/env bash
# 10-second windows end to end (1000 samples at 100 Hz, the paper's): ecg prepare --window-s 10 ->
# train-source --arch unet1d (the default 3-level U-Net and a 4-level one: 1000 -> 500 -> 250 -> 125)
# -> sample -> ecg evaluate and ecg plot; shapes, finite values, a trained loss, samples at the data's
# scale and metrics in range are asserted.
# Skipped (77) without the shared ECG data or Debian's python3 with numpy.
# $1 = the tgdp binary, $2 = the shared folder (../shared).
set -u
T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
E="${2:-}/data/ecg"
PY=/usr/bin/python3
[ -d "$E/ptbxl-records100" ] && [ -d "$E/cpsc2018" ] || { echo "SKIP: no shared ECG data at $E"; exit 77; }
"$PY" -c "import numpy" 2>/dev/null || { echo "SKIP: $PY has no numpy"; exit 77; }
dir=$(mktemp -d /tmp/tgdp_ecg10.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail=0; pass=0
no() { echo "FAILED: $*"; fail=$((fail+1)); }
ok() { if "$@" >out.txt 2>err.txt; then pass=$((pass+1)); else no "$* ($(tail -c 600 err.txt))"; fi; }
Q="--threads 2 --quiet"
NET="--width 8 --groups 4 --skip"

ok "$T" ecg prepare --data "$E" --source-dbs ptbxl --target-dbs cpsc2018 --window-s 10 --max-records 12 --out w --quiet
ok "$T" train-source --arch unet1d $NET --data w/source_x.npy --labels w/source_labels.npy --steps 60 --lr 0.01 --batch 8 --out src.st $Q --json
cp out.txt train.json
ok "$T" train-source --arch unet1d $NET --mult 1,2,4,8 --data w/source_x.npy --steps 3 --batch 4 --out deep.st $Q
ok "$T" sample --model src.st --labels w/target_labels.npy --n 16 --steps 5 --out gen.npy $Q
ok "$T" sample --model deep.st --n 2 --steps 2 --out deep.npy $Q
ok "$T" ecg evaluate --real w/target_x.npy --real-labels w/target_labels.npy --real-records w/target_record.npy \
  --generated gen.npy --generated-labels gen.npy.labels.npy --folds 2 --out r.json \
  --c2st-steps 20 --tstr-steps 20 --c2st-hidden 16 --tstr-hidden 16 --utility-width 4 --utility-steps 20 --boot 30 $Q
ok "$T" ecg plot --in gen.npy --real w/target_x.npy --n 2 --out gen.png
"$PY" - <<'PY' 2>err.txt && pass=$((pass+1)) || no "arrays and metrics: $(tail -c 800 err.txt)"
import json
import numpy as np
m = json.load(open('w/prepare.json'))
assert m['window'] == 1000 and m['stride'] == 1000 and m['window_seconds'] == 10, m['window']
xs, xt = np.load('w/source_x.npy'), np.load('w/target_x.npy')
assert xs.shape == (12, 12, 1000), xs.shape            # 12 PTB-XL records of 10 s: one window each
assert xt.shape[1:] == (12, 1000) and xt.shape[0] >= 12, xt.shape
g, d = np.load('gen.npy'), np.load('deep.npy')
assert g.shape == (16, 12, 1000) and d.shape == (2, 12, 1000), (g.shape, d.shape)
assert np.isfinite(g).all() and np.isfinite(d).all()
# 60 steps learn enough to sample at the data's scale (measured: loss 1.0 -> 0.18, sample sd 1.1
# against the data's 0.43; an untrained U-Net's samples blow up to sd ~230)
assert json.load(open('train.json'))['final_loss'] < 0.4, open('train.json').read()
assert 0.01 < g.std() < 10 * xs.std(), (g.std(), xs.std())
lab = np.load('gen.npy.labels.npy')
assert lab.shape == (16,) and lab.min() >= 0 and lab.max() <= 11, lab
r = json.load(open('r.json'))
s = json.dumps(r)
assert 'NaN' not in s and 'Infinity' not in s
def find(o, k):
    if isinstance(o, dict):
        for a, b in o.items():
            if a == k and isinstance(b, (int, float)): yield b
            yield from find(b, k)
    elif isinstance(o, list):
        for b in o: yield from find(b, k)
c = list(find(r, 'c2st_auroc'))
assert c and all(0 <= v <= 1 for v in c), c
PY
[ "$(head -c 8 gen.png | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] && pass=$((pass+1)) || no "gen.png is not a PNG"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

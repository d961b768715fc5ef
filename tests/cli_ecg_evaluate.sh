#!/usr/bin/env bash
# tgdp ecg evaluate and tgdp ecg plot on tiny synthetic files: the results JSON holds c2st_auroc, feature_distance,
# mmd2 and tstr_macro_auroc (numbers) and one entry per fold; both feature spaces (fixed ECG
# statistics, a classifier trained on --source) and both label layouts (multi-hot, class indices)
# work; --json prints the same; ecg plot writes a PNG of the expected size for [N, 12, L] and
# [N, 12*L] windows; bad input gives one clear line and a non-zero status.
# $1 = the tgdp binary, $2 = the shared folder (unused). The .npy fixtures are written with the
# Python standard library only (no NumPy).
set -u
T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(mktemp -d /tmp/tgdp_ecgeval.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail=0; pass=0
no() { echo "FAILED: $*"; fail=$((fail+1)); }
ok() { if "$@" >out.txt 2>err.txt; then pass=$((pass+1)); else no "$* ($(tail -c 600 err.txt))"; fi; }
bad() { # command must fail with a message matching $1
  local pat="$1"; shift
  if "$@" >out.txt 2>err.txt; then no "should have failed: $*";
  elif ! grep -q -- "$pat" err.txt; then no "wrong message for $*: $(cat err.txt) (wanted $pat)";
  else pass=$((pass+1)); fi; }
has() { # file, JSON key with a number value
  grep -Eq "\"$2\": -?[0-9]" "$1" && pass=$((pass+1)) || no "$1 has no number for \"$2\": $(head -c 400 "$1")"; }

ok "$T" ecg evaluate --help
for d in "default: 5" "default: mlp" "default: results.json" "default: features"; do
  grep -q "$d" out.txt && pass=$((pass+1)) || no "ecg evaluate --help does not show $d"
done
ok "$T" ecg --help
grep -q "evaluate" out.txt && pass=$((pass+1)) || no "ecg --help does not list evaluate"
grep -q "plot" out.txt && pass=$((pass+1)) || no "ecg --help does not list plot"

PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
  echo "note: no python3 to write the fixtures; only --help was tested"
  echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit
fi
"$PY" - <<'PY' || no "writing the fixtures"
import math, random, struct
def npy(path, shape, values, fmt):
    descr = {'f': '<f4', 'q': '<i8'}[fmt]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, ''.join('%d, ' % s for s in shape) if len(shape) == 1 else ', '.join(map(str, shape)))
    pad = 64 - (10 + len(header) + 1) % 64
    header += ' ' * (pad % 64) + '\n'
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode('latin1'))
        f.write(struct.pack('<%d%s' % (len(values), fmt), *values))
rnd = random.Random(3)
C, L, K = 12, 16, 3
def windows(n, shift, per_record):
    x, lab, rec = [], [], []
    for i in range(n):
        r = i // per_record
        cls = r % K
        for c in range(C):
            for t in range(L):
                x.append(shift + math.sin(0.4 * (cls + 1) * t + c) + 0.3 * rnd.gauss(0, 1))
        lab.append(cls)
        rec.append(100 + 7 * r)
    return x, lab, rec
xr, lr, rr = windows(48, 0.0, 4)     # 12 records of 4 windows
xg, lg, _ = windows(36, 0.2, 1)
xs, ls, _ = windows(40, 0.0, 2)
onehot = lambda lab: [int(k == c) for c in lab for k in range(K)]
npy('real.npy', (48, C, L), xr, 'f'); npy('real_labels.npy', (48, K), onehot(lr), 'q')
npy('real_record.npy', (48,), rr, 'q')
npy('gen.npy', (36, C, L), xg, 'f'); npy('gen_classes.npy', (36,), lg, 'q')
npy('gen_labels.npy', (36, K), onehot(lg), 'q')
npy('src.npy', (40, C, L), xs, 'f'); npy('src_labels.npy', (40, K), onehot(ls), 'q')
npy('gen_flat.npy', (36, C * L), xg, 'f')
npy('gen_short.npy', (36, C, L - 1), xg[:36 * C * (L - 1)], 'f')
npy('labels5.npy', (36, 5), [0] * 180, 'q')
npy('five.npy', (36, 5), [0.0] * 180, 'f')
PY

NOUTIL="--c2st-steps 20 --tstr-steps 20 --feature-steps 20 --c2st-hidden 16 --tstr-hidden 16 --feature-hidden 16 --threads 2"
SMALL="$NOUTIL --utility-width 8 --utility-steps 20 --boot 30"
R="--real real.npy --real-labels real_labels.npy --real-records real_record.npy"
ok "$T" ecg evaluate $R --generated gen.npy --generated-labels gen_classes.npy --folds 3 --out r1.json $SMALL
for k in c2st_auroc feature_distance mmd2 tstr_macro_auroc trtr_macro_auroc hf_noise_ratio real_beat_fraction beat_fraction \
         aug_macro_auroc aug_fbeta2 aug_gbeta2 real_only_macro_auroc real_only_fbeta2 real_only_gbeta2; do has r1.json $k; done
grep -q '"feature_extractor": "ecg_stats"' r1.json && pass=$((pass+1)) || no "r1.json: feature extractor is not ecg_stats"
[ "$(grep -c '"fold": ' r1.json)" -eq 3 ] && pass=$((pass+1)) || no "r1.json: not 3 fold entries"
grep -q "c2st_auroc" out.txt && pass=$((pass+1)) || no "no table on stdout"
grep -q "aug_macro_auroc .*5-95%: \[" out.txt && pass=$((pass+1)) || no "no utility interval in the table: $(cat out.txt)"
# the utility metrics: in [0, 1], inside their bootstrap interval, once per fold; the realism keys
"$PY" - r1.json <<'PY' && pass=$((pass+1)) || no "r1.json: utility/realism values"
import json, sys
j = json.load(open(sys.argv[1]))
for k in ("aug_macro_auroc", "aug_fbeta2", "aug_gbeta2", "real_only_macro_auroc", "real_only_fbeta2", "real_only_gbeta2"):
    v, lo, hi = j[k], j[k + "_lo"], j[k + "_hi"]
    assert 0 <= lo <= v <= hi <= 1, (k, lo, v, hi)
    s = j["summary"][k]
    assert s["n"] == 3 and s["lo"] == lo and s["hi"] == hi, (k, s)
    for r in j["results"]:
        assert 0 <= r[k] <= 1 and r[k + "_lo"] <= r[k + "_hi"], (k, r)
# sine windows at 100 Hz have no QRS: no beats on either side; both have the same spectrum
assert j["beat_fraction"] == 0 and j["real_beat_fraction"] == 0 and j["hr_w1"] is None, j
assert 0.5 < j["hf_noise_ratio"] < 2, j["hf_noise_ratio"]
assert j["settings"]["fs"] == 100 and j["settings"]["realism_lead"] == "II"
PY
ok "$T" ecg evaluate $R --generated gen.npy --generated-labels gen_classes.npy --folds 3 --out r5.json --no-utility $NOUTIL
grep -q '"aug_macro_auroc": null' r5.json && grep -q '"real_only_fbeta2": null' r5.json && pass=$((pass+1)) || no "--no-utility: utility keys not null"
bad "utility-arch" "$T" ecg evaluate $R --generated gen.npy --utility-arch vgg $SMALL
bad "boot does not apply with --no-utility" "$T" ecg evaluate $R --generated gen.npy --no-utility --boot 20
bad "lead" "$T" ecg evaluate $R --generated gen.npy --lead X9 $SMALL
# the source feature classifier, multi-hot generated labels, 2 seeds, flat generated windows, --json
ok "$T" ecg evaluate $R --generated gen_flat.npy --generated-labels gen_labels.npy --source src.npy \
   --source-labels src_labels.npy --folds 2 --seeds 2 --out r2.json --json --quiet $SMALL
grep -q '"feature_extractor": "source_classifier_penultimate"' r2.json && pass=$((pass+1)) || no "r2.json: not the source features"
[ "$(grep -c '"fold": ' r2.json)" -eq 4 ] && pass=$((pass+1)) || no "r2.json: not 2 x 2 fold entries"
has out.txt tstr_macro_auroc
[ ! -s err.txt ] && pass=$((pass+1)) || no "--quiet still printed: $(cat err.txt)"
# the same run again: identical numbers (seeded)
ok "$T" ecg evaluate $R --generated gen_flat.npy --generated-labels gen_labels.npy --source src.npy \
   --source-labels src_labels.npy --folds 2 --seeds 2 --out r3.json --quiet $SMALL
[ "$(grep '"results"' -A 100 r2.json)" = "$(grep '"results"' -A 100 r3.json)" ] && pass=$((pass+1)) || no "a repeated run gave other numbers"
# without generated labels: no TSTR (null), the rest is there
ok "$T" ecg evaluate $R --generated gen.npy --folds 2 --out r4.json --classifier-input raw $SMALL
grep -q '"tstr_macro_auroc": null' r4.json && pass=$((pass+1)) || no "r4.json: tstr_macro_auroc should be null"
has r4.json c2st_auroc

# bad input
bad "required" "$T" ecg evaluate --real real.npy --generated gen.npy
bad "gen_short.npy" "$T" ecg evaluate $R --generated gen_short.npy $SMALL
bad "labels5.npy" "$T" ecg evaluate $R --generated gen.npy --generated-labels labels5.npy $SMALL
bad "source" "$T" ecg evaluate $R --generated gen.npy --features source $SMALL
bad "12 records for 13 folds" "$T" ecg evaluate $R --generated gen.npy --folds 13 $SMALL
bad "resnet9000" "$T" ecg evaluate $R --generated gen.npy --arch resnet9000 $SMALL
bad "classifier-input" "$T" ecg evaluate $R --generated gen.npy --classifier-input pixels
bad "no-such.npy" "$T" ecg evaluate $R --generated no-such.npy

# ecg plot: 3 real + 3 generated columns of 180 px (+6 gap) after a 40 px margin, 12 rows of 50 px
png_size() { "$PY" -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); assert d[:8]==b"\x89PNG\r\n\x1a\n"; print("%dx%d" % struct.unpack(">II", d[16:24]))' "$1"; }
ok "$T" ecg plot --in gen.npy --real real.npy --n 3 --out p1.png
[ "$(png_size p1.png)" = "1162x650" ] && pass=$((pass+1)) || no "p1.png: size $(png_size p1.png), wanted 1162x650"
ok "$T" ecg plot --in gen_flat.npy --n 2 --first 5 --out p2.png --title "flat windows"
[ "$(png_size p2.png)" = "418x650" ] && pass=$((pass+1)) || no "p2.png: size $(png_size p2.png), wanted 418x650"
bad "five.npy" "$T" ecg plot --in five.npy
bad "src_labels.npy" "$T" ecg plot --in src_labels.npy
bad "gen_short.npy" "$T" ecg plot --in gen.npy --real gen_short.npy
bad "first 40" "$T" ecg plot --in gen.npy --first 40
bad "required" "$T" ecg plot --out x.png
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

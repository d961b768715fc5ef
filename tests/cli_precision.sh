#!/usr/bin/env bash
# --gemm and --precision on the commands: bf16 training (MLP and 1-D U-Net) ends close to fp32
# and not equal to it; the default (auto) is bf16 where it can run and fp32 elsewhere, silently;
# --precision bf16 where it cannot run (TGDP_NO_BF16, --gemm openblas) says why and gives exactly
# the fp32 model; oneDNN's fp32 model is close to OpenBLAS's; sample and
# bench take both options; bad values are usage errors (2). Skipped (77) without oneDNN or
# without avx512_bf16. $1 = the tgdp binary.
set -u
T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
DIFF="$(dirname "$T")/ckpt_diff"
"$T" version | grep -q "^onednn: no" && { echo "tgdp built without oneDNN: skipped"; exit 77; }
"$T" version | grep -q "^bf16: yes" || { echo "no bf16 here ($("$T" version | grep bf16)): skipped"; exit 77; }
dir=$(mktemp -d /tmp/tgdp_precision.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail=0; pass=0
no() { echo "FAILED: $*"; fail=$((fail+1)); }
good() { pass=$((pass+1)); }
has() { if grep -qF -- "$2" "$1"; then good; else no "$1 lacks '$2': $(cat "$1")"; fi; }
# close A B TOL / differ A B TOL: max |a - b| within (beyond) TOL * (1 + max |a|)
close() { if "$DIFF" "$1" "$2" "$3" >d.txt; then good; else no "$1 vs $2 beyond $3: $(cat d.txt)"; fi; }
differ() { if "$DIFF" "$1" "$2" "$3" >d.txt; then no "$1 vs $2 within $3 (bf16 not used?): $(cat d.txt)"; else good; fi; }

"$T" gmm-data --out d --m 600 --n 40 --seed 1 >/dev/null 2>&1 || { echo "gmm-data failed"; exit 1; }
Q="--threads 2 --quiet --batch 64 --steps 60 --hidden 64,64"
"$T" train-source --data d/source.npy $Q --out f32.st --precision fp32 || no "fp32 run"
"$T" train-source --data d/source.npy $Q --out bf16.st --precision bf16 2>bf16.err || no "bf16 run"
[ -s bf16.err ] && no "bf16 printed: $(cat bf16.err)" || good
# the default (auto) is bf16 here, silently; where bf16 cannot run it is fp32, silently
"$T" train-source --data d/source.npy $Q --out auto.st 2>auto.err || no "default-precision run"
cmp -s bf16.st auto.st && good || no "the default precision's model differs from the bf16 one"
TGDP_NO_BF16=1 "$T" train-source --data d/source.npy $Q --out auto32.st --precision auto 2>auto32.err || no "auto without bf16"
cmp -s f32.st auto32.st && good || no "--precision auto without bf16 differs from the fp32 model"
[ -s auto.err ] || [ -s auto32.err ] && no "auto printed: $(cat auto.err auto32.err)" || good
close f32.st bf16.st 2e-2
differ f32.st bf16.st 1e-6
# forced fallback: the message, and exactly the fp32 model
TGDP_NO_BF16=1 "$T" train-source --data d/source.npy $Q --out forced.st --precision bf16 2>forced.err || no "forced fallback run"
has forced.err "--precision bf16 is not available (TGDP_NO_BF16 is set): running in fp32"
cmp -s f32.st forced.st && good || no "the forced fallback's model differs from the fp32 one"
"$T" train-source --data d/source.npy $Q --out ob.st --gemm openblas --precision bf16 2>ob.err || no "openblas run"
has ob.err "bf16 runs on the onednn backend only"
close f32.st ob.st 1e-4
# the 1-D U-Net (convolutions) in bf16
/usr/bin/python3 -c 'import numpy as np; np.save("w.npy", np.random.default_rng(0).normal(size=(64, 2, 12)).astype(np.float32))' 2>/dev/null
if [ -e w.npy ]; then
  U="--arch unet1d --width 8 --groups 4 --threads 2 --quiet --batch 16 --steps 30"
  "$T" train-source --data w.npy $U --out u32.st --precision fp32 || no "unet fp32"
  "$T" train-source --data w.npy $U --out u16.st --precision bf16 || no "unet bf16"
  close u32.st u16.st 5e-2
  differ u32.st u16.st 1e-6
fi
# sample and bench
"$T" sample --model bf16.st --n 200 --out s.npy --quiet --precision bf16 || no "sample --precision bf16"
[ -s s.npy ] && good || no "no samples"
"$T" bench --workloads eps_train_64 --min-time 0.05 --threads 1 --precision bf16 --json >b.json || no "bench bf16"
has b.json '"precision": "bf16"'
has b.json '"backend": "onednn"'
"$T" bench --workloads eps_train_64 --min-time 0.05 --threads 1 --gemm openblas --json >b2.json 2>b2.err || no "bench openblas"
[ -s b2.err ] && no "bench --gemm openblas (default precision) printed: $(cat b2.err)" || good
has b2.json '"precision": "fp32"'
has b2.json '"backend": "openblas"'
# usage errors
"$T" train-source --data d/source.npy $Q --out x.st --precision fp16 2>e1.txt; [ $? -eq 2 ] && good || no "--precision fp16 not a usage error"
has e1.txt "is not fp32, bf16 or auto"
"$T" sample --model f32.st --out x.npy --gemm mkl 2>e2.txt; [ $? -eq 2 ] && good || no "--gemm mkl not a usage error"
has e2.txt "is not onednn or openblas"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

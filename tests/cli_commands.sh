#!/usr/bin/env bash
# End-to-end through the command line on a small Gaussian-mixture problem: every command runs,
# writes what it says, and bad input gives one clear line on stderr and a non-zero status.
set -u
T="$1"
dir=$(mktemp -d /tmp/tgdp_cli.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail=0; pass=0
ok()   { if "$@" >out.txt 2>err.txt; then pass=$((pass+1)); else echo "FAILED: $*"; cat err.txt; fail=$((fail+1)); fi; }
bad()  { # command must fail with a message matching $1
  local pat="$1"; shift
  if "$@" >out.txt 2>err.txt; then echo "SHOULD HAVE FAILED: $*"; fail=$((fail+1));
  elif ! grep -q -- "$pat" err.txt; then echo "WRONG MESSAGE for $*: $(cat err.txt) (wanted $pat)"; fail=$((fail+1));
  else pass=$((pass+1)); fi; }

ok "$T" --help
for c in train-source train-target finetune train-classifier train-guidance sample evaluate gmm-data demo; do
  ok "$T" $c --help
  grep -q "usage: tgdp $c" out.txt || { echo "no usage for $c"; fail=$((fail+1)); }
done
grep -q "default: 25" <("$T" sample --help) && pass=$((pass+1)) || { echo "sample --help shows no default steps"; fail=$((fail+1)); }

ok "$T" gmm-data --out d --m 3000 --n 40 --seed 1
Q="--threads 2 --quiet"
ok "$T" train-source --data d/source.npy --out src.st --steps 150 --hidden 64,64 $Q
ok "$T" train-source --data d/source.npy --labels d/source_labels.npy --out srcc.st --steps 100 --hidden 64,64 $Q
ok "$T" train-target --data d/target.npy --out tgt.st --steps 100 --hidden 64,64 $Q
ok "$T" finetune --model src.st --data d/target.npy --out ft.st --steps 50 $Q
ok "$T" train-classifier --source d/source.npy --target d/target.npy --out cls.st --steps 100 --hidden 32,32 $Q
ok "$T" train-classifier --source d/source.npy --target d/target.npy --time-dependent --out tcls.st --steps 100 --hidden 32,32 --grad-penalty 0.01 $Q
ok "$T" train-classifier --source d/source.npy --target d/target.npy --source-labels d/source_labels.npy --target-labels d/target_labels.npy --out clsc.st --steps 50 --hidden 32,32 $Q
ok "$T" train-guidance --source d/source.npy --classifier cls.st --out g.st --steps 100 --hidden 32,32 $Q
ok "$T" train-guidance --source d/source.npy --target d/target.npy --classifier cls.st --time-classifier tcls.st --model src.st --eta-cycle 0.1 --eta-consistency 0.1 --out greg.st --steps 30 --hidden 32,32 --loss bregman --h-param exp --normalize-r $Q
ok "$T" train-guidance --source d/source.npy --source-labels d/source_labels.npy --classifier clsc.st --out gc.st --steps 30 --hidden 32,32 $Q
ok "$T" train-guidance --source d/source.npy --classifier cls.st --out gj.st --steps 5 --hidden 8 --json
grep -q '"final_loss"' out.txt && pass=$((pass+1)) || { echo "--json printed no final_loss"; fail=$((fail+1)); }
for s in ddpm ddim dpm1 dpm2; do ok "$T" sample --model src.st --sampler $s --steps 10 --n 200 --out s_$s.npy $Q; done
ok "$T" sample --model src.st --method tgdp --guidance g.st --n 300 --out s_tgdp.npy $Q
ok "$T" sample --model src.st --method tgdp --guidance tcls.st --n 300 --out s_tcls.npy $Q
ok "$T" sample --model src.st --method domain-guidance --finetuned ft.st --guidance-scale 2 --n 300 --out s_dg.npy $Q
ok "$T" sample --model srcc.st --method tgdp --guidance gc.st --labels d/target_labels.npy --n 300 --out s_c.npy $Q
test -f s_c.npy.labels.npy && pass=$((pass+1)) || { echo "no labels written"; fail=$((fail+1)); }
ok "$T" evaluate --samples s_tgdp.npy --reference d/target.npy --json
grep -q '"mmd2"' out.txt && pass=$((pass+1)) || { echo "evaluate printed no mmd2"; fail=$((fail+1)); }
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  ok /usr/bin/python3 -c "import numpy as np; a=np.load('s_tgdp.npy'); assert a.shape==(300,2) and a.dtype==np.float32 and np.isfinite(a).all()"
fi

# bad input: one clear line and a non-zero status
printf 'garbage' > junk.npy
bad "junk.npy" "$T" train-source --data junk.npy --out x.st $Q
bad "steps" "$T" train-source --data d/source.npy --steps 0 $Q
bad "steps" "$T" train-source --data d/source.npy --steps -5 $Q
bad "not an integer" "$T" train-source --data d/source.npy --batch 12abc $Q
bad "unknown option" "$T" sample --model src.st --bogus 1
bad "no-such.npy" "$T" train-classifier --source no-such.npy --target d/target.npy $Q
bad "required" "$T" train-guidance --source d/source.npy $Q
/usr/bin/python3 - <<'PY' 2>/dev/null || true
import numpy as np
np.save('nan.npy', np.array([[0.0, np.nan], [1.0, 2.0]], dtype=np.float32))
np.save('three.npy', np.zeros((20, 3), dtype=np.float32))
np.save('empty.npy', np.zeros((0, 2), dtype=np.float32))
PY
if [ -f nan.npy ]; then
  bad "non-finite" "$T" train-source --data nan.npy $Q
  bad "dimension" "$T" train-classifier --source d/source.npy --target three.npy $Q
  ok "$T" train-source --data three.npy --out src3.st --steps 5 --hidden 8 $Q
  bad "does not match" "$T" sample --model src3.st --method tgdp --guidance g.st --n 10 $Q
  bad "dimension" "$T" finetune --model src.st --data three.npy $Q
  bad "N >= 1" "$T" train-target --data empty.npy $Q
fi
bad "not a denoiser" "$T" sample --model cls.st $Q

# options that do not apply are usage errors (status 2) naming the option, not silently ignored
usage() { # like bad, and the status is 2
  local pat="$1"; shift
  "$@" >out.txt 2>err.txt; local rc=$?
  if [ $rc -ne 2 ]; then echo "STATUS $rc, NOT 2: $*: $(cat err.txt)"; fail=$((fail+1));
  elif ! grep -q -- "$pat" err.txt; then echo "WRONG MESSAGE for $*: $(cat err.txt) (wanted $pat)"; fail=$((fail+1));
  else pass=$((pass+1)); fi; }
for o in "width 8" "mult 1,2" "blocks 2" "kernel 5" "groups 4"; do
  usage "^tgdp train-source: --${o% *} does not apply to --arch mlp" "$T" train-source --data d/source.npy --${o% *} ${o#* } --out x.st --steps 1 $Q
done
usage "^tgdp train-classifier: --kernel does not apply to --arch mlp" "$T" train-classifier --source d/source.npy --target d/target.npy --kernel 5 --out x.st --steps 1 $Q
for o in "hidden 8" "time-embedding fourier"; do
  usage "^tgdp train-source: --${o% *} does not apply to --arch unet1d" "$T" train-source --arch unet1d --data d/source.npy --${o% *} ${o#* } --out x.st --steps 1 $Q
done
usage "^tgdp train-guidance: --hidden does not apply to --arch resnet1d" "$T" train-guidance --arch resnet1d --source d/source.npy --classifier cls.st --hidden 8 --out x.st --steps 1 $Q
usage "^tgdp sample: --guidance does not apply to --method source" "$T" sample --model src.st --guidance g.st --n 10 --out x.npy $Q
usage "^tgdp sample: --guidance-scale does not apply to --method source" "$T" sample --model src.st --guidance-scale 2 --n 10 --out x.npy $Q
usage "^tgdp sample: --finetuned does not apply to --method tgdp" "$T" sample --model src.st --method tgdp --guidance g.st --finetuned ft.st --n 10 --out x.npy $Q
usage "^tgdp sample: --guidance does not apply to --method domain-guidance" "$T" sample --model src.st --method domain-guidance --finetuned ft.st --guidance g.st --n 10 --out x.npy $Q
usage "^tgdp train-classifier: --schedule does not apply without --time-dependent" "$T" train-classifier --source d/source.npy --target d/target.npy --schedule discrete --out x.st --steps 1 $Q
usage "^tgdp train-classifier: --time-embedding does not apply without --time-dependent" "$T" train-classifier --source d/source.npy --target d/target.npy --time-embedding fourier --out x.st --steps 1 $Q
usage "^tgdp train-source: --temb does not apply to an MLP with --time-embedding raw" "$T" train-source --data d/source.npy --temb 8 --out x.st --steps 1 $Q
usage "^tgdp train-guidance: --model does not apply without --eta-consistency" "$T" train-guidance --source d/source.npy --classifier cls.st --model src.st --out x.st --steps 1 $Q
usage "^tgdp train-guidance: --time-classifier does not apply without --eta-cycle" "$T" train-guidance --source d/source.npy --classifier cls.st --time-classifier tc.st --out x.st --steps 1 $Q
bad "^tgdp sample: --labels does not apply: src.st is not label-conditional" "$T" sample --model src.st --labels d/target_labels.npy --n 10 --out x.npy $Q
bad "^tgdp finetune: --labels does not apply: src.st is not label-conditional" "$T" finetune --model src.st --data d/target.npy --labels d/target_labels.npy --out x.st --steps 1 $Q
[ ! -e x.st ] && [ ! -e x.npy ] && pass=$((pass+1)) || { echo "a rejected command wrote its output"; fail=$((fail+1)); }

# schedules: fine-tuning keeps the model's, sample and train-guidance refuse networks trained with another
ok "$T" train-source --data d/source.npy --schedule discrete --out srcd.st --steps 20 --hidden 16 $Q
ok "$T" finetune --model srcd.st --data d/target.npy --out ftd.st --steps 5 $Q
"$T" inspect ftd.st | grep -q "tgdp.schedule = discrete" && pass=$((pass+1)) || { echo "finetune lost the model's schedule"; fail=$((fail+1)); }
ok "$T" train-guidance --source d/source.npy --classifier cls.st --schedule discrete --out gd.st --steps 5 --hidden 8 $Q
ok "$T" train-classifier --source d/source.npy --target d/target.npy --time-dependent --schedule discrete --out tclsd.st --steps 5 --hidden 8 $Q
ok "$T" sample --model srcd.st --method tgdp --guidance gd.st --n 20 --out sd.npy $Q
ok "$T" sample --model srcd.st --method domain-guidance --finetuned ftd.st --n 20 --out sdd.npy $Q
bad "gd.st was trained with the discrete schedule, not with linear" "$T" sample --model src.st --method tgdp --guidance gd.st --n 10 --out x.npy $Q
bad "g.st was trained with the linear schedule, not with discrete" "$T" sample --model srcd.st --method tgdp --guidance g.st --n 10 --out x.npy $Q
bad "tclsd.st was trained with the discrete schedule" "$T" sample --model src.st --method tgdp --guidance tclsd.st --n 10 --out x.npy $Q
bad "ftd.st was trained with the discrete schedule" "$T" sample --model src.st --method domain-guidance --finetuned ftd.st --n 10 --out x.npy $Q
bad "tclsd.st was trained with the discrete schedule, not with linear" "$T" train-guidance --source d/source.npy --target d/target.npy --classifier cls.st --time-classifier tclsd.st --eta-cycle 0.1 --out x.st --steps 1 $Q
bad "srcd.st was trained with the discrete schedule, not with linear" "$T" train-guidance --source d/source.npy --target d/target.npy --classifier cls.st --model srcd.st --eta-consistency 0.1 --out x.st --steps 1 $Q
[ ! -e x.st ] && [ ! -e x.npy ] && pass=$((pass+1)) || { echo "a rejected command wrote its output"; fail=$((fail+1)); }
bad "label-conditional" "$T" sample --model srcc.st --n 10 $Q
bad "unknown command" "$T" frobnicate

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

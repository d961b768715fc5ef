#!/usr/bin/env bash
# Nothing lost: training killed with SIGKILL mid-way and rerun with --resume ends with the same
# model file, byte for byte, as an uninterrupted run (train-source with EMA, killed twice; the
# time-dependent classifier with the gradient penalty; the guidance network with both
# regularisers); SIGINT and SIGTERM stop after the current step with status 130 / 143, one
# message and a state that resumes identically; a diverging run stops naming the step and keeps
# its last good state; a state is never silently replaced and never resumed with other options
# or data. $1 = the tgdp binary.
set -u
T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(mktemp -d /tmp/tgdp_resume.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail=0; pass=0
no() { echo "FAILED: $*"; fail=$((fail+1)); }
good() { pass=$((pass+1)); }
# has FILE PATTERN: the file holds the (fixed-string) pattern
has() { if grep -qF -- "$2" "$1"; then good; else no "$1 lacks '$2': $(cat "$1")"; fi; }
# wait_for FILE [PATTERN]: until FILE exists (and holds PATTERN); at most 60 s
wait_for() {
  local i=0
  while [ ! -e "$1" ] || { [ $# -gt 1 ] && ! grep -qF -- "$2" "$1"; }; do
    sleep 0.01; i=$((i+1)); [ $i -gt 6000 ] && return 1
  done
  return 0
}
# state_step FILE: the step recorded in a state file
state_step() { "$T" inspect "$1" | sed -n 's/^ *tgdp\.step = //p'; }

"$T" gmm-data --out d --m 1000 --n 40 --seed 1 >/dev/null 2>&1 || { echo "gmm-data failed"; exit 1; }
Q="--threads 1 --quiet --batch 32 --hidden 16,16"

# kill_resume NAME KILLS COMMAND ARGS...: an uninterrupted run writes NAME.ref.st; the same run
# to NAME.st is killed with SIGKILL as soon as a state file exists, then resumed (KILLS = 2:
# the resumed run is killed again after 0.2 s and resumed once more); the two models must be
# identical files and the state file gone.
kill_resume() {
  local name=$1 kills=$2; shift 2
  "$T" "$@" --out $name.ref.st $Q --checkpoint-every 0 || { no "$name: the reference run failed"; return; }
  "$T" "$@" --out $name.st $Q --checkpoint-every 100 &
  local pid=$!
  wait_for $name.st.state.safetensors || no "$name: no state file appeared"
  { kill -9 $pid; wait $pid; } 2>/dev/null; local st=$?
  [ $st -eq 137 ] || { no "$name: the run was not killed mid-way (status $st; make it longer)"; return; }
  [ -e $name.st ] && no "$name: the killed run wrote a model"
  if [ "$kills" -gt 1 ]; then
    "$T" "$@" --out $name.st $Q --checkpoint-every 100 --resume &
    pid=$!
    sleep 0.2; { kill -9 $pid; wait $pid; } 2>/dev/null
  fi
  if [ -e $name.st.state.safetensors ]; then
    "$T" "$@" --out $name.st $Q --checkpoint-every 100 --resume || { no "$name: --resume failed"; return; }
  fi
  if cmp -s $name.ref.st $name.st; then good; else no "$name: the resumed model differs from the uninterrupted run"; fi
  if [ -e $name.st.state.safetensors ]; then no "$name: the state file was left after the run finished"; else good; fi
}

kill_resume src 2 train-source --data d/source.npy --steps 1500 --ema 0.99
kill_resume tcls 1 train-classifier --source d/source.npy --target d/target.npy --time-dependent --grad-penalty 0.01 --steps 1500
"$T" train-classifier --source d/source.npy --target d/target.npy --out cls.st --steps 200 $Q || no "classifier"
kill_resume g 1 train-guidance --source d/source.npy --target d/target.npy --classifier cls.st \
  --time-classifier tcls.ref.st --model src.ref.st --eta-cycle 0.1 --eta-consistency 0.1 --steps 800

# SIGINT: stops after the current step, writes the state even with --checkpoint-every 0, status 130
set -m # background jobs get their own process group, and SIGINT is not ignored in them
FT="finetune --model src.ref.st --data d/target.npy --steps 3000 --threads 1 --batch 32"
"$T" $FT --out ft.ref.st --quiet || no "finetune reference run"
"$T" $FT --out ft.st --checkpoint-every 0 2>int.txt &
pid=$!
wait_for int.txt "/3000" || no "no progress line from finetune"
kill -INT $pid; wait $pid; st=$?
[ $st -eq 130 ] && good || no "SIGINT: status $st, wanted 130: $(cat int.txt)"
has int.txt "interrupted at step "
has int.txt "/3000; state saved to ft.st.state.safetensors; rerun with --resume"
[ "$(grep -c 'tgdp finetune:' int.txt)" -eq 1 ] && good || no "SIGINT: not exactly one message line: $(cat int.txt)"
k=$(sed -n 's/.*interrupted at step \([0-9]*\)\/3000.*/\1/p' int.txt)
[ -n "$k" ] && [ "$(state_step ft.st.state.safetensors)" = "$k" ] && good || no "SIGINT: the state is not at step '$k'"
[ -e ft.st ] && no "SIGINT: a model was written"
set +m

# the state is never replaced by a fresh run, nor resumed with other options or data
"$T" $FT --out ft.st --quiet 2>err.txt && no "a fresh run replaced an unfinished run's state"
has err.txt "ft.st.state.safetensors holds an unfinished run (step $k of 3000): pass --resume"
"$T" $FT --out ft.st --quiet --resume --lr 3e-4 2>err.txt && no "resumed with another --lr"
has err.txt "cannot resume from ft.st.state.safetensors: it was written with lr = 0.0002, this run has lr = 0.0003"
"$T" ${FT/--steps 3000/--steps 4000} --out ft.st --quiet --resume 2>err.txt && no "resumed with another --steps"
has err.txt "steps = 3000, this run has steps = 4000"
"$T" ${FT/d\/target.npy/d\/source.npy} --out ft.st --quiet --resume 2>err.txt && no "resumed with other data"
has err.txt "it was written with data = 40 x 2"
"$T" train-source --data d/source.npy --steps 20 --seed 9 $Q --out src9.st || no "src9"
"$T" ${FT/src.ref.st/src9.st} --out ft.st --quiet --resume 2>err.txt && no "resumed from another model"
has err.txt "it was written with network = eps, "
"$T" $FT --out ft.st --quiet --resume || no "SIGINT: --resume failed"
cmp -s ft.ref.st ft.st && good || no "SIGINT: the resumed model differs from the uninterrupted run"

# SIGTERM: the same, status 143
set -m
"$T" train-target --data d/target.npy --steps 3000 $Q --out tt.st 2>term.txt &
pid=$!
wait_for tt.st.state.safetensors
kill -TERM $pid; wait $pid; st=$?
set +m
[ $st -eq 143 ] && good || no "SIGTERM: status $st, wanted 143"
has term.txt "tgdp train-target: interrupted at step "
: >tt.st.state.safetensors.tmp.Ab12Cd # as a kill during a state write leaves it
"$T" train-target --data d/target.npy --steps 3000 $Q --out tt.st --resume || no "SIGTERM: --resume failed"
[ -e tt.st ] && [ ! -e tt.st.state.safetensors ] && good || no "SIGTERM: resume did not finish"
[ -e tt.st.state.safetensors.tmp.Ab12Cd ] && no "a stale temporary state file was left" || good

# --resume without a state file starts from step 0 (and says so)
"$T" train-classifier --source d/source.npy --target d/target.npy --out c2.st --steps 50 --threads 1 --batch 32 --hidden 16,16 --resume 2>err.txt || no "--resume without a state"
has err.txt "no saved state c2.st.state.safetensors: starting from step 0"

# divergence: huge (finite) data and --lr 10 overflow after a step or more; the message names
# the step, no model is written, and the last good state (finite: it loads) is kept and
# reproduces the same stop when resumed
hdr="{'descr': '<f4', 'fortran_order': False, 'shape': (64, 2), }"
hdr="$hdr$(printf '%*s' $(( (64 - (10 + ${#hdr} + 1) % 64) % 64 )) '')"
v=('\153\013\136\135' '\153\013\136\335' '\015\072\205\134' '\153\013\336\135') # 1e18 -1e18 3e17 2e18
{ printf '\223NUMPY\001\000'; printf "\\$(printf %03o $(( (${#hdr} + 1) % 256 )))\\000"; printf '%s\n' "$hdr"
  for ((i = 0; i < 64; i++)); do printf "${v[i % 4]}${v[(i / 4) % 4]}"; done; } >big.npy
"$T" inspect big.npy >err.txt 2>&1 && has err.txt "(64, 2)" || no "big.npy is not a valid .npy: $(cat err.txt)"
"$T" train-source --data big.npy --lr 10 --steps 400 --checkpoint-every 1 --out big.st $Q 2>div.txt; st=$?
[ $st -eq 1 ] && good || no "divergence: status $st, wanted 1: $(cat div.txt)"
[ -e big.st ] && no "divergence: a model was written"
j=$(state_step big.st.state.safetensors)
has div.txt "training stopped (lower --lr?); the last good state (step $j) is kept in big.st.state.safetensors"
at=$(sed -n 's/.* at step \([0-9]*\)\/400:.*/\1/p' div.txt)
[ -n "$j" ] && [ -n "$at" ] && [ "$j" -ge 1 ] && [ "$j" -le "$at" ] && good || no "divergence: state step '$j', stop at '$at'"
"$T" train-source --data big.npy --lr 10 --steps 400 --checkpoint-every 1 --out big.st $Q --resume 2>div2.txt
has div2.txt "at step $at/400:"
[ "$(state_step big.st.state.safetensors)" = "$j" ] && good || no "divergence: the kept state changed"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

#!/usr/bin/env bash
# Data-parallel training with MPI: `mpirun -np 2 tgdp <train command>` must reach the same
# weights (within float rounding) as one process with the same global batch and seed, for every
# training loop (denoiser, domain and time-dependent classifier with the gradient penalty,
# guidance with both regularisers). Skipped (77) only when tgdp was built without MPI.
set -u
T="$1"
DIFF="$(dirname "$T")/ckpt_diff"
if ! "$T" version | grep -q "mpi: yes"; then echo "tgdp built without MPI: skipped"; exit 77; fi
command -v mpirun >/dev/null || { echo "mpirun missing (apt-get install openmpi-bin)"; exit 1; }
dir=$(mktemp -d /tmp/tgdp_mpi.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
fail=0; pass=0
run() { if ! "$@" >out.txt 2>err.txt; then echo "FAILED: $*"; cat err.txt; fail=$((fail+1)); return 1; fi; }
# Sanitized builds: Open MPI's plug-ins (dlopen'ed, unloaded at MPI_Finalize) keep start-up
# allocations that LeakSanitizer reports from unknown modules, so leak detection is off for the
# processes mpirun starts; the same commands run single-process below with it on.
MPI="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 mpirun -np 2 --oversubscribe"
Q="--threads 1 --quiet --seed 5"
same() { # same A B: within float rounding
  if "$DIFF" "$1" "$2" 2e-5 >d.txt; then pass=$((pass+1)); echo "$1: $(cat d.txt)"; else echo "DIFFERENT ($1 vs $2): $(cat d.txt)"; fail=$((fail+1)); fi; }
differ() { # the comparison can fail: another seed gives other weights
  if "$DIFF" "$1" "$2" 1e-3 >d.txt; then echo "NOT DIFFERENT ($1 vs $2): $(cat d.txt)"; fail=$((fail+1)); else pass=$((pass+1)); fi; }

run "$T" gmm-data --out d --m 2000 --n 50 --seed 1 || exit 1
both() { # both NAME ARGS...: one process and two ranks, the same global batch and seed
  local name="$1"; shift
  run "$T" "$@" --out "$name.1.st" $Q && run $MPI "$T" "$@" --out "$name.2.st" $Q && same "$name.1.st" "$name.2.st"
}
both src train-source --data d/source.npy --steps 40 --batch 64 --hidden 32,32
both ft finetune --model src.1.st --data d/target.npy --steps 20 --batch 30
both tcls train-classifier --source d/source.npy --target d/target.npy --time-dependent --grad-penalty 0.01 \
     --steps 30 --batch 64 --hidden 32,32
both cls train-classifier --source d/source.npy --target d/target.npy --steps 30 --batch 63 --hidden 16
both g train-guidance --source d/source.npy --target d/target.npy --classifier cls.1.st --time-classifier tcls.1.st \
     --model src.1.st --eta-cycle 0.1 --eta-consistency 0.1 --steps 20 --batch 64 --hidden 32,32
# large batches run as chunks of rows (4 chunks of 512 rows on one process, 2 per rank on two):
# the same weights again
both bigsrc train-source --data d/source.npy --steps 6 --batch 2048 --hidden 32,32
both bigg train-guidance --source d/source.npy --target d/target.npy --classifier cls.1.st --time-classifier tcls.1.st \
     --model src.1.st --eta-cycle 0.1 --eta-consistency 0.1 --steps 5 --batch 2048 --hidden 32,32
# rank 0 alone writes the output and logs; the check above can fail:
run $MPI "$T" train-source --data d/source.npy --steps 40 --batch 64 --hidden 32,32 --out other.st --threads 1 --quiet --seed 6 &&
  differ src.1.st other.st
echo "mpi: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

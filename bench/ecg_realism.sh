#!/bin/sh
# One configuration of demo ecg's source denoiser, end to end: prepare the windows (once), train
# on the training source records, sample, and measure against the held-out source records
# (bench/ecg_realism.c). Prints the numbers of issue 14 (beat_fraction within 0.1 of
# real_beat_fraction, hr_w1 <= 10 bpm, hf_noise_ratio <= 1.5, source_c2st_auroc <= 0.70) with
# wall and CPU time, appends the line to RUNS/results.txt and plots 4 samples against 4 held-out
# windows (RUNS/NAME/gen.png).
#
#   bench/ecg_realism.sh BUILD DATA RUNS NAME [ecg_realism options...]
#   e.g. bench/ecg_realism.sh build ../shared/data/ecg runs u16 --steps 1300
#        bench/ecg_realism.sh build ../shared/data/ecg runs deep --mult 1,2,4,8 --blocks 2 --steps 4000
# The options are ecg_realism's (--width --mult --blocks --kernel --dilation --steps --batch --lr
# --ema --lr-schedule --warmup --sampler --sample-steps --n-gen --seed --threads --model).
# On a shared machine set OMP_WAIT_POLICY=passive; the CPU time is then the steadier number.
set -eu
[ $# -ge 4 ] || { sed -n '2,15p' "$0"; exit 2; }
build=$1 data=$2 runs=$3 name=$4
shift 4
mkdir -p "$runs/$name"
if [ ! -f "$runs/ecg/source_x.npy" ]; then
    "$build/tgdp" ecg prepare --data "$data" --out "$runs/ecg" --quiet
fi
log="$runs/$name/run.log"
/usr/bin/time -v "$build/ecg_realism" --data "$runs/ecg" --out "$runs/$name" "$@" >"$runs/$name/line.txt" 2>"$log" || {
    tail -n 20 "$log"
    exit 1
}
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
user=$(sed -n 's/.*User time (seconds): //p' "$log")
sys=$(sed -n 's/.*System time (seconds): //p' "$log")
line="$name | $(cat "$runs/$name/line.txt") | total wall $wall, user $user s, sys $sys s | $*"
echo "$line"
echo "$line" >>"$runs/results.txt"
"$build/tgdp" ecg plot --in "$runs/$name/gen.npy" --real "$runs/$name/real.npy" --n 4 --out "$runs/$name/gen.png" >/dev/null 2>&1 || true

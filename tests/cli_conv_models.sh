#!/usr/bin/env bash
# The convolutional networks through the command line on a tiny synthetic [N, C, L] data set
# (what `tgdp ecg prepare` writes, with multi-hot labels): train-source --arch unet1d,
# train-classifier (plain and --time-dependent) and train-guidance --arch resnet1d, sample
# --method tgdp; the samples come out as [n, C, L], the checkpoints remember the architecture,
# and bad shapes or options give one clear line on stderr.
# Shell and C only: the data are written by a small C program compiled here with cc.
# $1 = the tgdp binary.
set -u
T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CC="${CC:-cc}"
dir=$(mktemp -d /tmp/tgdp_conv.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail=0; pass=0
ok()   { if "$@" >out.txt 2>err.txt; then pass=$((pass+1)); else echo "FAILED: $*"; cat err.txt; fail=$((fail+1)); fi; }
bad()  { # command must fail with one line on stderr matching $1
  local pat="$1"; shift
  if "$@" >out.txt 2>err.txt; then echo "SHOULD HAVE FAILED: $*"; fail=$((fail+1));
  elif ! grep -q -- "$pat" err.txt; then echo "WRONG MESSAGE for $*: $(cat err.txt) (wanted $pat)"; fail=$((fail+1));
  elif [ "$(wc -l <err.txt)" -ne 1 ]; then echo "NOT ONE LINE for $*: $(cat err.txt)"; fail=$((fail+1));
  else pass=$((pass+1)); fi; }
has()  { # file $1 contains the text $2
  if grep -q -- "$2" "$1"; then pass=$((pass+1)); else echo "MISSING in $1: $2 ($(head -c 400 "$1"))"; fail=$((fail+1)); fi; }

# gen OUT N C L SHIFT SEED: float32 [N, C, L] sines; OUT_labels.npy int64 multi-hot [N, 4]
cat >gen.c <<'C'
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static void header(FILE *f, const char *descr, const char *shape)
{
    char h[256];
    int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
    int total = 10 + n + 1, pad = (64 - total % 64) % 64;
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    uint16_t hl = (uint16_t)(n + pad + 1);
    fputc(hl & 255, f), fputc(hl >> 8, f);
    fwrite(h, 1, (size_t)n, f);
    for (int i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
}
int main(int argc, char **argv)
{
    if (argc != 7) return 2;
    int N = atoi(argv[2]), C = atoi(argv[3]), L = atoi(argv[4]);
    float shift = (float)atof(argv[5]);
    srand((unsigned)atoi(argv[6]));
    char path[512], shape[64];
    snprintf(path, sizeof path, "%s.npy", argv[1]);
    FILE *f = fopen(path, "wb");
    snprintf(shape, sizeof shape, "(%d, %d, %d)", N, C, L);
    header(f, "<f4", shape);
    for (int i = 0; i < N; i++) {
        float a = 0.8f + 0.4f * (float)rand() / RAND_MAX, p = (float)rand() / RAND_MAX;
        for (int c = 0; c < C; c++)
            for (int l = 0; l < L; l++) {
                float v = a * sinf(6.2831853f * ((c + 1 + i % 3) * l / (float)L + p)) + shift;
                fwrite(&v, 4, 1, f);
            }
    }
    fclose(f);
    snprintf(path, sizeof path, "%s_labels.npy", argv[1]);
    f = fopen(path, "wb");
    snprintf(shape, sizeof shape, "(%d, 4)", N);
    header(f, "<i8", shape);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 4; k++) {
            int64_t v = (i % 5 == 4) ? 0 : k == 0 ? (i % 5 == 0) : (k == 1 + i % 3); /* NORM, one label, or none */
            fwrite(&v, 8, 1, f);
        }
    fclose(f);
    return 0;
}
C
if ! "$CC" -O1 -o gen gen.c -lm 2>cc.txt; then echo "SKIPPED: $CC cannot compile the data generator: $(head -c 300 cc.txt)"; exit 77; fi
./gen src 48 3 21 0 1 && ./gen tgt 24 3 21 0.5 2 || { echo "FAILED: data generator"; exit 1; }

Q="--threads 2 --quiet"
NET="--width 8 --mult 1,2 --groups 4"
ok "$T" train-source --arch unet1d $NET --data src.npy --labels src_labels.npy --out src.st --steps 6 --batch 8 $Q
ok "$T" inspect src.st --json
has out.txt '"tgdp.arch"'
has out.txt '"unet1d"'
ok "$T" train-source --arch unet1d $NET --data src.npy --out srcu.st --steps 3 --batch 8 $Q
# dilated blocks, attention at the lowest level, a scheduled learning rate: kept in the checkpoint
ok "$T" train-source --arch unet1d $NET --dilation 1,2 --attn 1 --attn-heads 2 --data src.npy --labels src_labels.npy --out srca.st --steps 4 --batch 8 --lr-schedule cosine --warmup 2 --t-sampling logsnr $Q
ok "$T" inspect srca.st --json
has out.txt '"tgdp.dilation": "1,2"'
has out.txt '"tgdp.attn": "1"'
has out.txt '"tgdp.attn_heads": "2"'
ok "$T" sample --model srca.st --labels tgt_labels.npy --n 3 --steps 2 --out sa.npy $Q
ok "$T" inspect sa.npy
has out.txt "(3, 3, 21)"
ok "$T" train-classifier --arch resnet1d $NET --source src.npy --target tgt.npy --source-labels src_labels.npy --target-labels tgt_labels.npy --out cls.st --steps 5 --batch 8 $Q
ok "$T" train-classifier --arch resnet1d $NET --source src.npy --target tgt.npy --source-labels src_labels.npy --target-labels tgt_labels.npy --time-dependent --out tcls.st --steps 5 --batch 8 $Q
ok "$T" train-guidance --arch resnet1d $NET --source src.npy --source-labels src_labels.npy --target tgt.npy --target-labels tgt_labels.npy --classifier cls.st --time-classifier tcls.st --model src.st --eta-cycle 0.1 --eta-consistency 0.1 --out g.st --steps 3 --batch 8 $Q
ok "$T" sample --model src.st --method tgdp --guidance g.st --labels tgt_labels.npy --n 7 --steps 3 --out s.npy $Q
ok "$T" inspect s.npy
has out.txt "(7, 3, 21)"
ok "$T" inspect s.npy.labels.npy
has out.txt "(7,)"
ok "$T" sample --model src.st --method tgdp --guidance tcls.st --labels tgt_labels.npy --n 5 --steps 2 --sampler ddim --out s2.npy $Q
ok "$T" inspect s2.npy
has out.txt "(5, 3, 21)"
ok "$T" finetune --model srcu.st --data tgt.npy --out ft.st --steps 2 --batch 8 $Q
ok "$T" sample --model srcu.st --method domain-guidance --finetuned ft.st --n 4 --steps 2 --out s3.npy $Q
ok "$T" inspect s3.npy
has out.txt "(4, 3, 21)"
ok "$T" evaluate --samples s3.npy --reference tgt.npy
# an MLP on the same data still works (the samples flattened, as before)
ok "$T" train-source --data src.npy --out mlp.st --steps 3 --hidden 16 $Q
ok "$T" sample --model mlp.st --n 3 --steps 2 --out s4.npy $Q
ok "$T" inspect s4.npy
has out.txt "(3, 63)"

# clear errors: shapes, options, mismatched models
bad "groups" "$T" train-source --arch unet1d --width 8 --groups 3 --data src.npy --out x.st --steps 1 $Q
./gen short 6 2 3 0 4
bad "too short" "$T" train-source --arch unet1d --mult 1,1,1 --data short.npy --out x.st --steps 1 --width 8 --groups 4 $Q
bad "expected mlp, unet1d or resnet1d" "$T" train-source --arch cnn --data src.npy --out x.st --steps 1 $Q
bad "dilations" "$T" train-source --arch unet1d $NET --dilation 1,2,4 --data src.npy --out x.st --steps 1 $Q
bad "attention" "$T" train-classifier --arch resnet1d $NET --attn 1 --source src.npy --target tgt.npy --out x.st --steps 1 $Q
bad "lr-schedule" "$T" train-source --arch unet1d $NET --lr-schedule linear --data src.npy --out x.st --steps 1 $Q
bad "t-sampling" "$T" train-source --arch unet1d $NET --t-sampling edm --data src.npy --out x.st --steps 1 $Q
bad "does not apply to --arch mlp" "$T" train-source --dilation 1,2 --data src.npy --out x.st --steps 1 $Q
bad "channel multipliers" "$T" train-classifier --arch resnet1d --mult 1,x --source src.npy --target tgt.npy --out x.st --steps 1 $Q
bad "does not match the model" "$T" sample --model srcu.st --method tgdp --guidance g.st --n 2 --out x.npy $Q
./gen other 10 3 20 0 3
bad "expects 63" "$T" finetune --model srcu.st --data other.npy --out x.st --steps 1 $Q

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

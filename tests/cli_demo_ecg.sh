#!/usr/bin/env bash
# tgdp demo ecg at the small configuration (--quick) on the shared ECG records:
# results.json holds all 7 methods x folds x seeds with finite metrics in their ranges, the
# 12-lead PNGs are valid PNG files, and one measured ordering holds (below).
# Usage: bash cli_demo_ecg.sh <tgdp binary> <shared dir>
set -u
TGDP=$1
SHARED=${2:-}
DATA=$SHARED/data/ecg
if [ -z "$SHARED" ] || [ ! -d "$DATA/ludb" ]; then
    echo "SKIP: no shared ECG data at $DATA"
    exit 77
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# usage errors
"$TGDP" demo ecg --out "$OUT/x" >/dev/null 2>"$OUT/err" && fail "no --data accepted"
grep -q -- "--data" "$OUT/err" || fail "missing --data: no message"
"$TGDP" demo ecg --data "$OUT/none" >/dev/null 2>&1 && fail "missing folder accepted"
"$TGDP" demo ecg --data "$DATA" --eps-arch foo --out "$OUT/x" >/dev/null 2>&1 && fail "bad --eps-arch accepted"
"$TGDP" demo --help | grep -q ecg || fail "demo --help does not list ecg"

start=$(date +%s)
"$TGDP" demo ecg --data "$DATA" --quick --threads 2 --out "$OUT/run" >"$OUT/stdout" 2>"$OUT/stderr" ||
    { tail -20 "$OUT/stderr"; fail "demo ecg --quick failed"; }
echo "demo ecg --quick: $(( $(date +%s) - start )) s"
cat "$OUT/stdout"
grep -q "\[demo ecg\] prepare" "$OUT/stderr" || fail "no progress lines on stderr"
for m in source_only target_only finetune domain_guidance tgdp tgdp_reg tgdp_cond; do
    grep -q "^$m " "$OUT/stdout" || fail "table lacks $m"
    f="$OUT/run/ecg_$m.png"
    [ -s "$f" ] || fail "$f missing"
    [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$f is not a PNG"
    # IHDR chunk right after the signature
    [ "$(head -c 16 "$f" | tail -c 4)" = "IHDR" ] || fail "$f has no IHDR"
done
[ -s "$OUT/run/results.md" ] || fail "results.md missing"

# results.json: one line per result (the writer's layout); check every entry in shell + awk
J="$OUT/run/results.json"
[ -s "$J" ] || fail "results.json missing"
folds=$(sed -n 's/.*"folds": \([0-9]*\),.*/\1/p' "$J" | head -1)
seeds=$(sed -n 's/.*"seeds": \([0-9]*\),.*/\1/p' "$J" | head -1)
[ "$folds" = 3 ] && [ "$seeds" = 1 ] || fail "folds/seeds in results.json: '$folds' '$seeds'"
grep '"method": ' "$J" | awk -v folds="$folds" -v seeds="$seeds" '
function val(key,   s) {
    if (!match($0, "\"" key "\": [^,}]*")) { print "missing " key ": " $0; bad = 1; return "nan" }
    s = substr($0, RSTART + length(key) + 4, RLENGTH - length(key) - 4)
    return s
}
{
    m = val("method"); gsub(/"/, "", m); f = val("fold"); s = val("seed")
    seen[m, f, s]++
    c = val("c2st_auroc"); fd = val("feature_distance"); t = val("tstr_macro_auroc"); d = val("mmd2")
    if (c == "null" || fd == "null" || t == "null" || d == "null") { print "non-finite metric: " $0; bad = 1 }
    if (c + 0 < 0 || c + 0 > 1 || t + 0 < 0 || t + 0 > 1) { print "AUROC outside [0,1]: " $0; bad = 1 }
    if (fd + 0 < 0) { print "negative distance: " $0; bad = 1 }
    c2[m] += c; n[m]++
}
END {
    split("source_only target_only finetune domain_guidance tgdp tgdp_reg tgdp_cond", ms, " ")
    for (i in ms) for (f = 0; f < folds; f++) for (s = 0; s < seeds; s++)
        if (seen[ms[i], f, s] != 1) { print "expected one result for " ms[i] " fold " f " seed " s; bad = 1 }
    if (NR != 7 * folds * seeds) { print "expected " 7 * folds * seeds " results, got " NR; bad = 1 }
    # measured ordering: the source model alone is the easiest to tell apart from held-out
    # target records; fine-tuning on the target training records brings it closer
    if (!(c2["source_only"] / n["source_only"] > c2["finetune"] / n["finetune"])) {
        print "expected mean C2ST AUROC of source_only > finetune: " c2["source_only"] / n["source_only"] " vs " c2["finetune"] / n["finetune"]; bad = 1
    }
    exit bad
}' || fail "results.json check"
echo "PASS"

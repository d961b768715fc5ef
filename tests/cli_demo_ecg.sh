#!/usr/bin/env bash
# tgdp demo ecg at the small configuration (--quick) on the shared ECG records:
# results.json holds all 7 methods x folds x seeds with finite metrics in their ranges (the
# distribution metrics, the realism metrics and the utility metrics with their intervals, and
# source_c2st_auroc), the 12-lead PNGs are valid PNG files, and one measured ordering holds (below).
# Usage: bash cli_demo_ecg.sh <tgdp binary> <shared dir>. Exits 77 without the data or python3.
set -u
TGDP=$1
SHARED=${2:-}
DATA=$SHARED/data/ecg
if [ -z "$SHARED" ] || [ ! -d "$DATA/ludb" ]; then
    echo "SKIP: no shared ECG data at $DATA"
    exit 77
fi
PY=$(command -v python3 || true)
[ -n "$PY" ] || { echo "SKIP: no python3 to read results.json"; exit 77; }
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
"$TGDP" demo ecg --data "$DATA" --quick --threads 2 --eps-steps 280 --eps-ema 0.99 --out "$OUT/run" >"$OUT/stdout" 2>"$OUT/stderr" ||
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
# the default precision (auto) is bf16 where it can run, and results.json says which ran
want=fp32; "$TGDP" version | grep -q "^bf16: yes" && want=bf16
grep -q "\"precision\": \"$want\"" "$J" || fail "results.json does not record precision $want"
grep -q '"eps_steps": 280' "$J" && grep -q '"eps_ema": 0.99' "$J" || fail "--eps-steps/--eps-ema not in results.json's config"
grep '"method": ' "$J" | grep -v '"baseline": ' | awk -v folds="$folds" -v seeds="$seeds" '
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

# the realism and utility keys, for every method and result, in their ranges
"$PY" - "$J" <<'PY' || fail "results.json: realism / utility keys"
import json, math, sys
j = json.load(open(sys.argv[1]))
methods = ["source_only", "target_only", "finetune", "domain_guidance", "tgdp", "tgdp_reg", "tgdp_cond"]
unit = ["beat_fraction", "real_beat_fraction", "aug_macro_auroc", "aug_fbeta2", "aug_gbeta2",
        "real_only_macro_auroc", "real_only_fbeta2", "real_only_gbeta2"]
util = [k for k in unit if k.startswith(("aug_", "real_only_"))]
def ok(v, lo=0.0, hi=1.0): return v is not None and lo <= v <= hi
assert ok(j["source_c2st_auroc"]), j["source_c2st_auroc"]
assert j["source_heldout_windows"] > 0 and ok(j["source_model"]["real_beat_fraction"]["mean"], 0.8)
for m in methods:
    s = j["summary"][m]
    for k in unit: assert ok(s[k]["mean"]), (m, k, s[k])
    assert ok(s["hf_noise_ratio"]["mean"], 1e-3, 1e3), (m, s["hf_noise_ratio"])
    assert s["hr_w1"]["mean"] is None or s["hr_w1"]["mean"] >= 0, (m, s["hr_w1"])
    for k in util: assert s[k]["lo"] <= s[k]["mean"] + 1e-9 <= s[k]["hi"] + 2e-9, (m, k, s[k])
    # real held-out target windows have beats: the detector finds them
    assert s["real_beat_fraction"]["mean"] >= 0.8, (m, s["real_beat_fraction"])
for k in ("real_only_macro_auroc", "real_only_fbeta2", "real_only_gbeta2"):
    assert j["reference"][k] == j["summary"]["source_only"][k], k
for r in j["results"]:
    for k in unit: assert ok(r[k]), (r["method"], k, r[k])
    for k in util: assert r[k + "_lo"] <= r[k + "_hi"], (r["method"], k)
    assert ok(r["hf_noise_ratio"], 1e-3, 1e3) and (r["rr_cv"] is None or r["rr_cv"] >= 0)
print("realism and utility keys: ok for %d results" % len(j["results"]))
# the paired comparisons: every other method against finetune and source_only on five metrics,
# each the mean of the per-(seed, fold) differences recomputed from "results", inside its interval
runs = {(r["method"], r["seed"], r["fold"]): r for r in j["results"]}
metrics = ["c2st_auroc", "mmd2", "tstr_macro_auroc", "aug_macro_auroc", "hr_w1"]
higher = {"tstr_macro_auroc", "aug_macro_auroc"}
aug = ["aug_macro_auroc", "aug_fbeta2", "aug_gbeta2"]
higher |= set(aug)
cmp = {(c["method"], c["baseline"], c["metric"]): c for c in j["comparisons"]}
assert len(cmp) == len(j["comparisons"]) == 2 * 6 * len(metrics) + 7 * len(aug), len(j["comparisons"])
for (m, b, k), c in cmp.items():
    if b == "real_only":  # the same run's classifier on the real windows alone
        assert k in aug and m in methods, (m, b, k)
        pairs = [(runs[key][k], runs[key][k.replace("aug_", "real_only_")]) for key in runs if key[0] == m]
    else:
        assert b in ("finetune", "source_only") and m != b and k in metrics, (m, b, k)
        pairs = [(runs[(m, s, f)][k], runs[(b, s, f)][k]) for (mm, s, f) in runs if mm == m]
    d = [x - y for x, y in pairs if x is not None and y is not None]
    assert c["n"] == len(d) > 0, (m, b, k, c["n"], len(d))
    tol = 1e-5 * max([1.0] + [abs(runs[key][k]) for key in runs if runs[key][k] is not None])  # "%.6g" in the file
    assert abs(c["mean_diff"] - sum(d) / len(d)) < tol, (m, b, k, c, d)
    assert c["ci_low"] <= c["mean_diff"] + tol and c["mean_diff"] <= c["ci_high"] + tol, (m, b, k, c)
    if all(abs(x) > tol for x in d):  # a sign the rounding cannot flip
        better = sum(1 for x in d if (x > 0 if k in higher else x < 0))
        assert abs(c["win_rate"] - better / len(d)) < 1e-5, (m, b, k, c["win_rate"], d)
    assert 0 <= c["p_wilcoxon"] <= 1, c
print("paired comparisons: ok (%d)" % len(cmp))
PY
grep -q "aug_macro_auroc" "$OUT/stdout" && grep -q "beat_fraction" "$OUT/stdout" || fail "the tables lack the new metrics"
grep -q "^Paired against finetune" "$OUT/stdout" && grep -q "^Paired against source_only" "$OUT/stdout" &&
    grep -q "^The utility of the generated windows" "$OUT/stdout" ||
    fail "the paired comparison tables are missing"
echo "PASS"

#!/usr/bin/env bash
# tgdp ecg beats: R peaks of a LUDB record (WFDB, 500 Hz) in text and in the exact JSON form
# {"fs": F, "lead": "II", "r_peaks": [..]}, checked against the cardiologists' QRS annotations of
# that record; a window of an .npy array [N, 12, L] (--index, --fs; default 100 Hz) holding
# synthetic beats at known samples; usage errors give one line and status 2.
# $1 = the tgdp binary, $2 = the shared folder. Exits 77 without python3 (fixtures) or LUDB.
set -u
T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
LUDB=${2:-}/data/ecg/ludb/data
PY=$(command -v python3 || true)
[ -n "$PY" ] || { echo "SKIP: no python3 for the fixtures"; exit 77; }
[ -f "$LUDB/1.hea" ] || { echo "SKIP: no LUDB records at $LUDB"; exit 77; }
dir=$(mktemp -d /tmp/tgdp_beats.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail=0; pass=0
no() { echo "FAILED: $*"; fail=$((fail+1)); }
ok() { if "$@" >out.txt 2>err.txt; then pass=$((pass+1)); else no "$* ($(tail -c 600 err.txt))"; fi; }
bad() { # status 2 or 1 with a message matching $1
  local pat="$1"; shift
  if "$@" >out.txt 2>err.txt; then no "should have failed: $*";
  elif ! grep -q -- "$pat" err.txt; then no "wrong message for $*: $(cat err.txt) (wanted $pat)";
  else pass=$((pass+1)); fi; }

ok "$T" ecg beats --help
grep -q -- "--index" out.txt && grep -q "default 100" out.txt && pass=$((pass+1)) || no "--help lacks --index / the 100 Hz default"
"$T" ecg --help | grep -q "beats" && pass=$((pass+1)) || no "ecg --help does not list beats"

# a LUDB record: the JSON line, and every annotated QRS of lead II found within 75 ms
ok "$T" ecg beats "$LUDB/1.hea" --json
"$PY" - "$LUDB/1.ii" out.txt <<'PY' && pass=$((pass+1)) || no "LUDB record 1: JSON or peaks wrong: $(cat out.txt)"
import json, re, sys
text = open(sys.argv[2]).read().strip()
assert re.fullmatch(r'\{"fs": 500, "lead": "II", "r_peaks": \[[0-9, ]*\]\}', text), text
j = json.loads(text)
assert list(j) == ["fs", "lead", "r_peaks"]
b = open(sys.argv[1], 'rb').read(); t = 0; i = 0; ref = []
while i + 1 < len(b):
    w = b[i] | b[i + 1] << 8; i += 2
    if w == 0: break
    A, I = w >> 10, w & 1023
    if A == 59: t += (b[i] | b[i + 1] << 8) << 16 | (b[i + 2] | b[i + 3] << 8); i += 4; continue
    if A == 63: i += I + (I & 1); continue
    if A in (60, 61, 62): continue
    t += I
    if A == 1: ref.append(t)
det = j["r_peaks"]
assert len(ref) >= 5 and all(min(abs(d - r) for d in det) <= 37 for r in ref), (ref, det)
inside = [d for d in det if ref[0] - 37 <= d <= ref[-1] + 37]
assert len(inside) == len(ref), (ref, det)
PY
ok "$T" ecg beats "$LUDB/1.hea" --lead v5
grep -q "^fs 500 Hz, lead V5" out.txt && grep -q "^r_peaks ([0-9]*):" out.txt && grep -q "heart rate" out.txt &&
  pass=$((pass+1)) || no "text output: $(cat out.txt)"

# .npy windows [3, 12, 250] at 100 Hz: window 2 lead II has beats at 40, 120, 200 (80 samples = 75 bpm)
"$PY" - <<'PY' || no "writing the fixture"
import math, struct
N, C, L = 3, 12, 250
x = []
for n in range(N):
    for c in range(C):
        for t in range(L):
            v = 0.0
            if n == 2:
                for r in (40, 120, 200):
                    v += 1.2 * math.exp(-0.5 * ((t - r) / 1.0) ** 2) + 0.3 * math.exp(-0.5 * ((t - r - 28) / 4.5) ** 2)
                v *= (1.0 if c != 6 else -1.0)
            x.append(v + 0.01 * math.sin(1.3 * t + c + n))
h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d, %d), }" % (N, C, L)
h += ' ' * ((64 - (10 + len(h) + 1) % 64) % 64) + '\n'
with open('w.npy', 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode('latin1') + struct.pack('<%df' % len(x), *x))
PY
ok "$T" ecg beats w.npy --index 2 --json
grep -qx '{"fs": 100, "lead": "II", "r_peaks": \[40, 120, 200\]}' out.txt && pass=$((pass+1)) || no "npy window 2: $(cat out.txt)"
ok "$T" ecg beats w.npy --index 2 --lead V1 --fs 200 --json
grep -qx '{"fs": 200, "lead": "V1", "r_peaks": \[40, 120, 200\]}' out.txt && pass=$((pass+1)) || no "npy V1 at 200 Hz: $(cat out.txt)"
ok "$T" ecg beats w.npy --json
grep -qx '{"fs": 100, "lead": "II", "r_peaks": \[\]}' out.txt && pass=$((pass+1)) || no "flat window 0: $(cat out.txt)"

bad "holds 3 windows" "$T" ecg beats w.npy --index 3
bad "not one of the 12" "$T" ecg beats w.npy --lead X7
bad "fs does not apply to a record" "$T" ecg beats "$LUDB/1.hea" --fs 100
bad "index does not apply to a record" "$T" ecg beats "$LUDB/1.hea" --index 0
bad "give a record" "$T" ecg beats --json
bad "unexpected argument" "$T" ecg beats w.npy w.npy
bad "cannot open\|No such" "$T" ecg beats missing.hea
bad "too low a sampling rate" "$T" ecg beats w.npy --fs 20
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 10 ]

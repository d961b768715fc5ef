#!/usr/bin/env bash
# tgdp ecg download against a local mirror, never the internet: a few records of each database
# from ../shared/data/ecg laid out as PhysioNet publishes them (ptb-xl/1.0.3/, ludb/1.0.1/,
# challenge-2021/1.0.3/training/<db>/g1/) with a SHA256SUMS.txt written here, served on 127.0.0.1.
# Checks: the good path (every file identical to its source, the layout ecg prepare reads, nothing
# else fetched, a second run fetches nothing); a corrupted file (checksum mismatch: a clear error,
# the file not kept, the others kept); a truncated transfer continued with a Range request; a
# server that goes away (a clear error, non-zero exit, the partial file kept) and the resumed run.
# Skipped (77) without python3 or the shared data; a build without libcurl must say so (then 77).
# $1 = the tgdp binary, $2 = the shared folder (../shared).
set -u
T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
E="${2:-}/data/ecg"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=$(command -v python3 || true)
[ -n "$PY" ] || { echo "SKIP: python3 not found"; exit 77; }
[ -d "$E/ludb" ] && [ -d "$E/ptbxl-records100" ] && [ -d "$E/cpsc2018-cinc2020" ] || { echo "SKIP: no shared ECG data at $E"; exit 77; }
dir=$(mktemp -d /tmp/tgdp_ecgdl.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$dir"; }
trap cleanup EXIT
cd "$dir"
fail=0; pass=0
no() { echo "FAILED: $*"; fail=$((fail+1)); }
yes() { pass=$((pass+1)); }

# a build without libcurl: the command says so, nothing else can be tested
if "$T" ecg download --db ludb --to x --base-url http://127.0.0.1:9/ --retries 0 --quiet 2>err.txt; then :; fi
if grep -q "without libcurl" err.txt; then
  grep -q "libcurl4-openssl-dev" err.txt && echo "note: built without libcurl (the error says so)" || echo "FAILED: unclear error: $(cat err.txt)"
  exit 77
fi

# ---- the mirror
M=$dir/mirror/files
put() { mkdir -p "$(dirname "$M/$2")" && cp "$E/$1" "$M/$2"; }
for n in 1 2 3; do for x in hea dat i ii v1; do put "ludb/data/$n.$x" "ludb/1.0.1/data/$n.$x"; done; done
for f in ludb.csv RECORDS LICENSE.txt; do put "ludb/$f" "ludb/1.0.1/$f"; done
for id in 00001 00002 00003; do for x in hea dat; do
  put "ptbxl-records100/records100/00000/${id}_lr.$x" "ptb-xl/1.0.3/records100/00000/${id}_lr.$x"; done; done
for x in hea dat; do put "ptbxl-records100/records100/01000/01000_lr.$x" "ptb-xl/1.0.3/records100/01000/01000_lr.$x"; done
for f in ptbxl_database.csv scp_statements.csv RECORDS LICENSE.txt; do put "ptbxl-records100/$f" "ptb-xl/1.0.3/$f"; done
mkdir -p "$M/ptb-xl/1.0.3/records500/00000"; echo fake >"$M/ptb-xl/1.0.3/records500/00000/00001_hr.dat"
echo "print(1)" >"$M/ptb-xl/1.0.3/example_physionet.py"   # listed, not part of the database
C=challenge-2021/1.0.3/training
for r in E07500 E07501; do for x in hea mat; do put "cinc2021/georgia/$r.$x" "$C/georgia/g1/$r.$x"; done; done
for r in JS20000 JS20001; do for x in hea mat; do put "cinc2021/ningbo/$r.$x" "$C/ningbo/g1/$r.$x"; done; done
for r in A0001 A0002 A0003; do for x in hea mat; do put "cpsc2018-cinc2020/$r.$x" "$C/cpsc_2018/g1/$r.$x"; done; done
printf 'g1/\n' >"$M/$C/georgia/RECORDS"; printf 'E07500\nE07501\n' >"$M/$C/georgia/g1/RECORDS"
for p in ludb/1.0.1 ptb-xl/1.0.3 challenge-2021/1.0.3; do
  (cd "$M/$p" && find . -type f ! -name SHA256SUMS.txt | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum >SHA256SUMS.txt)
done

# start_server NAME ARGS...: the test server on a free port, $PORT
start_server() {
  rm -f port.txt
  "$PY" "$HERE/tools/mirror_server.py" --root "$dir/mirror" --port-file port.txt --log "$1.log" "${@:2}" &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s port.txt ] && break; sleep 0.1; done
  PORT=$(cat port.txt 2>/dev/null)
  [ -n "$PORT" ] || { no "the test server did not start"; exit 1; }
}
stop_last() { kill "${PIDS[-1]}" 2>/dev/null; wait "${PIDS[-1]}" 2>/dev/null; }

# ---- good path, served by python3 -m http.server
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$dir/mirror" && exec "$PY" -m http.server --bind 127.0.0.1 "$PORT" >/dev/null 2>&1) &
PIDS+=($!)
for _ in $(seq 100); do "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break; sleep 0.1; done
URL=http://127.0.0.1:$PORT/files/
DL=(--retries 2 --retry-wait 0.1)
if "$T" ecg download --db ptbxl,ludb,georgia,ningbo,cpsc2018 --to D --base-url "$URL" "${DL[@]}" --json >out.json 2>err.txt; then yes; else no "good path: $(tail -c 800 err.txt)"; fi
same() { cmp -s "$1" "$2" || no "$2 differs from $1"; }
for n in 1 2 3; do for x in hea dat i ii v1; do same "$E/ludb/data/$n.$x" "D/ludb/data/$n.$x"; done; done
for f in ludb.csv RECORDS LICENSE.txt; do same "$E/ludb/$f" "D/ludb/$f"; done
for id in 00001 00002 00003; do for x in hea dat; do
  same "$E/ptbxl-records100/records100/00000/${id}_lr.$x" "D/ptbxl-records100/records100/00000/${id}_lr.$x"; done; done
for f in ptbxl_database.csv scp_statements.csv RECORDS LICENSE.txt; do same "$E/ptbxl-records100/$f" "D/ptbxl-records100/$f"; done
for r in E07500 E07501; do same "$E/cinc2021/georgia/$r.mat" "D/cinc2021/georgia/g1/$r.mat"; done
for r in A0001 A0002 A0003; do same "$E/cpsc2018-cinc2020/$r.hea" "D/cinc2021/cpsc_2018/g1/$r.hea"; done
n=$(find D -type f | wc -l)
# ludb 15 + 3 tables, ptbxl 8 + 4 tables, georgia 4 + 2 RECORDS, ningbo 4, cpsc2018 6
[ "$n" -eq 46 ] && yes || no "expected 46 files, found $n: $(find D -type f | sort | tr '\n' ' ')"
[ ! -e D/ptbxl-records100/records500 ] && [ ! -e D/ptbxl-records100/example_physionet.py ] && yes || no "fetched files outside the database"
grep -q '"db": "ptbxl".*"ok": true, "files": 12, "downloaded": 12' out.json && yes || no "JSON of the good path: $(cat out.json)"
# the layout is the one ecg prepare reads by database name
if "$T" ecg prepare --data D --out P --quiet --json >prep.json 2>err.txt; then yes; else no "prepare on the download: $(tail -c 600 err.txt)"; fi
grep -q '"source": {"records": 9,' prep.json && grep -q '"target": {"records": 5,' prep.json && yes ||
  no "prepare on the download: $(cat prep.json)"
# a second run fetches nothing (the environment variable instead of --base-url)
if TGDP_PHYSIONET_URL=$URL "$T" ecg download --db ptbxl --to D "${DL[@]}" --json >out2.json 2>err.txt; then yes; else no "second run: $(cat err.txt)"; fi
grep -q '"downloaded": 0, "present": 12, "failed": 0, "resumed": 0, "bytes": 0' out2.json && yes || no "second run fetched: $(cat out2.json)"

# a stale partial file and a server without Range support (http.server): the file is fetched whole
mkdir -p D6/ptbxl-records100/records100/00000
head -c 1000 "$E/ptbxl-records100/records100/00000/00001_lr.dat" >D6/ptbxl-records100/records100/00000/00001_lr.dat.part
if "$T" ecg download --db ptbxl --to D6 --base-url "$URL" "${DL[@]}" --quiet 2>err.txt; then yes; else no "no-Range server: $(cat err.txt)"; fi
same "$E/ptbxl-records100/records100/00000/00001_lr.dat" D6/ptbxl-records100/records100/00000/00001_lr.dat
[ ! -e D6/ptbxl-records100/records100/00000/00001_lr.dat.part ] && yes || no "the .part file is left"

# ---- a corrupted file on the server: checksum mismatch, not kept, the others are
printf 'X' | dd of="$M/ludb/1.0.1/data/2.dat" bs=1 seek=100 conv=notrunc 2>/dev/null
if "$T" ecg download --db ludb --to D2 --base-url "$URL" "${DL[@]}" --quiet 2>err.txt; then no "a corrupted file was accepted"; else yes; fi
grep -q "checksum mismatch" err.txt && grep -q "data/2.dat" err.txt && grep -q "not kept" err.txt && yes || no "mismatch message: $(cat err.txt)"
[ ! -e D2/ludb/data/2.dat ] && [ ! -e D2/ludb/data/2.dat.part ] && yes || no "the corrupted file was kept"
same "$E/ludb/data/3.dat" D2/ludb/data/3.dat
cp "$E/ludb/data/2.dat" "$M/ludb/1.0.1/data/2.dat"
stop_last

# ---- a truncated transfer: continued with a Range request in the same run
start_server trunc --truncate files/ptb-xl/1.0.3/records100/00000/00002_lr.dat:10000
URL=http://127.0.0.1:$PORT/files/
if "$T" ecg download --db ptbxl --to D3 --base-url "$URL" "${DL[@]}" 2>err.txt; then yes; else no "truncated transfer: $(cat err.txt)"; fi
same "$E/ptbxl-records100/records100/00000/00002_lr.dat" D3/ptbxl-records100/records100/00000/00002_lr.dat
grep -q "00002_lr.dat bytes=10000-" trunc.log && yes || no "no Range request after the truncation: $(grep 00002 trunc.log)"
grep -q "continued a partial file" err.txt && yes || no "no note of the resumed file: $(cat err.txt)"
stop_last

# ---- the server goes away in the middle of a file: an error, the partial file kept; then resumed
start_server gone --die-after files/ptb-xl/1.0.3/records100/00000/00003_lr.dat:5000
URL=http://127.0.0.1:$PORT/files/
if "$T" ecg download --db ptbxl --to D4 --base-url "$URL" "${DL[@]}" --connect-timeout 2 2>err.txt; then
  no "a vanished server was not an error"; else yes; fi
P=D4/ptbxl-records100/records100/00000/00003_lr.dat
grep -q "00003_lr.dat" err.txt && grep -q "kept: run again to resume" err.txt && yes || no "message for the vanished server: $(cat err.txt)"
[ -f "$P.part" ] && [ "$(stat -c %s "$P.part")" -eq 5000 ] && [ ! -e "$P" ] && yes || no "partial file not kept: $(ls -l "$(dirname "$P")")"
wait "${PIDS[-1]}" 2>/dev/null
start_server back
URL=http://127.0.0.1:$PORT/files/
if "$T" ecg download --db ptbxl --to D4 --base-url "$URL" "${DL[@]}" 2>err.txt; then yes; else no "resume: $(cat err.txt)"; fi
same "$E/ptbxl-records100/records100/00000/00003_lr.dat" "$P"
[ ! -e "$P.part" ] && yes || no "the .part file is left"
grep -q "00003_lr.dat bytes=5000-" back.log && yes || no "the rerun did not continue the file: $(grep 00003 back.log)"
! grep -q "00001_lr.dat" back.log && yes || no "the rerun fetched a verified file again"

# ---- usage errors
"$T" ecg download --to D5 >/dev/null 2>err.txt; [ $? -eq 2 ] && grep -q -- "--db" err.txt && yes || no "missing --db"
"$T" ecg download --db nosuch --to D5 >/dev/null 2>err.txt; [ $? -eq 2 ] && grep -q "unknown database 'nosuch'" err.txt && yes || no "unknown --db"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

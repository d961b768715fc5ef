#!/usr/bin/env bash
# tgdp ecg prepare end to end on the shared ECG records: the default split (source = LUDB +
# PTB-XL + Georgia, target = Ningbo + CPSC 2018) with a few records per database, arrays
# checked with NumPy (shapes, dtypes, finite values, multi-hot labels, record indices that
# exist in the records table, no record in both domains); folders named relative to --data,
# a broken record skipped with a warning, a record in both domains kept in the target and out of
# the source; database names resolving to the larger shared folders (ptbxl -> ptbxl-records100,
# cpsc2018 -> cpsc2018 + cpsc2018-cinc2020), --target-records (a seeded choice), --window-s;
# errors for a missing data folder or database.
# $1 = the tgdp binary, $2 = the shared folder (../shared).
set -u
T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
S="${2:-}"
E="$S/data/ecg"
dir=$(mktemp -d /tmp/tgdp_ecgprep.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
PY=/usr/bin/python3   # Debian's, with numpy
fail=0; pass=0
no() { echo "FAILED: $*"; fail=$((fail+1)); }
ok() { if "$@" >out.txt 2>err.txt; then pass=$((pass+1)); else no "$* ($(tail -c 600 err.txt))"; fi; }
bad() { # command must fail with a message matching $1
  local pat="$1"; shift
  if "$@" >out.txt 2>err.txt; then no "should have failed: $*";
  elif ! grep -q -- "$pat" err.txt; then no "wrong message for $*: $(cat err.txt) (wanted $pat)";
  else pass=$((pass+1)); fi; }

ok "$T" ecg prepare --help
grep -q "default: ludb,ptbxl,georgia" out.txt && pass=$((pass+1)) || no "ecg prepare --help shows no default split"
bad "no such folder" "$T" ecg prepare --data "$dir/no-such-dir" --out o
bad "required" "$T" ecg prepare --out o
bad "unknown subcommand" "$T" ecg frobnicate

if [ ! -d "$E" ]; then
  echo "note: $E not found; only the error paths of ecg prepare were tested"
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]; exit
fi
HAVE_NP=0
"$PY" -c "import numpy" 2>/dev/null && HAVE_NP=1
[ $HAVE_NP -eq 1 ] || echo "note: $PY has no numpy; the arrays are checked for existence only"

# check OUT SOURCE? TARGET? WINDOW: the written files, with NumPy
check() {
  [ $HAVE_NP -eq 1 ] || { for f in "$1"/prepare.json; do [ -s "$f" ] || no "no $f"; done; return; }
  "$PY" - "$@" <<'PY' 2>err.txt && pass=$((pass+1)) || no "arrays in $1: $(tail -c 800 err.txt)"
import csv, json, sys
import numpy as np
out, doms, win = sys.argv[1], sys.argv[2].split(','), int(sys.argv[3])
meta = json.load(open(out + '/prepare.json'))
assert meta['window'] == win, meta['window']
assert meta['labels'][:3] == ['NORM', 'AF', '1AVB'] and len(meta['labels']) == 11, meta['labels']
keys = {}
for d in doms:
    x = np.load(f'{out}/{d}_x.npy'); y = np.load(f'{out}/{d}_labels.npy'); r = np.load(f'{out}/{d}_record.npy')
    n = x.shape[0]
    assert x.dtype == np.float32 and x.ndim == 3 and x.shape[1:] == (12, win) and n > 0, (d, x.dtype, x.shape)
    assert np.isfinite(x).all(), d + ': non-finite values'
    if meta['normalized']:
        assert np.abs(x).max() <= 10.0 + 1e-5, (d, np.abs(x).max())
        # centred per window and lead, except where the +-5 mV clip cut an excursion (after centring)
        unclipped = np.abs(x).max(axis=2) < 10.0 - 1e-4
        assert unclipped.mean() > 0.95, (d, unclipped.mean())
        assert np.abs(x.mean(axis=2))[unclipped].max() < 1e-3, d + ': windows not centred'
    assert y.dtype == np.int64 and y.shape == (n, 11) and set(np.unique(y)) <= {0, 1}, (d, y.dtype, y.shape)
    assert r.dtype == np.int64 and r.shape == (n,), (d, r.dtype, r.shape)
    rows = list(csv.DictReader(open(f'{out}/{d}_records.csv')))
    idx = {int(row['index']): row for row in rows}
    assert sorted(idx) == list(range(len(rows))), d + ': record indices are not 0..R-1'
    assert set(r.tolist()) <= set(idx), d + ': a window refers to a record not in the table'
    assert set(r.tolist()) == set(idx), d + ': a record without windows'
    assert (np.diff(r) >= 0).all(), d + ': windows of a record are not together'
    for i, row in idx.items():
        w = int(row['windows']); f0 = int(row['first_window'])
        assert w == int((r == i).sum()) and (r[f0:f0 + w] == i).all(), (d, i, 'window count')
        want = set(filter(None, row['labels'].split(';')))
        have = {meta['labels'][k] for k in np.nonzero(y[f0])[0]}
        assert want == have, (d, i, want, have)
        assert (y[f0:f0 + w] == y[f0]).all()
    dm = meta['domains'][d]
    assert dm['records'] == len(rows) and dm['windows'] == n, (d, dm['records'], dm['windows'])
    assert sum(b['windows'] for b in dm['databases']) == n
    assert sum(dm['label_counts']['windows'].values()) == int(y.sum())
    keys[d] = {(row['database'], row['record']) for row in rows}
if len(doms) == 2:
    both = keys[doms[0]] & keys[doms[1]]
    assert not both, 'records in both domains: %s' % sorted(both)
PY
}

# ---- the default split, a few records of each database
ok "$T" ecg prepare --data "$E" --out p1 --max-records 2
grep -q "ecg prepare: source ludb" err.txt && grep -q "ecg prepare: target cpsc2018" err.txt && pass=$((pass+1)) ||
  no "no progress line per database: $(cat err.txt)"
check p1 source,target 250
if [ $HAVE_NP -eq 1 ]; then
  "$PY" - <<'PY' 2>err.txt && pass=$((pass+1)) || no "default split: $(tail -c 600 err.txt)"
import csv, json
m = json.load(open('p1/prepare.json'))
src = [b['name'] for b in m['domains']['source']['databases']]
tgt = [b['name'] for b in m['domains']['target']['databases']]
assert src == ['ludb', 'ptbxl', 'georgia'] and tgt == ['ningbo', 'cpsc2018'], (src, tgt)
assert all(b['used'] == 2 for b in m['domains']['source']['databases'] + m['domains']['target']['databases'])
assert m['rate_hz'] == 100 and m['stride'] == 250 and 'mean' in m['normalization']
dbs = {row['database'] for row in csv.DictReader(open('p1/source_records.csv'))}
assert dbs == {'ludb', 'ptbxl', 'georgia'}, dbs
dbs = {row['database'] for row in csv.DictReader(open('p1/target_records.csv'))}
assert dbs == {'ningbo', 'cpsc2018'}, dbs
PY
fi

# ---- folders named relative to --data, other rate/window/stride, no normalisation; a broken
# record is skipped; a record in both domains stays in the target only
mkdir -p my/src my/tgt
for r in E07500 E07501; do cp "$E/cinc2021/georgia/$r.hea" "$E/cinc2021/georgia/$r.mat" my/src/; done
cp "$E/cinc2021/georgia/E07502.hea" my/src/ && head -c 5000 "$E/cinc2021/georgia/E07502.mat" >my/src/E07502.mat
cp "$E/cinc2021/ningbo/JS20000.hea" "$E/cinc2021/ningbo/JS20000.mat" my/tgt/
cp "$E/cinc2021/georgia/E07500.hea" "$E/cinc2021/georgia/E07500.mat" my/tgt/
ok "$T" ecg prepare --data my --source-dbs src --target-dbs tgt --out p2 --rate 250 --window 500 --stride 250 --raw --quiet
grep -q "warning: skipped.*E07502" err.txt && pass=$((pass+1)) || no "no warning for the broken record: $(cat err.txt)"
grep -q "warning: skipped src record E07500.*in the target domain" err.txt && pass=$((pass+1)) || no "no warning for the record in both domains: $(cat err.txt)"
check p2 source,target 500
if [ $HAVE_NP -eq 1 ]; then
  "$PY" - <<'PY' 2>err.txt && pass=$((pass+1)) || no "options and skips: $(tail -c 600 err.txt)"
import json
import numpy as np
m = json.load(open('p2/prepare.json'))
assert m['rate_hz'] == 250 and m['window'] == 500 and m['stride'] == 250 and not m['normalized']
assert m['domains']['source']['records'] == 1 and m['domains']['target']['records'] == 2
sk = {s['record']: s for s in m['skipped']}
assert set(sk) == {'E07502', 'E07500'}, sk
assert sk['E07502']['domain'] == 'source' and 'E07502' in sk['E07502']['reason']
assert sk['E07500']['domain'] == 'source' and 'target domain' in sk['E07500']['reason']
import csv
assert {r['record'] for r in csv.DictReader(open('p2/target_records.csv'))} == {'JS20000', 'E07500'}
assert {r['record'] for r in csv.DictReader(open('p2/source_records.csv'))} == {'E07501'}
x = np.load('p2/source_x.npy')
assert x.shape == (1 * 9, 12, 500), x.shape   # 10 s at 250 Hz = 2500 samples: 9 windows of 500 every 250
assert 0.5 < np.abs(x).max() < 20, 'not millivolts'
PY
fi

# ---- the database names pick the larger shared folders when present: ptbxl is the WFDB
# records100/ release (1999 records), cpsc2018 both CPSC folders (REFERENCE.csv + MATLAB v5, and
# the Challenge 2020 copies); --window-s 10 gives one 1000-sample window per 10 s record
if [ -d "$E/ptbxl-records100" ] && [ -d "$E/cpsc2018-cinc2020" ]; then
  ok "$T" ecg prepare --data "$E" --source-dbs ptbxl --target-dbs cpsc2018 --out p5 --window-s 10 --quiet
  check p5 source,target 1000
  if [ $HAVE_NP -eq 1 ]; then
    "$PY" - "$E" <<'PY' 2>err.txt && pass=$((pass+1)) || no "larger folders: $(tail -c 600 err.txt)"
import csv, json, sys
import numpy as np
m = json.load(open('p5/prepare.json'))
s, t = m['domains']['source'], m['domains']['target']
assert m['window'] == 1000 and m['stride'] == 1000 and m['window_seconds'] == 10, (m['window'], m['stride'])
assert s['databases'][0]['folder'].endswith('ptbxl-records100') and s['databases'][0]['layout'] == 'ptbxl'
assert s['records'] == 1999 and s['windows'] == 1999, (s['records'], s['windows'])
tf = [f.rsplit('/', 1)[1] for f in t['databases'][0]['folders']]
assert tf == ['cpsc2018', 'cpsc2018-cinc2020'] and t['databases'][0]['layout'] == 'cpsc2018+wfdb', (tf, t['databases'][0])
assert t['records'] == 20, t['records']
# 10 s windows without overlap: floor(duration / 10 s) per record (A1988: 54.3 s -> 5)
rows = {r['record']: r for r in csv.DictReader(open('p5/target_records.csv'))}
assert rows['A1988']['windows'] == '5' and rows['A0001']['windows'] == '1', (rows['A1988'], rows['A0001'])
assert rows['A0001']['labels'] == 'RBBB' and rows['A0003']['labels'] == 'AF', (rows['A0001'], rows['A0003'])
x = np.load('p5/source_x.npy'); y = np.load('p5/source_labels.npy')
assert x.shape == (1999, 12, 1000) and y.sum(axis=0).tolist() == [1055, 111, 64, 34, 41, 55, 99, 370, 61, 45, 176]
PY
  fi
  # --target-records: a seeded random choice of that many target records; the same seed, the same choice
  ok "$T" ecg prepare --data "$E" --source-dbs none --target-dbs cpsc2018,ningbo --target-records 12 --seed 3 --out p6 --quiet
  ok "$T" ecg prepare --data "$E" --source-dbs none --target-dbs cpsc2018,ningbo --target-records 12 --seed 3 --out p7 --quiet
  ok "$T" ecg prepare --data "$E" --source-dbs none --target-dbs cpsc2018,ningbo --target-records 12 --seed 4 --out p8 --quiet
  if [ $HAVE_NP -eq 1 ]; then
    "$PY" - <<'PY' 2>err.txt && pass=$((pass+1)) || no "--target-records: $(tail -c 600 err.txt)"
import csv, json
recs = [[r['record'] for r in csv.DictReader(open(f'p{k}/target_records.csv'))] for k in (6, 7, 8)]
assert len(recs[0]) == 12 and recs[0] == recs[1], recs[:2]
assert recs[0] != recs[2], 'another seed, the same choice'
m = json.load(open('p6/prepare.json'))
assert m['target_records'] == 12 and 'source' not in m['domains']
dbs = m['domains']['target']['databases']
assert sum(b['tried'] for b in dbs) == 12, dbs
assert {r[:1] for r in recs[0]} <= {'A', 'J'}
PY
  fi
else
  echo "note: $E/ptbxl-records100 or cpsc2018-cinc2020 missing; the larger-folder checks were not run"
fi

# ---- errors
bad "no folder for database 'nosuchdb'" "$T" ecg prepare --data "$E" --source-dbs ludb,nosuchdb --out p3
bad "same folder" "$T" ecg prepare --data "$E" --source-dbs ludb --target-dbs ludb --out p3
mkdir -p my/bad && cp my/src/E07502.hea my/src/E07502.mat my/bad/
bad "no usable records" "$T" ecg prepare --data my --source-dbs src --target-dbs bad --out p4 --quiet
bad "out of range" "$T" ecg prepare --data "$E" --window 0 --out p3
test ! -e p3/prepare.json && pass=$((pass+1)) || no "a failed run wrote prepare.json"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

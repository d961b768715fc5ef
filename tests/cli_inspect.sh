#!/usr/bin/env bash
# tgdp inspect on every kind of file it knows: real ECG records of the shared data (LUDB, CinC
# 2021 with MAT v4 signal files, CPSC 2018 MATLAB v5, PTB-XL CSV, label tables), synthetic
# MIT-BIH (format 212, 2 signals, 360 Hz) and PTB Diagnostic style (15 signals, 1000 Hz)
# records, .npy and safetensors files made by tgdp itself; --json output parses; broken files
# give exit status 1 and exactly one line on stderr naming the file.
# $1 = the tgdp binary, $2 = the shared folder (../shared).
set -u
T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
S="${2:-}"
E="$S/data/ecg"
dir=$(mktemp -d /tmp/tgdp_inspect.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
fail=0; pass=0
no() { echo "FAILED: $*"; fail=$((fail+1)); }
# ok FILE PATTERN...: inspect FILE succeeds, prints nothing on stderr, and its output matches
# every pattern (grep -i -F)
ok() {
  local f="$1"; shift
  "$T" inspect "$f" >out.txt 2>err.txt
  local rc=$?
  if [ $rc -ne 0 ]; then no "inspect $f exited $rc ($(head -c 300 err.txt))"; return; fi
  if [ -s err.txt ]; then no "inspect $f wrote to stderr: $(head -c 300 err.txt)"; return; fi
  local p
  for p in "$@"; do
    if ! grep -qiF -- "$p" out.txt; then no "inspect $f: no '$p' in the output"; return; fi
  done
  pass=$((pass+1))
}
# okjson FILE PYTHON-EXPR: --json output parses and the expression (over d) is true
okjson() {
  "$T" inspect --json "$1" >out.json 2>err.txt
  local rc=$?
  if [ $rc -ne 0 ]; then no "inspect --json $1 exited $rc ($(head -c 300 err.txt))"; return; fi
  if "$PY" -c "import json,sys; d=json.load(open('out.json')); sys.exit(0 if ($2) else 1)" 2>err.txt; then pass=$((pass+1));
  else no "inspect --json $1: '$2' is not true ($(head -c 300 err.txt))"; fi
}
# bad FILE: exit status 1, nothing on stdout, exactly one line on stderr that names the file
bad() {
  "$T" inspect "$1" >out.txt 2>err.txt
  local rc=$?
  if [ $rc -ne 1 ]; then no "inspect $1: exit status $rc, expected 1 ($(head -c 300 err.txt))"; return; fi
  if [ "$(wc -l <err.txt)" -ne 1 ]; then no "inspect $1: $(wc -l <err.txt) lines on stderr, expected 1: $(cat err.txt)"; return; fi
  if ! grep -qF "tgdp inspect: $1: " err.txt; then no "inspect $1: message does not name the file: $(cat err.txt)"; return; fi
  if [ -s out.txt ]; then no "inspect $1: printed to stdout while failing"; return; fi
  pass=$((pass+1))
}

# ---- usage
"$T" inspect --help >out.txt 2>&1 && grep -q "usage: tgdp inspect" out.txt && pass=$((pass+1)) || no "inspect --help"
"$T" inspect >/dev/null 2>&1; [ $? -eq 2 ] && pass=$((pass+1)) || no "inspect without a file should exit 2"
"$T" --help | grep -q "inspect" && pass=$((pass+1)) || no "inspect not in tgdp --help"

# ---- files tgdp makes: .npy and safetensors
if "$T" gmm-data --out d --n 20 --m 200 >/dev/null 2>&1 &&
   "$T" train-source --data d/source.npy --steps 2 --hidden 8 --out m.safetensors --quiet >/dev/null 2>&1; then
  pass=$((pass+1))
  ok d/source.npy "NumPy" "float32" "(200, 2)" "version       1.0" "non-finite    0" "mean"
  ok d/source_labels.npy "int64" "(200,)"
  okjson d/source.npy "d['type']=='npy' and d['dtype']=='float32' and d['shape']==[200,2] and d['nonfinite']==0 and d['min']<=d['mean']<=d['max']"
  ok m.safetensors "safetensors" "layers.0.weight" "layers.1.bias" "float32" "8 x 3" "tgdp.role = eps" "tgdp.hidden = 8" "tgdp.schedule"
  okjson m.safetensors "d['type']=='safetensors' and {t['name'] for t in d['tensors']}>={'layers.0.weight','layers.1.bias'} and d['metadata']['tgdp.role']=='eps'"
  cp d/source.npy sniffed.bin && ok sniffed.bin "NumPy" "float32"
  cp m.safetensors sniffed2.bin && ok sniffed2.bin "safetensors" "layers.0.weight"
  # broken copies
  head -c 100 d/source.npy >trunc.npy && bad trunc.npy
  head -c 1000 d/source.npy >trunc2.npy && bad trunc2.npy
  head -c 60 m.safetensors >trunc.safetensors && bad trunc.safetensors
else
  no "gmm-data / train-source to make the .npy and safetensors files"
fi

# ---- synthetic WFDB records (written by Python: no numpy needed)
"$PY" - <<'PY'
import math, struct
def cs16(v, invalid=-32768):  # invalid samples count as -32768 (WFDB_INVALID_SAMPLE, as the WFDB library sums them)
    s = sum(-32768 if x == invalid else x for x in v) & 0xffff
    return s - 65536 if s >= 32768 else s
# MIT-BIH style: format 212, 2 signals (MLII, V5), 360 Hz, 10 s, ADC zero 1024, 11 bits
n = 3600
sig = [[1024 + int(round(300 * math.sin(2 * math.pi * 1.2 * t / 360) + (k * 50))) for t in range(n)] for k in range(2)]
sig[1][100] = -2048  # one invalid sample (WFDB 'no data' code) in V5
stream = [sig[k][t] for t in range(n) for k in range(2)]
b = bytearray()
for i in range(0, len(stream), 2):
    a, c = stream[i] & 0xfff, stream[i + 1] & 0xfff
    b += bytes([a & 0xff, ((a >> 8) & 0x0f) | (((c >> 8) & 0x0f) << 4), c & 0xff])
open('100s.dat', 'wb').write(b)
with open('100s.hea', 'w') as f:
    f.write('100s 2 360 %d 10:30:00 01/02/2003\n' % n)
    for k, name in enumerate(['MLII', 'V5']):
        f.write('100s.dat 212 200 11 1024 %d %d 0 %s\n' % (sig[k][0], cs16(sig[k], -2048), name))
    f.write('# 69 M 1085 1629 x1\n# Aldomet, Inderal\n')
# PTB Diagnostic style: 15 signals, 1000 Hz, format 16, gain 2000/mV, 12 leads + Frank leads
n = 2000
I = [int(round(2000 * 0.8 * math.sin(2 * math.pi * 1.1 * t / 1000))) for t in range(n)]
III = [int(round(2000 * 0.3 * math.cos(2 * math.pi * 0.9 * t / 1000))) for t in range(n)]
II = [a + c for a, c in zip(I, III)]
aVR = [-(a + c) // 2 for a, c in zip(I, II)]
aVL = [(a - c) // 2 for a, c in zip(I, III)]
aVF = [(a + c) // 2 for a, c in zip(II, III)]
others = [[int(round(2000 * 0.5 * math.sin(2 * math.pi * (0.5 + 0.1 * j) * t / 1000))) for t in range(n)] for j in range(9)]
leads = [I, II, III, aVR, aVL, aVF] + others
names = ['i', 'ii', 'iii', 'avr', 'avl', 'avf', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'vx', 'vy', 'vz']
open('s0010_re.dat', 'wb').write(b''.join(struct.pack('<15h', *[leads[k][t] for k in range(15)]) for t in range(n)))
with open('s0010_re.hea', 'w') as f:
    f.write('s0010_re 15 1000 %d\n' % n)
    for k, name in enumerate(names):
        f.write('s0010_re.dat 16 2000 16 0 %d %d 0 %s\n' % (leads[k][0], cs16(leads[k]), name))
    f.write('# age: 81\n# sex: female\n# Reason for admission: Myocardial infarction\n')
PY
if [ -f 100s.hea ] && [ -f s0010_re.hea ]; then
  ok 100s.hea "WFDB record" "212" "360 Hz" "3600 samples" "10.000 s" "MLII" "V5" "11" "1024" "# Aldomet, Inderal" \
     "# 69 M 1085 1629 x1" "1 invalid sample" "not loaded as a 12-lead ECG" "10:30:00"
  ok 100s "WFDB record" "212"          # record name without extension
  ok 100s.dat "WFDB record" "MLII"     # the signal file with its header
  okjson 100s.hea "d['type']=='wfdb' and d['nsig']==2 and d['fs']==360 and d['signals'][0]['format']==212 and d['signals'][1]['lead']=='V5' and d['signals'][1]['invalid_samples']==1 and d['ecg'] is None and abs(d['signals'][0]['max']-(1024+300-1024)/200)<0.02"
  ok s0010_re.hea "WFDB record" "15" "1000 Hz" "2.000 s" "vz" "2000" "# Reason for admission: Myocardial infarction" \
     "limb-lead identities hold" "aVR"
  okjson s0010_re.hea "d['nsig']==15 and d['fs']==1000 and d['ecg'] is not None and d['ecg']['age']==81 and d['ecg']['sex']=='F' and abs(d['ecg']['leads'][0]['max_mv']-0.8)<0.01"
  # broken copies: truncated signal file, header without its signal file, checksum off
  mkdir -p b1 b2 b3
  cp 100s.hea b1/ && head -c 5000 100s.dat >b1/100s.dat && bad b1/100s.hea
  cp 100s.hea b2/ && bad b2/100s.hea
  awk 'NR==2{$7=12345}1' 100s.hea >b3/100s.hea && cp 100s.dat b3/ && bad b3/100s.hea
else
  no "could not write the synthetic WFDB records"
fi

# ---- broken and odd inputs
head -c 4000 /dev/urandom >random.bin && bad random.bin
cp random.bin random.npy && bad random.npy
cp random.bin random.mat && bad random.mat
: >empty.npy && bad empty.npy
: >empty.csv && bad empty.csv
: >empty.hea && bad empty.hea
bad no-such-file.npy
mkdir -p adir && bad adir
printf 'rec 3 500 100\nrec.dat 16 200 0 0 0 0 0 I\n' >wrongcount.hea && bad wrongcount.hea
printf '1,2,3\n4,5\n' >ragged.csv && bad ragged.csv
printf 'a,b\n1,x\n' >text.csv && bad text.csv
printf 'a,b\n1,2\n3,4\n' >good.csv && ok good.csv "rows          2" "columns       2" "header        yes"
okjson good.csv "d['rows']==2 and d['columns']==2 and d['header']==['a','b'] and d['column_stats'][1]['max']==4"

# ---- the shared ECG data
if [ -d "$E" ]; then
  ok "$E/ludb/data/1.hea" "WFDB record" "500 Hz" "5000 samples" "avr" "1716" "#<age>: 51" "#Rhythm: Sinus bradycardia." \
     "LUDB trap" "limb-lead identities hold" "1.dat"
  ok "$E/ludb/data/1" "WFDB record" "avr"
  okjson "$E/ludb/data/1.hea" "d['nsig']==12 and d['fs']==500 and d['samples']==5000 and d['signals'][3]['lead']=='avr' and d['signals'][3]['standard_lead']=='aVR' and d['ecg']['flags']&1 and any('LUDB' in f for f in d['findings'])"
  ok "$E/cinc2021/georgia/E07500.hea" "WFDB record" "E07500.mat" "MATLAB v4 matrix 'val', int16, 12 x 5000" "24" \
     "# Dx: 67741000119109,426177001" "aVR" "1000"
  ok "$E/cinc2021/ningbo/JS20000.mat" "WFDB record" "JS20000.hea" "MATLAB v4"
  okjson "$E/cinc2021/georgia/E07500.hea" "d['signals'][0]['byte_offset']==24 and d['signal_files'][0]['mat4']['rows']==12 and d['ecg']['labels']!=''"
  ok "$E/ptbxl/hr500/HR06000.hea" "mv" "500 Hz"
  ok "$E/cpsc2018/A1980.mat" "MATLAB v5" "ECG" "struct" "data" "12x5000" "sex" "age" "500 Hz (assumed)" "limb-lead identities hold"
  okjson "$E/cpsc2018/A1980.mat" "d['type']=='mat5' and d['variables'][0]['name']=='ECG' and [f['name'] for f in d['variables'][0]['fields']]==['sex','age','data'] and d['variables'][0]['fields'][2]['dims']==[12,5000] and d['ecg']['age']==52"
  ok "$E/ptbxl/00001_lr_100hz.csv" "numeric CSV" "1000" "columns       12" "ECG record" "100 Hz"
  okjson "$E/ptbxl/00001_lr_100hz.csv" "d['rows']==1000 and d['columns']==12 and d['header'] is None and d['ecg']['fs']==100"
  ok "$E/ludb/ludb.csv" "LUDB" "200 records"
  ok "$E/ptbxl/ptbxl_database_1-100.csv" "PTB-XL" "100 records" "strat_fold"
  ok "$E/ptbxl/scp_statements.csv" "71 statements"
  ok "$E/cpsc2018/REFERENCE.csv" "CPSC" "10 records"
  cp "$E/cpsc2018/A1981.mat" cpsc.bin && ok cpsc.bin "MATLAB v5" "ECG"
  cp "$E/cinc2021/georgia/E07501.mat" solo.mat && ok solo.mat "MATLAB v4" "val" "int16" "5000" "12-lead ECG"
  cp solo.mat solo.bin && okjson solo.bin "d['type']=='mat4' and d['matrices'][0]['rows']==12 and d['matrices'][0]['cols']==5000"
  head -c 50000 solo.mat >solo_cut.mat && bad solo_cut.mat
  # broken copies of real files
  head -c 20000 "$E/cpsc2018/A1980.mat" >cut.mat && bad cut.mat
  cp "$E/cpsc2018/A1980.mat" zlib.mat && printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | dd of=zlib.mat bs=1 seek=3000 conv=notrunc 2>/dev/null && bad zlib.mat
  cp "$E/ludb/data/1.hea" lonely.hea && bad lonely.hea
  mkdir -p cinc && cp "$E/cinc2021/georgia/E07500.hea" cinc/ && head -c 60000 "$E/cinc2021/georgia/E07500.mat" >cinc/E07500.mat && bad cinc/E07500.hea
  head -n 50 "$E/ptbxl/00002_lr_100hz.csv" >short.csv && ok short.csv "numeric CSV" "rows          50"
  head -c 3001 "$E/ptbxl/00002_lr_100hz.csv" | head -n -1 >cut.csv && printf '0.1,0.2\n' >>cut.csv && bad cut.csv
else
  echo "note: $E not found; the shared ECG records were not inspected"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

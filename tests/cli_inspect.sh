#!/usr/bin/env bash
# tgdp inspect on every kind of file it knows: real ECG records of the shared data (LUDB, CinC
# 2021 with MAT v4 signal files, CPSC 2018 MATLAB v5, PTB-XL CSV, label tables), synthetic
# MIT-BIH (format 212, 2 signals, 360 Hz) and PTB Diagnostic style (15 signals, 1000 Hz)
# records, .npy and safetensors files made by tgdp itself; --json output is one valid JSON
# object; broken files give exit status 1 and exactly one line on stderr naming the file.
# Shell and C only: the synthetic records are written, and the --json output is checked, by
# two small C programs that this script writes into its temporary folder and compiles with cc.
# $1 = the tgdp binary, $2 = the shared folder (../shared).
set -u
T=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
S="${2:-}"
E="$S/data/ecg"
CC="${CC:-cc}"
dir=$(mktemp -d /tmp/tgdp_inspect.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail=0; pass=0
no() { echo "FAILED: $*"; fail=$((fail+1)); }

# ---- jget: a strict JSON reader. `jget FILE` exits 0 when FILE holds exactly one JSON object
# (RFC 8259 syntax, nothing but white space after it), 2 otherwise. `jget FILE PATH` also
# prints the value at PATH in compact form (strings as written, numbers as written, no spaces
# in arrays and objects); PATH is '/'-separated object keys and array indexes, and a '*' step
# maps the rest of the path over every element of an array (the results form an array).
# Exit 1 when the path does not exist (of a duplicated key, the last one counts).
cat >jget.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
typedef struct node { char kind; const char *s, *e; int n, cap; struct node **kid; const char **ks, **ke; } node;
static const char *p, *begin, *end;
static void die(const char *m) { fprintf(stderr, "jget: invalid JSON at byte %ld: %s\n", (long)(p - begin), m); exit(2); }
static void ws(void) { while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++; }
static int hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static void str(void)
{
    if (p >= end || *p != '"') die("expected a string");
    for (p++;; p++) {
        if (p >= end) die("unterminated string");
        unsigned char c = (unsigned char)*p;
        if (c == '"') { p++; return; }
        if (c < 0x20) die("control character in a string");
        if (c == '\\') {
            p++;
            if (p >= end) die("unterminated escape");
            if (*p == 'u') { for (int i = 0; i < 4; i++) if (++p >= end || !hex(*p)) die("bad \\u escape"); }
            else if (!strchr("\"\\/bfnrt", *p)) die("bad escape");
        }
    }
}
static int digits(void) { int k = 0; while (p < end && *p >= '0' && *p <= '9') p++, k++; return k; }
static void num(void)
{
    if (p < end && *p == '-') p++;
    if (p < end && *p == '0') p++;
    else if (!digits()) die("bad number");
    if (p < end && *p == '.') { p++; if (!digits()) die("bad fraction"); }
    if (p < end && (*p == 'e' || *p == 'E')) { p++; if (p < end && (*p == '+' || *p == '-')) p++; if (!digits()) die("bad exponent"); }
}
static void add(node *n, node *k, const char *ks, const char *ke)
{
    if (n->n == n->cap) {
        n->cap = n->cap ? 2 * n->cap : 8;
        n->kid = realloc(n->kid, n->cap * sizeof *n->kid);
        n->ks = realloc(n->ks, n->cap * sizeof *n->ks);
        n->ke = realloc(n->ke, n->cap * sizeof *n->ke);
        if (!n->kid || !n->ks || !n->ke) { fprintf(stderr, "jget: out of memory\n"); exit(3); }
    }
    n->kid[n->n] = k; n->ks[n->n] = ks; n->ke[n->n] = ke; n->n++;
}
static node *value(int depth)
{
    node *n = calloc(1, sizeof *n);
    if (!n || depth > 200) die("too deep");
    ws();
    n->s = p;
    if (p >= end) die("expected a value");
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        n->kind = *p++;
        ws();
        if (p < end && *p == close) p++;
        else for (;;) {
            const char *ks = NULL, *ke = NULL;
            if (close == '}') { ws(); ks = p + 1; str(); ke = p - 1; ws(); if (p >= end || *p != ':') die("expected ':'"); p++; }
            add(n, value(depth + 1), ks, ke);
            ws();
            if (p < end && *p == ',') { p++; continue; }
            if (p < end && *p == close) { p++; break; }
            die("expected ',' or a closing bracket");
        }
    } else if (*p == '"') { n->kind = 's'; str(); }
    else if (*p == '-' || (*p >= '0' && *p <= '9')) { n->kind = 'n'; num(); }
    else if (end - p >= 4 && !strncmp(p, "true", 4)) { n->kind = 'b'; p += 4; }
    else if (end - p >= 5 && !strncmp(p, "false", 5)) { n->kind = 'b'; p += 5; }
    else if (end - p >= 4 && !strncmp(p, "null", 4)) { n->kind = 'z'; p += 4; }
    else die("unexpected character");
    n->e = p;
    return n;
}
static void put(const node *n)
{
    if (n->kind == '{' || n->kind == '[') {
        putchar(n->kind);
        for (int i = 0; i < n->n; i++) {
            if (i) putchar(',');
            if (n->kind == '{') printf("\"%.*s\":", (int)(n->ke[i] - n->ks[i]), n->ks[i]);
            put(n->kid[i]);
        }
        putchar(n->kind == '{' ? '}' : ']');
    } else printf("%.*s", (int)(n->e - n->s), n->s);
}
static void miss(const char *path) { fprintf(stderr, "jget: no %s\n", path); exit(1); }
/* prints the value at path (the segments from seg on) under n */
static void get(const node *n, char **seg, int nseg, const char *path)
{
    if (!nseg) { put(n); return; }
    if (!strcmp(seg[0], "*")) {
        if (n->kind != '[') miss(path);
        putchar('[');
        for (int i = 0; i < n->n; i++) { if (i) putchar(','); get(n->kid[i], seg + 1, nseg - 1, path); }
        putchar(']');
        return;
    }
    const node *k = NULL;
    if (n->kind == '{') {
        for (int i = 0; i < n->n; i++)
            if ((size_t)(n->ke[i] - n->ks[i]) == strlen(seg[0]) && !strncmp(n->ks[i], seg[0], strlen(seg[0]))) k = n->kid[i];
    } else if (n->kind == '[') {
        char *e;
        long i = strtol(seg[0], &e, 10);
        if (*seg[0] && !*e && i >= 0 && i < n->n) k = n->kid[i];
    }
    if (!k) miss(path);
    get(k, seg + 1, nseg - 1, path);
}
int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: jget FILE [PATH]\n"); return 3; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 3; }
    static char buf[1 << 24];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (len == sizeof buf) { fprintf(stderr, "jget: file too large\n"); return 3; }
    p = begin = buf; end = buf + len;
    ws();
    if (p >= end || *p != '{') die("not a JSON object");
    node *root = value(0);
    ws();
    if (p != end) die("text after the object");
    if (argc < 3) return 0;
    size_t plen = strlen(argv[2]) + 1;
    char *path = malloc(plen), *seg[64];
    if (!path) return 3;
    memcpy(path, argv[2], plen);
    int nseg = 0;
    for (char *t = strtok(path, "/"); t && nseg < 64; t = strtok(NULL, "/")) seg[nseg++] = t;
    get(root, seg, nseg, argv[2]);
    putchar('\n');
    return 0;
}
C

# ---- gen: writes the synthetic WFDB records (see below)
cat >gen.c <<'C'
/* the synthetic WFDB records: 100s (MIT-BIH style) and s0010_re (PTB Diagnostic style) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
/* WFDB checksum: the 16-bit sum of the samples, invalid ones counted as -32768 (as the WFDB library sums them) */
static int cs16(const int *v, int n, int invalid)
{
    long s = 0;
    for (int i = 0; i < n; i++) s += v[i] == invalid ? -32768 : v[i];
    s &= 0xffff;
    return s >= 32768 ? (int)(s - 65536) : (int)s;
}
static int fdiv2(int a) { return a >= 0 ? a / 2 : -((-a + 1) / 2); } /* floor(a / 2) */
int main(void)
{
    const double pi = 3.14159265358979323846;
    /* MIT-BIH style: format 212, 2 signals (MLII, V5), 360 Hz, 10 s, ADC zero 1024, 11 bits */
    enum { N1 = 3600, N2 = 2000 };
    static int sig[2][N1];
    for (int k = 0; k < 2; k++)
        for (int t = 0; t < N1; t++) sig[k][t] = 1024 + (int)nearbyint(300 * sin(2 * pi * 1.2 * t / 360) + k * 50);
    sig[1][100] = -2048; /* one invalid sample (WFDB 'no data' code) in V5 */
    FILE *f = fopen("100s.dat", "wb");
    if (!f) return 1;
    for (int t = 0; t < N1; t++) { /* one frame (2 samples) = 3 bytes */
        unsigned a = (unsigned)sig[0][t] & 0xfff, c = (unsigned)sig[1][t] & 0xfff;
        fputc((int)(a & 0xff), f);
        fputc((int)(((a >> 8) & 0x0f) | (((c >> 8) & 0x0f) << 4)), f);
        fputc((int)(c & 0xff), f);
    }
    if (fclose(f)) return 1;
    f = fopen("100s.hea", "w");
    if (!f) return 1;
    fprintf(f, "100s 2 360 %d 10:30:00 01/02/2003\n", N1);
    const char *mit[2] = {"MLII", "V5"};
    for (int k = 0; k < 2; k++)
        fprintf(f, "100s.dat 212 200 11 1024 %d %d 0 %s\n", sig[k][0], cs16(sig[k], N1, -2048), mit[k]);
    fprintf(f, "# 69 M 1085 1629 x1\n# Aldomet, Inderal\n");
    if (fclose(f)) return 1;
    /* PTB Diagnostic style: 15 signals, 1000 Hz, format 16, gain 2000/mV, 12 leads + Frank leads */
    static int L[15][N2];
    for (int t = 0; t < N2; t++) {
        int I = (int)nearbyint(2000 * 0.8 * sin(2 * pi * 1.1 * t / 1000));
        int III = (int)nearbyint(2000 * 0.3 * cos(2 * pi * 0.9 * t / 1000));
        int II = I + III;
        L[0][t] = I; L[1][t] = II; L[2][t] = III;
        L[3][t] = fdiv2(-(I + II)); /* floor((-(I + II)) / 2), as the original generator had it */
        L[4][t] = fdiv2(I - III);
        L[5][t] = fdiv2(II + III);
        for (int j = 0; j < 9; j++) L[6 + j][t] = (int)nearbyint(2000 * 0.5 * sin(2 * pi * (0.5 + 0.1 * j) * t / 1000));
    }
    f = fopen("s0010_re.dat", "wb");
    if (!f) return 1;
    for (int t = 0; t < N2; t++)
        for (int k = 0; k < 15; k++) { /* little-endian int16 */
            unsigned v = (unsigned)L[k][t] & 0xffff;
            fputc((int)(v & 0xff), f);
            fputc((int)(v >> 8), f);
        }
    if (fclose(f)) return 1;
    f = fopen("s0010_re.hea", "w");
    if (!f) return 1;
    fprintf(f, "s0010_re 15 1000 %d\n", N2);
    const char *ptb[15] = {"i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6", "vx", "vy", "vz"};
    for (int k = 0; k < 15; k++)
        fprintf(f, "s0010_re.dat 16 2000 16 0 %d %d 0 %s\n", L[k][0], cs16(L[k], N2, -32768), ptb[k]);
    fprintf(f, "# age: 81\n# sex: female\n# Reason for admission: Myocardial infarction\n");
    return fclose(f) ? 1 : 0;
}
C
for prog in jget gen; do
  if ! "$CC" -O1 -o "$prog" "$prog.c" -lm 2>cc.txt; then no "$CC could not compile $prog.c: $(head -c 300 cc.txt)"; fi
done

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
# okjson FILE CHECK...: inspect --json FILE succeeds, its output is one valid JSON object, and
# every CHECK holds. A CHECK is "PATH OP VALUE [TOL]" (PATH as jget takes it):
#   PATH == VALUE   the value at PATH, in jget's compact form, is VALUE ("npy", [200,2], null);
#                   numbers compare as numbers
#   PATH != VALUE   it is not
#   PATH <= VALUE   both are numbers and value <= VALUE; a VALUE @PATH2 means the value at PATH2
#   PATH ~ VALUE TOL  a number within TOL of VALUE: |value - VALUE| < TOL
#   PATH & BITS     an integer with one of BITS set
#   PATH in VALUE   the value is an array that holds an element equal to VALUE
#   PATH has TEXT   the compact value contains TEXT
isnum() { [[ $1 =~ ^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$ ]]; }
jcheck() {
  local path="$1" op="$2" want="${3-}" tol="${4-}" v w
  v=$(./jget out.json "$path" 2>err.txt) || return 1
  case "$want" in
    @*) w=$(./jget out.json "${want#@}" 2>err.txt) || return 1 ;;
    *) w="$want" ;;
  esac
  echo "value $v" >err.txt
  case "$op" in
    ==) [ "$v" = "$w" ] || { isnum "$v" && isnum "$w" && awk -v a="$v" -v b="$w" 'BEGIN { exit !(a + 0 == b + 0) }'; } ;;
    !=) ! { [ "$v" = "$w" ] || { isnum "$v" && isnum "$w" && awk -v a="$v" -v b="$w" 'BEGIN { exit !(a + 0 == b + 0) }'; }; } ;;
    '<=') isnum "$v" && isnum "$w" && awk -v a="$v" -v b="$w" 'BEGIN { exit !(a + 0 <= b + 0) }' ;;
    '~') isnum "$v" && isnum "$w" && isnum "$tol" &&
         awk -v a="$v" -v b="$w" -v t="$tol" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < t + 0) }' ;;
    '&') [[ $v =~ ^[0-9]+$ && $w =~ ^[0-9]+$ ]] && (( (v & w) != 0 )) ;;
    in) [[ $v == \[*\] && ",${v:1:${#v}-2}," == *",$w,"* ]] ;;
    has) [[ $v == *"$w"* ]] ;;
    *) echo "unknown check operator '$op'" >err.txt; return 1 ;;
  esac
}
okjson() {
  local f="$1"; shift
  if [ ! -x ./jget ]; then no "inspect --json $f: jget was not compiled"; return; fi
  "$T" inspect --json "$f" >out.json 2>err.txt
  local rc=$?
  if [ $rc -ne 0 ]; then no "inspect --json $f exited $rc ($(head -c 300 err.txt))"; return; fi
  if ! ./jget out.json 2>err.txt; then no "inspect --json $f: not one JSON object ($(head -c 300 err.txt))"; return; fi
  local c w
  for c in "$@"; do
    read -r -a w <<<"$c"
    if ! jcheck "${w[@]}"; then no "inspect --json $f: '$c' is not true ($(head -c 300 err.txt))"; return; fi
  done
  pass=$((pass+1))
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
  okjson d/source.npy 'type == "npy"' 'dtype == "float32"' 'shape == [200,2]' 'nonfinite == 0' 'min <= @mean' 'mean <= @max'
  ok m.safetensors "safetensors" "layers.0.weight" "layers.1.bias" "float32" "8 x 3" "tgdp.role = eps" "tgdp.hidden = 8" "tgdp.schedule"
  okjson m.safetensors 'type == "safetensors"' 'tensors/*/name in "layers.0.weight"' 'tensors/*/name in "layers.1.bias"' \
    'metadata/tgdp.role == "eps"'
  cp d/source.npy sniffed.bin && ok sniffed.bin "NumPy" "float32"
  cp m.safetensors sniffed2.bin && ok sniffed2.bin "safetensors" "layers.0.weight"
  # broken copies
  head -c 100 d/source.npy >trunc.npy && bad trunc.npy
  head -c 1000 d/source.npy >trunc2.npy && bad trunc2.npy
  head -c 60 m.safetensors >trunc.safetensors && bad trunc.safetensors
else
  no "gmm-data / train-source to make the .npy and safetensors files"
fi

# ---- synthetic WFDB records (written by gen.c, compiled above; byte for byte what the
# earlier generator in a scripting language wrote)
[ -x ./gen ] && ./gen || no "gen (the synthetic WFDB records) failed to run"
if [ -f 100s.hea ] && [ -f s0010_re.hea ]; then
  ok 100s.hea "WFDB record" "212" "360 Hz" "3600 samples" "10.000 s" "MLII" "V5" "11" "1024" "# Aldomet, Inderal" \
     "# 69 M 1085 1629 x1" "1 invalid sample" "not loaded as a 12-lead ECG" "10:30:00"
  ok 100s "WFDB record" "212"          # record name without extension
  ok 100s.dat "WFDB record" "MLII"     # the signal file with its header
  okjson 100s.hea 'type == "wfdb"' 'nsig == 2' 'fs == 360' 'signals/0/format == 212' 'signals/1/lead == "V5"' \
     'signals/1/invalid_samples == 1' 'ecg == null' 'signals/0/max ~ 1.5 0.02'   # 1.5 = (1024 + 300 - 1024) / 200
  ok s0010_re.hea "WFDB record" "15" "1000 Hz" "2.000 s" "vz" "2000" "# Reason for admission: Myocardial infarction" \
     "limb-lead identities hold" "aVR"
  okjson s0010_re.hea 'nsig == 15' 'fs == 1000' 'ecg != null' 'ecg/age == 81' 'ecg/sex == "F"' 'ecg/leads/0/max_mv ~ 0.8 0.01'
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
okjson good.csv 'rows == 2' 'columns == 2' 'header == ["a","b"]' 'column_stats/1/max == 4'

# ---- the shared ECG data
if [ -d "$E" ]; then
  ok "$E/ludb/data/1.hea" "WFDB record" "500 Hz" "5000 samples" "avr" "1716" "#<age>: 51" "#Rhythm: Sinus bradycardia." \
     "LUDB trap" "limb-lead identities hold" "1.dat"
  ok "$E/ludb/data/1" "WFDB record" "avr"
  okjson "$E/ludb/data/1.hea" 'nsig == 12' 'fs == 500' 'samples == 5000' 'signals/3/lead == "avr"' \
     'signals/3/standard_lead == "aVR"' 'ecg/flags & 1' 'findings has LUDB'
  ok "$E/cinc2021/georgia/E07500.hea" "WFDB record" "E07500.mat" "MATLAB v4 matrix 'val', int16, 12 x 5000" "24" \
     "# Dx: 67741000119109,426177001" "aVR" "1000"
  ok "$E/cinc2021/ningbo/JS20000.mat" "WFDB record" "JS20000.hea" "MATLAB v4"
  okjson "$E/cinc2021/georgia/E07500.hea" 'signals/0/byte_offset == 24' 'signal_files/0/mat4/rows == 12' 'ecg/labels != ""'
  ok "$E/ptbxl/hr500/HR06000.hea" "mv" "500 Hz"
  ok "$E/cpsc2018/A1980.mat" "MATLAB v5" "ECG" "struct" "data" "12x5000" "sex" "age" "500 Hz (assumed)" "limb-lead identities hold"
  okjson "$E/cpsc2018/A1980.mat" 'type == "mat5"' 'variables/0/name == "ECG"' 'variables/0/fields/*/name == ["sex","age","data"]' \
     'variables/0/fields/2/dims == [12,5000]' 'ecg/age == 52'
  ok "$E/ptbxl/00001_lr_100hz.csv" "numeric CSV" "1000" "columns       12" "ECG record" "100 Hz"
  okjson "$E/ptbxl/00001_lr_100hz.csv" 'rows == 1000' 'columns == 12' 'header == null' 'ecg/fs == 100'
  ok "$E/ludb/ludb.csv" "LUDB" "200 records"
  ok "$E/ptbxl/ptbxl_database_1-100.csv" "PTB-XL" "100 records" "strat_fold"
  ok "$E/ptbxl/scp_statements.csv" "71 statements"
  ok "$E/cpsc2018/REFERENCE.csv" "CPSC" "10 records"
  cp "$E/cpsc2018/A1981.mat" cpsc.bin && ok cpsc.bin "MATLAB v5" "ECG"
  cp "$E/cinc2021/georgia/E07501.mat" solo.mat && ok solo.mat "MATLAB v4" "val" "int16" "5000" "12-lead ECG"
  cp solo.mat solo.bin && okjson solo.bin 'type == "mat4"' 'matrices/0/rows == 12' 'matrices/0/cols == 5000'
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
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]

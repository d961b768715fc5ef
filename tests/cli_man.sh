#!/usr/bin/env bash
# The man page: `tgdp --man` (which the build writes to tgdp.1 and installs) lists every command
# of `tgdp --help` and, per command (and subcommand), every option of its --help, and is valid
# roff: only the macros and escapes we emit, and, where the tools exist, groff without warnings
# and man -l rendering the options.   usage: cli_man.sh TGDP_BINARY [SHARED_DIR]
set -euo pipefail
tgdp=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
page=$tmp/tgdp.1
fail() { echo "FAIL: $*"; exit 1; }

"$tgdp" --man > "$page"
built=$(dirname "$tgdp")/tgdp.1
if [ -f "$built" ]; then cmp -s "$built" "$page" || fail "$built (written by the build) differs from tgdp --man"; fi
head -1 "$page" | grep -q '^\.TH TGDP 1 ' || fail "the page does not start with .TH TGDP 1"
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS; do
  grep -q "^\.SH $s" "$page" || fail "section $s missing"
done
"$tgdp" --help | grep -q -- '--man' && fail "--man should stay out of the usage text"

# the lines of one ".SS" section (until the next .SS or .SH)
section() { awk -v t="$1" '$0 == t {f = 1; next} f && /^\.S[SH]/ {exit} f {print}' "$page"; }

# every option of a --help output ("  --name ...") must be in the section
check_opts() { # title helptext
  local title=$1 help=$2 sec opts n=0
  sec=$(section "$title")
  [ -n "$sec" ] || fail "no section '$title'"
  opts=$(printf '%s\n' "$help" | sed -n 's/^  --\([a-z0-9-]*\).*/\1/p' | grep -vx help || true)
  for o in $opts; do
    grep -qF "\\fB\\-\\-${o//-/\\-}\\fR" <<<"$sec" || fail "$title: option --$o missing"
    n=$((n + 1))
  done
  echo "  $title: $n options"
  total=$((total + n))
}

total=0
cmds=$("$tgdp" --help | awk '/^commands:/ {f = 1; next} f && /^  [a-z]/ {print $1}')
[ -n "$cmds" ] || fail "no commands in tgdp --help"
for c in $cmds; do
  grep -qxF ".B ${c//-/\\-}" "$page" || fail "command $c not in COMMANDS"
  [ "$c" = version ] && continue
  help=$("$tgdp" "$c" --help)
  if grep -q '^options:' <<<"$help"; then
    check_opts ".SS \"tgdp ${c//-/\\-} [options]\"" "$help"
  else # a dispatcher: its subcommands are the indented names of its help
    subs=$(printf '%s\n' "$help" | sed -n 's/^  \([a-z][a-z0-9-]*\)  .*/\1/p')
    [ -n "$subs" ] || fail "$c --help shows neither options nor subcommands"
    for s in $subs; do
      check_opts ".SS \"tgdp ${c//-/\\-} ${s//-/\\-} [options]\"" "$("$tgdp" "$c" "$s" --help)"
    done
  fi
done
[ "$total" -gt 20 ] || fail "only $total options found"

# roff without groff: only the requests we emit, and only known escapes
bad=$(grep -n '^[.'"'"']' "$page" | grep -vE '^[0-9]+:\.(TH|SH|SS|TP|PP|B|I|br|nf|fi|sp)( |$)' || true)
[ -z "$bad" ] || fail "unexpected roff requests: $bad"
bad=$(sed 's/\\f[BIR]//g; s/\\[-e&]//g' "$page" | grep -n '\\' || true)
[ -z "$bad" ] || fail "unknown escapes: $bad"

if command -v groff > /dev/null; then
  warn=$(groff -man -Tutf8 -ww -z "$page" 2>&1 || true)
  [ -z "$warn" ] || fail "groff warnings: $warn"
fi
if command -v man > /dev/null && man -l /dev/null > /dev/null 2>&1; then
  text=$(MANWIDTH=100 man -P cat -l "$page" 2>/dev/null | col -b)
  grep -q -- '--data' <<<"$text" || fail "man -l did not render the options"
  grep -q 'tgdp train-source \[options\]' <<<"$text" || fail "man -l did not render the sections"
fi
[ "$total" -gt 100 ] || fail "only $total options were checked"
echo "cli_man: ok ($total options)"

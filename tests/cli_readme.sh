#!/usr/bin/env bash
# The README's opening commands, as written: parsed from README.md (the first two ```sh blocks),
# and the `tgdp` parts of the first one run from the root of a fresh copy of the working tree
# (tracked and untracked-but-not-ignored files, as a clone with the uncommitted changes would
# have them: no out/, no build/), with --quick added to the demo so the suite stays short.
# `./build/tgdp` in the copy is the binary under test; the install and cmake parts are what the
# suite itself ran to get here.   usage: cli_readme.sh TGDP_BINARY [SHARED_DIR]
set -euo pipefail
tgdp=$(realpath "$1")
src=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }
command -v git >/dev/null && git -C "$src" rev-parse --git-dir >/dev/null 2>&1 ||
  { echo "SKIP: $src is not a git checkout (cannot tell tracked files from build outputs)"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
readme=$src/README.md

# the first two fenced sh blocks; each must hold exactly one command line
block() { awk -v want="$1" '/^```sh$/ {n++; inb = (n == want); next} /^```/ {inb = 0} inb {print}' "$readme"; }
first=$(block 1)
second=$(block 2)
[ "$(printf '%s\n' "$first" | grep -c .)" = 1 ] || fail "the first sh block is not one command line: $first"
[ "$(printf '%s\n' "$second" | grep -c .)" = 1 ] || fail "the second sh block is not one command line: $second"
head -3 "$readme" | grep -q '^```sh$' || fail "README.md does not start with the commands (title, blank line, first block)"
case $first in *scripts/install-deps.sh*) ;; *) fail "the first command does not install the dependencies: $first" ;; esac
case $second in *ctest*) ;; *) fail "the second command does not run the test suite: $second" ;; esac
# the suite's own CI runs the second command as written
grep -qF -- "$second" "$src/.ci/run" || fail ".ci/run does not run the README's test command as written"

# a fresh copy of the working tree
mkdir "$tmp/clone"
(cd "$src" && git ls-files -z --cached --others --exclude-standard) |
  (cd "$src" && xargs -0 cp --parents -t "$tmp/clone" 2>/dev/null) || true
[ -f "$tmp/clone/README.md" ] && [ -f "$tmp/clone/CMakeLists.txt" ] || fail "could not copy the working tree"
[ ! -e "$tmp/clone/out" ] || fail "the fresh copy already has out/"
mkdir "$tmp/clone/build"
ln -s "$tgdp" "$tmp/clone/build/tgdp"

# run every `./build/tgdp ...` part of the first command from the copy's root
ran=0
IFS=$'\n' read -r -d '' -a parts < <(printf '%s' "$first" | sed 's/ && /\n/g'; printf '\0') || true
for part in "${parts[@]}"; do
  part=$(printf '%s' "$part" | sed 's/^ *//; s/ *$//')
  case $part in
    ./build/tgdp\ *)
      read -r -a words <<<"$part"
      if [ "${words[1]}" = demo ] && [[ " $part " != *" --quick "* ]]; then words+=(--quick); fi
      echo "running: ${words[*]}"
      (cd "$tmp/clone" && "${words[@]}" >"$tmp/out.txt" 2>&1) || { cat "$tmp/out.txt"; fail "'${words[*]}' failed"; }
      ran=$((ran + 1))
      # the demo writes what the README says it writes, where it says
      if [ "${words[1]}" = demo ]; then
        outdir=
        for ((i = 0; i < ${#words[@]}; i++)); do [ "${words[i]}" = --out ] && outdir=${words[i + 1]}; done
        [ -n "$outdir" ] || fail "the demo command has no --out"
        for f in results.json results.md; do
          [ -s "$tmp/clone/$outdir/$f" ] || fail "$outdir/$f was not written"
          grep -qF "$f" "$readme" || fail "README does not mention $f"
        done
        ls "$tmp/clone/$outdir"/*.png >/dev/null 2>&1 || fail "no PNG plot in $outdir"
        grep -q '"results"' "$tmp/clone/$outdir/results.json" || fail "results.json has no results list"
      fi
      ;;
  esac
done
[ "$ran" -ge 1 ] || fail "the first command runs no ./build/tgdp part: $first"
echo "ok: $ran tgdp part(s) of the README's first command ran from a fresh copy"

#!/usr/bin/env bash
# `cmake --install` into a temporary prefix puts the library (shared and static), the headers,
# the tgdp binary, a pkg-config file and a CMake package config in place, and the example in
# examples/ builds against the installed library with pkg-config alone and runs.
set -u
T="$1"
build=$(dirname "$T")
src=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(mktemp -d /tmp/tgdp_install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
pass=0; fail=0
check() { if "$@"; then pass=$((pass+1)); else echo "FAILED: $*"; fail=$((fail+1)); fi; }
cmake --install "$build" --prefix "$prefix" >/dev/null || { echo "cmake --install failed"; echo "0 passed, 1 failed"; exit 1; }
lib=$(ls -d "$prefix"/lib* | head -1)
check test -f "$lib/libtgdp.a"
check test -e "$lib/libtgdp.so"
check test -x "$prefix/bin/tgdp"
check test -f "$prefix/include/tgdp/core.h"
check test -f "$prefix/include/tgdp/nn.h"
check test -f "$lib/pkgconfig/tgdp.pc"
check test -f "$lib/cmake/tgdp/tgdpConfig.cmake"
export PKG_CONFIG_PATH="$lib/pkgconfig"
check pkg-config --exists tgdp
cc -std=c11 -Wall -Wextra -o "$prefix/hello" "$src/examples/hello_tgdp.c" $(pkg-config --cflags --libs tgdp) 2>"$prefix/cc.txt"
check test -x "$prefix/hello"
[ -s "$prefix/cc.txt" ] && { echo "compiler output:"; cat "$prefix/cc.txt"; fail=$((fail+1)); }
out=$(LD_LIBRARY_PATH="$lib" "$prefix/hello" 2>&1)
check grep -q "MMD^2 of 500 samples" <<<"$out"
# the installed library is the one the example uses
check grep -q "$lib/libtgdp.so" <(LD_LIBRARY_PATH="$lib" ldd "$prefix/hello")
check "$prefix/bin/tgdp" --help
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

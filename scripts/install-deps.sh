#!/usr/bin/env bash
# Installs the Debian packages tgdp needs to build and test (run as root on Debian 12).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(build-essential cmake pkg-config clang libomp-dev libclang-rt-dev
      libopenblas-openmp-dev libdnnl-dev libmatio-dev libsamplerate0-dev libpng-dev zlib1g-dev python3-numpy valgrind
      libopenmpi-dev openmpi-bin libcurl4-openssl-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

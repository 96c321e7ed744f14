#!/usr/bin/env bash
# Installs the Debian 12 packages efgnn needs. Idempotent: packages already present are
# skipped, so a second run does nothing and needs no network. libopenblas0-pthread: without it
# LibTorch falls back to the reference BLAS (~4x slower); libgloo-dev: c10d's Gloo backend for
# multi-process training; python3-torch: the reference implementation bench/ compares with;
# clang-14, libclang-rt-14-dev, libomp-14-dev: `make fuzz` (libFuzzer).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libyaml-cpp-dev libcli11-dev libhdf5-dev libhepmc3-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox
  libtorch-dev libopenblas0-pthread libgloo-dev
  python3-torch
  clang-14 libclang-rt-14-dev libomp-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

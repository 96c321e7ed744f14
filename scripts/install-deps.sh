#!/usr/bin/env bash
# Installs the Debian 12 packages efgnn needs. Idempotent: packages already present are
# skipped, so a second run does nothing and needs no network. libopenblas0-pthread: without it
# LibTorch falls back to the reference BLAS (~4x slower); libgloo-dev: c10d's Gloo backend for
# multi-process training; python3-torch, python3-h5py: the reference implementation bench/
# compares with (it reads efgnn graph files); pybind11-dev, python3-dev, python3-numpy: the Python
# module efgnn (python/), built for /usr/bin/python3;
# clang-14, libclang-rt-14-dev, libomp-14-dev: `make fuzz` (libFuzzer); libonnx-dev, protobuf:
# ONNX export; ONNX Runtime from npm (onnxruntime-node, CPU binary in the package) into
# bench/onnx/node_modules: tests and benchmarks run exported models through it.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libyaml-cpp-dev libcli11-dev libhdf5-dev libhepmc3-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox
  libtorch-dev libopenblas0-pthread libgloo-dev
  python3-torch python3-h5py python3-numpy python3-dev pybind11-dev
  clang-14 libclang-rt-14-dev libomp-14-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
)
command -v npm > /dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --ignore-scripts: the package's install script only fetches a CUDA build (from GitHub).
onnx_dir="$(dirname "$0")/../bench/onnx"
if [ ! -d "$onnx_dir/node_modules/onnxruntime-node" ]; then
  echo "install-deps: npm onnxruntime-node into bench/onnx" >&2
  (cd "$onnx_dir" && npm ci --no-audit --no-fund --ignore-scripts > /dev/null)
fi

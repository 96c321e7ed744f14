#!/usr/bin/env bash
# Installs efgnn from the build directory into a temporary prefix, then builds the consumer
# programs outside the tree twice (find_package(efgnn) and pkg-config) and runs them on a few
# events with a module map and a model made by the efgnn command.
# Usage: run.sh BUILD_DIR EFGNN SOURCE_DIR
set -euo pipefail
build=$1 efgnn=$2 src=$3
work=$(mktemp -d /tmp/efgnn-install-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
test -f "$prefix/lib/cmake/efgnn/efgnnConfig.cmake"
test -f "$prefix/include/efgnn/pipeline/Pipeline.hpp"

"$efgnn" simulate --detector trackml --hard-scatter ttbar --pileup 5 --events 3 --seed 5 --format h5 --threads 1 \
  --out "$work/events" > /dev/null
"$efgnn" build-module-map --events "$work/events" --out "$work/map.h5" --threads 1 > /dev/null
"$efgnn" export --config "$src/configs/train/demo-h32.yaml" --set hidden=8 --set n_graph_iters=2 \
  --out "$work/model.efgnn" > /dev/null

echo "== find_package(efgnn)"
cmake -S "$src/tests/install/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/consumer" -j 2 > "$work/build.log"
"$work/consumer/consumer" "$work/map.h5" "$work/model.efgnn" "$work/events"
"$work/consumer/runtime_only" "$work/model.efgnn"

echo "== pkg-config"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
g++ -std=c++20 -O1 "$src/tests/install/consumer/main.cpp" -o "$work/consumer-pc" $(pkg-config --cflags --libs efgnn)
"$work/consumer-pc" "$work/map.h5" "$work/model.efgnn" "$work/events"
# shellcheck disable=SC2046
g++ -std=c++20 -O1 "$src/tests/install/consumer/runtime_only.cpp" -o "$work/runtime-pc" $(pkg-config --cflags --libs efgnn-runtime)
"$work/runtime-pc" "$work/model.efgnn"

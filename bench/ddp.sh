#!/usr/bin/env bash
# Data-parallel training throughput (BENCHMARKS.md, issue 4): one epoch over 40 hard-cut
# graphs, h = 48, as one process (1 and 2 threads) and as 2 processes of 1 thread over c10d
# Gloo on 127.0.0.1. Reads the epoch's seconds from metrics.csv (graph loading excluded).
set -euo pipefail
EFGNN=${1:-build/efgnn}
DATA=${BENCH_DATA:-/tmp/efgnn-bench}
[ -f "$DATA/gnn-graphs/manifest.json" ] || { echo "needs $DATA/gnn-graphs (see BENCHMARKS.md)" >&2; exit 1; }
run_args=(--config configs/train/ignn2-h48.yaml --set "input_dir=$DATA/gnn-graphs" --set max_train_graphs=40
          --set max_val_graphs=1 --set max_epochs=1)
epoch() { tail -1 "$1/metrics.csv" | cut -d, -f10; }
out=$(mktemp -d)
"$EFGNN" train "${run_args[@]}" --threads 1 --out "$out/one-1" > /dev/null 2>&1
"$EFGNN" train "${run_args[@]}" --threads 2 --out "$out/one-2" > /dev/null 2>&1
export WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=${BENCH_PORT:-29777}
RANK=1 "$EFGNN" train "${run_args[@]}" --threads 1 --out "$out/two" > /dev/null 2>&1 &
RANK=0 "$EFGNN" train "${run_args[@]}" --threads 1 --out "$out/two" > /dev/null 2>&1
wait
for run in one-1 one-2 two; do
  s=$(epoch "$out/$run")
  echo "$run: epoch $s s, $(python3 -c "print(f'{40 / $s:.2f}')") graphs/s"
done
rm -rf "$out"

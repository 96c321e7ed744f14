#!/usr/bin/env bash
# Compression figures (BENCHMARKS.md, issue 5) on the hard-cut graphs of the training
# benchmark: the hidden-size and distillation scan, then the bit-width table and the pruning of
# the 6-bit model, fine-tuned from that scan's h=48 model. About 2.5 hours on 2 cores the first
# time; scans resume, so a second call only prints the tables.
set -euo pipefail
EFGNN=${1:-build/efgnn}
DATA=${BENCH_DATA:-/tmp/efgnn-bench}
[ -f "$DATA/gnn-graphs/manifest.json" ] || { echo "needs $DATA/gnn-graphs (see BENCHMARKS.md)" >&2; exit 1; }
OUT=$DATA/compression
scan() {
  local name=$1
  shift
  local resume=()
  [ -f "$OUT/$name/settings.txt" ] && resume=(--resume)
  "$EFGNN" scan --config "configs/scans/$name.yaml" --set "input_dir=$DATA/gnn-graphs" "$@" --out "$OUT/$name" \
    "${resume[@]}" > /dev/null
}
scan sizes-distill
scan bits-h48 --set "init_from=$OUT/sizes-distill/runs/h48/best.pt"
for name in sizes-distill bits-h48; do
  echo "== $name ($OUT/$name/results.md)"
  cat "$OUT/$name/results.md"
done

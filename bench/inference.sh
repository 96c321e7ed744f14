#!/usr/bin/env bash
# Inference figures (BENCHMARKS.md, issue 7): LibTorch eager, the efgnn runtime and ONNX Runtime
# on one trackml ttbar + <mu> = 200 event's full module-map graph: the h = 48 float model of the
# training benchmark and the compressed model of the pruning benchmark (6-bit weights and
# activations, 12-bit inputs, 90 % pruned), both in the same run; 1 and 2 threads; then peak
# memory with one backend per process; then the two runtime paths alternating.
set -euo pipefail
EFGNN=${1:-build/efgnn}
DATA=${BENCH_DATA:-/tmp/efgnn-bench}
MODEL=${BENCH_FLOAT_MODEL:-$DATA/run-h48/best.pt}
COMPRESSED=${BENCH_COMPRESSED_MODEL:-$DATA/scan5/in12-phase2-80g/round-07/best.pt}
GRAPHS=${BENCH_GRAPHS:-$DATA/graphs-mu200}
for f in "$MODEL" "$COMPRESSED" "$GRAPHS/manifest.json"; do
  [ -e "$f" ] || { echo "needs $f (see BENCHMARKS.md: graph, training and compression benchmarks)" >&2; exit 1; }
done
for threads in 1 2; do
  echo "== $threads thread(s)"
  "$EFGNN" bench --model "$MODEL" --model "$COMPRESSED" --graphs "$GRAPHS" --max-graphs 1 --runs 5 \
    --threads "$threads" --json
done
# Both models exported once: the runtime's peak memory, then the alternating comparison.
float_file=$(mktemp --suffix=.efgnn) compressed_file=$(mktemp --suffix=.efgnn)
trap 'rm -f "$float_file" "$compressed_file"' EXIT
"$EFGNN" export --model "$MODEL" --out "$float_file" > /dev/null
"$EFGNN" export --model "$COMPRESSED" --out "$compressed_file" > /dev/null
checkpoints=("$MODEL" "$COMPRESSED") exports=("$float_file" "$compressed_file")
for i in 0 1; do
  model=${checkpoints[$i]} exported=${exports[$i]}
  echo "== peak memory: LibTorch alone, $model"
  "$EFGNN" bench --model "$model" --graphs "$GRAPHS" --max-graphs 1 --runs 2 --threads 1 --backend libtorch \
    --json | grep peak_memory
  # The runtime on the exported file, in a process where LibTorch has run nothing (a QAT
  # checkpoint's first LibTorch pass would leave freed memory for the runtime to reuse).
  echo "== peak memory: runtime alone, $model"
  "$EFGNN" bench --model "$exported" --graphs "$GRAPHS" --max-graphs 1 --runs 2 --threads 1 --json | grep peak_memory
done
# The two runtime paths alternating (the sparse-vs-float ratio on a machine whose speed drifts).
echo "== runtime float against sparse integer, alternating"
"$(dirname "$0")/runtime-ab.sh" "$EFGNN" "$float_file" "$compressed_file" "$GRAPHS"

#!/usr/bin/env bash
# The runtime's float path on the float model against its sparse integer path on the compressed
# model, in alternating processes: on a shared machine whose speed drifts from minute to minute,
# back-to-back runs of the two see the same conditions, which one long run of every backend in
# turn (bench/inference.sh) does not. Prints, per thread count, the median over the rounds of
# each round's median (efgnn bench, 3 timed passes after a warm-up) and the ratio.
#   bench/runtime-ab.sh build/efgnn FLOAT.efgnn COMPRESSED.efgnn GRAPHS [ROUNDS]
set -euo pipefail
EFGNN=$1 FLOAT=$2 COMPRESSED=$3 GRAPHS=$4 ROUNDS=${5:-5}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
key() { python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
for threads in 1 2; do
  float_ms=() sparse_ms=()
  for ((round = 0; round < ROUNDS; ++round)); do
    float_ms+=("$("$EFGNN" bench --model "$FLOAT" --graphs "$GRAPHS" --runs 3 --threads "$threads" --json |
      key runtime_float_ms)")
    sparse_ms+=("$("$EFGNN" bench --model "$COMPRESSED" --graphs "$GRAPHS" --runs 3 --threads "$threads" --json |
      key runtime_sparse_int_ms)")
  done
  f=$(printf '%s\n' "${float_ms[@]}" | median)
  s=$(printf '%s\n' "${sparse_ms[@]}" | median)
  echo "threads $threads: runtime float ${f} ms, sparse integer ${s} ms, ratio $(python3 -c "print(round($f / $s, 3))")"
  echo "  float rounds: ${float_ms[*]}"
  echo "  sparse rounds: ${sparse_ms[*]}"
done

#!/usr/bin/env bash
# Training throughput (BENCHMARKS.md, issues 4 and 24): seconds per training step (forward, loss,
# backward, AdamW), multiply-adds per second against this machine's SGEMM rate, and peak memory,
# of efgnn (its training engine, and the plain LibTorch path) and of the same model in PyTorch
# (Python, Debian's python3-torch) on the same graph and thread count; h = 48, 8 iterations, and
# the CTD-size model (h = 128) on the full graph. Uses the graphs of bench/graphs.sh (a full
# mu = 200 module-map graph and a --hard-cut-pt 1 one). Every side keeps freed memory for reuse
# (efgnn at start-up, the reference through the same mallopt calls); EFGNN_SYSTEM_MALLOC=1 gives
# all of them glibc's defaults instead.
set -euo pipefail
EFGNN=${1:-build/efgnn}
DATA=${BENCH_DATA:-/tmp/efgnn-bench}
THREADS=${BENCH_THREADS:-2}
STEPS=${BENCH_STEPS:-5}
PYTHON=${PYTHON:-/usr/bin/python3}  # Debian's, with python3-torch and python3-h5py
[ -d "$DATA/graphs-mu200" ] || { echo "run bench/graphs.sh first" >&2; exit 1; }
[ -d "$DATA/hardcut-mu200" ] || "$EFGNN" build-graphs --events "$DATA/test-mu200" --module-map "$DATA/map.h5" \
  --hard-cut-pt 1 --out "$DATA/hardcut-mu200" --threads "$THREADS" > /dev/null
fields="edges parameters threads step_seconds_median step_seconds_min step_seconds_max peak_rss_mb"
show() {
  python3 -c "import json,sys; d=json.load(sys.stdin); print(' '.join(f'{k}={d[k]}' for k in sys.argv[1:] if k in d))" \
    $fields fraction_of_sgemm
}
efgnn() { "$EFGNN" bench-train --graph "$1" --steps "$STEPS" --warmup 1 --threads "$THREADS" --json "${@:2}" | show; }
# OpenBLAS on one thread, as efgnn sets it: otherwise its pool fights ATen's for the cores; and
# its AVX-512 kernels where the CPU has them, as efgnn picks them when OpenBLAS does not know the
# CPU (README).
blas_core=${OPENBLAS_CORETYPE:-$(grep -qw avx512bw /proc/cpuinfo && echo SkylakeX || true)}
for graph in hardcut-mu200 graphs-mu200; do
  file="$DATA/$graph/event000100000.h5"
  echo "== $graph, $THREADS threads, median of $STEPS steps after 1 warm-up step, h = 48"
  # Recomputation only where memory asks for it: on the full graph.
  checkpointing=$([ "$graph" = graphs-mu200 ] && echo true || echo false)
  printf 'efgnn engine:        '; efgnn "$file" --set hidden=48 --set checkpointing=$checkpointing
  printf 'efgnn, LibTorch ops: '; efgnn "$file" --set hidden=48 --set kernels=libtorch
  printf "pytorch:             "; env ${blas_core:+OPENBLAS_CORETYPE=$blas_core} OPENBLAS_NUM_THREADS=1 "$PYTHON" \
    bench/ignn2_reference.py --graph "$file" --steps "$STEPS" --warmup 1 --threads "$THREADS" | show
done
echo "== graphs-mu200, the CTD-size model (h = 128), recomputed iterations"
printf 'efgnn engine:        '; efgnn "$DATA/graphs-mu200/event000100000.h5" --set hidden=128 --set checkpointing=true

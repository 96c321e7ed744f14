#!/usr/bin/env bash
# Graph construction figures (BENCHMARKS.md, issue 3): a module map from 1000 simulated trackml
# ttbar + <mu>=200 events, applied to 20 further events at mu = 50, 100, 200; the geometric
# baseline on the same mu = 200 events; map build time; peak memory of building one graph.
# Events are cached in $BENCH_DATA (about 9 GB).
set -euo pipefail
EFGNN=${1:-build/efgnn}
DATA=${BENCH_DATA:-/tmp/efgnn-bench}
THREADS=${BENCH_THREADS:-2}
mkdir -p "$DATA"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(' '.join(f'{k}={d[k]}' for k in sys.argv[1:]))" "$@"; }

[ -f "$DATA/train/simulation.json" ] || "$EFGNN" simulate --pileup 200 --hard-scatter ttbar --events 1000 --seed 1000 \
  --format h5 --out "$DATA/train" --threads "$THREADS" --resume
for mu in 50 100 200; do
  [ -f "$DATA/test-mu$mu/simulation.json" ] || "$EFGNN" simulate --pileup $mu --hard-scatter ttbar --events 20 \
    --seed $((2000 + mu)) --first-event 100000 --format h5 --out "$DATA/test-mu$mu" --threads "$THREADS" --resume
done

echo "== module map from 1000 events ($THREADS threads)"
"$EFGNN" build-module-map --events "$DATA/train" --out "$DATA/map.h5" --threads "$THREADS" --json | json events doublets triplets seconds

for builder in module-map geometric; do
  echo "== $builder graphs of 20 mu=200 events"
  "$EFGNN" build-graphs --events "$DATA/test-mu200" --module-map "$DATA/map.h5" --builder $builder \
    --out "$DATA/graphs-$builder" --force --threads "$THREADS" --json | json edges_per_event construction_ms_median wall_seconds
  "$EFGNN" graph-stats --graphs "$DATA/graphs-$builder" --json | json graph_efficiency purity target_purity edges_per_node target_particles_fully_connected
done

echo "== growth with pile-up (module map)"
for mu in 50 100 200; do
  printf 'mu=%s: ' $mu
  "$EFGNN" build-graphs --events "$DATA/test-mu$mu" --module-map "$DATA/map.h5" --out "$DATA/graphs-mu$mu" --force \
    --threads "$THREADS" --json | json nodes_per_event edges_per_event construction_ms_median wall_seconds
done

echo "== peak memory of building one mu=200 graph (module map loaded)"
mkdir -p "$DATA/one" && cp "$DATA/test-mu200/event000100000.h5" "$DATA/test-mu200/detector.yaml" "$DATA/one/"
/usr/bin/time -v "$EFGNN" build-graphs --events "$DATA/one" --module-map "$DATA/map.h5" --out "$DATA/graphs-one" \
  --force --threads 1 2>&1 >/dev/null | grep -E "Maximum resident"

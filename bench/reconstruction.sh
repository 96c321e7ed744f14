#!/usr/bin/env bash
# Track-level figures (BENCHMARKS.md, issue 6): the h = 48 float model of the training
# benchmark and the 90 %-pruned 6-bit model of the compression benchmark reconstruct 20 fresh
# trackml ttbar + <mu> = 200 events (hard cut 1 GeV, as the models were trained), with the
# walkthrough and with connected components; then the report. The module map is learnt from
# 3000 events (the training benchmark's 1000 and 2000 more, simulated here once, ~17 GB).
# Timing: one thread, median over 19 events after one warm-up event.
set -euo pipefail
EFGNN=${1:-build/efgnn}
DATA=${BENCH_DATA:-/tmp/efgnn-bench}
FLOAT=${BENCH_FLOAT_MODEL:-$DATA/run-h48/best.pt}
COMPRESSED=${BENCH_COMPRESSED_MODEL:-$DATA/compression/in12-phase2/round-07/best.pt}
for f in "$FLOAT" "$COMPRESSED" "$DATA/train/detector.yaml" "$DATA/test-mu200/detector.yaml"; do
  [ -e "$f" ] || { echo "needs $f (see BENCHMARKS.md: training and compression benchmarks)" >&2; exit 1; }
done
OUT=$DATA/reconstruction
mkdir -p "$OUT"
if [ ! -f "$DATA/map3000.h5" ]; then
  "$EFGNN" simulate --pileup 200 --hard-scatter ttbar --events 2000 --seed 7000 --first-event 1000 --format h5 \
    --out "$DATA/train-extra" --resume
  "$EFGNN" build-module-map --events "$DATA/train" "$DATA/train-extra" --out "$DATA/map3000.h5"
fi
for model in float compressed; do
  file=$FLOAT
  [ "$model" = compressed ] && file=$COMPRESSED
  for builder in walk cc; do
    "$EFGNN" reconstruct --model "$file" --events "$DATA/test-mu200" --module-map "$DATA/map3000.h5" --hard-cut-pt 1 \
      --builder "$builder" --threads 1 --out "$OUT/$model-$builder" --force --json > "$OUT/$model-$builder.json"
    python3 -c "
import json, sys
j = json.load(open('$OUT/$model-$builder.json')); m = j['metrics']; e = j['edge_metrics']; t = j['timing']
print('$model $builder: track efficiency %.2f +- %.2f %%, fake rate %.2f +- %.2f %%, duplicate rate %.2f %%; '
      'edge efficiency %.2f %%, purity %.2f %%' % (100 * m['track_efficiency'], 100 * m['track_efficiency_error'],
      100 * m['fake_rate'], 100 * m['fake_rate_error'], 100 * m['duplicate_rate'], 100 * e['edgewise_efficiency'],
      100 * e['total_purity']))
print('   ms/event median (mean, max): ' + ', '.join('%s %.1f (%.1f, %.1f)' % (k, v['median_ms'], v['mean_ms'], v['max_ms'])
      for k, v in t.items()))
"
  done
done
"$EFGNN" report --reconstruction float="$OUT/float-walk" --reconstruction compressed="$OUT/compressed-walk" \
  --out "$OUT/report" --force

#!/usr/bin/env bash
# `make demo`: the whole story on built-in defaults, in about 15 minutes on 2 cores, in an Event
# Filter's regime (graphs of every hit, no simulation truth between the hits and the tracks):
# simulate ttbar + pile-up events, learn a module map, build graphs, train a small float edge
# classifier, compress it (6-bit quantization-aware fine-tuning, then iterative pruning),
# reconstruct tracks with both models on the deployment runtime, and write the report with a
# summary table and the lost target particles by cause. Truth decides only the loss weights and
# the metrics (and teaches the module map, from separate events).
# Every step overwrites its output, so the demo can be run again from scratch.
set -euo pipefail
EFGNN=${1:-build/efgnn}
OUT=${DEMO_DIR:-demo-output}
REFERENCE=${EFGNN_REFERENCE:-../shared/data/trackml/event000001000-particles.csv}
MU=${DEMO_PILEUP:-50}             # pile-up: small events keep the demo short
MAP_EVENTS=${DEMO_MAP_EVENTS:-600}   # pile-up 200, hits of particles above 1 GeV only
GNN_EVENTS=${DEMO_GNN_EVENTS:-100}  # split 80 / 10 / 10 (train / val / test): the study's 80 training events
TEST_EVENTS=${DEMO_TEST_EVENTS:-20}
EPOCHS=${DEMO_EPOCHS:-20}
THREADS=${DEMO_THREADS:-0}          # 0 = all cores
TOLERANCE=0.3                       # module map ranges widened by 30 %: a small map's ranges are narrow
CONFIG=configs/train/demo-h32.yaml

step() { printf '\n== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

step "detector"
"$EFGNN" geometry --detector trackml

step "simulate: $GNN_EVENTS events for the GNN, $TEST_EVENTS to test (ttbar + <mu> = $MU)"
sim() { "$EFGNN" simulate --detector trackml --hard-scatter ttbar --format h5 --force --threads "$THREADS" "$@"; }
sim --pileup "$MU" --events "$GNN_EVENTS" --seed 12 --first-event 100000 --out "$OUT/gnn-events"
sim --pileup "$MU" --events "$TEST_EVENTS" --seed 13 --first-event 200000 --out "$OUT/test-events"
if [ -f "$REFERENCE" ]; then
  step "built-in generators against the real TrackML event"
  "$EFGNN" calibration --reference "$REFERENCE" --events 2
fi
"$EFGNN" event-display "$OUT/test-events" --out "$OUT/event-display.png"

step "module map from $MAP_EVENTS events of pile-up 200 (only particles above 1 GeV teach it, so only they are simulated)"
sim --pileup 200 --events "$MAP_EVENTS" --seed 11 --first-event 0 --min-propagated-pt 1 --no-noise --out "$OUT/map-events"
"$EFGNN" build-module-map --events "$OUT/map-events" --out "$OUT/module-map.h5" --threads "$THREADS"
rm -rf "$OUT/map-events"  # about 2 MB per event, no longer needed

step "graphs of every hit (no truth cut, as the study's main tables)"
"$EFGNN" build-graphs --events "$OUT/gnn-events" --module-map "$OUT/module-map.h5" \
  --tolerance "$TOLERANCE" --out "$OUT/graphs" --force --threads "$THREADS"
"$EFGNN" graph-stats --graphs "$OUT/graphs"

rm -rf "$OUT/float" "$OUT/qat6" "$OUT/pruned"  # a fresh story each time
step "train the float model ($CONFIG, $EPOCHS epochs)"
"$EFGNN" train --config "$CONFIG" --set input_dir="$OUT/graphs" --set max_epochs="$EPOCHS" \
  --threads "$THREADS" --out "$OUT/float"

step "compress: 6-bit quantization-aware fine-tuning, then iterative pruning"
"$EFGNN" train --config "$CONFIG" --set input_dir="$OUT/graphs" --set init_from="$OUT/float/best.pt" \
  --set weight_bits=6 --set activation_bits=6 --set input_bits=12 --set max_epochs=4 --set warmup=0 \
  --set lr=3e-4 --threads "$THREADS" --out "$OUT/qat6"
"$EFGNN" prune --from "$OUT/qat6/best.pt" --config "$CONFIG" --set input_dir="$OUT/graphs" --set warmup=0 \
  --set lr=3e-4 --set prune_fraction=0.4 --set prune_epochs=2 --set prune_max_rounds=5 \
  --set prune_criterion=val_loss --set prune_tolerance=0.2 --threads "$THREADS" --out "$OUT/pruned"
"$EFGNN" summary --model "$OUT/pruned/best.pt"

step "reconstruct tracks in the test events with both models (edge scores from the deployment runtime)"
for model in float:"$OUT/float/best.pt" compressed:"$OUT/pruned/best.pt"; do
  "$EFGNN" reconstruct --model "${model#*:}" --events "$OUT/test-events" --module-map "$OUT/module-map.h5" \
    --tolerance "$TOLERANCE" --builder walk --threads "$THREADS" --out "$OUT/tracks-${model%%:*}" --force
done

step "report"
"$EFGNN" report --run float-run="$OUT/float" --run pruned-run="$OUT/pruned" \
  --reconstruction float="$OUT/tracks-float" --reconstruction compressed="$OUT/tracks-compressed" \
  --threads "$THREADS" --out "$OUT/report" --force
echo
echo "demo outputs are in $OUT/; open $OUT/report/report.html (or report.md)"

#!/usr/bin/env bash
# `make demo`: the end-to-end story on built-in defaults. For now: describe the detector,
# simulate ttbar + pile-up 200 events, compare them with the real TrackML event and draw one.
set -euo pipefail
EFGNN=${1:-build/efgnn}
OUT=${DEMO_DIR:-demo-output}
REFERENCE=${EFGNN_REFERENCE:-../shared/data/trackml/event000001000-particles.csv}
EVENTS=${DEMO_EVENTS:-4}

mkdir -p "$OUT"
echo "== detector"
"$EFGNN" geometry --detector trackml
echo
echo "== simulate $EVENTS ttbar + <mu> = 200 pile-up events"
"$EFGNN" simulate --detector trackml --pileup 200 --hard-scatter ttbar --events "$EVENTS" \
  --seed 1 --format csv.gz --out "$OUT/events" --force
echo
echo "== what the events hold"
"$EFGNN" event-stats "$OUT/events"
echo
if [ -f "$REFERENCE" ]; then
  echo "== built-in generators against the real TrackML event ($REFERENCE)"
  "$EFGNN" calibration --reference "$REFERENCE" --events "$EVENTS"
  echo
fi
echo "== event display"
"$EFGNN" event-display "$OUT/events" --out "$OUT/event-display.png"
echo
echo "== graphs: a module map from 100 training events, the graphs of the events above"
"$EFGNN" simulate --detector trackml --pileup 200 --hard-scatter ttbar --events 100 \
  --seed 2 --first-event 1000 --format h5 --out "$OUT/train" --force
"$EFGNN" build-module-map --events "$OUT/train" --out "$OUT/module-map.h5"
"$EFGNN" build-graphs --events "$OUT/events" --module-map "$OUT/module-map.h5" --out "$OUT/graphs" --force
"$EFGNN" graph-stats --graphs "$OUT/graphs"
echo
echo "demo outputs are in $OUT/"

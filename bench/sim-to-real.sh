#!/usr/bin/env bash
# How real is the simulation (BENCHMARKS.md, issue 23): what efgnn learns from its own events
# simulated on the real TrackML detector, applied to a real TrackML event (../shared/data/
# trackml, read as distributed: no detector.yaml) and, for comparison, to simulated events of
# the same kind. Uses the `make demo` outputs: its module map (600 events of pile-up 200,
# particles above 1 GeV) and its float and compressed models (trained on hard-cut pT > 1 GeV
# graphs of <mu> = 50 events).
#   bench/sim-to-real.sh [build/efgnn] [DEMO_DIR] [REAL_DIR]
set -euo pipefail
EFGNN=${1:-build/efgnn}
DEMO=${2:-${DEMO_DIR:-demo-output}}
REAL=${3:-../shared/data/trackml}
OUT=${SIM_TO_REAL_DIR:-/tmp/efgnn-sim-to-real}
TOLERANCE=0.3   # as the demo
for f in "$DEMO/module-map.h5" "$DEMO/float/best.pt" "$DEMO/test-events/detector.yaml"; do
  [ -e "$f" ] || { echo "needs $f: run make demo first (or give its directory)" >&2; exit 1; }
done
mkdir -p "$OUT"
MODELS="float:$DEMO/float/best.pt"
[ -e "$DEMO/pruned/best.pt" ] && MODELS="$MODELS compressed:$DEMO/pruned/best.pt"

for sample in real:"$REAL" sim:"$DEMO/test-events"; do
  name=${sample%%:*} events=${sample#*:}
  # Graphs of every hit (the Event Filter's input) and of particles above 1 GeV (the models').
  "$EFGNN" build-graphs --events "$events" --module-map "$DEMO/module-map.h5" --tolerance $TOLERANCE \
    --split 0,0,100 --out "$OUT/$name-all" --force --json > /dev/null
  "$EFGNN" build-graphs --events "$events" --module-map "$DEMO/module-map.h5" --tolerance $TOLERANCE --hard-cut-pt 1 \
    --split 0,0,100 --out "$OUT/$name-hard" --force --json > /dev/null
  for g in all hard; do "$EFGNN" graph-stats --graphs "$OUT/$name-$g" --json > "$OUT/$name-$g-graph.json"; done
  for m in $MODELS; do
    model=${m%%:*} file=${m#*:}
    "$EFGNN" eval --model "$file" --graphs "$OUT/$name-hard" --split test --json > "$OUT/$name-$model-eval.json"
    "$EFGNN" reconstruct --model "$file" --events "$events" --module-map "$DEMO/module-map.h5" --tolerance $TOLERANCE \
      --hard-cut-pt 1 --builder walk --threads 1 --out "$OUT/$name-$model-tracks" --force --json > "$OUT/$name-$model-reco.json"
  done
done
/usr/bin/python3 - "$OUT" $MODELS <<'PY'
import json, sys
out = sys.argv[1]
models = [m.split(':')[0] for m in sys.argv[2:]]
def load(name): return json.load(open(f"{out}/{name}"))
print("| | real TrackML event | efgnn simulation |")
print("|---|---|---|")
for g, label in (("all", "every hit"), ("hard", "hits of pT > 1 GeV particles")):
    r, s = load(f"real-{g}-graph.json"), load(f"sim-{g}-graph.json")
    print(f"| graph of {label}: nodes / edges per event | {r['nodes_per_event']:.0f} / {r['edges_per_event']:.0f} | {s['nodes_per_event']:.0f} / {s['edges_per_event']:.0f} |")
    print(f"| graph of {label}: edges per node | {r['edges_per_event']/r['nodes_per_event']:.2f} | {s['edges_per_event']/s['nodes_per_event']:.2f} |")
    print(f"| graph of {label}: graph efficiency (target edges) | {r['graph_efficiency']:.4f} | {s['graph_efficiency']:.4f} |")
for m in models:
    r, s = load(f"real-{m}-eval.json"), load(f"sim-{m}-eval.json")
    for k in ("edgewise_efficiency", "total_purity", "target_purity"):
        print(f"| {m} model: {k.replace('_', ' ')} | {r[k]:.4f} | {s[k]:.4f} |")
    r, s = load(f"real-{m}-reco.json")["metrics"], load(f"sim-{m}-reco.json")["metrics"]
    for k in ("track_efficiency", "fake_rate", "duplicate_rate"):
        print(f"| {m} model, walkthrough: {k.replace('_', ' ')} | {r[k]:.4f} | {s[k]:.4f} |")
PY

#!/usr/bin/env bash
# Issue 26: the deployable chain (pipeline/Pipeline, as `efgnn reconstruct` runs it) on full
# ttbar + <mu> = 200 events of the TrackML detector: per-stage medians on one thread, events/s on
# two, for the float h = 48 model, the 6-bit one and the >= 90 %-pruned 6-bit one; and the
# runtime's tracks against LibTorch's (same graphs, same builder); the graph stage alone
# (bench_graph). Models and module map from bench/event-filter.sh ($EF_OUT); 8 events, the first
# of each run untimed (warm-up).
# Usage: bench/pipeline.sh [build/efgnn]
set -euo pipefail
EFGNN=$(realpath "${1:-build/efgnn}")
EF_OUT=${EF_OUT:-/tmp/efgnn-event-filter}
OUT=${OUT:-/tmp/efgnn-pipeline}
mkdir -p "$OUT"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for f in "$EF_OUT/module-map.h5" "$EF_OUT/float/best.pt" "$EF_OUT/qat6/best.pt" "$EF_OUT/pruned90/best.pt"; do
  [ -f "$f" ] || { echo "bench/pipeline.sh: $f missing: run bench/event-filter.sh first (EF_OUT=$EF_OUT)" >&2; exit 1; }
done
"$EFGNN" simulate --detector trackml --hard-scatter ttbar --pileup 200 --events 8 --seed 31 --first-event 500000 \
  --format h5 --threads 2 --resume --out "$OUT/events" > /dev/null
# The graph stage alone, one thread: the edge builder and the whole stage, mean ms per event over
# the 8 events, median of 5 repetitions after a warm-up pass.
EFGNN_BENCH_MODULE_MAP="$EF_OUT/module-map.h5" EFGNN_BENCH_EVENTS="$OUT/events" "$(dirname "$EFGNN")/bench/bench_graph" \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true 2>&1 | grep median
reco() {  # MODEL NAME THREADS [options]
  "$EFGNN" reconstruct --model "$1" --events "$OUT/events" --module-map "$EF_OUT/module-map.h5" --tolerance 0.3 \
    --builder walk --threads "$3" --warmup 1 --force --out "$OUT/tracks-$2-t$3" "${@:4}" --json > "$OUT/$2-t$3.json"
}
for m in float qat6 pruned90; do
  for t in 1 2; do reco "$EF_OUT/$m/best.pt" "$m" "$t"; done
  reco "$EF_OUT/$m/best.pt" "$m-libtorch" 1 --scorer libtorch
done
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys, os, filecmp
out = sys.argv[1]
print("| model | read | graph | GNN | tracks | total (median ms/event, 1 thread) | events/s, 2 threads | track efficiency % |")
print("|---|---|---|---|---|---|---|---|")
for m in ["float", "qat6", "pruned90"]:
    j = json.load(open(f"{out}/{m}-t1.json")); t = j["timing"]
    j2 = json.load(open(f"{out}/{m}-t2.json"))
    med = lambda s: t[s]["median_ms"]
    print(f"| {m} | {med('read'):.0f} | {med('graph'):.0f} | {med('scoring'):.0f} | {med('tracks'):.0f} | "
          f"**{med('total'):.0f}** | {j2['events_per_second']:.2f} | {100*j['metrics']['track_efficiency']:.2f} |")
print()
print("| model | events whose tracks differ, runtime vs LibTorch | tracks differing |")
print("|---|---|---|")
def tracks(path):
    d = {}
    for line in open(path).read().split("\n")[1:]:
        if line: t, h = line.split(","); d.setdefault(t, []).append(h)
    return sorted(tuple(v) for v in d.values())
for m in ["float", "qat6", "pruned90"]:
    a, b = f"{out}/tracks-{m}-t1", f"{out}/tracks-{m}-libtorch-t1"
    files = sorted(f for f in os.listdir(a) if f.endswith("-tracks.csv"))
    ev = tr = 0
    for f in files:
        x, y = tracks(f"{a}/{f}"), tracks(f"{b}/{f}")
        if x != y: ev += 1; tr += len(set(x) ^ set(y))
    print(f"| {m} | {ev} / {len(files)} | {tr} |")
PY

#!/usr/bin/env bash
# `make bench`: the figures of BENCHMARKS.md. Each timing is the median of several runs after a
# warm-up run; the machine is printed first so that figures are never quoted without it.
set -euo pipefail
BUILD=${1:-build}
EFGNN=$BUILD/efgnn
RUNS=${BENCH_RUNS:-5}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

echo
echo "== simulation speed: trackml, ttbar + <mu>=200, 8 events per run, no disk writes"
for threads in 1 2; do
  "$EFGNN" simulate --pileup 200 --hard-scatter ttbar --events 2 --format none --threads "$threads" --json > /dev/null
  rates=$(for r in $(seq "$RUNS"); do
    "$EFGNN" simulate --pileup 200 --hard-scatter ttbar --events 8 --seed "$r" --format none --threads "$threads" --json | field events_per_second
  done | median)
  printf 'threads=%s: median %.2f events/s over %s runs\n' "$threads" "$rates" "$RUNS"
done

echo
echo "== calibration against the real TrackML event"
"$EFGNN" calibration --reference ../shared/data/trackml/event000001000-particles.csv --events 5 || true

echo
echo "== helix check: fitted curvature radius / (pT / 0.3 |q| B) - 1, worst of 20 gun tracks"
"$BUILD"/tests/test_sim --gtest_filter='Propagation.CurvatureRadius*' --gtest_output=json:/tmp/efgnn-helix.json > /dev/null
python3 -c "
import json
for t in json.load(open('/tmp/efgnn-helix.json'))['testsuites'][0]['testsuite']:
    for k, v in t.items():
        if k.startswith('worst'): print(f'{k}: {float(v):.2e}')
"

echo
bench/graphs.sh "$EFGNN"
echo
bench/train_step.sh "$EFGNN"
echo
echo "== data-parallel training"
bench/ddp.sh "$EFGNN"

echo
echo "== compression scans"
bench/compression.sh "$EFGNN"

echo
echo "== track reconstruction (float and compressed models)"
bench/reconstruction.sh "$EFGNN"

echo
echo "== the study in the Event Filter's regime: graphs of every hit (about 2.5 hours; BENCH_EVENT_FILTER=0 skips it)"
if [ "${BENCH_EVENT_FILTER:-1}" = 1 ]; then bench/event-filter.sh "$EFGNN"; fi

echo
echo "== the deployable chain on full <mu> = 200 events, with the models above (BENCH_EVENT_FILTER=0 skips it)"
if [ "${BENCH_EVENT_FILTER:-1}" = 1 ]; then bench/pipeline.sh "$EFGNN"; fi

echo
echo "== inference: LibTorch, the runtime, ONNX Runtime"
bench/inference.sh "$EFGNN"

echo
echo "== micro-benchmarks"
for b in "$BUILD"/bench/bench_*; do "$b" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true; done

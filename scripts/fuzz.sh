#!/usr/bin/env bash
# Runs the libFuzzer targets built in FUZZ_DIR/bin (make fuzz), SECONDS each, and prints per target:
# executions, executions per second, seconds, corpus files; then the total. Each target starts
# from its checked-in seeds (fuzz/corpus/NAME, read only) and its working corpus
# FUZZ_DIR/corpus/NAME (where new inputs go); a crash input lands in FUZZ_DIR/crashes/ and
# stops the run with a non-zero exit code.
# Usage: scripts/fuzz.sh FUZZ_DIR SECONDS NAME...
set -euo pipefail
# A 16 MiB quarantine (default 256) still catches uses of recently freed memory; the HDF5 targets,
# which allocate megabytes per input, run about twice as fast with it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}
dir=$1 seconds=$2
shift 2
mkdir -p "$dir/crashes" "$dir/logs"
total=0 failed=0
printf '%-18s %12s %10s %8s %8s\n' target executions exec/s seconds corpus
for name in "$@"; do
  mkdir -p "$dir/corpus/$name"
  log=$dir/logs/$name.log
  start=$(date +%s)
  status=0
  "$dir/bin/fuzz_$name" -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/$name-" "$dir/corpus/$name" "fuzz/corpus/$name" >"$log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - start ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  files=$(find "$dir/corpus/$name" fuzz/corpus/$name -type f | wc -l)
  printf '%-18s %12s %10s %8s %8s\n' "$name" "${runs:-?}" "${rate:-?}" "$elapsed" "$files"
  total=$(( total + ${runs:-0} ))
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "fuzz_$name FAILED (exit $status); log: $log" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" >&2 || tail -20 "$log" >&2
  fi
done
echo "total executions: $total"
exit $failed

#!/usr/bin/env bash
# Compression figures (BENCHMARKS.md, issue 5) on the hard-cut graphs of the training
# benchmark: the hidden-size and distillation scan, then the bit-width table and the pruning of
# the 6-bit model, fine-tuned from that scan's h=48 model. About 2.5 hours on 2 cores the first
# time; scans resume, so a second call only prints the tables.
set -euo pipefail
EFGNN=${1:-build/efgnn}
DATA=${BENCH_DATA:-/tmp/efgnn-bench}
[ -f "$DATA/gnn-graphs/manifest.json" ] || { echo "needs $DATA/gnn-graphs (see BENCHMARKS.md)" >&2; exit 1; }
OUT=$DATA/compression
scan() {
  local name=$1
  shift
  local resume=()
  [ -f "$OUT/$name/settings.txt" ] && resume=(--resume)
  "$EFGNN" scan --config "configs/scans/$name.yaml" --set "input_dir=$DATA/gnn-graphs" "$@" --out "$OUT/$name" \
    "${resume[@]}" > /dev/null
}
scan sizes-distill
scan bits-h48 --set "init_from=$OUT/sizes-distill/runs/h48/best.pt"
for name in sizes-distill bits-h48; do
  echo "== $name ($OUT/$name/results.md)"
  cat "$OUT/$name/results.md"
done

# The bits scan's pruning row measures every round against the float model and stops at the
# first round more than 0.5 points below it; the 6-bit model with 8-bit inputs starts 0.5
# points below already. The runs below prune (1) that 6-bit model against itself, by edge
# metrics (0.5 points) and by validation loss (+5 %, the study's criterion) with global and
# per-layer ranking, 26 % per round and 2 epochs of fine-tuning; (2) a 6-bit model with 12-bit
# inputs, fine-tuned like the bits rows, in steps of 20 % with 4 epochs, against the float model
# and by validation loss. Each round's model is measured on the test split.
prune_run() {
  local name=$1 parent=$2
  shift 2
  local dir=$OUT/$name resume=()
  [ -f "$dir/prune.yaml" ] && resume=(--resume)
  "$EFGNN" prune --from "$parent" --config configs/train/ignn2-h48.yaml \
    --set "input_dir=$DATA/gnn-graphs" --set max_train_graphs=40 --set warmup=0 --set lr=2.0e-4 "$@" --threads 1 \
    --out "$dir" "${resume[@]}" > /dev/null
  echo "== $name"
  cat "$dir/rounds.md"
  for round in "$dir"/round-*/; do
    printf '%s test: ' "$(basename "$round")"
    "$EFGNN" eval --model "$round/best.pt" --graphs "$DATA/gnn-graphs" --split test --json |
      python3 -c "import json,sys; d=json.load(sys.stdin); print(f\"eff {100*d['edgewise_efficiency']:.2f} %, purity {100*d['total_purity']:.2f} %\")"
  done
}
w6=$OUT/bits-h48/runs/w6/best.pt
steps26=(--set prune_fraction=0.26 --set prune_epochs=2 --set prune_max_rounds=14)
prune_run w6-prune-vs-w6 "$w6" "${steps26[@]}" --set prune_criterion=edge_metrics --set prune_tolerance=0.005
prune_run w6-prune-valloss-global "$w6" "${steps26[@]}" --set prune_criterion=val_loss --set prune_tolerance=0.05
prune_run w6-prune-valloss-layer "$w6" "${steps26[@]}" --set prune_criterion=val_loss --set prune_tolerance=0.05 \
  --set prune_scope=layer

in12=$OUT/w6-in12
[ -f "$in12/best.pt" ] || "$EFGNN" train --config configs/train/ignn2-h48.yaml --set "input_dir=$DATA/gnn-graphs" \
  --set "init_from=$OUT/sizes-distill/runs/h48/best.pt" --set max_epochs=6 --set warmup=0 --set lr=2.0e-4 \
  --set max_train_graphs=40 --set weight_bits=6 --set activation_bits=6 --set input_bits=12 --threads 1 \
  --out "$in12" $([ -f "$in12/last.pt" ] && echo --resume) > /dev/null
steps20=(--set prune_fraction=0.2 --set prune_epochs=4 --set prune_max_rounds=16)
prune_run in12-prune-vs-float "$in12/best.pt" "${steps20[@]}" --set prune_criterion=edge_metrics \
  --set prune_tolerance=0.005 --set "prune_reference=$OUT/bits-h48/runs/float/best.pt"
prune_run in12-prune-valloss "$in12/best.pt" "${steps20[@]}" --set prune_criterion=val_loss --set prune_tolerance=0.05
# Smaller steps beyond the last accepted round (79 %): 10 % per round, 3 epochs over all 80
# training graphs, still measured against the unpruned 6-bit model.
prune_run in12-phase2 "$OUT/in12-prune-valloss/round-07/best.pt" --set prune_fraction=0.1 --set prune_epochs=3 \
  --set prune_max_rounds=8 --set max_train_graphs=0 --set prune_criterion=val_loss --set prune_tolerance=0.05 \
  --set "prune_reference=$in12/best.pt"

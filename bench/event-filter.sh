#!/usr/bin/env bash
# Issue 25: the study in the Event Filter's regime, graphs of every hit, no truth between hits and
# tracks. Resumable: each step skips what its output already holds (trainings and the scan resume
# from their checkpoints). Outputs under $OUT (default /tmp/efgnn-event-filter), outside the
# repository. Budget on the 2-core machine, one thread per job (two jobs side by side):
#   graphs: 150 events x 0.1 s; float h=48: 80 events x 20 epochs x ~0.7 s = ~20 min;
#   6-bit QAT: 80 x 6 x ~1.5 s = ~14 min; pruning: 6 rounds x 3 epochs x 80 x ~1.5 s = ~40 min;
#   scans (configs/scans/study-full-graphs*.yaml): sizes and iterations ~75 min, bit widths
#   4 x 6 epochs x ~1.5 s x 80 = ~50 min, BatchNorm and recurrent 2 x 20 epochs x ~0.8 s x 80 = ~45 min;
#   reconstruction: 3 models x 8 samples x ~10 s.
# Usage: bench/event-filter.sh [build/efgnn]
set -euo pipefail
EFGNN=$(realpath "${1:-build/efgnn}")
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/efgnn-event-filter}
MU=${EF_PILEUP:-50}
CONFIG=$REPO/configs/train/ignn2-h48.yaml
TOLERANCE=0.3
# Every QAT run's bit widths (weights and activations 6 bits, inputs 12), and the headline QAT
# recipe from a float model: 6 epochs from lr 3e-4, no warm-up.
six_bits=(--set weight_bits=6 --set activation_bits=6 --set input_bits=12)
qat6_recipe=("${six_bits[@]}" --set max_epochs=6 --set warmup=0 --set lr=3e-4)
mkdir -p "$OUT"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

sim() { "$EFGNN" simulate --detector trackml --format h5 --threads 1 --resume "$@" > /dev/null; }
# graphs EVENTS MAP OUT: the graphs of EVENTS by module map MAP, unless OUT holds them already.
graphs() { [ -f "$3/manifest.json" ] || "$EFGNN" build-graphs --events "$1" --module-map "$2" --tolerance $TOLERANCE \
  --out "$3" --threads 2 > /dev/null; }
echo "== events: 150 for the GNN, 20 to test (ttbar + <mu> = $MU); module map from 600 events of <mu> = 200 above 1 GeV"
sim --hard-scatter ttbar --pileup "$MU" --events 150 --seed 12 --first-event 100000 --out "$OUT/gnn-events"
sim --hard-scatter ttbar --pileup "$MU" --events 20 --seed 13 --first-event 200000 --out "$OUT/test-events"
if [ ! -f "$OUT/module-map.h5" ]; then
  sim --hard-scatter ttbar --pileup 200 --events 600 --seed 11 --min-propagated-pt 1 --no-noise --out "$OUT/map-events"
  "$EFGNN" build-module-map --events "$OUT/map-events" --out "$OUT/module-map.h5" --threads 2 > /dev/null
fi
graphs "$OUT/gnn-events" "$OUT/module-map.h5" "$OUT/graphs"
"$EFGNN" graph-stats --graphs "$OUT/graphs"

echo "== robustness samples (10 events each, never trained on)"
rob() { local name=$1; shift; sim --events 10 --first-event 300000 --out "$OUT/robust/$name" "$@"; }
rob nominal --hard-scatter ttbar --pileup "$MU" --seed 21
rob mu35 --hard-scatter ttbar --pileup 35 --seed 21
rob mu65 --hard-scatter ttbar --pileup 65 --seed 21
rob minbias --hard-scatter none --pileup "$MU" --seed 22
rob misalign50um --hard-scatter ttbar --pileup "$MU" --seed 21 --misalign 0.05
rob misalign200um --hard-scatter ttbar --pileup "$MU" --seed 21 --misalign 0.2
rob noise2x --hard-scatter ttbar --pileup "$MU" --seed 21 --noise-per-module 0.9
# The models applied, unchanged, at <mu> = 200 (graphs of every hit of 8 events).
sim --hard-scatter ttbar --pileup 200 --events 8 --seed 31 --first-event 500000 --out "$OUT/robust/mu200"
graphs "$OUT/robust/mu200" "$OUT/module-map.h5" "$OUT/robust/graphs-mu200"

echo "== the headline models: float h = 48, 6-bit QAT, iterative pruning of the 6-bit model (80 training events)"
common=(--config "$CONFIG" --set input_dir="$OUT/graphs" --set max_train_graphs=80 --threads 1)
resume() { [ -n "$(ls -A "$1" 2> /dev/null)" ] && echo --resume || true; }  # an interrupted run goes on
run() { local dir=$1; shift; [ -f "$dir/done" ] || { "$@" --out "$dir" $(resume "$dir") > /dev/null && touch "$dir/done"; }; }
# prune DIR FROM FRACTION EPOCHS ROUNDS [--set ...]: FRACTION of the remaining weights per round,
# EPOCHS of fine-tuning each, every round kept.
prune_all() {
  run "$1" "$EFGNN" prune --from "$2" "${common[@]}" --set warmup=0 --set lr=3e-4 --set prune_fraction="$3" \
    --set prune_epochs="$4" --set prune_max_rounds="$5" --set prune_criterion=val_loss --set prune_tolerance=10 "${@:6}"
}
run "$OUT/float" "$EFGNN" train "${common[@]}" --set max_epochs=20
# The same with all 120 training events of the data set (~32 min).
run "$OUT/float-120" "$EFGNN" train "${common[@]}" --set max_epochs=20 --set max_train_graphs=120
# Its 6-bit QAT on the same 120 events (120 x 6 x ~1.5 s = ~18 min).
run "$OUT/qat6-120" "$EFGNN" train "${common[@]}" --set max_train_graphs=120 --set init_from="$OUT/float-120/best.pt" \
  "${qat6_recipe[@]}"
run "$OUT/qat6" "$EFGNN" train "${common[@]}" --set init_from="$OUT/float/best.pt" "${qat6_recipe[@]}" &
run "$OUT/scan" "$EFGNN" scan --config "$REPO/configs/scans/study-full-graphs.yaml" --set input_dir="$OUT/graphs" &
wait %1
run "$OUT/pruned" "$EFGNN" prune --from "$OUT/qat6/best.pt" "${common[@]}" --set warmup=0 --set lr=3e-4 \
  --set prune_fraction=0.4 --set prune_epochs=3 --set prune_max_rounds=6 --set prune_criterion=val_loss \
  --set prune_tolerance=0.5
# The first schedule stops at 64 % (its 78.4 % round is refused); two more stages, 30 % of the
# remaining weights per round with 4 epochs each: within 0.5 points of the 6-bit model, then
# through 91.4 % whatever the metrics (the >= 90 % model).
run "$OUT/pruned2" "$EFGNN" prune --from "$OUT/pruned/round-02/best.pt" "${common[@]}" --set warmup=0 --set lr=3e-4 \
  --set prune_fraction=0.3 --set prune_epochs=4 --set prune_max_rounds=4 --set prune_criterion=edge_metrics \
  --set prune_tolerance=0.005 --set prune_reference="$OUT/qat6/best.pt"
prune_all "$OUT/pruned90" "$OUT/pruned2/round-01/best.pt" 0.3 4 3
# A fourth stage with twice the fine-tuning: 20 % of the remaining weights per round, 8 epochs
# each, from the 64 % model through 90.6 %, every round kept (about 6 x 8 x 80 x ~1.5 s = ~100 min).
prune_all "$OUT/pruned4" "$OUT/pruned/best.pt" 0.2 8 6
# A fifth stage, the allocation that helped at <mu> = 200: from the 64 % model, 35 % of each
# layer's remaining weights per round (prune_scope=layer), 6 epochs each, 3 rounds (90.1 %;
# 18 x 80 x ~1.4 s = ~35 min).
prune_all "$OUT/hybrid" "$OUT/pruned/best.pt" 0.35 6 3 --set prune_scope=layer
# From the 6-bit model, ranked by LAMP score (prune_scope=lamp): 32 % of the remaining weights
# per round, 3 epochs each, 6 rounds (90.1 %)
prune_all "$OUT/lamp" "$OUT/qat6/best.pt" 0.32 3 6 --set prune_scope=lamp
# Gradual pruning (prune_schedule=gradual) of the 6-bit model, ranked by LAMP score: one run of
# 14 epochs in which 90 % is reached along a cubic ramp over the first 9, in 1 or 2 steps per
# epoch (14 x 80 x ~4.5 s = ~85 min each on one thread).
for steps in 1 2; do
  run "$OUT/gmp-lamp-s$steps" "$EFGNN" prune --from "$OUT/qat6/best.pt" "${common[@]}" --set warmup=0 --set lr=3e-4 \
    --set prune_schedule=gradual --set prune_target=0.9 --set prune_epochs=14 --set prune_ramp_epochs=9 \
    --set prune_steps_per_epoch=$steps --set prune_criterion=val_loss --set prune_tolerance=10 --set prune_scope=lamp &
done
wait
# The headline pruning recipe: the float model pruned first (a float epoch costs about 0.6 of a
# QAT one), gradually, ranked by LAMP score: 90 % reached over 20 epochs in 2 steps per epoch, 40
# epochs in all (lr 3e-4 x 0.95 per epoch; 106 min on two threads beside other jobs, 55 min on one
# thread alone); its 90 % float model fine-tuned again with a restarted learning rate (3e-4 x 0.9
# per epoch, masks kept, 8 epochs); a second restart (2e-4 x 0.9 per epoch, 12 epochs); then 4
# epochs of 6-bit QAT with learned activation scales, which keeps the masks (calibrated scales
# cost this model 0.6-0.8 point of purity, learned ones about 0.2).
# headline_pruning PREFIX FLOAT GRAPHS [EVENTS] [TEACHER]: the runs PREFIX-lamp, -ft, -ft2 and
# -ft2-q6 (the 6-bit, 90 %-pruned model; -ft2-q6kd with a TEACHER) from the float model FLOAT,
# trained on EVENTS (80) of GRAPHS.
headline_pruning() {
  local p=$1 from=$2 c=(--config "$CONFIG" --set input_dir="$3" --set max_train_graphs="${4:-80}" --threads 1)
  # With a TEACHER every step learns from it: pruning's fine-tuning, the restarts and a longer QAT.
  local teach=() tool=train qat=(-ft2-q6 4)
  [ -n "${5:-}" ] && teach=(--teacher "$5") tool=distill qat=(-ft2-q6kd 10)
  run "$p-lamp" "$EFGNN" prune --from "$from" "${c[@]}" "${teach[@]}" --set warmup=0 --set lr=3e-4 --set factor=0.95 \
    --set prune_schedule=gradual --set prune_target=0.9 --set prune_epochs=40 --set prune_ramp_epochs=20 \
    --set prune_steps_per_epoch=2 --set prune_scope=lamp
  run "$p-ft" "$EFGNN" $tool "${c[@]}" "${teach[@]}" --set init_from="$p-lamp/best.pt" --set max_epochs=8 \
    --set warmup=0 --set lr=3e-4 --set factor=0.9
  run "$p-ft2" "$EFGNN" $tool "${c[@]}" "${teach[@]}" --set init_from="$p-ft/best.pt" --set max_epochs=12 \
    --set warmup=0 --set lr=2e-4 --set factor=0.9
  run "$p${qat[0]}" "$EFGNN" $tool "${c[@]}" "${teach[@]}" --set init_from="$p-ft2/best.pt" "${six_bits[@]}" \
    --set activation_scaling=learned --set max_epochs="${qat[1]}" --set warmup=0 --set lr=1e-4 --set factor=0.9
}
headline_pruning "$OUT/gmpf" "$OUT/float/best.pt" "$OUT/graphs"
# The two intermediate 90 % float models, each with a few epochs of 6-bit QAT (calibrated scales).
run "$OUT/gmpf-lamp-q6" "$EFGNN" train "${common[@]}" --set init_from="$OUT/gmpf-lamp/best.pt" "${six_bits[@]}" \
  --set max_epochs=3 --set warmup=0 --set lr=1e-4
run "$OUT/gmpf-ft-q6" "$EFGNN" train "${common[@]}" --set init_from="$OUT/gmpf-ft/best.pt" "${six_bits[@]}" \
  --set max_epochs=2 --set warmup=0 --set lr=1e-4
run "$OUT/scan-bits" "$EFGNN" scan --config "$REPO/configs/scans/study-full-graphs-bits.yaml" \
  --set input_dir="$OUT/graphs" --set init_from="$OUT/float/best.pt"
wait
run "$OUT/scan-norm" "$EFGNN" scan --config "$REPO/configs/scans/study-full-graphs-norm.yaml" --set input_dir="$OUT/graphs"
# The larger hidden sizes (some 5 hours on one thread).
run "$OUT/scan-large" "$EFGNN" scan --config "$REPO/configs/scans/study-full-graphs-large.yaml" --set input_dir="$OUT/graphs"
# Distillation into the h = 48 student with the float headline's recipe: from the h = 64 model of
# the size scan (80 x 20 x ~1.4 s = ~40 min), and from the h = 128 one of the scan above.
run "$OUT/distill-h64" "$EFGNN" distill "${common[@]}" --set max_epochs=20 --teacher "$OUT/scan/runs/h64/best.pt"
run "$OUT/distill-h128" "$EFGNN" distill "${common[@]}" --set max_epochs=20 --teacher "$OUT/scan-large/runs/h128/best.pt"
# The h = 128 model pruned by 69 % of its remaining weights per round, two rounds of 3 epochs
# (90.4 %; 80 x 6 x ~5.6 s = ~45 min).
prune_all "$OUT/pruned90-h128" "$OUT/scan-large/runs/h128/best.pt" 0.69 3 2
# The compression chain taught by the h = 128 model: 6-bit QAT of the distilled model by
# distillation (80 x 6 x ~1.6 s = ~13 min), then 54 % of each layer's remaining weights per round,
# 4 epochs of distillation each, 3 rounds (90.3 %; 80 x 12 x ~1.6 s = ~26 min).
run "$OUT/qat6-kd" "$EFGNN" distill "${common[@]}" --teacher "$OUT/scan-large/runs/h128/best.pt" \
  --set init_from="$OUT/distill-h128/best.pt" "${qat6_recipe[@]}"
prune_all "$OUT/pruned-kd" "$OUT/qat6-kd/best.pt" 0.54 4 3 --set prune_scope=layer \
  --teacher "$OUT/scan-large/runs/h128/best.pt"
# The fourth stage's schedule with the same teacher: from the 64 % model, 20 % of the remaining
# weights per round, 8 epochs of distillation each, 6 rounds (90.6 %; 6 x 8 x 80 x ~1.6 s = ~100 min).
prune_all "$OUT/pruned4-kd" "$OUT/pruned/best.pt" 0.2 8 6 --teacher "$OUT/scan-large/runs/h128/best.pt"

# Models trained at <mu> = 200: 60 events of every hit (48 to train, 6 to validate), float h = 48
# (48 x 12 epochs x ~3.5 s on one thread = ~35 min), its 6-bit QAT (3 epochs, ~11 min on two
# threads), and that pruned by 70 % of the remaining weights per round, two rounds of 2 epochs
# (91 %, 48 x 4 x ~7 s = ~22 min); two threads each.
sim --hard-scatter ttbar --pileup 200 --events 60 --seed 41 --first-event 600000 --out "$OUT/mu200-events"
graphs "$OUT/mu200-events" "$OUT/module-map.h5" "$OUT/graphs-mu200"
at200=(--config "$CONFIG" --set input_dir="$OUT/graphs-mu200" --set max_train_graphs=48 --threads 2)
run "$OUT/float200" "$EFGNN" train "${at200[@]}" --set max_epochs=12
run "$OUT/qat6-200" "$EFGNN" train "${at200[@]}" --set init_from="$OUT/float200/best.pt" "${six_bits[@]}" \
  --set max_epochs=3 --set warmup=0 --set lr=3e-4
prune200() {  # NAME FRACTION ROUNDS: the 6-bit model pruned by FRACTION per round, 2 epochs each, all kept
  run "$OUT/$1" "$EFGNN" prune --from "$OUT/qat6-200/best.pt" "${at200[@]}" --set warmup=0 --set lr=3e-4 \
    --set prune_fraction="$2" --set prune_epochs=2 --set prune_max_rounds="$3" --set prune_criterion=val_loss \
    --set prune_tolerance=10
}
prune200 pruned-200 0.7 2
# The same in smaller steps: 45 % per round, four rounds (90.8 %, ~27 min).
prune200 pruned45-200 0.45 4
# A longer fine-tuning per round: from the 45 % model, 35 % of the remaining weights with 4 epochs
# (64.2 %), then two rounds of 48 % with 3 epochs each (90.3 %); 10 epochs x 48 x ~8 s = ~65 min.
run "$OUT/gradual-200" "$EFGNN" prune --from "$OUT/pruned45-200/round-01/best.pt" "${at200[@]}" --set warmup=0 \
  --set lr=3e-4 --set prune_fraction=0.35 --set prune_epochs=4 --set prune_max_rounds=1 --set prune_criterion=val_loss \
  --set prune_tolerance=10
run "$OUT/gradual2-200" "$EFGNN" prune --from "$OUT/gradual-200/round-01/best.pt" "${at200[@]}" --set warmup=0 \
  --set lr=3e-4 --set prune_fraction=0.48 --set prune_epochs=3 --set prune_max_rounds=2 --set prune_criterion=val_loss \
  --set prune_tolerance=10
# Every layer pruned alike (prune_scope=layer) instead of one global ranking, 45 % per round with
# 3 epochs each (4 x 3 x 48 x ~5 s = ~50 min on two threads).
run "$OUT/layer45-200" "$EFGNN" prune --from "$OUT/qat6-200/best.pt" "${at200[@]}" --set warmup=0 --set lr=3e-4 \
  --set prune_fraction=0.45 --set prune_epochs=3 --set prune_max_rounds=4 --set prune_criterion=val_loss \
  --set prune_tolerance=10 --set prune_scope=layer
# Global to 64 %, then each layer alike: from the 64 % model, 50 % of each layer's remaining
# weights per round, 3 epochs each (91.1 %; 2 x 3 x 48 x ~4 s = ~20 min on two threads).
run "$OUT/hybrid-200" "$EFGNN" prune --from "$OUT/gradual-200/round-01/best.pt" "${at200[@]}" --set warmup=0 \
  --set lr=3e-4 --set prune_fraction=0.5 --set prune_epochs=3 --set prune_max_rounds=2 --set prune_criterion=val_loss \
  --set prune_tolerance=10 --set prune_scope=layer
# The models trained at <mu> = 200 that the tables below evaluate.
models200=(float200 qat6-200 pruned-200 pruned45-200 gradual-200 gradual2-200 hybrid-200)

echo "== edge metrics on the test split (15 graphs)"
tested=(float float-120 qat6 qat6-120 pruned pruned90 hybrid gmp-lamp-s1 gmp-lamp-s2 gmpf-lamp gmpf-lamp-q6 gmpf-ft gmpf-ft-q6 gmpf-ft2 gmpf-ft2-q6 distill-h64 distill-h128 pruned90-h128 qat6-kd pruned-kd
  "${models200[@]}")
for m in "${tested[@]}"; do
  "$EFGNN" eval --model "$OUT/$m/best.pt" --graphs "$OUT/graphs" --split test --threads 2 --json > "$OUT/eval-$m.json"
done
echo "== at <mu> = 200 (8 events, split all): the models trained at 50, unchanged, and those trained at 200"
for m in float qat6 pruned90 gmpf-ft-q6 gmpf-ft2-q6 scan-bits/runs/w12 scan-bits/runs/w8 scan-bits/runs/w4 scan-bits/runs/w2 \
  "${models200[@]}"; do
  printf '%s: ' "$m"
  "$EFGNN" eval --model "$OUT/$m/best.pt" --graphs "$OUT/robust/graphs-mu200" --split all --threads 1 --json |
    python3 -c "import json,sys; d=json.load(sys.stdin); print(' '.join(f'{k} {100*d[k]:.2f}' for k in
      ('edgewise_efficiency', 'total_purity', 'target_purity', 'masked_purity')))"
done
for stage in pruned4 pruned4-kd lamp; do
  for round in "$OUT/$stage"/round-*/; do
    "$EFGNN" eval --model "$round/best.pt" --graphs "$OUT/graphs" --split test --threads 2 --json \
      > "$OUT/eval-$stage-$(basename "$round").json"
  done
done
python3 - "$OUT" "${tested[@]}" <<'PY'
import json, sys, glob, os
out, tested = sys.argv[1], sys.argv[2:]
for f in sorted(sum((glob.glob(f"{out}/eval-{stage}-round-*.json") for stage in ("pruned4", "pruned4-kd", "lamp")), [])):
    d = json.load(open(f))
    print(f"{os.path.basename(f)[:-5]}: edgewise efficiency {100*d['edgewise_efficiency']:.2f} %, "
          f"total purity {100*d['total_purity']:.2f} %")
for m in tested:
    d = json.load(open(f"{out}/eval-{m}.json"))
    print(f"{m}: edgewise efficiency {100*d['edgewise_efficiency']:.2f} %, total purity {100*d['total_purity']:.2f} %, "
          f"target purity {100*d['target_purity']:.2f} %, masked purity {100*d['masked_purity']:.2f} %")
PY
for scan in scan scan-bits scan-norm; do cat "$OUT/$scan/results.md"; done

echo "== tracks: 20 test events, and each robustness sample (runtime scoring, walk)"
# reco MODEL EVENTS OUT [flags]: tracks by the module map $MAP (default the 600-event map).
reco() { "$EFGNN" reconstruct --model "$1" --events "$2" --module-map "${MAP:-$OUT/module-map.h5}" --tolerance $TOLERANCE \
  --builder walk --threads 1 --force --out "$3" "${@:4}" --json > "$3.json"; }
# 60 more test events (seed 15, ~5 s to simulate): per-bin track targets need more high-pT
# particles than 20 events hold.
sim --hard-scatter ttbar --pileup "$MU" --events 60 --seed 15 --first-event 220000 --out "$OUT/more-events"
mkdir -p "$OUT/more" "$OUT/dev"
for m in float qat6 gmpf-lamp-q6 gmpf-ft-q6 gmpf-ft2-q6 hybrid distill-h128 pruned-kd; do
  reco "$OUT/$m/best.pt" "$OUT/more-events" "$OUT/more/tracks-$m"
done
for m in float qat6 pruned pruned90 gmpf-ft2-q6 hybrid distill-h128 pruned-kd; do
  reco "$OUT/$m/best.pt" "$OUT/test-events" "$OUT/tracks-$m"
  [[ $m == distill-h128 || $m == pruned-kd ]] && continue
  for s in nominal mu35 mu65 minbias misalign50um misalign200um noise2x; do
    reco "$OUT/$m/best.pt" "$OUT/robust/$s" "$OUT/robust/tracks-$m-$s"
  done
done
# 400 fresh events (seed 16, ~2 min to simulate, ~0.5 s per event to reconstruct): the bins above
# 10 GeV hold 1,624, 582 and 55 target particles. One-way and two-way, with the jet cores rebuilt
# (default) and kept as the pairwise moves leave them (eighteenth session).
sim --hard-scatter ttbar --pileup "$MU" --events 400 --seed 16 --first-event 240000 --out "$OUT/big-events"
mkdir -p "$OUT/big"
for m in float qat6 gmpf-ft2-q6; do
  for matching in one-way two-way; do
    flag=(); [[ $matching == one-way ]] && flag=(--one-way)
    reco "$OUT/$m/best.pt" "$OUT/big-events" "$OUT/big/tracks-$m-$matching" "${flag[@]}"
    reco "$OUT/$m/best.pt" "$OUT/big-events" "$OUT/big/tracks-$m-$matching-kept-cores" "${flag[@]}" --walk-keep-cores
  done
done
# The module map's size (nineteenth session). The map above, from 600 events, misses rare module
# pairs: 98.5 % graph efficiency, 88 % of target particles fully connected. Maps from 1,200, 1,800
# and 3,000 events (seed 11: the 600 above and events 600-2999, ~3 min to simulate, ~2 min to
# build, ~5 GB), their graphs' statistics on the test events and at <mu> = 200, the float model
# and its 6-bit QAT trained on the 3,000-event map's graphs (80 x 20 x ~1.0 s = ~27 min,
# 80 x 6 x ~2 s = ~16 min, one thread each), and tracks on the 400 events.
sim --hard-scatter ttbar --pileup 200 --events 2400 --seed 11 --first-event 600 --min-propagated-pt 1 --no-noise \
  --out "$OUT/map-events-more"
mkdir -p "$OUT/map-events-3000"
ln -sf "$OUT"/map-events/*.h5 "$OUT"/map-events-more/*.h5 "$OUT/map-events-3000/"
cp "$OUT/map-events/detector.yaml" "$OUT/map-events-3000/"
for n in 1200 1800 3000; do
  [ -f "$OUT/module-map-$n.h5" ] || "$EFGNN" build-module-map --events "$OUT/map-events-3000" --max-events $n \
    --out "$OUT/module-map-$n.h5" --threads 2 > /dev/null
done
for n in 600 1200 1800 3000; do
  map="$OUT/module-map-$n.h5"; [[ $n == 600 ]] && map="$OUT/module-map.h5"
  for s in test-events robust/mu200; do
    g="$OUT/map-size/graphs-$n-${s//\//-}"
    graphs "$OUT/$s" "$map" "$g"
    "$EFGNN" graph-stats --graphs "$g" --json > "$g.json"
  done
done
graphs "$OUT/gnn-events" "$OUT/module-map-3000.h5" "$OUT/graphs-m3000"
common3000=(--config "$CONFIG" --set input_dir="$OUT/graphs-m3000" --set max_train_graphs=80 --threads 1)
run "$OUT/float-m3000" "$EFGNN" train "${common3000[@]}" --set max_epochs=20
run "$OUT/qat6-m3000" "$EFGNN" train "${common3000[@]}" --set init_from="$OUT/float-m3000/best.pt" "${qat6_recipe[@]}"
# A short pruning of that 6-bit model, not the headline recipe: gradual, LAMP, 90 % over 5 of 8
# epochs, 2 steps each (8 epochs x 80 graphs: 29 min on two threads beside other jobs).
run "$OUT/gmp-m3000" "$EFGNN" prune --from "$OUT/qat6-m3000/best.pt" "${common3000[@]}" --set warmup=0 --set lr=3e-4 \
  --set prune_schedule=gradual --set prune_target=0.9 --set prune_epochs=8 --set prune_ramp_epochs=5 \
  --set prune_steps_per_epoch=2 --set prune_criterion=val_loss --set prune_tolerance=10 --set prune_scope=lamp
# The headline recipe on these graphs (~100 min on one thread).
headline_pruning "$OUT/gmpf-m3000" "$OUT/float-m3000/best.pt" "$OUT/graphs-m3000"
# The float and 6-bit models on all 120 training graphs (20 x 120 x ~1.3 s = ~55 min, then 6 epochs
# of QAT, ~35 min, on one thread beside another run).
run "$OUT/float-m3000-120" "$EFGNN" train "${common3000[@]}" --set max_train_graphs=120 --set max_epochs=20
run "$OUT/qat6-m3000-120" "$EFGNN" train "${common3000[@]}" --set max_train_graphs=120 \
  --set init_from="$OUT/float-m3000-120/best.pt" "${qat6_recipe[@]}"
# The 6-bit QAT of the 120-event model with learned activation scales, as the pruned model's
# last step (120 x 6 x ~2.5 s = ~30 min), and the pruning recipe on the 120-event model (~2.5 h).
run "$OUT/qat6l-m3000-120" "$EFGNN" train "${common3000[@]}" --set max_train_graphs=120 \
  --set init_from="$OUT/float-m3000-120/best.pt" "${qat6_recipe[@]}" --set activation_scaling=learned
headline_pruning "$OUT/gmpf-m3000-120" "$OUT/float-m3000-120/best.pt" "$OUT/graphs-m3000" 120
# The same with every step distilled from the float model (budget 40 + 8 + 12 epochs x 120 x
# ~0.8 s on two threads + 10 QAT epochs ~ 1.6 h; measured per epoch on two threads: 78 s for the
# pruning and the restarts, 140 s for the QAT, 1.7 h in all).
headline_pruning "$OUT/gmpfkd-m3000-120" "$OUT/float-m3000-120/best.pt" "$OUT/graphs-m3000" 120 \
  "$OUT/float-m3000-120/best.pt"
# Its last step instead by distillation from the float model, 6 epochs (120 x 6 x ~2.7 s = ~33
# min), then 6 more (measured 17 min on two threads).
distilled120() {  # NAME FROM LR EPOCHS [--set ...]: FROM (masks kept) taught by the float 120-event model
  run "$OUT/$1" "$EFGNN" distill "${common3000[@]}" --set max_train_graphs=120 --teacher "$OUT/float-m3000-120/best.pt" \
    --set init_from="$OUT/$2/best.pt" --set max_epochs="$4" --set warmup=0 --set lr="$3" --set factor=0.9 "${@:5}"
}
distilled_qat120() {  # NAME FROM LR [EPOCHS]: 6-bit QAT (learned scales) of FROM taught by the float model
  distilled120 "$1" "$2" "$3" "${4:-6}" "${six_bits[@]}" --set activation_scaling=learned
}
distilled_qat120 gmpf-m3000-120-ft2-q6kd gmpf-m3000-120-ft2 1e-4
distilled_qat120 gmpf-m3000-120-ft2-q6kd2 gmpf-m3000-120-ft2-q6kd 6e-5
# Twenty-second session: distillation before the QAT too (8 + 10 epochs, ~26 + 46 min on one
# thread), and the unpruned 6-bit model's QAT by distillation (6 epochs).
distilled120 gmpf-m3000-120-ft2-kd gmpf-m3000-120-ft2 1e-4 8
distilled_qat120 gmpf-m3000-120-ft2-kd-q6kd gmpf-m3000-120-ft2-kd 1e-4 10
distilled_qat120 qat6kd-m3000-120 float-m3000-120 1e-4
# Twenty-third session: 6 more epochs of the fully distilled pruned model's QAT (no gain).
distilled_qat120 gmpfkd-m3000-120-ft2-q6kd2 gmpfkd-m3000-120-ft2-q6kd 6e-5
reco3000() { MAP="$OUT/module-map-3000.h5" reco "$@"; }
# 200 more events (seed 17): a second sample beside the 400, on which the twentieth session's
# builder variants were checked.
sim --hard-scatter ttbar --pileup "$MU" --events 200 --seed 17 --first-event 260000 --out "$OUT/dev-events"
for m in float-m3000 qat6-m3000 gmp-m3000 gmpf-m3000-ft2-q6 float-m3000-120 qat6-m3000-120 qat6l-m3000-120 \
  gmpf-m3000-120-ft2-q6 gmpf-m3000-120-ft2-q6kd gmpf-m3000-120-ft2-q6kd2; do
  "$EFGNN" eval --model "$OUT/$m/best.pt" --graphs "$OUT/graphs-m3000" --split test --threads 1 --json > "$OUT/eval-$m.json"
  reco3000 "$OUT/$m/best.pt" "$OUT/dev-events" "$OUT/dev/tracks-$m-one-way" --one-way
  reco3000 "$OUT/$m/best.pt" "$OUT/big-events" "$OUT/big/tracks-$m-one-way" --one-way
  reco3000 "$OUT/$m/best.pt" "$OUT/big-events" "$OUT/big/tracks-$m-two-way"
  reco3000 "$OUT/$m/best.pt" "$OUT/robust/mu200" "$OUT/robust/tracks-$m-mu200"
  for s in test-events more-events; do  # the 80 test events (two JSONs, summed in BENCHMARKS.md)
    reco3000 "$OUT/$m/best.pt" "$OUT/$s" "$OUT/more/tracks-$m-$s-one-way" --one-way
  done
done
# The walk's follow cut against the fake rate (0.3 by default, chosen at <mu> = 200 with the
# 600-event map).
for f in 0.4 0.5 0.6; do
  reco3000 "$OUT/float-m3000/best.pt" "$OUT/big-events" "$OUT/big/tracks-float-m3000-one-way-follow$f" --one-way \
    --walk-follow $f
  reco "$OUT/float/best.pt" "$OUT/big-events" "$OUT/big/tracks-float-one-way-follow$f" --one-way --walk-follow $f
done
# The 6-bit 120-event model's follow cut, chosen on the 200 development events (0.35), then on
# every sample; and two-way matching of the float 120-event model on every sample (all 680).
for f in 0.3 0.35 0.4; do
  for s in dev big; do
    reco3000 "$OUT/qat6-m3000-120/best.pt" "$OUT/$s-events" "$OUT/$s/tracks-qat6-m3000-120-one-way-follow$f" \
      --one-way --walk-follow $f
  done
done
for s in test-events more-events; do
  reco3000 "$OUT/qat6-m3000-120/best.pt" "$OUT/$s" "$OUT/more/tracks-qat6-m3000-120-$s-one-way-follow0.35" \
    --one-way --walk-follow 0.35
  reco3000 "$OUT/float-m3000-120/best.pt" "$OUT/$s" "$OUT/more/tracks-float-m3000-120-$s-two-way"
done
reco3000 "$OUT/float-m3000-120/best.pt" "$OUT/dev-events" "$OUT/dev/tracks-float-m3000-120-two-way"
# The pruned 6-bit model of the 120-event recipe at the 6-bit model's follow cut, every sample.
for s in dev-events big-events test-events more-events; do
  reco3000 "$OUT/gmpf-m3000-120-ft2-q6/best.pt" "$OUT/$s" "$OUT/more/tracks-gmpf-m3000-120-ft2-q6-$s-follow0.35" \
    --one-way --walk-follow 0.35
done
# Each compressed model at its own working point: the edge cut at which it comes closest to its
# float model's figures at 0.5, chosen on the validation split, then applied on the test split.
working_point() {  # MODEL FLOAT
  "$EFGNN" eval --model "$OUT/$1/best.pt" --reference "$OUT/$2/best.pt" --graphs "$OUT/graphs-m3000" --split val \
    --threads 1 --json > "$OUT/working-point-$1-val.json"
  local cut
  cut=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["reference"]["closest_working_point"]["cut"])' \
    "$OUT/working-point-$1-val.json")
  "$EFGNN" eval --model "$OUT/$1/best.pt" --reference "$OUT/$2/best.pt" --graphs "$OUT/graphs-m3000" --split test \
    --cut "$cut" --threads 1 --json > "$OUT/working-point-$1-test.json"
}
for m in qat6-m3000-120 qat6kd-m3000-120 gmpf-m3000-120-ft2 gmpf-m3000-120-ft2-q6 gmpf-m3000-120-ft2-q6kd \
  gmpf-m3000-120-ft2-q6kd2 gmpf-m3000-120-ft2-kd-q6kd gmpfkd-m3000-120-ft2 gmpfkd-m3000-120-ft2-q6kd; do
  working_point $m float-m3000-120
done
for m in qat6-m3000 gmpf-m3000-ft2-q6; do working_point $m float-m3000; done
# 1,600 more events (seed 18, ~3 min to simulate, 4.4 GB): the 20-50 and 50-100 GeV bins hold
# 99 and 937 particles in the 680 events above, too few to tell the models apart there.
sim --hard-scatter ttbar --pileup "$MU" --events 1600 --seed 18 --first-event 300000 --out "$OUT/hipt-events"
mkdir -p "$OUT/hipt"
reco3000 "$OUT/float-m3000-120/best.pt" "$OUT/hipt-events" "$OUT/hipt/tracks-float-m3000-120-one-way" --one-way
reco3000 "$OUT/qat6-m3000-120/best.pt" "$OUT/hipt-events" "$OUT/hipt/tracks-qat6-m3000-120-one-way-follow0.35" \
  --one-way --walk-follow 0.35
reco3000 "$OUT/gmpf-m3000-120-ft2-q6kd2/best.pt" "$OUT/hipt-events" "$OUT/hipt/tracks-gmpf-m3000-120-ft2-q6kd2-one-way" \
  --one-way
# every_sample MODEL TAG [reconstruct options]: tracks of MODEL on all 2,280 events (the 200
# development, 400 and 1,600 events, and the 80 test events in two parts).
every_sample() {
  local m=$1 tag=$2
  shift 2
  for s in dev big hipt; do reco3000 "$OUT/$m/best.pt" "$OUT/$s-events" "$OUT/$s/tracks-$m-$tag" "$@"; done
  for s in test-events more-events; do reco3000 "$OUT/$m/best.pt" "$OUT/$s" "$OUT/more/tracks-$m-$s-$tag" "$@"; done
}
# The distilled models of the twenty-second and twenty-third sessions (one-way, follow 0.3); two-way
# matching of the distilled 6-bit models everywhere and of the float model on the 1,600.
for m in gmpf-m3000-120-ft2-kd-q6kd qat6kd-m3000-120 gmpfkd-m3000-120-ft2-q6kd; do
  every_sample $m one-way --one-way
done
every_sample qat6kd-m3000-120 two-way
every_sample gmpfkd-m3000-120-ft2-q6kd two-way
reco3000 "$OUT/float-m3000-120/best.pt" "$OUT/hipt-events" "$OUT/hipt/tracks-float-m3000-120-two-way"
for m in qat6kd-m3000-120 gmpfkd-m3000-120-ft2-q6kd; do
  reco3000 "$OUT/$m/best.pt" "$OUT/robust/mu200" "$OUT/robust/tracks-$m-mu200"
done
# The chain's time per <mu> = 200 event (one thread, one warm-up event; time it with the other
# core idle) with the walk's hit exchange and without parts of it; the reco3000 loop above times
# the 3,000-event map's models the same way (robust/tracks-MODEL-mu200.json).
timed() { reco "$OUT/float/best.pt" "$OUT/robust/mu200" "$OUT/robust/time-float-$1" "${@:2}"; }
timed exchange
timed keep-hits --walk-keep-hits
timed keep-cores --walk-keep-cores
timed no-extend --walk-extend 0
reco "$OUT/float/best.pt" "$OUT/test-events" "$OUT/tracks-float-longest" --walk-continue longest
# The hit exchange without its extension of tracks over hits no track holds (thirteenth session).
reco "$OUT/float/best.pt" "$OUT/test-events" "$OUT/tracks-float-no-extend" --walk-extend 0
reco "$OUT/float/best.pt" "$OUT/more-events" "$OUT/more/tracks-float-no-extend" --walk-extend 0
# High-pT target particles found, by the angle to their nearest charged neighbour (jet cores).
/usr/bin/python3 "$REPO/bench/close_pairs.py" "$OUT/test-events" "$OUT/tracks-float"
# Tracks at <mu> = 200 (8 events): the models trained at 50 and those trained at 200.
for m in float qat6 pruned90 "${models200[@]}"; do
  reco "$OUT/$m/best.pt" "$OUT/robust/mu200" "$OUT/robust/tracks-$m-mu200"
done
# Robustness of the models trained at <mu> = 200 (item 4 in the study's regime): 6 events per
# sample, seed 51, the study's pile-up 140 and 250, minimum bias, 50 um misalignment, twice the
# noise; models, map and cuts unchanged (simulation ~1 min, reconstruction ~3 x 6 x 6 x ~2 s).
rob200() { local name=$1; shift; sim --events 6 --first-event 700000 --out "$OUT/robust200/$name" "$@"; }
rob200 nominal --hard-scatter ttbar --pileup 200 --seed 51
rob200 mu140 --hard-scatter ttbar --pileup 140 --seed 51
rob200 mu250 --hard-scatter ttbar --pileup 250 --seed 51
rob200 minbias --hard-scatter none --pileup 200 --seed 52
rob200 misalign50um --hard-scatter ttbar --pileup 200 --seed 51 --misalign 0.05
rob200 noise2x --hard-scatter ttbar --pileup 200 --seed 51 --noise-per-module 0.9
for m in float200 qat6-200 gradual-200; do
  for s in nominal mu140 mu250 minbias misalign50um noise2x; do
    reco "$OUT/$m/best.pt" "$OUT/robust200/$s" "$OUT/robust200/tracks-$m-$s"
  done
done
python3 "$REPO/bench/event_filter_tables.py" "$OUT"

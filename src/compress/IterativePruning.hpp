#pragma once
// Iterative magnitude pruning (REFERENCE.md section 8): starting from a trained model (the
// parent), each round masks a fraction of the remaining hidden weights, fine-tunes for a few
// epochs and is accepted while the validation result stays within a tolerance of the parent's
// (or of a reference model's, prune_reference);
// the first round that fails ends the run. The most pruned accepted model is kept.
// With prune_schedule: gradual, the run is one training instead (Pruning.hpp), a row per epoch,
// accepted where the model is at prune_target and within the tolerance; best.pt is its best
// epoch at prune_target, whether accepted or not.
//
// Layout of the output directory:
//   prune.yaml      the settings (parent, training and pruning keys); resuming checks them
//   round-NN/       start.pt (the pruned model before fine-tuning), the trainer's run
//                   (metrics.csv, last.pt, best.pt) and round.json (the round's result)
//   run/            gradual only: the trainer's run
//   rounds.csv, rounds.md   one row per round (gradual: per epoch), round 0 being the parent
//   best.pt         the most pruned accepted model
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "compress/Distillation.hpp"
#include "compress/Pruning.hpp"
#include "core/RecordFields.hpp"
#include "train/TrainConfig.hpp"

namespace efgnn {

struct PruneRound {
  int round = 0;                        // 0: the parent
  double pruned_fraction = 0;           // of the hidden weights
  std::int64_t nonzero_parameters = 0;  // whole model (ModelSize)
  double val_loss = 0, efficiency = 0, total_purity = 0, efficiency_at_purity = 0;
  bool accepted = true;

  static const std::vector<RecordField<PruneRound>>& fields();
  Json json() const { return recordJson(*this); }
};

/// Runs (or with `resume`, continues) the rounds in `out`. `train` supplies data, optimiser
/// and schedule (its max_epochs is replaced by prune_epochs and its model by the parent's).
/// With a `teacher`, each round's fine-tuning is distillation from it (the pruned model learns
/// the teacher's scores besides the truth). `on_round` sees each finished round.
std::vector<PruneRound> runIterativePruning(const std::filesystem::path& parent, TrainConfig train,
                                            const PruneConfig& prune, const std::filesystem::path& out, bool resume,
                                            const std::optional<TeacherSpec>& teacher = std::nullopt,
                                            const std::function<void(const PruneRound&)>& on_round = {});

/// The rounds of a pruning run's directory (its rounds.csv); throws Error naming a malformed row.
std::vector<PruneRound> readPruneRounds(const std::filesystem::path& out);

/// The rounds as a Markdown table.
std::string pruneRoundsMarkdown(const std::vector<PruneRound>& rounds);

}  // namespace efgnn

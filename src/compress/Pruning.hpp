#pragma once
// Magnitude pruning of an edge classifier's hidden Linear layers (REFERENCE.md section 8).
// Hidden layers are those that neither read the input features (first encoder layers) nor
// produce the logits (last output layer). A pruning step removes a fraction of the weights
// that remain: unstructured (the smallest |w|) or structured (whole output neurons, the rows of
// smallest mean |w|), over all hidden layers at once (global), layer by layer, or over all at
// once ranked by LAMP score, each unit's magnitude relative to the larger ones of its layer. Removed
// weights are masked (QuantLinear::setMask) and stay zero through later training.
//
// Two schedules: rounds (prune a fraction, fine-tune, check, repeat; IterativePruning.hpp) and
// gradual (Zhu & Gupta 2017: one training run during which the pruned fraction rises from the
// parent's to prune_target along s(t) = s_f + (s_0 - s_f)(1 - t/T)^3 over the first T =
// prune_ramp_epochs, in prune_steps_per_epoch steps per epoch, then stays while training goes on).
#include <cstdint>
#include <string>
#include <vector>

#include "core/ConfigFields.hpp"
#include "model/EdgeClassifierModel.hpp"

namespace efgnn {

struct PruneConfig {
  std::string prune_schedule = "rounds";    // rounds or gradual
  double prune_fraction = 0.2;              // rounds: of the remaining hidden weights per round, in (0, 1)
  int prune_epochs = 2;                     // rounds: fine-tuning epochs after each step; gradual: the whole run
  double prune_target = 0.9;                // gradual: the pruned fraction of hidden weights reached
  int prune_ramp_epochs = 6;                // gradual: epochs over which it is reached (<= prune_epochs)
  int prune_steps_per_epoch = 8;            // gradual: pruning steps per epoch during the ramp
  std::string prune_scope = "global";       // global, layer or lamp (global on LAMP scores)
  bool prune_structured = false;            // whole neurons instead of single weights
  std::string prune_criterion = "val_loss";  // val_loss, efficiency_at_purity or edge_metrics
  // val_loss: relative increase allowed; efficiency_at_purity: absolute efficiency drop at the
  // reference's total purity; edge_metrics: absolute drop of efficiency and of total purity
  // at the edge cut, each.
  double prune_tolerance = 0.05;
  int prune_max_rounds = 30;  // rounds only
  // The model whose validation result the tolerance is measured from (a checkpoint, e.g. the
  // unpruned float model); empty: the model being pruned.
  std::string prune_reference;

  void validate() const;
  static const std::vector<ConfigField<PruneConfig>>& fields();
  static std::vector<std::string> keys() { return configKeys(fields()); }
  /// Reads this struct's keys from a map that holds other keys too.
  static PruneConfig fromYaml(const YamlNode& node);
  std::string toYaml() const;
};

/// Hidden weights of a model: how many, and how many are not masked.
struct HiddenWeights {
  std::int64_t total = 0, remaining = 0;
  double prunedFraction() const { return total ? 1.0 - static_cast<double>(remaining) / total : 0.0; }
};
HiddenWeights hiddenWeights(EdgeClassifierModel& model);

/// One pruning step: masks round(fraction x remaining) more hidden weights (or neurons), exactly
/// that many, smallest magnitude first, ties broken by position. Returns how many weights were
/// masked.
std::int64_t pruneStep(EdgeClassifierModel& model, double fraction, const std::string& scope, bool structured);

/// Prunes until `pruned_fraction` of the hidden weights are masked (a pruning step of the
/// fraction of the remaining ones that this takes; nothing if already there).
std::int64_t pruneTo(EdgeClassifierModel& model, double pruned_fraction, const std::string& scope, bool structured);

/// The gradual schedule's pruned fraction after `epochs_done` epochs, starting from `start`
/// (the parent's pruned fraction), in steps of 1 / prune_steps_per_epoch epoch taken at the start
/// of each step's period: the target is reached at the start of the ramp's last period.
double gradualPrunedFraction(const PruneConfig& config, double start, double epochs_done);

}  // namespace efgnn

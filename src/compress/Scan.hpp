#pragma once
// A scan: a list of trainings (named runs, optionally crossed with a grid of values) over the
// same data, each a plain training, a distillation from a teacher, or iterative pruning of an
// earlier run; then tables and curves of quality versus size (REFERENCE.md section 9).
//
//   train: ../train/ignn2-h48.yaml   # base training config (relative to this file)
//   set: {max_epochs: 10}           # keys for every run: training, model, prune_*, distill_*
//   runs:                           # in order; "@NAME" names an earlier run's best.pt
//     - name: float
//     - name: w6
//       set: {weight_bits: 6, activation_bits: 6, init_from: "@float"}
//     - name: w6-pruned
//       prune: true                 # prune init_from iteratively (no training of its own)
//       set: {init_from: "@w6", prune_fraction: 0.3}
//     - name: h48-distilled
//       teacher: "@h128"         # with a grid: the run of the same grid point if there is one
//   grid:                           # every run for every combination of these values
//     hidden: [16, 48]
//
// DIR/settings.txt records every run's resolved settings; resuming refuses changed settings
// and says what changed. Each run lives in DIR/runs/NAME with its result in result.json;
// DIR/results.md, results.json and PNG curves summarise them.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compress/Distillation.hpp"
#include "compress/ModelSize.hpp"
#include "compress/Pruning.hpp"
#include "core/RecordFields.hpp"
#include "eval/StudyReference.hpp"
#include "train/TrainConfig.hpp"

namespace efgnn {

/// Keys of the compression configs (prune_*, distill_*), which may sit beside the training keys
/// in one YAML file.
std::vector<std::string> compressionKeys();

struct ScanRun {
  std::string name;
  std::string grid_suffix;  // ",key=value..." of the grid point, empty without a grid
  TrainConfig train;
  bool prune = false;
  PruneConfig pruning;
  std::string teacher;  // checkpoint, or "@NAME"; empty: no distillation
  DistillConfig distillation;
  /// The resolved settings as "NAME.key: value" lines.
  std::string settings() const;
};

struct ScanConfig {
  std::vector<ScanRun> runs;
  /// Reads a scan YAML; errors name the file, line and key. `sets` ("key=value", command
  /// line) act as entries of the scan's top-level `set`; runs and grid values override them.
  static ScanConfig fromFile(const std::string& path, const std::vector<std::string>& sets = {});
};

/// Edge metrics of one split.
struct SplitResult {
  double loss = 0, efficiency = 0, total_purity = 0, auc = 0;
  static const std::vector<RecordField<SplitResult>>& fields();
};

struct ScanResult {
  std::string name;
  int hidden = 0, n_graph_iters = 0;
  std::string norm, quant;  // "layernorm"/"batchnorm"/"none"; QuantConfig::label()
  bool recurrent = false, distilled = false, pruned = false;
  ModelSize size;
  SplitResult val, test;
  int epochs = 0;
  double training_seconds = 0;

  static const std::vector<RecordField<ScanResult>>& fields();
  Json json() const { return recordJson(*this); }
  /// The study's edgewise efficiency and total purity for this model at 80 training events, where
  /// its tables have one (not for pruned or distilled runs).
  std::optional<StudyFigure> study() const;
  /// "94.60 / 82.90", or "" without one.
  std::string studyText() const;
};

/// Runs (or with `resume`, continues) every run of the scan in `out`; `on_run` sees each
/// result. Writes results.md, results.json and the PNG curves.
std::vector<ScanResult> runScan(const ScanConfig& scan, const std::filesystem::path& out, bool resume,
                                const std::function<void(const ScanResult&)>& on_run = {});

std::string scanMarkdown(const std::vector<ScanResult>& results, const std::filesystem::path& out);

}  // namespace efgnn

#pragma once
// Training of an edge classifier on a graph data set: AdamW with warm-up and step decay,
// weighted BCE, per-epoch validation metrics appended to RUNDIR/metrics.csv, checkpoints
// RUNDIR/last.pt (every epoch) and RUNDIR/best.pt (by the monitored metric), resumable.
#include <filesystem>
#include <functional>
#include <vector>

#include "model/EdgeClassifierModel.hpp"
#include "train/Distributed.hpp"
#include "train/Evaluation.hpp"
#include "train/GraphTensors.hpp"
#include "train/TrainConfig.hpp"

namespace efgnn {

struct EpochRecord {
  int epoch = 0;  // 1-based
  double lr = 0, train_loss = 0, val_loss = 0;
  double efficiency = 0, total_purity = 0, target_purity = 0, masked_purity = 0, auc = 0;
  double seconds = 0;
  /// A metric by its metrics.csv column name; throws Error for an unknown one.
  double metric(const std::string& name) const;
};

/// The training loss of one graph (default: edgeLoss). Compression methods change it, e.g.
/// distillation adds a term on a teacher's scores.
using TrainingLoss = std::function<torch::Tensor(const torch::Tensor& logits, const GraphTensors& graph)>;

/// What a compression method may add to a run that changes the model while it trains (gradual
/// pruning): a call after every optimiser step, and the first epoch whose model may become best.pt.
struct TrainingHooks {
  /// `epochs_done`: the run's progress in epochs, e.g. 2.25 after a quarter of the third epoch.
  /// Called on every process alike, after the masks are applied.
  std::function<void(EdgeClassifierModel& model, double epochs_done)> after_step;
  /// Epochs (1-based) before this one are not candidates for best.pt: the model is still being
  /// changed and its validation result is not the final one's.
  int best_from_epoch = 1;
};

class Trainer {
 public:
  /// Loads the graphs. With `resume`, continues the run in `run_dir` from its last.pt; without,
  /// refuses a directory that already holds a run. A fresh run starts from config.init_from
  /// when given. Pruning masks in the model stay applied through every optimiser step.
  Trainer(TrainConfig config, std::filesystem::path run_dir, bool resume, TrainingLoss loss = {},
          TrainingHooks hooks = {});
  /// Trains up to max_epochs; `on_epoch` (optional) sees each finished epoch.
  std::vector<EpochRecord> run(const std::function<void(const EpochRecord&)>& on_epoch = {});
  const std::vector<EpochRecord>& history() const { return history_; }
  /// The model being trained, and its evaluation on the validation split at the end of the
  /// last epoch run (what the epoch's record was made from).
  EdgeClassifierModel& model() { return *model_; }
  const Evaluation& lastValidation() const { return last_validation_; }
  /// Rank 0 (or the only process): the one that validates, writes and reports.
  bool isMain() const { return distributed_.isMain(); }

 private:
  double trainEpoch(int epoch);
  EpochRecord validate(int epoch);
  void writeMetrics() const;

  TrainConfig config_;
  std::filesystem::path run_dir_;
  torch::Device device_;
  DistributedContext distributed_;
  std::vector<GraphTensors> train_, val_;
  std::shared_ptr<EdgeClassifierModel> model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  int start_epoch_ = 0;
  double best_metric_ = 0;
  int best_epoch_ = -1;
  std::vector<EpochRecord> history_;
  Evaluation last_validation_;
  TrainingLoss loss_;
  TrainingHooks hooks_;
};

/// Reads a metrics.csv written by the trainer.
std::vector<EpochRecord> readMetricsCsv(const std::filesystem::path& file);

}  // namespace efgnn

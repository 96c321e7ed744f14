#include "train/Trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/AtomicFile.hpp"
#include "core/ConfigFields.hpp"
#include "core/Error.hpp"
#include "core/Parallel.hpp"
#include "core/Random.hpp"
#include "graph/GraphDataset.hpp"
#include "model/TorchThreads.hpp"
#include "ops/TrainingKernels.hpp"
#include "train/Checkpoint.hpp"
#include "train/ResumeSettings.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;

const char* const kColumns =
    "epoch,lr,train_loss,val_loss,edgewise_efficiency,total_purity,target_purity,masked_purity,auc,seconds";

}  // namespace

double EpochRecord::metric(const std::string& name) const {
  if (name == "val_loss") return val_loss;
  if (name == "train_loss") return train_loss;
  if (name == "edgewise_efficiency") return efficiency;
  if (name == "total_purity") return total_purity;
  if (name == "target_purity") return target_purity;
  if (name == "masked_purity") return masked_purity;
  if (name == "auc") return auc;
  throw Error("metric_to_monitor: unknown metric '" + name + "' (one of the columns of metrics.csv)");
}

Trainer::Trainer(TrainConfig config, fs::path run_dir, bool resume, TrainingLoss loss, TrainingHooks hooks)
    : config_(std::move(config)),
      run_dir_(std::move(run_dir)),
      device_(parseDevice(config_.device)),
      distributed_(DistributedContext::fromEnvironment(device_)),
      loss_(std::move(loss)),
      hooks_(std::move(hooks)) {
  configureTorchThreads(config_.threads);
  setTrainingKernels(trainingKernelsNamed(config_.kernels));
  torch::manual_seed(config_.seed);
  if (!loss_) loss_ = edgeLoss;
  train_ = loadSplit("train", config_.max_train_graphs, config_, device_, /*sectored=*/true);
  val_ = loadSplit("val", config_.max_val_graphs, config_, device_);
  if (train_.empty()) throw Error(config_.input_dir + ": the train split is empty");
  if (val_.empty()) throw Error(config_.input_dir + ": the val split is empty");
  if (train_.size() < static_cast<std::size_t>(distributed_.worldSize()))
    throw Error(config_.input_dir + ": " + std::to_string(train_.size()) + " training graphs for " +
                std::to_string(distributed_.worldSize()) + " processes");

  model_ = makeModel(config_.model);
  model_->to(device_);
  optimizer_ = std::make_unique<torch::optim::AdamW>(
      model_->parameters(),
      torch::optim::AdamWOptions(config_.lr).weight_decay(config_.weight_decay).amsgrad(config_.amsgrad));

  const fs::path last = run_dir_ / "last.pt";
  if (distributed_.isMain())  // what a killed run was writing
    removeStaleTemporaries(run_dir_, [](const std::string& target) {
      return target == "last.pt" || target == "best.pt" || target == "metrics.csv" || target == "config.yaml";
    });
  const auto start_fresh = [&] {
    if (!config_.init_from.empty()) initializeFromCheckpoint(*model_, config_.init_from);
    if (config_.model.quant.quantized()) {
      // Quantizer scales start from the first training graph, the same one on every process.
      torch::NoGradGuard no_grad;
      model_->train();
      model_->forward(train_[0].x, train_[0].edge_index, train_[0].edge_attr);
    }
  };
  if (resume) {
    // The run must go on as it started; only the length and where it runs may change.
    if (fs::exists(run_dir_ / "config.yaml")) {
      std::string changes;
      std::istringstream lines(
          forbiddenResumeChanges(readFile(run_dir_ / "config.yaml"), config_.toYaml(), true, {"max_epochs"}));
      for (std::string line; std::getline(lines, line);) changes += "  " + line + "\n";
      if (!changes.empty())
        throw Error(run_dir_.string() + ": the config differs from the run being resumed:\n" + changes +
                    "(resume with the same config, or start another --out)");
    }
    if (fs::exists(last)) {
      const TrainState state = restoreCheckpoint(last, *model_, *optimizer_);
      start_epoch_ = state.epoch;
      best_metric_ = state.best_metric;
      best_epoch_ = state.best_epoch;
      for (const auto& r : readMetricsCsv(run_dir_ / "metrics.csv"))
        if (r.epoch <= start_epoch_) history_.push_back(r);
    } else {
      // Stopped before its first checkpoint was written: nothing to continue from.
      if (distributed_.isMain())
        std::fprintf(stderr, "efgnn: notice: %s: no last.pt yet; starting the run from its first epoch\n",
                     run_dir_.c_str());
      start_fresh();
    }
  } else if (fs::exists(last)) {
    throw Error(run_dir_.string() + ": already holds a run; use --resume to continue it or another --out");
  } else {
    start_fresh();
  }
  // Every process starts alike (buffers: quantizer scales, pruning masks).
  distributed_.broadcastFromMain(model_->parameters());
  distributed_.broadcastFromMain(model_->buffers());
  if (!distributed_.isMain()) return;
  fs::create_directories(run_dir_);
  writeFileAtomically(run_dir_ / "config.yaml", config_.toYaml());
}

double Trainer::trainEpoch(int epoch) {
  model_->train();
  for (auto& group : optimizer_->param_groups())
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(config_.learningRate(epoch));
  // The order depends only on (seed, epoch), so a resumed run sees the same batches.
  std::vector<std::size_t> all(train_.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  Rng rng(config_.seed, {static_cast<std::uint64_t>(epoch)});
  for (std::size_t i = all.size(); i > 1; --i) std::swap(all[i - 1], all[rng.below(i)]);
  // This process's share: every world-th graph, the same count on every process.
  const auto world = static_cast<std::size_t>(distributed_.worldSize());
  std::vector<std::size_t> order;
  for (std::size_t j = 0; j < all.size() / world; ++j)
    order.push_back(all[j * world + static_cast<std::size_t>(distributed_.rank())]);

  double total = 0;
  const auto batch = static_cast<std::size_t>(config_.batch_size);
  for (std::size_t start = 0; start < order.size(); start += batch) {
    optimizer_->zero_grad();
    const std::size_t end = std::min(order.size(), start + batch);
    double batch_loss = 0;
    for (std::size_t k = start; k < end; ++k) {
      const GraphTensors& g = train_[order[k]];
      const auto loss = loss_(model_->forward(g.x, g.edge_index, g.edge_attr), g) / static_cast<double>(end - start);
      loss.backward();
      batch_loss += loss.item<double>();
    }
    distributed_.averageGradients(model_->parameters());
    batch_loss = distributed_.average(batch_loss);
    if (!std::isfinite(batch_loss))
      throw Error("epoch " + std::to_string(epoch + 1) + ": the training loss is not finite; stopping (the last good "
                  "checkpoint, if any, is " + (run_dir_ / "last.pt").string() + "; try a lower lr)");
    if (config_.gradient_clip_val > 0) torch::nn::utils::clip_grad_norm_(model_->parameters(), config_.gradient_clip_val);
    optimizer_->step();
    applyMasks(*model_);
    // Calibrated quantizer scales follow rank 0's, so that all processes keep one model.
    distributed_.broadcastFromMain(model_->buffers());
    total += batch_loss * static_cast<double>(end - start);
    if (hooks_.after_step)
      hooks_.after_step(*model_, epoch + static_cast<double>(end) / static_cast<double>(order.size()));
  }
  return total / static_cast<double>(order.size());
}

EpochRecord Trainer::validate(int epoch) {
  last_validation_ = evaluate(*model_, val_, config_.edge_cut);
  const Evaluation& e = last_validation_;
  const EdgeMetrics& metrics = e.metrics;
  EpochRecord r;
  r.epoch = epoch + 1;
  r.lr = config_.learningRate(epoch);
  r.val_loss = e.loss;
  r.efficiency = metrics.efficiency();
  r.total_purity = metrics.totalPurity();
  r.target_purity = metrics.targetPurity();
  r.masked_purity = metrics.maskedPurity();
  r.auc = metrics.auc();
  return r;
}

void Trainer::writeMetrics() const {
  std::ostringstream out;
  out << kColumns << "\n";
  out.precision(9);
  for (const auto& r : history_)
    out << r.epoch << ',' << r.lr << ',' << r.train_loss << ',' << r.val_loss << ',' << r.efficiency << ','
        << r.total_purity << ',' << r.target_purity << ',' << r.masked_purity << ',' << r.auc << ',' << r.seconds
        << "\n";
  writeFileAtomically(run_dir_ / "metrics.csv", out.str());
}

std::vector<EpochRecord> Trainer::run(const std::function<void(const EpochRecord&)>& on_epoch) {
  for (int epoch = start_epoch_; epoch < config_.max_epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    const double train_loss = trainEpoch(epoch);
    if (!distributed_.isMain()) continue;  // rank 0 validates and writes
    EpochRecord r = validate(epoch);
    r.train_loss = train_loss;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history_.push_back(r);
    const double value = r.metric(config_.metric_to_monitor);
    const bool eligible = r.epoch >= hooks_.best_from_epoch || r.epoch == config_.max_epochs;
    const bool better =
        eligible && (best_epoch_ < 0 || (config_.metric_mode == "min" ? value < best_metric_ : value > best_metric_));
    if (better) {
      best_metric_ = value;
      best_epoch_ = r.epoch;
    }
    const TrainState state{r.epoch, best_metric_, best_epoch_};
    writeMetrics();
    // best.pt first: last.pt records which epoch best.pt holds.
    if (better) saveCheckpoint(run_dir_ / "best.pt", *model_, nullptr, state, config_);
    saveCheckpoint(run_dir_ / "last.pt", *model_, optimizer_.get(), state, config_);
    if (on_epoch) on_epoch(r);
  }
  return history_;
}

std::vector<EpochRecord> readMetricsCsv(const fs::path& file) {
  std::vector<EpochRecord> out;
  if (!fs::exists(file)) return out;
  std::istringstream in(readFile(file));
  std::string line;
  std::getline(in, line);
  std::size_t number = 1;
  while (std::getline(in, line)) {
    ++number;
    EpochRecord r;
    char comma;
    std::istringstream row(line);
    if (!(row >> r.epoch >> comma >> r.lr >> comma >> r.train_loss >> comma >> r.val_loss >> comma >> r.efficiency >>
          comma >> r.total_purity >> comma >> r.target_purity >> comma >> r.masked_purity >> comma >> r.auc >> comma >>
          r.seconds))
      throw inputError(file.string(), number, "malformed metrics row");
    out.push_back(r);
  }
  return out;
}

}  // namespace efgnn

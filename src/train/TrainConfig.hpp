#pragma once
// A training run's configuration: a flat YAML map in the spirit of the reference pipeline
// (model keys, data, loss weighting, optimiser and schedule side by side). Keys of the
// reference that efgnn does not need are accepted and ignored only if listed in
// ignoredKeys(); any other unknown key is an error naming the closest valid key.
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model/ModelConfig.hpp"
#include "train/GraphSectors.hpp"

namespace efgnn {

struct TrainConfig {
  ModelConfig model;
  // Data
  std::string input_dir;        // graph data set (efgnn build-graphs); relative to the YAML file
  int max_train_graphs = 0;     // 0: all of the split
  int max_val_graphs = 0;
  std::string init_from;        // start from this checkpoint's parameters (fine-tuning); relative to the YAML
  int eta_sectors = 1, phi_sectors = 1;  // > 1: train on η-φ sectors of each graph (GraphSectors.hpp)
  double sector_halo = 0.1;              // how far sectors overlap, in η and in φ [rad]
  // Loss weighting (REFERENCE.md section 3) and balance: none, proportional or equal
  double fake_weight = 0.1, target_weight = 1.0, non_target_true_weight = 0.0;
  // Target edges weighted by target_weight (pT / 1 GeV)^target_pt_exponent, pT clipped to
  // [1, target_pt_max] GeV: high-pT particles leave few edges, and they are the ones an Event
  // Filter looks for. 0: every target edge alike.
  double target_pt_exponent = 0.0, target_pt_max = 20.0;
  std::string balance = "none";
  // Optimiser and schedule: AdamW, linear warm-up, then StepLR with a floor
  double lr = 5e-4, weight_decay = 0.01, factor = 0.9, min_lr = 5e-6;
  bool amsgrad = true;
  int warmup = 5, patience = 1, max_epochs = 100, batch_size = 1;
  double gradient_clip_val = 1.0;  // max gradient norm; 0: no clipping
  std::uint64_t seed = 0;
  // Evaluation and checkpoints
  double edge_cut = 0.5;
  std::string metric_to_monitor = "val_loss";  // or a metric of metrics.csv
  std::string metric_mode = "min";             // min or max
  // Execution
  std::string device = "cpu";
  int threads = 0;  // 0: all cores
  std::string kernels = "efgnn";  // CPU arithmetic: efgnn's own kernels or libtorch's (TrainingKernels.hpp)

  /// `other_keys`: keys of the same YAML map that another component reads (pruning,
  /// distillation, scans); any other unknown key is an error.
  static TrainConfig fromYaml(const YamlNode& node, const std::vector<std::string>& other_keys = {});
  static TrainConfig fromFile(const std::string& path, const std::vector<std::string>& other_keys = {});
  /// "key=value" for a model or training key.
  void set(const std::string& assignment);
  void validate() const;
  std::string toYaml() const;
  SectorConfig sectors() const { return {eta_sectors, phi_sectors, sector_halo}; }
  /// Learning rate of an epoch (0-based): warm-up, step decay, floor.
  double learningRate(int epoch) const;

  static const std::vector<std::string>& keys();
  static const std::vector<std::string>& ignoredKeys();
};

/// The device a string names ("cpu", "cuda", "cuda:1"); throws Error for a malformed name or
/// a CUDA device this LibTorch cannot use.
torch::Device parseDevice(const std::string& name);

}  // namespace efgnn

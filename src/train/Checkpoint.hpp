#pragma once
// Training checkpoints: model parameters, optimiser state, progress and the run's config, in
// one LibTorch archive written atomically. Loading checks the format and version and turns
// LibTorch's errors (truncated or foreign files) into efgnn::Error naming the file.
#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string>

#include "model/EdgeClassifierModel.hpp"
#include "train/TrainConfig.hpp"

namespace efgnn {

inline constexpr int kCheckpointVersion = 1;

struct TrainState {
  int epoch = 0;  // epochs completed
  double best_metric = 0;
  int best_epoch = -1;  // -1: none yet
};

void saveCheckpoint(const std::filesystem::path& file, EdgeClassifierModel& model, torch::optim::Optimizer* optimizer,
                    const TrainState& state, const TrainConfig& config);

struct LoadedCheckpoint {
  TrainConfig config;
  TrainState state;
  std::shared_ptr<EdgeClassifierModel> model;
};

/// The model of a checkpoint, on `device`.
LoadedCheckpoint loadCheckpoint(const std::filesystem::path& file, const torch::Device& device);
/// Starts `model` from a checkpoint's parameters, buffers and pruning masks, matched by name
/// (fine-tuning a float model into a quantized one, or a pruning round from its parent).
/// Names the checkpoint lacks keep their values (e.g. new quantizer scales); a name whose shape
/// differs is an error.
void initializeFromCheckpoint(EdgeClassifierModel& model, const std::filesystem::path& file);

/// Restores model, optimiser and state of a run in progress into existing objects.
TrainState restoreCheckpoint(const std::filesystem::path& file, EdgeClassifierModel& model,
                             torch::optim::Optimizer& optimizer);

}  // namespace efgnn

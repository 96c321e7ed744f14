#pragma once
// A model's edge scores and metrics on the graphs of a data set, with LibTorch: what training
// validates with, and what evaluation, compression tables and the LibTorch side of benchmarks
// measure. (The deployment runtime scores graphs without LibTorch: pipeline/.)
#include <string>
#include <vector>

#include "model/EdgeClassifierModel.hpp"
#include "train/EdgeMetrics.hpp"
#include "train/GraphTensors.hpp"
#include "train/TrainConfig.hpp"

namespace efgnn {

/// The graphs of a split of config.input_dir (at most `max_graphs`, 0: all), empty graphs
/// left out, as tensors checked against the model's features. `sectored`: each graph as its η-φ
/// sectors (config.sectors(), GraphSectors.hpp), the edges of a sector's halo weighted 0.
std::vector<GraphTensors> loadSplit(const std::string& split, int max_graphs, const TrainConfig& config,
                                    const torch::Device& device, bool sectored = false);

/// Loss and edge metrics of a model on graphs (evaluation mode, no gradients); `loss` is the
/// mean of edgeLoss over the graphs.
struct Evaluation {
  double loss = 0;
  EdgeMetrics metrics;
};
Evaluation evaluate(EdgeClassifierModel& model, const std::vector<GraphTensors>& graphs, double edge_cut);

/// Scores (sigmoid of the logits) of a model on one graph, without gradients.
torch::Tensor scoreGraph(EdgeClassifierModel& model, const GraphTensors& graph);

}  // namespace efgnn

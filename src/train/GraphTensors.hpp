#pragma once
// A graph as tensors on a device, with its per-edge loss weights (REFERENCE.md section 3).
#include <torch/torch.h>

#include "core/Graph.hpp"
#include "runtime/EdgeClassifier.hpp"
#include "train/TrainConfig.hpp"

namespace efgnn {

struct GraphTensors {
  std::uint64_t event_id = 0;
  torch::Tensor x, edge_index, edge_attr;  // float32, int64 [2, E], float32
  torch::Tensor y, y_target, weight;       // float32 [E]
  torch::Tensor edge_pt, edge_eta;         // float32 [E], of the edge's particle (0 for fakes)
  torch::Tensor position_eta;              // float32 [E], eta of the edge's midpoint (for purity vs eta)

  /// Checks the graph's features against the model (count, and names when the config names
  /// them) and builds the tensors; throws Error naming `source`.
  static GraphTensors from(const Graph& graph, const TrainConfig& config, const torch::Device& device,
                           const std::string& source);
  /// The graph as the runtime takes it: views of x, edge_index and edge_attr (CPU, contiguous;
  /// valid while this lives).
  runtime::GraphInput runtimeInput() const;
};

/// What one graph gives training steps: the graph itself or, when the config asks for η-φ
/// sectors (GraphSectors.hpp), each sector, the edges of its halo weighted 0.
std::vector<GraphTensors> trainingGraphsOf(const Graph& graph, const TrainConfig& config, const torch::Device& device,
                                           const std::string& source);

/// Loss weights: fake edges `fake_weight`, target edges `target_weight` (times their particle's
/// pT / 1 GeV, clipped to [1, target_pt_max], to the power target_pt_exponent), other true edges
/// `non_target_true_weight`, then the balance: "proportional" scales all weights so their
/// mean over weighted edges is 1, "equal" gives true and fake edges half the total each.
torch::Tensor edgeWeights(const torch::Tensor& y, const torch::Tensor& y_target, const torch::Tensor& edge_pt,
                          const TrainConfig& config);

/// Weighted binary cross-entropy with logits against the truth label y, averaged over edges.
torch::Tensor edgeLoss(const torch::Tensor& logits, const GraphTensors& graph);

}  // namespace efgnn

#include "train/Evaluation.hpp"

#include "train/GraphTensors.hpp"
#include "train/LibTorchEdgeScorer.hpp"

namespace efgnn {

LibTorchEdgeScorer::LibTorchEdgeScorer(std::shared_ptr<EdgeClassifierModel> model, TrainConfig config,
                                       torch::Device device)
    : model_(std::move(model)), config_(std::move(config)), device_(device) {}

std::vector<float> LibTorchEdgeScorer::scores(const Graph& graph, const std::string& source) const {
  if (graph.numEdges() == 0) return {};
  const auto scores = scoreGraph(*model_, GraphTensors::from(graph, config_, device_, source))
                          .detach()
                          .to(torch::kCPU, torch::kFloat32)
                          .contiguous();
  return {scores.data_ptr<float>(), scores.data_ptr<float>() + scores.numel()};
}

}  // namespace efgnn

#pragma once
// Edge scores from a LibTorch checkpoint behind the pipeline's EdgeScorer interface: the
// training side's view of a model, for comparing the deployed runtime's scores with it and for
// scoring on a GPU.
#include <memory>

#include "pipeline/EdgeScorer.hpp"
#include "train/Checkpoint.hpp"

namespace efgnn {

class LibTorchEdgeScorer final : public EdgeScorer {
 public:
  /// The model must be in evaluation mode on `device`.
  LibTorchEdgeScorer(std::shared_ptr<EdgeClassifierModel> model, TrainConfig config, torch::Device device);
  std::string name() const override { return "libtorch"; }
  std::vector<float> scores(const Graph& graph, const std::string& source) const override;
  /// LibTorch runs one graph at a time with its own threads.
  bool concurrent() const override { return false; }

 private:
  std::shared_ptr<EdgeClassifierModel> model_;
  TrainConfig config_;
  torch::Device device_;
};

}  // namespace efgnn

#pragma once
// The edge classifier as the pipeline sees it (ACTS GNN plugin conventions): node features
// x [N, F], edge_index [2, E] (int64), optional edge features edge_attr [E, Fe]; one logit
// per edge.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "quant/QuantLayers.hpp"
#include "model/ModelConfig.hpp"

namespace efgnn {

class EdgeClassifierModel : public torch::nn::Module {
 public:
  /// Logits [E]. `edge_attr` is ignored (may be undefined) when the model has no edge features.
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& edge_index,
                                const torch::Tensor& edge_attr) = 0;
  const ModelConfig& config() const { return config_; }

 protected:
  explicit EdgeClassifierModel(ModelConfig config) : config_(std::move(config)) {}
  ModelConfig config_;
};

/// Builds the model a config describes (parameters initialised by LibTorch's defaults).
std::shared_ptr<EdgeClassifierModel> makeModel(const ModelConfig& config);

/// The model's Linear layers by name ("edge_network0.mlp.linear1"), in registration order.
struct NamedLinear {
  std::string name;
  QuantLinear layer;
};
std::vector<NamedLinear> linearLayers(torch::nn::Module& model);

/// Holds pruned weights at zero (after an optimiser step).
void applyMasks(torch::nn::Module& model);

/// Total number of parameters.
std::int64_t parameterCount(const torch::nn::Module& model);

/// One line per parameter tensor: name, shape, size.
struct ParameterInfo {
  std::string name;
  std::vector<std::int64_t> shape;
  std::int64_t size;
};
std::vector<ParameterInfo> parameterTable(const torch::nn::Module& model);

}  // namespace efgnn

#include "compress/ModelSize.hpp"

#include <map>

#include "compress/Pruning.hpp"

namespace efgnn {

const std::vector<RecordField<ModelSize>>& ModelSize::fields() {
  static const std::vector<RecordField<ModelSize>> table{
      recordField("parameters", &ModelSize::parameters),
      recordField("nonzero_parameters", &ModelSize::nonzero_parameters),
      recordField("sparsity", &ModelSize::sparsity),
      recordField("pruned_fraction", &ModelSize::pruned_fraction),
      recordField("weight_bits", &ModelSize::weight_bits),
      recordField("bias_bits", &ModelSize::bias_bits),
      recordField("weight_bytes", &ModelSize::weight_bytes),
      recordField("macs_per_edge_per_iteration", &ModelSize::macs_per_edge_per_iteration),
      recordField("macs_per_node_per_iteration", &ModelSize::macs_per_node_per_iteration)};
  return table;
}

ModelSize modelSize(EdgeClassifierModel& model) {
  torch::NoGradGuard no_grad;
  ModelSize s;
  const QuantConfig& q = model.config().quant;
  s.weight_bits = q.weight_bits ? q.weight_bits : 32;
  s.bias_bits = q.bias_bits ? q.bias_bits : 32;
  s.parameters = parameterCount(model);
  // Start from all parameters, then replace each Linear weight's count by its effective non-zeros.
  std::int64_t nonzero = 0;
  for (const auto& p : model.parameters()) nonzero += p.count_nonzero().item<std::int64_t>();
  std::map<std::string, std::int64_t> network_weights;  // "edge_network3" -> non-zero weights
  double weight_bits_total = 0;
  for (auto& l : linearLayers(model)) {
    const auto w = l.layer->effectiveWeight();
    const auto nz = w.count_nonzero().item<std::int64_t>();
    nonzero += nz - l.layer->weight.count_nonzero().item<std::int64_t>();
    weight_bits_total += static_cast<double>(nz) * s.weight_bits + static_cast<double>(l.layer->bias.numel()) * s.bias_bits;
    const auto dot = l.name.find('.');
    network_weights[l.name.substr(0, dot)] += nz;
  }
  s.nonzero_parameters = nonzero;
  s.sparsity = s.parameters ? 1.0 - static_cast<double>(nonzero) / static_cast<double>(s.parameters) : 0.0;
  s.pruned_fraction = hiddenWeights(model).prunedFraction();
  s.weight_bytes = weight_bits_total / 8;
  const auto average = [&](const std::string& prefix) {
    double sum = 0;
    int n = 0;
    for (const auto& [name, count] : network_weights)
      if (name.rfind(prefix, 0) == 0) {
        sum += static_cast<double>(count);
        ++n;
      }
    return n ? sum / n : 0.0;
  };
  s.macs_per_edge_per_iteration = average("edge_network");
  s.macs_per_node_per_iteration = average("node_network");
  return s;
}

}  // namespace efgnn

#include "model/ModelExport.hpp"

#include "core/Error.hpp"
#include "model/InteractionGnn.hpp"

namespace efgnn {

runtime::ModelFile toModelFile(EdgeClassifierModel& model) {
  const ModelConfig& c = model.config();
  if (c.quant.quantized())
    throw Error("a quantized model (" + c.quant.label() +
                "); the runtime runs float models only so far, and dequantized weights without the activation "
                "quantizers would not reproduce it");
  runtime::ModelFile f;
  const auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  f.settings = {{"model", c.model},
                {"weights", "float"},
                {"node_features", std::to_string(c.node_features)},
                {"edge_features", std::to_string(c.edge_features)},
                {"hidden", std::to_string(c.hidden)},
                {"n_graph_iters", std::to_string(c.n_graph_iters)},
                {"nb_node_layer", std::to_string(c.nb_node_layer)},
                {"nb_edge_layer", std::to_string(c.nb_edge_layer)},
                {"layernorm", flag(c.layernorm)},
                {"batchnorm", flag(c.batchnorm)},
                {"hidden_activation", c.hidden_activation},
                {"node_net_recurrent", flag(c.node_net_recurrent)},
                {"edge_net_recurrent", flag(c.edge_net_recurrent)},
                {"concat", flag(c.concat)},
                {"in_out_diff_agg", flag(c.in_out_diff_agg)}};
  std::string names;
  for (const auto& n : c.node_feature_names) names += (names.empty() ? "" : ",") + n;
  f.settings["node_feature_names"] = names;
  names.clear();
  for (const auto& n : c.edge_feature_names) names += (names.empty() ? "" : ",") + n;
  f.settings["edge_feature_names"] = names;

  torch::NoGradGuard no_grad;
  for (auto& [name, layer] : linearLayers(model)) {
    const auto add = [&](const std::string& suffix, const torch::Tensor& t) {
      const auto cpu = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
      runtime::NamedArray a;
      a.name = name + suffix;
      for (const auto d : cpu.sizes()) a.dims.push_back(static_cast<std::uint64_t>(d));
      a.f32.assign(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
      f.arrays.push_back(std::move(a));
    };
    add(".weight", layer->effectiveWeight());
    add(".bias", layer->effectiveBias({}));
  }
  return f;
}

}  // namespace efgnn

#include "model/ModelExport.hpp"

#include "core/Error.hpp"
#include "model/InteractionGnn.hpp"

namespace efgnn {
namespace {

runtime::NamedArray floatArray(const std::string& name, const torch::Tensor& t) {
  const auto cpu = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  runtime::NamedArray a;
  a.name = name;
  for (const auto d : cpu.sizes()) a.dims.push_back(static_cast<std::uint64_t>(d));
  a.f32.assign(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
  return a;
}

/// Whether the runtime's integer path can reproduce the model: every input of every Linear on
/// an integer grid and integer weights.
bool integerModel(const QuantConfig& q) {
  if (!q.quantized()) return false;
  const bool activations = q.activation_bits || q.input_bits || q.norm_bits;
  if (!activations) return false;  // weights (and biases) only: the float file reproduces it
  if (!q.weight_bits || !q.activation_bits || !q.input_bits)
    throw Error("a quantized model (" + q.label() +
                ") with quantized activations but float weights, activations or inputs: the runtime runs "
                "float models and integer models that quantize weights, inputs and activations");
  if (q.weight_bits > 8 || q.activation_bits > 8)
    throw Error("a quantized model (" + q.label() +
                "): the runtime's integer path takes weights and activations of at "
                "most 8 bits");
  return true;
}

}  // namespace

runtime::ModelFile toModelFile(EdgeClassifierModel& model) {
  const ModelConfig& c = model.config();
  const bool integer = integerModel(c.quant);
  runtime::ModelFile f;
  if (c.model != "InteractionGNN2") throw Error("export: model '" + c.model + "': only InteractionGNN2 exports");
  runtime::Architecture a;
  a.hidden = c.hidden;
  a.iterations = c.n_graph_iters;
  a.node_features = c.node_features;
  a.edge_features = c.edge_features;
  a.node_layers = c.nb_node_layer;
  a.edge_layers = c.nb_edge_layer;
  a.layernorm = c.layernorm;
  a.batchnorm = c.batchnorm;
  a.concat = c.concat;
  a.in_out_diff_agg = c.in_out_diff_agg;
  a.node_net_recurrent = c.node_net_recurrent;
  a.edge_net_recurrent = c.edge_net_recurrent;
  a.activation = c.hidden_activation;
  if (integer) a.quant = {c.quant.weight_bits, c.quant.activation_bits, c.quant.input_bits, c.quant.norm_bits};
  a.writeTo(f);
  f.setNames("node_feature_names", c.node_feature_names);
  f.setNames("edge_feature_names", c.edge_feature_names);

  torch::NoGradGuard no_grad;
  if (integer && c.quant.bias_bits) {
    // A quantized bias sits on the grid of its layer's input, which the forward pass works out
    // (QuantLinear records it): one pass on a two-node graph in evaluation mode. A model never
    // run before calibrates its quantizers on it, as on any first input.
    const bool training = model.is_training();
    model.eval();
    const auto x = torch::zeros({2, c.node_features});
    const auto edge_attr = torch::zeros({1, std::max(c.edge_features, 1)});
    const auto device = model.parameters().front().device();
    model.forward(x.to(device), torch::tensor({0, 1}, torch::kInt64).view({2, 1}).to(device), edge_attr.to(device));
    model.train(training);
  }
  for (auto& [name, layer] : linearLayers(model)) {
    if (!integer) {
      f.arrays.push_back(floatArray(name + ".weight", layer->effectiveWeight()));
      f.arrays.push_back(floatArray(name + ".bias", layer->effectiveBias({})));
      continue;
    }
    const torch::Tensor w = layer->maskedWeight();
    const torch::Tensor scale = layer->weightScale();
    const auto codes =
        quantizeToIntegers(w.cpu(), scale.cpu(), IntRange::signedNarrow(c.quant.weight_bits)).flatten().contiguous();
    const auto positions = codes.nonzero().flatten().to(torch::kInt32).contiguous();
    runtime::NamedArray nonzero, values;
    nonzero.name = name + ".weight_nonzero";
    nonzero.type = runtime::ArrayType::I32;
    nonzero.dims = {static_cast<std::uint64_t>(positions.numel())};
    nonzero.i32.assign(positions.data_ptr<std::int32_t>(), positions.data_ptr<std::int32_t>() + positions.numel());
    values.name = name + ".weight_codes";
    values.type = runtime::ArrayType::I8;
    values.dims = nonzero.dims;
    const auto* code = codes.data_ptr<std::int32_t>();
    for (const auto p : nonzero.i32) values.i8.push_back(static_cast<std::int8_t>(code[p]));
    f.arrays.push_back(std::move(nonzero));
    f.arrays.push_back(std::move(values));
    f.arrays.push_back(floatArray(name + ".weight_scale", scale.flatten()));
    f.arrays.push_back(floatArray(name + ".bias", layer->effectiveBias(layer->lastInputScale())));
  }
  if (integer)
    for (const auto& item : model.named_modules())
      if (auto q = std::dynamic_pointer_cast<ActivationQuantizerImpl>(item.value()); q && q->options().bits)
        f.arrays.push_back(floatArray(item.key() + ".scale", q->scale().flatten()));
  return f;
}

}  // namespace efgnn

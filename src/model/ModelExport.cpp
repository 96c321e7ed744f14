#include "model/ModelExport.hpp"

#include <map>

#include "core/Error.hpp"
#include "model/InteractionGnn.hpp"
#include "model/Mlp.hpp"

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
  // BatchNorm with running statistics is an affine map per output at inference: folded into the
  // Linear before it (below), the runtime sees no norm. On batch statistics (each graph's own)
  // the runtime normalises as training does, with the scale and shift written here.
  const bool batch_statistics = c.batchnorm && !c.track_running_stats;
  a.batchnorm = batch_statistics;
  if (batch_statistics) a.batchnorm_eps = static_cast<float>(kBatchNormEps);
  if (c.batchnorm && integer)
    throw Error("export: a quantized BatchNorm model: the runtime's integer path takes LayerNorm or no norm");
  a.concat = c.concat;
  a.in_out_diff_agg = c.in_out_diff_agg;
  a.node_net_recurrent = c.node_net_recurrent;
  a.edge_net_recurrent = c.edge_net_recurrent;
  a.activation = c.hidden_activation;
  a.output_activation = c.lastActivation();
  a.output_norm = c.output_norm;
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
  std::map<std::string, std::shared_ptr<torch::nn::BatchNorm1dImpl>> batchnorms;
  for (const auto& item : model.named_modules())
    if (auto bn = std::dynamic_pointer_cast<torch::nn::BatchNorm1dImpl>(item.value())) batchnorms[item.key()] = bn;
  for (auto& [name, layer] : linearLayers(model)) {
    if (!integer) {
      torch::Tensor w = layer->effectiveWeight(), b = layer->effectiveBias({});
      // "P.linearK" is normalised by "P.normK", if by anything.
      const auto dot = name.rfind(".linear");
      const auto bn = dot == std::string::npos ? batchnorms.end()
                                               : batchnorms.find(name.substr(0, dot) + ".norm" + name.substr(dot + 7));
      if (bn != batchnorms.end() && batch_statistics) {
        f.arrays.push_back(floatArray(bn->first + ".weight", bn->second->weight));
        f.arrays.push_back(floatArray(bn->first + ".bias", bn->second->bias));
      } else if (bn != batchnorms.end()) {
        const auto& n = *bn->second;
        const auto factor = n.weight / (n.running_var + n.options.eps()).sqrt();
        w = w * factor.unsqueeze(1);
        b = (b - n.running_mean) * factor + n.bias;
      }
      f.arrays.push_back(floatArray(name + ".weight", w));
      f.arrays.push_back(floatArray(name + ".bias", b));
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

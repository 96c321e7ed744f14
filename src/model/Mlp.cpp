#include "model/Mlp.hpp"

#include "core/Error.hpp"
#include "ops/Affine.hpp"
#include "ops/MessagePassing.hpp"
#include "ops/NormActivation.hpp"

namespace efgnn {

torch::Tensor reproducibleLayerNorm(const torch::Tensor& x) {
  const auto columns = x.t().contiguous();
  const std::int64_t width = x.size(-1);
  const float inverse = 1.0f / static_cast<float>(width);
  auto sum = columns[0].clone();
  for (std::int64_t k = 1; k < width; ++k) sum += columns[k];
  const auto mean = sum * inverse;
  auto squares = torch::zeros_like(mean);
  for (std::int64_t k = 0; k < width; ++k) {
    const auto d = columns[k] - mean;
    squares = fusedMultiplyAdd(squares, d, d);
  }
  const auto var = fusedMultiplyAdd(torch::full_like(squares, 1e-5f), squares, torch::full_like(squares, inverse));
  const auto rstd = var.sqrt().reciprocal();
  return (x - mean.unsqueeze(1)) * rstd.unsqueeze(1);
}

MlpImpl::MlpImpl(const MlpOptions& options) : options_(options) {
  const QuantConfig& q = options.quant;
  int width = options.input;
  for (std::size_t i = 0; i < options.sizes.size(); ++i) {
    const int out = options.sizes[i];
    const bool last = i + 1 == options.sizes.size();
    const std::string index = std::to_string(i);
    QuantLinearOptions linear{width, out, q.weight_bits, q.perChannel(), q.bias_bits,
                              /*prunable=*/!(i == 0 && options.features_input) && !(last && !options.activate_last)};
    linears_.push_back(register_module("linear" + index, QuantLinear(linear)));
    const bool finished = !last || options.activate_last;
    const bool normed = !last || (options.activate_last && options.norm_last);
    torch::nn::AnyModule norm;
    if (normed && options.layernorm)
      norm = torch::nn::AnyModule(register_module(
          "norm" + index, torch::nn::LayerNorm(torch::nn::LayerNormOptions({out}).elementwise_affine(false))));
    else if (normed && options.batchnorm)
      norm = torch::nn::AnyModule(register_module(
          "norm" + index, torch::nn::BatchNorm1d(
                    torch::nn::BatchNorm1dOptions(out).eps(kBatchNormEps).track_running_stats(options.track_running_stats))));
    const bool norm_quantized = !norm.is_empty() && q.norm_bits;
    norms_.push_back(std::move(norm));
    // Quantizers are registered only where they quantize, so float checkpoints keep their layout.
    const auto quantizer = [&](const std::string& name, int bits, bool is_signed) {
      ActivationQuantizer a(ActivationQuantOptions{bits, is_signed, q.learnedScales()});
      return bits ? register_module(name, a) : a;
    };
    norm_quants_.push_back(quantizer("norm_quant" + index, norm_quantized ? q.norm_bits : 0, true));
    activation_quants_.push_back(quantizer("act_quant" + index, finished ? q.activation_bits : 0, false));
    width = out;
  }
}

const std::string& MlpImpl::activationOf(std::size_t i) const {
  const bool last = i + 1 == linears_.size();
  return last && !options_.last_activation.empty() ? options_.last_activation : options_.activation;
}

torch::Tensor MlpImpl::finishLayer(std::size_t i, torch::Tensor h) {
  if (i + 1 == linears_.size() && !options_.activate_last) return h;
  const std::string& activation = activationOf(i);
  if (!norms_[i].is_empty()) {
    // In evaluation, as the integer runtime normalises; in training, torch's faster one.
    const bool reproducible =
        !is_training() && options_.layernorm && (options_.quant.activation_bits || options_.quant.norm_bits);
    // Normalised and activated in one operation where no quantizer sits between the two.
    if (options_.layernorm && !reproducible && !options_.quant.norm_bits && activation != "None")
      return activation_quants_[i]->forward(layerNormActivation(h, activation));
    h = norm_quants_[i]->forward(reproducible ? reproducibleLayerNorm(h) : norms_[i].forward(h));
  }
  if (activation == "ReLU") h = torch::relu(h);
  else if (activation == "SiLU") h = torch::silu(h);
  else if (activation == "Tanh") h = torch::tanh(h);
  return activation_quants_[i]->forward(h);
}

torch::Tensor MlpImpl::forwardFromFirst(torch::Tensor h) {
  h = finishLayer(0, h);
  for (std::size_t i = 1; i < linears_.size(); ++i)
    h = finishLayer(i, linears_[i]->forward(h, InputGrids::of(h.size(1), activation_quants_[i - 1]->scale())));
  return h;
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x, const InputGrids& grids) {
  return forwardFromFirst(linears_[0]->forward(x, grids));
}

torch::Tensor MlpImpl::outputScale() const {
  return options_.activate_last ? activation_quants_.back()->scale() : torch::Tensor();
}

EdgeMlpImpl::EdgeMlpImpl(int edge_width, int node_width, MlpOptions options)
    : edge_width_(edge_width), node_width_(node_width) {
  options.input = edge_width + 2 * node_width;
  mlp_ = register_module("mlp", Mlp(options));
}

torch::Tensor EdgeMlpImpl::forward(const torch::Tensor& e, const InputGrids& e_grids, const torch::Tensor& x,
                                   const InputGrids& x_grids, const torch::Tensor& src, const torch::Tensor& dst) {
  QuantLinear& first = mlp_->first();
  const InputGrids grids = (edge_width_ > 0 ? e_grids.then(x_grids) : x_grids).then(x_grids);
  const torch::Tensor b = first->effectiveBias(grids.bias_scale);
  if (first->computesOnGrids(grids)) {
    const auto part = [&](std::int64_t column) { return first->productsOnGrids(x, x_grids, column, {}); };
    const auto nodes = part(edge_width_).index_select(0, src) + part(edge_width_ + node_width_).index_select(0, dst);
    const auto edges = edge_width_ > 0 ? first->productsOnGrids(e, e_grids, 0, b) : b;
    return mlp_->forwardFromFirst(edges + nodes);
  }
  const torch::Tensor w = first->effectiveWeight();  // [out, edge_width + 2 node_width]
  const std::int64_t out = w.size(0);
  // Products per node, source and target parts side by side [N, 2 out], then gathered per edge.
  const auto w_nodes = torch::cat({w.narrow(1, edge_width_, node_width_), w.narrow(1, edge_width_ + node_width_, node_width_)});
  const auto parts = affine(x, w_nodes, {});
  torch::Tensor h = gatherPairSum(parts.narrow(1, 0, out), parts.narrow(1, out, out), src, dst);
  h = edge_width_ > 0 ? h + affine(e, w.narrow(1, 0, edge_width_), b) : h + b;
  return mlp_->forwardFromFirst(h);
}

}  // namespace efgnn

#include "model/Mlp.hpp"

#include "core/Error.hpp"

namespace efgnn {

MlpImpl::MlpImpl(const MlpOptions& options) : options_(options) {
  int width = options.input;
  for (std::size_t i = 0; i < options.sizes.size(); ++i) {
    const int out = options.sizes[i];
    linears_.push_back(register_module("linear" + std::to_string(i), torch::nn::Linear(width, out)));
    const bool normed = i + 1 < options.sizes.size() || options.activate_last;
    torch::nn::AnyModule norm;
    if (normed && options.layernorm)
      norm = torch::nn::AnyModule(register_module(
          "norm" + std::to_string(i), torch::nn::LayerNorm(torch::nn::LayerNormOptions({out}).elementwise_affine(false))));
    else if (normed && options.batchnorm)
      norm = torch::nn::AnyModule(register_module(
          "norm" + std::to_string(i),
          torch::nn::BatchNorm1d(torch::nn::BatchNorm1dOptions(out).track_running_stats(false))));
    norms_.push_back(std::move(norm));
    width = out;
  }
}

torch::Tensor MlpImpl::finishLayer(std::size_t i, torch::Tensor h) {
  if (i + 1 == linears_.size() && !options_.activate_last) return h;
  if (!norms_[i].is_empty()) h = norms_[i].forward(h);
  if (options_.activation == "ReLU") return torch::relu(h);
  if (options_.activation == "SiLU") return torch::silu(h);
  return torch::tanh(h);
}

torch::Tensor MlpImpl::forwardFromFirst(torch::Tensor h) {
  h = finishLayer(0, h);
  for (std::size_t i = 1; i < linears_.size(); ++i) h = finishLayer(i, linears_[i]->forward(h));
  return h;
}

torch::Tensor MlpImpl::forward(torch::Tensor x) { return forwardFromFirst(linears_[0]->forward(x)); }

EdgeMlpImpl::EdgeMlpImpl(int edge_width, int node_width, MlpOptions options)
    : edge_width_(edge_width), node_width_(node_width) {
  options.input = edge_width + 2 * node_width;
  mlp_ = register_module("mlp", Mlp(options));
}

torch::Tensor EdgeMlpImpl::forward(const torch::Tensor& e, const torch::Tensor& x, const torch::Tensor& src,
                                   const torch::Tensor& dst) {
  const torch::Tensor& w = mlp_->first()->weight;  // [out, edge_width + 2 node_width]
  const auto w_src = w.narrow(1, edge_width_, node_width_);
  const auto w_dst = w.narrow(1, edge_width_ + node_width_, node_width_);
  // Products per node, then gathered per edge.
  torch::Tensor h = torch::linear(x, w_src).index_select(0, src) + torch::linear(x, w_dst).index_select(0, dst);
  h = edge_width_ > 0 ? h + torch::linear(e, w.narrow(1, 0, edge_width_), mlp_->first()->bias)
                      : h + mlp_->first()->bias;
  return mlp_->forwardFromFirst(h);
}

}  // namespace efgnn

#pragma once
// Multi-layer perceptron as the reference builds it: k x [Linear -> optional norm ->
// activation], where the last layer keeps its norm and activation only for hidden MLPs
// (encoders, networks, decoder) and not for the output MLP that produces logits.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace efgnn {

struct MlpOptions {
  int input = 0;
  std::vector<int> sizes;        // output width of each layer
  bool layernorm = false;        // LayerNorm without affine parameters
  bool batchnorm = false;        // BatchNorm1d on batch statistics
  std::string activation = "ReLU";
  bool activate_last = true;     // norm + activation after the last layer too
};

class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(const MlpOptions& options);
  torch::Tensor forward(torch::Tensor x);
  /// The first layer's Linear: callers that build its product from parts (see EdgeMlp) use
  /// its weight and bias, then continue with forwardFromFirst().
  torch::nn::Linear& first() { return linears_.front(); }
  /// The rest of the MLP given the first layer's Linear output.
  torch::Tensor forwardFromFirst(torch::Tensor h);
  const MlpOptions& options() const { return options_; }

 private:
  torch::Tensor finishLayer(std::size_t i, torch::Tensor h);
  MlpOptions options_;
  std::vector<torch::nn::Linear> linears_;
  std::vector<torch::nn::AnyModule> norms_;  // empty entries where a layer has no norm
};
TORCH_MODULE(Mlp);

/// An MLP over edges whose input is [e, x_src, x_dst] (e may be absent). Its first layer is
/// applied as W_e e + (W_s x)[src] + (W_d x)[dst]: the node products are computed once per
/// node instead of gathering [E, 2F] node features per edge first, which is what bounds memory
/// on large graphs.
class EdgeMlpImpl : public torch::nn::Module {
 public:
  EdgeMlpImpl(int edge_width, int node_width, MlpOptions options);
  /// `e` may be undefined when edge_width is 0.
  torch::Tensor forward(const torch::Tensor& e, const torch::Tensor& x, const torch::Tensor& src,
                        const torch::Tensor& dst);

 private:
  int edge_width_, node_width_;
  Mlp mlp_{nullptr};
};
TORCH_MODULE(EdgeMlp);

}  // namespace efgnn

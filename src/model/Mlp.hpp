#pragma once
// Multi-layer perceptron as the reference builds it: k x [Linear -> optional norm ->
// activation], where the last layer keeps its norm and activation only for hidden MLPs
// (encoders, networks, decoder) and not for the output MLP that produces logits.
//
// Built from efgnn's compressible layers: each Linear may be pruned and quantized, and with
// quantization the norm outputs and activations pass through quantizers (QuantConfig). The
// scale of the MLP's output grid is available after a forward pass (outputScale), so the next
// layer knows the grid of its input.
//
// With quantized activations, in evaluation mode, LayerNorm computes in float with every
// operation in a fixed order (see Mlp.cpp): the integer runtime does the same, and both then give
// the same bits.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "quant/QuantConfig.hpp"
#include "quant/QuantLayers.hpp"

namespace efgnn {

/// LayerNorm without affine parameters (eps 1e-5) in float with every operation in a fixed
/// order, so that the integer runtime, which normalises the same way, gets the same bits (torch's
/// LayerNorm sums in an order that depends on the CPU and the build): sum = x_0 + x_1 + ... in
/// turn, mean = sum x fl(1 / width); squares = fma(d_k, d_k, squares) in turn with d_k = x_k -
/// mean; var = fma(squares, fl(1 / width), 1e-5); rstd = 1 / sqrt(var); output (x - mean) x rstd.
/// Two passes, so no cancellation of E[x^2] - mean^2. Used in evaluation of quantized models
/// (a [rows] tensor operation per column: slower than torch's, fine outside training). x: [rows,
/// width], float.
torch::Tensor reproducibleLayerNorm(const torch::Tensor& x);

/// BatchNorm's epsilon: the reference pipeline's, so that its checkpoints compute the same.
inline constexpr double kBatchNormEps = 6e-5;

struct MlpOptions {
  int input = 0;
  std::vector<int> sizes;        // output width of each layer
  bool layernorm = false;        // LayerNorm without affine parameters
  bool batchnorm = false;        // BatchNorm1d (eps 6e-5, affine)
  bool track_running_stats = false;  // BatchNorm: running statistics in evaluation
  std::string activation = "ReLU";
  bool activate_last = true;     // the last layer finished too (else it gives its products: logits)
  bool norm_last = true;         // ... with its norm
  std::string last_activation;   // ... and this activation ("": activation; "None": none)
  bool features_input = false;   // the first layer reads input features (not a hidden layer)
  QuantConfig quant;
};

class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(const MlpOptions& options);
  /// `grids`: the grids of a quantized input (empty for a float one).
  torch::Tensor forward(const torch::Tensor& x, const InputGrids& grids = {});
  /// The first layer: callers that build its product from parts (see EdgeMlp) use its
  /// effective weight and bias, then continue with forwardFromFirst().
  QuantLinear& first() { return linears_.front(); }
  /// The rest of the MLP given the first layer's output.
  torch::Tensor forwardFromFirst(torch::Tensor h);
  /// Scale of the output grid (the last activation quantizer's); undefined for float outputs.
  torch::Tensor outputScale() const;
  const MlpOptions& options() const { return options_; }

 private:
  torch::Tensor finishLayer(std::size_t i, torch::Tensor h);
  const std::string& activationOf(std::size_t i) const;
  MlpOptions options_;
  std::vector<QuantLinear> linears_;
  std::vector<torch::nn::AnyModule> norms_;  // empty entries where a layer has no norm
  std::vector<ActivationQuantizer> norm_quants_, activation_quants_;  // per layer, identity at 0 bits
};
TORCH_MODULE(Mlp);

/// An MLP over edges whose input is [e, x_src, x_dst] (e may be absent). Its first layer is
/// applied as W_e e + (W_s x)[src] + (W_d x)[dst]: the node products are computed once per
/// node instead of gathering [E, 2F] node features per edge first, which is what bounds memory
/// on large graphs.
class EdgeMlpImpl : public torch::nn::Module {
 public:
  EdgeMlpImpl(int edge_width, int node_width, MlpOptions options);
  /// `e` may be undefined when edge_width is 0. `e_grids`, `x_grids`: the grids of quantized
  /// inputs (empty for float ones). On grids, the node products are computed on the codes as
  /// the integer runtime computes them: edge part from the bias, plus (source part + target part).
  torch::Tensor forward(const torch::Tensor& e, const InputGrids& e_grids, const torch::Tensor& x,
                        const InputGrids& x_grids, const torch::Tensor& src, const torch::Tensor& dst);
  torch::Tensor outputScale() const { return mlp_->outputScale(); }

 private:
  int edge_width_, node_width_;
  Mlp mlp_{nullptr};
};
TORCH_MODULE(EdgeMlp);

}  // namespace efgnn

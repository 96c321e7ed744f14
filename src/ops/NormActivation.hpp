#pragma once
// LayerNorm (no affine parameters, eps 1e-5) followed by an activation, forward and backward in
// one pass over each row on efgnn's kernels: one array kept for the backward pass (the normalised
// values) where LibTorch's two operations keep their input and output, and two passes over memory
// instead of six.
#include <torch/torch.h>

#include <string>

namespace efgnn {

/// activation(layer_norm(h)) for h [rows, width]; activation ReLU, SiLU or Tanh. On efgnn's
/// kernels where they apply (training kernels efgnn, float CPU tensor of two dimensions), else
/// LibTorch's operations.
torch::Tensor layerNormActivation(const torch::Tensor& h, const std::string& activation);

}  // namespace efgnn

#pragma once
// A linear layer, y = x W^T + b, with its backward pass on efgnn's own kernels: the products forward and dx = dy W by the runtime's dense kernel (which skips the
// zeros a ReLU leaves, in x and in dy), dW = dy^T x and db by a kernel that sums rows in fixed
// blocks. LibTorch's CPU GEMM (OpenBLAS) is slow on these shapes: many rows, few columns.
#include <torch/torch.h>

namespace efgnn {

/// x W^T + b (b may be undefined), differentiable in x, W and b. On efgnn's kernels where they
/// apply: training kernels set to efgnn (TrainingKernels.hpp), float CPU tensors, x of two
/// dimensions and at most 1024 columns, W of at most 1024 rows; else torch::linear.
torch::Tensor affine(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b);

}  // namespace efgnn

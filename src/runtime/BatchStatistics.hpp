#pragma once
// MLPs with BatchNorm on the statistics of the rows at hand (Kernels.hpp, BatchNorm): a layer's
// statistics need all of its outputs before any row is finished, so these MLPs run layer by layer
// over all rows instead of tile by tile. runMlp, runEdgeMlp and runNodeMlp (Dispatch.cpp) take
// this path for them; the signatures and results are theirs.
#include "runtime/Kernels.hpp"

namespace efgnn::runtime::batch_statistics {

void runMlp(const Mlp& mlp, const float* in, std::size_t rows, std::size_t in_stride, float* out,
            std::size_t out_stride, const Execution& exec);
void runEdgeMlp(const EdgeMlp& net, const float* e, std::size_t e_stride, const float* x, std::size_t x_stride,
                const EdgeList& edges, float* out, std::size_t out_stride, const Execution& exec);
void runNodeMlp(const Mlp& mlp, const NodeMessages<float>& messages, const EdgeList& edges, float* x,
                std::size_t x_stride, const Execution& exec);

}  // namespace efgnn::runtime::batch_statistics

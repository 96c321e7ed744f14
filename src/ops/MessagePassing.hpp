#pragma once
// The gathers and sums of message passing on efgnn's kernels: edges bucketed by node once per
// call (counting sort, in edge order), so that a node's sum runs over its own edges in a fixed
// order, in parallel over nodes, with no atomic or serial scatter; each operation's backward pass
// is the other.
#include <torch/torch.h>

namespace efgnn {

/// a[src[k]] + b[dst[k]] for every edge k, for a and b [N, width] (rows may be strided, e.g.
/// the two halves of one product): differentiable in a and b.
torch::Tensor gatherPairSum(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& src,
                            const torch::Tensor& dst);

/// Per node, the sums of e [E, width] over its incoming and over its outgoing edges: [N, 2 width]
/// ([incoming, outgoing]) when `separate`, else [N, width] (their sum). Differentiable in e.
torch::Tensor messageSums(const torch::Tensor& e, const torch::Tensor& src, const torch::Tensor& dst,
                          std::int64_t num_nodes, bool separate);

}  // namespace efgnn

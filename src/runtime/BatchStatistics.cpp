#include "runtime/BatchStatistics.hpp"

#include <utility>

namespace efgnn::runtime::batch_statistics {
namespace {

/// The layers of `mlp` from its first layer's products and bias `h` [rows, first layer's out];
/// the last layer's outputs go to `out`.
void finishLayers(const Mlp& mlp, std::vector<float> h, std::size_t rows, float* out, std::size_t out_stride,
                  const Execution& exec) {
  std::vector<float> next;
  for (std::size_t l = 0; l < mlp.layers.size(); ++l) {
    const DenseLayer& layer = mlp.layers[l];
    const auto width = static_cast<std::size_t>(layer.out);
    if (l > 0) {
      next.resize(rows * width);
      runDense(layer, h.data(), rows, static_cast<std::size_t>(layer.in), next.data(), width, exec);
      std::swap(h, next);
    }
    const bool last = l + 1 == mlp.layers.size();
    if (!last || mlp.shape.activate_last)
      batchNormalizeAndActivate(h.data(), rows, width, mlp.batchnorms[l], (last ? mlp.last_shape : mlp.shape).activation,
                                exec);
  }
  const auto width = static_cast<std::size_t>(mlp.layers.back().out);
  copyColumns(h.data(), rows, width, width, out, out_stride, exec);
}

}  // namespace

void runMlp(const Mlp& mlp, const float* in, std::size_t rows, std::size_t in_stride, float* out,
            std::size_t out_stride, const Execution& exec) {
  const DenseLayer& first = mlp.layers.front();
  std::vector<float> h(rows * static_cast<std::size_t>(first.out));
  runDense(first, in, rows, in_stride, h.data(), static_cast<std::size_t>(first.out), exec);
  finishLayers(mlp, std::move(h), rows, out, out_stride, exec);
}

void runEdgeMlp(const EdgeMlp& net, const float* e, std::size_t e_stride, const float* x, std::size_t x_stride,
                const EdgeList& edges, float* out, std::size_t out_stride, const Execution& exec) {
  // The first layer alone, unfinished, through the fused edge kernel (node parts gathered).
  Mlp first;
  first.layers = {net.mlp.layers.front()};
  first.shape.activate_last = false;
  const EdgeMlp one = EdgeMlp::of(net.edge_width, net.node_width, std::move(first));
  const auto width = static_cast<std::size_t>(one.mlp.layers.front().out);
  std::vector<float> h(edges.num_edges * width);
  runtime::runEdgeMlp(one, e, e_stride, x, x_stride, edges, h.data(), width, exec);
  finishLayers(net.mlp, std::move(h), edges.num_edges, out, out_stride, exec);
}

void runNodeMlp(const Mlp& mlp, const NodeMessages<float>& messages, const EdgeList& edges, float* x,
                std::size_t x_stride, const Execution& exec) {
  // The network's input [messages, state], whole.
  const std::size_t columns = messages.columns(), width = static_cast<std::size_t>(mlp.layers.front().in);
  std::vector<float> rows(edges.num_nodes * width);
  runMessageSums(messages, edges, rows.data(), width, exec);
  copyColumns(x, edges.num_nodes, width - columns, x_stride, rows.data() + columns, width, exec);
  batch_statistics::runMlp(mlp, rows.data(), edges.num_nodes, width, x, x_stride, exec);
}

}  // namespace efgnn::runtime::batch_statistics

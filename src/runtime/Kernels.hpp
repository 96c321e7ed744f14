#pragma once
// The runtime's float kernels: dense layers on tiles of rows, LayerNorm and activation, the
// fused edge network (first layer from per-node products, gathered per edge), and sums of edge
// messages into nodes. Row-major arrays with explicit row strides, so concatenated states are
// read in place.
//
// Parallel over tiles of rows (OpenMP, static schedule); each output row is computed by one
// thread in a fixed order, so results do not depend on the thread count.
#ifdef EFGNN_LANES_BEGUN
#error "runtime/Lanes.hpp must come after every other include: what follows it is compiled for one instruction set"
#endif
#define EFGNN_RUNTIME_KERNELS_DECLARED 1
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/Isa.hpp"

namespace efgnn::runtime {

enum class Activation { ReLU, SiLU, Tanh, None };
Activation activationOf(const std::string& name, const std::string& source);

struct MlpShape {
  bool layernorm = false;  // LayerNorm without affine parameters (eps 1e-5) before the activation
  Activation activation = Activation::ReLU;
  bool activate_last = true;  // the last layer finished too (else it gives its products: logits)
  // How it is finished: efgnn's models as every layer; the reference pipeline's without LayerNorm
  // and with an activation of its own (or none).
  bool norm_last = true;
  Activation last_activation = Activation::ReLU;
  /// The last layer's finish as a shape of its own.
  MlpShape lastLayer() const {
    MlpShape s = *this;
    s.layernorm = layernorm && norm_last;
    s.activation = last_activation;
    return s;
  }
};

/// y = x W^T + b, with W stored transposed ([in][out]) so that the inner loop runs along the
/// outputs, contiguous in memory (vectorised by the compiler).
struct DenseLayer {
  int in = 0, out = 0;
  std::vector<float> wt, bias;
  static DenseLayer fromRowMajor(const float* w, int out, int in, const float* b);
};

/// BatchNorm on the statistics of the rows at hand (a whole graph's nodes or edges: the
/// reference's BatchNorm without running statistics), after a layer's products: each column
/// normalised by its mean and biased variance over all rows, then scaled and shifted.
struct BatchNorm {
  std::vector<float> weight, bias;  // empty: the layer has none
  float eps = 0;
};

struct Mlp {
  std::vector<DenseLayer> layers;
  MlpShape shape;
  MlpShape last_shape;  // shape.lastLayer()
  // Per layer, or empty: none in this MLP. With them the MLP runs layer by layer
  // (BatchStatistics.hpp).
  std::vector<BatchNorm> batchnorms;
  int width() const;  // the widest layer output
};

/// An MLP over edges whose input is [e, x_src, x_dst] (e of edge_width, x of node_width).
struct EdgeMlp {
  int edge_width = 0, node_width = 0;
  Mlp mlp;
  /// The first layer's node parts as one layer: [source part, target part] (2 x its outputs)
  /// from a node's state, so that the state is read once for both.
  DenseLayer node_parts;
  static EdgeMlp of(int edge_width, int node_width, Mlp mlp);
};

/// Edges and, per node, its incoming and outgoing edges in edge order (counting sort).
struct EdgeList {
  EdgeList(const std::int64_t* edge_index, std::size_t num_edges, std::size_t num_nodes);
  const std::int64_t *src, *dst;
  std::size_t num_edges, num_nodes;
  std::vector<std::uint32_t> in_offsets, in_edges, out_offsets, out_edges;
};

struct Execution {
  int threads = 0;         // 0: OpenMP's default
  std::size_t tile = 256;  // rows per tile
  Isa isa = Isa::Best;     // whose kernels run (Isa.hpp); the same for a whole forward pass
};

/// out[r, 0:last width] = mlp(in[r, 0:first input width]) for r < rows.
void runMlp(const Mlp& mlp, const float* in, std::size_t rows, std::size_t in_stride, float* out,
            std::size_t out_stride, const Execution& exec);

/// out[k] = mlp([e[k], x[src k], x[dst k]]); the first layer's node parts are computed once
/// per node and gathered, so no [E, 2 node_width] array is built. `e` may be null when
/// edge_width is 0. `out` may be `e` itself (each tile reads its rows before it writes them).
void runEdgeMlp(const EdgeMlp& net, const float* e, std::size_t e_stride, const float* x, std::size_t x_stride,
                const EdgeList& edges, float* out, std::size_t out_stride, const Execution& exec);

/// Which edge messages a node network reads: e [E, 0:width] (rows e_stride apart), summed
/// into each node over its incoming and its outgoing edges (in edge order); `separate`: the
/// node network reads [sum in, sum out] (2 width), else sum in + sum out (width). Float states,
/// or the activation codes of integer models (their sums are exact in float up to 2^24).
template <class T>
struct NodeMessages {
  const T* e;
  std::size_t width, e_stride;
  bool separate;
  std::size_t columns() const { return separate ? 2 * width : width; }
};

/// x[i, 0:last width] = mlp([messages of node i, x[i, 0:state width]]) for every node, in place:
/// the sums over edges are taken tile by tile, where the node network reads them, so they never
/// go to memory.
void runNodeMlp(const Mlp& mlp, const NodeMessages<float>& messages, const EdgeList& edges, float* x,
                std::size_t x_stride, const Execution& exec);

/// out[r, 0:layer.out] = in[r, 0:layer.in] W^T + b (no norm, no activation): the products of a
/// layer in training, forward (W) and backward (dx = dy W: a layer of W^T).
void runDense(const DenseLayer& layer, const float* in, std::size_t rows, std::size_t in_stride, float* out,
              std::size_t out_stride, const Execution& exec);

/// The gradients of a dense layer's weight and bias from its input x [rows, in] and the
/// gradient dy [rows, out] of its output: dw [out][in] = dy^T x, db [out] = the sums of dy's
/// rows (db may be null). Rows are summed in fixed blocks, the blocks in order: the result does
/// not depend on the thread count.
void denseWeightGradient(const float* dy, std::size_t rows, std::size_t dy_stride, int out, const float* x,
                         std::size_t x_stride, int in, float* dw, float* db, const Execution& exec);

/// Training's LayerNorm (no affine parameters, eps 1e-5) and activation of rows h [rows, width]:
/// xhat = (h - mean) rstd, y = activation(xhat); xhat and rstd [rows] kept for the backward pass.
void normalizeAndActivateRows(const float* h, std::size_t rows, std::size_t width, Activation activation, float* y,
                              float* xhat, float* rstd, const Execution& exec);
/// Its backward pass: dh from dy, xhat and rstd.
void normalizeAndActivateRowsBackward(const float* dy, const float* xhat, const float* rstd, std::size_t rows,
                                      std::size_t width, Activation activation, float* dh, const Execution& exec);

/// y [rows, width] (a layer's products and bias, every row of a graph) finished in place with
/// the rows' own statistics: BatchNorm (`bn` empty: none; mean and biased variance of each column,
/// summed in double row after row, so independent of threads), then the activation.
void batchNormalizeAndActivate(float* y, std::size_t rows, std::size_t width, const BatchNorm& bn,
                               Activation activation, const Execution& exec);

/// out[i] = the messages of node i (sums over its edges, in edge order), for every node.
void runMessageSums(const NodeMessages<float>& messages, const EdgeList& edges, float* out, std::size_t out_stride,
                    const Execution& exec);
/// out[k, 0:width] = a[src k] + b[dst k] for every edge (rows a_stride, b_stride apart): the
/// first layer's node parts per edge, and the backward pass of runMessageSums.
void gatherPairSums(const float* a, std::size_t a_stride, const float* b, std::size_t b_stride, const EdgeList& edges,
                    std::size_t width, float* out, std::size_t out_stride, const Execution& exec);

/// Copies the first `width` columns of each row to another place (rows `*_stride` apart).
template <class T>
void copyColumns(const T* from, std::size_t rows, std::size_t width, std::size_t from_stride, T* to,
                 std::size_t to_stride, const Execution& exec);

}  // namespace efgnn::runtime

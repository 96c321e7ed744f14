#include "runtime/Kernels.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "runtime/ModelFile.hpp"
#include "runtime/Tiles.hpp"

namespace efgnn::runtime {
namespace {

using detail::load;
using detail::store;
using detail::Vec16;

/// Indices of the non-zero inputs x[0:k_count] into `out` (room for k_count + 16); returns their
/// number. AVX-512: compare 16 at a time and compress the indices in a register (a compressing
/// store to memory is slow on some CPUs); elsewhere without branches, since a ReLU's zeros fall
/// at random and a branch per input would be mispredicted half of the time.
int nonzeroPlain(const float* x, int k_count, int* out) {
  int n = 0;
  for (int k = 0; k < k_count; ++k) {
    out[n] = k;
    n += x[k] != 0.f;
  }
  return n;
}

__attribute__((target("avx512f"))) int nonzeroAvx512(const float* x, int k_count, int* out) {
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int n = 0, k = 0;
  for (; k + 16 <= k_count; k += 16) {
    const __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + k), _mm512_setzero_ps(), _CMP_NEQ_UQ);
    _mm512_storeu_si512(out + n, _mm512_maskz_compress_epi32(m, _mm512_add_epi32(iota, _mm512_set1_epi32(k))));
    n += __builtin_popcount(m);
  }
  const int tail = nonzeroPlain(x + k, k_count - k, out + n);
  for (int i = n; i < n + tail; ++i) out[i] += k;
  return n + tail;
}

const bool kAvx512 = __builtin_cpu_supports("avx512f");

/// Rows whose outputs are C x 16 wide: the accumulators stay in registers while the inputs
/// stream by, so each weight vector costs one load per row and non-zero input. The non-zero
/// inputs of a row go round-robin into kChains sets of accumulators, summed at the end: one set
/// would make every multiply-add wait for the previous one (a chain of latency 4), several keep
/// both FMA units busy. The order of the terms is fixed by the row alone, not by the threads.
template <int C>
__attribute__((always_inline)) inline void denseRowsVec16(const float* x, std::size_t x_stride, std::size_t rows,
                                                          const float* wt, std::size_t out, int k_count,
                                                          const float* bias, float* y, std::size_t y_stride) {
  constexpr int kChains = C >= 6 ? 2 : C >= 3 ? 4 : 8 / C;  // at most 24 accumulators
  int nonzero[1024 + 16];  // input widths are at most 4 hidden sizes; the caller checks 1024
  for (std::size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * x_stride;
    // Rows streamed from memory (states): asked for ahead, the hardware's own prefetching falls
    // short by ~10 % (measured on 222k rows of 96 inputs).
    if (r + detail::kPrefetchDistance < rows) detail::prefetch(xr + detail::kPrefetchDistance * x_stride, k_count);
    const int n = kAvx512 ? nonzeroAvx512(xr, k_count, nonzero) : nonzeroPlain(xr, k_count, nonzero);
    Vec16 acc[kChains][C];
    for (auto& chain : acc)
      for (auto& v : chain) v = Vec16{};
    const auto madd = [&](Vec16* a, int k) {
      const float v = xr[k];
      const float* w = wt + static_cast<std::size_t>(k) * out;
      for (int c = 0; c < C; ++c) a[c] += v * load(w + 16 * c);
    };
    int i = 0;
    for (; i + kChains <= n; i += kChains)
      for (int p = 0; p < kChains; ++p) madd(acc[p], nonzero[i + p]);
    for (int p = 0; i < n; ++i, ++p) madd(acc[p], nonzero[i]);
    for (int c = 0; c < C; ++c) {
      Vec16 sum = acc[0][c];
      for (int p = 1; p < kChains; ++p) sum += acc[p][c];
      if (bias) sum += load(bias + 16 * c);
      store(y + r * y_stride + 16 * c, sum);
    }
  }
}

/// y[r, 0:out] = (bias or 0) + x[r, 0:k_count] W[k_begin : k_begin + k_count]^T. Zero inputs
/// (most of them after a ReLU) are skipped: that is exact, and it is where the sparsity of
/// activations pays.
EFGNN_KERNEL void dense(const float* x, std::size_t x_stride, std::size_t rows, const DenseLayer& layer, int k_begin,
                        int k_count, bool with_bias, float* y, std::size_t y_stride) {
  const auto out = static_cast<std::size_t>(layer.out);
  const float* wt = layer.wt.data() + static_cast<std::size_t>(k_begin) * out;
  const float* bias = with_bias ? layer.bias.data() : nullptr;
  switch (k_count <= 1024 ? out : 0) {
    case 16:
      return denseRowsVec16<1>(x, x_stride, rows, wt, out, k_count, bias, y, y_stride);
    case 32:
      return denseRowsVec16<2>(x, x_stride, rows, wt, out, k_count, bias, y, y_stride);
    case 48:
      return denseRowsVec16<3>(x, x_stride, rows, wt, out, k_count, bias, y, y_stride);
    case 64:
      return denseRowsVec16<4>(x, x_stride, rows, wt, out, k_count, bias, y, y_stride);
    case 96:
      return denseRowsVec16<6>(x, x_stride, rows, wt, out, k_count, bias, y, y_stride);
    default:
      break;
  }
  for (std::size_t r = 0; r < rows; ++r) {
    float* __restrict yr = y + r * y_stride;
    const float* xr = x + r * x_stride;
    if (bias)
      std::memcpy(yr, bias, sizeof(float) * out);
    else
      std::fill(yr, yr + out, 0.f);
    for (int k = 0; k < k_count; ++k) {
      const float v = xr[k];
      if (v == 0.f) continue;
      const float* __restrict w = wt + static_cast<std::size_t>(k) * out;
#pragma omp simd
      for (std::size_t o = 0; o < out; ++o) yr[o] += v * w[o];
    }
  }
}

/// The sum of the 16 lanes, as a tree (halves, quarters, ...): 4 dependent additions instead
/// of 16 in a row, which made LayerNorm wait on their latency.
__attribute__((always_inline)) inline float horizontalSum(Vec16 v) {
  typedef float Vec8 __attribute__((vector_size(32)));
  typedef float Vec4 __attribute__((vector_size(16)));
  const Vec8 v8 = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                  __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  const Vec4 v4 = __builtin_shufflevector(v8, v8, 0, 1, 2, 3) + __builtin_shufflevector(v8, v8, 4, 5, 6, 7);
  return (v4[0] + v4[2]) + (v4[1] + v4[3]);
}

/// LayerNorm and activation of rows C x 16 wide, in registers.
template <int C>
__attribute__((always_inline)) inline void finishRowsVec16(float* y, std::size_t rows, std::size_t stride,
                                                           const MlpShape& shape) {
  for (std::size_t r = 0; r < rows; ++r) {
    Vec16 v[C];
    for (int c = 0; c < C; ++c) v[c] = load(y + r * stride + 16 * c);
    if (shape.layernorm) {
      Vec16 sum = v[0];
      for (int c = 1; c < C; ++c) sum += v[c];
      const float mean = horizontalSum(sum) / (16 * C);
      Vec16 squares{};
      for (int c = 0; c < C; ++c) {
        v[c] -= mean;
        squares += v[c] * v[c];
      }
      const float inv = 1.0f / std::sqrt(horizontalSum(squares) / (16 * C) + 1e-5f);
      for (int c = 0; c < C; ++c) v[c] *= inv;
    }
    if (shape.activation == Activation::ReLU) {
      for (int c = 0; c < C; ++c) v[c] = v[c] > 0 ? v[c] : Vec16{};
    } else {
      for (int c = 0; c < C; ++c)
        for (int i = 0; i < 16; ++i)
          v[c][i] = shape.activation == Activation::SiLU ? v[c][i] / (1.f + std::exp(-v[c][i])) : std::tanh(v[c][i]);
    }
    for (int c = 0; c < C; ++c) store(y + r * stride + 16 * c, v[c]);
  }
}

/// LayerNorm (no affine parameters, eps 1e-5, biased variance, as torch) and the activation, in
/// place, unless this is the last layer of an MLP that ends without them.
EFGNN_KERNEL void finish(float* y, std::size_t rows, int width, std::size_t stride, const MlpShape& shape, bool last) {
  if (last && !shape.activate_last) return;
  switch (width) {
    case 16:
      return finishRowsVec16<1>(y, rows, stride, shape);
    case 32:
      return finishRowsVec16<2>(y, rows, stride, shape);
    case 48:
      return finishRowsVec16<3>(y, rows, stride, shape);
    case 64:
      return finishRowsVec16<4>(y, rows, stride, shape);
    default:
      break;
  }
  for (std::size_t r = 0; r < rows; ++r) {
    float* v = y + r * stride;
    if (shape.layernorm) {
      float mean = 0, var = 0;
      for (int o = 0; o < width; ++o) mean += v[o];
      mean /= static_cast<float>(width);
      for (int o = 0; o < width; ++o) var += (v[o] - mean) * (v[o] - mean);
      const float inv = 1.0f / std::sqrt(var / static_cast<float>(width) + 1e-5f);
      for (int o = 0; o < width; ++o) v[o] = (v[o] - mean) * inv;
    }
    for (int o = 0; o < width; ++o) {
      switch (shape.activation) {
        case Activation::ReLU:
          v[o] = std::max(v[o], 0.f);
          break;
        case Activation::SiLU:
          v[o] = v[o] / (1.f + std::exp(-v[o]));
          break;
        case Activation::Tanh:
          v[o] = std::tanh(v[o]);
          break;
      }
    }
  }
}

/// Layers from `start` on, for a tile whose layer start-1 output is in `a` (row width = that
/// layer's out); the last layer writes to `out`. `b` is scratch of the same size as `a`.
void finishTile(const Mlp& mlp, std::size_t start, float* a, float* b, std::size_t rows, float* out,
                std::size_t out_stride) {
  const std::size_t n_layers = mlp.layers.size();
  if (start == n_layers) {  // the first layer was the last: its output is in a
    const auto width = static_cast<std::size_t>(mlp.layers.back().out);
    for (std::size_t r = 0; r < rows; ++r) std::memcpy(out + r * out_stride, a + r * width, sizeof(float) * width);
    return;
  }
  const float* src = a;
  std::size_t src_stride = static_cast<std::size_t>(mlp.layers[start - 1].out);
  for (std::size_t l = start; l < n_layers; ++l) {
    const DenseLayer& layer = mlp.layers[l];
    const bool last = l + 1 == n_layers;
    float* dst = last ? out : (src == a ? b : a);
    const std::size_t dst_stride = last ? out_stride : static_cast<std::size_t>(layer.out);
    dense(src, src_stride, rows, layer, 0, layer.in, true, dst, dst_stride);
    finish(dst, rows, layer.out, dst_stride, mlp.shape, last);
    src = dst;
    src_stride = dst_stride;
  }
}

/// The sum of the rows `edge[0..count)` of e into sum[0:16 C], the accumulators in registers.
template <int C, class T>
__attribute__((always_inline)) inline void sumRowsVec16(const T* e, std::size_t e_stride, const std::uint32_t* edge,
                                                        std::size_t count, float* sum) {
  Vec16 acc[C] = {};
  for (std::size_t j = 0; j < count; ++j) {
    const T* row = e + static_cast<std::size_t>(edge[j]) * e_stride;
    for (int c = 0; c < C; ++c) acc[c] += detail::loadRow(row + 16 * c);
  }
  for (int c = 0; c < C; ++c) store(sum + 16 * c, acc[c]);
}

/// The same for any width.
template <class T>
__attribute__((always_inline)) inline void sumRows(const T* e, std::size_t width, std::size_t e_stride,
                                                   const std::uint32_t* edge, std::size_t count, float* sum) {
  switch (width) {
    case 16:
      return sumRowsVec16<1>(e, e_stride, edge, count, sum);
    case 32:
      return sumRowsVec16<2>(e, e_stride, edge, count, sum);
    case 48:
      return sumRowsVec16<3>(e, e_stride, edge, count, sum);
    case 64:
      return sumRowsVec16<4>(e, e_stride, edge, count, sum);
    default:
      break;
  }
  std::fill(sum, sum + width, 0.f);
  for (std::size_t j = 0; j < count; ++j) {
    const T* row = e + static_cast<std::size_t>(edge[j]) * e_stride;
    for (std::size_t o = 0; o < width; ++o) sum[o] += row[o];
  }
}

/// sumMessages() in each kernel clone.
template <class T>
__attribute__((always_inline)) inline void sumMessagesOf(const NodeMessages<T>& m, const EdgeList& edges,
                                                         std::size_t r0, std::size_t n, float* sums, float* out,
                                                         std::size_t out_stride) {
  const std::size_t width = m.width;
  // Incoming edges' rows lie anywhere in e (outgoing ones mostly in order): the rows of the
  // node kPrefetchDistance ahead (next in this thread's run of tiles) are asked for while this
  // one is summed.
  const auto prefetchRows = [&](std::size_t i) {
    for (std::size_t j = edges.in_offsets[i]; j < edges.in_offsets[i + 1]; ++j)
      detail::prefetch(m.e + static_cast<std::size_t>(edges.in_edges[j]) * m.e_stride, width);
    for (std::size_t j = edges.out_offsets[i]; j < edges.out_offsets[i + 1]; ++j)
      detail::prefetch(m.e + static_cast<std::size_t>(edges.out_edges[j]) * m.e_stride, width);
  };
  for (std::size_t i = r0; i < r0 + n; ++i) {
    if (i + detail::kPrefetchDistance < edges.num_nodes) prefetchRows(i + detail::kPrefetchDistance);
    float* o = out + (i - r0) * out_stride;
    float* in_sum = m.separate ? o : sums;
    float* out_sum = m.separate ? o + width : sums + width;
    sumRows(m.e, width, m.e_stride, edges.in_edges.data() + edges.in_offsets[i],
            edges.in_offsets[i + 1] - edges.in_offsets[i], in_sum);
    sumRows(m.e, width, m.e_stride, edges.out_edges.data() + edges.out_offsets[i],
            edges.out_offsets[i + 1] - edges.out_offsets[i], out_sum);
    if (!m.separate)
      for (std::size_t c = 0; c < width; ++c) o[c] = in_sum[c] + out_sum[c];
  }
}

EFGNN_KERNEL void sumMessagesClone(const NodeMessages<float>& m, const EdgeList& edges, std::size_t r0, std::size_t n,
                                   float* sums, float* out, std::size_t out_stride) {
  sumMessagesOf(m, edges, r0, n, sums, out, out_stride);
}
EFGNN_KERNEL void sumMessagesClone(const NodeMessages<std::uint8_t>& m, const EdgeList& edges, std::size_t r0,
                                   std::size_t n, float* sums, float* out, std::size_t out_stride) {
  sumMessagesOf(m, edges, r0, n, sums, out, out_stride);
}

template <class Body>
void forTiles(std::size_t rows, const Execution& exec, std::size_t scratch, Body body) {
  detail::forTiles(rows, exec.tile, exec, scratch, body);
}

}  // namespace

Activation activationOf(const std::string& name, const std::string& source) {
  if (name == "ReLU") return Activation::ReLU;
  if (name == "SiLU") return Activation::SiLU;
  if (name == "Tanh") return Activation::Tanh;
  throw ModelFileError(source + ": activation '" + name + "': expected ReLU, SiLU or Tanh");
}

DenseLayer DenseLayer::fromRowMajor(const float* w, int out, int in, const float* b) {
  DenseLayer l;
  l.in = in;
  l.out = out;
  l.wt.resize(static_cast<std::size_t>(in) * static_cast<std::size_t>(out));
  for (int o = 0; o < out; ++o)
    for (int k = 0; k < in; ++k)
      l.wt[static_cast<std::size_t>(k) * static_cast<std::size_t>(out) + static_cast<std::size_t>(o)] =
          w[static_cast<std::size_t>(o) * static_cast<std::size_t>(in) + static_cast<std::size_t>(k)];
  l.bias.assign(b, b + out);
  return l;
}

EdgeMlp EdgeMlp::of(int edge_width, int node_width, Mlp mlp) {
  EdgeMlp m{edge_width, node_width, std::move(mlp), {}};
  const DenseLayer& first = m.mlp.layers.front();
  const auto h = static_cast<std::size_t>(first.out);
  DenseLayer& parts = m.node_parts;
  parts.in = node_width;
  parts.out = 2 * first.out;
  parts.wt.resize(static_cast<std::size_t>(node_width) * 2 * h);
  parts.bias.assign(2 * h, 0.f);
  for (std::size_t k = 0; k < static_cast<std::size_t>(node_width); ++k)
    for (std::size_t side = 0; side < 2; ++side)  // source rows, then target rows of W^T
      std::copy_n(first.wt.data() + (static_cast<std::size_t>(edge_width) + side * node_width + k) * h, h,
                  parts.wt.data() + k * 2 * h + side * h);
  return m;
}

int Mlp::width() const {
  int w = 0;
  for (const auto& l : layers) w = std::max(w, l.out);
  return w;
}

EdgeList::EdgeList(const std::int64_t* edge_index, std::size_t e, std::size_t n)
    : src(edge_index), dst(edge_index + e), num_edges(e), num_nodes(n) {
  const auto bucket = [&](const std::int64_t* node_of, std::vector<std::uint32_t>& offsets,
                          std::vector<std::uint32_t>& edges) {
    offsets.assign(n + 1, 0);
    for (std::size_t k = 0; k < e; ++k) ++offsets[static_cast<std::size_t>(node_of[k]) + 1];
    for (std::size_t i = 0; i < n; ++i) offsets[i + 1] += offsets[i];
    edges.resize(e);
    std::vector<std::uint32_t> next(offsets.begin(), offsets.end() - 1);
    for (std::size_t k = 0; k < e; ++k)
      edges[next[static_cast<std::size_t>(node_of[k])]++] = static_cast<std::uint32_t>(k);
  };
  bucket(dst, in_offsets, in_edges);
  bucket(src, out_offsets, out_edges);
}

void runMlp(const Mlp& mlp, const float* in, std::size_t rows, std::size_t in_stride, float* out,
            std::size_t out_stride, const Execution& exec) {
  const auto width = static_cast<std::size_t>(mlp.width());
  forTiles(rows, exec, width, [&](std::size_t first, std::size_t n, float* a, float* b) {
    const DenseLayer& layer = mlp.layers.front();
    dense(in + first * in_stride, in_stride, n, layer, 0, layer.in, true, a, static_cast<std::size_t>(layer.out));
    finish(a, n, layer.out, static_cast<std::size_t>(layer.out), mlp.shape, mlp.layers.size() == 1);
    finishTile(mlp, 1, a, b, n, out + first * out_stride, out_stride);
  });
}

void runEdgeMlp(const EdgeMlp& net, const float* e, std::size_t e_stride, const float* x, std::size_t x_stride,
                const EdgeList& edges, float* out, std::size_t out_stride, const Execution& exec) {
  const DenseLayer& first = net.mlp.layers.front();
  const auto h = static_cast<std::size_t>(first.out);
  // Node products [N, 2h]: x W_src^T and x W_dst^T (no bias). The buffer stays with the calling
  // thread between calls: fresh pages for every edge network cost more than the products.
  thread_local detail::Buffer buffer;
  float* const products = buffer.get(edges.num_nodes * 2 * h);  // by pointer: OpenMP threads have their own `buffer`
  forTiles(edges.num_nodes, exec, 0, [&](std::size_t r0, std::size_t n, float*, float*) {
    dense(x + r0 * x_stride, x_stride, n, net.node_parts, 0, net.node_width, false, products + r0 * 2 * h, 2 * h);
  });
  const auto width = static_cast<std::size_t>(net.mlp.width());
  forTiles(edges.num_edges, exec, width, [&](std::size_t k0, std::size_t n, float* a, float* b) {
    if (net.edge_width > 0)
      dense(e + k0 * e_stride, e_stride, n, first, 0, net.edge_width, true, a, h);
    else
      for (std::size_t t = 0; t < n; ++t) std::memcpy(a + t * h, first.bias.data(), sizeof(float) * h);
    for (std::size_t t = 0; t < n; ++t) {
      if (t + detail::kPrefetchDistance < n) {
        detail::prefetch(products + static_cast<std::size_t>(edges.src[k0 + t + detail::kPrefetchDistance]) * 2 * h, h);
        detail::prefetch(products + static_cast<std::size_t>(edges.dst[k0 + t + detail::kPrefetchDistance]) * 2 * h + h,
                         h);
      }
      float* __restrict row = a + t * h;
      const float* ps = products + static_cast<std::size_t>(edges.src[k0 + t]) * 2 * h;
      const float* pd = products + static_cast<std::size_t>(edges.dst[k0 + t]) * 2 * h + h;
#pragma omp simd
      for (std::size_t o = 0; o < h; ++o) row[o] += ps[o] + pd[o];
    }
    finish(a, n, first.out, h, net.mlp.shape, net.mlp.layers.size() == 1);
    finishTile(net.mlp, 1, a, b, n, out + k0 * out_stride, out_stride);
  });
}

template <class T>
void sumMessages(const NodeMessages<T>& m, const EdgeList& edges, std::size_t r0, std::size_t n, float* sums,
                 float* out, std::size_t out_stride) {
  sumMessagesClone(m, edges, r0, n, sums, out, out_stride);
}
template void sumMessages(const NodeMessages<float>&, const EdgeList&, std::size_t, std::size_t, float*, float*,
                          std::size_t);
template void sumMessages(const NodeMessages<std::uint8_t>&, const EdgeList&, std::size_t, std::size_t, float*,
                          float*, std::size_t);

void runNodeMlp(const Mlp& mlp, const NodeMessages<float>& messages, const EdgeList& edges, float* x,
                std::size_t x_stride, const Execution& exec) {
  const DenseLayer& first = mlp.layers.front();
  // The node network's input: [messages, state] (the readers check its width).
  const std::size_t columns = messages.columns(), in = static_cast<std::size_t>(first.in);
  const std::size_t state = in - columns;
  // a: the tile's input rows [messages, state]; b: the sums' scratch, then the first layer's
  // outputs; then both alternate through the layers.
  const std::size_t scratch = std::max({in, static_cast<std::size_t>(mlp.width()), 2 * messages.width});
  forTiles(edges.num_nodes, exec, scratch, [&](std::size_t r0, std::size_t n, float* a, float* b) {
    sumMessages(messages, edges, r0, n, b, a, in);
    for (std::size_t r = 0; r < n; ++r) std::memcpy(a + r * in + columns, x + (r0 + r) * x_stride, sizeof(float) * state);
    dense(a, in, n, first, 0, first.in, true, b, static_cast<std::size_t>(first.out));
    finish(b, n, first.out, static_cast<std::size_t>(first.out), mlp.shape, mlp.layers.size() == 1);
    finishTile(mlp, 1, b, a, n, x + r0 * x_stride, x_stride);
  });
}

template <class T>
void copyColumns(const T* from, std::size_t rows, std::size_t width, std::size_t from_stride, T* to,
                 std::size_t to_stride, const Execution& exec) {
  forTiles(rows, exec, 0, [&](std::size_t r0, std::size_t n, float*, float*) {
    for (std::size_t r = r0; r < r0 + n; ++r)
      std::memcpy(to + r * to_stride, from + r * from_stride, sizeof(T) * width);
  });
}
template void copyColumns(const float*, std::size_t, std::size_t, std::size_t, float*, std::size_t, const Execution&);
template void copyColumns(const std::uint8_t*, std::size_t, std::size_t, std::size_t, std::uint8_t*, std::size_t,
                          const Execution&);

}  // namespace efgnn::runtime

// The float kernels of one instruction set (Lanes.hpp): this file is compiled once per set.
#include "runtime/Kernels.hpp"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

#include "runtime/IntegerKernels.hpp"
#include "runtime/Tiles.hpp"

// Last, in a block of its own (so that include sorting keeps it last): what follows is compiled
// for the instruction set, and the inline functions of the headers above are not (the linker
// keeps one copy of each, which must run on every CPU).
#include "runtime/Lanes.hpp"

namespace efgnn::runtime::EFGNN_ISA {
#include "runtime/IsaKernels.hpp"

namespace {

using simd::kLanes;
using simd::kRegisters;
using simd::load;
using simd::store;
using simd::Vec;

/// What a dense layer does to its rows after the multiply-adds, in registers: add the bias and,
/// in an edge network's first layer, the node products of the row's edge (the source part of
/// products[src[r]], the target part of products[dst[r]], [N, 2 out] as EdgeMlp::node_parts
/// computes them), then LayerNorm and activation (shape; null: neither).
struct RowFinish {
  const float* bias = nullptr;
  const MlpShape* shape = nullptr;
  const float* products = nullptr;
  const std::int64_t *src = nullptr, *dst = nullptr;

  /// Row r's source and target parts, for a layer of `out` outputs.
  std::pair<const float*, const float*> productRows(std::size_t r, std::size_t out) const {
    return {products + static_cast<std::size_t>(src[r]) * 2 * out,
            products + static_cast<std::size_t>(dst[r]) * 2 * out + out};
  }
};

/// A dense layer's input rows: columns [0, split) from `x`, the others from `rest` (a node
/// network reads its messages from the tile and its state where it lies, without copying it).
struct InputRows {
  const float* x;
  std::size_t stride;
  const float* rest = nullptr;
  std::size_t rest_stride = 0;
  int split = std::numeric_limits<int>::max();

  /// Calls f(x, stride, first column, columns) for the parts of columns [0, k_count).
  template <class F>
  __attribute__((always_inline)) void forParts(int k_count, F f) const {
    f(x, stride, 0, std::min(split, k_count));
    if (split < k_count) f(rest, rest_stride, split, k_count - split);
  }
};

/// Indices of the inputs that are non-zero in row a or row b (x[0:k_count] each) into `out`
/// (room for k_count + 16); returns their number. AVX-512: compare 16 at a time and compress the
/// indices in a register (a compressing store to memory is slow on some CPUs); AVX2: compare 8
/// at a time and store the indices of the mask's set bits from a table; elsewhere without
/// branches, since a ReLU's zeros fall at random and a branch per input would be mispredicted
/// half of the time (and one compare per input took a third of the dense layers' time).
int nonzeroPlain(const float* a, const float* b, int k_count, int* out) {
  int n = 0;
  for (int k = 0; k < k_count; ++k) {
    out[n] = k;
    n += (a[k] != 0.f) | (b[k] != 0.f);
  }
  return n;
}

#if EFGNN_LANES == 16
int nonzero(const float* a, const float* b, int k_count, int* out) {
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int n = 0, k = 0;
  for (; k + 16 <= k_count; k += 16) {
    const __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(a + k), _mm512_setzero_ps(), _CMP_NEQ_UQ) |
                        _mm512_cmp_ps_mask(_mm512_loadu_ps(b + k), _mm512_setzero_ps(), _CMP_NEQ_UQ);
    _mm512_storeu_si512(out + n, _mm512_maskz_compress_epi32(m, _mm512_add_epi32(iota, _mm512_set1_epi32(k))));
    n += __builtin_popcount(m);
  }
  const int tail = nonzeroPlain(a + k, b + k, k_count - k, out + n);
  for (int i = n; i < n + tail; ++i) out[i] += k;
  return n + tail;
}
#elif EFGNN_LANES == 8
/// For each 8-bit mask, the positions of its set bits in ascending order.
constexpr auto kSetBits = [] {
  std::array<std::array<std::int32_t, 8>, 256> t{};
  for (int m = 0; m < 256; ++m)
    for (int bit = 0, n = 0; bit < 8; ++bit)
      if (m >> bit & 1) t[static_cast<std::size_t>(m)][static_cast<std::size_t>(n++)] = bit;
  return t;
}();

int nonzero(const float* a, const float* b, int k_count, int* out) {
  int n = 0, k = 0;
  for (; k + 8 <= k_count; k += 8) {
    const __m256 zero = _mm256_setzero_ps();
    const int m = _mm256_movemask_ps(_mm256_or_ps(_mm256_cmp_ps(_mm256_loadu_ps(a + k), zero, _CMP_NEQ_UQ),
                                                  _mm256_cmp_ps(_mm256_loadu_ps(b + k), zero, _CMP_NEQ_UQ)));
    const __m256i bits =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kSetBits[static_cast<std::size_t>(m)].data()));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + n), _mm256_add_epi32(bits, _mm256_set1_epi32(k)));
    n += __builtin_popcount(static_cast<unsigned>(m));
  }
  const int tail = nonzeroPlain(a + k, b + k, k_count - k, out + n);
  for (int i = n; i < n + tail; ++i) out[i] += k;
  return n + tail;
}
#else
int nonzero(const float* a, const float* b, int k_count, int* out) { return nonzeroPlain(a, b, k_count, out); }
#endif

/// v[B] + ... + v[E - 1] as a tree: log2(E - B) dependent additions instead of E - B - 1 in a
/// row (LayerNorm waits on their latency).
template <int B, int E, int C>
__attribute__((always_inline)) inline Vec treeSum(const Vec (&v)[C]) {
  if constexpr (E - B == 1) {
    return v[B];
  } else {
    constexpr int M = B + (E - B) / 2;
    return treeSum<B, M>(v) + treeSum<M, E>(v);
  }
}

float activate(float v, Activation a) {
  switch (a) {
    case Activation::ReLU:
      return std::max(v, 0.f);
    case Activation::SiLU:
      return v / (1.f + std::exp(-v));
    case Activation::Tanh:
      return std::tanh(v);
    case Activation::None:
      return v;
  }
  return v;
}

/// f.template operator()<C>() where `width` is C whole vectors, for the widths the register-
/// blocked kernels are instantiated for (16 to 128 floats) whose C is at most kMaxVectors;
/// false where there is none (the caller's plain loop then).
template <int kMaxVectors, class F>
__attribute__((always_inline)) inline bool withWholeVectors(std::size_t width, F f) {
  const auto one = [&]<std::size_t kWidth>() __attribute__((always_inline)) {
    constexpr int C = kWidth / kLanes;
    if constexpr (kWidth % kLanes == 0 && C <= kMaxVectors) {
      if (width != kWidth) return false;
      f.template operator()<C>();
      return true;
    }
    return false;
  };
  return one.template operator()<16>() || one.template operator()<32>() || one.template operator()<48>() ||
         one.template operator()<64>() || one.template operator()<96>() || one.template operator()<128>();
}

/// LayerNorm (no affine parameters, eps 1e-5, biased variance, as torch) and the activation of
/// a row of C x kLanes values in registers.
template <int C>
__attribute__((always_inline)) inline void normalizeAndActivate(Vec (&v)[C], const MlpShape& shape) {
  if (shape.layernorm) {
    // Mean and variance as vectors with the value in every lane, from sums as trees: the
    // row's chain of dependent steps is what a row's LayerNorm costs (each step a few cycles
    // of latency, the multiply-adds of the next rows waiting behind them).
    constexpr float kInverseCount = 1.f / (kLanes * C);
    const Vec mean = simd::sumOfLanes(treeSum<0, C>(v)) * kInverseCount;
    Vec squares[C];
    for (int c = 0; c < C; ++c) {
      v[c] -= mean;
      squares[c] = v[c] * v[c];
    }
    const Vec variance = simd::sumOfLanes(treeSum<0, C>(squares)) * kInverseCount;
    const Vec inv = 1.0f / simd::sqrt(variance + 1e-5f);
    for (int c = 0; c < C; ++c) v[c] *= inv;
  }
  if (shape.activation == Activation::ReLU) {
    for (int c = 0; c < C; ++c) v[c] = simd::relu(v[c]);
  } else if (shape.activation != Activation::None) {
    // Lane by lane in an array of their own: lanes of v[] addressed one at a time would keep v[]
    // in memory for the ReLU path too.
    float lanes[kLanes * C];
    for (int c = 0; c < C; ++c) store(lanes + kLanes * c, v[c]);
    for (float& x : lanes) x = activate(x, shape.activation);
    for (int c = 0; c < C; ++c) v[c] = load(lanes + kLanes * c);
  }
}

/// Rows whose outputs are C x kLanes wide, two rows at a time: the accumulators stay in registers
/// while the inputs non-zero in either row stream by, and each weight vector, loaded once into
/// a register, serves both rows; the rows are finished (RowFinish) in registers too. One row at
/// a time needed a weight load per multiply-add, and a CPU that loads one 512-bit vector per
/// cycle (Zen 4) then also had to fit the inputs' loads in: 5.7 instead of 3 cycles per input
/// and row. An input zero in one of the two rows adds an exact zero to it, so a row's sum, its
/// terms in input order, is the same whatever its partner (which changes with the tile size):
/// results do not depend on tiles or threads. (Round-robin sets of accumulators, one way to
/// hide the multiply-add latency in one-vector rows, would make the order depend on the
/// partner.)
template <int C>
__attribute__((always_inline)) inline void denseRows(const InputRows& in, std::size_t rows, const float* wt,
                                                     std::size_t wt_stride, int k_count, const RowFinish& fin, float* y,
                                                     std::size_t y_stride) {
  constexpr std::size_t out = kLanes * C;
  constexpr std::size_t ahead = detail::kPrefetchDistance;
  int nonzero_inputs[1024 + 16];  // input widths are at most 4 hidden sizes; the caller checks 1024
  for (std::size_t r = 0; r < rows; r += 2) {
    const bool pair = r + 1 < rows;  // an odd last row pairs with itself
    // Rows streamed from memory (states) and gathered at random (node products) are asked for
    // ahead: the hardware's own prefetching falls short on the first.
    for (std::size_t q = r + ahead; q < std::min(r + ahead + 2, rows); ++q) {
      in.forParts(k_count, [&](const float* x, std::size_t stride, int, int count) {
        if (count > 0) detail::prefetch(x + q * stride, static_cast<std::size_t>(count));
      });
      if (fin.products) {
        const auto [ps, pd] = fin.productRows(q, out);
        detail::prefetch(ps, out);
        detail::prefetch(pd, out);
      }
    }
    Vec acc[2][C];
    for (auto& row : acc)
      for (auto& v : row) v = Vec{};
    in.forParts(k_count, [&](const float* x, std::size_t stride, int begin, int count) {
      const float* xa = x + r * stride;
      const float* xb = pair ? xa + stride : xa;
      const int n = nonzero(xa, xb, count, nonzero_inputs);
      const float* w0 = wt + static_cast<std::size_t>(begin) * wt_stride;
      for (int i = 0; i < n; ++i) {
        const int k = nonzero_inputs[i];
        const float va = xa[k], vb = xb[k];
        const float* w = w0 + static_cast<std::size_t>(k) * wt_stride;
        for (int c = 0; c < C; ++c) {
          // Loaded once: GCC would otherwise fold the load into both multiply-adds, loading
          // the vector twice, which is what pairing the rows is meant to save.
          const Vec wc = simd::loadHere(w + kLanes * c);
          acc[0][c] += va * wc;
          acc[1][c] += vb * wc;
        }
      }
    });
    // Each row by itself, with its accumulators named at compile time (a loop over the two
    // rows sent them through the stack).
    const auto finishRow = [&](auto row) __attribute__((always_inline)) {
      Vec v[C];
      for (int c = 0; c < C; ++c) v[c] = fin.bias ? acc[row][c] + load(fin.bias + kLanes * c) : acc[row][c];
      if (fin.products) {
        const auto [ps, pd] = fin.productRows(r + row, out);
        for (int c = 0; c < C; ++c) v[c] += load(ps + kLanes * c) + load(pd + kLanes * c);
      }
      if (fin.shape) normalizeAndActivate(v, *fin.shape);
      for (int c = 0; c < C; ++c) store(y + (r + row) * y_stride + kLanes * c, v[c]);
    };
    finishRow(std::integral_constant<int, 0>{});
    if (pair) finishRow(std::integral_constant<int, 1>{});
  }
}

/// y[r, 0:out] = finished(x[r, 0:k_count] W[k_begin : k_begin + k_count]^T). Zero inputs (most
/// of them after a ReLU) are skipped: that is exact, and it is where the sparsity of
/// activations pays.
void dense(const InputRows& in, std::size_t rows, const DenseLayer& layer, int k_count, const RowFinish& fin, float* y,
           std::size_t y_stride) {
  const auto out = static_cast<std::size_t>(layer.out);
  const float* wt = layer.wt.data();
  // Rows of whole vectors whose two rows' accumulators, a weight vector and the two inputs fit in
  // the registers, in one block of columns; rows finished by their bias alone (node parts, the
  // training's products) and too wide, in blocks of columns, each a pass over the inputs (a
  // row's sums, inputs in order, are the same whatever the blocks). The others by the plain loop
  // below.
  constexpr int kMaxVectors = (kRegisters - 3) / 2;
  const bool blocks = !fin.products && !fin.shape;
  if (k_count <= 1024)
    for (const std::size_t block : {out, std::size_t{96}, std::size_t{64}, std::size_t{48}, std::size_t{32},
                                    std::size_t{16}}) {
      if (block != out && (!blocks || block > out || out % block != 0)) continue;
      if (withWholeVectors<kMaxVectors>(
              block, [&]<int C>() __attribute__((always_inline)) {
                for (std::size_t col = 0; col < out; col += block) {
                  RowFinish part = fin;
                  if (part.bias) part.bias += col;
                  denseRows<C>(in, rows, wt + col, out, k_count, part, y + col, y_stride);
                }
              }))
        return;
    }
  for (std::size_t r = 0; r < rows; ++r) {
    float* __restrict yr = y + r * y_stride;
    if (fin.bias)
      std::memcpy(yr, fin.bias, sizeof(float) * out);
    else
      std::fill(yr, yr + out, 0.f);
    in.forParts(k_count, [&](const float* x, std::size_t stride, int begin, int count) {
      const float* xr = x + r * stride;
      for (int k = 0; k < count; ++k) {
        const float v = xr[k];
        if (v == 0.f) continue;
        const float* __restrict w = wt + static_cast<std::size_t>(begin + k) * out;
#pragma omp simd
        for (std::size_t o = 0; o < out; ++o) yr[o] += v * w[o];
      }
    });
    if (fin.products) {
      const auto [ps, pd] = fin.productRows(r, out);
      for (std::size_t o = 0; o < out; ++o) yr[o] += ps[o] + pd[o];
    }
    if (!fin.shape) continue;
    if (fin.shape->layernorm) {
      float mean = 0, var = 0;
      for (std::size_t o = 0; o < out; ++o) mean += yr[o];
      mean /= static_cast<float>(out);
      for (std::size_t o = 0; o < out; ++o) var += (yr[o] - mean) * (yr[o] - mean);
      const float inv = 1.0f / std::sqrt(var / static_cast<float>(out) + 1e-5f);
      for (std::size_t o = 0; o < out; ++o) yr[o] = (yr[o] - mean) * inv;
    }
    for (std::size_t o = 0; o < out; ++o) yr[o] = activate(yr[o], fin.shape->activation);
  }
}

/// How an MLP's layer `l` is finished: its bias, then LayerNorm and activation unless it is the
/// last layer of an MLP that ends without them.
RowFinish finishOf(const Mlp& mlp, std::size_t l) {
  const bool last = l + 1 == mlp.layers.size();
  if (!last) return RowFinish{mlp.layers[l].bias.data(), &mlp.shape};
  return RowFinish{mlp.layers[l].bias.data(), mlp.shape.activate_last ? &mlp.last_shape : nullptr};
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
    dense({src, src_stride}, rows, layer, layer.in, finishOf(mlp, l), dst, dst_stride);
    src = dst;
    src_stride = dst_stride;
  }
}

/// The sum of the rows `edge[0..count)` of e into sum[0:kLanes C], the accumulators in registers.
template <int C, class T>
__attribute__((always_inline)) inline void sumRowsOf(const T* e, std::size_t e_stride, const std::uint32_t* edge,
                                                     std::size_t count, float* sum) {
  Vec acc[C] = {};
  for (std::size_t j = 0; j < count; ++j) {
    const T* row = e + static_cast<std::size_t>(edge[j]) * e_stride;
    for (int c = 0; c < C; ++c) acc[c] += simd::loadRow(row + kLanes * c);
  }
  for (int c = 0; c < C; ++c) store(sum + kLanes * c, acc[c]);
}

/// The same for any width.
template <class T>
__attribute__((always_inline)) inline void sumRows(const T* e, std::size_t width, std::size_t e_stride,
                                                   const std::uint32_t* edge, std::size_t count, float* sum) {
  // Whole vectors, the accumulators in registers (at most half of them).
  if (withWholeVectors<kRegisters / 2>(
          width, [&]<int C>() __attribute__((always_inline)) { sumRowsOf<C>(e, e_stride, edge, count, sum); }))
    return;
  std::fill(sum, sum + width, 0.f);
  for (std::size_t j = 0; j < count; ++j) {
    const T* row = e + static_cast<std::size_t>(edge[j]) * e_stride;
    for (std::size_t o = 0; o < width; ++o) sum[o] += row[o];
  }
}

/// sumMessages() of float or byte rows.
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

template <class Body>
void forTiles(std::size_t rows, const Execution& exec, std::size_t scratch, Body body) {
  detail::forTiles(rows, exec.tile, exec, scratch, body);
}

}  // namespace

void runMlp(const Mlp& mlp, const float* in, std::size_t rows, std::size_t in_stride, float* out,
            std::size_t out_stride, const Execution& exec) {
  const auto width = static_cast<std::size_t>(mlp.width());
  forTiles(rows, exec, width, [&](std::size_t first, std::size_t n, float* a, float* b) {
    const DenseLayer& layer = mlp.layers.front();
    dense({in + first * in_stride, in_stride}, n, layer, layer.in, finishOf(mlp, 0), a,
          static_cast<std::size_t>(layer.out));
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
    dense({x + r0 * x_stride, x_stride}, n, net.node_parts, net.node_width, {}, products + r0 * 2 * h, 2 * h);
  });
  const auto width = static_cast<std::size_t>(net.mlp.width());
  forTiles(edges.num_edges, exec, width, [&](std::size_t k0, std::size_t n, float* a, float* b) {
    // The edge part of the first layer, plus the gathered node parts (e is null without edge
    // features: then no inputs).
    RowFinish fin = finishOf(net.mlp, 0);
    fin.products = products;
    fin.src = edges.src + k0;
    fin.dst = edges.dst + k0;
    dense({e ? e + k0 * e_stride : nullptr, e_stride}, n, first, net.edge_width, fin, a, h);
    finishTile(net.mlp, 1, a, b, n, out + k0 * out_stride, out_stride);
  });
}

void sumMessages(const NodeMessages<float>& m, const EdgeList& edges, std::size_t r0, std::size_t n, float* sums,
                 float* out, std::size_t out_stride) {
  sumMessagesOf(m, edges, r0, n, sums, out, out_stride);
}
void sumMessages(const NodeMessages<std::uint8_t>& m, const EdgeList& edges, std::size_t r0, std::size_t n, float* sums,
                 float* out, std::size_t out_stride) {
  sumMessagesOf(m, edges, r0, n, sums, out, out_stride);
}

void runNodeMlp(const Mlp& mlp, const NodeMessages<float>& messages, const EdgeList& edges, float* x,
                std::size_t x_stride, const Execution& exec) {
  const DenseLayer& first = mlp.layers.front();
  // The node network's input: [messages, state] (the readers check its width).
  const std::size_t columns = messages.columns();
  // a: the tile's messages (the state is read where it lies); b: the sums' scratch, then the
  // first layer's outputs; then both alternate through the layers.
  const std::size_t scratch = std::max({columns, static_cast<std::size_t>(mlp.width()), 2 * messages.width});
  forTiles(edges.num_nodes, exec, scratch, [&](std::size_t r0, std::size_t n, float* a, float* b) {
    sumMessages(messages, edges, r0, n, b, a, columns);
    const InputRows rows{a, columns, x + r0 * x_stride, x_stride, static_cast<int>(columns)};
    dense(rows, n, first, first.in, finishOf(mlp, 0), b, static_cast<std::size_t>(first.out));
    finishTile(mlp, 1, b, a, n, x + r0 * x_stride, x_stride);
  });
}

void batchNormalizeAndActivate(float* y, std::size_t rows, std::size_t width, const BatchNorm& bn,
                               Activation activation, const Execution& exec) {
  std::vector<float> scale(width, 1.f), shift(width, 0.f);
  if (!bn.weight.empty() && rows > 0) {
    std::vector<double> mean(width, 0.0), squares(width, 0.0);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < width; ++c) mean[c] += y[r * width + c];
    for (auto& m : mean) m /= static_cast<double>(rows);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < width; ++c) {
        const double d = y[r * width + c] - mean[c];
        squares[c] += d * d;
      }
    for (std::size_t c = 0; c < width; ++c) {
      const double inv = 1.0 / std::sqrt(squares[c] / static_cast<double>(rows) + bn.eps);
      scale[c] = static_cast<float>(bn.weight[c] * inv);
      shift[c] = static_cast<float>(bn.bias[c] - mean[c] * bn.weight[c] * inv);
    }
  }
  forTiles(rows, exec, 0, [&](std::size_t first, std::size_t n, float*, float*) {
    for (std::size_t r = first; r < first + n; ++r)
      for (std::size_t c = 0; c < width; ++c) y[r * width + c] = activate(y[r * width + c] * scale[c] + shift[c], activation);
  });
}

void runDense(const DenseLayer& layer, const float* in, std::size_t rows, std::size_t in_stride, float* out,
              std::size_t out_stride, const Execution& exec) {
  const RowFinish fin{layer.bias.empty() ? nullptr : layer.bias.data()};
  forTiles(rows, exec, 0, [&](std::size_t first, std::size_t n, float*, float*) {
    dense({in + first * in_stride, in_stride}, n, layer, layer.in, fin, out + first * out_stride, out_stride);
  });
}

namespace {

/// sums[k, 0:kLanes C] += sum over the rows of x[r, k0 + j] dy[r, 0:kLanes C] for j < K (sums
/// [in][out], rows of `out`): K inputs by C vectors of outputs in registers, each row's dy loaded
/// once for the K inputs.
template <int C, int K>
__attribute__((always_inline)) inline void gradientRows(const float* dy, std::size_t dy_stride, const float* x,
                                                        std::size_t x_stride, std::size_t rows, std::size_t k0,
                                                        std::size_t out, float* sums) {
  Vec acc[K][C];
  for (int j = 0; j < K; ++j)
    for (int c = 0; c < C; ++c) acc[j][c] = load(sums + (k0 + j) * out + kLanes * c);
  for (std::size_t r = 0; r < rows; ++r) {
    Vec d[C];
    for (int c = 0; c < C; ++c) d[c] = load(dy + r * dy_stride + kLanes * c);
    const float* xr = x + r * x_stride + k0;
    for (int j = 0; j < K; ++j)
      for (int c = 0; c < C; ++c) acc[j][c] += xr[j] * d[c];
  }
  for (int j = 0; j < K; ++j)
    for (int c = 0; c < C; ++c) store(sums + (k0 + j) * out + kLanes * c, acc[j][c]);
}

/// The weight-gradient sums of one block of rows: sums[k][n] += x[r, k] dy[r, n], in row order.
void gradientBlock(const float* dy, std::size_t dy_stride, std::size_t out, const float* x, std::size_t x_stride,
                   std::size_t in, std::size_t rows, float* sums) {
  // Inputs a few at a time against every output, the rows in tiles whose inputs stay in the
  // cache while each group of inputs passes over them.
  constexpr std::size_t kTile = 256;
  for (std::size_t r0 = 0; r0 < rows; r0 += kTile) {
    const std::size_t n = std::min(kTile, rows - r0);
    const float* dyt = dy + r0 * dy_stride;
    const float* xt = x + r0 * x_stride;
    const bool vectorised = withWholeVectors<kRegisters / 2>(out, [&]<int C>() __attribute__((always_inline)) {
      constexpr int kInputs = std::max(1, std::min(8, (kRegisters - 1 - C) / C));
      std::size_t k = 0;
      for (; k + kInputs <= in; k += kInputs) gradientRows<C, kInputs>(dyt, dy_stride, xt, x_stride, n, k, out, sums);
      for (; k < in; ++k) gradientRows<C, 1>(dyt, dy_stride, xt, x_stride, n, k, out, sums);
    });
    if (vectorised) continue;
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t k = 0; k < in; ++k) {
        const float v = xt[r * x_stride + k];
        float* __restrict s = sums + k * out;
        const float* __restrict d = dyt + r * dy_stride;
        for (std::size_t o = 0; o < out; ++o) s[o] += v * d[o];
      }
  }
}

}  // namespace

void denseWeightGradient(const float* dy, std::size_t rows, std::size_t dy_stride, int out, const float* x,
                         std::size_t x_stride, int in, float* dw, float* db, const Execution& exec) {
  const auto n_out = static_cast<std::size_t>(out), n_in = static_cast<std::size_t>(in);
  // Blocks of rows of a fixed size, each summed by one thread, then the blocks' sums added in
  // block order: the result does not depend on the thread count.
  constexpr std::size_t kBlockRows = 2048;
  const std::size_t blocks = std::max<std::size_t>(1, (rows + kBlockRows - 1) / kBlockRows);
  const std::size_t per_block = n_in * n_out + n_out;  // [in][out] weight sums, then [out] bias sums
  thread_local detail::Buffer buffer;
  float* const partial = buffer.get(blocks * per_block);
  const auto block_count = static_cast<std::ptrdiff_t>(blocks);
#pragma omp parallel for schedule(static) num_threads(detail::threadsOf(exec))
  for (std::ptrdiff_t b = 0; b < block_count; ++b) {
    float* sums = partial + static_cast<std::size_t>(b) * per_block;
    std::fill(sums, sums + per_block, 0.f);
    const std::size_t r0 = static_cast<std::size_t>(b) * kBlockRows;
    const std::size_t n = rows > r0 ? std::min(kBlockRows, rows - r0) : 0;
    gradientBlock(dy + r0 * dy_stride, dy_stride, n_out, x + r0 * x_stride, x_stride, n_in, n, sums);
    float* bias_sums = sums + n_in * n_out;
    for (std::size_t r = r0; r < r0 + n; ++r)
      for (std::size_t o = 0; o < n_out; ++o) bias_sums[o] += dy[r * dy_stride + o];
  }
  const auto elements = static_cast<std::ptrdiff_t>(per_block);
#pragma omp parallel for schedule(static) num_threads(detail::threadsOf(exec))
  for (std::ptrdiff_t i = 0; i < elements; ++i) {
    float total = 0.f;
    for (std::size_t b = 0; b < blocks; ++b) total += partial[b * per_block + static_cast<std::size_t>(i)];
    const auto at = static_cast<std::size_t>(i);
    if (at < n_in * n_out)
      dw[(at % n_out) * n_in + at / n_out] = total;  // sums are [in][out], dw is [out][in]
    else if (db)
      db[at - n_in * n_out] = total;
  }
}

namespace {

/// The activation's derivative at z (ReLU's at 0 taken as 0, as LibTorch's).
float activationDerivative(float z, Activation a) {
  switch (a) {
    case Activation::ReLU:
      return z > 0.f ? 1.f : 0.f;
    case Activation::SiLU: {
      const float s = 1.f / (1.f + std::exp(-z));
      return s * (1.f + z * (1.f - s));
    }
    case Activation::Tanh: {
      const float t = std::tanh(z);
      return 1.f - t * t;
    }
    case Activation::None:
      return 1.f;
  }
  return 1.f;
}

/// One row of normalizeAndActivateRows with its C x kLanes values in registers: sums as trees,
/// as normalizeAndActivate.
template <int C>
__attribute__((always_inline)) inline void normalizeAndActivateRow(const float* h, Activation activation, float* y,
                                                                   float* xhat, float* rstd) {
  constexpr float kInverseCount = 1.f / (kLanes * C);
  Vec v[C], squares[C];
  for (int c = 0; c < C; ++c) v[c] = load(h + kLanes * c);
  const Vec mean = simd::sumOfLanes(treeSum<0, C>(v)) * kInverseCount;
  for (int c = 0; c < C; ++c) {
    v[c] -= mean;
    squares[c] = v[c] * v[c];
  }
  const Vec inv = 1.0f / simd::sqrt(simd::sumOfLanes(treeSum<0, C>(squares)) * kInverseCount + 1e-5f);
  *rstd = inv[0];
  for (int c = 0; c < C; ++c) {
    v[c] *= inv;
    store(xhat + kLanes * c, v[c]);
  }
  if (activation == Activation::ReLU) {
    for (int c = 0; c < C; ++c) store(y + kLanes * c, simd::relu(v[c]));
  } else {
    for (int c = 0; c < kLanes * C; ++c) y[c] = activate(xhat[c], activation);
  }
}

/// The backward pass of one such row: g = dy act'(xhat), dh = rstd (g - mean(g) - xhat mean(g xhat)).
template <int C>
__attribute__((always_inline)) inline void normalizeAndActivateRowBackward(const float* dy, const float* xhat,
                                                                           float rstd, Activation activation,
                                                                           float* dh) {
  constexpr float kInverseCount = 1.f / (kLanes * C);
  Vec g[C], x[C], products[C];
  for (int c = 0; c < C; ++c) {
    x[c] = load(xhat + kLanes * c);
    g[c] = load(dy + kLanes * c);
  }
  if (activation == Activation::ReLU) {
    for (int c = 0; c < C; ++c) g[c] = x[c] > 0.f ? g[c] : Vec{};
  } else {
    float lanes[kLanes * C];
    for (int c = 0; c < C; ++c) store(lanes + kLanes * c, g[c]);
    for (int k = 0; k < kLanes * C; ++k) lanes[k] *= activationDerivative(xhat[k], activation);
    for (int c = 0; c < C; ++c) g[c] = load(lanes + kLanes * c);
  }
  for (int c = 0; c < C; ++c) products[c] = g[c] * x[c];
  const Vec mean = simd::sumOfLanes(treeSum<0, C>(g)) * kInverseCount;
  const Vec mean_product = simd::sumOfLanes(treeSum<0, C>(products)) * kInverseCount;
  for (int c = 0; c < C; ++c) store(dh + kLanes * c, rstd * (g[c] - mean - x[c] * mean_product));
}

}  // namespace

void normalizeAndActivateRows(const float* h, std::size_t rows, std::size_t width, Activation activation, float* y,
                              float* xhat, float* rstd, const Execution& exec) {
  const auto count = static_cast<std::ptrdiff_t>(rows);
  const float inverse_width = 1.f / static_cast<float>(width);
#pragma omp parallel for schedule(static) num_threads(detail::threadsOf(exec))
  for (std::ptrdiff_t i = 0; i < count; ++i) {
    const auto r = static_cast<std::size_t>(i);
    const float* __restrict hr = h + r * width;
    float* __restrict xr = xhat + r * width;
    float* __restrict yr = y + r * width;
    if (withWholeVectors<kRegisters / 2>(width, [&]<int C>() __attribute__((always_inline)) {
          normalizeAndActivateRow<C>(hr, activation, yr, xr, rstd + r);
        }))
      continue;
    float sum = 0.f;
    for (std::size_t c = 0; c < width; ++c) sum += hr[c];
    const float mean = sum * inverse_width;
    float squares = 0.f;
    for (std::size_t c = 0; c < width; ++c) squares += (hr[c] - mean) * (hr[c] - mean);
    const float inv = 1.f / std::sqrt(squares * inverse_width + 1e-5f);
    rstd[r] = inv;
    for (std::size_t c = 0; c < width; ++c) xr[c] = (hr[c] - mean) * inv;
    for (std::size_t c = 0; c < width; ++c) yr[c] = activate(xr[c], activation);
  }
}

void normalizeAndActivateRowsBackward(const float* dy, const float* xhat, const float* rstd, std::size_t rows,
                                      std::size_t width, Activation activation, float* dh, const Execution& exec) {
  const auto count = static_cast<std::ptrdiff_t>(rows);
  const float inverse_width = 1.f / static_cast<float>(width);
#pragma omp parallel for schedule(static) num_threads(detail::threadsOf(exec))
  for (std::ptrdiff_t i = 0; i < count; ++i) {
    const auto r = static_cast<std::size_t>(i);
    const float* __restrict dyr = dy + r * width;
    const float* __restrict xr = xhat + r * width;
    float* __restrict g = dh + r * width;
    if (withWholeVectors<kRegisters / 4>(width, [&]<int C>() __attribute__((always_inline)) {
          normalizeAndActivateRowBackward<C>(dyr, xr, rstd[r], activation, g);
        }))
      continue;
    for (std::size_t c = 0; c < width; ++c) g[c] = dyr[c] * activationDerivative(xr[c], activation);
    float sum = 0.f, dot = 0.f;
    for (std::size_t c = 0; c < width; ++c) {
      sum += g[c];
      dot += g[c] * xr[c];
    }
    const float mean = sum * inverse_width, mean_dot = dot * inverse_width, inv = rstd[r];
    for (std::size_t c = 0; c < width; ++c) g[c] = inv * (g[c] - mean - xr[c] * mean_dot);
  }
}

void runMessageSums(const NodeMessages<float>& messages, const EdgeList& edges, float* out, std::size_t out_stride,
                    const Execution& exec) {
  forTiles(edges.num_nodes, exec, 2 * messages.width, [&](std::size_t r0, std::size_t n, float* sums, float*) {
    sumMessages(messages, edges, r0, n, sums, out + r0 * out_stride, out_stride);
  });
}

void gatherPairSums(const float* a, std::size_t a_stride, const float* b, std::size_t b_stride, const EdgeList& edges,
                    std::size_t width, float* out, std::size_t out_stride, const Execution& exec) {
  forTiles(edges.num_edges, exec, 0, [&](std::size_t k0, std::size_t n, float*, float*) {
    for (std::size_t k = k0; k < k0 + n; ++k) {
      if (k + detail::kPrefetchDistance < edges.num_edges) {
        detail::prefetch(a + static_cast<std::size_t>(edges.src[k + detail::kPrefetchDistance]) * a_stride, width);
        detail::prefetch(b + static_cast<std::size_t>(edges.dst[k + detail::kPrefetchDistance]) * b_stride, width);
      }
      const float* __restrict ar = a + static_cast<std::size_t>(edges.src[k]) * a_stride;
      const float* __restrict br = b + static_cast<std::size_t>(edges.dst[k]) * b_stride;
      float* __restrict o = out + k * out_stride;
#pragma omp simd
      for (std::size_t c = 0; c < width; ++c) o[c] = ar[c] + br[c];
    }
  });
}

}  // namespace efgnn::runtime::EFGNN_ISA

#include "runtime/LanesEnd.hpp"

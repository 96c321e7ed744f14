#include "runtime/IntegerKernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "runtime/ModelFile.hpp"
#include "runtime/Tiles.hpp"

namespace efgnn::runtime {
namespace {

using detail::Vec16;

/// Rows per transposed tile: 8 vectors of 16, so that each weight feeds 8 independent
/// multiply-add chains (enough to hide their latency).
constexpr std::size_t kBlockRows = 128;
constexpr int kVectors = kBlockRows / 16;

__attribute__((always_inline)) inline Vec16 load(const float* p) {
  Vec16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) inline void store(float* p, Vec16 v) { std::memcpy(p, &v, sizeof v); }

/// Codes of a grid: round half to even (as torch.round) of v / scale, clipped to [lo, hi].
/// Clipping first is the same (the bounds are integers) and keeps |v| < 2^22, where adding
/// and subtracting 1.5 x 2^23 rounds to the nearest even integer in float32.
__attribute__((always_inline)) inline Vec16 quantize(Vec16 v, float scale, float lo, float hi) {
  v /= scale;  // a division, as in training: multiplying by 1/scale can round differently
  v = v < lo ? Vec16{} + lo : v;
  v = v > hi ? Vec16{} + hi : v;
  constexpr float kRound = 12582912.f;  // 1.5 x 2^23
  return (v + kRound) - kRound;
}

/// A[k][lane] = in[lane][k] for the n rows of a tile (zero beyond them), k < width; with
/// `scale`, the features are quantized on the way in (one scale per feature).
EFGNN_KERNEL void loadColumns(const float* in, std::size_t stride, std::size_t n, int width, const float* scale,
                              int max, float* a) {
  for (int k = 0; k < width; ++k) {
    float* column = a + static_cast<std::size_t>(k) * kBlockRows;
    for (std::size_t r = 0; r < n; ++r) column[r] = in[r * stride + static_cast<std::size_t>(k)];
    std::fill(column + n, column + kBlockRows, 0.f);
    if (scale)
      for (int v = 0; v < kVectors; ++v)
        store(column + 16 * v,
              quantize(load(column + 16 * v), scale[k], static_cast<float>(-max), static_cast<float>(max)));
  }
}

/// out[r][o] = y[o][lane r] for the n rows of a tile.
EFGNN_KERNEL void storeRows(const float* y, int width, std::size_t n, float* out, std::size_t stride) {
  for (std::size_t r = 0; r < n; ++r)
    for (int o = 0; o < width; ++o)
      out[r * stride + static_cast<std::size_t>(o)] = y[static_cast<std::size_t>(o) * kBlockRows + r];
}

/// y[o][lane t] += source part of edge t's source node + target part of its target node.
EFGNN_KERNEL void addNodeParts(const float* node_parts, std::size_t h, const std::int64_t* src, const std::int64_t* dst,
                               std::size_t n, float* y) {
  for (std::size_t t = 0; t < n; ++t) {
    const float* ps = node_parts + static_cast<std::size_t>(src[t]) * 2 * h;
    const float* pd = node_parts + static_cast<std::size_t>(dst[t]) * 2 * h + h;
    for (std::size_t o = 0; o < h; ++o) y[o * kBlockRows + t] += ps[o] + pd[o];
  }
}

/// y[o] = (bias[o] or 0) + sum over segments s0 <= s < s1 of factor(o, s) x (exact integer sum
/// of code x input over the segment's weight entries). `a` holds the columns from the first
/// segment's on.
EFGNN_KERNEL void products(const IntegerLayer& layer, int s0, int s1, const float* a, bool with_bias, float* y) {
  const auto S = static_cast<std::size_t>(layer.segments());
  const int first_column = layer.segment_begin[static_cast<std::size_t>(s0)];
  for (int o = 0; o < layer.out; ++o) {
    Vec16 acc[kVectors];
    const float start = with_bias ? layer.bias[static_cast<std::size_t>(o)] : 0.f;
    for (auto& v : acc) v = Vec16{} + start;
    for (int s = s0; s < s1; ++s) {
      const std::size_t os = static_cast<std::size_t>(o) * S + static_cast<std::size_t>(s);
      Vec16 sum[kVectors] = {};
      for (std::uint32_t j = layer.offsets[os]; j < layer.offsets[os + 1]; ++j) {
        const float w = layer.codes[j];
        const float* column = a + static_cast<std::size_t>(layer.columns[j] - first_column) * kBlockRows;
        for (int v = 0; v < kVectors; ++v) sum[v] += w * load(column + 16 * v);
      }
      const float factor = layer.factors[os];
      for (int v = 0; v < kVectors; ++v) acc[v] += factor * sum[v];
    }
    for (int v = 0; v < kVectors; ++v) store(y + static_cast<std::size_t>(o) * kBlockRows + 16 * v, acc[v]);
  }
}

/// LayerNorm (float, no affine parameters, eps 1e-5), the norm quantizer, the activation and the
/// activation quantizer, in place on a transposed tile of the layer's outputs.
EFGNN_KERNEL void finish(const IntegerLayer& layer, const MlpShape& shape, float* y) {
  const auto row = [&](int o, int v) { return y + static_cast<std::size_t>(o) * kBlockRows + 16 * v; };
  const float width = static_cast<float>(layer.out);
  for (int v = 0; v < kVectors; ++v) {
    Vec16 mean{}, rstd{};
    if (shape.layernorm) {
      for (int o = 0; o < layer.out; ++o) mean += load(row(o, v));
      mean /= width;
      Vec16 var{};
      for (int o = 0; o < layer.out; ++o) {
        const Vec16 d = load(row(o, v)) - mean;
        var += d * d;
      }
      var /= width;
      for (int i = 0; i < 16; ++i) rstd[i] = 1.f / std::sqrt(var[i] + 1e-5f);
    }
    for (int o = 0; o < layer.out; ++o) {
      Vec16 t = load(row(o, v));
      if (shape.layernorm) t = (t - mean) * rstd;
      if (layer.norm_scale > 0) {
        const auto m = static_cast<float>(layer.norm_max);
        t = quantize(t, layer.norm_scale, -m, m) * layer.norm_scale;
      }
      switch (shape.activation) {
        case Activation::ReLU:
          t = t > 0 ? t : Vec16{};
          break;
        case Activation::SiLU:
          for (int i = 0; i < 16; ++i) t[i] = t[i] / (1.f + std::exp(-t[i]));
          break;
        case Activation::Tanh:
          for (int i = 0; i < 16; ++i) t[i] = std::tanh(t[i]);
          break;
      }
      store(row(o, v), quantize(t, layer.act_scale, 0.f, static_cast<float>(layer.act_max)));
    }
  }
}

/// Layers from `start` on for a transposed tile whose layer start - 1 output is in `a`; the last
/// output goes to rows of `out`. `b` is scratch of the same size.
void finishTile(const IntegerMlp& mlp, std::size_t start, float* a, float* b, std::size_t n, float* out,
                std::size_t out_stride) {
  const std::size_t layers = mlp.layers.size();
  for (std::size_t l = start; l < layers; ++l) {
    const IntegerLayer& layer = mlp.layers[l];
    products(layer, 0, layer.segments(), a, true, b);
    if (layer.act_scale > 0) finish(layer, mlp.shape, b);
    std::swap(a, b);
  }
  storeRows(a, mlp.layers.back().out, n, out, out_stride);
}

/// The first layer's tail (norm, activation), then the rest.
void finishFirst(const IntegerMlp& mlp, float* a, float* b, std::size_t n, float* out, std::size_t out_stride) {
  const IntegerLayer& first = mlp.layers.front();
  if (first.act_scale > 0) finish(first, mlp.shape, a);
  finishTile(mlp, 1, a, b, n, out, out_stride);
}

}  // namespace

IntegerLayer IntegerLayer::build(int in, int out, const std::vector<InputSegment>& segments,
                                 const std::vector<std::int32_t>& positions, const std::vector<std::int8_t>& codes,
                                 const std::vector<float>& weight_scale, const std::vector<float>& bias, bool dense) {
  IntegerLayer l;
  l.in = in;
  l.out = out;
  l.segment_begin.push_back(0);
  for (const auto& s : segments) l.segment_begin.push_back(l.segment_begin.back() + s.width);
  if (l.segment_begin.back() != in) throw std::invalid_argument("input segments do not cover the layer's inputs");
  if (in > 65535) throw std::invalid_argument("more than 65535 inputs");
  if (positions.size() != codes.size()) throw std::invalid_argument("as many non-zero positions as codes expected");
  if (weight_scale.size() != 1 && weight_scale.size() != static_cast<std::size_t>(out))
    throw std::invalid_argument("weight scale: one or one per output expected");
  if (bias.size() != static_cast<std::size_t>(out)) throw std::invalid_argument("bias: one per output expected");
  const std::int64_t total = static_cast<std::int64_t>(in) * out;
  std::vector<std::int8_t> weight(static_cast<std::size_t>(total), 0);
  std::int64_t previous = -1;
  for (std::size_t j = 0; j < positions.size(); ++j) {
    if (positions[j] <= previous || positions[j] >= total)
      throw std::invalid_argument("non-zero positions must ascend within the weight");
    previous = positions[j];
    weight[static_cast<std::size_t>(positions[j])] = codes[j];
  }
  const int S = l.segments();
  l.offsets.push_back(0);
  for (int o = 0; o < out; ++o)
    for (int s = 0; s < S; ++s) {
      for (int k = l.segment_begin[static_cast<std::size_t>(s)]; k < l.segment_begin[static_cast<std::size_t>(s) + 1];
           ++k) {
        const std::int8_t c =
            weight[static_cast<std::size_t>(o) * static_cast<std::size_t>(in) + static_cast<std::size_t>(k)];
        if (c == 0 && !dense) continue;
        l.columns.push_back(static_cast<std::uint16_t>(k));
        l.codes.push_back(static_cast<float>(c));
      }
      l.offsets.push_back(static_cast<std::uint32_t>(l.codes.size()));
      l.factors.push_back(weight_scale[weight_scale.size() == 1 ? 0 : static_cast<std::size_t>(o)] *
                          segments[static_cast<std::size_t>(s)].scale);
    }
  l.bias = bias;
  return l;
}

int IntegerMlp::width() const {
  int w = 0;
  for (const auto& l : layers) w = std::max({w, l.in, l.out});
  return w;
}

void runMlp(const IntegerMlp& mlp, const float* in, std::size_t rows, std::size_t in_stride, float* out,
            std::size_t out_stride, const Execution& exec) {
  const IntegerLayer& first = mlp.layers.front();
  detail::forTiles(rows, kBlockRows, exec, static_cast<std::size_t>(mlp.width()),
                   [&](std::size_t r0, std::size_t n, float* a, float* b) {
                     loadColumns(in + r0 * in_stride, in_stride, n, first.in,
                                 mlp.input_scale.empty() ? nullptr : mlp.input_scale.data(), mlp.input_max, b);
                     products(first, 0, first.segments(), b, true, a);
                     finishFirst(mlp, a, b, n, out + r0 * out_stride, out_stride);
                   });
}

void runEdgeMlp(const IntegerEdgeMlp& net, const float* e, std::size_t e_stride, const float* x, std::size_t x_stride,
                const EdgeList& edges, float* out, std::size_t out_stride, const Execution& exec) {
  const IntegerLayer& first = net.mlp.layers.front();
  const auto h = static_cast<std::size_t>(first.out);
  const int es = net.edge_segments, ns = net.node_segments;
  // Node parts of the first layer, per node [N, 2h] (source part, target part), rows kept with
  // the calling thread between calls as in the float kernels.
  thread_local std::vector<float> buffer;
  if (buffer.size() < edges.num_nodes * 2 * h) buffer.resize(edges.num_nodes * 2 * h);
  float* const node_parts = buffer.data();
  const auto node_scratch = static_cast<std::size_t>(std::max(net.node_width, first.out));
  detail::forTiles(edges.num_nodes, kBlockRows, exec, node_scratch,
                   [&](std::size_t r0, std::size_t n, float* a, float* b) {
                     loadColumns(x + r0 * x_stride, x_stride, n, net.node_width, nullptr, 0, a);
                     products(first, es, es + ns, a, false, b);
                     storeRows(b, first.out, n, node_parts + r0 * 2 * h, 2 * h);
                     products(first, es + ns, es + 2 * ns, a, false, b);
                     storeRows(b, first.out, n, node_parts + r0 * 2 * h + h, 2 * h);
                   });
  const auto width = static_cast<std::size_t>(std::max(net.mlp.width(), net.edge_width));
  detail::forTiles(edges.num_edges, kBlockRows, exec, width, [&](std::size_t k0, std::size_t n, float* a, float* b) {
    if (net.edge_width > 0) loadColumns(e + k0 * e_stride, e_stride, n, net.edge_width, nullptr, 0, b);
    products(first, 0, es, b, true, a);  // with no edge segments: the bias alone
    addNodeParts(node_parts, h, edges.src + k0, edges.dst + k0, n, a);
    finishFirst(net.mlp, a, b, n, out + k0 * out_stride, out_stride);
  });
}

}  // namespace efgnn::runtime

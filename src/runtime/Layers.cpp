// The runtime's layers and networks as the kernels read them: built from a model file's
// arrays once, the same for every instruction set.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "runtime/IntegerKernels.hpp"
#include "runtime/Kernels.hpp"
#include "runtime/ModelFile.hpp"
#include "runtime/Tiles.hpp"

namespace efgnn::runtime {

Activation activationOf(const std::string& name, const std::string& source) {
  if (name == "ReLU") return Activation::ReLU;
  if (name == "SiLU") return Activation::SiLU;
  if (name == "Tanh") return Activation::Tanh;
  if (name == "None") return Activation::None;
  throw ModelFileError(source + ": activation '" + name + "': expected ReLU, SiLU, Tanh or None");
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

template <class T>
void copyColumns(const T* from, std::size_t rows, std::size_t width, std::size_t from_stride, T* to,
                 std::size_t to_stride, const Execution& exec) {
  detail::forTiles(rows, exec.tile, exec, 0, [&](std::size_t r0, std::size_t n, float*, float*) {
    for (std::size_t r = r0; r < r0 + n; ++r)
      std::memcpy(to + r * to_stride, from + r * from_stride, sizeof(T) * width);
  });
}
template void copyColumns(const float*, std::size_t, std::size_t, std::size_t, float*, std::size_t, const Execution&);
template void copyColumns(const std::uint8_t*, std::size_t, std::size_t, std::size_t, std::uint8_t*, std::size_t,
                          const Execution&);

IntegerLayer IntegerLayer::build(int in, int out, const std::vector<InputSegment>& segments,
                                 const std::vector<std::int32_t>& positions, const std::vector<std::int8_t>& codes,
                                 const std::vector<float>& weight_scale, const std::vector<float>& bias, bool dense,
                                 bool first) {
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
  if (first) {  // the columns read, and the entries renumbered to their positions among them
    std::vector<bool> read(static_cast<std::size_t>(in), false);
    for (const std::uint16_t c : l.columns) read[c] = true;
    std::vector<std::uint16_t> position(static_cast<std::size_t>(in), 0);
    for (std::size_t k = 0; k < read.size(); ++k)
      if (read[k]) {
        position[k] = static_cast<std::uint16_t>(l.reads.size());
        l.reads.push_back(static_cast<std::uint16_t>(k));
      }
    for (auto& c : l.columns) c = position[c];
  }
  l.bias = bias;
  return l;
}

void IntegerLayer::allowShortSums(int input_max) {
  short_codes.clear();
  if (input_max <= 0 || segments() != 1) return;
  for (std::size_t list = 0; list + 1 < offsets.size(); ++list) {
    std::int64_t bound = 0;
    for (std::uint32_t j = offsets[list]; j < offsets[list + 1]; ++j)
      bound += static_cast<std::int64_t>(std::abs(codes[j])) * input_max;
    if (bound > 32767) return;
  }
  short_codes.assign(codes.begin(), codes.end());
}

int IntegerMlp::width() const {
  int w = 0;
  for (const auto& l : layers) w = std::max({w, l.in, l.out});
  return w;
}

}  // namespace efgnn::runtime

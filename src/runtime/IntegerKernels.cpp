// The integer kernels of one instruction set (Lanes.hpp): this file is compiled once per set.
#include "runtime/IntegerKernels.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

#include "runtime/Kernels.hpp"
#include "runtime/Tiles.hpp"

// Last, in a block of its own (so that include sorting keeps it last): what follows is compiled
// for the instruction set, and the inline functions of the headers above are not (the linker
// keeps one copy of each, which must run on every CPU).
#include "runtime/Lanes.hpp"

namespace efgnn::runtime::EFGNN_ISA {
#include "runtime/IsaKernels.hpp"

namespace {

using simd::IVec;
using simd::kLanes;
using simd::load;
using simd::store;
using simd::Vec;

/// Vectors of rows per transposed tile (64 rows with AVX2, 128 with AVX-512, 32 with the
/// baseline): in a layer of one segment (the hidden layers) each weight entry feeds kVectors
/// independent multiply-add chains, 8 of which hide their latency, and each entry's code and
/// column are loaded once for 8 vectors of rows (32-row AVX2 tiles loaded them for 4: the
/// compressed model's 48 x 48 layers, about 13 entries per list, ran 1.13 times slower in a
/// micro-benchmark).
constexpr int kVectors = 8;
constexpr std::size_t kBlockRows = static_cast<std::size_t>(kVectors) * kLanes;
/// Layers whose sums fit 16 bits (IntegerLayer::short_codes) take their products in 16-bit
/// lanes: kShortVectors registers of 2 x kLanes rows per tile.
constexpr int kShortVectors = kVectors / 2;
/// Vectors of rows per pass of a layer of several segments, whose accumulators are 3 sets of them
/// (products): 4 with 16 registers, 8 with 32.
constexpr int kPassVectors = simd::kRegisters / 4;

/// a + f x s rounded once, in every instruction set: the fused multiply-add instruction where the
/// CPU has one (the lane loop, vectorised by `omp simd`: without it GCC left some instances as one
/// scalar instruction per lane), libm's fmaf otherwise. The QAT model computes the
/// same (QuantLayers.cpp, Mlp.cpp); left to the compiler, a x b + c may or may not be fused.
__attribute__((always_inline)) inline Vec fusedMultiplyAdd(Vec f, Vec s, Vec a) {
  Vec r;
#pragma omp simd
  for (int i = 0; i < kLanes; ++i) r[i] = __builtin_fmaf(f[i], s[i], a[i]);
  return r;
}
__attribute__((always_inline)) inline Vec fusedMultiplyAdd(float f, Vec s, Vec a) {
  return fusedMultiplyAdd(Vec{} + f, s, a);
}

/// |v| by clearing the sign bits (one instruction; a comparison and a blend otherwise).
__attribute__((always_inline)) inline Vec magnitude(Vec v) {
  IVec bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits &= 0x7fffffff;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

/// A grid: its scale, reciprocal and bounds, and how close to a rounding boundary a quotient
/// may be before the fast one is not trusted (see quantize).
struct Grid {
  float scale, inverse, margin;
  Vec lo, hi;  // in every lane: the clipping is then one vector max and one min
  Grid(float s, float lo_, float hi_)
      : scale(s), inverse(1.f / s), margin(std::max(-lo_, hi_) * 0x1p-21f), lo(Vec{} + lo_), hi(Vec{} + hi_) {}
};

/// Codes of a grid: round half to even (as torch.round) of fl(v / scale), clipped to [lo, hi].
/// Clipping first is the same (the bounds are integers) and keeps |v| < 2^22, where adding
/// and subtracting 1.5 x 2^23 rounds to the nearest even integer in float32.
///
/// Training divides by the scale; a division costs a vector ~10 cycles, so v x (1 / scale) is
/// rounded instead (kExact false). The two quotients differ by at most 3 units in the last
/// place (1/scale rounded, the product rounded, the division rounded; 5 for codesOf's folded
/// quotient), fewer than the margin's 8 (2^-21 of the grid's largest |code|), so they give the
/// same code unless one of them lies that close to a rounding boundary (a half-integer). Such lanes
/// are found through `offset`, the largest |quotient - code| of the vectors of a group: when
/// 0.5 - offset is within the grid's margin, the caller quantizes the group again by division
/// (kExact true; for 6-bit grids about one vector in a thousand).
template <bool kExact>
__attribute__((always_inline)) inline Vec roundToGrid(Vec q, const Grid& g, Vec& offset) {
  constexpr float kRound = 12582912.f;  // 1.5 x 2^23
  q = simd::min(simd::max(g.lo, q), g.hi);  // lo > q ? lo : q, then q < hi ? q : hi
  const Vec c = (q + kRound) - kRound;
  if (!kExact) offset = simd::max(magnitude(q - c), offset);  // margin: 2^-21 of the largest |q|, 8 ulps
  return c;
}
template <bool kExact>
__attribute__((always_inline)) inline Vec quantize(Vec v, const Grid& g, Vec& offset) {
  return roundToGrid<kExact>(kExact ? v / g.scale : v * g.inverse, g, offset);
}

/// Whether a quotient of a group may lie within `margin` of a rounding boundary (see quantize):
/// 0.5 - offset <= margin in some lane, one compare and one mask test (the same as for the
/// largest offset, 0.5 - x being monotone; reducing the lanes to it first was a chain of
/// dependent steps that LayerNorm's codes waited on).
__attribute__((always_inline)) inline bool uncertain(Vec offset, float margin) {
  return __builtin_expect(simd::anyLane((Vec{} + 0.5f) - offset <= Vec{} + margin), 0);
}

/// quantize() of one vector, redone by division where it is not certain.
__attribute__((always_inline)) inline Vec quantize(Vec v, const Grid& g) {
  Vec offset{};
  const Vec c = quantize<false>(v, g, offset);
  return uncertain(offset, g.margin) ? quantize<true>(v, g, offset) : c;
}

/// One butterfly stage of a kLanes x kLanes transpose: for each pair of vectors (i, i + D) with
/// bit D of i clear, element j of the pair's first takes the second's j - D where bit D of j is
/// set, and the second's element j takes the first's j + D where it is clear.
template <int D, std::size_t... J>
__attribute__((always_inline)) inline void butterfly(Vec (&v)[kLanes], std::index_sequence<J...>) {
  for (int i = 0; i < kLanes; ++i)
    if ((i & D) == 0) {
      const Vec a = v[i], b = v[i + D];
      v[i] = __builtin_shufflevector(a, b, ((J & D) ? kLanes + J - D : J)...);
      v[i + D] = __builtin_shufflevector(a, b, ((J & D) ? kLanes + J : J + D)...);
    }
}

/// v[i][j] -> v[j][i] for a kLanes x kLanes block held in kLanes vectors: the stage of distance
/// D exchanges element (i, j) with (i ^ D, j ^ D) where bit D of i and j differ, so the stages
/// together swap every index (two-source shuffles, kLanes log2(kLanes) in all, instead of
/// kLanes^2 scalar moves).
__attribute__((always_inline)) inline void transpose(Vec (&v)[kLanes]) {
  constexpr auto lanes = std::make_index_sequence<kLanes>{};
  if constexpr (kLanes >= 16) butterfly<8>(v, lanes);
  if constexpr (kLanes >= 8) butterfly<4>(v, lanes);
  butterfly<2>(v, lanes);
  butterfly<1>(v, lanes);
}

using simd::loadRow;

/// kLanes values of a row back from floats: float rows, or rows of activation codes (bytes).
__attribute__((always_inline)) inline void storeRow(float* p, Vec v) { store(p, v); }
template <std::size_t... I>
__attribute__((always_inline)) inline simd::Bytes lowBytes(const IVec& words, std::index_sequence<I...>) {
  typedef std::uint8_t Quads __attribute__((vector_size(4 * kLanes)));
  Quads q;
  std::memcpy(&q, &words, sizeof q);
  return __builtin_shufflevector(q, q, (4 * I)...);
}
__attribute__((always_inline)) inline void storeRow(std::uint8_t* p, Vec v) {
  // Codes 0..255: exact, through int32 lanes. AVX-512 narrows those in one instruction, which
  // GCC emits for a conversion; below it GCC converts lane by lane (8 extractions and 16 scalar
  // instructions for AVX2, a visible share of the sparse integer path), so there the low byte of
  // each lane is picked by a shuffle (two byte shuffles and a permutation).
  const IVec words = __builtin_convertvector(v, IVec);
  simd::Bytes b;
  if constexpr (kLanes == 16)
    b = __builtin_convertvector(words, simd::Bytes);
  else
    b = lowBytes(words, std::make_index_sequence<kLanes>{});
  std::memcpy(p, &b, sizeof b);
}

/// The inputs of a first layer that its weights read (IntegerLayer::reads) among the columns
/// [begin, end) of its input: one row's part of them (an edge's state, its source node's, ...).
struct Picks {
  const std::uint16_t* input;  // ascending
  int count = 0;
  int begin = 0;  // column c of the part's rows: input c - begin
  int slot = 0;   // the tile's column of the first
};
Picks picksOf(const IntegerLayer& layer, int begin, int end) {
  const auto* first = std::lower_bound(layer.reads.data(), layer.reads.data() + layer.reads.size(), begin);
  const auto* last = std::lower_bound(first, layer.reads.data() + layer.reads.size(), end);
  return {first, static_cast<int>(last - first), begin, static_cast<int>(first - layer.reads.data())};
}

/// A[slot + i][lane] = row(lane)[picks.input[i] - picks.begin] for the n rows of a tile (zero
/// beyond them), the rows `width` long; with `scale`, the features are quantized on the way in
/// (one scale per input). Full tiles go by kLanes x kLanes transposes of blocks of columns, only
/// those blocks that hold a picked column; the rows of the next block are asked for while one is
/// transposed (they may lie anywhere: an edge's nodes).
template <class RowOf>
__attribute__((always_inline)) inline void loadColumnsOf(RowOf row, std::size_t n, int width, const Picks& picks,
                                                         const float* scale, int max, float* a) {
  using T = std::remove_cv_t<std::remove_pointer_t<decltype(row(0))>>;
  constexpr bool kBytes = sizeof(T) == 1;
  const int blocked = n == kBlockRows ? width / kLanes * kLanes : 0;
  const auto slot = [&](int i) { return a + static_cast<std::size_t>(picks.slot + i) * kBlockRows; };
  const auto column = [&](int i) { return static_cast<int>(picks.input[i]) - picks.begin; };
  bool first_pass = true;  // over the rows: it asks for the next rows
  const auto prefetchBlock = [&](std::size_t r0) {
    if (first_pass && r0 < kBlockRows)
      for (std::size_t i = 0; i < kLanes; ++i) detail::prefetch(row(r0 + i), static_cast<std::size_t>(width));
  };
  if (blocked > 0) prefetchBlock(0);
  // Block [k0, k0 + w) holds picks [i0, i1): all its columns when there are w of them (the picks
  // ascend).
  const auto floatBlock = [&](int k0, int i0, int i1) {
    for (std::size_t r0 = 0; r0 < kBlockRows; r0 += kLanes) {
      prefetchBlock(r0 + kLanes);
      Vec v[kLanes];
      for (std::size_t i = 0; i < kLanes; ++i) v[i] = loadRow(row(r0 + i) + k0);
      transpose(v);
      if (i1 - i0 == kLanes) {  // picked whole: constant indices (v stays in registers)
        for (int c = 0; c < kLanes; ++c) store(slot(i0 + c) + r0, v[c]);
      } else {
        for (int i = i0; i < i1; ++i) store(slot(i) + r0, v[column(i) - k0]);
      }
    }
  };
  // Bytes by kLanes x kLanes transposes of 4-byte words: 4 kLanes columns at a time, or 2 kLanes
  // (the upper half of each row's vector zero): fewer instructions than widening kLanes bytes
  // at a time.
  const auto wordBlock = [&]<int kWords>(int k0, int i0, int i1) {
    const bool whole = i1 - i0 == 4 * kWords;
    for (std::size_t r0 = 0; r0 < kBlockRows; r0 += kLanes) {
      prefetchBlock(r0 + kLanes);
      Vec v[kLanes];
      for (std::size_t i = 0; i < kLanes; ++i) {
        if constexpr (kWords < kLanes) v[i] = Vec{};
        std::memcpy(&v[i], row(r0 + i) + k0, 4 * kWords);
      }
      transpose(v);  // v[j], lane i: bytes 4j .. 4j + 3 of row r0 + i
      const auto byteColumn = [&](int j, int b) {
        IVec words;
        std::memcpy(&words, &v[j], sizeof words);
        return __builtin_convertvector((words >> (8 * b)) & 0xff, Vec);
      };
      if (whole) {  // every column in turn, with constant indices (v stays in registers)
        for (int j = 0; j < kWords; ++j)
          for (int b = 0; b < 4; ++b) store(slot(i0 + 4 * j + b) + r0, byteColumn(j, b));
      } else {
        for (int i = i0; i < i1; ++i) store(slot(i) + r0, byteColumn((column(i) - k0) / 4, (column(i) - k0) % 4));
      }
    }
  };
  int i = 0;
  while (i < picks.count && column(i) < blocked) {
    // The widest block that holds the next pick and lies within the blocked columns: of w
    // columns from k0, with the picks [i, end) in it.
    const int c = column(i);
    const auto fits = [&](int w) { return c / w * w + w <= blocked; };
    const int w = kBytes && fits(4 * kLanes) ? 4 * kLanes : kBytes && fits(2 * kLanes) ? 2 * kLanes : kLanes;
    const int k0 = c / w * w;
    int end = i;
    while (end < picks.count && column(end) < k0 + w) ++end;
    if constexpr (kBytes) {
      if (w == 4 * kLanes) wordBlock.template operator()<kLanes>(k0, i, end);
      if (w == 2 * kLanes) wordBlock.template operator()<kLanes / 2>(k0, i, end);
    }
    if (w == kLanes) floatBlock(k0, i, end);
    first_pass = false;
    i = end;
  }
  for (; i < picks.count; ++i) {
    float* const to = slot(i);
    for (std::size_t r = 0; r < n; ++r) to[r] = static_cast<float>(row(r)[column(i)]);
    std::fill(to + n, to + kBlockRows, 0.f);
  }
  if (scale)
    for (int p = 0; p < picks.count; ++p) quantizeToGrid(slot(p), kBlockRows, scale[column(p)], -max, max, slot(p));
}
void loadColumns(const float* in, std::size_t stride, std::size_t n, int width, const Picks& picks, const float* scale,
                 int max, float* a) {
  loadColumnsOf([&](std::size_t r) { return in + r * stride; }, n, width, picks, scale, max, a);
}
void loadColumns(const std::uint8_t* in, std::size_t stride, std::size_t n, int width, const Picks& picks,
                 const float* scale, int max, float* a) {
  loadColumnsOf([&](std::size_t r) { return in + r * stride; }, n, width, picks, scale, max, a);
}
/// loadColumns of the rows node[0], ..., node[n - 1] of x.
void gatherColumns(const std::uint8_t* x, std::size_t stride, const std::int64_t* node, std::size_t n, int width,
                   const Picks& picks, float* a) {
  loadColumnsOf([&](std::size_t r) { return x + static_cast<std::size_t>(node[r]) * stride; }, n, width, picks, nullptr,
                0, a);
}

/// out[r][o] = y[o][lane r] for the n rows of a tile.
template <class T>
__attribute__((always_inline)) inline void storeRowsOf(const float* y, int width, std::size_t n, T* out,
                                                       std::size_t stride) {
  const int blocked = n == kBlockRows ? width / kLanes * kLanes : 0;
  for (int o0 = 0; o0 < blocked; o0 += kLanes)
    for (std::size_t r0 = 0; r0 < kBlockRows; r0 += kLanes) {
      Vec v[kLanes];
      for (std::size_t i = 0; i < kLanes; ++i) v[i] = load(y + (static_cast<std::size_t>(o0) + i) * kBlockRows + r0);
      transpose(v);
      for (std::size_t i = 0; i < kLanes; ++i) storeRow(out + (r0 + i) * stride + static_cast<std::size_t>(o0), v[i]);
    }
  for (std::size_t r = 0; r < n; ++r)
    for (int o = blocked; o < width; ++o)
      out[r * stride + static_cast<std::size_t>(o)] = static_cast<T>(y[static_cast<std::size_t>(o) * kBlockRows + r]);
}
void storeRows(const float* y, int width, std::size_t n, float* out, std::size_t stride) {
  storeRowsOf(y, width, n, out, stride);
}
void storeRows(const float* y, int width, std::size_t n, std::uint8_t* out, std::size_t stride) {
  storeRowsOf(y, width, n, out, stride);
}

/// acc = start, then acc = fma(factor(o, s), exact integer sum of code x input over segment s's
/// weight entries, acc) for the segments s0 <= s < s1 in turn, for the kV vectors of rows from
/// v0 on; `a` holds the layer's inputs. A segment without entries is skipped: its sum is +0, and
/// fma(factor, +0, acc) = acc + 0 = acc, but for acc = -0, which only the start can be: start +
/// 0 instead. Most lists of a pruned first layer are empty: at least 70 % of the 48 x 6 of each
/// edge network's first layer in the compressed model of BENCHMARKS.md.
template <int kV>
__attribute__((always_inline)) inline void accumulate(const IntegerLayer& layer, std::size_t o, int s0, int s1,
                                                      const float* a, int v0, float start, Vec (&acc)[kV]) {
  const auto S = static_cast<std::size_t>(layer.segments());
  for (auto& v : acc) v = Vec{} + (s1 > s0 ? start + 0.f : start);
  for (int s = s0; s < s1; ++s) {
    const std::size_t os = o * S + static_cast<std::size_t>(s);
    if (layer.offsets[os] == layer.offsets[os + 1]) continue;
    Vec sum[kV] = {};
    for (std::uint32_t j = layer.offsets[os]; j < layer.offsets[os + 1]; ++j) {
      const float w = layer.codes[j];
      const float* column = a + static_cast<std::size_t>(layer.columns[j]) * kBlockRows + kLanes * v0;
      for (int v = 0; v < kV; ++v) sum[v] += w * load(column + kLanes * v);
    }
    const float factor = layer.factors[os];
#pragma GCC unroll 8
    for (int v = 0; v < kV; ++v) acc[v] = fusedMultiplyAdd(factor, sum[v], acc[v]);
  }
}

/// y[o] for every output o of the layer, the kV vectors of rows from v0 on, as output(o, acc)
/// sets them; with `sums`, also each row's sum y[0] + y[1] + ... in turn (products).
template <int kV, class Output>
__attribute__((always_inline)) inline void eachOutput(const IntegerLayer& layer, int v0, float* y, float* sums,
                                                      Output output) {
  Vec total[kV] = {};
  for (int o = 0; o < layer.out; ++o) {
    const auto uo = static_cast<std::size_t>(o);
    Vec acc[kV];
    output(uo, acc);
    for (int v = 0; v < kV; ++v) store(y + uo * kBlockRows + kLanes * (v0 + v), acc[v]);
    if (sums)
      for (int v = 0; v < kV; ++v) total[v] = o == 0 ? acc[v] : total[v] + acc[v];
  }
  if (sums && layer.out > 0)
    for (int v = 0; v < kV; ++v) store(sums + kLanes * (v0 + v), total[v]);
}

/// products() of the kV vectors of rows from v0 on.
template <int kV>
__attribute__((always_inline)) inline void productsOf(const IntegerLayer& layer, const float* a, int node_segments,
                                                      int v0, float* y, float* sums) {
  const int S = layer.segments(), es = S - 2 * node_segments;
  eachOutput<kV>(layer, v0, y, sums, [&](std::size_t o, Vec(&acc)[kV]) __attribute__((always_inline)) {
    if (layer.offsets[o * S] == layer.offsets[(o + 1) * S]) {
      // No entries (most outputs of a pruned edge network's first layer): what the lists below
      // would give, bias + 0 in every row (accumulate's -0 rule), without walking them.
      for (auto& v : acc) v = Vec{} + (layer.bias[o] + 0.f);
      return;
    }
    Vec pair[kV];
    if (node_segments > 0) {
      Vec target[kV];
      accumulate(layer, o, es, es + node_segments, a, v0, 0.f, pair);
      accumulate(layer, o, es + node_segments, S, a, v0, 0.f, target);
      for (int v = 0; v < kV; ++v) pair[v] += target[v];
    }
    accumulate(layer, o, 0, es, a, v0, layer.bias[o], acc);
    if (node_segments > 0)
      for (int v = 0; v < kV; ++v) acc[v] += pair[v];
  });
}

/// The layer's outputs y[o] for a transposed tile of its inputs `a`: from the bias, every segment
/// in turn (accumulate). With node_segments > 0 the layer is an edge network's first, whose last
/// 2 x node_segments segments are the source node's and the target node's parts: each is summed
/// from 0 and y = edge part + (source part + target part), as the QAT model adds them (the pair
/// first, so that 3 sets of accumulators are live at a time, kPassVectors each: within the
/// registers, the tile in passes). A layer of one segment takes the whole tile in one pass (its
/// sums are the only accumulators live over its entries). With `sums`, also each row's sum of
/// outputs y[0] + y[1] + ... in turn, LayerNorm's first statistic, while the outputs are in
/// registers (a pass over the tile less).
void products(const IntegerLayer& layer, const float* a, int node_segments, float* y, float* sums) {
  if (layer.segments() == 1) {  // node_segments > 0 has 3 or more
    productsOf<kVectors>(layer, a, 0, 0, y, sums);
    return;
  }
  for (int v0 = 0; v0 < kVectors; v0 += kPassVectors) productsOf<kPassVectors>(layer, a, node_segments, v0, y, sums);
}

/// products() of a layer of one segment whose input tile `a` holds 16-bit codes (short_codes):
/// each entry's code multiplied into kShortVectors registers of 2 x kLanes rows, the exact sums
/// then widened to floats and y = fma(factor, sum, bias + 0), as accumulate computes it (an
/// empty list, sum +0, gives bias + 0 there too).
void shortProducts(const IntegerLayer& layer, const std::int16_t* a, float* y, float* sums) {
  eachOutput<kVectors>(layer, 0, y, sums, [&](std::size_t o, Vec(&acc)[kVectors]) __attribute__((always_inline)) {
    simd::Shorts sum[kShortVectors] = {};
    for (std::uint32_t j = layer.offsets[o]; j < layer.offsets[o + 1]; ++j) {
      const simd::Shorts w = simd::Shorts{} + layer.short_codes[j];
      const std::int16_t* column = a + static_cast<std::size_t>(layer.columns[j]) * kBlockRows;
      for (int v = 0; v < kShortVectors; ++v) sum[v] += w * simd::loadShorts(column + 2 * kLanes * v);
    }
    const float factor = layer.factors[o];
    const Vec start = Vec{} + (layer.bias[o] + 0.f);
#pragma GCC unroll 8
    for (int v = 0; v < kShortVectors; ++v) {
      acc[2 * v] = fusedMultiplyAdd(factor, simd::widen<0>(sum[v]), start);
      acc[2 * v + 1] = fusedMultiplyAdd(factor, simd::widen<1>(sum[v]), start);
    }
  });
}

/// Normalised, norm-quantized (kNormQuantized), activated and quantized: the codes of one vector.
/// The activation is ReLU (quantized activations are unsigned, ModelConfig.cpp), left to the
/// activation grid, whose lower bound 0 clips what ReLU would set to 0.
///
/// Without the norm quantizer, the fast quotient is (t - mean) x fl(rstd x 1 / scale) (`scaled`),
/// a multiplication less than ((t - mean) x rstd) x (1 / scale): 5 roundings from the exact
/// fl(fl((t - mean) x rstd) / scale) instead of 3, within the grid's margin of 8 (see quantize).
template <bool kNormQuantized, bool kExact>
__attribute__((always_inline)) inline Vec codesOf(Vec t, Vec mean, Vec rstd, Vec scaled, const Grid& norm,
                                                  const Grid& activation, Vec& offset) {
  if (!kNormQuantized && !kExact) return roundToGrid<false>((t - mean) * scaled, activation, offset);
  t = (t - mean) * rstd;
  if (kNormQuantized) t = quantize<kExact>(t, norm, offset) * norm.scale;
  return quantize<kExact>(t, activation, offset);
}

/// A vector of codes at element `at` of a transposed tile: as floats in y, or as 16-bit codes
/// in `shorts` (the next layer's input tile, for shortProducts).
__attribute__((always_inline)) inline void storeCodes(float* y, std::int16_t* shorts, std::size_t at, Vec c) {
  if (shorts)
    simd::storeShorts(shorts + at, c);
  else
    store(y + at, c);
}

/// codesOf() of kCount outputs from o0 on of a transposed tile, rows of vector v, in place (or to
/// `shorts`, see storeCodes); a constant count keeps the codes in registers until the group is
/// known to be certain.
template <bool kNormQuantized, int kCount>
__attribute__((always_inline)) inline void groupCodes(float* y, std::int16_t* shorts, int o0, int v, Vec mean,
                                                      Vec rstd, const Grid& norm, const Grid& activation,
                                                      float margin) {
  const auto at = [&](int g) { return static_cast<std::size_t>(o0 + g) * kBlockRows + kLanes * v; };
  const auto row = [&](int g) { return y + at(g); };
  Vec c[kCount];
  Vec offset{};
  const Vec scaled = rstd * activation.inverse;
#pragma GCC unroll 16
  for (int g = 0; g < kCount; ++g)
    c[g] = codesOf<kNormQuantized, false>(load(row(g)), mean, rstd, scaled, norm, activation, offset);
  if (uncertain(offset, margin))      // from the stored outputs again (merged with the first loads,
    for (int g = 0; g < kCount; ++g)  // their normalised values went to the stack for this rare case)
      c[g] = codesOf<kNormQuantized, true>(simd::loadHere(row(g)), mean, rstd, scaled, norm, activation, offset);
#pragma GCC unroll 16
  for (int g = 0; g < kCount; ++g) storeCodes(y, shorts, at(g), c[g]);
}

/// codesOf() of a transposed tile of `width` outputs in place (or to `shorts`), given each row's
/// mean and rstd: groups of half as many outputs as there are registers, then one at a time.
template <bool kNormQuantized>
__attribute__((always_inline)) inline void tileCodes(float* y, std::int16_t* shorts, int width,
                                                     const Vec (&means)[kVectors],
                                                     const Vec (&rstds)[kVectors], const Grid& norm,
                                                     const Grid& activation) {
  constexpr int kGroup = simd::kRegisters / 2;
  const float margin = kNormQuantized ? std::max(norm.margin, activation.margin) : activation.margin;
  for (int v = 0; v < kVectors; ++v) {
    int o0 = 0;
    for (; o0 + kGroup <= width; o0 += kGroup)
      groupCodes<kNormQuantized, kGroup>(y, shorts, o0, v, means[v], rstds[v], norm, activation, margin);
    for (; o0 < width; ++o0)
      groupCodes<kNormQuantized, 1>(y, shorts, o0, v, means[v], rstds[v], norm, activation, margin);
  }
}

/// LayerNorm (no affine parameters, eps 1e-5) as the QAT model computes it (Mlp.cpp), then
/// (x - mean) x rstd; the norm quantizer, the activation and the activation quantizer; in place
/// on a transposed tile of the layer's outputs (the codes to `shorts` where that is not null).
void finish(const IntegerLayer& layer, float* y, const float* row_sums, std::int16_t* shorts) {
  const auto row = [&](int o, int v) { return y + static_cast<std::size_t>(o) * kBlockRows + kLanes * v; };
  // LayerNorm statistics of every row of the tile, as the QAT model takes them (Mlp.cpp), every
  // operation in the same order and with the same roundings: sum = t_0 + t_1 + ... in turn
  // (row_sums, from products),
  // mean = sum x fl(1 / width), squares = fma(d_k, d_k, squares) in turn with d_k = t_k - mean,
  // var = fma(squares, fl(1 / width), 1e-5), rstd = 1 / sqrt(var). The vectors of rows of the
  // tile go side by side: each row's sums are a chain of dependent additions, kVectors chains keep
  // the adders busy (one alone waits on the latency of every addition).
  // The first square is d_0 x d_0 (= fma(d_0, d_0, +0)): the arrays are not zeroed first, which
  // GCC did with a string instruction of some 30 cycles per array and tile.
  Vec means[kVectors], rstds[kVectors];
  if (layer.layernorm && layer.out > 0) {
    const float inverse = 1.f / static_cast<float>(layer.out);
    Vec squares[kVectors];
    for (int v = 0; v < kVectors; ++v) {
      means[v] = load(row_sums + kLanes * v) * inverse;
      const Vec d = load(row(0, v)) - means[v];
      squares[v] = d * d;
    }
    for (int o = 1; o < layer.out; ++o)
#pragma GCC unroll 8
      for (int v = 0; v < kVectors; ++v) {
        const Vec d = load(row(o, v)) - means[v];
        squares[v] = fusedMultiplyAdd(d, d, squares[v]);
      }
    for (int v = 0; v < kVectors; ++v)
      rstds[v] = 1.f / simd::sqrt(fusedMultiplyAdd(Vec{} + inverse, squares[v], Vec{} + 1e-5f));
  } else {
    for (int v = 0; v < kVectors; ++v) {  // without LayerNorm: (t - 0) x 1 = t
      means[v] = Vec{};
      rstds[v] = Vec{} + 1.f;
    }
  }
  const auto norm_max = static_cast<float>(layer.norm_max);
  const Grid norm(layer.norm_scale > 0 ? layer.norm_scale : 1.f, -norm_max, norm_max);
  const Grid activation(layer.act_scale, 0.f, static_cast<float>(layer.act_max));
  if (layer.norm_scale > 0)
    tileCodes<true>(y, shorts, layer.out, means, rstds, norm, activation);
  else
    tileCodes<false>(y, shorts, layer.out, means, rstds, norm, activation);
}

/// The layers of an MLP for a transposed tile of the first layer's inputs in `a` (node_segments:
/// as products); the last layer's outputs go to rows of `out`. `b` is scratch of the same size;
/// both are overwritten. A layer's outputs go to b; its codes stay there as floats, or go to a
/// as 16-bit codes where the next layer takes them so (short_codes: a's inputs are spent by then).
template <class Out>
void runLayers(const IntegerMlp& mlp, int node_segments, float* a, float* b, std::size_t n, Out* out,
               std::size_t out_stride) {
  alignas(64) float row_sums[kBlockRows];
  std::int16_t* shorts = nullptr;  // the layer's inputs as 16-bit codes (in a), or none: floats in a
  for (std::size_t l = 0; l < mlp.layers.size(); ++l) {
    const IntegerLayer& layer = mlp.layers[l];
    const bool finished = layer.act_scale > 0;  // else float outputs (logits)
    float* const sums = finished && layer.layernorm ? row_sums : nullptr;
    if (shorts)
      shortProducts(layer, shorts, b, sums);
    else
      products(layer, a, l == 0 ? node_segments : 0, b, sums);
    const bool next_short = finished && l + 1 < mlp.layers.size() && !mlp.layers[l + 1].short_codes.empty();
    shorts = next_short ? reinterpret_cast<std::int16_t*>(a) : nullptr;
    if (finished) finish(layer, b, row_sums, shorts);
    if (!next_short) std::swap(a, b);
  }
  storeRows(a, mlp.layers.back().out, n, out, out_stride);
}

}  // namespace

void quantizeToGrid(const float* in, std::size_t n, float scale, int lo, int hi, float* out) {
  const Grid grid(scale, static_cast<float>(lo), static_cast<float>(hi));
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) store(out + i, quantize(load(in + i), grid));
  if (i < n) {  // the tail through a padded vector
    float tail[kLanes] = {};
    std::copy(in + i, in + n, tail);
    const Vec codes = quantize(load(tail), grid);
    for (std::size_t j = 0; i + j < n; ++j) out[i + j] = codes[j];
  }
}

template <class In, class Out>
void runMlp(const IntegerMlp& mlp, const In* in, std::size_t rows, std::size_t in_stride, Out* out,
            std::size_t out_stride, const Execution& exec) {
  const IntegerLayer& first = mlp.layers.front();
  const Picks picks = picksOf(first, 0, first.in);
  detail::forTiles(rows, kBlockRows, exec, static_cast<std::size_t>(mlp.width()),
                   [&](std::size_t r0, std::size_t n, float* a, float* b) {
                     loadColumns(in + r0 * in_stride, in_stride, n, first.in, picks,
                                 mlp.input_scale.empty() ? nullptr : mlp.input_scale.data(), mlp.input_max, a);
                     runLayers(mlp, 0, a, b, n, out + r0 * out_stride, out_stride);
                   });
}

EFGNN_INSTANTIATE_INTEGER_RUN_MLPS;

void runEdgeMlp(const IntegerEdgeMlp& net, const std::uint8_t* e, std::size_t e_stride, const std::uint8_t* x,
                std::size_t x_stride, const EdgeList& edges, std::uint8_t* out, std::size_t out_stride,
                const Execution& exec) {
  // Per tile: a = the inputs of [e, x_src, x_dst] that the first layer reads, transposed (the
  // node states gathered as codes: a third of the bytes of per-node products in float, and no
  // [N, 2h] array to write); b = the first layer's outputs, edge part + (source part + target
  // part) (products).
  const IntegerLayer& first = net.mlp.layers.front();
  const int ew = net.edge_width, nw = net.node_width;
  const Picks edge = picksOf(first, 0, ew), source = picksOf(first, ew, ew + nw),
              target = picksOf(first, ew + nw, ew + 2 * nw);
  const auto scratch = std::max(static_cast<std::size_t>(net.mlp.width()), first.reads.size());
  detail::forTiles(edges.num_edges, kBlockRows, exec, scratch, [&](std::size_t k0, std::size_t n, float* a, float* b) {
    if (edge.count > 0) loadColumns(e + k0 * e_stride, e_stride, n, ew, edge, nullptr, 0, a);
    if (source.count > 0) gatherColumns(x, x_stride, edges.src + k0, n, nw, source, a);
    if (target.count > 0) gatherColumns(x, x_stride, edges.dst + k0, n, nw, target, a);
    runLayers(net.mlp, net.node_segments, a, b, n, out + k0 * out_stride, out_stride);
  });
}

void runNodeMlp(const IntegerMlp& mlp, const NodeMessages<std::uint8_t>& messages, const EdgeList& edges,
                std::uint8_t* x, std::size_t x_stride, const Execution& exec) {
  const IntegerLayer& first = mlp.layers.front();
  const std::size_t columns = messages.columns();  // the node network's input: [messages, state]
  const int width = static_cast<int>(columns);
  const Picks message = picksOf(first, 0, width), state = picksOf(first, width, first.in);
  // b: the messages' rows (columns wide; the sums' scratch after them), then the first layer's
  // outputs; a: the tile's inputs that the first layer reads, transposed.
  const auto scratch = std::max(static_cast<std::size_t>(mlp.width()), columns + 2 * messages.width);
  detail::forTiles(edges.num_nodes, kBlockRows, exec, scratch, [&](std::size_t r0, std::size_t n, float* a, float* b) {
    if (message.count > 0) {
      sumMessages(messages, edges, r0, n, b + kBlockRows * columns, b, columns);
      loadColumns(b, columns, n, width, message, nullptr, 0, a);
    }
    if (state.count > 0) loadColumns(x + r0 * x_stride, x_stride, n, first.in - width, state, nullptr, 0, a);
    runLayers(mlp, 0, a, b, n, x + r0 * x_stride, x_stride);
  });
}

}  // namespace efgnn::runtime::EFGNN_ISA

#include "runtime/LanesEnd.hpp"

#pragma once
// The runtime's integer kernels: quantization-aware trained models (REFERENCE.md section 7)
// computed on their integer grids.
//
// Every Linear layer reads integer codes (quantized inputs, activations after ReLU, sums of
// activation codes over a node's edges) and multiplies them by integer weight codes. The
// products and their sums are exact integers; they are carried in float32 registers, which
// hold integers up to 2^24 exactly and which the CPU multiplies fastest (fused multiply-add
// on every lane of a vector). With activations and weights of at most 8 bits, a layer of up to
// 256 inputs stays below 2^24; only a sum of aggregated codes of a node with very many edges could
// pass it (when sum over a segment's weights of |code| x the largest aggregated code exceeds
// 2^24; beyond it sums round, here and in the QAT model, in orders that need not agree).
// Exact sums make results independent of the order of the terms: sparse and dense weights,
// thread counts and instruction sets give the same bits.
//
// Inputs with different scales (concatenated states, per-feature input scales) form segments:
// each segment's integer sum is scaled and added once, y = fma(weight scale x segment scale,
// sum_s, y), from the bias on, segment after segment; then LayerNorm with every operation in a
// fixed order, the optional norm quantizer, ReLU and the activation quantizer:
// code = clamp(round_half_even(y / scale)) (activation codes are unsigned, so quantized models
// use ReLU; the loader refuses integer models with another activation). The QAT model computes
// its quantized layers with the same operations in the same order (QuantLinear::productsOnGrids,
// Mlp.cpp's LayerNorm), so the two give the same codes and logits to the last bit.
//
// Layout: tiles of kBlockRows rows are held transposed (one row of kBlockRows lanes per feature),
// so a weight is one broadcast multiplied into a few vectors of rows (IntegerKernels.cpp); a
// weight row is a list of (input, code) entries, of the non-zero weights only (sparse) or of all
// of them (dense). Where a layer's sums provably fit 16 bits (IntegerLayer::short_codes), its
// input tile holds 16-bit codes and the products are taken in 16-bit lanes.
#ifdef EFGNN_LANES_BEGUN
#error "runtime/Lanes.hpp must come after every other include: what follows it is compiled for one instruction set"
#endif
#define EFGNN_RUNTIME_INTEGER_KERNELS_DECLARED 1
#include <cstdint>
#include <vector>

#include "runtime/Kernels.hpp"

namespace efgnn::runtime {

/// A run of a layer's input columns that share one scale.
struct InputSegment {
  int width = 0;
  float scale = 1;
};

struct IntegerLayer {
  int in = 0, out = 0;
  std::vector<int> segment_begin;  // segments s: columns [segment_begin[s], segment_begin[s + 1])
  /// Weight entries of output o and segment s: [offsets[o * S + s], offsets[o * S + s + 1]).
  std::vector<std::uint32_t> offsets;
  std::vector<std::uint16_t> columns;  // of the transposed tile: inputs, or positions in `reads`
  std::vector<float> codes;    // integer values
  std::vector<float> factors;  // [o * S + s]: weight scale of o x scale of segment s
  std::vector<float> bias;
  bool layernorm = false;  // its outputs normalised before they are quantized
  float norm_scale = 0;  // > 0: LayerNorm outputs quantized (signed narrow, norm_max)
  int norm_max = 0;
  float act_scale = 0;  // > 0: outputs are activation codes 0..act_max; 0: float outputs (logits)
  int act_max = 0;

  /// A first layer's inputs that some weight entry reads, ascending: the kernels load only these
  /// into the tile (a 90 %-pruned edge network's first layer reads 17 to 55 of its 288 inputs),
  /// and `columns` are positions in this list. Empty in the other layers, whose inputs are the
  /// previous layer's outputs, already in the tile at their own positions.
  std::vector<std::uint16_t> reads;

  /// The codes as 16-bit integers, for a layer whose inputs are the previous layer's activation
  /// codes (at most `input_max`) and whose every list sums within 16 bits whatever they are
  /// (sum of |code| x input_max <= 32767; at 6 bits, any list of up to 16 entries): the kernels
  /// then multiply in 16-bit lanes, twice the rows per instruction and per load of floats, and
  /// the sums are the same integers. Empty otherwise (set by allowShortSums).
  std::vector<std::int16_t> short_codes;
  void allowShortSums(int input_max);

  /// From a weight's non-zero codes at row-major positions o * in + k; `dense` keeps every
  /// weight (zeros too) in the rows, as a dense kernel multiplies them; `first`: the layer's
  /// inputs are loaded into the tile (reads).
  static IntegerLayer build(int in, int out, const std::vector<InputSegment>& segments,
                            const std::vector<std::int32_t>& positions, const std::vector<std::int8_t>& codes,
                            const std::vector<float>& weight_scale, const std::vector<float>& bias, bool dense,
                            bool first);
  int segments() const { return static_cast<int>(segment_begin.size()) - 1; }
};

struct IntegerMlp {
  std::vector<IntegerLayer> layers;
  MlpShape shape;
  /// Encoders: the float input features are quantized on the way in (signed narrow range, one
  /// scale per feature); empty when the input is already codes.
  std::vector<float> input_scale;
  int input_max = 0;
  int width() const;  // the widest layer input or output
};

/// An integer MLP over [e, x_src, x_dst]: layer 0's segments are the edge part's, then the
/// source node's and the target node's (node_segments each, the last 2 x node_segments).
struct IntegerEdgeMlp {
  int edge_width = 0, node_width = 0, node_segments = 0;
  IntegerMlp mlp;
};

/// out[i] = codes of in[i] on a grid: clamp(round half to even(fl(in[i] / scale)), lo, hi), as
/// the fake quantizers of training compute them (computed without dividing where that gives the
/// same codes; see IntegerKernels.cpp). `out` may be `in`.
void quantizeToGrid(const float* in, std::size_t n, float scale, int lo, int hi, float* out, Isa isa = Isa::Best);

/// As runMlp / runEdgeMlp / runNodeMlp in Kernels.hpp, on codes; the same array conventions.
/// Rows are float (input features, logits) or bytes (activation codes, at most 8 bits: a quarter
/// of the memory traffic of floats); runMlp exists for float or byte rows in and byte rows out
/// (encoders, decoder) and for byte rows in and float rows out (the output network).
template <class In, class Out>
void runMlp(const IntegerMlp& mlp, const In* in, std::size_t rows, std::size_t in_stride, Out* out,
            std::size_t out_stride, const Execution& exec);
/// Explicit instantiations of runMlp for those rows, where it is defined (once per instruction set
/// and in the dispatcher).
#define EFGNN_INSTANTIATE_INTEGER_RUN_MLP(In, Out) \
  template void runMlp(const IntegerMlp&, const In*, std::size_t, std::size_t, Out*, std::size_t, const Execution&)
#define EFGNN_INSTANTIATE_INTEGER_RUN_MLPS                       \
  EFGNN_INSTANTIATE_INTEGER_RUN_MLP(float, std::uint8_t);        \
  EFGNN_INSTANTIATE_INTEGER_RUN_MLP(std::uint8_t, std::uint8_t); \
  EFGNN_INSTANTIATE_INTEGER_RUN_MLP(std::uint8_t, float)
void runEdgeMlp(const IntegerEdgeMlp& net, const std::uint8_t* e, std::size_t e_stride, const std::uint8_t* x,
                std::size_t x_stride, const EdgeList& edges, std::uint8_t* out, std::size_t out_stride,
                const Execution& exec);
void runNodeMlp(const IntegerMlp& mlp, const NodeMessages<std::uint8_t>& messages, const EdgeList& edges,
                std::uint8_t* x, std::size_t x_stride, const Execution& exec);

}  // namespace efgnn::runtime

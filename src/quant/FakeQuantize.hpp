#pragma once
// Fake quantization: values rounded to an integer grid of a given scale and clipped to the
// grid's range, returned in float so the rest of the network is unchanged. The backward pass
// is the straight-through estimator: identity inside the range, zero outside; with respect to
// the scale, the LSQ gradient (round(x/s) - x/s inside, the clipping bound outside), so a
// learned scale trains. Rounding is half to even (torch::round), which the integer runtime
// must match.
#include <torch/torch.h>

#include <cstdint>

namespace efgnn {

/// Integer range of a grid.
struct IntRange {
  std::int64_t min, max;
  /// Signed narrow range: +-(2^(b-1) - 1), symmetric so that the grid has no extra negative code.
  static IntRange signedNarrow(int bits);
  /// Signed full range: -2^(b-1) .. 2^(b-1) - 1 (biases).
  static IntRange signedFull(int bits);
  /// Unsigned: 0 .. 2^b - 1 (activations after ReLU).
  static IntRange unsignedRange(int bits);
};

/// round(x / scale) clipped to the range, times scale; `scale` broadcasts against x.
torch::Tensor fakeQuantize(const torch::Tensor& x, const torch::Tensor& scale, IntRange range);

/// The codes fakeQuantize multiplies by the scale, as float integers with the same gradients
/// (fakeQuantize is gridCodes x scale).
torch::Tensor gridCodes(const torch::Tensor& x, const torch::Tensor& scale, IntRange range);

/// round(x / scale), unclipped, with a straight-through gradient: the codes of values already
/// on the grid (fake-quantized values, or sums of them), recovered exactly from their floats.
torch::Tensor codesOnGrid(const torch::Tensor& x, const torch::Tensor& scale);

/// The integers fakeQuantize represents (int32 tensor), for export and tests.
torch::Tensor quantizeToIntegers(const torch::Tensor& x, const torch::Tensor& scale, IntRange range);

/// a + b x c rounded once, as a fused multiply-add rounds it (the integer runtime's), for float
/// tensors (broadcasting): computed in double, where the product of two floats is exact and the
/// sum, but for roundings far below float's, too.
torch::Tensor fusedMultiplyAdd(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& c);

/// Weight scale: max|w| / range.max, one value (per tensor) or one per row ([out, 1], per
/// channel); a row of zeros (fully pruned) gets scale 1 so that nothing divides by zero. The
/// scale is a constant in the backward pass.
torch::Tensor weightScale(const torch::Tensor& w, int bits, bool per_channel);

}  // namespace efgnn

#include "quant/FakeQuantize.hpp"

namespace efgnn {

IntRange IntRange::signedNarrow(int bits) {
  const std::int64_t m = (std::int64_t{1} << (bits - 1)) - 1;
  return {-m, m};
}

IntRange IntRange::signedFull(int bits) {
  const std::int64_t m = std::int64_t{1} << (bits - 1);
  return {-m, m - 1};
}

IntRange IntRange::unsignedRange(int bits) { return {0, (std::int64_t{1} << bits) - 1}; }

namespace {
/// Straight-through rounding: forward round(v) exactly (v + (round(v) - v) is round(v) in
/// float: the difference is exact), backward identity; without gradients, round(v) alone.
torch::Tensor roundSte(const torch::Tensor& v) {
  if (!v.requires_grad()) return torch::round(v);
  return v + (torch::round(v) - v).detach();
}
}  // namespace

torch::Tensor fusedMultiplyAdd(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& c) {
  return torch::addcmul(a.to(torch::kFloat64), b.to(torch::kFloat64), c.to(torch::kFloat64)).to(a.scalar_type());
}

torch::Tensor gridCodes(const torch::Tensor& x, const torch::Tensor& scale, IntRange range) {
  return roundSte(x / scale).clamp(static_cast<double>(range.min), static_cast<double>(range.max));
}

torch::Tensor fakeQuantize(const torch::Tensor& x, const torch::Tensor& scale, IntRange range) {
  return gridCodes(x, scale, range) * scale;
}

torch::Tensor codesOnGrid(const torch::Tensor& x, const torch::Tensor& scale) { return roundSte(x / scale); }

torch::Tensor quantizeToIntegers(const torch::Tensor& x, const torch::Tensor& scale, IntRange range) {
  torch::NoGradGuard no_grad;
  return torch::round(x / scale).clamp(static_cast<double>(range.min), static_cast<double>(range.max)).to(torch::kInt32);
}

torch::Tensor weightScale(const torch::Tensor& w, int bits, bool per_channel) {
  torch::NoGradGuard no_grad;
  const auto max_abs = per_channel ? w.abs().amax({1}, /*keepdim=*/true) : w.abs().max();
  const auto scale = max_abs / static_cast<double>(IntRange::signedNarrow(bits).max);
  return torch::where(scale > 0, scale, torch::ones_like(scale));
}

}  // namespace efgnn

#include "quant/QuantLayers.hpp"

#include <cmath>

#include "core/Error.hpp"
#include "ops/Recompute.hpp"
#include "ops/Affine.hpp"

namespace efgnn {

InputGrids InputGrids::of(std::int64_t width, const torch::Tensor& scale) {
  InputGrids g;
  if (!scale.defined()) return g;
  g.runs.push_back({width, scale.reshape({})});
  g.bias_scale = scale.reshape({}).detach();
  return g;
}

InputGrids InputGrids::perColumn(const torch::Tensor& scales) {
  InputGrids g;
  if (!scales.defined()) return g;
  const auto flat = scales.reshape({-1});
  for (std::int64_t k = 0; k < flat.size(0); ++k) g.runs.push_back({1, flat[k]});
  g.bias_scale = flat.detach().min();
  return g;
}

InputGrids InputGrids::offGrid(const torch::Tensor& bias_scale) {
  InputGrids g;
  g.bias_scale = bias_scale.defined() ? bias_scale.detach() : bias_scale;
  return g;
}

InputGrids InputGrids::then(const InputGrids& next) const {
  InputGrids g;
  if (onGrids() && next.onGrids()) {
    g.runs = runs;
    g.runs.insert(g.runs.end(), next.runs.begin(), next.runs.end());
  }
  if (bias_scale.defined() && next.bias_scale.defined()) g.bias_scale = torch::minimum(bias_scale, next.bias_scale);
  return g;
}

std::int64_t InputGrids::width() const {
  std::int64_t w = 0;
  for (const auto& r : runs) w += r.width;
  return w;
}

QuantLinearImpl::QuantLinearImpl(const QuantLinearOptions& options) : options_(options) {
  weight = register_parameter("weight", torch::empty({options.out, options.in}));
  bias = register_parameter("bias", torch::empty({options.out}));
  // torch::nn::Linear's initialisation, so float models train as before.
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  const double bound = options.in > 0 ? 1.0 / std::sqrt(static_cast<double>(options.in)) : 0.0;
  torch::nn::init::uniform_(bias, -bound, bound);
}

torch::Tensor QuantLinearImpl::weightScale() const {
  if (!options_.weight_bits) return {};
  return efgnn::weightScale(maskedWeight(), options_.weight_bits, options_.per_channel);
}

torch::Tensor QuantLinearImpl::maskedWeight() const { return hasMask() ? weight * mask_ : weight; }

torch::Tensor QuantLinearImpl::effectiveWeight() const {
  const torch::Tensor w = maskedWeight();
  if (!options_.weight_bits) return w;
  return fakeQuantize(w, efgnn::weightScale(w, options_.weight_bits, options_.per_channel),
                      IntRange::signedNarrow(options_.weight_bits));
}

torch::Tensor QuantLinearImpl::biasScale(const torch::Tensor& input_scale) const {
  if (!options_.bias_bits) return {};
  torch::NoGradGuard no_grad;
  if (input_scale.defined()) {
    const auto w = weightScale();
    return (options_.per_channel ? w.squeeze(1) : w) * input_scale.detach();
  }
  const auto max_abs = bias.abs().max() / static_cast<double>(IntRange::signedNarrow(options_.bias_bits).max);
  return torch::where(max_abs > 0, max_abs, torch::ones_like(max_abs));
}

torch::Tensor QuantLinearImpl::effectiveBias(const torch::Tensor& input_scale) const {
  last_input_scale_ = input_scale.defined() ? input_scale.detach() : input_scale;
  if (!options_.bias_bits) return bias;
  return fakeQuantize(bias, biasScale(input_scale), IntRange::signedFull(options_.bias_bits));
}

torch::Tensor QuantLinearImpl::productsOnGrids(const torch::Tensor& x, const InputGrids& grids,
                                               std::int64_t first_column, const torch::Tensor& start) const {
  if (!computesOnGrids(grids)) throw Error("QuantLinear: products on grids need quantized weights and grids");
  if (x.size(1) != grids.width() || first_column + grids.width() > options_.in)
    throw Error("QuantLinear: input grids of " + std::to_string(grids.width()) + " columns for an input of " +
                std::to_string(x.size(1)) + " columns from weight column " + std::to_string(first_column) + " of " +
                std::to_string(options_.in));
  const torch::Tensor w_scale = weightScale();
  const torch::Tensor codes = gridCodes(maskedWeight(), w_scale, IntRange::signedNarrow(options_.weight_bits));
  const torch::Tensor row_scale = options_.per_channel ? w_scale.squeeze(1) : w_scale;
  torch::Tensor y = start;
  std::int64_t column = 0;
  for (const auto& run : grids.runs) {
    const auto sums = torch::matmul(codesOnGrid(x.narrow(1, column, run.width), run.scale),
                                    codes.narrow(1, first_column + column, run.width).t());
    const auto factor = row_scale * run.scale;
    // y + sums x factor rounded once, as the runtime's multiply-add (the sums are integers below
    // 2^24, floats).
    y = y.defined() ? fusedMultiplyAdd(y, sums, factor) : sums * factor;
    column += run.width;
  }
  return y;
}

torch::Tensor QuantLinearImpl::forward(const torch::Tensor& x, const InputGrids& grids) {
  const torch::Tensor b = effectiveBias(grids.bias_scale);
  if (computesOnGrids(grids)) {
    if (grids.width() != options_.in)
      throw Error("QuantLinear: input grids of " + std::to_string(grids.width()) + " columns for a layer of " +
                  std::to_string(options_.in) + " inputs");
    return productsOnGrids(x, grids, 0, b);
  }
  return affine(x, effectiveWeight(), b);
}

void QuantLinearImpl::setMask(const torch::Tensor& mask) {
  if (mask.sizes() != weight.sizes()) throw Error("pruning mask shape does not match the weight");
  const auto m = mask.to(weight.device(), torch::kFloat32);
  if (hasMask()) mask_.copy_(m);
  else mask_ = register_buffer("weight_mask", m.clone());
  applyMask();
}

void QuantLinearImpl::applyMask() {
  if (!hasMask()) return;
  torch::NoGradGuard no_grad;
  weight.mul_(mask_);
}

ActivationQuantizerImpl::ActivationQuantizerImpl(const ActivationQuantOptions& options) : options_(options) {
  if (!options.bits) return;
  const auto shape = options.channels > 0 ? std::vector<std::int64_t>{options.channels} : std::vector<std::int64_t>{};
  scale_ = options.learned ? register_parameter("scale", torch::ones(shape)) : register_buffer("scale", torch::ones(shape));
  observed_ = register_buffer("observed", torch::zeros({}));
}

IntRange ActivationQuantizerImpl::range() const {
  return options_.is_signed ? IntRange::signedNarrow(options_.bits) : IntRange::unsignedRange(options_.bits);
}

torch::Tensor ActivationQuantizerImpl::scale() const {
  if (!options_.bits) return {};
  return scale_.clamp_min(1e-8);  // a learned scale must stay positive
}

torch::Tensor ActivationQuantizerImpl::forward(const torch::Tensor& x) {
  if (!options_.bits) return x;
  const bool first = observed_.item<float>() == 0;
  // Not while a stage is recomputed for its backward pass: it must see the scale it was run with.
  if ((first || (is_training() && !options_.learned)) && x.numel() > 0 && !isRecomputing()) {
    torch::NoGradGuard no_grad;
    const auto magnitude = options_.is_signed ? x.abs() : x;
    const auto max = options_.channels > 0 ? std::get<0>(magnitude.max(0)) : magnitude.max();
    const auto seen = max.clamp_min(0) / static_cast<double>(range().max);
    if (first) scale_.copy_(seen);
    else scale_.mul_(0.9).add_(seen, 0.1);
    observed_.fill_(1);
  }
  return fakeQuantize(x, scale(), range());
}

}  // namespace efgnn

#include "compress/QuantLayers.hpp"

#include <cmath>

#include "core/Error.hpp"

namespace efgnn {

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
  return efgnn::weightScale(hasMask() ? weight * mask_ : weight, options_.weight_bits, options_.per_channel);
}

torch::Tensor QuantLinearImpl::effectiveWeight() const {
  const torch::Tensor w = hasMask() ? weight * mask_ : weight;
  if (!options_.weight_bits) return w;
  return fakeQuantize(w, efgnn::weightScale(w, options_.weight_bits, options_.per_channel),
                      IntRange::signedNarrow(options_.weight_bits));
}

torch::Tensor QuantLinearImpl::biasScale(const torch::Tensor& input_scale) const {
  if (!options_.bias_bits) return {};
  torch::NoGradGuard no_grad;
  if (input_scale.defined()) {
    const auto w = weightScale();
    // Inputs with one scale per feature: the finest of them is the bias grid's input scale.
    const auto in = input_scale.numel() > 1 ? input_scale.detach().min() : input_scale.detach();
    return (options_.per_channel ? w.squeeze(1) : w) * in;
  }
  const auto max_abs = bias.abs().max() / static_cast<double>(IntRange::signedNarrow(options_.bias_bits).max);
  return torch::where(max_abs > 0, max_abs, torch::ones_like(max_abs));
}

torch::Tensor QuantLinearImpl::effectiveBias(const torch::Tensor& input_scale) const {
  last_input_scale_ = input_scale.defined() ? input_scale.detach() : input_scale;
  if (!options_.bias_bits) return bias;
  return fakeQuantize(bias, biasScale(input_scale), IntRange::signedFull(options_.bias_bits));
}

torch::Tensor QuantLinearImpl::forward(const torch::Tensor& x, const torch::Tensor& input_scale) {
  return torch::linear(x, effectiveWeight(), effectiveBias(input_scale));
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
  if ((first || (is_training() && !options_.learned)) && x.numel() > 0) {
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

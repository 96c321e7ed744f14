#pragma once
// The layers a compressed model is made of: a Linear layer with optional pruning mask and
// fake-quantized weights and bias, and an activation quantizer. With every bit width 0 and no
// mask they compute exactly what torch::nn::Linear and the plain activation compute, so float
// models use them too and one code path serves all.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "quant/FakeQuantize.hpp"

namespace efgnn {

/// The integer grids a Linear's input lies on: consecutive runs of columns, each on the grid
/// of one scale (a state's codes, the sums of edge codes into a node, one input feature). A
/// quantized Linear whose whole input lies on grids computes on the codes (QuantLinear); an
/// input off every grid (InteractionGNN's residual sums) has no runs but still gives its
/// quantized bias a grid; a float input has neither.
struct InputGrids {
  struct Run {
    std::int64_t width = 0;
    torch::Tensor scale;  // one value
  };
  std::vector<Run> runs;
  torch::Tensor bias_scale;  // the finest of the input's grids; undefined for a float input

  /// `width` columns on the grid of `scale` (float when undefined).
  static InputGrids of(std::int64_t width, const torch::Tensor& scale);
  /// One column per scale of `scales` [width] (input features); float when undefined.
  static InputGrids perColumn(const torch::Tensor& scales);
  /// Off every grid, its bias on the grid of `bias_scale`.
  static InputGrids offGrid(const torch::Tensor& bias_scale);
  /// These columns followed by `next`'s; off grid or float if either is.
  InputGrids then(const InputGrids& next) const;
  bool onGrids() const { return !runs.empty(); }
  std::int64_t width() const;
};

struct QuantLinearOptions {
  int in = 0, out = 0;
  int weight_bits = 0;       // 0: float weights
  bool per_channel = false;  // one weight scale per output row
  int bias_bits = 0;         // 0: float bias
  bool prunable = true;      // a hidden layer (not reading input features, not producing logits)
};

class QuantLinearImpl : public torch::nn::Module {
 public:
  explicit QuantLinearImpl(const QuantLinearOptions& options);
  /// x W^T + b. In evaluation mode, with quantized weights and an input on grids, computed on
  /// the codes as the integer runtime computes it (productsOnGrids from the bias), so the two
  /// agree bit for bit; else (training: faster steps, the same values up to float
  /// rounding, the same gradients) with the fake-quantized weight.
  torch::Tensor forward(const torch::Tensor& x, const InputGrids& grids = {});
  /// Whether forward computes on the codes for such an input.
  bool computesOnGrids(const InputGrids& grids) const {
    return !is_training() && options_.weight_bits && grids.onGrids();
  }
  /// The product of x, on `grids`, with the weight's columns from `first_column` on: per run,
  /// (codes of x) x (weight codes)^T, exact integers in float (sums below 2^24), times (weight
  /// scale x run scale), added to `start` (undefined: zero) one run after the other, each
  /// multiply-add rounded once. The runtime's integer kernels do the same operations in the
  /// same order.
  torch::Tensor productsOnGrids(const torch::Tensor& x, const InputGrids& grids, std::int64_t first_column,
                                const torch::Tensor& start) const;
  /// Weight with the pruning mask applied, before quantization.
  torch::Tensor maskedWeight() const;
  /// Weight as the forward pass uses it: masked, then fake-quantized.
  torch::Tensor effectiveWeight() const;
  /// Bias as the forward pass uses it for an input whose finest grid has the given scale.
  torch::Tensor effectiveBias(const torch::Tensor& input_scale) const;
  /// Scale of the weight grid ([] per tensor, [out, 1] per channel); undefined for float weights.
  torch::Tensor weightScale() const;
  /// The input scale of the last forward pass (undefined before one, or for float inputs): the
  /// grid a quantized bias sits on, for export.
  const torch::Tensor& lastInputScale() const { return last_input_scale_; }
  /// Scale of the bias grid ([] or [out]); undefined for a float bias.
  torch::Tensor biasScale(const torch::Tensor& input_scale) const;

  /// Pruning: a 0/1 mask of the weight's shape, kept as the buffer "weight_mask" so that
  /// checkpoints carry it. Masked weights take no part in the forward pass and are held at
  /// zero by applyMask() after each optimiser step.
  bool hasMask() const { return mask_.defined(); }
  const torch::Tensor& mask() const { return mask_; }
  void setMask(const torch::Tensor& mask);
  void applyMask();
  const QuantLinearOptions& options() const { return options_; }

  torch::Tensor weight, bias;

 private:
  QuantLinearOptions options_;
  torch::Tensor mask_;
  mutable torch::Tensor last_input_scale_;
};
TORCH_MODULE(QuantLinear);

struct ActivationQuantOptions {
  int bits = 0;          // 0: no quantization
  bool is_signed = false;  // signed narrow range (inputs, norm outputs), else unsigned (after ReLU)
  bool learned = false;  // learned scale (parameter) instead of a calibrated one (buffer)
  int channels = 0;      // > 0: one scale per column of [rows, channels] inputs (features of
                         // very different ranges), else one scale per tensor
};

/// Fake-quantizes activations to a grid whose scale is either calibrated (running maximum of
/// the values seen in training, momentum 0.1, then frozen) or learned (initialised from the
/// first batch, then trained). The buffer "observed" records that the scale is initialised;
/// an uninitialised quantizer calibrates on its first input whatever the mode.
class ActivationQuantizerImpl : public torch::nn::Module {
 public:
  explicit ActivationQuantizerImpl(const ActivationQuantOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  /// The grid's scale ([] or [channels]); undefined when bits is 0.
  torch::Tensor scale() const;
  IntRange range() const;
  const ActivationQuantOptions& options() const { return options_; }

 private:
  ActivationQuantOptions options_;
  torch::Tensor scale_, observed_;
};
TORCH_MODULE(ActivationQuantizer);

}  // namespace efgnn

#pragma once
// Quantization of a model (REFERENCE.md section 7, Brevitas semantics), as flat config keys
// beside the model's. A bit width of 0 keeps that part in float32.
//
//   weight_bits      signed narrow-range integers, scale max|w| / (2^(b-1) - 1)
//   weight_scaling   per_tensor (one scale per Linear) or per_channel (one per output row)
//   bias_bits        signed integers on the grid (input scale x weight scale; for inputs on
//                    several grids, the finest); a Linear whose input is not quantized uses
//                    max|b| / (2^(b-1) - 1) instead
//   activation_bits  unsigned integers after each hidden ReLU
//   input_bits       signed integers for the model's input features, one scale per feature
//   norm_bits        signed integers for the outputs of normalisation layers
//   activation_scaling  calibrated (running maximum, frozen at evaluation) or learned
//                    (a trained parameter, LSQ gradient)
#include <string>
#include <vector>

#include "core/ConfigFields.hpp"

namespace efgnn {

struct QuantConfig {
  int weight_bits = 0, bias_bits = 0, activation_bits = 0, input_bits = 0, norm_bits = 0;
  std::string weight_scaling = "per_tensor";
  std::string activation_scaling = "calibrated";

  bool quantized() const { return weight_bits || bias_bits || activation_bits || input_bits || norm_bits; }
  bool perChannel() const { return weight_scaling == "per_channel"; }
  bool learnedScales() const { return activation_scaling == "learned"; }
  /// Bit widths 0 or 2..16, known scaling names; throws Error naming the key.
  void validate() const;
  /// "float" or e.g. "w6a6" (weights, activations), for tables.
  std::string label() const;
  bool operator==(const QuantConfig&) const = default;

  static const std::vector<ConfigField<QuantConfig>>& fields();
};

}  // namespace efgnn

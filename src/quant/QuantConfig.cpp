#include "quant/QuantConfig.hpp"

#include "core/Error.hpp"

namespace efgnn {

const std::vector<ConfigField<QuantConfig>>& QuantConfig::fields() {
  static const std::vector<ConfigField<QuantConfig>> f{
      configField("weight_bits", &QuantConfig::weight_bits),
      configField("bias_bits", &QuantConfig::bias_bits),
      configField("activation_bits", &QuantConfig::activation_bits),
      configField("input_bits", &QuantConfig::input_bits),
      configField("norm_bits", &QuantConfig::norm_bits),
      configField("weight_scaling", &QuantConfig::weight_scaling),
      configField("activation_scaling", &QuantConfig::activation_scaling),
  };
  return f;
}

void QuantConfig::validate() const {
  const auto bits = [](int b, const char* key) {
    if (b != 0 && (b < 2 || b > 16))
      throw Error(std::string("model: ") + key + " must be 0 (float) or between 2 and 16, got " + std::to_string(b));
  };
  bits(weight_bits, "weight_bits");
  bits(bias_bits, "bias_bits");
  bits(activation_bits, "activation_bits");
  bits(input_bits, "input_bits");
  bits(norm_bits, "norm_bits");
  if (weight_scaling != "per_tensor" && weight_scaling != "per_channel")
    throw Error("model: weight_scaling must be per_tensor or per_channel, got '" + weight_scaling + "'");
  if (activation_scaling != "calibrated" && activation_scaling != "learned")
    throw Error("model: activation_scaling must be calibrated or learned, got '" + activation_scaling + "'");
  if (bias_bits && !weight_bits) throw Error("model: bias_bits needs weight_bits (the bias grid is input x weight scale)");
}

std::string QuantConfig::label() const {
  if (!quantized()) return "float";
  std::string s;
  if (weight_bits) s += "w" + std::to_string(weight_bits);
  if (activation_bits) s += "a" + std::to_string(activation_bits);
  if (bias_bits) s += "b" + std::to_string(bias_bits);
  if (input_bits) s += "i" + std::to_string(input_bits);
  if (norm_bits) s += "n" + std::to_string(norm_bits);
  return s;
}

}  // namespace efgnn

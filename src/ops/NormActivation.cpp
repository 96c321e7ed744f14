#include "ops/NormActivation.hpp"

#include "ops/TrainingKernels.hpp"
#include "runtime/Kernels.hpp"

namespace efgnn {
namespace {

class LayerNormActivationFunction : public torch::autograd::Function<LayerNormActivationFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& h_in,
                               const std::string& activation) {
    const auto h = h_in.contiguous();
    const auto rows = static_cast<std::size_t>(h.size(0)), width = static_cast<std::size_t>(h.size(1));
    auto y = torch::empty_like(h), xhat = torch::empty_like(h), rstd = torch::empty({h.size(0)}, h.options());
    const auto act = runtime::activationOf(activation, "hidden_activation");
    runtime::normalizeAndActivateRows(h.data_ptr<float>(), rows, width, act, y.data_ptr<float>(),
                                      xhat.data_ptr<float>(), rstd.data_ptr<float>(), trainingExecution());
    ctx->save_for_backward({xhat, rstd});
    ctx->saved_data["activation"] = activation;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& xhat = saved[0];
    const auto& rstd = saved[1];
    const auto dy = grads[0].contiguous();
    auto dh = torch::empty_like(xhat);
    const auto act = runtime::activationOf(ctx->saved_data["activation"].toStringRef(), "hidden_activation");
    runtime::normalizeAndActivateRowsBackward(dy.data_ptr<float>(), xhat.data_ptr<float>(), rstd.data_ptr<float>(),
                                              static_cast<std::size_t>(xhat.size(0)),
                                              static_cast<std::size_t>(xhat.size(1)), act, dh.data_ptr<float>(),
                                              trainingExecution());
    return {dh, torch::Tensor()};
  }
};

torch::Tensor activated(const torch::Tensor& x, const std::string& activation) {
  if (activation == "ReLU") return torch::relu(x);
  if (activation == "SiLU") return torch::silu(x);
  return torch::tanh(x);
}

}  // namespace

torch::Tensor layerNormActivation(const torch::Tensor& h, const std::string& activation) {
  if (!onOwnKernels({h}) || h.size(1) == 0) return activated(torch::layer_norm(h, {h.size(-1)}, {}, {}, 1e-5), activation);
  return LayerNormActivationFunction::apply(h, activation);
}

}  // namespace efgnn

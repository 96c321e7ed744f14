#include "ops/Affine.hpp"

#include "ops/TrainingKernels.hpp"
#include "runtime/Kernels.hpp"

namespace efgnn {
namespace {

/// A dense layer of `in` inputs and `out` outputs whose transposed weight [in][out] is `wt`
/// (row-major), with `bias` [out] or none.
runtime::DenseLayer denseLayer(const torch::Tensor& wt, const torch::Tensor& bias) {
  runtime::DenseLayer layer;
  layer.in = static_cast<int>(wt.size(0));
  layer.out = static_cast<int>(wt.size(1));
  const auto w = wt.contiguous();
  layer.wt.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
  if (bias.defined()) {
    const auto b = bias.contiguous();
    layer.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
  }
  return layer;
}

class AffineFunction : public torch::autograd::Function<AffineFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x_in,
                               const torch::Tensor& w, const torch::Tensor& b) {
    const auto x = x_in.contiguous();
    const bool has_bias = b.numel() > 0;  // no bias: an empty tensor (apply takes no undefined ones)
    const auto layer = denseLayer(w.detach().t(), has_bias ? b.detach() : torch::Tensor());
    auto y = torch::empty({x.size(0), w.size(0)}, x.options());
    runtime::runDense(layer, x.data_ptr<float>(), static_cast<std::size_t>(x.size(0)), static_cast<std::size_t>(x.size(1)),
                      y.data_ptr<float>(), static_cast<std::size_t>(y.size(1)), trainingExecution());
    ctx->save_for_backward({x, w});
    ctx->saved_data["has_bias"] = has_bias;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& w = saved[1];
    const auto dy = grads[0].contiguous();
    const auto rows = static_cast<std::size_t>(x.size(0));
    const int in = static_cast<int>(x.size(1)), out = static_cast<int>(w.size(0));
    torch::Tensor dx, dw, db;
    if (ctx->needs_input_grad(0)) {
      // dx = dy W: a dense layer of `out` inputs whose transposed weight is W itself.
      dx = torch::empty(x.sizes(), x.options());
      runtime::runDense(denseLayer(w.detach(), {}), dy.data_ptr<float>(), rows, static_cast<std::size_t>(out),
                        dx.data_ptr<float>(), static_cast<std::size_t>(in), trainingExecution());
    }
    const bool has_bias = ctx->saved_data["has_bias"].toBool();
    if (ctx->needs_input_grad(1) || (has_bias && ctx->needs_input_grad(2))) {
      dw = torch::empty(w.sizes(), w.options());
      if (has_bias) db = torch::empty({out}, w.options());
      runtime::denseWeightGradient(dy.data_ptr<float>(), rows, static_cast<std::size_t>(out), out, x.data_ptr<float>(),
                                   static_cast<std::size_t>(in), in, dw.data_ptr<float>(),
                                   has_bias ? db.data_ptr<float>() : nullptr, trainingExecution());
    }
    return {dx, ctx->needs_input_grad(1) ? dw : torch::Tensor(), has_bias ? db : torch::Tensor()};
  }
};

}  // namespace

torch::Tensor affine(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  const bool bias_on_cpu = !b.defined() || (b.device().is_cpu() && b.scalar_type() == torch::kFloat32);
  if (!onOwnKernels({x, w}) || !bias_on_cpu || x.size(1) > 1024 || w.size(0) > 1024) return torch::linear(x, w, b);
  return AffineFunction::apply(x, w, b.defined() ? b : torch::empty({0}, w.options()));
}

}  // namespace efgnn

// The training engine for full graphs: efgnn's kernels (ops/Affine.hpp) and per-iteration
// recomputation (ModelConfig::checkpointing) give the losses and gradients of the plain LibTorch
// path, for every architecture option, quantization-aware models included.
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include <functional>

#include "model/EdgeClassifierModel.hpp"
#include "ops/Affine.hpp"
#include "ops/MessagePassing.hpp"
#include "ops/NormActivation.hpp"
#include "ops/TrainingKernels.hpp"

namespace efgnn {
namespace {

/// Restores the process's training kernels when a test ends.
struct KernelsSetting {
  TrainingKernels saved = trainingKernels();
  ~KernelsSetting() { setTrainingKernels(saved); }
};

TEST(Affine, ValuesAndGradientsAgreeWithLibTorch) {
  KernelsSetting restore;
  torch::manual_seed(4);
  for (const auto& [rows, in, out] : std::vector<std::array<int, 3>>{{1, 4, 48}, {700, 48, 48}, {3000, 288, 48},
                                                                       {500, 48, 192}, {64, 17, 1},
                                                                       {300, 32, 16}, {300, 16, 32}, {300, 16, 16}}) {
    const auto x0 = torch::relu(torch::randn({rows, in})), w0 = torch::randn({out, in}) * 0.1, b0 = torch::randn({out});
    const auto dy = torch::relu(torch::randn({rows, out}));  // zeros where a ReLU was off
    std::vector<torch::Tensor> results[2];
    for (const auto kernels : {TrainingKernels::Efgnn, TrainingKernels::LibTorch}) {
      setTrainingKernels(kernels);
      auto x = x0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true), b = b0.clone().requires_grad_(true);
      const auto y = affine(x, w, b);
      y.backward(dy);
      results[kernels == TrainingKernels::Efgnn ? 0 : 1] = {y, x.grad(), w.grad(), b.grad()};
    }
    const char* names[] = {"y", "dx", "dw", "db"};
    for (int i = 0; i < 4; ++i)
      EXPECT_TRUE(torch::allclose(results[0][i], results[1][i], 1e-4, 1e-4))
          << names[i] << " of " << rows << "x" << in << "->" << out << ": largest difference "
          << (results[0][i] - results[1][i]).abs().max().item<float>();
  }
}

/// The values and input gradients of `op` on efgnn's kernels and on LibTorch's, for a random
/// upstream gradient.
void expectSameOnBothKernels(const std::function<torch::Tensor(const std::vector<torch::Tensor>&)>& op,
                             const std::vector<torch::Tensor>& inputs, const std::string& what) {
  std::vector<torch::Tensor> results[2];
  torch::Tensor upstream;
  for (const auto kernels : {TrainingKernels::Efgnn, TrainingKernels::LibTorch}) {
    setTrainingKernels(kernels);
    std::vector<torch::Tensor> leaves;
    for (const auto& t : inputs) leaves.push_back(t.clone().requires_grad_(true));
    const auto y = op(leaves);
    if (!upstream.defined()) upstream = torch::randn_like(y);
    y.backward(upstream);
    auto& r = results[kernels == TrainingKernels::Efgnn ? 0 : 1];
    r.push_back(y.detach());
    for (const auto& l : leaves) r.push_back(l.grad());
  }
  for (std::size_t i = 0; i < results[0].size(); ++i)
    EXPECT_TRUE(torch::allclose(results[0][i], results[1][i], 1e-4, 1e-5))
        << what << (i == 0 ? ": values" : ": gradient of input " + std::to_string(i - 1)) << ", largest difference "
        << (results[0][i] - results[1][i]).abs().max().item<float>();
}

TEST(MessagePassing, GathersAndSumsAgreeWithLibTorch) {
  KernelsSetting restore;
  torch::manual_seed(5);
  const std::int64_t n = 200, e = 700;
  auto src = torch::randint(0, n, {e}, torch::kInt64), dst = torch::randint(0, n, {e}, torch::kInt64);
  src.narrow(0, 0, 20).fill_(7);  // a node with many edges, and self-loops
  dst.narrow(0, 10, 20).fill_(7);
  for (const int width : {16, 48, 5}) {
    expectSameOnBothKernels([&](const auto& t) { return gatherPairSum(t[0], t[1], src, dst); },
                            {torch::randn({n, width}), torch::randn({n, width})}, "gatherPairSum");
    for (const bool separate : {true, false})
      expectSameOnBothKernels([&](const auto& t) { return messageSums(t[0], src, dst, n, separate); },
                              {torch::randn({e, width})}, separate ? "messageSums separate" : "messageSums");
  }
}

TEST(NormActivation, LayerNormAndActivationAgreeWithLibTorch) {
  KernelsSetting restore;
  torch::manual_seed(6);
  for (const char* activation : {"ReLU", "SiLU", "Tanh"})
    for (const int width : {16, 48, 7})
      expectSameOnBothKernels([&](const auto& t) { return layerNormActivation(t[0], activation); },
                              {torch::randn({300, width}) * 3 + 1}, std::string("layerNormActivation ") + activation);
}

ModelConfig small(const std::string& flavour = "InteractionGNN2") {
  ModelConfig c;
  c.model = flavour;
  c.hidden = 16;  // whole vectors: the kernels' register-blocked paths
  c.n_graph_iters = 3;
  c.nb_node_layer = 2;
  c.nb_edge_layer = 2;
  return c;
}

/// Every architecture option, one at a time, and quantization-aware ones.
std::vector<ModelConfig> everyOption() {
  std::vector<ModelConfig> configs{small(), small("InteractionGNN")};
  for (const char* a : {"SiLU", "Tanh"}) {
    configs.push_back(small());
    configs.back().hidden_activation = a;
  }
  auto c = small();
  c.layernorm = false;
  c.batchnorm = true;
  configs.push_back(c);
  c = small();
  c.layernorm = false;
  configs.push_back(c);
  c = small();
  c.concat = false;
  configs.push_back(c);
  c = small();
  c.in_out_diff_agg = false;
  configs.push_back(c);
  c.concat = false;
  configs.push_back(c);
  c = small();
  c.node_net_recurrent = c.edge_net_recurrent = true;
  configs.push_back(c);
  c = small();
  c.edge_features = 0;
  configs.push_back(c);
  for (const char* scaling : {"calibrated", "learned"}) {
    c = small();
    c.quant.weight_bits = c.quant.activation_bits = c.quant.input_bits = 6;
    c.quant.activation_scaling = scaling;
    configs.push_back(c);
  }
  c = small();
  c.node_net_recurrent = c.edge_net_recurrent = true;
  c.quant.weight_bits = c.quant.activation_bits = 4;
  c.quant.activation_scaling = "learned";
  configs.push_back(c);
  return configs;
}

struct Step {
  torch::Tensor loss;
  std::vector<torch::Tensor> grads, buffers;
};

/// Two training steps' worth of forward and backward passes (the second after the quantizers
/// have calibrated) on a fixed random graph; the gradients of the second.
Step trainingStep(const ModelConfig& config, TrainingKernels kernels, bool checkpointing) {
  setTrainingKernels(kernels);
  ModelConfig c = config;
  c.checkpointing = checkpointing;
  torch::manual_seed(11);
  auto model = makeModel(c);
  model->train();
  const std::int64_t n = 300, e = 900;
  const auto x = torch::randn({n, c.node_features});
  const auto edge_index = torch::randint(0, n, {2, e}, torch::kInt64);
  const auto edge_attr = torch::randn({e, c.edge_features});
  const auto truth = torch::randint(0, 2, {e}).to(torch::kFloat32);
  Step s;
  for (int pass = 0; pass < 2; ++pass) {
    model->zero_grad();
    s.loss = torch::binary_cross_entropy_with_logits(model->forward(x, edge_index, edge_attr), truth);
    s.loss.backward();
  }
  for (const auto& p : model->parameters()) s.grads.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
  for (const auto& b : model->buffers()) s.buffers.push_back(b.clone());
  return s;
}

/// max |a - b| over max |b| across a model's gradients.
double relativeDifference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double worst = 0, scale = 1e-12;
  for (std::size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>());
    scale = std::max(scale, b[i].abs().max().item<double>());
  }
  return worst / scale;
}

TEST(TrainingEngine, LossesAndGradientsAgreeWithThePlainPathForEveryOption) {
  KernelsSetting restore;
  for (const auto& config : everyOption()) {
    const Step plain = trainingStep(config, TrainingKernels::LibTorch, false);
    const Step engine = trainingStep(config, TrainingKernels::Efgnn, true);
    const Step recomputed = trainingStep(config, TrainingKernels::LibTorch, true);
    ASSERT_EQ(plain.grads.size(), engine.grads.size());
    const bool quantized = config.quant.activation_bits > 0;
    // Recomputation alone repeats the same arithmetic: the same loss, the same gradients up to the
    // order in which a shared parameter's contributions are added.
    EXPECT_EQ(recomputed.loss.item<float>(), plain.loss.item<float>()) << config.toYaml();
    EXPECT_LT(relativeDifference(recomputed.grads, plain.grads), 1e-5) << config.toYaml();
    for (std::size_t i = 0; i < plain.buffers.size(); ++i)
      EXPECT_TRUE(torch::equal(recomputed.buffers[i], plain.buffers[i])) << "buffer " << i << "\n" << config.toYaml();
    // Other kernels round differently. Where a ReLU's input lies within rounding of zero, its
    // derivative (0 or 1) may then flip, and the gradient moves by that row's share: measured
    // 3e-3 of the largest gradient on one of these graphs, for LibTorch's kernels as for efgnn's
    // (a relative change of 1e-6 in the input features moves LibTorch's by as much). With
    // quantized activations a value at a grid's rounding boundary may move by one step. A wrong
    // operation gives differences of order one (each operation is compared at 1e-4 above).
    EXPECT_NEAR(engine.loss.item<float>(), plain.loss.item<float>(), quantized ? 1e-3 : 1e-5) << config.toYaml();
    EXPECT_LT(relativeDifference(engine.grads, plain.grads), quantized ? 3e-2 : 1e-2) << config.toYaml();
  }
}

TEST(TrainingEngine, GradientsDoNotDependOnTheThreadCount) {
  KernelsSetting restore;
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const Step one = trainingStep(small(), TrainingKernels::Efgnn, true);
  at::set_num_threads(2);
  const Step two = trainingStep(small(), TrainingKernels::Efgnn, true);
  at::set_num_threads(threads);
  EXPECT_EQ(one.loss.item<float>(), two.loss.item<float>());
  for (std::size_t i = 0; i < one.grads.size(); ++i) EXPECT_TRUE(torch::equal(one.grads[i], two.grads[i])) << i;
}

}  // namespace
}  // namespace efgnn

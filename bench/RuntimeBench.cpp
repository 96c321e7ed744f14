// Micro-benchmarks of the runtime: one forward pass of a randomly initialised h = 48,
// 8-iteration InteractionGNN2 on a random graph of pile-up-200 hard-cut size (15k nodes, 21k
// edges), on 1 and 2 threads, with the float kernels and with the integer ones (the same model
// quantization-aware: 6-bit weights and activations, 12-bit inputs, 90 % of the hidden layers'
// weights zero; sparse and dense weight layouts); and the multiply-add rate that implies.
#include <benchmark/benchmark.h>

#include <random>

#include "model/InteractionGnn.hpp"
#include "model/ModelExport.hpp"
#include "runtime/EdgeClassifier.hpp"

namespace {

using namespace efgnn;

struct Fixture {
  std::vector<float> x, attr;
  std::vector<std::int64_t> edge_index;
  std::size_t nodes = 15000, edges = 21000;
  runtime::ModelFile float_file, integer_file;
  Fixture() {
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    std::uniform_int_distribution<std::int64_t> node(0, static_cast<std::int64_t>(nodes) - 1);
    for (std::size_t i = 0; i < nodes * 4; ++i) x.push_back(normal(rng));
    for (std::size_t i = 0; i < edges * 6; ++i) attr.push_back(normal(rng));
    for (std::size_t i = 0; i < 2 * edges; ++i) edge_index.push_back(node(rng));
    torch::manual_seed(1);
    ModelConfig c;
    c.hidden = 48;
    float_file = toModelFile(*makeModel(c));
    c.quant.weight_bits = 6;
    c.quant.activation_bits = 6;
    c.quant.input_bits = 12;
    auto qat = makeModel(c);
    torch::NoGradGuard no_grad;
    for (auto& l : linearLayers(*qat))
      if (l.layer->weight.size(1) >= 48)  // hidden layers: 90 % of the weights zero
        l.layer->weight.masked_fill_(torch::rand_like(l.layer->weight) < 0.9, 0.f);
    qat->train();  // a pass in training mode calibrates the quantizers' scales
    const auto tensor = [](std::vector<float>& v, long rows) {
      return torch::from_blob(v.data(), {rows, static_cast<long>(v.size()) / rows});
    };
    qat->forward(tensor(x, static_cast<long>(nodes)),
                 torch::from_blob(edge_index.data(), {2, static_cast<long>(edges)}, torch::kInt64),
                 tensor(attr, static_cast<long>(edges)));
    qat->eval();
    integer_file = toModelFile(*qat);
  }
  runtime::GraphInput input() const { return {x.data(), nodes, 4, edge_index.data(), edges, attr.data(), 6}; }
};

/// Arguments: threads; integer model (0/1); sparse weight layout (0/1).
void RuntimeForward(benchmark::State& state) {
  static const Fixture f;
  const bool integer = state.range(1) != 0;
  const runtime::EdgeClassifier classifier(integer ? f.integer_file : f.float_file, "random",
                                           {static_cast<int>(state.range(0)), 256, state.range(2) != 0});
  for (auto _ : state) benchmark::DoNotOptimize(classifier.logits(f.input()));
  state.SetLabel(!integer ? "float" : state.range(2) ? "integer, sparse" : "integer, dense");
  state.counters["MAC/s"] = benchmark::Counter(classifier.multiplyAdds(f.nodes, f.edges),
                                               benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(RuntimeForward)
    ->ArgNames({"threads", "integer", "sparse"})
    ->ArgsProduct({{1, 2}, {0}, {0}})
    ->ArgsProduct({{1, 2}, {1}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

// Micro-benchmarks of the runtime: one forward pass of a randomly initialised h = 48,
// 8-iteration InteractionGNN2 on a random graph of pile-up-200 hard-cut size (15k nodes, 21k
// edges), on 1 and 2 threads; and the multiply-add rate that implies.
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
  runtime::ModelFile file;
  Fixture() {
    torch::manual_seed(1);
    ModelConfig c;
    c.hidden = 48;
    file = toModelFile(*makeModel(c));
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    std::uniform_int_distribution<std::int64_t> node(0, static_cast<std::int64_t>(nodes) - 1);
    for (std::size_t i = 0; i < nodes * 4; ++i) x.push_back(normal(rng));
    for (std::size_t i = 0; i < edges * 6; ++i) attr.push_back(normal(rng));
    for (std::size_t i = 0; i < 2 * edges; ++i) edge_index.push_back(node(rng));
  }
  runtime::GraphInput input() const { return {x.data(), nodes, 4, edge_index.data(), edges, attr.data(), 6}; }
};

void RuntimeFloatForward(benchmark::State& state) {
  static const Fixture f;
  const runtime::EdgeClassifier classifier(f.file, "random", {static_cast<int>(state.range(0)), 256});
  for (auto _ : state) benchmark::DoNotOptimize(classifier.logits(f.input()));
  state.counters["MAC/s"] = benchmark::Counter(classifier.multiplyAdds(f.nodes, f.edges),
                                               benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(RuntimeFloatForward)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

// Micro-benchmarks of the simulation stages on the trackml preset.
#include <benchmark/benchmark.h>

#include "geometry/DetectorConfig.hpp"
#include "sim/DetectorSimulation.hpp"
#include "sim/HardScatter.hpp"
#include "sim/MinimumBias.hpp"

namespace {

const efgnn::Detector& trackml() {
  static const efgnn::Detector d = efgnn::loadDetector("trackml");
  return d;
}

void BM_GenerateMinimumBias(benchmark::State& state) {
  efgnn::MinimumBiasConfig config;
  config.pileup = static_cast<double>(state.range(0));
  const efgnn::MinimumBiasGenerator gen(config);
  std::uint64_t i = 0;
  for (auto _ : state) {
    efgnn::Rng rng(1, {i++});
    benchmark::DoNotOptimize(gen.generate(0, rng));
  }
}
BENCHMARK(BM_GenerateMinimumBias)->Arg(200)->Unit(benchmark::kMillisecond);

void BM_SimulateEvent(benchmark::State& state) {
  efgnn::MinimumBiasConfig config;
  config.pileup = static_cast<double>(state.range(0));
  const efgnn::MinimumBiasGenerator gen(config);
  const efgnn::DetectorSimulation sim(trackml(), {});
  std::uint64_t i = 0, hits = 0;
  for (auto _ : state) {
    efgnn::Rng rng(1, {i++});
    const auto event = sim.simulate(0, gen.generate(0, rng), rng);
    hits += event.hits.size();
  }
  state.counters["hits/event"] = benchmark::Counter(static_cast<double>(hits) / state.iterations());
}
BENCHMARK(BM_SimulateEvent)->Arg(50)->Arg(200)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

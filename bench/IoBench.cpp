// Reading and writing one simulated ttbar + 200 pile-up event in each format.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "geometry/DetectorConfig.hpp"
#include "io/EventStoreH5.hpp"
#include "io/TrackMLCsv.hpp"
#include "sim/EventSimulator.hpp"
#include "sim/HardScatter.hpp"
#include "sim/MinimumBias.hpp"

namespace {

namespace fs = std::filesystem;

const efgnn::Event& event() {
  static const efgnn::Event e = [] {
    const efgnn::Detector det = efgnn::loadDetector("trackml");
    efgnn::MinimumBiasConfig mb;
    auto source = std::make_shared<efgnn::CombinedSource>();
    source->add(std::make_shared<efgnn::TtbarGenerator>(efgnn::TtbarConfig{}, mb));
    source->add(std::make_shared<efgnn::MinimumBiasGenerator>(mb));
    return efgnn::EventSimulator(source, det, {}, 1).simulate(0);
  }();
  return e;
}

fs::path scratch() {
  const fs::path d = fs::temp_directory_path() / "efgnn-io-bench";
  fs::create_directories(d);
  return d;
}

void BM_WriteCsv(benchmark::State& state) {
  const bool gzip = state.range(0) != 0;
  for (auto _ : state) efgnn::writeTrackMLEvent(event(), scratch(), gzip);
  state.counters["hits"] = static_cast<double>(event().hits.size());
}
BENCHMARK(BM_WriteCsv)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_ReadCsv(benchmark::State& state) {
  efgnn::writeTrackMLEvent(event(), scratch(), state.range(0) != 0);
  for (auto _ : state) benchmark::DoNotOptimize(efgnn::readTrackMLEvent(scratch(), event().event_id));
}
BENCHMARK(BM_ReadCsv)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_WriteH5(benchmark::State& state) {
  for (auto _ : state) efgnn::writeEventsH5({event()}, scratch() / "event.h5", "trackml");
}
BENCHMARK(BM_WriteH5)->Unit(benchmark::kMillisecond);

void BM_ReadH5(benchmark::State& state) {
  efgnn::writeEventsH5({event()}, scratch() / "event.h5", "trackml");
  for (auto _ : state) benchmark::DoNotOptimize(efgnn::readEventH5(scratch() / "event.h5", event().event_id));
}
BENCHMARK(BM_ReadH5)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

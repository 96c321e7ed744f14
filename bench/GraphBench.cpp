// Graph construction on full events, one thread: the module-map edge builder alone and the whole
// graph stage as the deployable chain runs it (GraphConstructor without truth labels), per
// event. The module map and events are files (bench/pipeline.sh makes both):
//   EFGNN_BENCH_MODULE_MAP=MAP.h5 EFGNN_BENCH_EVENTS=DIR bench_graph
// DIR holds efgnn's HDF5 event files and the detector.yaml that `efgnn simulate` writes beside
// them. Each iteration builds every event once; the time reported is the mean per event.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>

#include "geometry/DetectorConfig.hpp"
#include "graph/GraphConstructor.hpp"
#include "graph/ModuleMapEdgeBuilder.hpp"
#include "graph/ModuleMapFile.hpp"
#include "io/EventStoreH5.hpp"

namespace {

namespace fs = std::filesystem;

struct Inputs {
  efgnn::Detector detector;
  std::shared_ptr<const efgnn::ModuleMap> map;
  std::vector<efgnn::Event> events;
};

const Inputs& inputs() {
  static const Inputs in = [] {
    Inputs out;
    const fs::path dir = std::getenv("EFGNN_BENCH_EVENTS");
    out.detector = efgnn::loadDetector((dir / "detector.yaml").string());
    out.map = std::make_shared<const efgnn::ModuleMap>(efgnn::readModuleMap(std::getenv("EFGNN_BENCH_MODULE_MAP")));
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".h5") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files)
      for (const auto id : efgnn::listEventsH5(file)) out.events.push_back(efgnn::readEventH5(file, id));
    return out;
  }();
  return in;
}

// The chain's builder settings (efgnn reconstruct --tolerance 0.3).
std::shared_ptr<const efgnn::ModuleMapEdgeBuilder> builder() {
  efgnn::ModuleMapEdgeBuilder::Config config;
  config.relative_tolerance = 0.3f;
  return std::make_shared<const efgnn::ModuleMapEdgeBuilder>(inputs().map, inputs().detector, config);
}

/// Runs build(event) on every event per iteration; the iteration's time is the mean per event.
template <class Build>
void perEvent(benchmark::State& state, Build build) {
  const auto& events = inputs().events;
  std::size_t edges = 0;
  for (auto _ : state) {
    edges = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < events.size(); ++i) edges += build(i);
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    state.SetIterationTime(seconds.count() / static_cast<double>(events.size()));
  }
  state.counters["events"] = static_cast<double>(events.size());
  state.counters["edges/event"] = static_cast<double>(edges) / static_cast<double>(events.size());
}

void BM_EdgeBuilder(benchmark::State& state) {
  const auto edge_builder = builder();
  std::vector<std::vector<std::uint32_t>> modules;
  std::vector<efgnn::HitCoordinates> coordinates;
  for (const auto& e : inputs().events) {
    modules.push_back(efgnn::moduleIndices(e, inputs().detector, "bench"));
    coordinates.emplace_back(e);
  }
  perEvent(state, [&](std::size_t i) {
    return edge_builder->build({inputs().events[i], modules[i], coordinates[i]}).size();
  });
}

void BM_GraphStage(benchmark::State& state) {
  efgnn::GraphConstructor::Config config;
  config.labels = false;
  const efgnn::GraphConstructor constructor(inputs().detector, builder(), config);
  perEvent(state, [&](std::size_t i) { return constructor.build(inputs().events[i], "bench").numEdges(); });
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (!std::getenv("EFGNN_BENCH_MODULE_MAP") || !std::getenv("EFGNN_BENCH_EVENTS")) {
    std::cerr << "bench_graph: set EFGNN_BENCH_MODULE_MAP (a module map, .h5) and EFGNN_BENCH_EVENTS (a directory "
                 "of HDF5 events with their detector.yaml); bench/pipeline.sh makes both\n";
    return 2;
  }
  try {
    if (inputs().events.empty())
      throw std::runtime_error(std::string(std::getenv("EFGNN_BENCH_EVENTS")) + ": no events");
  } catch (const std::exception& e) {
    std::cerr << "bench_graph: " << e.what() << "\n";
    return 1;
  }
  // One untimed pass first: the builder's scratch arrays are allocated on the first events.
  for (auto* b : {benchmark::RegisterBenchmark("EdgeBuilder", BM_EdgeBuilder),
                  benchmark::RegisterBenchmark("GraphStage", BM_GraphStage)})
    b->Unit(benchmark::kMillisecond)->UseManualTime()->MinWarmUpTime(1);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}

// Graph construction on full events, one thread: the module-map edge builder alone and the whole
// graph stage as the deployable chain builds it (pipeline/makeGraphStage), per event. The module map and events are
// files (bench/pipeline.sh makes both):
//   EFGNN_BENCH_MODULE_MAP=MAP.h5 EFGNN_BENCH_EVENTS=DIR [EFGNN_BENCH_ISA=base|avx2|avx512] bench_graph
// DIR holds the events (any format --events reads) and the detector.yaml that `efgnn simulate`
// writes beside them. Each iteration builds every event once; the time reported is the mean per event.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "core/Allocator.hpp"
#include "geometry/DetectorConfig.hpp"
#include "graph/ModuleMapFile.hpp"
#include "io/EventSource.hpp"
#include "pipeline/Pipeline.hpp"

namespace {

namespace fs = std::filesystem;

struct Inputs {
  efgnn::Detector detector;
  std::vector<efgnn::Event> events;
  std::shared_ptr<const efgnn::GraphConstructor> graph_stage;  // holds a reference to detector
};

/// Read once, in main (errors are reported there). The builder's settings are those of
/// bench/pipeline.sh's `efgnn reconstruct --tolerance 0.3`.
const Inputs& inputs() {
  static const Inputs in = [] {
    Inputs out;
    const fs::path dir = std::getenv("EFGNN_BENCH_EVENTS");
    out.detector = efgnn::loadDetector((dir / "detector.yaml").string());
    const efgnn::EventDirectory events(dir);
    for (std::size_t i = 0; i < events.size(); ++i) out.events.push_back(events.read(i));
    efgnn::ModuleMapEdgeBuilder::Config config;
    config.relative_tolerance = 0.3f;
    if (const char* isa = std::getenv("EFGNN_BENCH_ISA")) config.instruction_set = efgnn::runtime::isaNamed(isa);
    auto map = std::make_shared<const efgnn::ModuleMap>(efgnn::readModuleMap(std::getenv("EFGNN_BENCH_MODULE_MAP")));
    out.graph_stage = efgnn::makeGraphStage(out.detector, std::move(map), config);
    return out;
  }();
  return in;
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
  const efgnn::EdgeBuilder& edge_builder = inputs().graph_stage->edgeBuilder();
  std::vector<std::vector<std::uint32_t>> modules;
  std::vector<efgnn::HitCoordinates> coordinates;
  for (const auto& e : inputs().events) {
    modules.push_back(efgnn::moduleIndices(e, inputs().detector, "bench"));
    coordinates.emplace_back(e);
  }
  perEvent(state, [&](std::size_t i) {
    return edge_builder.build({inputs().events[i], modules[i], coordinates[i]}).size();
  });
}

void BM_GraphStage(benchmark::State& state) {
  perEvent(state, [](std::size_t i) { return inputs().graph_stage->build(inputs().events[i], "bench").numEdges(); });
}

}  // namespace

int main(int argc, char** argv) {
  // As every efgnn command, so that the stage is timed as `efgnn reconstruct` runs it.
  const efgnn::AllocatorSettings allocator = efgnn::keepFreedMemoryForReuse();
  benchmark::AddCustomContext("allocator", allocator.how);
  benchmark::Initialize(&argc, argv);
  if (!std::getenv("EFGNN_BENCH_MODULE_MAP") || !std::getenv("EFGNN_BENCH_EVENTS")) {
    std::cerr << "bench_graph: set EFGNN_BENCH_MODULE_MAP (a module map, .h5) and EFGNN_BENCH_EVENTS (a directory "
                 "of HDF5 events with their detector.yaml); bench/pipeline.sh makes both\n";
    return 2;
  }
  try {
    inputs();
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

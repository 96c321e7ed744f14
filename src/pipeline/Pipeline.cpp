#include "pipeline/Pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "core/Error.hpp"
#include "core/Parallel.hpp"
#include "graph/Features.hpp"
#include "graph/ModuleMapFile.hpp"
#include "pipeline/RuntimeEdgeScorer.hpp"
#include "pipeline/ScoredGraphs.hpp"

namespace efgnn {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

void PipelineTiming::add(const StageTimes& ms) {
  read_.push_back(ms.read);
  graph_.push_back(ms.graph);
  scoring_.push_back(ms.scoring);
  tracks_.push_back(ms.tracks);
  total_.push_back(ms.total());
}

std::vector<StageTiming> PipelineTiming::stages() const {
  return {{"read", read_}, {"graph", graph_}, {"scoring", scoring_}, {"tracks", tracks_}, {"total", total_}};
}

Json PipelineTiming::json() const {
  Json j = Json::object();
  for (const auto& s : stages()) j[s.stage] = s.json();
  return j;
}

Pipeline::Pipeline(Stages stages, Config config) : stages_(std::move(stages)), config_(config) {
  if (!stages_.graph) throw Error("pipeline: no graph construction stage");
  if (!stages_.scorer) throw Error("pipeline: no edge scorer");
  if (!stages_.tracks) throw Error("pipeline: no track builder");
  resolveThreads(config_.event_threads);  // refuses a negative count here, not at the first event
}

Pipeline Pipeline::fromFiles(const Files& f) {
  if (!f.detector) throw Error("pipeline: no detector");
  auto map = std::make_shared<const ModuleMap>(readModuleMap(f.module_map));
  map->checkDetector(*f.detector, f.module_map);
  const runtime::ModelFile model = runtime::ModelFile::read(f.model);
  auto scorer = std::make_shared<const RuntimeEdgeScorer>(model, f.model, f.classifier);
  GraphConstructor::Config graph;
  // A model trained with the cells' node features gets them (and needs events with cells).
  graph.cell_features = hasCellFeatures(model.names("node_feature_names"));
  return Pipeline({f.detector, makeGraphStage(*f.detector, std::move(map), f.map, graph), std::move(scorer),
                   makeTrackBuilder(f.builder, f.walk, f.cc)},
                  f.pipeline);
}

std::shared_ptr<const GraphConstructor> makeGraphStage(const Detector& detector, std::shared_ptr<const ModuleMap> map,
                                                       const ModuleMapEdgeBuilder::Config& builder,
                                                       GraphConstructor::Config graph) {
  graph.labels = false;
  return std::make_shared<const GraphConstructor>(
      detector, std::make_shared<const ModuleMapEdgeBuilder>(std::move(map), detector, builder), graph);
}

PipelineResult Pipeline::run(const Event& event, const std::string& source) const {
  PipelineResult r;
  auto t = Clock::now();
  r.graph = stages_.graph->build(event, source);
  r.ms.graph = msSince(t);
  t = Clock::now();
  std::vector<float> scores = stages_.scorer->scores(r.graph, source);
  if (scores.size() != r.graph.numEdges())
    throw Error(source + ": event " + std::to_string(event.event_id) + ": the " + stages_.scorer->name() +
                " scorer gave " + std::to_string(scores.size()) + " scores for " +
                std::to_string(r.graph.numEdges()) + " edges");
  r.ms.scoring = msSince(t);
  t = Clock::now();
  r.scored = scoredGraphOf(r.graph, event, std::move(scores));
  r.tracks = stages_.tracks->build(r.scored);
  r.ms.tracks = msSince(t);
  return r;
}

int Pipeline::eventThreads() const {
  return stages_.scorer->concurrent() ? resolveThreads(config_.event_threads) : 1;
}

void Pipeline::run(const EventDirectory& events, const std::string& source,
                   const std::function<void(std::size_t, const Event&, PipelineResult&)>& consume) const {
  // Events go in batches of one per thread and are handed over in order when a batch is done, so
  // that at most `threads` events and results are held at a time.
  const auto threads = static_cast<std::size_t>(eventThreads());
  std::vector<std::optional<Event>> batch_events(threads);
  std::vector<PipelineResult> batch_results(threads);
  for (std::size_t first = 0; first < events.size(); first += threads) {
    const std::size_t n = std::min(threads, events.size() - first);
    parallelFor(n, static_cast<int>(threads), [&](std::size_t k) {
      const auto t = Clock::now();
      batch_events[k] = events.read(first + k);
      const double read_ms = msSince(t);
      batch_results[k] = run(*batch_events[k], source);
      batch_results[k].ms.read = read_ms;
    });
    for (std::size_t k = 0; k < n; ++k) {
      consume(first + k, *batch_events[k], batch_results[k]);
      batch_events[k].reset();
      batch_results[k] = {};
    }
  }
}

std::shared_ptr<const TrackBuilder> makeTrackBuilder(const std::string& name, const WalkthroughBuilder::Config& walk,
                                                     const ConnectedComponentsBuilder::Config& cc,
                                                     const std::string& what) {
  if (name == "cc") return std::make_shared<const ConnectedComponentsBuilder>(cc);
  if (name == "walk") return std::make_shared<const WalkthroughBuilder>(walk);
  throw Error(what + ": expected cc or walk, got '" + name + "'");
}

Event eventOf(const HitArrays& h, std::uint64_t event_id) {
  const std::size_t n = h.x.size();
  const auto check = [n](std::size_t size, const char* name) {
    if (size != n)
      throw Error(std::string("hits: ") + name + " has " + std::to_string(size) + " entries, x has " + std::to_string(n));
  };
  check(h.y.size(), "y");
  check(h.z.size(), "z");
  check(h.volume_id.size(), "volume_id");
  check(h.layer_id.size(), "layer_id");
  check(h.module_id.size(), "module_id");
  Event e;
  e.event_id = event_id;
  e.hits.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    SpacePoint& p = e.hits[i];
    p.hit_id = i + 1;
    p.x = h.x[i];
    p.y = h.y[i];
    p.z = h.z[i];
    p.volume_id = h.volume_id[i];
    p.layer_id = h.layer_id[i];
    p.module_id = h.module_id[i];
  }
  e.validate("hits");
  return e;
}

}  // namespace efgnn

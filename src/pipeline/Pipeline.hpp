#pragma once
// The deployable chain, hits to tracks, without LibTorch or the training code: graph
// construction (GraphConstructor with a module map or the geometric EdgeBuilder), edge
// classification (an EdgeScorer: the runtime, float or integer) and track building (a
// TrackBuilder: connected components, optionally with junction removal, or the walkthrough).
// The stages exchange plain arrays (Graph, scores, ScoredGraph) and each is timed. Several events
// run at once, each on one thread; every event's result is the same whatever their number.
//
//   auto detector = std::make_shared<const Detector>(loadDetector("trackml"));
//   Pipeline chain = Pipeline::fromFiles({.detector = detector, .module_map = "map.h5", .model = "m.efgnn"});
//   PipelineResult r = chain.run(eventOf(hits), "my-event");  // r.tracks, r.ms.graph, ...
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/Event.hpp"
#include "core/Graph.hpp"
#include "core/Json.hpp"
#include "core/Statistics.hpp"
#include "geometry/Detector.hpp"
#include "graph/GraphConstructor.hpp"
#include "graph/ModuleMapEdgeBuilder.hpp"
#include "io/EventSource.hpp"
#include "pipeline/EdgeScorer.hpp"
#include "reco/ConnectedComponents.hpp"
#include "reco/TrackBuilder.hpp"
#include "reco/Walkthrough.hpp"
#include "runtime/EdgeClassifier.hpp"

namespace efgnn {

/// Milliseconds one event spent in each stage (`read` only when the pipeline read the event).
struct StageTimes {
  double read = 0, graph = 0, scoring = 0, tracks = 0;
  double total() const { return read + graph + scoring + tracks; }
};

/// What the chain made of one event.
struct PipelineResult {
  // Nodes are the event's hits (graph.hit_id), edges the candidates; no truth labels (the chain
  // reads none): GraphConstructor::addLabels adds them where the event has truth, for metrics.
  Graph graph;
  ScoredGraph scored;         // the graph's edges with their scores: the track builder's input
  std::vector<Track> tracks;  // node indices into graph
  StageTimes ms;
};

/// Per-stage timing over events: each stage's median, mean and maximum.
class PipelineTiming {
 public:
  void add(const StageTimes& ms);
  /// read, graph, scoring, tracks, total.
  std::vector<StageTiming> stages() const;
  std::size_t events() const { return total_.size(); }
  Json json() const;

 private:
  std::vector<double> read_, graph_, scoring_, tracks_, total_;
};

class Pipeline {
 public:
  struct Config {
    /// Events processed at once, each on its own thread (0: all cores). A scorer that cannot
    /// share itself between threads (EdgeScorer::concurrent) runs one event at a time.
    int event_threads = 1;
  };
  struct Stages {
    std::shared_ptr<const Detector> detector;  // the graph constructor holds a reference to it
    std::shared_ptr<const GraphConstructor> graph;
    std::shared_ptr<const EdgeScorer> scorer;
    std::shared_ptr<const TrackBuilder> tracks;
  };
  /// Throws Error when a stage is missing.
  Pipeline(Stages stages, Config config);

  /// The usual deployed chain from files: module-map graphs, the runtime, and a track builder.
  struct Files {
    std::shared_ptr<const Detector> detector;
    std::string module_map;  // efgnn build-module-map
    std::string model;       // efgnn export
    ModuleMapEdgeBuilder::Config map;
    runtime::EdgeClassifier::Config classifier{.threads = 1};
    std::string builder = "walk";  // walk or cc
    WalkthroughBuilder::Config walk;
    ConnectedComponentsBuilder::Config cc;
    Config pipeline;
  };
  /// Throws Error naming the file or the setting that is wrong.
  static Pipeline fromFiles(const Files& files);

  /// One event on the calling thread; `source` names it in errors.
  PipelineResult run(const Event& event, const std::string& source) const;
  /// Every event of `events`, read and run `event_threads` at a time; `consume` sees each event
  /// and its result on the calling thread, in event order. The first error stops the run.
  void run(const EventDirectory& events, const std::string& source,
           const std::function<void(std::size_t index, const Event& event, PipelineResult& result)>& consume) const;

  const Stages& stages() const { return stages_; }
  /// The event threads a directory run uses.
  int eventThreads() const;

 private:
  Stages stages_;
  Config config_;
};

/// The chain's graph stage: the module-map edge builder with `map` (checked against `detector`,
/// which the constructor keeps a reference to) and `graph`'s settings, without truth labels
/// whatever `graph.labels` says (the deployed chain reads no truth; GraphConstructor::addLabels
/// adds the labels for metrics, outside the chain).
std::shared_ptr<const GraphConstructor> makeGraphStage(const Detector& detector, std::shared_ptr<const ModuleMap> map,
                                                       const ModuleMapEdgeBuilder::Config& builder,
                                                       GraphConstructor::Config graph = {});

/// The track builder called `name`, walk or cc, with its config; throws Error naming `what` (the
/// option or setting that chose it) and the choices for any other name.
std::shared_ptr<const TrackBuilder> makeTrackBuilder(const std::string& name, const WalkthroughBuilder::Config& walk,
                                                     const ConnectedComponentsBuilder::Config& cc,
                                                     const std::string& what = "builder");

/// An event of bare hits, as a trigger framework holds them: positions [mm] and TrackML module
/// identifiers, one entry per hit; hit ids 1..n in array order. Throws Error when the arrays
/// differ in length.
struct HitArrays {
  std::span<const float> x, y, z;
  std::span<const std::int32_t> volume_id, layer_id, module_id;
};
Event eventOf(const HitArrays& hits, std::uint64_t event_id = 0);

}  // namespace efgnn

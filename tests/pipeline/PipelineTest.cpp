// The deployable chain (pipeline/Pipeline): stages chained on the runtime, events in parallel with
// the same results, bare hit arrays in, no truth used. LibTorch only makes the test's model.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "TempDirTest.hpp"
#include "core/Error.hpp"
#include "geometry/DetectorConfig.hpp"
#include "graph/Features.hpp"
#include "graph/ModuleMap.hpp"
#include "graph/ModuleMapFile.hpp"
#include "io/EventStoreH5.hpp"
#include "io/TrackCsv.hpp"
#include "model/EdgeClassifierModel.hpp"
#include "model/ModelExport.hpp"
#include "pipeline/Pipeline.hpp"
#include "pipeline/RuntimeEdgeScorer.hpp"
#include "pipeline/ScoredGraphs.hpp"
#include "reco/ConnectedComponents.hpp"
#include "reco/Walkthrough.hpp"
#include "sim/EventSimulator.hpp"
#include "sim/MinimumBias.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const Detector> trackml() {
  static const auto d = std::make_shared<const Detector>(loadDetector("trackml"));
  return d;
}

std::vector<Event> minimumBias(std::uint64_t seed, int n, int pileup) {
  MinimumBiasConfig mb;
  mb.pileup = pileup;
  const EventSimulator sim(std::make_shared<MinimumBiasGenerator>(mb), *trackml(), {}, seed);
  std::vector<Event> events(n);
  for (int i = 0; i < n; ++i) events[i] = sim.simulate(100 + i);
  return events;
}

/// Files of a small chain: a module map learnt from its own events, a random h = 8 model.
class PipelineFiles : public test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    events = minimumBias(7, 5, 10);
    ModuleMapBuilder builder(*trackml(), {});
    for (const auto& e : minimumBias(8, 6, 10)) builder.add(e, "map events");
    writeModuleMap(builder.finish(), dir / "map.h5");
    writeEventsH5(events, dir / "events.h5", "trackml");
    torch::manual_seed(3);
    ModelConfig config;
    config.hidden = 8;
    config.n_graph_iters = 2;
    config.node_feature_names = nodeFeatureNames(false, false);
    config.node_features = static_cast<int>(config.node_feature_names.size());
    config.edge_feature_names = edgeFeatureNames();
    auto model = makeModel(config);
    model->eval();
    toModelFile(*model).write(dir / "model.efgnn");
    // A random model scores alike everywhere: the walk's cuts sit in its score distribution, so
    // that tracks depend on the scores.
    Pipeline::Files f = files();
    f.walk.drop_cut = f.walk.follow_cut = 0;
    auto scores = Pipeline::fromFiles(f).run(events[0], "cuts").scored.scores;
    ASSERT_GT(scores.size(), 100u);
    std::sort(scores.begin(), scores.end());
    drop_cut = scores[scores.size() / 10];
    follow_cut = scores[scores.size() / 3];
  }
  Pipeline::Files files(int event_threads = 1) const {
    Pipeline::Files f;
    f.detector = trackml();
    f.module_map = path("map.h5");
    f.model = path("model.efgnn");
    f.walk.follow_cut = follow_cut;
    f.walk.drop_cut = drop_cut;
    f.pipeline.event_threads = event_threads;
    return f;
  }
  std::vector<Event> events;
  float drop_cut = 0, follow_cut = 0;
};

using PipelineRun = PipelineFiles;

TEST(ScoredGraphs, EdgesBothWaysBetweenOverlappingModulesDoNotScrambleTheWalk) {
  // A forward particle through eight pixel disks of the negative endcap, its hits numbered from
  // the outermost (as TrackML numbers that endcap's layers), the two innermost on overlapping
  // modules of one disk. The module map holds that disk's doublet both ways, so the graph holds
  // 7 -> 6 and 6 -> 7: no hit of the particle is without an edge in, and the graph's own edge
  // direction gives no inner-to-outer order. Oriented by distance from the origin, the walk finds
  // the whole particle.
  const std::vector<float> zs = {-1500, -1300, -1100, -960, -820, -700, -602, -598};
  Event event;
  Graph graph;
  for (std::size_t i = 0; i < zs.size(); ++i) {
    const float r = -0.054f * zs[i];
    event.hits.push_back({.hit_id = i + 1, .x = r * 0.8f, .y = r * 0.6f, .z = zs[i], .clusters = {}});
    graph.hit_id.push_back(i + 1);
  }
  const std::vector<std::pair<int, int>> edges = {{7, 6}, {6, 7}, {6, 5}, {5, 4}, {4, 3}, {3, 2}, {2, 1}, {1, 0}};
  for (const auto& [a, b] : edges) graph.edge_index.push_back(a);
  for (const auto& [a, b] : edges) graph.edge_index.push_back(b);
  const ScoredGraph scored = scoredGraphOf(graph, event, std::vector<float>(edges.size(), 0.9f));
  ASSERT_EQ(scored.positions.size(), 3 * zs.size());
  EXPECT_TRUE(pointsOutward(scored, 0)) << "7 -> 6 runs away from the origin";
  EXPECT_FALSE(pointsOutward(scored, 1)) << "6 -> 7 runs towards it";
  EXPECT_EQ(WalkthroughBuilder({}).build(scored), (std::vector<Track>{{7, 6, 5, 4, 3, 2, 1, 0}}));
}

TEST_F(PipelineRun, ChainsTheStagesOnTheRuntimeAndTimesThem) {
  const Pipeline chain = Pipeline::fromFiles(files());
  const PipelineResult r = chain.run(events[0], "event 0");
  ASSERT_GT(r.graph.numEdges(), 100u);
  EXPECT_EQ(r.graph.numNodes(), events[0].hits.size());  // every hit, no truth-based selection
  const RuntimeEdgeScorer scorer = RuntimeEdgeScorer::load(path("model.efgnn"), {.threads = 1});
  EXPECT_EQ(r.scored.scores, scorer.scores(r.graph, "event 0"));
  EXPECT_EQ(r.scored.src.size(), r.graph.numEdges());
  EXPECT_EQ(r.scored.positions.size(), 3 * r.graph.numNodes());
  EXPECT_EQ(r.tracks, chain.stages().tracks->build(r.scored));
  EXPECT_FALSE(r.tracks.empty());
  EXPECT_GT(r.ms.graph, 0);
  EXPECT_GT(r.ms.scoring, 0);
  EXPECT_GT(r.ms.tracks, 0);
  EXPECT_EQ(r.ms.read, 0);  // the caller read the event
  PipelineTiming timing;
  timing.add(r.ms);
  timing.add(r.ms);
  ASSERT_EQ(timing.stages().size(), 5u);
  EXPECT_EQ(timing.stages()[4].stage, "total");
  EXPECT_DOUBLE_EQ(timing.stages()[4].medianMs(), r.ms.total());
  EXPECT_NE(timing.json().dump().find("\"scoring\""), std::string::npos);
}

TEST_F(PipelineRun, TheChainSeesNoTruthAndMetricsLabelItsGraphsAfter) {
  // The deployed chain builds graphs without looking at truth, even of a simulated event that has
  // it; GraphConstructor::addLabels then gives the graph a labelling constructor builds.
  const Pipeline chain = Pipeline::fromFiles(files());
  PipelineResult r = chain.run(events[0], "event 0");
  ASSERT_TRUE(events[0].hasTruth());
  const Graph& g = r.graph;
  ASSERT_EQ(g.y.size(), g.numEdges());
  EXPECT_EQ(std::count(g.y.begin(), g.y.end(), 0), static_cast<std::ptrdiff_t>(g.numEdges()));
  EXPECT_EQ(std::count(g.node_particle.begin(), g.node_particle.end(), 0u), static_cast<std::ptrdiff_t>(g.numNodes()));
  EXPECT_TRUE(g.truth_edge_index.empty());
  EXPECT_TRUE(g.particles.empty());
  const GraphConstructor& unlabelled = *chain.stages().graph;
  // The same edge builder, not owned here: an aliasing pointer.
  const GraphConstructor labelled(*chain.stages().detector,
                                  std::shared_ptr<const EdgeBuilder>(std::shared_ptr<void>(), &unlabelled.edgeBuilder()),
                                  {});
  const Graph want = labelled.build(events[0], "event 0");
  ASSERT_GT(std::count(want.y.begin(), want.y.end(), 1), 100);
  unlabelled.addLabels(r.graph, events[0]);
  EXPECT_TRUE(r.graph == want);
  Event other = events[0];
  other.hits.pop_back();
  other.truth.pop_back();
  EXPECT_THROW(unlabelled.addLabels(r.graph, other), Error);  // not the event of the graph
}

TEST_F(PipelineRun, TracksDoNotDependOnTruthOrHowTheHitsArrive) {
  // The Event Filter gets bare hits: the event without truth, and the same hits as plain arrays,
  // give the same tracks as the simulated event with all its truth.
  const Pipeline chain = Pipeline::fromFiles(files());
  const Event& full = events[1];
  Event bare = full;
  bare.truth.clear();
  bare.particles.clear();
  std::vector<float> x, y, z;
  std::vector<std::int32_t> vol, lay, mod;
  for (const auto& h : full.hits) {
    x.push_back(h.x), y.push_back(h.y), z.push_back(h.z);
    vol.push_back(h.volume_id), lay.push_back(h.layer_id), mod.push_back(h.module_id);
  }
  const Event arrays = eventOf({x, y, z, vol, lay, mod}, full.event_id);
  ASSERT_EQ(arrays.hits.size(), full.hits.size());
  EXPECT_EQ(arrays.hits.front().hit_id, 1u);
  EXPECT_FALSE(arrays.hasTruth());
  const auto want = chain.run(full, "full").tracks;
  EXPECT_EQ(chain.run(bare, "bare").tracks, want);
  // Tracks hold node indices, which follow the hits' order whatever their ids.
  EXPECT_EQ(chain.run(arrays, "arrays").tracks, want);
  y.pop_back();
  EXPECT_THROW(eventOf({x, y, z, vol, lay, mod}), Error);
}

TEST_F(PipelineRun, EventsInParallelGiveTheSameResultsInOrder) {
  const EventDirectory dir_events(dir / "events.h5");
  const auto collect = [&](int threads) {
    const Pipeline chain = Pipeline::fromFiles(files(threads));
    EXPECT_EQ(chain.eventThreads(), threads);
    std::vector<std::pair<std::uint64_t, std::vector<Track>>> out;
    std::vector<std::vector<float>> scores;
    chain.run(dir_events, "events.h5", [&](std::size_t i, const Event& e, PipelineResult& r) {
      EXPECT_EQ(i, out.size());
      EXPECT_GT(r.ms.read, 0);
      out.emplace_back(e.event_id, r.tracks);
      scores.push_back(r.scored.scores);
    });
    return std::make_pair(out, scores);
  };
  const auto one = collect(1), two = collect(2), three = collect(3);
  ASSERT_EQ(one.first.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(one.first[i].first, events[i].event_id);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, three);
}

TEST_F(PipelineRun, MissingStagesAndBadSettingsAreRefused) {
  Pipeline::Stages none;
  EXPECT_THROW(Pipeline(none, {}), Error);
  auto f = files();
  f.builder = "longest";
  try {
    Pipeline::fromFiles(f);
    ADD_FAILURE() << "an unknown builder was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected cc or walk"), std::string::npos) << e.what();
  }
  f = files();
  f.model = path("absent.efgnn");
  EXPECT_ANY_THROW(Pipeline::fromFiles(f));
  f = files(-1);
  EXPECT_THROW(Pipeline::fromFiles(f), Error);
}

TEST_F(PipelineRun, TrackFilesRoundTripAndBadRowsAreNamed) {
  const std::vector<std::vector<std::uint32_t>> tracks{{0, 2, 1}, {3}};
  const std::vector<std::uint64_t> hit_id{10, 11, 12, 13};
  const fs::path file = dir / tracksFileName(42);
  EXPECT_EQ(file.filename(), "event000000042-tracks.csv");
  writeTracksCsv(file, tracks, hit_id);
  const std::vector<std::vector<std::uint64_t>> want{{10, 12, 11}, {13}};
  EXPECT_EQ(readTracksCsv(file), want);
  std::ofstream(dir / "bad.csv") << "track_id,hit_id\n0,1\n2,5\n";
  try {
    readTracksCsv(dir / "bad.csv");
    ADD_FAILURE() << "a skipped track id was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace efgnn

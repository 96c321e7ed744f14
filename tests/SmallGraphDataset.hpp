#pragma once
// A small graph data set of particle-gun events for training tests: every true edge plus
// random fake pairs, 6 graphs for training and validation, 2 for test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/AtomicFile.hpp"
#include "core/Random.hpp"
#include "geometry/DetectorConfig.hpp"
#include "graph/GraphConstructor.hpp"
#include "graph/GraphDataset.hpp"
#include "graph/TruthGraph.hpp"
#include "io/GraphStoreH5.hpp"
#include "sim/EventSimulator.hpp"
#include "train/TrainConfig.hpp"

namespace efgnn::test {

namespace fs = std::filesystem;

/// Candidate edges = every true edge plus twice as many random hit pairs: fakes that a working
/// model separates from the true edges within a few epochs.
class TruthAndRandomPairs final : public EdgeBuilder {
 public:
  std::string name() const override { return "truth-and-random"; }
  std::vector<HitPair> build(const EdgeBuilderInput& in) const override {
    std::vector<HitPair> pairs;
    for (const auto& t : buildTruthEdges(in.event)) pairs.emplace_back(t.from, t.to);
    Rng rng(in.event.event_id);
    const auto n = in.event.hits.size(), fakes = 2 * pairs.size();
    for (std::size_t k = 0; k < fakes; ++k)
      pairs.emplace_back(static_cast<std::uint32_t>(rng.below(n)), static_cast<std::uint32_t>(rng.below(n)));
    return pairs;
  }
};

/// The trackml detector, loaded once per test process.
inline const Detector& trackmlDetector() {
  static const Detector det = loadDetector("trackml");
  return det;
}

/// Particle-gun events on the trackml detector (`particles` per event, pT 1-5 GeV, |eta| < 2,
/// both charges; no material interactions, no noise): what the small graph data sets hold.
inline EventSimulator gunEventSimulator(int particles, std::uint64_t seed) {
  ParticleGunConfig gun;
  gun.count = particles;
  gun.pt_min = 1;
  gun.pt_max = 5;
  gun.eta_min = -2;
  gun.eta_max = 2;
  gun.random_charge = true;
  DetectorSimulationConfig sim_config;
  sim_config.material_interactions = sim_config.decays = false;
  sim_config.noise = false;
  return EventSimulator(std::make_shared<ParticleGun>(gun), trackmlDetector(), sim_config, seed);
}

/// A small graph data set of particle-gun events (one per test, in a temp directory).
class SmallGraphDataset : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Per process: ctest runs tests of one suite in parallel processes. The data set and the
    // tests' training runs share one folder, removed with the suite.
    root_ = fs::temp_directory_path() / ("efgnn-test-" + std::to_string(::getpid()));
    dir_ = root_ / "graphs";
    fs::remove_all(root_);
    fs::create_directories(dir_);
    const Detector& det = trackmlDetector();
    const EventSimulator sim = gunEventSimulator(15, 4);
    std::vector<Event> events;
    for (int i = 0; i < 8; ++i) events.push_back(sim.simulate(i));
    const GraphConstructor constructor(det, std::make_shared<TruthAndRandomPairs>(), {});
    GraphDatasetManifest m;
    m.detector = "trackml";
    m.builder = "module-map";
    m.node_features = nodeFeatureNames(false);
    m.edge_features = edgeFeatureNames();
    for (const auto& e : events) {
      Graph g = constructor.build(e, "gun");
      writeGraphH5(g, dir_ / graphFileName(e.event_id), "trackml", "module-map");
      m.splits[e.event_id < 6 ? "train" : "test"].push_back(e.event_id);
      if (e.event_id >= 6) continue;
      // Validation on the training graphs, under other ids (an event is in one split only): the
      // overfitting test asks whether the model can learn these graphs by heart.
      g.event_id += kValidationIdOffset;
      writeGraphH5(g, dir_ / graphFileName(g.event_id), "trackml", "module-map");
      m.splits["val"].push_back(g.event_id);
    }
    writeFileAtomically(dir_ / "manifest.json", m.json().dump(2));
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  TrainConfig config(int epochs) const {
    TrainConfig c;
    c.input_dir = dir_.string();
    c.model.hidden = 16;
    c.model.n_graph_iters = 3;
    c.model.nb_node_layer = c.model.nb_edge_layer = 2;
    c.lr = 3e-3;
    c.warmup = 1;
    c.max_epochs = epochs;
    c.threads = 1;
    return c;
  }
  fs::path run(const std::string& name) const {
    const auto p = root_ / ("run-" + name);
    fs::remove_all(p);
    return p;
  }
  static inline fs::path root_, dir_;
  static constexpr std::uint64_t kValidationIdOffset = 100;
};

}  // namespace efgnn::test

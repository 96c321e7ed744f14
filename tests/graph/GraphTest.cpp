#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <unordered_map>

#include "TempDirTest.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Parallel.hpp"
#include "geometry/DetectorConfig.hpp"
#include "graph/Features.hpp"
#include "graph/GeometricEdgeBuilder.hpp"
#include "graph/GraphConstructor.hpp"
#include "graph/GraphDataset.hpp"
#include "graph/GraphStatistics.hpp"
#include "graph/ModuleMapEdgeBuilder.hpp"
#include "graph/ModuleMapFile.hpp"
#include "graph/TruthGraph.hpp"
#include "io/GraphStoreH5.hpp"
#include "io/H5File.hpp"
#include "io/TrackMLCsv.hpp"
#include "sim/EventSimulator.hpp"
#include "sim/MinimumBias.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;

const Detector& trackml() {
  static const Detector d = loadDetector("trackml");
  return d;
}

/// A hit on the given module at (x, y, z) belonging to `particle` (0: noise).
void addHit(Event& e, std::int32_t volume, std::int32_t layer, std::int32_t module, float x, float y,
            float z, std::uint64_t particle) {
  SpacePoint h;
  h.hit_id = e.hits.size() + 1;
  h.x = x;
  h.y = y;
  h.z = z;
  h.volume_id = volume;
  h.layer_id = layer;
  h.module_id = module;
  e.hits.push_back(h);
  HitTruth t;
  t.particle_id = particle;
  t.tx = x;
  t.ty = y;
  t.tz = z;
  e.truth.push_back(t);
}

std::set<std::pair<std::uint32_t, std::uint32_t>> asSet(const std::vector<TruthEdge>& edges) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> s;
  for (const auto& e : edges) s.insert({e.from, e.to});
  return s;
}

TEST(TruthGraph, GroupsHitsOnOneModuleAndIgnoresNoise) {
  Event e;
  Particle p;
  p.particle_id = 7;
  e.particles.push_back(p);
  // Stored out of order; two hits (indices 1 and 3) share a module; index 2 is noise.
  addHit(e, 8, 4, 5, 70, 0, 0, 7);   // 0: second layer
  addHit(e, 8, 2, 1, 30, 0, 0, 7);   // 1: first layer, module 1
  addHit(e, 8, 2, 2, 31, 5, 0, 0);   // 2: noise
  addHit(e, 8, 2, 1, 32, 1, 0, 7);   // 3: first layer, module 1 again
  addHit(e, 8, 6, 9, 110, 0, 0, 7);  // 4: third layer
  const auto edges = buildTruthEdges(e);
  EXPECT_EQ(asSet(edges), (std::set<std::pair<std::uint32_t, std::uint32_t>>{{1, 0}, {3, 0}, {0, 4}}));
  for (const auto& edge : edges) EXPECT_EQ(edge.particle_id, 7u);
}

TEST(TruthGraph, OrdersByDistanceFromTheVertexSoLoopersComeBack) {
  Event e;
  Particle p;
  p.particle_id = 3;
  p.vertex = {0, 0, 0};
  e.particles.push_back(p);
  // A looper: out through r = 30, 70, then back in through r = 70 and 30 at larger |z|.
  addHit(e, 8, 2, 1, 30, 0, 10, 3);
  addHit(e, 8, 4, 1, 70, 0, 20, 3);
  addHit(e, 8, 4, 2, 60, 35, 200, 3);
  addHit(e, 8, 2, 2, 25, 15, 300, 3);
  EXPECT_EQ(asSet(buildTruthEdges(e)),
            (std::set<std::pair<std::uint32_t, std::uint32_t>>{{0, 1}, {1, 2}, {2, 3}}));
}

TEST(TruthGraph, TargetSelectionFollowsTheReference) {
  const TargetSelection s;
  Particle p;
  p.charge = 1;
  p.pdg = 211;
  p.momentum = {1.5, 0, 0.5};
  p.nhits = 5;
  EXPECT_TRUE(s.isTarget(p));
  Particle q = p;
  q.momentum = {0.9, 0, 0};
  EXPECT_FALSE(s.isTarget(q));  // pT
  q = p;
  q.nhits = 2;
  EXPECT_FALSE(s.isTarget(q));  // hits
  q = p;
  q.pdg = -11;
  EXPECT_FALSE(s.isTarget(q));  // electron
  q = p;
  q.primary = false;
  EXPECT_FALSE(s.isTarget(q));
  q = p;
  q.vertex = {300, 0, 0};
  EXPECT_FALSE(s.isTarget(q));  // production radius
  q = p;
  q.momentum = {1.5, 0, 1.5 * std::sinh(4.2)};
  EXPECT_FALSE(s.isTarget(q));  // |eta| > 4
}

TEST(Features, EdgeFeaturesFollowTheReferenceDefinitions) {
  // Two nodes: scaled (r, phi, z, eta).
  const std::vector<float> x{0.1f, 0.95f, 0.2f, 1.0f, 0.3f, -0.95f, 0.4f, 1.2f};
  const auto f = computeEdgeFeatures(x, 4, {0, 1});
  ASSERT_EQ(f.size(), 6u);
  EXPECT_FLOAT_EQ(f[0], 0.2f);              // dr
  EXPECT_NEAR(f[1], 0.1f, 1e-6);            // dphi wrapped through +-pi
  EXPECT_FLOAT_EQ(f[2], 0.2f);              // dz
  EXPECT_NEAR(f[3], 0.2f, 1e-6);            // deta
  EXPECT_NEAR(f[4], 0.5f, 1e-5);            // phi-slope = dphi/dr
  EXPECT_NEAR(f[5], 0.2f * 0.5f, 1e-5);     // mean r * phi-slope
  // Same radius: phi-slope clamped to 100 (dphi != 0) or 0 (dphi = 0).
  const auto g = computeEdgeFeatures({0.1f, 0.f, 0.f, 0.f, 0.1f, 0.1f, 0.f, 0.f, 0.1f, 0.f, 0.f, 0.f}, 4,
                                     {0, 0, 1, 2});
  EXPECT_FLOAT_EQ(g[4], 100.f);
  EXPECT_FLOAT_EQ(g[6 + 4], 0.f);
  EXPECT_EQ(nodeFeatureNames(true).size(), 12u);
}

TEST(Features, CellFeaturesComeAfterThePositionFeatures) {
  EXPECT_EQ(nodeFeatureNames(false, true),
            (std::vector<std::string>{"r", "phi", "z", "eta", "cell_count", "cell_charge"}));
  const auto with_clusters = nodeFeatureNames(true, true);
  ASSERT_EQ(with_clusters.size(), 14u);
  EXPECT_EQ(with_clusters[12], "cell_count");
  EXPECT_EQ(with_clusters[13], "cell_charge");
  EXPECT_EQ(nodeFeatureNames(false), nodeFeatureNames(false, false));

  Event e;
  e.event_id = 42;
  addHit(e, 8, 2, 1, 30, 0, 10, 0);
  addHit(e, 8, 4, 1, 0, 70, 20, 0);
  e.cells = {{4, 2.5f}, {0, 0.f}};
  const auto x = computeNodeFeatures(e, HitCoordinates(e), {1, 0}, false, true);
  ASSERT_EQ(x.size(), 12u);
  EXPECT_FLOAT_EQ(x[0], 0.07f);  // r of hit 1 / 1000 mm
  EXPECT_FLOAT_EQ(x[4], 0.f);    // hit 1 has no cells
  EXPECT_FLOAT_EQ(x[5], 0.f);
  EXPECT_FLOAT_EQ(x[6], 0.03f);
  EXPECT_FLOAT_EQ(x[10], 0.4f);  // 4 cells / 10
  EXPECT_FLOAT_EQ(x[11], 2.5f);  // charge, unscaled
  FeatureScales scales;
  scales.cell_count = 2;
  scales.cell_charge = 5;
  const auto y = computeNodeFeatures(e, HitCoordinates(e), {0}, true, true, scales);
  ASSERT_EQ(y.size(), 14u);
  EXPECT_FLOAT_EQ(y[12], 2.f);
  EXPECT_FLOAT_EQ(y[13], 0.5f);
  // The position features do not change.
  EXPECT_EQ(std::vector<float>(x.begin(), x.begin() + 4), computeNodeFeatures(e, HitCoordinates(e), {1}, false));

  e.cells.clear();
  try {
    computeNodeFeatures(e, HitCoordinates(e), {0, 1}, false, true);
    ADD_FAILURE() << "cell features of an event without cells";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("event 42"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("no cells"), std::string::npos) << error.what();
  }
  EXPECT_TRUE(computeNodeFeatures(e, HitCoordinates(e), {}, false, true).empty());
}

std::vector<Event> gunEvents(std::uint64_t seed, int n, bool scattering, double pt_min = 1.0,
                             const Detector& detector = trackml()) {
  ParticleGunConfig gun;
  gun.count = 30;
  gun.pt_min = pt_min;
  gun.pt_max = 10;
  gun.eta_min = -3.5;
  gun.eta_max = 3.5;
  gun.random_charge = true;
  DetectorSimulationConfig config;
  config.multiple_scattering = scattering;
  config.material_interactions = config.decays = false;
  config.noise = false;
  const EventSimulator sim(std::make_shared<ParticleGun>(gun), detector, config, seed);
  std::vector<Event> events(n);
  for (int i = 0; i < n; ++i) events[i] = sim.simulate(i);
  return events;
}

GraphStatistics statistics(const GraphConstructor& c, const std::vector<Event>& events) {
  GraphStatistics s;
  for (const auto& e : events) s.add(c.build(e, "test"));
  return s;
}

TEST(ModuleMap, EveryTrueEdgeOfItsOwnEventsSurvives) {
  // A tiled detector: its hits are smeared (Gaussian), so the same particles simulated again
  // move by the resolution alone (the real detector's hits are cell centres: they would not).
  static const Detector det = loadDetector("itk");
  const auto events = gunEvents(1, 20, false, 1.0, det);
  ModuleMapBuilder builder(det, {});
  for (const auto& e : events) builder.add(e, "gun");
  auto map = std::make_shared<ModuleMap>(builder.finish());
  EXPECT_EQ(map->events, 20u);
  EXPECT_GT(map->doublets.size(), 1000u);
  ModuleMapEdgeBuilder::Config exact;
  exact.relative_tolerance = 0;
  exact.n_sigma = 0;
  const GraphConstructor c(det, std::make_shared<ModuleMapEdgeBuilder>(map, det, exact), {});
  const GraphStatistics s = statistics(c, events);
  EXPECT_GT(s.truth_target_edges, 5000);
  EXPECT_DOUBLE_EQ(s.efficiency(), 1.0);
  EXPECT_DOUBLE_EQ(s.connectedFraction(), 1.0);
  // The same particles again with new resolution smearing: the doublets (seen once each here)
  // have zero-width ranges, and the resolution term of the tolerance keeps nearly every edge.
  std::vector<std::vector<Particle>> lists;
  for (const auto& e : events) lists.push_back(e.particles);
  DetectorSimulationConfig config;
  config.multiple_scattering = config.material_interactions = config.decays = false;
  config.noise = false;
  const EventSimulator again(std::make_shared<ParticleListSource>(lists, "training"), det, config, 99);
  std::vector<Event> fresh;
  for (int i = 0; i < 20; ++i) fresh.push_back(again.simulate(i));
  const GraphConstructor tolerant(det, std::make_shared<ModuleMapEdgeBuilder>(map, det, ModuleMapEdgeBuilder::Config{}), {});
  EXPECT_GT(statistics(tolerant, fresh).efficiency(), 0.9);
  ModuleMapEdgeBuilder::Config five_sigma;
  five_sigma.n_sigma = 5;
  const GraphConstructor wide(det, std::make_shared<ModuleMapEdgeBuilder>(map, det, five_sigma), {});
  EXPECT_GT(statistics(wide, fresh).efficiency(), 0.95);
  EXPECT_GT(statistics(wide, fresh).efficiency(), statistics(tolerant, fresh).efficiency());
  EXPECT_LT(statistics(c, fresh).efficiency(), statistics(tolerant, fresh).efficiency())
      << "tolerances must matter";
}

TEST(ModuleMap, ResultDoesNotDependOnHowEventsAreSplit) {
  const auto events = gunEvents(3, 6, true);
  ModuleMapBuilder one(trackml(), {}), a(trackml(), {}), b(trackml(), {});
  for (int i = 0; i < 6; ++i) {
    one.add(events[i], "x");
    (i % 2 ? a : b).add(events[i], "x");
  }
  b.merge(a);
  EXPECT_EQ(one.finish(), b.finish());
}

using ModuleMapFile = test::TempDirTest;

TEST_F(ModuleMapFile, RoundTripAndBadFiles) {
  ModuleMapBuilder builder(trackml(), {});
  for (const auto& e : gunEvents(4, 3, true)) builder.add(e, "gun");
  const ModuleMap map = builder.finish();
  writeModuleMap(map, dir / "map.h5");
  const ModuleMap back = readModuleMap(dir / "map.h5");
  EXPECT_EQ(back, map);
  ASSERT_NE(back.findTriplet(map.triplets[0].a, map.triplets[0].b, map.triplets[0].c), nullptr);
  EXPECT_NO_THROW(back.checkDetector(trackml(), "map.h5"));
  try {
    back.checkDetector(loadDetector("itk"), "map.h5");
    ADD_FAILURE() << "a map of trackml accepted for itk";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("trackml"), std::string::npos) << e.what();
  }
  {  // a corrupt file: the first kilobyte only
    const std::string bytes = readFile(dir / "map.h5");
    std::ofstream(dir / "cut.h5", std::ios::binary) << bytes.substr(0, 1024);
    std::ofstream(dir / "text.h5") << "not hdf5 at all\n";
  }
  {  // a map from a newer efgnn
    const auto lock = h5::lockHdf5();
    h5::NewFile file(dir / "newer.h5");
    h5::writeFormat(file.root(), "efgnn-module-map", kModuleMapVersion + 1);
    file.commit();
  }
  try {
    readModuleMap(dir / "newer.h5");
    ADD_FAILURE() << "a newer map was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("newer.h5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("version"), std::string::npos) << e.what();
  }
  for (const char* bad : {"cut.h5", "text.h5", "missing.h5"}) {
    try {
      readModuleMap(dir / bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(GraphConstructor, EmptyEventsAndEventsWithoutCandidatesGiveEmptyGraphs) {
  auto map = std::make_shared<ModuleMap>(ModuleMapBuilder(trackml(), {}).finish());
  const GraphConstructor c(trackml(), std::make_shared<ModuleMapEdgeBuilder>(map, trackml(), ModuleMapEdgeBuilder::Config{}), {});
  Event empty;
  const Graph g = c.build(empty, "empty");
  EXPECT_EQ(g.numNodes(), 0u);
  EXPECT_EQ(g.numEdges(), 0u);
  EXPECT_NO_THROW(g.validate("empty"));
  Event one;
  addHit(one, 8, 2, 1, 30, 3, 0, 0);
  const Graph h = c.build(one, "one");
  EXPECT_EQ(h.numNodes(), 1u);
  EXPECT_EQ(h.numEdges(), 0u);
  Event foreign;
  addHit(foreign, 99, 2, 1, 30, 3, 0, 0);
  EXPECT_THROW(c.build(foreign, "foreign"), Error);  // module not in the detector / map
}

TEST(GraphConstructor, LabelsFeaturesAndHardCut) {
  MinimumBiasConfig mb;
  mb.pileup = 20;
  const EventSimulator sim(std::make_shared<MinimumBiasGenerator>(mb), trackml(), {}, 5);
  std::vector<Event> events(4);
  for (int i = 0; i < 4; ++i) events[i] = sim.simulate(i);
  ModuleMapBuilder builder(trackml(), {});
  for (const auto& e : events) builder.add(e, "mb");
  auto map = std::make_shared<ModuleMap>(builder.finish());
  const auto edge_builder = std::make_shared<ModuleMapEdgeBuilder>(map, trackml(), ModuleMapEdgeBuilder::Config{});
  const GraphConstructor c(trackml(), edge_builder, {});
  const Graph g = c.build(events[0], "mb");
  ASSERT_NO_THROW(g.validate("mb"));
  EXPECT_EQ(g.numNodes(), events[0].hits.size());
  EXPECT_EQ(g.numNodeFeatures(), 4u);
  EXPECT_EQ(g.numEdgeFeatures(), 6u);
  std::size_t true_edges = 0;
  for (std::size_t e = 0; e < g.numEdges(); ++e) {
    // A true edge joins two hits of its particle; a target edge is a true edge.
    if (g.y[e]) {
      ++true_edges;
      EXPECT_EQ(g.node_particle[g.src(e)], g.edge_particle[e]);
      EXPECT_EQ(g.node_particle[g.dst(e)], g.edge_particle[e]);
      EXPECT_GT(g.edge_pt[e], 0);
    }
    EXPECT_LE(g.y_target[e], g.y[e]);
    // Edge features are those of the scaled node features.
    EXPECT_FLOAT_EQ(g.edge_attr[e * 6 + 0], g.x[g.dst(e) * 4] - g.x[g.src(e) * 4]);
  }
  EXPECT_GT(true_edges, 0u);
  EXPECT_EQ(c.build(events[0], "mb"), g) << "deterministic";

  GraphConstructor::Config hard;
  hard.hard_cut_pt = 1.0;
  const Graph h = GraphConstructor(trackml(), edge_builder, hard).build(events[0], "mb");
  EXPECT_LT(h.numNodes(), g.numNodes() / 5);
  for (const auto pid : h.node_particle) EXPECT_NE(pid, 0u) << "the hard cut removes noise";
  for (const auto& p : h.particles) EXPECT_GE(p.pt, 1.0f);
}

/// A made-up cells summary for every hit of `e` (simulated events have none).
void addCells(Event& e) {
  e.cells.resize(e.hits.size());
  for (std::size_t i = 0; i < e.hits.size(); ++i)
    e.cells[i] = {static_cast<std::uint32_t>(1 + e.hits[i].hit_id % 9), 0.25f * static_cast<float>(i % 13)};
}

TEST(GraphConstructor, CellFeaturesAppearInTheGraphs) {
  auto events = gunEvents(9, 3, true);
  ModuleMapBuilder builder(trackml(), {});
  for (const auto& e : events) builder.add(e, "gun");
  auto map = std::make_shared<ModuleMap>(builder.finish());
  const auto edge_builder = std::make_shared<ModuleMapEdgeBuilder>(map, trackml(), ModuleMapEdgeBuilder::Config{});
  const GraphConstructor plain(trackml(), edge_builder, {});
  GraphConstructor::Config config;
  config.cell_features = true;
  const GraphConstructor cells(trackml(), edge_builder, config);
  EXPECT_FALSE(plain.withCells());
  EXPECT_TRUE(cells.withCells());

  // An event without cells: the error names the source and the event.
  try {
    cells.build(events[0], "gun-events");
    ADD_FAILURE() << "cell features of an event without cells";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gun-events: event 0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no cells"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(cells.build(Event{}, "empty")) << "an event without hits needs no cells";

  addCells(events[0]);
  const Graph without = plain.build(events[0], "gun");
  const Graph g = cells.build(events[0], "gun");
  ASSERT_NO_THROW(g.validate("gun"));
  EXPECT_EQ(g.node_feature_names, nodeFeatureNames(cells.withClusters(), true));
  const std::size_t f = g.numNodeFeatures(), f0 = without.numNodeFeatures();
  ASSERT_EQ(f, f0 + 2);
  EXPECT_EQ(g.node_feature_names[f - 2], "cell_count");
  EXPECT_EQ(g.node_feature_names[f - 1], "cell_charge");
  ASSERT_EQ(g.numNodes(), events[0].hits.size());
  ASSERT_GT(g.numEdges(), 0u);
  for (std::size_t i = 0; i < g.numNodes(); ++i) {
    for (std::size_t k = 0; k < f0; ++k) EXPECT_EQ(g.x[i * f + k], without.x[i * f0 + k]);
    EXPECT_FLOAT_EQ(g.x[i * f + f0], static_cast<float>(events[0].cells[i].count) / 10.f);
    EXPECT_FLOAT_EQ(g.x[i * f + f0 + 1], events[0].cells[i].charge);
  }
  // Edges, labels and edge features are those of the graph without cell features.
  EXPECT_EQ(g.edge_index, without.edge_index);
  EXPECT_EQ(g.edge_attr, without.edge_attr);
  EXPECT_EQ(g.y, without.y);

  // The hard cut keeps each hit's cells.
  GraphConstructor::Config hard = config;
  hard.hard_cut_pt = 5.0;
  const Graph h = GraphConstructor(trackml(), edge_builder, hard).build(events[0], "gun");
  ASSERT_GT(h.numNodes(), 0u);
  ASSERT_LT(h.numNodes(), g.numNodes());
  std::unordered_map<std::uint64_t, std::size_t> index;
  for (std::size_t i = 0; i < events[0].hits.size(); ++i) index[events[0].hits[i].hit_id] = i;
  for (std::size_t i = 0; i < h.numNodes(); ++i)
    EXPECT_FLOAT_EQ(h.x[i * f + f0 + 1], events[0].cells[index.at(h.hit_id[i])].charge);
}

TEST(GraphConstructor, RealTrackMLEventGivesCellFeatures) {
  const fs::path dir = EFGNN_SHARED_DATA "/trackml";
  if (!fs::exists(dir / "event000000001-cells.csv.gz")) GTEST_SKIP() << dir << " is absent";
  const Event event = readTrackMLEvent(dir, 1);
  ASSERT_EQ(event.hits.size(), 5527u);
  ASSERT_TRUE(event.hasCells());
  ModuleMapBuilder builder(trackml(), {});
  builder.add(event, "real");
  auto map = std::make_shared<ModuleMap>(builder.finish());
  GraphConstructor::Config config;
  config.cell_features = true;
  const auto edges = std::make_shared<ModuleMapEdgeBuilder>(map, trackml(), ModuleMapEdgeBuilder::Config{});
  const GraphConstructor c(trackml(), edges, config);
  const Graph g = c.build(event, "real");
  ASSERT_NO_THROW(g.validate("real"));
  ASSERT_EQ(g.numNodes(), 5527u);
  EXPECT_GT(g.numEdges(), 0u);
  const std::size_t f = g.numNodeFeatures();
  ASSERT_EQ(g.node_feature_names[f - 2], "cell_count");
  for (std::size_t i = 0; i < g.numNodes(); ++i) {
    EXPECT_FLOAT_EQ(g.x[i * f + f - 2], static_cast<float>(event.cells[i].count) / 10.f);
    EXPECT_FLOAT_EQ(g.x[i * f + f - 1], event.cells[i].charge);
    EXPECT_GT(g.x[i * f + f - 2], 0.f) << "every hit of the real event has cells";
  }
}

TEST(GraphStatistics, KnownGraph) {
  // Particle 1 (target): nodes 0-1-2-3, truth edges 0-1, 1-2, 2-3; the graph finds 0-1 and 2-3
  // (reversed) but misses 1-2. Particle 2 (not a target): nodes 4-5, found. Plus a fake 0-4.
  Graph g;
  g.node_feature_names = {"r"};
  g.x = {0, 0, 0, 0, 0, 0};
  g.hit_id = {1, 2, 3, 4, 5, 6};
  g.node_particle = {1, 1, 1, 1, 2, 2};
  g.edge_feature_names = {};
  g.edge_index = {0, 3, 4, 0, /*dst*/ 1, 2, 5, 4};
  g.y = {1, 1, 1, 0};
  g.y_target = {1, 1, 0, 0};
  g.edge_particle = {1, 1, 2, 0};
  g.edge_pt = {2, 2, 0.5, 0};
  g.edge_eta = {0.1f, 0.1f, 1, 0};
  g.truth_edge_index = {0, 1, 2, 4, /*dst*/ 1, 2, 3, 5};
  g.truth_target = {1, 1, 1, 0};
  g.truth_particle = {1, 1, 1, 2};
  g.particles = {{1, 2.0f, 0.1f, 4, true}, {2, 0.5f, 1.0f, 2, false}};
  ASSERT_NO_THROW(g.validate("known"));
  GraphStatistics s;
  s.add(g);
  EXPECT_DOUBLE_EQ(s.efficiency(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.purity(), 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(s.targetPurity(), 2.0 / 4.0);
  EXPECT_DOUBLE_EQ(s.edgesPerNode(), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(s.target_particles, 1);
  EXPECT_DOUBLE_EQ(s.connectedFraction(), 0.0) << "1-2 missing splits particle 1";
  EXPECT_DOUBLE_EQ(s.efficiency_vs_pt.total[2], 3);  // pT 2 GeV bin [2, 3)
  EXPECT_DOUBLE_EQ(s.efficiency_vs_pt.passed[2], 2);
}

TEST(GeometricBuilder, FindsPromptHighPtTracks) {
  const auto train = gunEvents(6, 60, true);  // enough to see every layer pair
  ModuleMapBuilder builder(trackml(), {});
  for (const auto& e : train) builder.add(e, "gun");
  const ModuleMap map = builder.finish();
  const GraphConstructor c(trackml(),
                           std::make_shared<GeometricEdgeBuilder>(trackml(), layerPairsOf(map, trackml()),
                                                                  GeometricEdgeBuilder::Config{}),
                           {});
  const GraphStatistics s = statistics(c, gunEvents(7, 5, true, 2.0));
  EXPECT_GT(s.efficiency(), 0.9);
}

using GraphFiles = test::TempDirTest;

TEST_F(GraphFiles, DatasetSplitIsDeterministicAndManifestRoundTrips) {
  std::vector<std::uint64_t> ids(100);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = 1000 + i;
  const auto split = splitEvents(ids, {80, 10, 10}, 3);
  EXPECT_EQ(split.at("train").size(), 80u);
  EXPECT_EQ(split.at("val").size(), 10u);
  EXPECT_EQ(split.at("test").size(), 10u);
  EXPECT_EQ(splitEvents(ids, {80, 10, 10}, 3), split);
  EXPECT_NE(splitEvents(ids, {80, 10, 10}, 4), split);
  GraphDatasetManifest m;
  m.detector = "trackml";
  m.builder = "module-map";
  m.hard_cut_pt = 1.0;
  m.node_features = nodeFeatureNames(false);
  m.edge_features = edgeFeatureNames();
  m.splits = split;
  writeFileAtomically(dir / "manifest.json", m.json().dump(2));
  const GraphDataset data(dir);
  EXPECT_EQ(data.manifest().splits, split);
  EXPECT_EQ(data.manifest().hard_cut_pt, 1.0);
  EXPECT_EQ(data.ids("all").size(), 100u);
  EXPECT_THROW(data.ids("bogus"), Error);
  EXPECT_THROW(GraphDataset(dir / "nowhere"), Error);
}

TEST_F(GraphFiles, GraphFileRoundTrip) {
  const auto events = gunEvents(8, 2, true);
  ModuleMapBuilder builder(trackml(), {});
  for (const auto& e : events) builder.add(e, "gun");
  auto map = std::make_shared<ModuleMap>(builder.finish());
  const GraphConstructor c(trackml(), std::make_shared<ModuleMapEdgeBuilder>(map, trackml(), ModuleMapEdgeBuilder::Config{}), {});
  const Graph g = c.build(events[1], "gun");
  writeGraphH5(g, dir / "g.h5", "trackml", "module-map");
  EXPECT_EQ(readGraphH5(dir / "g.h5"), g);
}

}  // namespace
}  // namespace efgnn

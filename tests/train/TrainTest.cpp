#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "SmallGraphDataset.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Random.hpp"
#include "geometry/DetectorConfig.hpp"
#include "graph/GraphConstructor.hpp"
#include "graph/GraphDataset.hpp"
#include "graph/ModuleMapEdgeBuilder.hpp"
#include "graph/TruthGraph.hpp"
#include "io/GraphStoreH5.hpp"
#include "sim/EventSimulator.hpp"
#include "sim/MinimumBias.hpp"
#include "train/Checkpoint.hpp"
#include "train/GraphSectors.hpp"
#include "train/Trainer.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;

TEST(EdgeMetrics, KnownScores) {
  // 6 edges: targets 0,1,2 (scores .9 .8 .3), non-target true 3 (.7), fakes 4,5 (.6 .1).
  EdgeMetrics m(0.5);
  m.add(torch::tensor({0.9f, 0.8f, 0.3f, 0.7f, 0.6f, 0.1f}), torch::tensor({1.f, 1.f, 1.f, 1.f, 0.f, 0.f}),
        torch::tensor({1.f, 1.f, 1.f, 0.f, 0.f, 0.f}), torch::full({6}, 2.f), torch::zeros({6}), torch::zeros({6}));
  EXPECT_DOUBLE_EQ(m.efficiency(), 2.0 / 3);     // 2 of 3 targets pass
  EXPECT_DOUBLE_EQ(m.totalPurity(), 3.0 / 4);    // passing: 0,1,3,4; true: 0,1,3
  EXPECT_DOUBLE_EQ(m.targetPurity(), 2.0 / 4);
  EXPECT_DOUBLE_EQ(m.maskedPurity(), 2.0 / 3);   // edge 3 masked
  // Target vs fake pairs: (.9,.6) (.9,.1) (.8,.6) (.8,.1) (.3,.1) win, (.3,.6) loses: 5/6.
  EXPECT_NEAR(m.auc(), 5.0 / 6, 1e-9);
  EXPECT_DOUBLE_EQ(m.purity_vs_eta.total[7], 4);  // eta 0 bin [0, 0.5): the four passing edges
  EXPECT_DOUBLE_EQ(m.purity_vs_eta.passed[7], 3);
}

TEST(EdgeMetrics, AWorkingPointFromTheHistogramsIsWhatItsCutGives) {
  Rng rng(3);
  std::vector<float> score, y, target;
  for (int e = 0; e < 5000; ++e) {
    const bool is_true = rng.uniform() < 0.3, is_target = is_true && rng.uniform() < 0.8;
    // Scores off the 1e-4 grid, true edges higher on average.
    score.push_back(static_cast<float>(std::clamp((is_true ? 0.6 : 0.3) + 0.25 * rng.normal(), 0.0, 0.99)) + 3e-5f);
    y.push_back(is_true);
    target.push_back(is_target);
  }
  const auto add = [&](EdgeMetrics& m) {
    const auto n = static_cast<std::int64_t>(score.size());
    m.add(torch::from_blob(score.data(), {n}).clone(), torch::from_blob(y.data(), {n}).clone(),
          torch::from_blob(target.data(), {n}).clone(), torch::full({n}, 2.f), torch::zeros({n}), torch::zeros({n}));
  };
  EdgeMetrics m(0.5);
  add(m);
  for (const double cut : {0.2, 0.37, 0.5, 0.81}) {
    EdgeMetrics at_cut(cut);
    add(at_cut);
    const WorkingPoint w = m.at(cut);
    EXPECT_DOUBLE_EQ(w.efficiency, at_cut.efficiency()) << cut;
    EXPECT_DOUBLE_EQ(w.total_purity, at_cut.totalPurity()) << cut;
  }
  // Asked for its own figures at 0.37, a cut that gives at least those; asked for more purity
  // than any cut gives, the cut with the smallest larger shortfall.
  const WorkingPoint own = m.closestWorkingPoint(m.at(0.37).efficiency, m.at(0.37).total_purity);
  EXPECT_GE(own.efficiency, m.at(0.37).efficiency);
  EXPECT_GE(own.total_purity, m.at(0.37).total_purity);
  const WorkingPoint w = m.closestWorkingPoint(m.at(0.3).efficiency, 1.0);
  EXPECT_GT(w.cut, 0.3);
  const double shortfall = std::max(m.at(0.3).efficiency - w.efficiency, 1.0 - w.total_purity);
  for (int c = 1; c <= 99; ++c) {
    const WorkingPoint o = m.at(c / 100.0);
    EXPECT_GE(std::max(m.at(0.3).efficiency - o.efficiency, 1.0 - o.total_purity), shortfall) << c;
  }
}

TEST(Loss, ReferenceWeightingAndBalance) {
  TrainConfig c;
  const auto y = torch::tensor({1.f, 1.f, 0.f, 0.f, 0.f}), t = torch::tensor({1.f, 0.f, 0.f, 0.f, 0.f});
  const auto pt = torch::tensor({9.f, 9.f, 0.f, 0.f, 0.f});
  EXPECT_TRUE(torch::allclose(edgeWeights(y, t, pt, c), torch::tensor({1.f, 0.f, 0.1f, 0.1f, 0.1f})));
  c.balance = "proportional";
  const auto p = edgeWeights(y, t, pt, c);
  EXPECT_NEAR(p.sum().item<double>(), 4.0, 1e-5);  // mean 1 over the four weighted edges
  c.balance = "equal";
  const auto q = edgeWeights(y, t, pt, c);
  EXPECT_NEAR(q[0].item<double>(), q.slice(0, 2).sum().item<double>(), 1e-6);
}

TEST(Loss, TargetEdgesWeightedByPtUpToTheClip) {
  TrainConfig c;
  c.target_pt_exponent = 0.5;
  c.target_pt_max = 16;
  const auto y = torch::tensor({1.f, 1.f, 1.f, 1.f, 0.f}), t = torch::tensor({1.f, 1.f, 1.f, 0.f, 0.f});
  const auto pt = torch::tensor({0.5f, 4.f, 100.f, 100.f, 0.f});
  // Below 1 GeV as at 1 GeV, above the clip as at the clip; non-target and fake edges unchanged.
  EXPECT_TRUE(torch::allclose(edgeWeights(y, t, pt, c), torch::tensor({1.f, 2.f, 4.f, 0.f, 0.1f})));
  c.target_pt_exponent = -1;
  EXPECT_THROW(c.validate(), Error);
}

TEST(TrainConfig, UnknownKeysAndSchedule) {
  try {
    TrainConfig::fromYaml(YamlNode::parse("hidden: 8\nlearning_rate: 0.1\n", "t.yaml"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.yaml:2"), std::string::npos) << e.what();
  }
  const auto c = TrainConfig::fromYaml(YamlNode::parse("lr: 1.0e-3\nwarmup: 2\nfactor: 0.5\nmin_lr: 1.0e-4\nstage: edge_classifier\n", "t.yaml"));
  EXPECT_DOUBLE_EQ(c.learningRate(0), 0.5e-3);
  EXPECT_DOUBLE_EQ(c.learningRate(1), 1e-3);
  EXPECT_DOUBLE_EQ(c.learningRate(2), 1e-3);
  EXPECT_DOUBLE_EQ(c.learningRate(3), 0.5e-3);
  EXPECT_DOUBLE_EQ(c.learningRate(10), 1e-4);  // the floor
  EXPECT_THROW(parseDevice("cuda:x"), Error);
  EXPECT_THROW(parseDevice("gpu"), Error);
  EXPECT_EQ(parseDevice("cpu"), torch::Device(torch::kCPU));
  EXPECT_THROW(TrainConfig::fromYaml(YamlNode::parse("metric_to_monitor: efficiency\n", "t.yaml")), Error);
  TrainConfig d;
  EXPECT_THROW(d.set("epochs=3"), Error);
  d.set("hidden=16");
  EXPECT_EQ(d.model.hidden, 16);
}

using SmallDataset = test::SmallGraphDataset;

TEST_F(SmallDataset, OverfitsAHandfulOfGraphs) {
  const auto path = run("overfit");
  auto c = config(60);
  c.lr = 5e-3;
  Trainer trainer(c, path, false);
  const auto history = trainer.run();
  ASSERT_EQ(history.size(), 60u);
  EXPECT_LT(history.back().val_loss, history.front().val_loss);
  EXPECT_GT(history.back().efficiency, 0.99);
  EXPECT_GT(history.back().total_purity, 0.9);
  EXPECT_LT(history.front().total_purity, 0.5) << "the graphs must have fake edges to learn";
  EXPECT_GT(history.back().auc, 0.99);
  const auto csv = readMetricsCsv(path / "metrics.csv");
  EXPECT_EQ(csv.size(), 60u);
}

TEST_F(SmallDataset, ResumingGivesTheSameResultAsAnUninterruptedRun) {
  const auto straight = run("straight"), split = run("split");
  Trainer(config(4), straight, false).run();
  Trainer(config(2), split, false).run();
  const auto resumed = Trainer(config(4), split, true).run();
  ASSERT_EQ(resumed.size(), 4u);
  const auto a = loadCheckpoint(straight / "last.pt", torch::kCPU), b = loadCheckpoint(split / "last.pt", torch::kCPU);
  const auto pa = a.model->parameters(), pb = b.model->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "parameter " << i;
  const auto ma = readMetricsCsv(straight / "metrics.csv"), mb = readMetricsCsv(split / "metrics.csv");
  ASSERT_EQ(ma.size(), mb.size());
  for (std::size_t i = 0; i < ma.size(); ++i) {  // everything but the timing
    EXPECT_EQ(ma[i].train_loss, mb[i].train_loss);
    EXPECT_EQ(ma[i].val_loss, mb[i].val_loss);
    EXPECT_EQ(ma[i].efficiency, mb[i].efficiency);
  }
  EXPECT_THROW(Trainer(config(4), straight, false), Error) << "refuses to overwrite a run";
  auto changed = config(6);
  changed.lr = 1e-2;
  try {
    Trainer(changed, split, true);
    FAIL() << "resumed with another learning rate";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lr: 0.003 -> 0.01"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(Trainer(config(6), split, true)) << "a longer run is a continuation";
}

// The training engine (efgnn's kernels, recomputed iterations) sums every gradient in an order
// fixed by the data, not by the threads: a run on two threads ends with the parameters of a run
// on one, bit for bit, and resuming it is as good as not stopping.
TEST_F(SmallDataset, TrainingEngineRunsAreIndependentOfTheThreadCountAndResumable) {
  auto c = config(3);
  c.kernels = "efgnn";
  c.model.checkpointing = true;
  const auto one = run("engine-one-thread"), two = run("engine-two-threads"), split = run("engine-split");
  Trainer(c, one, false).run();
  auto c2 = c;
  c2.threads = 2;
  Trainer(c2, two, false).run();
  auto first = c;
  first.max_epochs = 1;
  Trainer(first, split, false).run();
  Trainer(c, split, true).run();
  const auto a = loadCheckpoint(one / "last.pt", torch::kCPU);
  for (const auto& other : {two, split}) {
    const auto b = loadCheckpoint(other / "last.pt", torch::kCPU);
    const auto pa = a.model->parameters(), pb = b.model->parameters();
    ASSERT_EQ(pa.size(), pb.size());
    for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << other << ": parameter " << i;
  }
}

// η-φ sectors: the halo decides which edges a sector holds; the edges whose source lies in the
// sector itself carry the loss, each edge in one sector at most.
TEST_F(SmallDataset, EtaPhiSectorsCoverEachEdgeOnce) {
  const Graph graph = readGraphH5(dir_ / graphFileName(0));
  const std::size_t edges = graph.numEdges();
  ASSERT_GT(edges, 50u);
  const auto edgeKey = [](const Graph& g, std::size_t k) {
    return std::pair{g.hit_id[static_cast<std::size_t>(g.src(k))], g.hit_id[static_cast<std::size_t>(g.dst(k))]};
  };
  const auto coreEdges = [&](double halo, std::size_t* nodes, std::size_t* held) {
    std::set<std::pair<std::uint64_t, std::uint64_t>> core;
    std::size_t counted = 0;
    *nodes = *held = 0;
    for (const auto& s : graphSectors(graph, {3, 4, halo}, "g")) {
      *nodes += s.graph.numNodes();
      *held += s.graph.numEdges();
      for (std::size_t k = 0; k < s.graph.numEdges(); ++k)
        if (s.core[k]) {
          core.insert(edgeKey(s.graph, k));
          ++counted;
        }
    }
    EXPECT_EQ(counted, core.size()) << "an edge carries loss in two sectors (halo " << halo << ")";
    return core.size();
  };
  std::size_t nodes = 0, held = 0;
  // No halo: the sectors partition the nodes, and hold only edges within one sector.
  const std::size_t without_halo = coreEdges(0, &nodes, &held);
  EXPECT_EQ(nodes, graph.numNodes());
  EXPECT_EQ(without_halo, held);
  EXPECT_LT(without_halo, edges) << "no edge crosses a border: the test graph is too small";
  // A halo: more edges, some of them for context only.
  const std::size_t with_halo = coreEdges(0.3, &nodes, &held);
  EXPECT_GT(with_halo, without_halo);
  EXPECT_GT(held, with_halo);
  // A halo wider than the detector: every sector holds the whole graph, every edge counts once.
  EXPECT_EQ(coreEdges(10, &nodes, &held), edges);
  EXPECT_EQ(held, 12 * edges);
  // One sector is the graph itself.
  const auto one = graphSectors(graph, {1, 1, 0}, "g");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].graph, graph);
  EXPECT_EQ(std::count(one[0].core.begin(), one[0].core.end(), 1), static_cast<std::ptrdiff_t>(edges));
  Graph featureless = graph;
  featureless.node_feature_names[3] = "eta_scaled";
  EXPECT_THROW(graphSectors(featureless, {2, 2, 0.1}, "g.h5"), Error);
  // A training run on sectors.
  auto c = config(1);
  c.eta_sectors = 2;
  c.phi_sectors = 2;
  const auto history = Trainer(c, run("sectors"), false).run();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_TRUE(std::isfinite(history[0].train_loss));
  EXPECT_GT(history[0].train_loss, 0);
}

TEST_F(SmallDataset, BadInput) {
  auto wrong = config(1);
  wrong.model.node_features = 12;  // the graphs have 4
  try {
    Trainer(wrong, run("wrong"), false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node features"), std::string::npos) << e.what();
  }
  auto missing = config(1);
  missing.input_dir = "/no/such/graphs";
  EXPECT_THROW(Trainer(missing, run("missing"), false), Error);
  // Checkpoints: truncated, foreign, missing.
  const auto good = run("ckpt");
  Trainer(config(1), good, false).run();
  const std::string bytes = readFile(good / "last.pt");
  writeFileAtomically(good / "cut.pt", bytes.substr(0, bytes.size() / 2));
  writeFileAtomically(good / "foreign.pt", "not a checkpoint at all");
  for (const char* bad : {"cut.pt", "foreign.pt", "absent.pt"}) {
    try {
      loadCheckpoint(good / bad, torch::kCPU);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  // A diverging run stops with a clear message and keeps its last good checkpoint.
  auto diverging = config(3);
  diverging.lr = 1e30;
  diverging.warmup = 0;
  diverging.gradient_clip_val = 0;
  const auto path = run("nan");
  try {
    Trainer(diverging, path, false).run();
    ADD_FAILURE() << "no error for a diverging run";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not finite"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace efgnn

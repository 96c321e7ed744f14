#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "geometry/DetectorConfig.hpp"
#include "graph/GraphConstructor.hpp"
#include "graph/GraphDataset.hpp"
#include "graph/ModuleMapEdgeBuilder.hpp"
#include "graph/TruthGraph.hpp"
#include "core/Random.hpp"
#include "io/GraphStoreH5.hpp"
#include "sim/EventSimulator.hpp"
#include "sim/MinimumBias.hpp"
#include "train/Checkpoint.hpp"
#include "train/Trainer.hpp"
#include "SmallGraphDataset.hpp"

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

TEST(Loss, ReferenceWeightingAndBalance) {
  TrainConfig c;
  const auto y = torch::tensor({1.f, 1.f, 0.f, 0.f, 0.f}), t = torch::tensor({1.f, 0.f, 0.f, 0.f, 0.f});
  EXPECT_TRUE(torch::allclose(edgeWeights(y, t, c), torch::tensor({1.f, 0.f, 0.1f, 0.1f, 0.1f})));
  c.balance = "proportional";
  const auto p = edgeWeights(y, t, c);
  EXPECT_NEAR(p.sum().item<double>(), 4.0, 1e-5);  // mean 1 over the four weighted edges
  c.balance = "equal";
  const auto q = edgeWeights(y, t, c);
  EXPECT_NEAR(q[0].item<double>(), q.slice(0, 2).sum().item<double>(), 1e-6);
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

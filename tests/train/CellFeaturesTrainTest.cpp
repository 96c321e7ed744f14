// Graphs with the optional cell features (efgnn build-graphs --cell-features) train like any
// others: the model takes its number of node features from the training config (node_features:
// a count or the list of names), which must match the graphs'.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "SmallGraphDataset.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "graph/Features.hpp"
#include "train/Checkpoint.hpp"
#include "train/Trainer.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;

class CellFeaturesDataset : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("efgnn-cell-graphs-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const Detector& det = test::trackmlDetector();
    const EventSimulator sim = test::gunEventSimulator(10, 11);
    GraphConstructor::Config config;
    config.cell_features = true;
    const GraphConstructor constructor(det, std::make_shared<test::TruthAndRandomPairs>(), config);
    GraphDatasetManifest m;
    m.detector = "trackml";
    m.builder = "truth-and-random";
    m.node_features = names_ = nodeFeatureNames(constructor.withClusters(), true);
    m.edge_features = edgeFeatureNames();
    for (std::uint64_t id = 0; id < 4; ++id) {
      Event e = sim.simulate(id);
      e.cells.resize(e.hits.size());  // simulated events have no cells: made-up ones
      for (std::size_t i = 0; i < e.hits.size(); ++i)
        e.cells[i] = {static_cast<std::uint32_t>(1 + i % 5), 0.5f + static_cast<float>(i % 3)};
      const Graph g = constructor.build(e, "gun");
      writeGraphH5(g, dir_ / graphFileName(id), "trackml", "truth-and-random");
      m.splits[id < 3 ? "train" : "val"].push_back(id);
    }
    writeFileAtomically(dir_ / "manifest.json", m.json().dump(2));
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static TrainConfig config() {
    TrainConfig c;
    c.input_dir = dir_.string();
    c.model.hidden = 8;
    c.model.n_graph_iters = 2;
    c.model.nb_node_layer = c.model.nb_edge_layer = 2;
    c.warmup = 0;
    c.max_epochs = 2;
    c.threads = 1;
    return c;
  }
  static fs::path run(const std::string& name) {
    const auto p = fs::temp_directory_path() / ("efgnn-cell-run-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(p);
    return p;
  }

  static inline fs::path dir_;
  static inline std::vector<std::string> names_;
};

TEST_F(CellFeaturesDataset, TrainsWhenTheConfigNamesTheCellFeatures) {
  ASSERT_EQ(names_.back(), "cell_charge");
  auto c = config();
  std::string list;
  for (const auto& n : names_) list += (list.empty() ? "" : ", ") + n;
  c.set("node_features=[" + list + "]");
  ASSERT_EQ(c.model.node_features, static_cast<int>(names_.size()));
  const auto path = run("named");
  const auto history = Trainer(c, path, false).run();
  ASSERT_EQ(history.size(), 2u);
  for (const auto& r : history) {
    EXPECT_TRUE(std::isfinite(r.train_loss));
    EXPECT_TRUE(std::isfinite(r.val_loss));
  }
  const auto ckpt = loadCheckpoint(path / "last.pt", torch::kCPU);
  EXPECT_EQ(ckpt.config.model.node_features, static_cast<int>(names_.size()));
  EXPECT_EQ(ckpt.config.model.node_feature_names, names_);
  fs::remove_all(path);
}

TEST_F(CellFeaturesDataset, ModelWithoutTheCellFeaturesIsRefused) {
  auto c = config();  // node_features: 4
  try {
    Trainer(c, run("four"), false);
    FAIL() << "a 4-feature model accepted graphs with cell features";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(names_.size()) + " node features"), std::string::npos)
        << e.what();
  }
  auto swapped = config();
  auto names = names_;
  std::swap(names[names.size() - 1], names[names.size() - 2]);
  swapped.model.node_feature_names = names;
  swapped.model.node_features = static_cast<int>(names.size());
  try {
    Trainer(swapped, run("swapped"), false);
    FAIL() << "cell_count and cell_charge swapped went unnoticed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cell_count, cell_charge"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace efgnn

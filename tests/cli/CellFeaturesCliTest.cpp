// `efgnn build-graphs --cell-features`: the node features cell_count and cell_charge from the
// events' TrackML cells files, recorded in the manifest (so --resume refuses a change), and an
// error naming the event for events without cells.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "TempDirTest.hpp"
#include "cli/CliRun.hpp"
#include "core/AtomicFile.hpp"
#include "io/GraphStoreH5.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;

using CellFeaturesCli = test::TempDirTest;

TEST_F(CellFeaturesCli, BuildGraphsTakesTheCellsOfTheRealEvent) {
  const std::string real = EFGNN_SHARED_DATA "/trackml";
  if (!fs::exists(fs::path(real) / "event000000001-cells.csv.gz")) GTEST_SKIP() << "no shared TrackML event";
  auto r = test::runEfgnn("build-module-map --events " + real + " --out " + path("map.h5"));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string build = "build-graphs --events " + real + " --module-map " + path("map.h5") +
                            " --split 0,0,100 --out " + path("graphs");
  r = test::runEfgnn(build + " --cell-features --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const std::vector<std::string> names{"r", "phi", "z", "eta", "cell_count", "cell_charge"};
  const Graph g = readGraphH5(dir / "graphs" / "event000000001.h5");
  EXPECT_EQ(g.node_feature_names, names);
  EXPECT_EQ(g.numNodes(), 5527u);
  const std::string manifest = readFile(dir / "graphs" / "manifest.json");
  EXPECT_NE(manifest.find("\"cell_charge\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"cell_features\": \"true\""), std::string::npos) << manifest;

  r = test::runEfgnn(build + " --resume");
  EXPECT_NE(r.status, 0) << "resumed without the cell features";
  EXPECT_NE(r.out.find("cell_features: true -> (not set)"), std::string::npos) << r.out;
  r = test::runEfgnn(build + " --resume --cell-features");
  EXPECT_EQ(r.status, 0) << r.out;

  // Simulated events have no cells.
  r = test::runEfgnn("simulate --gun --no-noise --events 1 --format h5 --out " + path("sim"));
  ASSERT_EQ(r.status, 0) << r.out;
  r = test::runEfgnn("build-graphs --events " + path("sim") + " --module-map " + path("map.h5") +
                     " --cell-features --out " + path("sim-graphs"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("event 0: no cells"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace efgnn

// Issue 28 (item 8): a scan run's name is a directory under runs/; "..", "." and hidden names
// are refused, with the allowed characters.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "compress/Scan.hpp"
#include "core/Error.hpp"

namespace efgnn {
namespace {

TEST(ScanNames, DotDotAndHiddenNamesAreRefused) {
  const auto file = std::filesystem::temp_directory_path() / "efgnn-scan-names.yaml";
  for (const std::string name : {"..", ".", ".hidden", "a/b", "''"}) {
    std::ofstream(file) << "set:\n  input_dir: graphs\nruns:\n  - name: " << name << "\n";
    try {
      ScanConfig::fromFile(file.string());
      ADD_FAILURE() << "run name " << name << " accepted";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(file.string() + ":4:"), std::string::npos) << msg;
      EXPECT_TRUE(msg.find("use letters, digits and - _ = . , only, not starting with '.'") != std::string::npos ||
                  msg.find("a run needs a name") != std::string::npos)
          << msg;
    }
  }
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace efgnn

namespace efgnn {
namespace {

TEST(ScanResults, CarryTheStudysFigureForTheSameModelOnly) {
  ScanResult r;
  r.hidden = 48;
  r.n_graph_iters = 8;
  r.norm = "layernorm";
  r.size.weight_bits = 32;
  EXPECT_EQ(r.studyText(), "94.60 / 82.90");
  r.size.weight_bits = 6;
  EXPECT_EQ(r.studyText(), "94.63 / 82.84");
  r.pruned = true;
  EXPECT_EQ(r.studyText(), "") << "the study's pruning table depends on the fraction";
  r.pruned = false;
  r.distilled = true;
  EXPECT_FALSE(r.study());
}

}  // namespace
}  // namespace efgnn

// Hostile names (quotes, $(...), backquotes) in every path, label and option value that reaches
// gnuplot or a child process: the command succeeds, writes where it was told, and runs nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "InjectionMarks.hpp"
#include "TempDirTest.hpp"
#include "cli/CliRun.hpp"
#include "core/AtomicFile.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;


using test::CliResult;
using test::runEfgnnArgs;

/// A name that runs `touch INJECTED...` in a shell, in gnuplot's double-quoted strings or its
/// backquote substitution: relative (lands in the working directory, the test directory here)
/// and absolute (lands in the test directory whatever the working directory).
std::string hostile(const fs::path& dir, const std::string& tag) {
  const std::string mark = (dir / ("INJECTED-" + tag)).string();
  return "x'$(touch INJECTED-" + tag + ")'`touch INJECTED-" + tag + "` \"$(touch " + mark + ")\" `touch " + mark + "`";
}

/// The test process (and so efgnn) works in the test directory, and TMPDIR is a hostile
/// directory inside it, for the scope.
class ShellSafety : public test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    old_cwd_ = fs::current_path();
    fs::current_path(dir);
    if (const char* t = std::getenv("TMPDIR")) old_tmpdir_ = t;
    tmp = dir / ("tmp " + hostile(dir, "tmp"));
    fs::create_directories(tmp);
    ::setenv("TMPDIR", tmp.c_str(), 1);
  }
  void TearDown() override {
    if (old_tmpdir_) {
      ::setenv("TMPDIR", old_tmpdir_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
    fs::current_path(old_cwd_);
    TempDirTest::TearDown();
  }

  /// Files (not the directories of hostile paths) named INJECTED* under the test directory or in the directory the
  /// tests started in.
  std::vector<fs::path> injected() const { return test::injectionMarks(dir, old_cwd_); }
  void expectNothingInjected() {
    const auto found = injected();
    EXPECT_TRUE(found.empty()) << found.size() << " injected, e.g. " << found.front();
    EXPECT_TRUE(fs::is_empty(tmp)) << "temporary files left in TMPDIR";
  }

  /// Particle-gun events, their module map and graphs (60/20/20), and tiny.yaml for them.
  void makeGraphs() {
    const std::vector<std::string> gun{
        "simulate", "--gun", "--gun-count", "20", "--gun-pt", "1,5", "--gun-eta", "-2,2",    "--gun-random-charge",
        "--format", "h5",    "--events",    "10", "--seed",   "5",   "--out",     path("ev")};
    CliResult r = runEfgnnArgs(gun);
    ASSERT_EQ(r.status, 0) << r.out;
    r = runEfgnnArgs({"build-module-map", "--events", path("ev"), "--out", path("map.h5")});
    ASSERT_EQ(r.status, 0) << r.out;
    r = runEfgnnArgs({"build-graphs", "--events", path("ev"), "--module-map", path("map.h5"), "--tolerance", "3",
                      "--split", "60,20,20", "--out", path("graphs")});
    ASSERT_EQ(r.status, 0) << r.out;
    std::ofstream f(path("tiny.yaml"));
    f << "input_dir: graphs\nhidden: 8\nn_graph_iters: 2\nnb_node_layer: 2\nnb_edge_layer: 2\nwarmup: 1\n"
         "lr: 0.003\nthreads: 1\nmax_epochs: 1\n";
  }

  fs::path tmp;

 private:
  fs::path old_cwd_;
  std::optional<std::string> old_tmpdir_;
};

TEST_F(ShellSafety, EventDisplayWritesToAHostilePathAndRunsNothing) {
  CliResult r = runEfgnnArgs({"simulate", "--pileup", "5", "--events", "1", "--format", "h5", "--out", path("ev")});
  ASSERT_EQ(r.status, 0) << r.out;
  // Quotes, $(...) and backquotes everywhere; and backquotes without quotes (what a shell in
  // single quotes leaves alone, and gnuplot's double-quoted strings ran).
  const fs::path outs[] = {dir / hostile(dir, "dir") / ("bt`touch INJECTED-bt`") / (hostile(dir, "file") + ".png"),
                           dir / "bt`touch INJECTED-backquote` $(touch INJECTED-dollar)" / "x.png"};
  for (const fs::path& out : outs) {
    fs::create_directories(out.parent_path());
    r = runEfgnnArgs({"event-display", path("ev"), "--out", out.string(), "--width", "600", "--height", "300"});
    expectNothingInjected();
    ASSERT_EQ(r.status, 0) << r.out;
    ASSERT_TRUE(fs::exists(out)) << r.out;
    EXPECT_EQ(readFile(out).substr(1, 3), "PNG");
  }
}

TEST_F(ShellSafety, ReportWithHostileLabelRunAndOutputDirectoriesRunsNothing) {
  ASSERT_NO_FATAL_FAILURE(makeGraphs());
  const fs::path run = dir / ("run " + hostile(dir, "run"));
  CliResult r = runEfgnnArgs({"train", "--config", path("tiny.yaml"), "--out", run.string()});
  ASSERT_EQ(r.status, 0) << r.out;
  // A label holds no '/' (LABEL=DIR), so its commands are relative: they would land here. The
  // first pair has no single quote (a shell in single quotes leaves it alone; gnuplot ran it).
  const std::pair<std::string, fs::path> cases[] = {
      {"lab`touch INJECTED-label`$(touch INJECTED-label)\"", dir / "report `touch INJECTED-report`"},
      {"lab`touch INJECTED-quoted`$(touch INJECTED-quoted)'\"", dir / ("report " + hostile(dir, "report"))}};
  for (const auto& [label, out] : cases) {
    r = runEfgnnArgs({"report", "--run", label + "=" + run.string(), "--threads", "1", "--out", out.string()});
    expectNothingInjected();
    ASSERT_EQ(r.status, 0) << r.out;
    const std::vector<std::string> files{"report.md", "roc.png", "training-loss-" + label + ".png",
                                         "scores-" + label + ".png"};
    for (const auto& file : files) EXPECT_TRUE(fs::exists(out / file)) << file << "\n" << r.out;
  }
}

TEST_F(ShellSafety, BenchRunsOnnxRuntimeFromAHostilePathAndRunsNothing) {
  const fs::path onnx = fs::path(EFGNN_SOURCE_DIR) / "bench" / "onnx";
  if (!fs::exists(onnx / "node_modules" / "onnxruntime-node")) GTEST_SKIP() << "no onnxruntime-node in " << onnx;
  ASSERT_NO_FATAL_FAILURE(makeGraphs());
  // The runner script in a hostile directory, with the package beside it.
  const fs::path runner_dir = dir / ("onnx " + hostile(dir, "runner"));
  fs::create_directories(runner_dir);
  fs::copy_file(onnx / "run.js", runner_dir / "run.js");
  fs::create_directory_symlink(onnx / "node_modules", runner_dir / "node_modules");
  const CliResult r =
      runEfgnnArgs({"bench", "--config", path("tiny.yaml"), "--graphs", path("graphs"), "--runs", "1", "--backend",
                    "onnxruntime", "--json", "--onnx-runner", (runner_dir / "run.js").string()});
  expectNothingInjected();
  ASSERT_EQ(r.status, 0) << r.out;
  if (r.out.find("built without ONNX support") != std::string::npos) GTEST_SKIP() << "built without ONNX support";
  EXPECT_NE(r.out.find("\"onnxruntime_float_ms\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"onnxruntime_float_ms\": null"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"onnxruntime_float_peak_memory_mib\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace efgnn

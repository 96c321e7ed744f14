// `efgnn import` from the command line: a reference checkpoint (written by PyTorch in the test)
// into an efgnn checkpoint and a training YAML that the other commands take; bad files refused
// with their name.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "TempDirTest.hpp"
#include "cli/CliRun.hpp"
#include "core/Process.hpp"

namespace efgnn::test {
namespace {

class ImportCli : public TempDirTest {};

TEST_F(ImportCli, ACheckpointOfTheReferenceBecomesOneThatExportAndSummaryTake) {
  ProcessOptions o;
  o.capture_stdout = true;
  o.stderr_to_stdout = true;
  const auto made = runProcess({"/usr/bin/python3", EFGNN_SOURCE_DIR "/tests/compress/make_reference_checkpoint.py",
                                dir.string(), "batchnorm", "4"},
                               o);
  ASSERT_TRUE(made.ok()) << made.output;
  CliResult r = runEfgnn("import --checkpoint " + path("model.ckpt") + " --out " + path("run/best.pt") +
                         " --write-config " + path("model.yaml") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"hidden\": 8"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"n_graph_iters\": 3"), std::string::npos) << r.out;
  std::ifstream yaml(path("model.yaml"));
  const std::string text((std::istreambuf_iterator<char>(yaml)), {});
  EXPECT_NE(text.find("batchnorm: true"), std::string::npos) << text;
  EXPECT_NE(text.find("output_norm: true"), std::string::npos) << text;  // the reference's output_batch_norm
  r = runEfgnn("summary --model " + path("run/best.pt") + " --json");
  EXPECT_EQ(r.status, 0) << r.out;
  r = runEfgnn("export --model " + path("run/best.pt") + " --out " + path("m.efgnn") + " --json");
  EXPECT_EQ(r.status, 0) << r.out;
  r = runEfgnn("train --config " + path("model.yaml") + " --set input_dir=" + path("nowhere") + " --out " + path("t"));
  EXPECT_EQ(r.status, 1) << r.out;  // the YAML is read: it is the missing graphs that stop it
  EXPECT_NE(r.out.find("nowhere"), std::string::npos) << r.out;
}

TEST_F(ImportCli, WhatIsNoCheckpointIsRefusedByName) {
  std::ofstream(path("notes.ckpt")) << "hello";
  CliResult r = runEfgnn("import --checkpoint " + path("notes.ckpt") + " --out " + path("x.pt"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("notes.ckpt: not a zip archive"), std::string::npos) << r.out;
  r = runEfgnn("import --checkpoint " + path("missing.ckpt") + " --out " + path("x.pt"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("missing.ckpt"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(path("x.pt")));
}

}  // namespace
}  // namespace efgnn::test

// The checkpoint reader under damaged files: a valid checkpoint mutated many times over
// (bytes changed, blocks zeroed, the file cut short) must load the same weights or be refused
// with an Error naming the file, never crash, throw anything else or load damaged weights. Checkpoints are LibTorch archives
// (zip records with CRC-32s), read by LibTorch, which a clang libFuzzer build cannot
// instrument; this test is the fuzzing they get (issue 28).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

#include "TempDirTest.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "model/EdgeClassifierModel.hpp"
#include "train/Checkpoint.hpp"
#include "train/TrainConfig.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;

class CheckpointMutation : public test::TempDirTest {};

TEST_F(CheckpointMutation, DamagedCheckpointsLoadOrAreRefusedWithAnError) {
  TrainConfig config;
  config.model.hidden = 8;
  config.model.n_graph_iters = 1;
  config.model.nb_node_layer = config.model.nb_edge_layer = 1;
  torch::manual_seed(1);
  auto model = makeModel(config.model);
  const fs::path good = dir / "good.pt";
  saveCheckpoint(good, *model, nullptr, TrainState{}, config);
  const std::string bytes = readFile(good);
  ASSERT_NO_THROW(loadCheckpoint(good, torch::kCPU));

  std::mt19937_64 rng(28);
  const auto below = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::size_t refused = 0, loaded = 0;
  const int kMutations = 400;
  for (int i = 0; i < kMutations; ++i) {
    std::string damaged = bytes;
    switch (i % 4) {
      case 0:  // a few bytes anywhere
        for (int k = 0; k < 1 + static_cast<int>(below(4)); ++k) damaged[below(damaged.size())] = static_cast<char>(rng());
        break;
      case 1:  // the zip directory and headers at the end
        damaged[damaged.size() - 1 - below(std::min<std::size_t>(damaged.size(), 2000))] = static_cast<char>(rng());
        break;
      case 2: {  // a zeroed block
        const std::size_t at = below(damaged.size()), n = std::min<std::size_t>(64, damaged.size() - at);
        damaged.replace(at, n, n, '\0');
        break;
      }
      default:  // cut short
        damaged.resize(below(damaged.size()));
    }
    const fs::path file = dir / "damaged.pt";
    writeFileAtomically(file, damaged);
    try {
      const auto ckpt = loadCheckpoint(file, torch::kCPU);
      ++loaded;
      // Loaded means the same weights: each record's CRC-32 is checked.
      const auto a = model->named_parameters(), b = ckpt.model->named_parameters();
      ASSERT_EQ(a.size(), b.size()) << "mutation " << i;
      for (const auto& p : a) EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << "mutation " << i << ": " << p.key();
    } catch (const Error& e) {
      ++refused;
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << "mutation " << i << ": " << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "mutation " << i << ": not an efgnn::Error: " << e.what();
    }
  }
  // What loads was damaged only where the reader does not look (zip times, alignment padding).
  EXPECT_GT(refused, static_cast<std::size_t>(kMutations) * 3 / 4) << loaded << " loaded";
}

}  // namespace
}  // namespace efgnn

// End-to-end tests of the efgnn executable: exit codes, messages, outputs on disk.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "TempDirTest.hpp"
#include "cli/CliRun.hpp"
#include "core/AtomicFile.hpp"
#include "core/Yaml.hpp"
#include "io/EventSource.hpp"
#include "io/TrackMLCsv.hpp"
#include "train/Checkpoint.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;

using Result = test::CliResult;
Result run(const std::string& args) { return test::runEfgnn(args); }

class Cli : public test::TempDirTest {};

std::size_t countFiles(const fs::path& d, const std::string& suffix) {
  if (!fs::exists(d)) return 0;
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(d)) n += e.path().string().ends_with(suffix);
  return n;
}

TEST_F(Cli, GeometryJson) {
  const Result r = run("geometry --detector trackml --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"modules\": 18728"), std::string::npos) << "the real TrackML detector: " << r.out;
  EXPECT_NE(r.out.find("\"layers\": 48"), std::string::npos) << r.out;
}

TEST_F(Cli, SimulationIsByteIdenticalForAnyThreadCount) {
  for (const std::string format : {"csv", "h5"}) {
    // Seconds apart, so that anything time-dependent in the files would show.
    const std::string common = "simulate --pileup 10 --hard-scatter ttbar --events 3 --seed 5 --format " + format;
    ASSERT_EQ(run(common + " --threads 1 --out " + path("one-" + format)).status, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    ASSERT_EQ(run(common + " --threads 2 --out " + path("two-" + format)).status, 0);
    std::size_t compared = 0;
    for (const auto& e : fs::directory_iterator(dir / ("one-" + format))) {
      const fs::path other = dir / ("two-" + format) / e.path().filename();
      ASSERT_TRUE(fs::exists(other)) << other;
      // (EXPECT_TRUE, not EXPECT_EQ: a failure must not print megabytes of binary)
      EXPECT_TRUE(readFile(e.path()) == readFile(other)) << e.path() << " differs from " << other;
      ++compared;
    }
    EXPECT_GE(compared, format == "csv" ? 9u : 3u);
  }
}

TEST_F(Cli, RefusesToOverwriteAndResumes) {
  const std::string common = "simulate --pileup 5 --events 3 --seed 2 --out " + path("ev");
  ASSERT_EQ(run(common).status, 0);
  const std::string before = readFile(dir / "ev" / "event000000001-hits.csv");
  const Result again = run(common);
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.out.find("--resume"), std::string::npos) << again.out;
  fs::remove(dir / "ev" / "event000000001-hits.csv");  // as if interrupted
  const Result resumed = run(common + " --resume --json");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("\"skipped\": 2"), std::string::npos) << resumed.out;
  EXPECT_EQ(readFile(dir / "ev" / "event000000001-hits.csv"), before);
  EXPECT_EQ(run(common + " --force").status, 0);
}

TEST_F(Cli, SimulatesTheRealTrackmlParticleList) {
  const std::string real = EFGNN_SHARED_DATA "/trackml/event000001000-particles.csv";
  const Result r = run("simulate --particles " + real + " --events 1 --first-event 1000 --json --out " + path("real"));
  ASSERT_EQ(r.status, 0) << r.out;
  const Event e = readTrackMLEvent(dir / "real", 1000);
  const auto input = readTrackMLParticles(real);
  ASSERT_EQ(e.particles.size(), input.size()) << "no pile-up added, no secondaries generated";
  long real_hits = 0, sim_hits = 0;
  for (const auto& p : input) real_hits += p.nhits;
  for (const auto& p : e.particles) sim_hits += p.nhits;
  // The same particles leave about as many hits in efgnn's (real TrackML) detector as in
  // TrackML's simulation: measured +17 %. The list has no PDG codes, so no particle of it can
  // stop in a nuclear interaction, while in TrackML's simulation about one in ten did (their
  // fragments are listed as further particles); hits per crossed layer agree (1.22 both).
  EXPECT_NEAR(static_cast<double>(sim_hits) / real_hits, 1.0, 0.2) << sim_hits << " vs " << real_hits;
}

TEST_F(Cli, ParticleGun) {
  const Result r = run("simulate --gun --gun-count 5 --gun-pt 2,4 --gun-eta -1,1 --no-noise --events 2 --out " + path("gun"));
  ASSERT_EQ(r.status, 0) << r.out;
  const EventDirectory d(dir / "gun");
  ASSERT_EQ(d.size(), 2u);
  const Event e = d.read(0);
  EXPECT_EQ(e.particles.size(), 5u);
  EXPECT_EQ(e.noiseHits(), 0u);
  EXPECT_GE(e.hits.size(), 5u * 10);
}

TEST_F(Cli, BadParticleFileNamesFileAndLineAndWritesNothing) {
  {
    std::ofstream f(path("bad-particles.csv"));
    f << "particle_id,vx,vy,vz,px,py,pz,q,nhits\n1,0,0,0,1,0,0,1,0\n2,0,0,zero,1,0,0,1,0\n";
  }
  const Result r = run("simulate --particles " + path("bad-particles.csv") + " --out " + path("out"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("bad-particles.csv:3"), std::string::npos) << r.out;
  EXPECT_EQ(countFiles(dir / "out", ".csv"), 0u);
}

TEST_F(Cli, BadDetectorAndOptions) {
  {
    std::ofstream f(path("det.yaml"));
    f << "name: broken\nmodule_types: {}\nvolumes:\n  - {id: 1, type: barrel, module_type: px}\n";
  }
  Result r = run("geometry --detector " + path("det.yaml"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("det.yaml:4"), std::string::npos) << r.out;
  r = run("simulate --format xml --out " + path("x"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--format"), std::string::npos) << r.out;
  r = run("simulate --hepmc " + path("missing.hepmc3") + " --out " + path("x"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("missing.hepmc3"), std::string::npos) << r.out;
  r = run("simulate --gun --gun-pt 5,1 --out " + path("x"));
  EXPECT_NE(r.status, 0);
  EXPECT_FALSE(fs::exists(dir / "x" / "event000000000-hits.csv"));
  r = run("event-display " + path("nothing-here") + " --out " + path("a.png"));
  EXPECT_NE(r.status, 0);
}

TEST_F(Cli, EventDisplayWritesAPng) {
  ASSERT_EQ(run("simulate --pileup 5 --hard-scatter ttbar --events 1 --format h5 --out " + path("ev")).status, 0);
  const Result r = run("event-display " + path("ev") + " --out " + path("display.png"));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string png = readFile(dir / "display.png");
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_EQ(countFiles(dir, ".tmp"), 0u);
}

TEST_F(Cli, EventStatsChecksModuleIdsAgainstTheDetector) {
  ASSERT_EQ(run("simulate --pileup 5 --events 2 --out " + path("ev")).status, 0);
  Result r = run("event-stats " + path("ev") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"events\": 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"detector_checked\": \"trackml\""), std::string::npos) << "checked against the run's geometry";
  r = run("event-stats " + path("ev") + " --detector itk");  // trackml events, wrong detector
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("does not have"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hit "), std::string::npos) << r.out;
}

TEST_F(Cli, ModuleMapGraphsAndStatistics) {
  const std::string sim = "simulate --gun --gun-count 40 --gun-pt 1,10 --gun-eta -3,3 --gun-random-charge --no-noise --format h5 ";
  ASSERT_EQ(run(sim + "--events 30 --seed 1 --out " + path("train")).status, 0);
  ASSERT_EQ(run(sim + "--events 6 --seed 2 --first-event 100 --out " + path("test")).status, 0);
  Result r = run("build-module-map --events " + path("train") + " --out " + path("map.h5") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"events\": 30"), std::string::npos) << r.out;
  for (const char* threads : {"1", "2"}) {
    r = run("build-graphs --events " + path("train") + " --module-map " + path("map.h5") + " --threads " +
            threads + " --out " + path(std::string("graphs") + threads) + " --json");
    ASSERT_EQ(r.status, 0) << r.out;
  }
  for (const auto& e : fs::directory_iterator(dir / "graphs1"))
    EXPECT_TRUE(readFile(e.path()) == readFile(dir / "graphs2" / e.path().filename())) << e.path();
  r = run("graph-stats --graphs " + path("graphs1") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"graph_efficiency\": 1,"), std::string::npos) << "own events: every true edge" << r.out;
  r = run("build-graphs --events " + path("train") + " --module-map " + path("map.h5") + " --out " + path("graphs1"));
  EXPECT_NE(r.status, 0) << "refuses to overwrite";
  r = run("build-graphs --events " + path("test") + " --module-map " + path("map.h5") + " --builder geometric --out " +
          path("geo") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  // A trackml map does not fit itk events.
  ASSERT_EQ(run("simulate --detector itk --gun --no-noise --events 1 --format h5 --out " + path("itk")).status, 0);
  r = run("build-graphs --events " + path("itk") + " --module-map " + path("map.h5") + " --out " + path("bad"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("built for detector 'trackml'"), std::string::npos) << r.out;
}

TEST_F(Cli, SummaryTrainEvalAndTwoProcessTraining) {
  Result r = run("summary --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"parameters\": 1974913"), std::string::npos) << "the reference model, 4 node features";
  r = run("summary --set hiden=16");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("did you mean 'hidden'"), std::string::npos) << r.out;

  const std::string sim = "simulate --gun --gun-count 20 --gun-pt 1,5 --gun-eta -2,2 --gun-random-charge --format h5 ";
  ASSERT_EQ(run(sim + "--events 12 --seed 3 --out " + path("ev")).status, 0);
  ASSERT_EQ(run("build-module-map --events " + path("ev") + " --out " + path("map.h5")).status, 0);
  ASSERT_EQ(run("build-graphs --events " + path("ev") + " --module-map " + path("map.h5") + " --tolerance 3 --split 70,15,15 --out " +
                path("graphs")).status, 0);
  {
    std::ofstream f(path("tiny.yaml"));
    f << "input_dir: graphs\nhidden: 8\nn_graph_iters: 2\nnb_node_layer: 2\nnb_edge_layer: 2\nmax_epochs: 2\nwarmup: 1\n"
         "lr: 0.003\nthreads: 1\n";
  }
  r = run("train --config " + path("tiny.yaml") + " --set batch_size=2 --out " + path("single") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"epochs\": 2"), std::string::npos) << r.out;
  r = run("eval --model " + path("single/best.pt") + " --graphs " + path("graphs") + " --out " + path("scores") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"edgewise_efficiency\""), std::string::npos) << r.out;
  EXPECT_FALSE(fs::is_empty(dir / "scores"));

  // Export for the runtime, then every backend timed on the same graphs.
  r = run("export --model " + path("single/best.pt") + " --out " + path("model.efgnn") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_GT(fs::file_size(dir / "model.efgnn"), 1000u);
  r = run("export --model " + path("single/best.pt") + " --format onnx2 --out " + path("x"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--format"), std::string::npos) << r.out;
  r = run("bench --model " + path("single/best.pt") + " --graphs " + path("graphs") + " --runs 2 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* key : {"\"libtorch_float_ms\"", "\"runtime_float_ms\"", "\"runtime_float_spread_ms\"",
                          "\"runtime_float_events_per_second\"", "\"runtime_int_ms\": null"})
    EXPECT_NE(r.out.find(key), std::string::npos) << key << " in " << r.out;
  r = run("bench --config " + path("tiny.yaml") + " --set hidden=16 --graphs " + path("graphs") +
          " --runs 1 --json --onnx-runner " EFGNN_SOURCE_DIR "/bench/onnx/run.js");
  ASSERT_EQ(r.status, 0) << r.out;
#ifdef EFGNN_HAVE_ONNX
  if (fs::exists(fs::path(EFGNN_SOURCE_DIR) / "bench/onnx/node_modules/onnxruntime-node")) {
    EXPECT_EQ(r.out.find("\"onnxruntime_float_ms\": null"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"onnxruntime_float_spread_ms\""), std::string::npos) << r.out;
    // ONNX Runtime's peak memory, from the node process (creating a session allocates).
    EXPECT_NE(r.out.find("\"onnxruntime_float_peak_memory_mib\""), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("\"onnxruntime_float_peak_memory_mib\": 0,"), std::string::npos) << r.out;
  }
  r = run("export --config " + path("tiny.yaml") + " --format onnx --out " + path("tiny.onnx"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_GT(fs::file_size(dir / "tiny.onnx"), 1000u);
#endif
  r = run("bench --model " + path("model.efgnn") + " --graphs " + path("graphs") + " --runs 1 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"runtime_float_ms\""), std::string::npos) << r.out;
  // A quantization-aware model: LibTorch QAT against the runtime's integer path, dense and sparse.
  const std::string qat = " --set hidden=16 --set weight_bits=6 --set activation_bits=6 --set input_bits=12";
  r = run("bench --config " + path("tiny.yaml") + qat + " --graphs " + path("graphs") + " --runs 1 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* key : {"\"libtorch_qat_ms\"", "\"runtime_int_ms\"", "\"runtime_sparse_int_ms\"",
                          "\"runtime_sparse_int_decision_agreement\"", "\"runtime_float_ms\": null"})
    EXPECT_NE(r.out.find(key), std::string::npos) << key << " in " << r.out;
  EXPECT_EQ(r.out.find("\"runtime_sparse_int_ms\": null"), std::string::npos) << r.out;
  r = run("export --config " + path("tiny.yaml") + qat + " --out " + path("qat.efgnn"));
  ASSERT_EQ(r.status, 0) << r.out;
  r = run("bench --model " + path("qat.efgnn") + " --graphs " + path("graphs") + " --runs 1 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"runtime_sparse_int_ms\""), std::string::npos) << r.out;
  // The baseline kernels on request, named in the figures; a set that does not exist is refused.
  r = run("bench --model " + path("qat.efgnn") + " --graphs " + path("graphs") + " --runs 1 --isa base --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"runtime_isa\": \"base\""), std::string::npos) << r.out;
  r = run("bench --model " + path("qat.efgnn") + " --graphs " + path("graphs") + " --runs 1 --isa neon");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--isa: instruction set 'neon'"), std::string::npos) << r.out;
  {
    std::ofstream corrupt(path("model.efgnn"), std::ios::binary | std::ios::app);
    corrupt << "trailing bytes";
  }
  r = run("bench --model " + path("model.efgnn") + " --graphs " + path("graphs") + " --runs 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("model.efgnn: byte 24: the header announces"), std::string::npos) << r.out;

  // Two processes over c10d, one graph each per step, against one process with two per step.
#ifndef EFGNN_HAVE_GLOO
  GTEST_SKIP() << "built without c10d Gloo (a LibTorch without a matching Gloo): no multi-process training";
#endif
  const int port = 20000 + static_cast<int>(::getpid() % 20000);
  const std::string env = "WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " ";
  const std::string train = std::string(EFGNN_BINARY) + " train --config " + path("tiny.yaml") + " --out " + path("ddp");
  const std::string both = "(" + env + "RANK=1 " + train + " > " + path("rank1.log") + " 2>&1; echo $? > " +
                           path("rank1.rc") + ") & " + env + "RANK=0 " + train + " > " + path("rank0.log") + " 2>&1";
  ASSERT_EQ(std::system(both.c_str()), 0) << readFile(dir / "rank0.log");
  for (int wait = 0; wait < 300 && (!fs::exists(dir / "rank1.rc") || readFile(dir / "rank1.rc").empty()); ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(fs::exists(dir / "rank1.rc"));
  EXPECT_EQ(readFile(dir / "rank1.rc"), "0\n") << "rank 1 must exit cleanly: " << readFile(dir / "rank1.log");
  const auto single = loadCheckpoint(dir / "single" / "last.pt", torch::kCPU);
  const auto ddp = loadCheckpoint(dir / "ddp" / "last.pt", torch::kCPU);
  const auto a = single.model->parameters(), b = ddp.model->parameters();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-4, 1e-6)) << "parameter " << i;
}

/// Ten particle-gun events (h5, in ev/), their module map (map.h5), graphs split 60/20/20
/// (graphs/) and tiny.yaml, a small training config for them followed by `extra` lines.
class CliWithGraphs : public Cli {
 protected:
  void makeGraphs(const std::string& extra) {
    ASSERT_EQ(run(gunEvents + "--format h5 --events 10 --seed 5 --out " + path("ev")).status, 0);
    ASSERT_EQ(run("build-module-map --events " + path("ev") + " --out " + path("map.h5")).status, 0);
    ASSERT_EQ(run("build-graphs --events " + path("ev") + " --module-map " + path("map.h5") +
                  " --tolerance 3 --split 60,20,20 --out " + path("graphs")).status, 0);
    std::ofstream f(path("tiny.yaml"));
    f << "input_dir: graphs\nhidden: 8\nn_graph_iters: 2\nnb_node_layer: 2\nnb_edge_layer: 2\nwarmup: 1\n"
         "lr: 0.003\nthreads: 1\n" << extra;
  }
  const std::string gunEvents = "simulate --gun --gun-count 20 --gun-pt 1,5 --gun-eta -2,2 --gun-random-charge ";
};

TEST_F(CliWithGraphs, PruneDistillScanAndSummaryOfACompressedModel) {
  ASSERT_NO_FATAL_FAILURE(makeGraphs("max_epochs: 2\nprune_fraction: 0.5\nprune_epochs: 1\nprune_max_rounds: 1\n"
                                     "prune_tolerance: 10\ndistill_alpha: 0.5\n"));
  Result r = run("train --config " + path("tiny.yaml") + " --out " + path("float"));
  ASSERT_EQ(r.status, 0) << r.out;

  r = run("prune --from " + path("float/best.pt") + " --config " + path("tiny.yaml") + " --set prune_fraction=1.5 --out " +
          path("bad"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("prune_fraction must be in (0, 1)"), std::string::npos) << r.out;
  r = run("prune --from " + path("float/best.pt") + " --config " + path("tiny.yaml") + " --out " + path("pruned") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"round\": 1"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir / "pruned" / "rounds.md"));
  r = run("prune --from " + path("float/best.pt") + " --config " + path("tiny.yaml") + " --out " + path("pruned"));
  EXPECT_EQ(r.status, 1) << "refuses an existing run without --resume: " << r.out;

  r = run("summary --model " + path("pruned/best.pt") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* key : {"\"parameters\"", "\"nonzero_parameters\"", "\"sparsity\"", "\"weight_bits\": 32",
                          "\"weight_bytes\"", "\"pruned_fraction\": 0.5"})
    EXPECT_NE(r.out.find(key), std::string::npos) << key << " in " << r.out;

  r = run("distill --teacher " + path("float/best.pt") + " --config " + path("tiny.yaml") +
          " --set hidden=4 --set distill_temperature=0 --out " + path("student"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("distill_temperature must be > 0"), std::string::npos) << r.out;
  r = run("distill --teacher " + path("float/best.pt") + " --config " + path("tiny.yaml") + " --set hidden=4 --out " +
          path("student") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  // The run folder names its teacher; going on with other distillation settings is refused.
  EXPECT_NE(readFile(dir / "student" / "teacher.yaml").find("teacher: " + fs::absolute(path("float/best.pt")).string()),
            std::string::npos);
  r = run("distill --teacher " + path("float/best.pt") + " --config " + path("tiny.yaml") +
          " --set hidden=4 --set max_epochs=3 --set distill_alpha=0.2 --resume --out " + path("student"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("distill_alpha: 0.5 -> 0.2"), std::string::npos) << r.out;

  // Pruning whose fine-tuning is distillation: another fine-tuning than the plain one, its
  // teacher recorded, and a resume with another teacher refused.
  const std::string taught = "prune --from " + path("float/best.pt") + " --config " + path("tiny.yaml") + " --out " +
                             path("pruned-taught") + " --teacher ";
  r = run(taught + path("float/best.pt"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(readFile(dir / "pruned-taught" / "prune.yaml").find("teacher: "), std::string::npos);
  EXPECT_NE(readFile(dir / "pruned-taught" / "rounds.csv"), readFile(dir / "pruned" / "rounds.csv"));
  r = run(taught + path("student/best.pt") + " --resume");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("teacher: "), std::string::npos) << r.out;

  {
    std::ofstream f(path("scan.yaml"));
    f << "train: tiny.yaml\nruns:\n  - name: float\n  - name: w8\n    set: {weight_bits: 8, init_from: '@float'}\n";
  }
  r = run("scan --config " + path("scan.yaml") + " --set max_epochs=1 --out " + path("scan") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"quant\": \"w8\""), std::string::npos) << r.out;
  r = run("scan --config " + path("scan.yaml") + " --set max_epochs=2 --resume --out " + path("scan"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("float.max_epochs: 1 -> 2"), std::string::npos) << r.out;

  // The 8-bit model evaluated as it is and with quantization off: the same weights, another arithmetic.
  const std::string eval_w8 =
      "eval --model " + path("scan/runs/w8/best.pt") + " --graphs " + path("graphs") + " --json";
  r = run(eval_w8);
  ASSERT_EQ(r.status, 0) << r.out;
  const YamlNode as_w8 = YamlNode::parse(r.out, "eval");
  r = run(eval_w8 + " --float");
  ASSERT_EQ(r.status, 0) << r.out;
  const YamlNode as_float = YamlNode::parse(r.out, "eval --float");
  EXPECT_EQ(as_w8["quantization"].asString(), "w8");
  EXPECT_EQ(as_float["quantization"].asString(), "float");
  EXPECT_NE(as_w8["auc"].asDouble(), as_float["auc"].asDouble());
  EXPECT_NEAR(as_w8["auc"].asDouble(), as_float["auc"].asDouble(), 0.05) << "the same weights";
  // Beside the float model at its cut: its figures, and this model's at the cut closest to them.
  r = run(eval_w8 + " --cut 0.4 --reference " + path("scan/runs/float/best.pt") + " --reference-cut 0.6");
  ASSERT_EQ(r.status, 0) << r.out;
  const YamlNode beside = YamlNode::parse(r.out, "eval --reference");
  EXPECT_DOUBLE_EQ(beside["edge_cut"].asDouble(), 0.4);
  EXPECT_DOUBLE_EQ(beside["reference"]["edge_cut"].asDouble(), 0.6);
  r = run("eval --model " + path("scan/runs/float/best.pt") + " --graphs " + path("graphs") + " --cut 0.6 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const YamlNode reference = YamlNode::parse(r.out, "eval of the reference");
  EXPECT_DOUBLE_EQ(beside["reference"]["total_purity"].asDouble(), reference["total_purity"].asDouble());
  EXPECT_DOUBLE_EQ(beside["reference"]["edgewise_efficiency"].asDouble(), reference["edgewise_efficiency"].asDouble());
  const double closest = beside["reference"]["closest_working_point"]["cut"].asDouble();
  EXPECT_GT(closest, 0);
  EXPECT_LT(closest, 1);

  // The report shows the pruning rounds and the scan's table and plots.
  r = run("report --run " + path("pruned") + " --run " + path("scan") + " --threads 1 --out " + path("report"));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string md = readFile(dir / "report" / "report.md");
  for (const char* text : {"## Pruning: pruned", "| 1 | 50.0 |", "## Compression scan: scan", "| w8 | 8 | 2 | layernorm | w8 |"})
    EXPECT_NE(md.find(text), std::string::npos) << text << " in\n" << md;
  EXPECT_TRUE(fs::exists(dir / "report" / "pruning-pruned.png"));
}

TEST_F(CliWithGraphs, ReconstructTracksEndToEnd) {
  ASSERT_NO_FATAL_FAILURE(makeGraphs("max_epochs: 3\n"));
  ASSERT_EQ(run("train --config " + path("tiny.yaml") + " --out " + path("run")).status, 0);
  const std::string reco = "reconstruct --model " + path("run/best.pt") + " --module-map " + path("map.h5") +
                           " --tolerance 3 --threads 1 ";
  for (const char* builder : {"cc", "walk"}) {
    const std::string out = path(std::string("tracks-") + builder);
    Result r = run(reco + "--events " + path("ev") + " --builder " + builder + " --out " + out + " --json");
    ASSERT_EQ(r.status, 0) << r.out;
    for (const char* key : {"\"track_efficiency\"", "\"fake_rate\"", "\"duplicate_rate\"", "\"scoring\"",
                            "\"median_ms\"", "\"timed_events\": 9", "\"scorer\": \"runtime\"", "\"lost_target_particles\"",
                            "\"builder_merged\""})
      EXPECT_NE(r.out.find(key), std::string::npos) << key << " in " << r.out;
    EXPECT_EQ(countFiles(out, "-tracks.csv"), 10u);
    EXPECT_EQ(readFile(fs::path(out) / "event000000000-tracks.csv").rfind("track_id,hit_id\n", 0), 0u);
    if (std::string(builder) == "walk") {
      EXPECT_NE(r.out.find("\"walk_rebuild_cores\": true"), std::string::npos);
    }
    r = run(reco + "--events " + path("ev") + " --builder " + builder + " --out " + out);
    EXPECT_EQ(r.status, 1) << "refuses an existing output without --force";
    // LibTorch's scores (the training side) give the same tracks as the runtime's.
    const std::string by_libtorch = out + "-libtorch";
    r = run(reco + "--events " + path("ev") + " --builder " + builder + " --scorer libtorch --out " + by_libtorch);
    ASSERT_EQ(r.status, 0) << r.out;
    for (int e = 0; e < 10; ++e) {
      const std::string name = "event00000000" + std::to_string(e) + "-tracks.csv";
      EXPECT_EQ(readFile(fs::path(out) / name), readFile(fs::path(by_libtorch) / name)) << name;
    }
  }
  Result kept = run(reco + "--events " + path("ev") + " --builder walk --walk-keep-cores --force --out " +
                    path("tracks-walk") + " --json");
  ASSERT_EQ(kept.status, 0) << kept.out;
  EXPECT_NE(kept.out.find("\"walk_rebuild_cores\": false"), std::string::npos) << kept.out;
  EXPECT_NE(run(reco + "--events " + path("ev") + " --scorer onnx --out " + path("bad")).out.find("expected runtime or libtorch"),
            std::string::npos);
  // Events without truth: tracks are written, metrics skipped with a notice.
  ASSERT_EQ(run(gunEvents + "--format csv --events 2 --seed 9 --out " + path("csv")).status, 0);
  for (const auto& e : fs::directory_iterator(dir / "csv"))
    if (e.path().string().find("-truth.csv") != std::string::npos) fs::remove(e.path());
  Result r = run(reco + "--events " + path("csv") + " --out " + path("no-truth"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("have no truth"), std::string::npos) << r.out;
  EXPECT_EQ(countFiles(dir / "no-truth", "-tracks.csv"), 2u);
  r = run(reco + "--events " + path("ev") + " --builder hough --out " + path("bad"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("expected cc or walk"), std::string::npos) << r.out;

  // TrackML CSV events with truth: metrics as for HDF5 events.
  ASSERT_EQ(run(gunEvents + "--format csv --events 2 --seed 10 --out " + path("csv-truth")).status, 0);
  r = run(reco + "--events " + path("csv-truth") + " --out " + path("csv-tracks") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"track_efficiency\""), std::string::npos) << r.out;
  // Empty graphs (every hit below the hard cut): no tracks, no crash.
  r = run(reco + "--events " + path("ev") + " --hard-cut-pt 100 --out " + path("empty") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"tracks\": 0"), std::string::npos) << r.out;

  // The report: the run evaluated on its test split, both reconstructions overlaid.
  const std::string report = "report --run " + path("run") + " --reconstruction cc=" + path("tracks-cc") +
                             " --reconstruction walk=" + path("tracks-walk") + " --threads 1 --out " + path("report");
  r = run(report + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* file : {"report.md", "report.html", "roc.png", "scores-run.png", "scores-walk.png",
                           "edge-efficiency-pt.png", "edge-purity-eta.png", "track-efficiency-pt.png",
                           "track-efficiency-eta.png", "fake-duplicate-eta.png", "training-loss-run.png"})
    EXPECT_TRUE(fs::exists(dir / "report" / file)) << file;
  const std::string md = readFile(dir / "report" / "report.md");
  for (const char* text : {"| walk | walk, 10 events |", "| cc | cc, 10 events |", "## Training: run", "scoring",
                           "## Lost target particles by cause", "| walk | builder_merged |"})
    EXPECT_NE(md.find(text), std::string::npos) << text << " in\n" << md;
  r = run(report);
  EXPECT_EQ(r.status, 1) << "an existing report directory is refused without --force";
  EXPECT_NE(r.out.find("already exists"), std::string::npos) << r.out;
  EXPECT_EQ(run(report + " --force").status, 0);
  r = run("report --reconstruction " + path("no-truth") + " --out " + path("report2"));
  EXPECT_EQ(r.status, 1) << "events without truth have no metrics to report";
  EXPECT_NE(r.out.find("no metrics"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "report2"));
}

TEST_F(Cli, CalibrationJson) {
  Result r = run("calibration --reference " EFGNN_SHARED_DATA "/trackml/event000001000-particles.csv --events 3 --json");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"all_passed\": true"), std::string::npos) << r.out;
  // Hit level: the simulation on the real detector against the real (thinned) event.
  r = run("calibration --reference-events " EFGNN_SHARED_DATA "/trackml --events 2 --json");
  EXPECT_EQ(r.status, 0) << r.out;
  for (const char* text : {"\"hit_checks\"", "fraction of hits in volume 17 layer 4", "\"all_passed\": true"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << " in " << r.out;
  r = run("calibration --events 1");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("--reference-events"), std::string::npos) << r.out;
}

// A detectors.csv given alone: the events carry a copy of it beside their detector.yaml, so
// they describe themselves wherever they are moved.
TEST_F(Cli, SimulatesOnADetectorsCsvAndTheEventsCarryIt) {
  const std::string csv = EFGNN_SHARED_DATA "/trackml/detectors.csv.gz";
  if (!fs::exists(csv)) GTEST_SKIP() << "no shared detectors.csv.gz";
  ASSERT_EQ(run("simulate --detector " + csv + " --gun --gun-count 5 --events 1 --out " + path("ev")).status, 0);
  EXPECT_TRUE(fs::exists(dir / "ev" / "detectors.csv.gz"));
  EXPECT_NE(readFile(dir / "ev" / "detector.yaml").find("\nmodules: detectors.csv.gz\n"), std::string::npos);
  fs::rename(dir / "ev", dir / "moved");
  const Result r = run("event-stats " + path("moved") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"detector_checked\": \"trackml\""), std::string::npos) << r.out;
}

// The real TrackML event (REFERENCE.md section 13) as distributed, without a detector.yaml:
// every stage takes the real TrackML detector for it, and a model trained on efgnn's
// simulation scores it and finds its tracks.
TEST_F(CliWithGraphs, RealTrackMLEventThroughTheWholeChain) {
  const std::string real = EFGNN_SHARED_DATA "/trackml";
  if (!fs::exists(fs::path(real) / "event000000001-hits.csv.gz")) GTEST_SKIP() << "no shared TrackML event";
  ASSERT_FALSE(fs::exists(fs::path(real) / "detector.yaml"));
  Result r = run("event-stats " + real + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"detector_checked\": \"trackml\""), std::string::npos) << r.out;
  r = run("build-module-map --events " + real + " --out " + path("real-map.h5") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  r = run("build-graphs --events " + real + " --module-map " + path("real-map.h5") + " --split 0,0,100 --out " +
          path("real-graphs") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"nodes_per_event\": 5527"), std::string::npos) << "every hit, noise included: " << r.out;
  r = run("graph-stats --graphs " + path("real-graphs") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"graph_efficiency\": 1,"), std::string::npos) << "a map learnt from the event itself" << r.out;

  // A model trained on simulated events of the (real) trackml detector.
  ASSERT_NO_FATAL_FAILURE(makeGraphs("max_epochs: 2\n"));
  ASSERT_EQ(run("train --config " + path("tiny.yaml") + " --out " + path("run")).status, 0);
  r = run("eval --model " + path("run/best.pt") + " --graphs " + path("real-graphs") + " --split test --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"edgewise_efficiency\""), std::string::npos) << r.out;
  r = run("reconstruct --model " + path("run/best.pt") + " --events " + real + " --module-map " + path("real-map.h5") +
          " --threads 1 --out " + path("real-tracks") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"track_efficiency\""), std::string::npos) << r.out;
  EXPECT_EQ(readFile(fs::path(path("real-tracks")) / "event000000001-tracks.csv").rfind("track_id,hit_id\n", 0), 0u);
}

}  // namespace
}  // namespace efgnn

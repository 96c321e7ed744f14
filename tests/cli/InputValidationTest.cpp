// Issue 28 (items 6-8) from the command line: every bad value is exit status 1 with a message
// naming the option, field or file, never the "internal error" status 2, a hang or a crash.
#include <HepMC3/GenEvent.h>
#include <HepMC3/GenParticle.h>
#include <HepMC3/GenVertex.h>
#include <HepMC3/WriterAscii.h>
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include "HollowH5.hpp"
#include "TempDirTest.hpp"
#include "cli/CliRun.hpp"
#include "geometry/DetectorConfig.hpp"

namespace efgnn::test {
namespace {

namespace fs = std::filesystem;

class InputValidation : public TempDirTest {
 protected:
  /// Runs `args` and expects exit status 1 with every one of `parts` in the output.
  void expectRejected(const std::string& args, std::initializer_list<std::string> parts) {
    const CliResult r = runEfgnn(args);
    EXPECT_EQ(r.status, 1) << args << "\n" << r.out;
    for (const auto& part : parts) EXPECT_NE(r.out.find(part), std::string::npos) << args << ": lacks '" << part << "'\n" << r.out;
    EXPECT_EQ(r.out.find("internal error"), std::string::npos) << r.out;
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(path(name)) << text; }
};

TEST_F(InputValidation, SimulateOptionRanges) {
  const std::string sim = "simulate --format none --events 1 ";
  expectRejected(sim + "--pileup nan", {"--pileup", "finite number in [0, 1000]", "'nan'"});
  expectRejected(sim + "--pileup -5", {"--pileup", "[0, 1000]", "-5"});
  expectRejected(sim + "--pileup 1e7", {"--pileup", "[0, 1000]"});
  expectRejected(sim + "--hit-efficiency 2", {"--hit-efficiency", "[0, 1]"});
  expectRejected(sim + "--max-turns -1", {"--max-turns", "(0, 1000]"});
  expectRejected(sim + "--threads -5", {"--threads", "[0, 1024]"});
  expectRejected(sim + "--first-event 18446744073709551615", {"--first-event", "[0, 999999999]"});
  expectRejected("simulate --format none --first-event 999999999 --events 2", {"largest event id, 999999999"});
}

TEST_F(InputValidation, SimulateCountsAndUnsignedOptions) {
  expectRejected("simulate --format none --events 1e12", {"--events"});
  expectRejected("simulate --format none --events 1000000000000", {"--events", "[1, 10000000]"});
  expectRejected("simulate --format none --events -5", {"--events"});
  expectRejected("simulate --format none --seed -1", {"--seed", "integer"});
  expectRejected("simulate --format none --gun --gun-count 1000000000", {"--gun-count"});
  expectRejected("simulate --format none --gun --gun-pt nan", {"--gun-pt", "finite"});
  expectRejected("simulate --no-such-option", {"--no-such-option"});
  EXPECT_EQ(runEfgnn("simulate --help").status, 0);
  EXPECT_EQ(runEfgnn("--version").status, 0);
}

TEST_F(InputValidation, ThreadsOfEveryCommand) {
  expectRejected("event-stats " + path("none") + " --threads -5", {"--threads", "[0, 1024]"});
  expectRejected("train --config x.yaml --threads -1", {"--threads"});
}

TEST_F(InputValidation, ModelSizesAndYamlShape) {
  expectRejected("summary --set hidden=100000", {"hidden must be in [1, 4096], got 100000"});
  expectRejected("summary --set n_graph_iters=1000000", {"n_graph_iters must be in [1, 64]"});
  write("list.yaml", "- hidden: 8\n- n_graph_iters: 2\n");
  expectRejected("summary --config " + path("list.yaml"), {path("list.yaml") + ":1:", "expected a map"});
  write("twice.yaml", "hidden: 8\nn_graph_iters: 2\nhidden: 64\n");
  expectRejected("summary --config " + path("twice.yaml"), {path("twice.yaml") + ":3:", "'hidden' given twice"});
}

TEST_F(InputValidation, DetectorNoiseIsBounded) {
  std::string yaml = detectorPresetText("trackml");  // the preset as a YAML file of its own
  const auto at = yaml.find("noise_hits_per_module: ");
  ASSERT_NE(at, std::string::npos);
  const auto line = std::count(yaml.begin(), yaml.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 1;
  yaml.replace(at, yaml.find('\n', at) - at, "noise_hits_per_module: 1e9");
  write("noisy.yaml", yaml);
  expectRejected("geometry --detector " + path("noisy.yaml"),
                 {"noisy.yaml:" + std::to_string(line) + ":", "noise_hits_per_module", "[0, 10]"});
  expectRejected("simulate --format none --detector " + path("noisy.yaml"), {"noise_hits_per_module", "[0, 10]"});
}

/// One event, number 17, with a pi+ of momentum (px, 200, 300) MeV; `units` replaces "MEV MM".
void writeHepMC(const std::string& file, double px, const std::string& units = "MEV MM") {
  {
    HepMC3::WriterAscii writer(file);
    HepMC3::GenEvent event(HepMC3::Units::MEV, HepMC3::Units::MM);
    event.set_event_number(17);
    const auto vertex = std::make_shared<HepMC3::GenVertex>();
    vertex->add_particle_in(std::make_shared<HepMC3::GenParticle>(HepMC3::FourVector(0, 0, 6.5e6, 6.5e6), 2212, 4));
    vertex->add_particle_out(std::make_shared<HepMC3::GenParticle>(HepMC3::FourVector(px, 200, 300, 500), 211, 1));
    event.add_vertex(vertex);
    writer.write_event(event);
  }
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("U MEV MM"), 8, "U " + units);
  std::ofstream(file) << text;
}

TEST_F(InputValidation, HepMCUnitsAndNonFiniteMomenta) {
  writeHepMC(path("ok.hepmc3"), 1000);
  const CliResult ok = runEfgnn("simulate --hepmc " + path("ok.hepmc3") + " --format none");
  ASSERT_EQ(ok.status, 0) << ok.out;
  writeHepMC(path("units.hepmc3"), 1000, "KEV MM");
  expectRejected("simulate --hepmc " + path("units.hepmc3") + " --format none",
                 {path("units.hepmc3") + ":", "event 17", "unknown momentum unit 'KEV'"});
  writeHepMC(path("nan.hepmc3"), std::nan(""));
  expectRejected("simulate --hepmc " + path("nan.hepmc3") + " --out " + path("nan-csv"),
                 {path("nan.hepmc3"), "number 17", "non-finite momentum"});
  EXPECT_FALSE(fs::exists(path("nan-csv/event000000000-particles.csv")));
}

TEST_F(InputValidation, ModuleMapNeedsTruthAndDoublets) {
  const CliResult sim = runEfgnn("simulate --gun --gun-count 5 --no-noise --events 2 --out " + path("ev"));
  ASSERT_EQ(sim.status, 0) << sim.out;
  expectRejected("build-module-map --events " + path("ev") + " --min-pt 1000 --out " + path("map.h5"),
                 {"no doublets learned from 2 events", "--min-pt 1000"});
  EXPECT_FALSE(fs::exists(path("map.h5")));
  for (const auto& e : fs::directory_iterator(dir / "ev"))
    if (e.path().filename().string().ends_with("-truth.csv")) fs::remove(e.path());
  expectRejected("build-module-map --events " + path("ev") + " --out " + path("map.h5"), {"has no truth"});
}

TEST_F(InputValidation, ScanRunNamedDotDot) {
  write("scan.yaml", "set:\n  input_dir: graphs\nruns:\n  - name: ..\n");
  expectRejected("scan --config " + path("scan.yaml") + " --out " + path("out"),
                 {path("scan.yaml") + ":4:", "run name '..'", "not starting with '.'"});
}

TEST_F(InputValidation, ManifestSplits) {
  fs::create_directories(dir / "graphs");
  const std::string head =
      "{\"format\": \"efgnn-graphs\", \"version\": 1, \"detector\": \"trackml\", \"builder\": \"module-map\", "
      "\"node_features\": [\"r\"], \"edge_features\": [\"dr\"], \"splits\": ";
  write("graphs/manifest.json", head + "{\"train\": [1, 2], \"test\": [2]}}\n");
  expectRejected("graph-stats --graphs " + path("graphs"), {"manifest.json", "event 2 is listed twice, in 'train' and in 'test'"});
  write("graphs/manifest.json", head + "{\"train\": [1, 1]}}\n");
  expectRejected("graph-stats --graphs " + path("graphs"), {"event 1 is listed twice in 'train'"});
  write("graphs/manifest.json", head + "\"train\"}\n");
  expectRejected("graph-stats --graphs " + path("graphs"), {"field 'splits'", "expected a map of splits"});
}

TEST_F(InputValidation, HdfFileDeclaringMoreRowsThanItHolds) {
  const std::string file = path("hollow.h5");
  writeHollowEventStore(file, false);  // (a 10 KB file)
  expectRejected("event-stats " + file + " --detector trackml",
                 {"hollow.h5", "dataset 'hit_id'", "declares shape [50000000]", "truncated or corrupt"});
}

}  // namespace
}  // namespace efgnn::test

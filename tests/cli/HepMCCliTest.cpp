// `efgnn simulate --hepmc` on HepMC2 (IO_GenEvent) and HepMC3 files: the same events from both
// formats, and nothing on stdout but efgnn's own summary (libHepMC3 left alone prints there).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "TempDirTest.hpp"
#include "cli/CliRun.hpp"
#include "io/HepMCSamples.hpp"

namespace efgnn::test {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class HepMCCli : public TempDirTest {
 protected:
  struct Output {
    int status;
    std::string out, err;  // stdout and stderr apart
  };
  /// `efgnn ARGS` (shell text) with stdout and stderr kept apart.
  Output run(const std::string& args) {
    const std::string err = path("stderr.txt");
    FILE* pipe = popen((std::string(EFGNN_BINARY) + " " + args + " 2>" + err).c_str(), "r");
    std::string out;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    const int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, slurp(err)};
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(path(name), std::ios::binary) << text; }
};

/// Every line of `out` is one of those simulate prints.
void expectOnlySimulateSummary(const std::string& out) {
  std::istringstream lines(out);
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line); ++n)
    EXPECT_TRUE(line.rfind("simulated ", 0) == 0 || line.rfind("  per event: ", 0) == 0 || line.rfind("  written to ", 0) == 0)
        << "unexpected line on stdout: '" << line << "'\n" << out;
  EXPECT_GE(n, 1u) << out;
}

TEST_F(HepMCCli, SimulateReadsHepMC2AndHepMC3AlikeAndPrintsOnlyItsOwnSummary) {
  write("events.hepmc2", hepmc::hepmc2({"GEV", "CM"}));
  write("events.hepmc3", hepmc::hepmc3({"MEV", "MM"}));
  for (const std::string format : {"hepmc2", "hepmc3"}) {
    const Output r = run("simulate --hepmc " + path("events." + format) + " --detector itk --events 2 --seed 3 --out " +
                         path("out-" + format));
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    expectOnlySimulateSummary(r.out);
    for (const char* libhepmc3 : {"WARNING::", "ERROR::", "DEBUG(", "HepMC::", "expected"}) {
      EXPECT_EQ(r.out.find(libhepmc3), std::string::npos) << r.out;
      EXPECT_EQ(r.err.find(libhepmc3), std::string::npos) << r.err;
    }
  }
  // The same particles, hence the same simulated hits.
  for (const std::string event : {"event000000000", "event000000001"})
    for (const std::string kind : {"-particles.csv", "-hits.csv", "-truth.csv"}) {
      const std::string hepmc2 = slurp(dir / "out-hepmc2" / (event + kind));
      EXPECT_FALSE(hepmc2.empty()) << event + kind;
      EXPECT_EQ(hepmc2, slurp(dir / "out-hepmc3" / (event + kind))) << event + kind;
    }
}

TEST_F(HepMCCli, SimulateRefusesCutShortAndForeignHepMCFilesNamingThemWithNothingOnStdout) {
  const std::string text = hepmc::hepmc2({});
  write("cut.hepmc2", text.substr(0, text.rfind("P ")));  // the last particle line missing
  Output r = run("simulate --hepmc " + path("cut.hepmc2") + " --detector itk --format none");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(path("cut.hepmc2") + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cut short"), std::string::npos) << r.err;
  write("particles.csv", "particle_id,vx,vy,vz,px,py,pz,q,nhits\n1,0,0,0,1,0,0,1,0\n");
  r = run("simulate --hepmc " + path("particles.csv") + " --detector itk --format none");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(path("particles.csv") + ":1: not a HepMC ASCII file"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace efgnn::test

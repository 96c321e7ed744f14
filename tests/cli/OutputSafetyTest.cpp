// What efgnn does to the files around its outputs: --force replaces only its own, --resume only
// continues a run of the same settings, an event appears only when all its files are complete,
// and a full disk gives an error that leaves earlier outputs intact and resumable.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "TempDirTest.hpp"
#include "cli/CliRun.hpp"
#include "core/AtomicFile.hpp"
#include "core/OutputDirectory.hpp"
#include "io/EventSource.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;
using test::runEfgnn;

class OutputSafety : public test::TempDirTest {
 protected:
  void write(const std::string& name, const std::string& text) {
    std::ofstream f(dir / name);
    f << text;
  }
  bool has(const std::string& name) const { return fs::exists(dir / name); }
  static std::size_t count(const fs::path& d, const std::string& suffix) {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(d)) n += e.path().string().ends_with(suffix);
    return n;
  }
  /// A small gun sample, its module map, graphs and a one-epoch model in dir/run.
  void makeRun() {
    ASSERT_EQ(runEfgnn(gun + "--format h5 --events 10 --seed 5 --out " + path("ev")).status, 0);
    ASSERT_EQ(runEfgnn("build-module-map --events " + path("ev") + " --out " + path("map.h5")).status, 0);
    ASSERT_EQ(runEfgnn("build-graphs --events " + path("ev") + " --module-map " + path("map.h5") +
                       " --tolerance 3 --split 60,20,20 --out " + path("graphs")).status,
              0);
    write("tiny.yaml",
          "input_dir: graphs\nhidden: 8\nn_graph_iters: 2\nnb_node_layer: 2\nnb_edge_layer: 2\nwarmup: 1\n"
          "lr: 0.003\nthreads: 1\nmax_epochs: 1\n");
  }
  const std::string gun = "simulate --gun --gun-count 20 --gun-pt 1,5 --gun-eta -2,2 --gun-random-charge ";
};

TEST_F(OutputSafety, ReportForceRefusesADirectoryHoldingOtherFilesAndReplacesOnlyItsOwn) {
  ASSERT_NO_FATAL_FAILURE(makeRun());
  fs::create_directories(dir / "victim");
  ASSERT_EQ(runEfgnn("train --config " + path("tiny.yaml") + " --out " + path("victim/run")).status, 0);
  write("victim/notes.txt", "mine");
  // The probe's command: it used to delete victim/ whole, the reported run included.
  auto r = runEfgnn("report --run " + path("victim/run") + " --out " + path("victim") + " --force --threads 1");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("did not write"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("notes.txt"), std::string::npos) << r.out;
  EXPECT_TRUE(has("victim/notes.txt"));
  EXPECT_TRUE(has("victim/run/best.pt"));
  EXPECT_FALSE(has("victim/report.html"));

  // An efgnn report directory is replaced; a file added to it afterwards makes --force refuse.
  ASSERT_EQ(runEfgnn("report --run " + path("victim/run") + " --out " + path("rep") + " --threads 1").status, 0);
  EXPECT_TRUE(has("rep/report.html"));
  write("rep/stale.png", "not efgnn's");
  r = runEfgnn("report --run " + path("victim/run") + " --out " + path("rep") + " --force --threads 1");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(has("rep/stale.png"));
  EXPECT_TRUE(has("rep/report.html")) << "the earlier report stays when --force refuses";
  fs::remove(dir / "rep" / "stale.png");
  r = runEfgnn("report --run " + path("victim/run") + " --out " + path("rep") + " --force --threads 1");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(has("rep/report.html"));
  for (const auto& e : fs::directory_iterator(dir / "rep"))
    EXPECT_FALSE(isTemporaryName(e.path().filename().string())) << e.path();
}

TEST_F(OutputSafety, SimulateForceReplacesTheEarlierEventsAndNothingElse) {
  const std::string sim = "simulate --pileup 2 --seed 3 --out " + path("ev");
  ASSERT_EQ(runEfgnn(sim + " --events 6").status, 0);
  ASSERT_EQ(runEfgnn(sim + " --events 2 --force").status, 0);
  // The probe: event-stats read 6 events while simulation.json said 2.
  EXPECT_EQ(EventDirectory(dir / "ev").size(), 2u);
  EXPECT_EQ(count(dir / "ev", "-hits.csv"), 2u);
  auto r = runEfgnn("event-stats " + path("ev") + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"events\": 2"), std::string::npos) << r.out;

  write("ev/notes.txt", "mine");
  r = runEfgnn(sim + " --events 1 --force");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("notes.txt"), std::string::npos) << r.out;
  EXPECT_TRUE(has("ev/notes.txt"));
  EXPECT_EQ(count(dir / "ev", "-hits.csv"), 2u) << "refused before removing anything";

  // Events that efgnn did not write (a real event copied in) are not replaced either.
  fs::create_directories(dir / "real");
  fs::copy_file(dir / "ev" / "event000000000-hits.csv", dir / "real" / "event000000000-hits.csv");
  r = runEfgnn("simulate --pileup 2 --events 1 --force --out " + path("real"));
  EXPECT_EQ(r.status, 1) << r.out;
}

TEST_F(OutputSafety, BuildGraphsEvalAndReconstructReplaceOnlyTheirOwnOutputs) {
  ASSERT_NO_FATAL_FAILURE(makeRun());
  ASSERT_EQ(runEfgnn(gun + "--format h5 --events 2 --seed 6 --first-event 50 --out " + path("ev2")).status, 0);
  auto r = runEfgnn("build-graphs --events " + path("ev2") + " --module-map " + path("map.h5") +
                    " --tolerance 3 --force --out " + path("graphs"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(count(dir / "graphs", ".h5"), 2u) << "the graphs of the earlier 10 events are gone";
  write("graphs/keep.txt", "mine");
  r = runEfgnn("build-graphs --events " + path("ev") + " --module-map " + path("map.h5") + " --force --out " +
               path("graphs"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(has("graphs/keep.txt"));

  // reconstruct: tracks of 10 events, then of 2 with --force.
  fs::remove(dir / "graphs" / "keep.txt");
  ASSERT_EQ(runEfgnn("build-graphs --events " + path("ev") + " --module-map " + path("map.h5") +
                     " --tolerance 3 --split 60,20,20 --force --out " + path("graphs")).status,
            0);
  ASSERT_EQ(runEfgnn("train --config " + path("tiny.yaml") + " --out " + path("run")).status, 0);
  // eval --out into the graphs themselves: refused, with or without --force (its score files
  // would have replaced the graphs of the same names).
  for (const std::string force : {"", " --force"}) {
    r = runEfgnn("eval --model " + path("run/best.pt") + " --graphs " + path("graphs") + " --out " + path("graphs") + force);
    EXPECT_EQ(r.status, 1) << r.out;
  }
  EXPECT_EQ(count(dir / "graphs", ".h5"), 10u);
  EXPECT_EQ(runEfgnn("graph-stats --graphs " + path("graphs")).status, 0) << "the graphs are intact";
  const auto reconstruct = [&](const std::string& events, const std::string& more) {
    return runEfgnn("reconstruct --model " + path("run/best.pt") + " --module-map " + path("map.h5") +
                    " --tolerance 3 --events " + path(events) + " --out " + path("tracks") + more);
  };
  r = reconstruct("ev", "");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(count(dir / "tracks", "-tracks.csv"), 10u);
  r = reconstruct("ev2", " --force");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(count(dir / "tracks", "-tracks.csv"), 2u) << "the earlier 10 events' tracks are gone";
  write("tracks/keep.txt", "mine");
  r = reconstruct("ev", " --force");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(has("tracks/keep.txt"));
  EXPECT_EQ(count(dir / "tracks", "-tracks.csv"), 2u) << "refused before removing anything";
}

TEST_F(OutputSafety, ResumeRefusesOtherSettingsAndListsTheDifferences) {
  // The first run's settings, each changed in turn.
  const auto sim = [&](const std::string& changed) {
    std::string args = "simulate --out " + path("ev");
    for (const auto& [option, value] : std::vector<std::pair<std::string, std::string>>{
             {"--pileup", "2"}, {"--events", "2"}, {"--seed", "3"}, {"--detector", "trackml"},
             {"--format", "csv"}, {"--first-event", "0"}})
      if (changed.find(option + " ") != 0) args += " " + option + " " + value;
    return args + " " + changed;
  };
  ASSERT_EQ(runEfgnn(sim("")).status, 0);
  const std::string manifest = readFile(dir / "ev" / "simulation.json");
  for (const auto& [change, shown] : std::vector<std::pair<std::string, std::string>>{
           {"--seed 4", "seed: 3 -> 4"},
           {"--pileup 3", "pileup: 2 -> 3"},
           {"--detector itk", "detector: trackml -> itk"},
           {"--no-noise", "noise: true -> false"},
           {"--format csv.gz", "event_format: csv -> csv.gz"},
           {"--first-event 7", "first_event: 0 -> 7"}}) {
    const auto r = runEfgnn(sim(change) + " --resume");
    EXPECT_EQ(r.status, 1) << change << ": " << r.out;
    EXPECT_NE(r.out.find(shown), std::string::npos) << change << ": " << r.out;
  }
  EXPECT_EQ(readFile(dir / "ev" / "simulation.json"), manifest) << "refused before rewriting it";
  auto r = runEfgnn("simulate --pileup 2 --events 1 --seed 3 --resume --out " + path("ev"));
  EXPECT_EQ(r.status, 1) << "resume may add events, not drop them: " << r.out;
  r = runEfgnn("simulate --pileup 2 --events 3 --seed 3 --resume --json --out " + path("ev"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"skipped\": 2"), std::string::npos) << r.out;
  // A run made when the random streams were keyed by the index in the run (its simulation.json
  // does not say how): its events are not those this run would add to them.
  const std::string keyed = readFile(dir / "ev" / "simulation.json");
  const auto line = keyed.find("  \"random_streams\"");
  ASSERT_NE(line, std::string::npos) << keyed;
  write("ev/simulation.json", keyed.substr(0, line) + keyed.substr(keyed.find('\n', line) + 1));
  r = runEfgnn("simulate --pileup 2 --events 4 --seed 3 --resume --out " + path("ev"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("random_streams: (not recorded)"), std::string::npos) << r.out;
  write("ev/simulation.json", keyed);

  // build-graphs: other events, module map or cuts.
  ASSERT_EQ(runEfgnn("build-module-map --events " + path("ev") + " --out " + path("map.h5")).status, 0);
  ASSERT_EQ(runEfgnn("simulate --pileup 2 --events 3 --seed 9 --out " + path("other")).status, 0);
  ASSERT_EQ(runEfgnn("build-module-map --events " + path("other") + " --out " + path("map2.h5")).status, 0);
  const auto graphs = [&](const std::string& events, const std::string& map, const std::string& more) {
    return "build-graphs --out " + path("graphs") + " --events " + path(events) + " --module-map " + path(map) + more;
  };
  ASSERT_EQ(runEfgnn(graphs("ev", "map.h5", "")).status, 0);
  for (const auto& [args, shown] : std::vector<std::pair<std::string, std::string>>{
           {graphs("ev", "map.h5", " --tolerance 0.5"), "tolerance: 0.100000001 -> 0.5"},
           {graphs("other", "map.h5", ""), "events: "},
           {graphs("ev", "map2.h5", ""), "module_map"},
           {graphs("ev", "map.h5", " --builder geometric"), "builder: "}}) {
    r = runEfgnn(args + " --resume");
    EXPECT_EQ(r.status, 1) << args << ": " << r.out;
    EXPECT_NE(r.out.find(shown), std::string::npos) << args << ": " << r.out;
  }
  r = runEfgnn(graphs("ev", "map.h5", " --resume --json"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"skipped\": 3"), std::string::npos) << r.out;
}

TEST_F(OutputSafety, ResumeRewritesAFileThatTheEarlierRunLeftPartlyFilled) {
  const std::string sim = "simulate --pileup 2 --format h5 --events-per-file 4 --seed 3 --out " + path("ev");
  ASSERT_EQ(runEfgnn(sim + " --events 5").status, 0);
  const auto r = runEfgnn(sim + " --events 8 --resume --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"skipped\": 4"), std::string::npos) << "the first file only: " << r.out;
  EXPECT_EQ(EventDirectory(dir / "ev").size(), 8u);
}

TEST_F(OutputSafety, SimulateLeavesEventsOfTheOtherCompressionThatItDidNotWrite) {
  ASSERT_EQ(runEfgnn("simulate --pileup 2 --events 1 --format csv.gz --out " + path("real")).status, 0);
  fs::remove(dir / "real" / OutputDirectory::kRecordName);  // as if they came from elsewhere
  fs::remove(dir / "real" / "simulation.json");
  const auto r = runEfgnn("simulate --pileup 2 --events 1 --format csv --out " + path("real"));
  EXPECT_EQ(r.status, 1) << "the CSV writer would replace them: " << r.out;
  EXPECT_TRUE(has("real/event000000000-hits.csv.gz"));
}

TEST_F(OutputSafety, TemporariesOfKilledRunsAreCleanedAndAFirstCheckpointKillResumes) {
  // A pid no process can have: the temporary of a run that was killed.
  const std::string dead = ".tmp.2147480000.0";
  // Killed while writing event 1 (it had recorded its outputs, as every run does first).
  ASSERT_EQ(runEfgnn("simulate --pileup 2 --events 2 --out " + path("csv")).status, 0);
  for (const char* kind : {"hits", "particles", "truth"}) fs::remove(dir / "csv" / ("event000000001-" + std::string(kind) + ".csv"));
  write("csv/event000000001-hits.csv" + dead, "half an event");
  ASSERT_EQ(runEfgnn("simulate --pileup 2 --events 2 --resume --out " + path("csv")).status, 0);
  EXPECT_FALSE(has("csv/event000000001-hits.csv" + dead));
  EXPECT_TRUE(has("csv/event000000001-truth.csv"));

  // Killed while writing the first last.pt: config.yaml and a temporary, no checkpoint.
  ASSERT_NO_FATAL_FAILURE(makeRun());
  ASSERT_EQ(runEfgnn("train --config " + path("tiny.yaml") + " --out " + path("first")).status, 0);
  fs::create_directories(dir / "killed");
  fs::copy_file(dir / "first" / "config.yaml", dir / "killed" / "config.yaml");
  write("killed/last.pt" + dead, "half a checkpoint");
  const auto r = runEfgnn("train --config " + path("tiny.yaml") + " --resume --out " + path("killed"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(has("killed/last.pt"));
  EXPECT_FALSE(has("killed/last.pt" + dead));
  // The same run as one never stopped (but for the last column, the epoch's seconds).
  const auto withoutSeconds = [](std::string text) {
    std::string out;
    for (std::size_t begin = 0, end; begin < text.size(); begin = end + 1) {
      end = text.find('\n', begin);
      const std::string line = text.substr(begin, end - begin);
      out += line.substr(0, line.rfind(',')) + "\n";
    }
    return out;
  };
  EXPECT_EQ(withoutSeconds(readFile(dir / "killed" / "metrics.csv")), withoutSeconds(readFile(dir / "first" / "metrics.csv")));
}

// ---- a full disk: a small tmpfs in a private mount namespace (unshare -rm) ----

class FullDisk : public OutputSafety {
 protected:
  void SetUp() override {
    OutputSafety::SetUp();
    const std::string probe = "unshare -rm sh -c 'mount -t tmpfs -o size=64k tmpfs \"$0\"' '" + dir.string() + "' > /dev/null 2>&1";
    if (std::system(probe.c_str()) != 0)
      GTEST_SKIP() << "no private mount namespace with tmpfs here (unshare -rm), so no small disk to fill";
  }
  /// Runs the shell `script` where $SMALL is a tmpfs of `size` (it may remount it larger),
  /// $EFGNN the executable and $DIR the test directory; returns what it printed.
  std::string onSmallDisk(const std::string& size, const std::string& script) {
    write("script.sh", "set -u\nmkdir -p \"$DIR/small\"\nSMALL=\"$DIR/small\"\nmount -t tmpfs -o size=" + size +
                           " tmpfs \"$SMALL\" || exit 99\n" + script + "\n");
    const std::string cmd = "DIR='" + dir.string() + "' EFGNN='" EFGNN_BINARY "' unshare -rm sh " +
                            path("script.sh") + " 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    EXPECT_EQ(pclose(pipe), 0) << out;
    return out;
  }
  /// After "echo NAME=$?" in the script: the exit status printed.
  static int status(const std::string& out, const std::string& name) {
    const auto at = out.find(name + "=");
    return at == std::string::npos ? -1000 : std::stoi(out.substr(at + name.size() + 1));
  }
};

TEST_F(FullDisk, SimulateStopsWithAnErrorLeavesNoHalfEventAndResumesWithRoom) {
  for (const std::string format : {"h5", "csv", "csv.gz"}) {
    SCOPED_TRACE(format);
    const std::string out = onSmallDisk("400k", R"(
sim="$EFGNN simulate --pileup 2 --no-noise --events 6 --seed 1 --threads 1 --format )" + format + R"( --out $SMALL/ev"
$sim; echo full=$?
ls -a $SMALL/ev | sed 's/^/listed /'
mkdir -p $DIR/after-full && cp -a $SMALL/ev $DIR/after-full/)" + format + R"(
mount -o remount,size=64m $SMALL
$sim --resume; echo resumed=$?
$EFGNN event-stats $SMALL/ev --json | grep '"events"'
)");
    EXPECT_EQ(status(out, "full"), 1) << "an error, not a crash (139 was SIGSEGV): " << out;
    EXPECT_NE(out.find("cannot write"), std::string::npos) << out;
    EXPECT_NE(out.find("listed event000000000"), std::string::npos) << "the first events fitted: " << out;
    EXPECT_EQ(out.find(".tmp."), std::string::npos) << "no temporary left behind: " << out;
    // Every event that is visible is whole.
    const fs::path after = dir / "after-full" / format;
    ASSERT_TRUE(fs::is_directory(after)) << out;
    if (format != "h5")
      for (const auto& e : fs::directory_iterator(after)) {
        const std::string name = e.path().filename().string();
        const auto dash = name.find("-hits.csv");
        if (dash == std::string::npos) continue;
        const std::string ext = format == "csv.gz" ? ".csv.gz" : ".csv";
        EXPECT_TRUE(fs::exists(after / (name.substr(0, dash) + "-truth" + ext))) << name << " without its truth";
        EXPECT_TRUE(fs::exists(after / (name.substr(0, dash) + "-particles" + ext))) << name;
      }
    EXPECT_EQ(status(out, "resumed"), 0) << out;
    EXPECT_NE(out.find("\"events\": 6"), std::string::npos) << out;
  }
}

TEST_F(FullDisk, GraphsModuleMapsAndTrainingStopWithAnErrorAndResumeWithRoom) {
  ASSERT_NO_FATAL_FAILURE(makeRun());
  const std::string out = onSmallDisk("12k", R"(
$EFGNN build-module-map --events $DIR/ev --out $SMALL/map.h5; echo map=$?
$EFGNN build-graphs --events $DIR/ev --module-map $DIR/map.h5 --tolerance 3 --out $SMALL/graphs; echo graphs=$?
ls -a $SMALL $SMALL/graphs | sed 's/^/listed /'
mount -o remount,size=64m $SMALL
$EFGNN build-graphs --events $DIR/ev --module-map $DIR/map.h5 --tolerance 3 --resume --out $SMALL/graphs; echo graphs_resumed=$?
sed 's/max_epochs: 1/max_epochs: 3/' $DIR/tiny.yaml | sed "s|input_dir: graphs|input_dir: $DIR/graphs|" > $DIR/three.yaml
$EFGNN train --config $DIR/three.yaml --out $SMALL/run; echo trained=$?
# Fill the disk, leaving less than a checkpoint, and train on: the epochs' checkpoints fail.
head -c 100000000 /dev/zero > $SMALL/filler 2>/dev/null
$EFGNN train --config $DIR/three.yaml --set max_epochs=6 --resume --out $SMALL/run; echo train_full=$?
ls -a $SMALL/run | sed 's/^/listed /'
rm $SMALL/filler
$EFGNN train --config $DIR/three.yaml --set max_epochs=6 --resume --out $SMALL/run; echo train_resumed=$?
wc -l < $SMALL/run/metrics.csv | sed 's/^/metrics lines /'
)");
  EXPECT_EQ(status(out, "map"), 1) << out;
  EXPECT_EQ(status(out, "graphs"), 1) << out;
  EXPECT_NE(out.find("map.h5: cannot write"), std::string::npos) << out;
  EXPECT_EQ(out.find(".tmp."), std::string::npos) << "no temporary left behind: " << out;
  EXPECT_EQ(status(out, "graphs_resumed"), 0) << out;
  EXPECT_EQ(status(out, "trained"), 0) << out;
  EXPECT_EQ(status(out, "train_full"), 1) << "an error naming the file, not an abort: " << out;
  EXPECT_NE(out.find("listed last.pt"), std::string::npos) << "the earlier checkpoint is intact: " << out;
  EXPECT_EQ(status(out, "train_resumed"), 0) << out;
  EXPECT_NE(out.find("metrics lines 7"), std::string::npos) << "header and six epochs: " << out;
}

}  // namespace
}  // namespace efgnn

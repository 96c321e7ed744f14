// OutputDirectory, the temporaries of AtomicFile and the settings --resume compares.
#include <gtest/gtest.h>

#include <fstream>

#include "TempDirTest.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/OutputDirectory.hpp"
#include "core/RunSettings.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;

class OutputDirectoryTest : public test::TempDirTest {
 protected:
  void touch(const std::string& name) { std::ofstream(dir / name) << name; }
};

TEST_F(OutputDirectoryTest, ForceRemovesOnlyTheFilesThisCommandRecorded) {
  {
    OutputDirectory out(dir, "simulate");
    out.record({"a.csv", "b.csv"});
    touch("a.csv");
    touch("b.csv");
  }
  {
    OutputDirectory other(dir, "build-graphs");
    other.record({"g.h5"});
    touch("g.h5");
  }
  OutputDirectory out(dir, "simulate");
  EXPECT_EQ(out.recorded(), (std::set<std::string>{"a.csv", "b.csv"}));
  EXPECT_EQ(out.foreign(), std::vector<std::string>{"g.h5"}) << "another command's output is not this one's";
  EXPECT_THROW(out.clearForForce(), Error);
  EXPECT_TRUE(fs::exists(dir / "a.csv")) << "refused before removing anything";
  fs::remove(dir / "g.h5");
  out.clearForForce();
  EXPECT_FALSE(fs::exists(dir / "a.csv"));
  EXPECT_FALSE(fs::exists(dir / "b.csv"));
  // The other command's record survives this one's rewrite.
  EXPECT_EQ(OutputDirectory(dir, "build-graphs").recorded(), std::set<std::string>{"g.h5"});
}

TEST_F(OutputDirectoryTest, ARecordNamingAFileOutsideTheDirectoryIsRejected) {
  std::ofstream(dir / OutputDirectory::kRecordName) << "simulate ../../etc/passwd\n";
  try {
    OutputDirectory out(dir, "simulate");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(":1:"), std::string::npos) << e.what();
  }
}

TEST_F(OutputDirectoryTest, TemporariesOfDeadProcessesAreRemovedOthersKept) {
  long pid = 0;
  EXPECT_TRUE(isTemporaryName("event000000001-hits.csv.tmp.123.4", &pid));
  EXPECT_EQ(pid, 123);
  for (const char* name : {"x.tmp.", "x.tmp.12", "x.tmp.12.", "x.tmp..3", ".tmp.1.2", "x.tmp.1.2a", "notes.txt"})
    EXPECT_FALSE(isTemporaryName(name)) << name;
  const std::string dead = "a.csv.tmp.2147480000.0", alive = "b.csv" + temporaryPathFor("").string();
  touch(dead);
  touch(alive);
  touch("c.csv");
  touch("d.csv.tmp.2147480000.1");                        // a target efgnn does not write here
  fs::create_directories(dir / "a.csv.tmp.2147480000.2");  // a directory of the user's
  const auto ours = [](const std::string& target) { return target == "a.csv" || target == "b.csv"; };
  EXPECT_EQ(removeStaleTemporaries(dir, ours), 1u);
  EXPECT_FALSE(fs::exists(dir / dead));
  EXPECT_TRUE(fs::exists(dir / alive)) << "this process's own";
  EXPECT_TRUE(fs::exists(dir / "c.csv"));
  EXPECT_TRUE(fs::exists(dir / "d.csv.tmp.2147480000.1"));
  EXPECT_TRUE(fs::exists(dir / "a.csv.tmp.2147480000.2"));

  // OutputDirectory: temporaries of the files it recorded and its own scratch directories.
  fs::remove_all(dir / "a.csv.tmp.2147480000.2");
  {
    OutputDirectory out(dir, "report");
    out.record({"report.html"});
  }
  touch("report.html.tmp.2147480000.3");
  fs::create_directories(dir / ".report.tmp.2147480000.4");
  OutputDirectory out(dir, "report");
  EXPECT_FALSE(fs::exists(dir / "report.html.tmp.2147480000.3"));
  EXPECT_FALSE(fs::exists(dir / ".report.tmp.2147480000.4"));
  EXPECT_TRUE(fs::exists(dir / "d.csv.tmp.2147480000.1"));
}

TEST(RunSettings, ChangesListEveryKeyThatDiffersExceptTheIgnoredOnes) {
  const std::string before = R"({"seed": 1, "pileup": 200, "events": 10, "noise": true, "old": "x"})";
  const std::string after = R"({"seed": 2, "pileup": 200, "events": 20, "noise": false, "new": [1, 2]})";
  const std::string changes = settingsChanges(before, after, "run/simulation.json", {"events"});
  EXPECT_NE(changes.find("seed: 1 -> 2"), std::string::npos) << changes;
  EXPECT_NE(changes.find("noise: true -> false"), std::string::npos) << changes;
  EXPECT_NE(changes.find("old: x -> (not set)"), std::string::npos) << changes;
  EXPECT_NE(changes.find("new: (not recorded) -> [1, 2]"), std::string::npos) << changes;
  EXPECT_EQ(changes.find("events"), std::string::npos) << changes;
  EXPECT_EQ(changes.find("pileup"), std::string::npos) << changes;
  EXPECT_TRUE(settingsChanges(before, before, "x").empty());
}

TEST_F(OutputDirectoryTest, FingerprintChangesWithTheContent) {
  std::ofstream(dir / "m.h5") << "abc";
  const std::string a = fileFingerprint(dir / "m.h5");
  EXPECT_EQ(a.rfind("3 bytes, fnv1a ", 0), 0u) << a;
  std::ofstream(dir / "m.h5") << "abd";
  EXPECT_NE(fileFingerprint(dir / "m.h5"), a);
}

}  // namespace
}  // namespace efgnn

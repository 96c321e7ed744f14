// renderGnuplotPng and the quoting of strings for gnuplot: no path, label or title reaches a
// shell or gnuplot's command substitution.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "InjectionMarks.hpp"
#include "TempDirTest.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Gnuplot.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;


/// Sets an environment variable for the scope, restoring its old value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class Gnuplot : public test::TempDirTest {
 protected:
  std::vector<fs::path> injected() const {
    return test::injectionMarks(dir);
  }
};

TEST(GnuplotQuote, SingleQuotesDoublesQuotesAndBlanksControlCharacters) {
  EXPECT_EQ(gnuplotQuote("plain"), "'plain'");
  EXPECT_EQ(gnuplotQuote("it's"), "'it''s'");
  EXPECT_EQ(gnuplotQuote("a\"b\\c`d`@e$f"), "'a\"b\\c`d`@e$f'");
  EXPECT_EQ(gnuplotQuote("one\ntwo\rthree\tfour"), "'one two three four'");
  EXPECT_EQ(gnuplotDataString("say \"hi\"\nEOD"), "\"say 'hi' EOD\"");
}

/// A script that shows `payload` as title, axis label, key and datablock label.
std::string hostileScript(const std::string& payload) {
  return "x = 'macro'\n$d << EOD\n1 2 " + gnuplotDataString(payload) + "\nEOD\nset title " + gnuplotQuote(payload) +
         "\nset xlabel " + gnuplotQuote(payload) + "\nplot $d u 1:2:3 w labels title " + gnuplotQuote(payload) +
         ", x title " + gnuplotQuote(payload) + "\n";
}

/// renderGnuplotPng's error message, "" when it succeeds.
std::string tryRender(const fs::path& out, const std::string& script) {
  try {
    renderGnuplotPng(out, script, 300, 200);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST_F(Gnuplot, HostileTitlesAndLabelsRunNothing) {
  const std::string mark = (dir / "INJECTED").string();
  const std::string payload = "`touch " + mark + "-bq` $(touch " + mark + "-dollar) ' \" @x system('touch " + mark +
                              "-sys') \n! touch " + mark + "-bang\n";
  const std::string error = tryRender(dir / "plot.png", hostileScript(payload));
  const auto found = injected();
  EXPECT_TRUE(found.empty()) << found.size() << " injected, e.g. " << found.front();
  ASSERT_EQ(error, "");
  EXPECT_EQ(readFile(dir / "plot.png").substr(1, 3), "PNG");
}

TEST_F(Gnuplot, HostilePathAndTemporaryDirectoryRunNothing) {
  const std::string mark = (dir / "INJECTED").string();
  // TMPDIR too: gnuplot's private directory is created under it.
  const fs::path tmp = dir / ("tmp '`touch " + mark + "-tmp`'");
  fs::create_directories(tmp);
  const ScopedEnv env("TMPDIR", tmp.string());
  const fs::path out = dir / ("x'$(touch " + mark + "-out)'") / ("bt`touch " + mark + "-png`") / "a \"b\".png";
  fs::create_directories(out.parent_path());
  const std::string error = tryRender(out, hostileScript("plain"));
  const auto found = injected();
  EXPECT_TRUE(found.empty()) << found.size() << " injected, e.g. " << found.front();
  ASSERT_EQ(error, "");
  ASSERT_TRUE(fs::exists(out));
  EXPECT_EQ(readFile(out).substr(1, 3), "PNG");
  EXPECT_TRUE(fs::is_empty(tmp)) << "the private directory is removed";
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(out.parent_path())) ++files;
  EXPECT_EQ(files, 1u) << "no temporary file left beside the PNG";
}

TEST_F(Gnuplot, FailureReportsGnuplotsMessage) {
  try {
    renderGnuplotPng(dir / "bad.png", "plot no_such_function(x)\n");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("bad.png: gnuplot failed (exit status"), std::string::npos) << what;
    EXPECT_NE(what.find("no_such_function"), std::string::npos) << what;
  }
  EXPECT_FALSE(fs::exists(dir / "bad.png"));
}

TEST_F(Gnuplot, MissingGnuplotSaysWhatToInstall) {
  const ScopedEnv env("PATH", dir.string());
  try {
    renderGnuplotPng(dir / "a.png", "plot x\n");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gnuplot not found (is gnuplot-nox installed?"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace efgnn

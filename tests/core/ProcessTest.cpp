// runProcess: arguments reach the program verbatim (no shell), redirections, exit statuses,
// errors for programs that cannot start, no zombies.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include "InjectionMarks.hpp"
#include "TempDirTest.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Process.hpp"

namespace efgnn {
namespace {

namespace fs = std::filesystem;


class Process : public test::TempDirTest {
 protected:
  /// Any file named INJECTED* under the test directory or in the current directory.
  std::vector<fs::path> injected() const {
    return test::injectionMarks(dir);
  }
};

TEST_F(Process, ArgumentsArriveVerbatimWithoutAShell) {
  const std::string mark = (dir / "INJECTED").string();
  const std::vector<std::string> hostile{"a b",
                                         "it's",
                                         "\"double\"",
                                         "$(touch " + mark + "-1)",
                                         "`touch " + mark + "-2`",
                                         "; touch " + mark + "-3",
                                         "| touch " + mark + "-4 &",
                                         "$HOME ${PATH} *",
                                         "",
                                         "-n",
                                         "line\nbreak",
                                         "back\\slash"};
  std::vector<std::string> argv{"/bin/sh", "-c", "printf '%s\\0' \"$@\"", "sh"};
  argv.insert(argv.end(), hostile.begin(), hostile.end());
  ProcessOptions o;
  o.capture_stdout = true;
  o.working_dir = dir;
  const ProcessResult r = runProcess(argv, o);
  ASSERT_TRUE(r.ok()) << r.describe();
  std::string want;
  for (const auto& a : hostile) want += a + '\0';
  EXPECT_EQ(r.output, want);
  EXPECT_TRUE(injected().empty()) << injected().front();
}

TEST_F(Process, ProgramIsLookedUpInPath) {
  ProcessOptions o;
  o.capture_stdout = true;
  const ProcessResult r = runProcess({"echo", "$HOME", "`id`"}, o);
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.output, "$HOME `id`\n");
}

TEST_F(Process, EnvironmentEntriesAreSetOrReplacedAndTheRestInherited) {
  ::setenv("EFGNN_PROCESS_TEST_KEPT", "kept", 1);
  ::setenv("EFGNN_PROCESS_TEST_SET", "old", 1);
  ProcessOptions o;
  o.capture_stdout = true;
  o.environment = {"EFGNN_PROCESS_TEST_SET=new=value"};
  const auto r = runProcess({"sh", "-c", "printf '%s|%s' \"$EFGNN_PROCESS_TEST_SET\" \"$EFGNN_PROCESS_TEST_KEPT\""}, o);
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.output, "new=value|kept");
  o.environment = {"NOEQUALS"};
  EXPECT_THROW(runProcess({"true"}, o), Error);
}

TEST_F(Process, MissingProgramIsAnErrorNamingItAndTheHint) {
  ProcessOptions o;
  o.missing_hint = "is efgnn-nothing installed?";
  try {
    runProcess({"efgnn-no-such-program", "x"}, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "efgnn-no-such-program not found (is efgnn-nothing installed?)");
  }
  // A name that a shell would run as two commands is just a name that does not exist.
  const std::string hostile = "nothing; touch " + (dir / "INJECTED-name").string();
  EXPECT_THROW(runProcess({hostile}), Error);
  EXPECT_THROW(runProcess({(dir / "missing").string()}), Error);
  EXPECT_THROW(runProcess({}), Error);
  EXPECT_TRUE(injected().empty());
}

TEST_F(Process, NonExecutableFileIsAnError) {
  writeFileAtomically(dir / "script", "#!/bin/sh\nexit 0\n");
  fs::permissions(dir / "script", fs::perms::owner_read | fs::perms::owner_write);
  try {
    runProcess({(dir / "script").string()});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot start"), std::string::npos) << e.what();
  }
}

TEST_F(Process, ExitStatusAndSignalAreReported) {
  ProcessResult r = runProcess({"/bin/sh", "-c", "exit 3"});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.describe(), "exit status 3");
  r = runProcess({"/bin/sh", "-c", "kill -TERM $$"});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_EQ(r.describe(), "killed by signal 15 (SIGTERM)");
  EXPECT_TRUE(runProcess({"true"}).ok());
}

TEST_F(Process, RedirectsFilesAndWorkingDirectory) {
  const fs::path hostile = dir / "in '$(x)' `y`";
  fs::create_directories(hostile);
  writeFileAtomically(hostile / "in.txt", "some input\n");
  ProcessOptions o;
  o.stdin_file = hostile / "in.txt";
  o.stdout_file = hostile / "out.txt";
  o.stderr_file = hostile / "err.txt";
  o.working_dir = hostile;
  const ProcessResult r = runProcess({"/bin/sh", "-c", "cat; pwd; echo oops >&2"}, o);
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(readFile(hostile / "out.txt"), "some input\n" + fs::canonical(hostile).string() + "\n");
  EXPECT_EQ(readFile(hostile / "err.txt"), "oops\n");

  ProcessOptions both;
  both.capture_stdout = true;
  both.stderr_to_stdout = true;
  EXPECT_EQ(runProcess({"/bin/sh", "-c", "echo out; echo err >&2"}, both).output, "out\nerr\n");

  ProcessOptions missing;
  missing.stdin_file = dir / "no-such-input";
  try {
    runProcess({"cat"}, missing);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-input"), std::string::npos) << e.what();
  }
  ProcessOptions no_dir;
  no_dir.working_dir = dir / "no-such-dir";
  EXPECT_THROW(runProcess({"true"}, no_dir), Error);
}

TEST_F(Process, LargeOutputIsCapturedWhole) {
  ProcessOptions o;
  o.capture_stdout = true;
  const ProcessResult r = runProcess({"head", "-c", "3000000", "/dev/zero"}, o);
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.output.size(), 3000000u);
}

TEST_F(Process, LeavesNoZombies) {
  ProcessOptions o;
  o.capture_stdout = true;
  runProcess({"true"});
  runProcess({"/bin/sh", "-c", "exit 1"}, o);
  EXPECT_THROW(runProcess({"efgnn-no-such-program"}), Error);
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child is left";
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace efgnn

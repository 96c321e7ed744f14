#pragma once
// Child processes run from an argument vector, never through a shell: no argument is parsed,
// split or expanded, so paths and labels reach the program exactly as given.
#include <filesystem>
#include <string>
#include <vector>

namespace efgnn {

struct ProcessOptions {
  std::filesystem::path stdin_file;   // empty: inherited
  std::filesystem::path stdout_file;  // empty: inherited (or captured, see capture_stdout); else truncated and written
  std::filesystem::path stderr_file;  // empty: inherited (or stdout's, see stderr_to_stdout)
  bool capture_stdout = false;        // stdout into ProcessResult::output (stdout_file must be empty)
  bool stderr_to_stdout = false;      // stderr wherever stdout goes (stderr_file must be empty)
  std::filesystem::path working_dir;  // empty: this process's
  std::string missing_hint;           // appended to the error when the program is not found
  /// NAME=VALUE entries set in the child's environment (replacing those names), the rest inherited.
  std::vector<std::string> environment;
};

struct ProcessResult {
  int exit_code = 0;   // the program's exit status; -1 when a signal ended it
  int signal = 0;      // the signal that ended it, else 0
  std::string output;  // stdout, with capture_stdout
  bool ok() const { return exit_code == 0 && signal == 0; }
  /// "exit status N" or "killed by signal N (NAME)".
  std::string describe() const;
};

/// Runs argv[0] (looked up in PATH when it has no '/') with these arguments and waits for it.
/// Throws Error naming the program when it cannot be started (not found, not executable, a
/// redirection file that cannot be opened); a program that runs and fails is a result, not an
/// error (see ProcessResult::ok).
ProcessResult runProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

}  // namespace efgnn

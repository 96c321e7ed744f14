#pragma once
// Runs the efgnn executable for the command-line tests: exit status and everything it printed.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace efgnn::test {

struct CliResult {
  int status;       // exit code, -1 if killed by a signal
  std::string out;  // stdout and stderr together
};

/// `efgnn ARGS` through the shell (ARGS is shell text: quote hostile names yourself).
inline CliResult runEfgnn(const std::string& args) {
  const std::string cmd = std::string(EFGNN_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// `efgnn` with these arguments, exactly as given: no shell sees them.
inline CliResult runEfgnnArgs(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) return {-1, "pipe failed"};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv{const_cast<char*>(EFGNN_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(EFGNN_BINARY, argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace efgnn::test

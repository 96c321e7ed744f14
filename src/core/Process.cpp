#include "core/Process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>

#include "core/Error.hpp"

extern char** environ;

namespace efgnn {

namespace {

/// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);  // no retry on EINTR: on Linux the descriptor is closed regardless
    fd = -1;
  }
};

int openFor(const std::filesystem::path& file, int flags, const std::string& program, const char* stream) {
  int fd;
  do fd = ::open(file.c_str(), flags | O_CLOEXEC, 0666);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) throw Error(file.string() + ": cannot open as " + program + "'s " + stream + ": " + std::strerror(errno));
  return fd;
}

/// posix_spawn's file actions and attributes, destroyed on scope exit.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

void check(int rc, const std::string& program, const char* what) {
  if (rc != 0) throw Error(program + ": cannot start (" + what + "): " + std::strerror(rc));
}

}  // namespace

std::string ProcessResult::describe() const {
  if (signal != 0) {
    const char* name = ::sigabbrev_np(signal);
    return "killed by signal " + std::to_string(signal) + (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "exit status " + std::to_string(exit_code);
}

ProcessResult runProcess(const std::vector<std::string>& argv, const ProcessOptions& o) {
  if (argv.empty() || argv[0].empty()) throw Error("runProcess: no program given");
  if (o.capture_stdout && !o.stdout_file.empty())
    throw Error("runProcess: capture_stdout and stdout_file are exclusive");
  if (o.stderr_to_stdout && !o.stderr_file.empty())
    throw Error("runProcess: stderr_to_stdout and stderr_file are exclusive");
  std::string program = argv[0];
  if (!o.working_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(o.working_dir, ec))
      throw Error(o.working_dir.string() + ": not a directory (working directory for " + program + ")");
    // The child changes directory before exec: a relative path with '/' is meant from here.
    if (program.find('/') != std::string::npos && program[0] != '/')
      program = std::filesystem::absolute(program).string();
  }

  SpawnSetup setup;
  Fd in, out, err, read_end, write_end;
  if (!o.stdin_file.empty()) {
    in.fd = openFor(o.stdin_file, O_RDONLY, argv[0], "stdin");
    check(posix_spawn_file_actions_adddup2(&setup.actions, in.fd, 0), argv[0], "stdin");
  }
  if (o.capture_stdout) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(argv[0] + ": cannot start (pipe): " + std::strerror(errno));
    read_end.fd = fds[0];
    write_end.fd = fds[1];
    check(posix_spawn_file_actions_adddup2(&setup.actions, write_end.fd, 1), argv[0], "stdout");
  } else if (!o.stdout_file.empty()) {
    out.fd = openFor(o.stdout_file, O_WRONLY | O_CREAT | O_TRUNC, argv[0], "stdout");
    check(posix_spawn_file_actions_adddup2(&setup.actions, out.fd, 1), argv[0], "stdout");
  }
  if (o.stderr_to_stdout) {
    check(posix_spawn_file_actions_adddup2(&setup.actions, 1, 2), argv[0], "stderr");
  } else if (!o.stderr_file.empty()) {
    err.fd = openFor(o.stderr_file, O_WRONLY | O_CREAT | O_TRUNC, argv[0], "stderr");
    check(posix_spawn_file_actions_adddup2(&setup.actions, err.fd, 2), argv[0], "stderr");
  }
  if (!o.working_dir.empty())
    check(posix_spawn_file_actions_addchdir_np(&setup.actions, o.working_dir.c_str()), argv[0], "working directory");
  // The child starts with no blocked signals and SIGPIPE at its default, whatever this process set.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  check(posix_spawnattr_setsigmask(&setup.attr, &none), argv[0], "signal mask");
  check(posix_spawnattr_setsigdefault(&setup.attr, &defaults), argv[0], "signals");
  check(posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF), argv[0], "flags");

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  args.push_back(program.data());
  for (std::size_t i = 1; i < argv.size(); ++i) args.push_back(const_cast<char*>(argv[i].c_str()));
  args.push_back(nullptr);

  std::vector<char*> env;
  for (const auto& e : o.environment) {
    if (e.find('=') == std::string::npos || e[0] == '=') throw Error("runProcess: environment entry '" + e + "': NAME=VALUE expected");
    env.push_back(const_cast<char*>(e.c_str()));
  }
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    const auto name = entry.substr(0, entry.find('=') + 1);  // "NAME="
    bool replaced = false;
    for (const auto& mine : o.environment) replaced = replaced || mine.rfind(name, 0) == 0;
    if (!replaced) env.push_back(*e);
  }
  env.push_back(nullptr);

  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, program.c_str(), &setup.actions, &setup.attr, args.data(), env.data());
  if (rc == ENOENT)
    throw Error(argv[0] + " not found" + (o.missing_hint.empty() ? std::string() : " (" + o.missing_hint + ")"));
  if (rc != 0) throw Error(argv[0] + ": cannot start: " + std::strerror(rc));
  // The child has its copies; closing ours lets the pipe reach end-of-file when the child exits.
  in.reset();
  out.reset();
  err.reset();
  write_end.reset();

  ProcessResult result;
  const auto wait = [&] {
    int status = 0;
    pid_t w;
    do w = ::waitpid(pid, &status, 0);
    while (w < 0 && errno == EINTR);
    if (w < 0) throw Error(argv[0] + ": cannot wait for it: " + std::strerror(errno));
    if (WIFSIGNALED(status)) {
      result.exit_code = -1;
      result.signal = WTERMSIG(status);
    } else {
      result.exit_code = WEXITSTATUS(status);
    }
  };
  if (read_end.fd >= 0) {
    try {
      char buf[65536];
      for (;;) {
        const ssize_t n = ::read(read_end.fd, buf, sizeof buf);
        if (n > 0) {
          result.output.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          break;
        }
      }
    } catch (...) {  // (out of memory) never leave a zombie behind
      read_end.reset();
      wait();
      throw;
    }
    read_end.reset();
  }
  wait();
  return result;
}

}  // namespace efgnn

#include "core/AtomicFile.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/Error.hpp"

namespace efgnn {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view kTempMark = ".tmp.";
}

fs::path temporaryPathFor(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  fs::path temp = target;
  temp += std::string(kTempMark) + std::to_string(::getpid()) + "." + std::to_string(counter++);
  return temp;
}

AtomicFile::AtomicFile(fs::path target) : target_(std::move(target)), temp_(temporaryPathFor(target_)) {}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicFile::commit() {
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec) throw Error(target_.string() + ": cannot move output into place: " + ec.message());
  committed_ = true;
}

bool isTemporaryName(const std::string& name, long* pid) {
  // TARGET.tmp.PID.N with PID and N decimal: the name the constructor gives.
  const auto mark = name.rfind(kTempMark);
  if (mark == std::string::npos || mark == 0) return false;
  const char* p = name.data() + mark + kTempMark.size();
  const char* const end = name.data() + name.size();
  long id = 0;
  auto [after_pid, e1] = std::from_chars(p, end, id);
  if (e1 != std::errc() || after_pid == p || after_pid == end || *after_pid != '.') return false;
  unsigned n = 0;
  auto [after_n, e2] = std::from_chars(after_pid + 1, end, n);
  if (e2 != std::errc() || after_n != end || after_n == after_pid + 1) return false;
  if (pid) *pid = id;
  return true;
}

std::size_t removeStaleTemporaries(const fs::path& dir, const TargetFilter& files, const TargetFilter& directories) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return 0;
  std::size_t removed = 0;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    long pid = 0;
    if (!isTemporaryName(name, &pid)) continue;
    const std::string target = name.substr(0, name.rfind(kTempMark));
    std::error_code rm;
    const bool file = entry.is_regular_file(rm) && files(target);
    const bool directory = !file && directories && entry.is_directory(rm) && directories(target);
    if (!file && !directory) continue;
    // Alive (or not ours to signal): another efgnn is writing it.
    if (pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    if (file) removed += fs::remove(entry.path(), rm);
    else removed += fs::remove_all(entry.path(), rm) > 0;
  }
  return removed;
}

void AtomicFile::write(const std::string& content) const {
  std::ofstream out(temp_, std::ios::binary);
  if (!out) throw Error(target_.string() + ": cannot write: " + std::strerror(errno));
  out << content;
  out.close();  // the last block is written here: its failure (disk full) must count
  if (!out) throw Error(target_.string() + ": cannot write (disk full?)");
}

void writeFileAtomically(const fs::path& path, const std::string& content) {
  AtomicFile file(path);
  file.write(content);
  file.commit();
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace efgnn

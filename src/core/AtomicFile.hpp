#pragma once
// Outputs are written to a temporary file beside the target and renamed into place, so an
// interrupted run never leaves a half-written file under the final name.
#include <filesystem>
#include <functional>
#include <string>

namespace efgnn {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();  // removes the temporary file unless commit() was called
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Where to write; in the same directory as the target so that rename is atomic.
  const std::filesystem::path& tempPath() const { return temp_; }
  const std::filesystem::path& target() const { return target_; }
  /// Writes `content` to the temporary file (replacing it); throws Error naming the target
  /// when it cannot, a full disk included. Files that must appear together are all written
  /// first and committed after.
  void write(const std::string& content) const;
  void commit();

 private:
  std::filesystem::path target_, temp_;
  bool committed_ = false;
};

/// A fresh temporary name beside `target` (TARGET.tmp.PID.N), unique within the process.
std::filesystem::path temporaryPathFor(const std::filesystem::path& target);
/// Whether `name` (a file name, no directory) is an AtomicFile temporary: TARGET.tmp.PID.N.
/// Sets `pid` to the process that wrote it.
bool isTemporaryName(const std::string& name, long* pid = nullptr);
/// Removes the temporaries that killed processes left in `dir`: regular files whose target
/// (the name without .tmp.PID.N) `files` accepts, directories whose target `directories`
/// accepts; those of processes still running are theirs to finish. Returns how many.
using TargetFilter = std::function<bool(const std::string& target)>;
std::size_t removeStaleTemporaries(const std::filesystem::path& dir, const TargetFilter& files,
                                   const TargetFilter& directories = nullptr);

/// Writes `content` to `path` atomically; throws Error on failure.
void writeFileAtomically(const std::filesystem::path& path, const std::string& content);
/// Reads a whole file; throws Error naming the file when it cannot.
std::string readFile(const std::filesystem::path& path);

}  // namespace efgnn

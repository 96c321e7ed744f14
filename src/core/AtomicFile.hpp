#pragma once
// Outputs are written to a temporary file beside the target and renamed into place, so an
// interrupted run never leaves a half-written file under the final name.
#include <filesystem>
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
  void commit();

 private:
  std::filesystem::path target_, temp_;
  bool committed_ = false;
};

/// Writes `content` to `path` atomically; throws Error on failure.
void writeFileAtomically(const std::filesystem::path& path, const std::string& content);
/// Reads a whole file; throws Error naming the file when it cannot.
std::string readFile(const std::filesystem::path& path);

}  // namespace efgnn

#pragma once
// A private temporary directory: a fresh, unguessable name under the system temporary directory
// (mkdtemp, mode 0700), removed with its contents on destruction.
#include <filesystem>
#include <string>

namespace efgnn {

class TempDir {
 public:
  /// `prefix`: the start of the directory's name (letters, digits, '-', '_' only); throws Error
  /// when the directory cannot be created.
  explicit TempDir(const std::string& prefix = "efgnn");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace efgnn

#pragma once
// The entries of a zip file, read whole into memory: the container of torch.save's files
// (stored entries) and of most tools' (deflated ones, inflated with zlib). Zip64 included.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace efgnn {

class ZipArchive {
 public:
  /// Throws Error naming the file when it is missing, not a zip file, or malformed.
  static ZipArchive read(const std::filesystem::path& file);

  const std::filesystem::path& file() const { return file_; }
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  /// The bytes of an entry (inflated if deflated); throws Error naming the file and the entry.
  std::string entry(const std::string& name) const;

 private:
  struct Entry {
    std::uint64_t offset = 0, compressed = 0, size = 0;  // offset: of the local header
    int method = 0;
  };
  std::filesystem::path file_;
  std::string bytes_;
  std::map<std::string, Entry> entries_;
};

}  // namespace efgnn

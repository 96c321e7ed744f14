#include "core/TempDir.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/Error.hpp"

namespace efgnn {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& prefix) {
  for (const char c : prefix)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      throw Error("TempDir: prefix '" + prefix + "' may hold letters, digits, '-' and '_' only");
  std::error_code ec;
  const fs::path base = fs::temp_directory_path(ec);
  if (ec) throw Error("no temporary directory (TMPDIR): " + ec.message());
  std::string name = (base / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(name.data()) == nullptr)
    throw Error(name + ": cannot create a temporary directory: " + std::strerror(errno));
  path_ = fs::absolute(name);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace efgnn

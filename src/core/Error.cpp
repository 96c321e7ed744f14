#include "core/Error.hpp"

namespace efgnn {

Error inputError(const std::string& file, std::size_t line, const std::string& what) {
  std::string msg = file;
  if (line > 0) msg += ":" + std::to_string(line);
  msg += ": " + what;
  return Error(msg);
}

}  // namespace efgnn

#include "core/Error.hpp"

#include <sstream>

namespace efgnn {

Error inputError(const std::string& file, std::size_t line, const std::string& what) {
  std::ostringstream msg;  // (string concatenation here trips a false -Wrestrict in GCC 12)
  msg << file;
  if (line > 0) msg << ':' << line;
  msg << ": " << what;
  return Error(msg.str());
}

}  // namespace efgnn

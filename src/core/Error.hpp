#pragma once
// Errors that reach the user. Every message names what was wrong and where (file, line, field),
// so that a bad input file can be fixed without reading the source.
#include <cstddef>
#include <stdexcept>
#include <string>

namespace efgnn {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// "FILE:LINE: what" (LINE omitted when 0), the format compilers use, so editors can jump there.
Error inputError(const std::string& file, std::size_t line, const std::string& what);

}  // namespace efgnn

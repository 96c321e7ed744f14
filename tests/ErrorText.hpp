#pragma once
// The message of the efgnn::Error a call throws, for tests of what bad input is told.
#include <functional>
#include <string>

#include "core/Error.hpp"

namespace efgnn::test {

/// What `f` throws as an Error, or "(no error)".
inline std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace efgnn::test

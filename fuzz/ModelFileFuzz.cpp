// libFuzzer target: the model file parser and the runtime's validation of what it parsed must
// answer every input with a model or a ModelFileError, never a crash, a leak or undefined
// behaviour. `make fuzz` builds it with clang (-fsanitize=fuzzer,address,undefined) and runs it
// for a fixed time from a valid seed. The fuzzing build skips the checksum (FUZZING_BUILD_MODE_
// UNSAFE_FOR_PRODUCTION), so that mutations reach the parser behind it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/EdgeClassifier.hpp"
#include "runtime/ModelFile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const auto file = efgnn::runtime::ModelFile::parse(bytes, "fuzz");
    const efgnn::runtime::EdgeClassifier classifier(file, "fuzz", {1, 64});
    // A tiny graph through a model that loaded.
    if (classifier.nodeFeatures() <= 16 && classifier.edgeFeatures() <= 16) {
      float x[3 * 16] = {}, attr[2 * 16] = {};
      const std::int64_t edges[4] = {0, 1, 1, 2};
      classifier.logits({x, 3, classifier.nodeFeatures(), edges, 2, attr, classifier.edgeFeatures()});
    }
  } catch (const efgnn::runtime::ModelFileError&) {
  }
  return 0;
}

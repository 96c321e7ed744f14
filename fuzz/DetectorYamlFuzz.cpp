// libFuzzer target: detector descriptions (YAML, configs/detectors/): parsed and built.
#include "FuzzUtil.hpp"
#include "geometry/DetectorConfig.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(efgnn::fuzz::text(data, size));
  efgnn::fuzz::rejectsCleanly([&] { efgnn::parseDetector(text, "detector.yaml"); });
  return 0;
}

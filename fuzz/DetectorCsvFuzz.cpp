// libFuzzer target: TrackML detector descriptions (detectors.csv): parsed and built.
#include <map>

#include "FuzzUtil.hpp"
#include "geometry/TrackMLDetectorCsv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(efgnn::fuzz::text(data, size));
  efgnn::fuzz::rejectsCleanly([&] {
    std::map<std::int32_t, double> material;
    for (std::int32_t v = 0; v < 20; ++v) material[v] = 0.02;
    efgnn::PlacedModules placed = efgnn::parseTrackMLDetectorCsv(std::move(text), "detectors.csv", material, "material");
    efgnn::Detector::fromPlacedModules({"fuzz"}, std::move(placed.types), std::move(placed.modules), {});
  });
  return 0;
}

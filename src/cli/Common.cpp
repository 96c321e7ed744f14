#include "cli/Common.hpp"

#include <filesystem>

#include "core/Error.hpp"
#include "geometry/DetectorConfig.hpp"

namespace efgnn::cli {

std::optional<Detector> detectorOfEvents(const std::string& explicit_choice, const std::string& events) {
  if (!explicit_choice.empty()) return loadDetector(explicit_choice);
  const auto beside = std::filesystem::path(events) / "detector.yaml";
  if (std::filesystem::exists(beside)) return loadDetector(beside.string());
  return std::nullopt;
}

Detector requireDetectorOfEvents(const std::string& explicit_choice, const std::string& events) {
  auto det = detectorOfEvents(explicit_choice, events);
  if (!det)
    throw Error(events + ": no detector.yaml beside the events; say which detector with --detector (trackml, itk or a YAML file)");
  return std::move(*det);
}

}  // namespace efgnn::cli

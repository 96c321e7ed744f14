#pragma once
// Helpers shared by several subcommands.
#include <optional>
#include <string>

#include "geometry/Detector.hpp"

namespace efgnn::cli {

/// The detector of an events directory: `explicit_choice` if given (a preset or YAML file),
/// else the detector.yaml that `efgnn simulate` writes beside the events; nullopt if neither.
std::optional<Detector> detectorOfEvents(const std::string& explicit_choice, const std::string& events);
/// Same, but an error when there is no detector to be found.
Detector requireDetectorOfEvents(const std::string& explicit_choice, const std::string& events);

}  // namespace efgnn::cli

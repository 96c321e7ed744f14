#pragma once
// Loading detector descriptions from YAML (see configs/detectors/ for the documented format).
#include <string>
#include <vector>

#include "geometry/Detector.hpp"

namespace efgnn {

/// Built-in layouts: "trackml", "itk".
std::vector<std::string> detectorPresets();
/// The YAML text of a preset; throws Error for an unknown name.
std::string detectorPresetText(const std::string& name);

/// A preset name or a path to a YAML file.
Detector loadDetector(const std::string& presetOrPath);
/// Parses a detector description; `source` names the text in error messages.
Detector parseDetector(const std::string& yaml, const std::string& source);

}  // namespace efgnn

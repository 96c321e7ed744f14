#pragma once
// Loading detector descriptions: YAML (see configs/detectors/ for the documented format), tiled
// from volumes or placed from a TrackML detectors.csv named by `modules`; or a detectors.csv
// alone, which takes the `trackml` preset's field, efficiency, noise and material.
#include <filesystem>
#include <string>
#include <vector>

#include "geometry/Detector.hpp"

namespace efgnn {

/// Built-in layouts: "trackml", "itk".
std::vector<std::string> detectorPresets();
/// The YAML text of a preset; throws Error for an unknown name.
std::string detectorPresetText(const std::string& name);

/// A preset name, a path to a YAML file, or a path to a TrackML detectors.csv[.gz].
Detector loadDetector(const std::string& presetOrPath);
/// Parses a detector description; `source` names the text in error messages; a relative
/// `modules` path is taken relative to `base_dir`.
Detector parseDetector(const std::string& yaml, const std::string& source,
                       const std::filesystem::path& base_dir = {});

/// What describes a detector on its own, to be written beside simulated events: the YAML text
/// and, for modules read from a file, that file, to be copied beside the YAML as
/// `modules_copy_name` (the YAML names the copy).
struct DetectorFiles {
  std::string yaml;
  std::filesystem::path modules_file;  // empty: nothing to copy
  std::string modules_copy_name;
};
DetectorFiles detectorFilesOf(const std::string& presetOrPath);

}  // namespace efgnn

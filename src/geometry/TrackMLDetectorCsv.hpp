#pragma once
// TrackML detector descriptions (detectors.csv, REFERENCE.md section 13): one row per module
// with its centre, rotation (the local u, v, w axes as columns), thickness, trapezoid half
// widths, half length and pitch. Plain or gzip-compressed; a leading unnamed index column (as
// some copies carry) is ignored, as is any other extra column.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "geometry/Detector.hpp"

namespace efgnn {

/// Placed modules and their types (one per volume and pitch) read from detectors.csv text.
/// `material` gives each volume's radiation lengths per module crossing; `material_source`
/// names where that table is (for the error when a volume is missing from it). Throws Error
/// naming the file, line and column for malformed or non-finite numbers, ids outside
/// [0, Detector::kMaxId], a module listed twice, centre coordinates beyond
/// +-Detector::kMaxPlacedCoordinate, sizes and pitches not in (0, Detector::kMaxPlacedHalfSize]
/// and rotations that are not orthonormal.
struct PlacedModules {
  std::vector<ModuleType> types;
  std::vector<Module> modules;
};
PlacedModules parseTrackMLDetectorCsv(std::string text, const std::string& source,
                                      const std::map<std::int32_t, double>& material,
                                      const std::string& material_source);

/// The real TrackML detector's detectors.csv, compiled into the program (gzip bytes of
/// configs/detectors/trackml-detectors.csv.gz).
std::string_view builtinTrackMLDetectorCsvGz();

}  // namespace efgnn

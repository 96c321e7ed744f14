#pragma once
// Reconstructed tracks as CSV, one file per event: a row per hit of each track (track_id,
// hit_id), the form TrackML's scoring takes. Written atomically.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace efgnn {

/// event000001000-tracks.csv
std::string tracksFileName(std::uint64_t event_id);

/// `tracks` hold node indices; `hit_id` maps a node to its hit id.
void writeTracksCsv(const std::filesystem::path& file, const std::vector<std::vector<std::uint32_t>>& tracks,
                    const std::vector<std::uint64_t>& hit_id);

/// The tracks of a file written by writeTracksCsv, as hit ids per track (in track_id order).
/// Throws Error naming the file and line of a malformed row.
std::vector<std::vector<std::uint64_t>> readTracksCsv(const std::filesystem::path& file);

}  // namespace efgnn

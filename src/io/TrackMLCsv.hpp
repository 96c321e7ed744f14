#pragma once
// TrackML CSV files: one file set per event, eventNNNNNNNNN-{hits,particles,truth}.csv[.gz],
// columns as in the TrackML data set (REFERENCE.md section 10). efgnn appends optional columns
// that TrackML readers ignore:
//   hits:      cluster_x_1,cluster_y_1,cluster_z_1,cluster_x_2,cluster_y_2,cluster_z_2
//              (strip space points; empty fields for hits without clusters), only when at
//              least one hit of the event has clusters
//   particles: pdg_id,primary,parent_id,process,collision
// Files without the extra columns (the real data set) are read with pdg_id = 0,
// primary = (production radius < 1 mm), parent_id = 0, process = generator, collision = 0.
// Columns are found by name in any order; unknown columns are ignored. Fields are unquoted;
// LF or CRLF line ends. Numbers are written in the shortest form that reads back to the same
// float / double, so a written event reads back exactly. Malformed input throws Error
// "FILE:LINE: column 'NAME': what".
#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/Event.hpp"

namespace efgnn {

/// Reads a particles file (.csv or .csv.gz).
std::vector<Particle> readTrackMLParticles(const std::filesystem::path& file);

/// Reads the event `event_id` from `dir`: hits (required), truth and particles (if present;
/// an event without truth has empty `truth`). Each file may be .csv or .csv.gz (not both).
/// Truth rows are matched to hits by hit_id and every hit needs one; with a particles file,
/// truth may only refer to its particles (or 0, noise).
Event readTrackMLEvent(const std::filesystem::path& dir, std::uint64_t event_id);

/// Event ids that have a hits file in `dir`, sorted.
std::vector<std::uint64_t> listTrackMLEvents(const std::filesystem::path& dir);

/// Writes hits, particles and truth of `event` into `dir` (created if needed), atomically per
/// file; gzip-compressed (.csv.gz) when `gzip`. An event without particles or truth gets no such
/// file. Files of an earlier version of the event (other compression, kinds it no longer has)
/// are removed, so that reading gives back exactly this event.
void writeTrackMLEvent(const Event& event, const std::filesystem::path& dir, bool gzip = false);

}  // namespace efgnn

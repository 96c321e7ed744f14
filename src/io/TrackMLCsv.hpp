#pragma once
// TrackML CSV files: one file set per event, eventNNNNNNNNN-{hits,particles,truth,cells}.csv[.gz],
// columns as in the TrackML data set (REFERENCE.md section 10). efgnn appends optional columns
// that TrackML readers ignore:
//   hits:      cluster_x_1,cluster_y_1,cluster_z_1,cluster_x_2,cluster_y_2,cluster_z_2
//              (strip space points; empty fields for hits without clusters), only when at
//              least one hit of the event has clusters;
//              cell_count,cell_charge (the cells summary, Event::cells), only when the event
//              has cells
//   particles: pdg_id,primary,parent_id,process,collision
// Files without the extra columns (the real data set) are read with pdg_id = particle_type when
// the file has that column (the TrackML data set's PDG code), else 0; primary = (production
// radius < 1 mm), parent_id = 0, process = generator, collision = 0. TrackML files in the wild
// lack some TrackML columns too; they are read as:
//   truth without weight:       1 / (number of truth rows of the particle), 0 for noise, as
//                               efgnn's simulation writes it (not the TrackML scoring weight)
//   particles without nhits:    the particle's hits in the truth file (0 without truth)
// A cells file (hit_id, ch0, ch1, value; one row per cell, any number of rows per hit) is read
// into Event::cells, per hit the number of cells and the sum of `value` (hits without rows: 0,
// 0); ch0 and ch1 are not kept, so writing cannot give the cells file back: it writes the
// summary as the hits file's cell_count,cell_charge columns instead, and no cells file. A cells
// file beside a hits file with those columns is an error.
// Columns are found by name in any order; unknown columns are ignored. Fields are unquoted;
// LF or CRLF line ends. Hit ids are kept as they are (any unique values, not necessarily
// contiguous). Numbers are written in the shortest form that reads back to the same float /
// double, so a written event reads back exactly. Malformed input throws Error
// "FILE:LINE: column 'NAME': what".
#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/Event.hpp"

namespace efgnn {

/// Reads a particles file (.csv or .csv.gz).
std::vector<Particle> readTrackMLParticles(const std::filesystem::path& file);

/// Reads the event `event_id` from `dir`: hits (required), truth, particles and cells (if
/// present; an event without truth has empty `truth`, one without cells empty `cells`). Each
/// file may be .csv or .csv.gz (not both). Truth rows are matched to hits by hit_id and every
/// hit needs one; with a particles file, truth may only refer to its particles (or 0, noise).
/// Cells rows are matched to hits by hit_id; each must name a hit.
Event readTrackMLEvent(const std::filesystem::path& dir, std::uint64_t event_id);

/// Event ids that have a hits file in `dir`, sorted.
std::vector<std::uint64_t> listTrackMLEvents(const std::filesystem::path& dir);

/// Writes hits, particles and truth of `event` into `dir` (created if needed), atomically per
/// file; gzip-compressed (.csv.gz) when `gzip`. An event without particles or truth gets no such
/// file; the cells summary goes into the hits file (no cells file is written). Files of an
/// earlier version of the event (other compression, kinds it no longer has, any cells file) are
/// removed, so that reading gives back exactly this event.
void writeTrackMLEvent(const Event& event, const std::filesystem::path& dir, bool gzip = false);

/// The files writeTrackMLEvent writes for an event with particles and truth: hits, particles,
/// truth.
std::vector<std::filesystem::path> trackMLEventFiles(const std::filesystem::path& dir, std::uint64_t event_id,
                                                     bool gzip);

}  // namespace efgnn

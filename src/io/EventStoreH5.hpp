#pragma once
// HDF5 event store, readable from h5py. Layout (format attribute "efgnn-events", version 1):
//   /                      attrs: format, version, detector
//   /eventNNNNNNNNN/       attrs: event_id; one group per event, several events per file allowed
//     hits/      hit_id u64, x y z f32, volume_id layer_id module_id i32,
//                [has_clusters u8, cluster_x_1 ... cluster_z_2 f32]  (only if any hit has clusters)
//                [cell_count u32, cell_charge f32]  (only if the event has cells: Event::cells)
//     truth/     particle_id u64, tx ty tz tpx tpy tpz weight f32      (absent without truth)
//     particles/ particle_id u64, pdg_id q i32, vx vy vz px py pz f64, primary u8,
//                parent_id u64, nhits i32, process i32, collision u32
// Every dataset is one-dimensional with one entry per hit / particle; cluster columns hold 0
// where has_clusters is 0. The cells datasets came later within version 1: files without them
// read as events without cells, and older readers ignore them. Strings are variable-length
// UTF-8 (str in h5py). Reading checks the format, version, dataset types and lengths. The
// Debian HDF5 library is not thread-safe: all calls into it are serialised by one lock, so these
// functions may be called from any thread.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/Event.hpp"

namespace efgnn {

inline constexpr int kEventStoreVersion = 1;

/// The name of a store whose first event is `first_event_id` (event000001000.h5).
std::string eventStoreFileName(std::uint64_t first_event_id);

/// Writes the events into one file, atomically (temp file + rename).
void writeEventsH5(const std::vector<Event>& events, const std::filesystem::path& file,
                   const std::string& detector);

/// Event ids stored in `file`, sorted. Throws Error for a file that is not an efgnn event
/// store, is corrupt or truncated, or has a newer version.
std::vector<std::uint64_t> listEventsH5(const std::filesystem::path& file);

/// Reads one event; throws Error naming file, group and dataset on any inconsistency.
Event readEventH5(const std::filesystem::path& file, std::uint64_t event_id);

/// The detector name recorded in the file.
std::string detectorOfH5(const std::filesystem::path& file);

}  // namespace efgnn

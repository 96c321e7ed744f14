#pragma once
// HDF5 graph files, one graph per file, readable from h5py. Layout (format attribute
// "efgnn-graph", version 1):
//   /            attrs: format, version, event_id, detector, builder,
//                       node_features (comma-separated names), edge_features (same)
//   /nodes/      x f32 [N, F], hit_id u64 [N], particle_id u64 [N]
//   /edges/      edge_index i64 [2, E], edge_attr f32 [E, Fe], y u8 [E], y_target u8 [E],
//                particle_id u64 [E], particle_pt f32 [E], particle_eta f32 [E]
//   /truth/      edge_index i64 [2, T], target u8 [T], particle_id u64 [T]
//   /particles/  particle_id u64, pt f32, eta f32, nhits i32, target u8   [P]
// Arrays are row-major as in PyG: edge_index[0] holds the sources, edge_index[1] the targets.
#include <filesystem>
#include <string>

#include "core/Graph.hpp"

namespace efgnn {

inline constexpr int kGraphFileVersion = 1;

/// Writes atomically (temp file + rename).
void writeGraphH5(const Graph& graph, const std::filesystem::path& file, const std::string& detector,
                  const std::string& builder);

/// Reads and validates a graph; throws Error naming the file, group and dataset on any
/// problem (not a graph file, newer version, inconsistent sizes, indices out of range).
Graph readGraphH5(const std::filesystem::path& file);

/// The detector name recorded in a graph file.
std::string detectorOfGraphH5(const std::filesystem::path& file);

}  // namespace efgnn

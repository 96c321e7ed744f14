#pragma once
// The columns of hits, truth, particles and the per-hit cells summary, shared by the CSV and HDF5
// formats so that both store exactly the same fields under the same names. Each field has an
// accessor returning a reference to the member (const or not, as the record), so one table
// serves reading and writing. Cluster positions are optional per hit and handled by each format
// separately.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/Event.hpp"

namespace efgnn::io {

/// Where a column comes from, which decides whether a CSV file must have it. Written files and
/// the HDF5 store always have every column.
enum class Column {
  TrackML,          // an original TrackML column that every TrackML file has
  OptionalTrackML,  // an original TrackML column that some files in the wild lack
  Extension,        // an efgnn extension, ignored by TrackML readers
};

template <class Access>
struct Field {
  std::string_view name;
  Column column;
  Access get;
  /// Whether reading a CSV file without this column is an error.
  constexpr bool required() const { return column == Column::TrackML; }
};
// Aggregate deduction without it needs clang 17 (the fuzz build uses clang 14).
template <class Access>
Field(std::string_view, Column, Access) -> Field<Access>;

// The lambdas take `auto&` so that one accessor works for const and mutable records.
// clang-format off
#define EFGNN_FIELD(name, column, member) \
  Field { name, Column::column, [](auto& r) -> auto& { return r.member; } }
// clang-format on

inline constexpr auto kHitFields = std::tuple{
    EFGNN_FIELD("hit_id", TrackML, hit_id),
    EFGNN_FIELD("x", TrackML, x),
    EFGNN_FIELD("y", TrackML, y),
    EFGNN_FIELD("z", TrackML, z),
    EFGNN_FIELD("volume_id", TrackML, volume_id),
    EFGNN_FIELD("layer_id", TrackML, layer_id),
    EFGNN_FIELD("module_id", TrackML, module_id),
};

/// Without hit_id: HitTruth is stored in hit order; CSV adds hit_id from the hits. A CSV file
/// without `weight` gets 1/(hits of the particle) per hit, 0 for noise (TrackMLCsv.hpp).
inline constexpr auto kTruthFields = std::tuple{
    EFGNN_FIELD("particle_id", TrackML, particle_id),
    EFGNN_FIELD("tx", TrackML, tx),
    EFGNN_FIELD("ty", TrackML, ty),
    EFGNN_FIELD("tz", TrackML, tz),
    EFGNN_FIELD("tpx", TrackML, tpx),
    EFGNN_FIELD("tpy", TrackML, tpy),
    EFGNN_FIELD("tpz", TrackML, tpz),
    EFGNN_FIELD("weight", OptionalTrackML, weight),
};

/// In the TrackML column order, then the efgnn extensions. The TrackML `particle_type` column
/// (the PDG code) is read by the CSV reader into pdg when there is no `pdg_id`.
inline constexpr auto kParticleFields = std::tuple{
    EFGNN_FIELD("particle_id", TrackML, particle_id),
    EFGNN_FIELD("vx", TrackML, vertex.x),
    EFGNN_FIELD("vy", TrackML, vertex.y),
    EFGNN_FIELD("vz", TrackML, vertex.z),
    EFGNN_FIELD("px", TrackML, momentum.x),
    EFGNN_FIELD("py", TrackML, momentum.y),
    EFGNN_FIELD("pz", TrackML, momentum.z),
    EFGNN_FIELD("q", TrackML, charge),
    EFGNN_FIELD("nhits", OptionalTrackML, nhits),
    EFGNN_FIELD("pdg_id", Extension, pdg),
    EFGNN_FIELD("primary", Extension, primary),
    EFGNN_FIELD("parent_id", Extension, parent_id),
    EFGNN_FIELD("process", Extension, process),
    EFGNN_FIELD("collision", Extension, collision),
};

/// The per-hit summary of the cells (HitCells), in hit order: efgnn columns of the hits table
/// (CSV hits file, HDF5 hits group), present only for events that have cells.
inline constexpr auto kCellFields = std::tuple{
    EFGNN_FIELD("cell_count", Extension, count),
    EFGNN_FIELD("cell_charge", Extension, charge),
};

#undef EFGNN_FIELD

/// Calls `f(field)` for every field of a table, in order.
template <class Fields, class F>
void forEachField(const Fields& fields, F&& f) {
  std::apply([&](const auto&... field) { (f(field), ...); }, fields);
}

/// The value type of a field (float, std::uint64_t, bool, Process, ...).
template <class Record, class FieldT>
using FieldType =
    std::remove_cvref_t<decltype(std::declval<FieldT>().get(std::declval<Record&>()))>;

/// Names of the six cluster coordinates: cluster_x_1 ... cluster_z_2, as `index` = 3 * sensor +
/// coordinate runs over 0..5.
inline std::string clusterColumn(std::size_t index) {
  return std::string("cluster_") + "xyz"[index % 3] + "_" + std::to_string(index / 3 + 1);
}
inline constexpr std::size_t kClusterColumns = 6;
template <class Clusters>  // const or mutable std::array<std::array<float, 3>, 2>
auto& clusterCoordinate(Clusters& c, std::size_t index) {
  return c[index / 3][index % 3];
}

/// Whether an integer read from a file names a Process.
inline bool isProcess(Process p) {
  return p >= Process::Generator && p <= Process::HadronicInteraction;
}

/// Whether any hit of the event has cluster positions (then the cluster columns are written).
inline bool anyClusters(const std::vector<SpacePoint>& hits) {
  for (const auto& h : hits)
    if (h.clusters) return true;
  return false;
}

}  // namespace efgnn::io

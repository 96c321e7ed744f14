#pragma once
// The columns of hits, truth and particles, shared by the CSV and HDF5 formats so that both
// store exactly the same fields under the same names. Each field has an accessor returning a
// reference to the member (const or not, as the record), so one table serves reading and
// writing. Cluster positions are optional per hit and handled by each format separately.
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

template <class Access>
struct Field {
  std::string_view name;
  bool trackml;  // one of the original TrackML columns; the others are efgnn extensions
  Access get;
};
// Aggregate deduction without it needs clang 17 (the fuzz build uses clang 14).
template <class Access>
Field(std::string_view, bool, Access) -> Field<Access>;

// The lambdas take `auto&` so that one accessor works for const and mutable records.
// clang-format off
#define EFGNN_FIELD(name, trackml, member) \
  Field { name, trackml, [](auto& r) -> auto& { return r.member; } }
// clang-format on

inline constexpr auto kHitFields = std::tuple{
    EFGNN_FIELD("hit_id", true, hit_id),
    EFGNN_FIELD("x", true, x),
    EFGNN_FIELD("y", true, y),
    EFGNN_FIELD("z", true, z),
    EFGNN_FIELD("volume_id", true, volume_id),
    EFGNN_FIELD("layer_id", true, layer_id),
    EFGNN_FIELD("module_id", true, module_id),
};

/// Without hit_id: HitTruth is stored in hit order; CSV adds hit_id from the hits.
inline constexpr auto kTruthFields = std::tuple{
    EFGNN_FIELD("particle_id", true, particle_id),
    EFGNN_FIELD("tx", true, tx),
    EFGNN_FIELD("ty", true, ty),
    EFGNN_FIELD("tz", true, tz),
    EFGNN_FIELD("tpx", true, tpx),
    EFGNN_FIELD("tpy", true, tpy),
    EFGNN_FIELD("tpz", true, tpz),
    EFGNN_FIELD("weight", true, weight),
};

/// In the TrackML column order, then the efgnn extensions.
inline constexpr auto kParticleFields = std::tuple{
    EFGNN_FIELD("particle_id", true, particle_id),
    EFGNN_FIELD("vx", true, vertex.x),
    EFGNN_FIELD("vy", true, vertex.y),
    EFGNN_FIELD("vz", true, vertex.z),
    EFGNN_FIELD("px", true, momentum.x),
    EFGNN_FIELD("py", true, momentum.y),
    EFGNN_FIELD("pz", true, momentum.z),
    EFGNN_FIELD("q", true, charge),
    EFGNN_FIELD("nhits", true, nhits),
    EFGNN_FIELD("pdg_id", false, pdg),
    EFGNN_FIELD("primary", false, primary),
    EFGNN_FIELD("parent_id", false, parent_id),
    EFGNN_FIELD("process", false, process),
    EFGNN_FIELD("collision", false, collision),
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

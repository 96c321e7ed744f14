#include "geometry/TrackMLDetectorCsv.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>
#include <unordered_map>

#include "core/Error.hpp"
#include "io/CsvTable.hpp"

namespace efgnn {

PlacedModules parseTrackMLDetectorCsv(std::string text, const std::string& source,
                                      const std::map<std::int32_t, double>& material,
                                      const std::string& material_source) {
  // Copies that were saved through pandas carry an unnamed row index first.
  if (!text.empty() && text.front() == ',') text.insert(0, "row_index");
  const io::CsvTable table(std::move(text), source);
  const auto col = [&](const char* name) { return table.column(name); };
  const std::size_t c_volume = col("volume_id"), c_layer = col("layer_id"), c_module = col("module_id");
  const std::size_t c_centre[3] = {col("cx"), col("cy"), col("cz")};
  // rot_<global axis><local axis>: column j of the matrix is local axis j in global x, y, z.
  const char* rot_names[3][3] = {{"rot_xu", "rot_yu", "rot_zu"}, {"rot_xv", "rot_yv", "rot_zv"},
                                 {"rot_xw", "rot_yw", "rot_zw"}};
  std::size_t c_rot[3][3];
  for (int a = 0; a < 3; ++a)
    for (int g = 0; g < 3; ++g) c_rot[a][g] = col(rot_names[a][g]);
  const std::size_t c_t = col("module_t"), c_minhu = col("module_minhu"), c_maxhu = col("module_maxhu"),
                    c_hv = col("module_hv"), c_pitch_u = col("pitch_u"), c_pitch_v = col("pitch_v");
  if (table.rows() == 0) throw Error(source + ": no modules");

  PlacedModules out;
  // One module type per volume and cell size: the material is per volume, the resolution
  // follows from the pitch.
  std::map<std::tuple<std::int32_t, double, double, double>, std::uint32_t> type_of;
  // Packed (volume, layer, module) ids -> line, for the error when a module appears twice.
  std::unordered_map<std::uint64_t, std::size_t> line_of;
  out.modules.reserve(table.rows());
  for (std::size_t row = 0; row < table.rows(); ++row) {
    const auto id = [&](std::size_t c) {
      const auto v = table.get<std::int32_t>(row, c);
      if (v < 0 || v > Detector::kMaxId)
        throw table.error(row, c, "must be in [0, " + std::to_string(Detector::kMaxId) + "], got " + std::to_string(v));
      return v;
    };
    // Coordinates and sizes are bounded (Detector::kMaxPlacedCoordinate, kMaxPlacedHalfSize,
    // far beyond any tracker) so that the extents and lookup bins derived from them stay finite.
    const auto bounded = [&](std::size_t c, double v, double max, const char* what) {
      if (!(v <= max)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%g mm", max);
        throw table.error(row, c, std::string(what) + buf + ", got '" + std::string(table.field(row, c)) + "'");
      }
      return v;
    };
    const auto coordinate = [&](std::size_t c) {
      const double v = table.get<double>(row, c);
      bounded(c, std::abs(v), Detector::kMaxPlacedCoordinate, "must be within +-");
      return v;
    };
    const auto positive = [&](std::size_t c) {
      const double v = table.get<double>(row, c);
      if (!(v > 0)) throw table.error(row, c, "must be positive, got '" + std::string(table.field(row, c)) + "'");
      return bounded(c, v, Detector::kMaxPlacedHalfSize, "must be at most ");
    };
    Module m;
    m.volume_id = id(c_volume);
    m.layer_id = id(c_layer);
    m.module_id = id(c_module);
    const std::uint64_t ids = (std::uint64_t(m.volume_id) << 42) | (std::uint64_t(m.layer_id) << 21) |
                              std::uint64_t(m.module_id);
    if (const auto [it, added] = line_of.emplace(ids, table.line(row)); !added)
      throw table.error(row, c_module, "module (volume " + std::to_string(m.volume_id) + ", layer " +
                                           std::to_string(m.layer_id) + ", module " + std::to_string(m.module_id) +
                                           ") appears twice (also on line " + std::to_string(it->second) + ")");
    Placement p;
    p.centre = {coordinate(c_centre[0]), coordinate(c_centre[1]), coordinate(c_centre[2])};
    Vec3* axes[3] = {&p.axis_u, &p.axis_v, &p.normal};
    for (int a = 0; a < 3; ++a) {
      *axes[a] = {table.get<double>(row, c_rot[a][0]), table.get<double>(row, c_rot[a][1]),
                  table.get<double>(row, c_rot[a][2])};
      if (std::abs(axes[a]->norm() - 1) > 1e-3)
        throw table.error(row, c_rot[a][0], "the local axis is not a unit vector (length " +
                                                std::to_string(axes[a]->norm()) + ")");
    }
    if (std::abs(p.axis_u.dot(p.axis_v)) > 1e-3 || std::abs(p.axis_u.dot(p.normal)) > 1e-3 ||
        std::abs(p.axis_v.dot(p.normal)) > 1e-3)
      throw table.error(row, c_rot[0][0], "the rotation's columns are not orthogonal");
    // The file rounds the matrix to six digits; made exactly orthonormal (a change of ~1e-6
    // rad) so that local and global coordinates convert back and forth without loss.
    p.axis_u = p.axis_u * (1 / p.axis_u.norm());
    p.axis_v = p.axis_v - p.axis_u * p.axis_v.dot(p.axis_u);
    p.axis_v = p.axis_v * (1 / p.axis_v.norm());
    p.normal = p.axis_u.cross(p.axis_v) * (p.axis_u.cross(p.axis_v).dot(p.normal) < 0 ? -1.0 : 1.0);
    m.placement = p;
    m.half_u_min = positive(c_minhu);
    m.half_u_max = positive(c_maxhu);
    m.half_v = positive(c_hv);
    const double thickness = positive(c_t), pitch_u = positive(c_pitch_u), pitch_v = positive(c_pitch_v);
    const auto key = std::make_tuple(m.volume_id, pitch_u, pitch_v, thickness);
    auto it = type_of.find(key);
    if (it == type_of.end()) {
      const auto x0 = material.find(m.volume_id);
      if (x0 == material.end())
        throw table.error(row, c_volume, "volume " + std::to_string(m.volume_id) + " has no material in " +
                                             material_source);
      ModuleType t;
      t.name = "volume " + std::to_string(m.volume_id) + " (pitch " + std::to_string(pitch_u) + " x " +
               std::to_string(pitch_v) + " mm)";
      t.thickness_x0 = x0->second;
      t.pitch_u = pitch_u;
      t.pitch_v = pitch_v;
      t.sigma_u = pitch_u / std::sqrt(12.0);
      t.sigma_v = pitch_v / std::sqrt(12.0);
      it = type_of.emplace(key, static_cast<std::uint32_t>(out.types.size())).first;
      out.types.push_back(t);
    }
    m.type_index = it->second;
    ModuleType& t = out.types[m.type_index];
    t.width = std::max(t.width, 2 * std::max(m.half_u_min, m.half_u_max));
    t.length = std::max(t.length, 2 * m.half_v);
    out.modules.push_back(m);
  }
  return out;
}

}  // namespace efgnn

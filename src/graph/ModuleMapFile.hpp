#pragma once
// Module map files (HDF5, readable from h5py). Layout, format "efgnn-module-map", version 1:
//   /            attrs: format, version, detector, events (u64), min_pt (f64), min_hits (i32),
//                       no_electrons (u8)
//   /modules/    volume_id, layer_id, module_id   i32 [M]  (global module index = row)
//   /doublets/   module_1, module_2, count u32; z0_min, z0_max, dphi_min, dphi_max,
//                phi_slope_min, phi_slope_max, deta_min, deta_max f32        [D]
//   /triplets/   module_1, module_2, module_3, count u32; diff_dzdr_min, diff_dzdr_max,
//                diff_phi_slope_min, diff_phi_slope_max f32                  [T]
// Units: mm, rad; module_* are rows of /modules; doublets and triplets are sorted.
#include <filesystem>

#include "graph/ModuleMap.hpp"

namespace efgnn {

inline constexpr int kModuleMapVersion = 1;

/// Writes atomically.
void writeModuleMap(const ModuleMap& map, const std::filesystem::path& file);
/// Reads and checks a map (format, version, sizes, module indices, sorted order, ranges).
ModuleMap readModuleMap(const std::filesystem::path& file);

}  // namespace efgnn

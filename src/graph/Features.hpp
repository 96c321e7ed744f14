#pragma once
// Node and edge features with the reference conventions (REFERENCE.md section 2):
// node features r, phi, z, eta scaled by [1000 mm, pi, 1000 mm, 1] (and the same for each of
// a strip space point's two clusters); edge features computed from the scaled node features.
// Optionally (the TrackML practice) two features from the hit's cells after those: cell_count
// (number of cells / 10) and cell_charge (sum of the cells' values, unscaled). In the real
// TrackML event a hit has 1 to 28 cells (median 2, 99 % <= 20) and a charge of 0 to 24 (median
// 1, 99 % <= 7): both features are mostly within a few units, like the scaled positions.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/Event.hpp"
#include "core/Units.hpp"

namespace efgnn {

struct FeatureScales {
  double r = 1000.0, phi = units::pi, z = 1000.0, eta = 1.0;
  double cell_count = 10.0, cell_charge = 1.0;
};

/// Cylindrical coordinates of every hit of an event, in physical units (mm, rad).
struct HitCoordinates {
  std::vector<float> r, phi, z, eta;
  explicit HitCoordinates(const Event& event);
  /// r, phi, z, eta of one position, as for a hit (SpacePoint::r, phi; eta 0 at r = 0).
  static std::array<float, 4> of(float x, float y, float z);
};

/// "r, phi, z, eta", with clusters the same for cluster_1 and cluster_2, then with cells
/// "cell_count, cell_charge".
std::vector<std::string> nodeFeatureNames(bool with_clusters, bool with_cells = false);
/// Whether graphs with these node features (a model's, a data set's) carry the cell features.
bool hasCellFeatures(const std::vector<std::string>& node_feature_names);
std::vector<std::string> edgeFeatureNames();

/// Features of the hits `nodes` (indices into event.hits), row-major [nodes, F], in the order of
/// nodeFeatureNames; `coordinates`: those of the event's hits. Hits without clusters (pixels)
/// repeat their own position as both clusters, as the reference does. `with_cells` needs
/// event.cells (throws Error naming the event when it is empty and there are nodes); hits
/// without cells get 0, 0.
std::vector<float> computeNodeFeatures(const Event& event, const HitCoordinates& coordinates,
                                       const std::vector<std::uint32_t>& nodes, bool with_clusters,
                                       bool with_cells = false, const FeatureScales& scales = {});

/// Edge features [E, 6] from node features x [N, F] (first four columns r, phi, z, eta,
/// scaled): dr, dphi (wrapped, units of pi), dz, deta, phi-slope = dphi/dr (clamped to +-100,
/// 0 where undefined), rphi-slope = mean r * phi-slope.
std::vector<float> computeEdgeFeatures(const std::vector<float>& x, std::size_t num_features,
                                       const std::vector<std::int64_t>& edge_index);

}  // namespace efgnn

#include "graph/GeometricEdgeBuilder.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/Units.hpp"

namespace efgnn {

GeometricEdgeBuilder::GeometricEdgeBuilder(const Detector& detector,
                                           std::vector<std::pair<std::uint32_t, std::uint32_t>> layer_pairs,
                                           Config config)
    : detector_(detector), layer_pairs_(std::move(layer_pairs)), config_(config) {}

std::vector<HitPair> GeometricEdgeBuilder::build(const EdgeBuilderInput& in) const {
  const HitCoordinates& c = in.coordinates;
  const std::size_t n_layers = detector_.layers.size();
  std::vector<std::uint32_t> layer(in.module.size());
  for (std::size_t i = 0; i < layer.size(); ++i) layer[i] = detector_.modules[in.module[i]].layer_index;
  HitBuckets by_layer(layer, n_layers);
  // Within each layer, hits sorted by phi for a window search; radius range per layer.
  std::vector<float> r_min(n_layers, 1e30f), r_max(n_layers, 0.f);
  for (std::uint32_t l = 0; l < n_layers; ++l) {
    auto* first = by_layer.hits.data() + by_layer.offsets[l];
    auto* last = by_layer.hits.data() + by_layer.offsets[l + 1];
    std::sort(first, last, [&](auto a, auto b) { return std::tie(c.phi[a], a) < std::tie(c.phi[b], b); });
    for (auto* p = first; p != last; ++p) {
      r_min[l] = std::min(r_min[l], c.r[*p]);
      r_max[l] = std::max(r_max[l], c.r[*p]);
    }
  }
  const float two_pi = static_cast<float>(2 * units::pi);
  std::vector<HitPair> edges;
  for (const auto& [la, lb] : layer_pairs_) {
    const auto [a0, a1] = by_layer.of(la);
    const auto [b0, b1] = by_layer.of(lb);
    if (a0 == a1 || b0 == b1) continue;
    for (auto pa = a0; pa != a1; ++pa) {
      const auto i = *pa;
      const float max_dr = std::max(std::abs(r_max[lb] - c.r[i]), std::abs(r_min[lb] - c.r[i]));
      const float window = config_.max_phi_slope * max_dr + config_.phi_resolution;
      // Scan the phi window, wrapping around +-pi.
      for (const float shift : {-two_pi, 0.f, two_pi}) {
        const float lo = c.phi[i] - window + shift, hi = c.phi[i] + window + shift;
        auto it = std::lower_bound(b0, b1, lo, [&](auto h, float v) { return c.phi[h] < v; });
        for (; it != b1 && c.phi[*it] <= hi; ++it) {
          const auto j = *it;
          // Pairs within one layer (module overlaps) once, pointing outward.
          if (la == lb && std::tie(c.r[j], j) <= std::tie(c.r[i], i)) continue;
          const auto q = DoubletGeometry::of(c.r[i], c.phi[i], c.z[i], c.eta[i], c.r[j], c.phi[j],
                                             c.z[j], c.eta[j]);
          const float dr = std::abs(c.r[j] - c.r[i]);
          if (std::abs(q.dphi) <= config_.max_phi_slope * dr + config_.phi_resolution &&
              (dr < config_.min_dr_for_z0 || std::abs(q.z0) <= config_.max_z0))
            edges.emplace_back(i, j);
        }
      }
    }
  }
  return edges;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> layerPairsOf(const ModuleMap& map, const Detector& detector,
                                                                  double min_fraction) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, double> count;
  double total = 0;
  for (const auto& d : map.doublets) {
    count[{detector.modules[d.a].layer_index, detector.modules[d.b].layer_index}] += d.count;
    total += d.count;
  }
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  for (const auto& [pair, n] : count)
    if (n >= min_fraction * total) pairs.push_back(pair);
  return pairs;
}

}  // namespace efgnn

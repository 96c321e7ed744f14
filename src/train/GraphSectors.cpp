#include "train/GraphSectors.hpp"

#include <algorithm>
#include <cmath>

#include "core/Error.hpp"
#include "core/Units.hpp"
#include "graph/Features.hpp"

namespace efgnn {
namespace {

std::size_t columnOf(const Graph& graph, const std::string& name, const std::string& source) {
  const auto& names = graph.node_feature_names;
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end())
    throw Error(source + ": η-φ sectors need the node feature '" + name + "', which this graph does not have");
  return static_cast<std::size_t>(it - names.begin());
}

/// The rows `keep` of a row-major array of `width` columns.
template <class T>
std::vector<T> rowsOf(const std::vector<T>& values, std::size_t width, const std::vector<std::size_t>& keep) {
  std::vector<T> out;
  if (values.empty()) return out;  // an optional array the graph does not have
  out.reserve(keep.size() * width);
  for (const auto r : keep) out.insert(out.end(), values.begin() + r * width, values.begin() + (r + 1) * width);
  return out;
}

/// φ's distance above the range's lower edge, in [0, 2π).
double phiAbove(double phi, double lower) {
  double d = std::fmod(phi - lower, 2 * units::pi);
  return d < 0 ? d + 2 * units::pi : d;
}

}  // namespace

std::vector<GraphSector> graphSectors(const Graph& graph, const SectorConfig& config, const std::string& source) {
  if (config.eta_sectors < 1 || config.phi_sectors < 1 || config.halo < 0)
    throw Error(source + ": sectors: eta_sectors and phi_sectors must be >= 1 and sector_halo >= 0");
  const std::size_t n = graph.numNodes(), e = graph.numEdges(), f = graph.numNodeFeatures();
  const std::size_t eta_column = columnOf(graph, "eta", source), phi_column = columnOf(graph, "phi", source);
  const FeatureScales scales;
  std::vector<double> eta(n), phi(n);
  for (std::size_t i = 0; i < n; ++i) {
    eta[i] = graph.x[i * f + eta_column] * scales.eta;
    phi[i] = graph.x[i * f + phi_column] * scales.phi;
  }
  const auto [lo, hi] = n ? std::minmax_element(eta.begin(), eta.end()) : std::pair{eta.end(), eta.end()};
  const double eta_min = n ? *lo : 0, eta_width = n ? (*hi - *lo) / config.eta_sectors : 0;
  const double phi_width = 2 * units::pi / config.phi_sectors;
  std::vector<GraphSector> out;
  for (int a = 0; a < config.eta_sectors; ++a)
    for (int b = 0; b < config.phi_sectors; ++b) {
      const double eta_lo = eta_min + a * eta_width, eta_hi = eta_lo + eta_width;
      const double phi_lo = -units::pi + b * phi_width;
      // In the sector itself, or within the halo; the first and last η ranges are open towards
      // the ends, so that rounding of their edges loses no node.
      const auto inside = [&](std::size_t i, double halo) {
        const bool in_eta = (a == 0 || eta[i] >= eta_lo - halo) && (a + 1 == config.eta_sectors || eta[i] < eta_hi + halo);
        const bool in_phi = config.phi_sectors == 1 || phiAbove(phi[i], phi_lo - halo) < phi_width + 2 * halo;
        return in_eta && in_phi;
      };
      std::vector<std::int64_t> index(n, -1);
      std::vector<std::size_t> nodes;
      for (std::size_t i = 0; i < n; ++i)
        if (inside(i, config.halo)) {
          index[i] = static_cast<std::int64_t>(nodes.size());
          nodes.push_back(i);
        }
      std::vector<std::size_t> edges;
      for (std::size_t k = 0; k < e; ++k)
        if (index[static_cast<std::size_t>(graph.src(k))] >= 0 && index[static_cast<std::size_t>(graph.dst(k))] >= 0)
          edges.push_back(k);
      if (edges.empty()) continue;
      GraphSector s;
      Graph& g = s.graph;
      g.event_id = graph.event_id;
      g.node_feature_names = graph.node_feature_names;
      g.edge_feature_names = graph.edge_feature_names;
      g.x = rowsOf(graph.x, f, nodes);
      g.hit_id = rowsOf(graph.hit_id, 1, nodes);
      g.node_particle = rowsOf(graph.node_particle, 1, nodes);
      std::vector<std::int64_t> src, dst;
      for (const auto k : edges) {
        src.push_back(index[static_cast<std::size_t>(graph.src(k))]);
        dst.push_back(index[static_cast<std::size_t>(graph.dst(k))]);
        s.core.push_back(inside(static_cast<std::size_t>(graph.src(k)), 0) ? 1 : 0);
      }
      g.edge_index = src;
      g.edge_index.insert(g.edge_index.end(), dst.begin(), dst.end());
      g.edge_attr = rowsOf(graph.edge_attr, graph.numEdgeFeatures(), edges);
      g.y = rowsOf(graph.y, 1, edges);
      g.y_target = rowsOf(graph.y_target, 1, edges);
      g.edge_particle = rowsOf(graph.edge_particle, 1, edges);
      g.edge_pt = rowsOf(graph.edge_pt, 1, edges);
      g.edge_eta = rowsOf(graph.edge_eta, 1, edges);
      std::vector<std::int64_t> truth_src, truth_dst;
      for (std::size_t t = 0; t < graph.numTruthEdges(); ++t) {
        const auto u = index[static_cast<std::size_t>(graph.truth_edge_index[t])];
        const auto v = index[static_cast<std::size_t>(graph.truth_edge_index[graph.numTruthEdges() + t])];
        if (u < 0 || v < 0) continue;
        truth_src.push_back(u);
        truth_dst.push_back(v);
        g.truth_target.push_back(graph.truth_target[t]);
        g.truth_particle.push_back(graph.truth_particle[t]);
      }
      g.truth_edge_index = truth_src;
      g.truth_edge_index.insert(g.truth_edge_index.end(), truth_dst.begin(), truth_dst.end());
      g.particles = graph.particles;
      g.validate(source + " (sector " + std::to_string(a) + "," + std::to_string(b) + ")");
      out.push_back(std::move(s));
    }
  return out;
}

}  // namespace efgnn

#include "graph/GraphStatistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace efgnn {
namespace {

struct UnionFind {
  std::vector<std::int64_t> parent;
  explicit UnionFind(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  std::int64_t find(std::int64_t v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  }
  void unite(std::int64_t a, std::int64_t b) { parent[find(a)] = find(b); }
};

}  // namespace

BinnedEfficiency::BinnedEfficiency(std::vector<double> bin_edges)
    : edges(std::move(bin_edges)), total(edges.size() - 1, 0), passed(edges.size() - 1, 0) {}

std::optional<std::size_t> BinnedEfficiency::binOf(double value) const {
  const auto it = std::upper_bound(edges.begin(), edges.end(), value);
  if (it == edges.begin() || it == edges.end()) return std::nullopt;
  return static_cast<std::size_t>(it - edges.begin()) - 1;
}

void BinnedEfficiency::add(double value, bool pass) {
  const auto bin = binOf(value);
  if (!bin) return;
  total[*bin] += 1;
  passed[*bin] += pass;
}

void BinnedEfficiency::merge(const BinnedEfficiency& o) {
  for (std::size_t b = 0; b < total.size(); ++b) {
    total[b] += o.total[b];
    passed[b] += o.passed[b];
  }
}

Json BinnedEfficiency::json() const {
  Json bins = Json::array();
  for (std::size_t b = 0; b < total.size(); ++b) {
    Json o = Json::object();
    o["lo"] = edges[b];
    o["hi"] = edges[b + 1];
    o["total"] = total[b];
    o["passed"] = passed[b];
    const double eff = total[b] > 0 ? passed[b] / total[b] : 0;
    o["efficiency"] = eff;
    o["error"] = total[b] > 0 ? std::sqrt(eff * (1 - eff) / total[b]) : 0.0;  // binomial
    bins.push_back(o);
  }
  return bins;
}

GraphStatistics::GraphStatistics()
    : efficiency_vs_pt({1, 1.5, 2, 3, 5, 10, 20, 50, 100}),
      efficiency_vs_eta({-4, -3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 4}) {}

void GraphStatistics::add(const Graph& g) {
  events += 1;
  nodes += static_cast<double>(g.numNodes());
  edges += static_cast<double>(g.numEdges());
  for (std::size_t e = 0; e < g.numEdges(); ++e) {
    true_edges += g.y[e];
    target_edges += g.y_target[e];
  }
  std::unordered_set<std::uint64_t> found;
  found.reserve(g.numEdges());
  for (std::size_t e = 0; e < g.numEdges(); ++e) found.insert(undirectedPairKey(g.src(e), g.dst(e)));
  std::unordered_map<std::uint64_t, const GraphParticle*> particles;
  for (const auto& p : g.particles) particles[p.particle_id] = &p;

  // Target particles are connected when their found true edges join all their nodes.
  UnionFind components(g.numNodes());
  const std::size_t t = g.numTruthEdges();
  for (std::size_t k = 0; k < t; ++k) {
    if (!g.truth_target[k]) continue;
    const auto a = g.truth_edge_index[k], b = g.truth_edge_index[t + k];
    const bool hit = found.count(undirectedPairKey(a, b)) > 0;
    truth_target_edges += 1;
    truth_target_found += hit;
    if (hit) components.unite(a, b);
    if (const auto it = particles.find(g.truth_particle[k]); it != particles.end()) {
      efficiency_vs_pt.add(it->second->pt, hit);
      efficiency_vs_eta.add(it->second->eta, hit);
    }
  }
  std::unordered_map<std::uint64_t, std::int64_t> root;  // particle -> first component seen
  std::unordered_set<std::uint64_t> broken;
  for (std::size_t i = 0; i < g.numNodes(); ++i) {
    const auto it = particles.find(g.node_particle[i]);
    if (it == particles.end() || !it->second->target) continue;
    const auto r = components.find(static_cast<std::int64_t>(i));
    const auto [pos, fresh] = root.emplace(g.node_particle[i], r);
    if (!fresh && pos->second != r) broken.insert(g.node_particle[i]);
  }
  target_particles += static_cast<double>(root.size());
  target_particles_connected += static_cast<double>(root.size() - broken.size());
}

void GraphStatistics::merge(const GraphStatistics& o) {
  events += o.events;
  nodes += o.nodes;
  edges += o.edges;
  true_edges += o.true_edges;
  target_edges += o.target_edges;
  truth_target_edges += o.truth_target_edges;
  truth_target_found += o.truth_target_found;
  target_particles += o.target_particles;
  target_particles_connected += o.target_particles_connected;
  efficiency_vs_pt.merge(o.efficiency_vs_pt);
  efficiency_vs_eta.merge(o.efficiency_vs_eta);
}

Json GraphStatistics::json() const {
  Json j = Json::object();
  const double n = events > 0 ? events : 1;
  j["events"] = events;
  j["nodes_per_event"] = nodes / n;
  j["edges_per_event"] = edges / n;
  j["edges_per_node"] = edgesPerNode();
  j["graph_efficiency"] = efficiency();
  j["purity"] = purity();
  j["target_purity"] = targetPurity();
  j["target_edges_in_truth_per_event"] = truth_target_edges / n;
  j["target_particles_per_event"] = target_particles / n;
  j["target_particles_fully_connected"] = connectedFraction();
  j["efficiency_vs_pt"] = efficiency_vs_pt.json();
  j["efficiency_vs_eta"] = efficiency_vs_eta.json();
  return j;
}

}  // namespace efgnn

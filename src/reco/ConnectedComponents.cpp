#include "reco/ConnectedComponents.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/Error.hpp"

namespace efgnn {

void ScoredGraph::validate() const {
  if (src.size() != dst.size() || src.size() != scores.size())
    throw Error("scored graph: " + std::to_string(src.size()) + " sources, " + std::to_string(dst.size()) +
                " targets and " + std::to_string(scores.size()) + " scores (one score per edge)");
  if ((!r.empty() || !z.empty()) && (r.size() != num_nodes || z.size() != num_nodes))
    throw Error("scored graph: node coordinates for " + std::to_string(r.size()) + " nodes, the graph has " +
                std::to_string(num_nodes));
  if (!positions.empty() && positions.size() != 3 * num_nodes)
    throw Error("scored graph: " + std::to_string(positions.size()) + " position values, expected 3 per node for " +
                std::to_string(num_nodes) + " nodes");
  // The walk and the hit exchange bin and fit positions: a NaN or infinity would place a hit
  // nowhere.
  for (std::size_t i = 0; i < positions.size(); ++i)
    if (!std::isfinite(positions[i]))
      throw Error("scored graph: node " + std::to_string(i / 3) + " has a non-finite position");
  for (std::size_t k = 0; k < src.size(); ++k)
    if (src[k] >= num_nodes || dst[k] >= num_nodes)
      throw Error("scored graph: edge " + std::to_string(k) + " joins nodes " + std::to_string(src[k]) + " and " +
                  std::to_string(dst[k]) + ", the graph has " + std::to_string(num_nodes));
}

DisjointSets::DisjointSets(std::size_t n) : parent_(n), size_(n, 1) {
  std::iota(parent_.begin(), parent_.end(), 0u);
}

std::uint32_t DisjointSets::find(std::uint32_t a) {
  while (parent_[a] != a) {
    parent_[a] = parent_[parent_[a]];
    a = parent_[a];
  }
  return a;
}

void DisjointSets::unite(std::uint32_t a, std::uint32_t b) {
  a = find(a);
  b = find(b);
  if (a == b) return;
  if (size_[a] < size_[b]) std::swap(a, b);
  parent_[b] = a;
  size_[a] += size_[b];
}

std::vector<Track> componentsOf(DisjointSets& sets, std::size_t num_nodes, std::size_t min_size) {
  // Nodes by root in one pass, then groups in order of their first (smallest) node.
  std::vector<std::uint32_t> group_of_root(num_nodes, UINT32_MAX);
  std::vector<Track> groups;
  for (std::uint32_t n = 0; n < num_nodes; ++n) {
    const auto root = sets.find(n);
    if (group_of_root[root] == UINT32_MAX) {
      group_of_root[root] = static_cast<std::uint32_t>(groups.size());
      groups.emplace_back();
    }
    groups[group_of_root[root]].push_back(n);
  }
  std::erase_if(groups, [&](const Track& g) { return g.size() < min_size; });
  return groups;
}

bool pointsOutward(const ScoredGraph& g, std::size_t k) {
  if (g.positions.empty() && g.r.empty()) return true;
  const auto reach = [&](std::uint32_t n) {
    return g.positions.empty() ? double{g.r[n]} * g.r[n] + double{g.z[n]} * g.z[n] : outwardReach(g.positions, n);
  };
  const auto a = g.src[k], b = g.dst[k];
  const double ra = reach(a), rb = reach(b);
  return ra != rb ? ra < rb : a < b;
}

OutwardEdges outwardEdges(const ScoredGraph& g, float cut) {
  OutwardEdges out(g.num_nodes);
  for (std::size_t k = 0; k < g.scores.size(); ++k) {
    if (!(g.scores[k] > cut) || g.src[k] == g.dst[k]) continue;
    const bool outward = pointsOutward(g, k);
    out[outward ? g.src[k] : g.dst[k]].push_back({outward ? g.dst[k] : g.src[k], g.scores[k]});
  }
  for (auto& edges : out)
    std::sort(edges.begin(), edges.end(),
              [](const OutEdge& a, const OutEdge& b) { return a.score != b.score ? a.score > b.score : a.to < b.to; });
  return out;
}

std::vector<Track> ConnectedComponentsBuilder::build(const ScoredGraph& g) const {
  g.validate();
  std::vector<std::size_t> kept;
  for (std::size_t k = 0; k < g.scores.size(); ++k)
    if (g.scores[k] > config_.score_cut && g.src[k] != g.dst[k]) kept.push_back(k);
  if (config_.remove_junctions) {
    // Per node, the best edge leaving it outward and the best arriving; an edge survives if it
    // is both its inner node's best outgoing and its outer node's best incoming edge.
    constexpr std::size_t none = SIZE_MAX;
    std::vector<std::size_t> best_out(g.num_nodes, none), best_in(g.num_nodes, none);
    const auto better = [&](std::size_t a, std::size_t b) {
      return b == none || g.scores[a] > g.scores[b] || (g.scores[a] == g.scores[b] && a < b);
    };
    for (const auto k : kept) {
      const bool out = pointsOutward(g, k);
      const auto inner = out ? g.src[k] : g.dst[k], outer = out ? g.dst[k] : g.src[k];
      if (better(k, best_out[inner])) best_out[inner] = k;
      if (better(k, best_in[outer])) best_in[outer] = k;
    }
    std::erase_if(kept, [&](std::size_t k) {
      const bool out = pointsOutward(g, k);
      const auto inner = out ? g.src[k] : g.dst[k], outer = out ? g.dst[k] : g.src[k];
      return best_out[inner] != k || best_in[outer] != k;
    });
  }
  DisjointSets sets(g.num_nodes);
  for (const auto k : kept) sets.unite(g.src[k], g.dst[k]);
  return componentsOf(sets, g.num_nodes, std::max<std::size_t>(config_.min_hits, 2));
}

}  // namespace efgnn

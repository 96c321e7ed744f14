#include "reco/Walkthrough.hpp"

#include <algorithm>
#include <cmath>

#include "reco/ConnectedComponents.hpp"

namespace efgnn {
namespace {

struct OutEdge {
  std::uint32_t to;
  float score;
};

/// Kahn's order of a component's nodes along the outward edges. Edges given in their own
/// direction can close a cycle (a graph holding both a->b and b->a): when no node is ready, the
/// smallest unordered node goes next, and edges pointing back in the order are not walked.
std::vector<std::uint32_t> topologicalOrder(const Track& nodes, const std::vector<std::vector<OutEdge>>& out,
                                            std::vector<std::uint32_t>& in_degree, std::vector<char>& ordered) {
  std::vector<std::uint32_t> order, ready;
  for (const auto n : nodes)
    if (in_degree[n] == 0) ready.push_back(n);
  auto unordered = nodes.begin();  // nodes are sorted by index
  while (order.size() < nodes.size()) {
    if (ready.empty()) {
      while (ordered[*unordered]) ++unordered;
      ready.push_back(*unordered);
      in_degree[*unordered] = 0;
    }
    // Smallest index first, so that the order does not depend on the edge order.
    std::pop_heap(ready.begin(), ready.end(), std::greater<>());
    const auto n = ready.back();
    ready.pop_back();
    order.push_back(n);
    ordered[n] = 1;
    for (const auto& e : out[n])
      if (!ordered[e.to] && in_degree[e.to] > 0 && --in_degree[e.to] == 0) {
        ready.push_back(e.to);
        std::push_heap(ready.begin(), ready.end(), std::greater<>());
      }
  }
  return order;
}

/// 1 - cos of the angle between the steps a -> b and b -> c (0: straight on), positions [N, 3].
float bend(const std::vector<float>& positions, std::uint32_t a, std::uint32_t b, std::uint32_t c) {
  const float* pa = &positions[3 * std::size_t{a}];
  const float* pb = &positions[3 * std::size_t{b}];
  const float* pc = &positions[3 * std::size_t{c}];
  double uu = 0, vv = 0, uv = 0;
  for (int i = 0; i < 3; ++i) {
    const double u = pb[i] - pa[i], v = pc[i] - pb[i];
    uu += u * u;
    vv += v * v;
    uv += u * v;
  }
  return uu > 0 && vv > 0 ? static_cast<float>(1 - uv / std::sqrt(uu * vv)) : 0.f;
}

/// 1 - cos of the angle between the step b -> c and the direction a helix through p, a, b
/// predicts at b: the transverse direction of a -> b turned as much per unit of transverse length
/// as p -> a -> b turned, and the polar angle of a -> b. The bend from a -> b where the steps
/// have no transverse length.
float helixBend(const std::vector<float>& positions, std::uint32_t p, std::uint32_t a, std::uint32_t b,
                std::uint32_t c) {
  const auto at = [&](std::uint32_t n) { return &positions[3 * std::size_t{n}]; };
  const float *xp = at(p), *xa = at(a), *xb = at(b), *xc = at(c);
  const double ux = xa[0] - xp[0], uy = xa[1] - xp[1];                     // p -> a
  const double vx = xb[0] - xa[0], vy = xb[1] - xa[1], vz = xb[2] - xa[2];  // a -> b
  const double wx = xc[0] - xb[0], wy = xc[1] - xb[1], wz = xc[2] - xb[2];  // b -> c
  const double lu = std::hypot(ux, uy), lv = std::hypot(vx, vy), lw = std::hypot(wx, wy);
  if (!(lu > 0 && lv > 0 && lw > 0)) return bend(positions, a, b, c);
  const double turn = std::atan2(ux * vy - uy * vx, ux * vx + uy * vy) * (lv + lw) / (lu + lv);
  // The predicted direction per unit of transverse length.
  const double dx = (vx * std::cos(turn) - vy * std::sin(turn)) / lv;
  const double dy = (vx * std::sin(turn) + vy * std::cos(turn)) / lv;
  const double dz = vz / lv;
  const double dw = dx * wx + dy * wy + dz * wz;
  return static_cast<float>(1 - dw / std::sqrt((dx * dx + dy * dy + dz * dz) * (wx * wx + wy * wy + wz * wz)));
}

}  // namespace

std::vector<Track> WalkthroughBuilder::build(const ScoredGraph& g) const {
  g.validate();
  std::vector<std::vector<OutEdge>> out(g.num_nodes);
  std::vector<std::uint32_t> in_degree(g.num_nodes, 0);
  DisjointSets sets(g.num_nodes);
  for (std::size_t k = 0; k < g.scores.size(); ++k) {
    if (!(g.scores[k] > config_.drop_cut) || g.src[k] == g.dst[k]) continue;
    const bool outward = pointsOutward(g, k);
    const auto from = outward ? g.src[k] : g.dst[k], to = outward ? g.dst[k] : g.src[k];
    out[from].push_back({to, g.scores[k]});
    ++in_degree[to];
    sets.unite(from, to);
  }
  // Best neighbour first (ties by node index), so the walk's choices are deterministic.
  for (auto& edges : out)
    std::sort(edges.begin(), edges.end(),
              [](const OutEdge& a, const OutEdge& b) { return a.score != b.score ? a.score > b.score : a.to < b.to; });

  const std::size_t min_hits = std::max<std::size_t>(config_.min_hits, 2);
  std::vector<Track> tracks;
  std::vector<char> used(g.num_nodes, 0);
  std::vector<std::uint32_t> length(g.num_nodes), next(g.num_nodes), rank(g.num_nodes);
  std::vector<char> ordered(g.num_nodes, 0);
  const std::vector<std::uint32_t> degree_in = in_degree;
  const bool straightest = config_.continuation != Continuation::longest && !g.positions.empty();
  const bool helix = config_.continuation == Continuation::helix;
  for (const Track& nodes : componentsOf(sets, g.num_nodes, min_hits)) {
    const bool simple = std::all_of(nodes.begin(), nodes.end(),
                                    [&](std::uint32_t n) { return degree_in[n] <= 1 && out[n].size() <= 1; });
    const auto order = topologicalOrder(nodes, out, in_degree, ordered);
    for (std::uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
    if (simple) {  // a path (or a loop): its nodes in topological order
      tracks.emplace_back(order.begin(), order.end());
      continue;
    }
    if (straightest) {
      for (const auto start : order) {
        if (used[start]) continue;
        Track path{start};
        used[start] = 1;
        for (std::uint32_t n = start, previous = UINT32_MAX, before = UINT32_MAX;;) {
          std::uint32_t choice = UINT32_MAX;
          float least = 0;
          for (const auto& e : out[n]) {  // best-scored first
            if (used[e.to] || rank[e.to] <= rank[n]) continue;
            if (!(e.score > config_.follow_cut)) break;
            const float b = previous == UINT32_MAX ? 0.f
                            : helix && before != UINT32_MAX ? helixBend(g.positions, before, previous, n, e.to)
                                                            : bend(g.positions, previous, n, e.to);
            if (choice == UINT32_MAX || b < least) {
              choice = e.to;
              least = b;
            }
          }
          if (choice == UINT32_MAX) break;
          path.push_back(choice);
          used[choice] = 1;
          before = previous;
          previous = n;
          n = choice;
        }
        if (path.size() >= min_hits) tracks.push_back(std::move(path));
      }
      continue;
    }
    for (const auto start : order) {
      if (used[start]) continue;
      // Longest allowed path from every unused node, innermost last (reverse topological order).
      for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const auto n = *it;
        if (used[n]) continue;
        length[n] = 1;
        next[n] = UINT32_MAX;
        bool best_unused = true;  // the first unused neighbour is the best one
        for (const auto& e : out[n]) {
          if (used[e.to] || rank[e.to] <= rank[n]) continue;
          const bool allowed = (best_unused && e.score > config_.follow_cut) || e.score > config_.branch_cut;
          best_unused = false;
          if (allowed && 1 + length[e.to] > length[n]) {
            length[n] = 1 + length[e.to];
            next[n] = e.to;
          }
        }
      }
      Track path;
      for (auto n = start; n != UINT32_MAX; n = next[n]) {
        path.push_back(n);
        used[n] = 1;
      }
      if (path.size() >= min_hits) tracks.push_back(std::move(path));
    }
  }
  return tracks;
}

}  // namespace efgnn

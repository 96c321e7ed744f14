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

constexpr std::uint32_t kNone = UINT32_MAX;

/// How much each candidate next hit c bends a track whose last hit is b: 0 on the first step (no
/// a), else 1 - cos of the angle between b -> c and the expected direction. That is the direction
/// of a -> b, or with `helix` and a hit p before a, the direction a helix through p, a, b (earlier
/// hits of the track, not necessarily the ones just before b) predicts at b. It keeps the polar
/// angle of a -> b and turns the transverse direction as much per unit of transverse length as
/// p -> a -> b turned. Where a step has no transverse length the direction of a -> b is used.
/// What depends only on p, a, b is computed once per step.
class StepBend {
 public:
  StepBend(const std::vector<float>& positions, bool helix, std::uint32_t p, std::uint32_t a, std::uint32_t b)
      : positions_(positions), a_(a), b_(b) {
    if (a == kNone || !helix || p == kNone) return;
    const float *xp = at(p), *xa = at(a), *xb = at(b);
    const double ux = xa[0] - xp[0], uy = xa[1] - xp[1];  // p -> a
    vx_ = xb[0] - xa[0];                                   // a -> b
    vy_ = xb[1] - xa[1];
    vz_ = xb[2] - xa[2];
    const double lu = std::hypot(ux, uy);
    lv_ = std::hypot(vx_, vy_);
    if (!(lu > 0 && lv_ > 0)) return;
    turn_ = std::atan2(ux * vy_ - uy * vx_, ux * vx_ + uy * vy_);
    arc_ = lu + lv_;
    helix_ = true;
  }

  float operator()(std::uint32_t c) const {
    if (a_ == kNone) return 0.f;
    if (helix_) {
      const float *xb = at(b_), *xc = at(c);
      const double wx = xc[0] - xb[0], wy = xc[1] - xb[1], wz = xc[2] - xb[2];  // b -> c
      const double lw = std::hypot(wx, wy);
      if (lw > 0) {
        const double turn = turn_ * (lv_ + lw) / arc_;
        // The predicted direction per unit of transverse length.
        const double dx = (vx_ * std::cos(turn) - vy_ * std::sin(turn)) / lv_;
        const double dy = (vx_ * std::sin(turn) + vy_ * std::cos(turn)) / lv_;
        const double dz = vz_ / lv_;
        const double dw = dx * wx + dy * wy + dz * wz;
        return static_cast<float>(1 - dw / std::sqrt((dx * dx + dy * dy + dz * dz) * (wx * wx + wy * wy + wz * wz)));
      }
    }
    return bend(positions_, a_, b_, c);
  }

 private:
  const float* at(std::uint32_t n) const { return &positions_[3 * std::size_t{n}]; }
  const std::vector<float>& positions_;
  std::uint32_t a_, b_;
  bool helix_ = false;
  double vx_ = 0, vy_ = 0, vz_ = 0, lv_ = 0, turn_ = 0, arc_ = 0;
};

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
  // straightest and helix walk by the bend of each step; without positions, the longest path.
  const bool by_bend = config_.continuation != Continuation::longest && !g.positions.empty();
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
    if (by_bend) {
      for (const auto start : order) {
        if (used[start]) continue;
        Track path{start};
        used[start] = 1;
        for (std::uint32_t n = start;;) {
          // The expected direction at n, the path's last hit: from the step before it, or with
          // `helix` from the circle through the path's first, middle and last hits. Over a long
          // lever arm one hit's measurement error tilts that circle much less than it tilts the
          // circle through the last three hits, which matters where a jet's particles run a
          // fraction of a millimetre apart.
          const std::size_t m = path.size();
          const bool circle = helix && m >= 3;
          const auto from = circle ? path[(m - 1) / 2] : m >= 2 ? path[m - 2] : kNone;
          const StepBend bendTo(g.positions, helix, circle ? path[0] : kNone, from, n);
          std::uint32_t choice = kNone;
          float least = 0;
          for (const auto& e : out[n]) {  // best-scored first
            if (used[e.to] || rank[e.to] <= rank[n]) continue;
            if (!(e.score > config_.follow_cut)) break;
            const float b = bendTo(e.to);
            if (choice == kNone || b < least) {
              choice = e.to;
              least = b;
            }
          }
          if (choice == kNone) break;
          path.push_back(choice);
          used[choice] = 1;
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

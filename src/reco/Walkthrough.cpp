#include "reco/Walkthrough.hpp"

#include <algorithm>
#include <cmath>
#include <queue>

#include "reco/ConnectedComponents.hpp"

namespace efgnn {
namespace {

/// Kahn's order of a component's nodes along the outward edges. Edges given in their own
/// direction can close a cycle (a graph holding both a->b and b->a): when no node is ready, the
/// smallest unordered node goes next, and edges pointing back in the order are not walked.
std::vector<std::uint32_t> topologicalOrder(const Track& nodes, const OutwardEdges& out,
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

/// How much each candidate next hit c bends a track whose last hit is b: 1 - cos of the angle
/// between b -> c and the direction the track so far predicts at b.
///
/// Without `helix` that is the direction of the track's last step (0 on its first step). With
/// `helix` it is the tangent at b of the circle, in the transverse plane, through the track's
/// first hit, the hit that halves its transverse length, and b; the polar angle is that of the
/// second half (multiple scattering makes an older one a worse guess for a low-pT particle). The
/// circle turns each step as much per unit of transverse length as the track turned so far. Over
/// a long lever arm one hit's measurement error tilts the prediction much less than the last few
/// hits would, which matters where a jet's particles run a fraction of a millimetre apart.
///
/// Two hits closer than `shortest_arm` (the module overlaps of one layer) do not fix a direction.
/// A track without two such arms takes the beam line, the transverse origin, as the circle's
/// first point; one whose hits all lie on one layer predicts the radial direction and is compared
/// in the transverse plane only. Target particles come from the beam line, and without it the
/// first steps of a track in a jet core would go to the best-scored neighbour, often another
/// particle's.
class StepBend {
 public:
  StepBend(const std::vector<float>& positions, bool helix, double shortest_arm, const Track& path)
      : positions_(positions), b_(path.back()) {
    const std::size_t m = path.size();
    if (!helix) {
      if (m >= 2) a_ = path[m - 2];
      return;
    }
    helix_ = true;
    const float* xb = at(b_);
    const float* first = at(path.front());
    const double reach = std::hypot(xb[0] - first[0], xb[1] - first[1]);
    // The circle's first two points: the first and middle hits, or the origin and the first
    // hit, or (no arm yet) the origin alone.
    double p[2] = {0, 0}, a[2] = {0, 0};
    if (reach >= shortest_arm) {
      const auto middle = m >= 3 ? middleHit(path) : path.front();
      const float* xm = at(middle);
      const double arm1 = std::hypot(xm[0] - first[0], xm[1] - first[1]);
      const double arm2 = std::hypot(xb[0] - xm[0], xb[1] - xm[1]);
      if (std::min(arm1, arm2) >= shortest_arm) {
        p[0] = first[0], p[1] = first[1], a[0] = xm[0], a[1] = xm[1];
        slope_ = (xb[2] - xm[2]) / arm2;
      } else {  // the origin, then the first hit
        a[0] = first[0], a[1] = first[1];
        slope_ = (xb[2] - first[2]) / reach;
      }
      has_slope_ = true;
    }
    const double ux = a[0] - p[0], uy = a[1] - p[1];  // p -> a
    vx_ = xb[0] - a[0];                               // a -> b
    vy_ = xb[1] - a[1];
    lv_ = std::hypot(vx_, vy_);
    const double lu = std::hypot(ux, uy);
    if (has_slope_ && lu > 0 && lv_ > 0) rate_ = std::atan2(ux * vy_ - uy * vx_, ux * vx_ + uy * vy_) / (lu + lv_);
    if (!(lv_ > 0)) helix_ = false;  // a hit on the beam line: no direction
  }

  float operator()(std::uint32_t c) const {
    if (!helix_) return a_ == kNone ? 0.f : bend(positions_, a_, b_, c);
    const float *xb = at(b_), *xc = at(c);
    const double wx = xc[0] - xb[0], wy = xc[1] - xb[1], wz = xc[2] - xb[2];  // b -> c
    const double lw = std::hypot(wx, wy);
    if (!(lw > 0)) return 0.f;
    const double turn = rate_ * (lv_ + lw);
    // The predicted direction per unit of transverse length.
    const double dx = (vx_ * std::cos(turn) - vy_ * std::sin(turn)) / lv_;
    const double dy = (vx_ * std::sin(turn) + vy_ * std::cos(turn)) / lv_;
    if (!has_slope_) return static_cast<float>(1 - (dx * wx + dy * wy) / lw);
    const double dw = dx * wx + dy * wy + slope_ * wz;
    return static_cast<float>(1 - dw / std::sqrt((1 + slope_ * slope_) * (lw * lw + wz * wz)));
  }

 private:
  const float* at(std::uint32_t n) const { return &positions_[3 * std::size_t{n}]; }
  /// The hit of the path (not its first or last) that splits the transverse distance from the
  /// first hit to the last most evenly.
  std::uint32_t middleHit(const Track& path) const {
    const float *first = at(path.front()), *last = at(path.back());
    const double half = std::hypot(last[0] - first[0], last[1] - first[1]) / 2;
    std::uint32_t best = path[1];
    double gap = -1;
    for (std::size_t i = 1; i + 1 < path.size(); ++i) {
      const float* x = at(path[i]);
      const double d = std::abs(std::hypot(x[0] - first[0], x[1] - first[1]) - half);
      if (gap < 0 || d < gap) {
        gap = d;
        best = path[i];
      }
    }
    return best;
  }
  const std::vector<float>& positions_;
  std::uint32_t a_ = kNone, b_;
  bool helix_ = false, has_slope_ = false;
  double vx_ = 0, vy_ = 0, lv_ = 0, rate_ = 0, slope_ = 0;
};

/// The walks of `straightest` and `helix` in one component: from a start hit, over unused hits,
/// each step to the outward neighbour scored above follow_cut that bends the track least.
class BendWalk {
 public:
  BendWalk(const ScoredGraph& g, const OutwardEdges& out, const std::vector<std::uint32_t>& rank,
           std::vector<char>& used, const WalkthroughBuilder::Config& config, std::size_t min_hits,
           std::vector<Track>& tracks)
      : g_(g), out_(out), rank_(rank), used_(used), config_(config), min_hits_(min_hits), tracks_(tracks) {}

  /// From each unused hit in turn, innermost first.
  void innerFirst(const std::vector<std::uint32_t>& order) {
    Track path;
    for (const auto start : order)
      if (!used_[start]) {
        walk(start, path);
        keep(path);
      }
  }

  /// The longest walk first (ties: the straighter, then the inner start). A walk popped from the
  /// queue is walked again over the hits still unused and kept if it still ranks first, else
  /// queued again as it is now.
  void longestFirst(const std::vector<std::uint32_t>& order) {
    struct Candidate {
      std::size_t hits;
      double bends;
      std::uint32_t start_rank;                   // the start's place in the topological order
      bool operator<(const Candidate& o) const {  // priority_queue: top is the largest
        if (hits != o.hits) return hits < o.hits;
        if (bends != o.bends) return bends > o.bends;
        return o.start_rank < start_rank;
      }
    };
    std::priority_queue<Candidate> queue;
    Track path;
    for (const auto start : order) {
      const double bends = walk(start, path);
      queue.push({path.size(), bends, rank_[start]});
    }
    while (!queue.empty()) {
      const auto top = queue.top();
      queue.pop();
      const auto start = order[top.start_rank];
      if (used_[start]) continue;
      const double bends = walk(start, path);
      const Candidate now{path.size(), bends, top.start_rank};
      if (!queue.empty() && now < queue.top())
        queue.push(now);
      else
        keep(path);
    }
  }

 private:
  /// The walk from `start` into `path`; the sum of its steps' bends.
  double walk(std::uint32_t start, Track& path) const {
    path.assign(1, start);
    double bends = 0;
    const bool helix = config_.continuation == WalkthroughBuilder::Continuation::helix;
    for (std::uint32_t n = start;;) {
      const StepBend bendTo(g_.positions, helix, config_.shortest_arm, path);
      std::uint32_t choice = kNone;
      float least = 0;
      for (const auto& e : out_[n]) {  // best-scored first
        if (used_[e.to] || rank_[e.to] <= rank_[n]) continue;
        if (!(e.score > config_.follow_cut)) break;
        const float b = bendTo(e.to);
        if (choice == kNone || b < least) {
          choice = e.to;
          least = b;
        }
      }
      if (choice == kNone) return bends;
      path.push_back(choice);
      bends += least;
      n = choice;
    }
  }

  /// Uses the path's hits up; a track if long enough.
  void keep(const Track& path) {
    for (const auto n : path) used_[n] = 1;
    if (path.size() >= min_hits_) tracks_.push_back(path);
  }

  const ScoredGraph& g_;
  const OutwardEdges& out_;
  const std::vector<std::uint32_t>& rank_;
  std::vector<char>& used_;
  const WalkthroughBuilder::Config& config_;
  std::size_t min_hits_;
  std::vector<Track>& tracks_;
};

}  // namespace

std::vector<Track> WalkthroughBuilder::build(const ScoredGraph& g) const {
  g.validate();
  // Best neighbour first (ties by node index), so the walk's choices are deterministic.
  const OutwardEdges out = outwardEdges(g, config_.drop_cut);
  std::vector<std::uint32_t> in_degree(g.num_nodes, 0);
  DisjointSets sets(g.num_nodes);
  for (std::uint32_t from = 0; from < g.num_nodes; ++from)
    for (const auto& e : out[from]) {
      ++in_degree[e.to];
      sets.unite(from, e.to);
    }

  const std::size_t min_hits = std::max<std::size_t>(config_.min_hits, 2);
  std::vector<Track> tracks;
  std::vector<char> used(g.num_nodes, 0);
  std::vector<std::uint32_t> length(g.num_nodes), next(g.num_nodes), rank(g.num_nodes);
  std::vector<char> ordered(g.num_nodes, 0);
  const std::vector<std::uint32_t> degree_in = in_degree;
  // straightest and helix walk by the bend of each step; without positions, the longest path.
  const bool by_bend = config_.continuation != Continuation::longest && !g.positions.empty();
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
      BendWalk walks(g, out, rank, used, config_, min_hits, tracks);
      if (config_.longest_first)
        walks.longestFirst(order);
      else
        walks.innerFirst(order);
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
  if (by_bend && config_.exchange_hits) HitExchange(config_.exchange).apply(tracks, g, out);
  return tracks;
}

}  // namespace efgnn

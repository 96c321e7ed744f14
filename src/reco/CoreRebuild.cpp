// HitExchange's rebuild move: the tracks of a jet core built again from their hits by helix fits
// alone. In the core of a high-pT jet several particles run within a millimetre of each other
// over the whole detector; the edge classifier scores the edges between them alike, the walk's
// hit-by-hit choices and the pairwise moves then leave tracks that each hold stretches of two or
// three particles, a configuration whose summed chi-square is often a hundred times that of the
// true one and which no exchange of one stretch between two tracks lowers. Here the hits of all
// such tracks are pooled, grouped into stations (one layer each), and tracks are taken out one at
// a time: the seed helix through a hit of an inner, a middle and an outer station that collects
// the most hits, one per station, with the best fit.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "reco/HitExchange.hpp"
#include "reco/PointGrid.hpp"

namespace efgnn {
namespace {

const float* at(const std::vector<float>& positions, std::uint32_t n) { return &positions[3 * std::size_t{n}]; }

double distanceFromOrigin(const std::vector<float>& positions, std::uint32_t n) {
  return std::sqrt(outwardReach(positions, n));
}

/// Hits sorted outward and cut into stations where the distance from the origin jumps by more
/// than `gap`: a layer's hits of every particle of the core, module overlaps included.
std::vector<std::vector<std::uint32_t>> stationsOf(std::vector<std::uint32_t> hits, const std::vector<float>& positions,
                                                   double gap) {
  std::vector<std::vector<std::uint32_t>> stations;
  std::vector<std::pair<double, std::uint32_t>> sorted;
  for (const auto n : hits) sorted.emplace_back(distanceFromOrigin(positions, n), n);
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i == 0 || sorted[i].first - sorted[i - 1].first > gap) stations.emplace_back();
    stations.back().push_back(sorted[i].second);
  }
  return stations;
}

/// The helix through three hits: the circle through them in the transverse plane (a line if
/// they are collinear) and the line in (transverse arc length, z) through the first and last.
class SeedHelix {
 public:
  bool make(const float* a, const float* m, const float* b) {
    a_ = a;
    const double ax = a[0], ay = a[1], bx = m[0] - ax, by = m[1] - ay, cx = b[0] - ax, cy = b[1] - ay;
    const double d = 2 * (bx * cy - by * cx);
    const double chord = std::hypot(cx, cy);
    if (!(chord > 0)) return false;
    const double b2 = bx * bx + by * by, c2 = cx * cx + cy * cy;
    // Collinear to within a radius far beyond any bend the fit tells apart: a line.
    line_ = std::abs(d) < 1e-9 * b2 * c2 / chord;
    ux_ = cx / chord, uy_ = cy / chord;
    if (line_) {
      curvature_ = 0;
    } else {
      ox_ = ax + (cy * b2 - by * c2) / d;
      oy_ = ay + (bx * c2 - cx * b2) / d;
      radius_ = std::hypot(ax - ox_, ay - oy_);
      curvature_ = 1 / radius_;
    }
    const double arc_b = arc(b);
    if (!(arc_b > 0)) return false;
    slope_ = (double{b[2]} - a[2]) / arc_b;
    return true;
  }
  /// The transverse and longitudinal distances of a hit from the helix.
  double transverse(const float* p) const {
    if (line_) return std::abs(ux_ * (p[1] - a_[1]) - uy_ * (p[0] - a_[0]));
    return std::abs(std::hypot(p[0] - ox_, p[1] - oy_) - radius_);
  }
  double longitudinal(const float* p) const { return p[2] - (a_[2] + slope_ * arc(p)); }

 private:
  /// Transverse length from the first hit, negative for a hit behind it (a seed's first hit
  /// need not be the track's innermost).
  double arc(const float* p) const {
    const double dx = double{p[0]} - a_[0], dy = double{p[1]} - a_[1];
    const double chord = std::hypot(dx, dy);
    const double x = chord * curvature_ / 2;
    const double length = x < 1e-6 ? chord : 2 * std::asin(std::min(1.0, x)) / curvature_;
    return dx * ux_ + dy * uy_ < 0 ? -length : length;
  }
  const float* a_ = nullptr;
  bool line_ = true;
  double ux_ = 0, uy_ = 0;  // the transverse direction from the first hit to the last
  double ox_ = 0, oy_ = 0, radius_ = 0, curvature_ = 0, slope_ = 0;
};

}  // namespace

std::vector<std::vector<std::uint32_t>> HitExchange::coreGroups(const std::vector<Track>& tracks,
                                                                const std::vector<float>& positions,
                                                                TrackStates& states) const {
  // A group starts at a poorly fitted straight track changed since the pass before, and takes in
  // every straight track near which a group track has core_close_hits hits (within
  // pair_distance of one of its hits).
  // Most tracks fit well and start nothing: a track's curvature is fitted when first needed.
  enum : char { unknown, no, yes };
  std::vector<char> core(tracks.size(), unknown);  // fitted and straight
  const auto isCore = [&](std::uint32_t t) {
    if (core[t] == unknown) {
      const HelixFit f = fit(tracks[t], positions);  // NaN for a track too short to fit
      core[t] = !std::isnan(f.chi2) && straight(f.curvature) ? yes : no;
    }
    return core[t] == yes;
  };
  std::vector<std::uint32_t> starts;
  for (std::uint32_t t = 0; t < tracks.size(); ++t)
    if (tracks[t].size() >= config_.min_hits && states.changedBefore(t) &&
        !good(states.chiSquare(t), tracks[t].size()) && isCore(t))
      starts.push_back(t);
  if (starts.empty()) return {};

  struct Hit {
    std::uint32_t track, node;
  };
  PointGrid<Hit> grid(positions, config_.pair_distance);
  for (std::uint32_t t = 0; t < tracks.size(); ++t)
    if (tracks[t].size() >= config_.min_hits)
      for (const auto n : tracks[t]) grid.insert(n, {t, n});
  std::vector<std::vector<std::uint32_t>> groups;
  std::vector<char> grouped(tracks.size(), 0);
  std::vector<std::uint32_t> close(tracks.size(), 0);             // hits near the group's, per track
  std::vector<std::uint32_t> counted(tracks.size(), UINT32_MAX);  // the hit a track was last counted near
  for (const auto t : starts) {
    if (grouped[t]) continue;
    std::vector<std::uint32_t> group{t};
    grouped[t] = 1;
    // Tracks of one core run close over several layers; tracks from one vertex, or crossing,
    // meet on one or two.
    for (std::size_t i = 0; i < group.size() && group.size() <= config_.rebuild_max_tracks; ++i) {
      std::vector<std::uint32_t> met;
      for (const auto n : tracks[group[i]])
        grid.visitNear(n, [&](const Hit& h) {
          if (grouped[h.track] || counted[h.track] == n) return;
          if (!(separation(positions, n, h.node) < config_.pair_distance)) return;
          counted[h.track] = n;
          if (close[h.track]++ == 0) met.push_back(h.track);
        });
      for (const auto o : met) {
        if (close[o] >= config_.core_close_hits && isCore(o)) grouped[o] = 1, group.push_back(o);
        close[o] = 0;
        counted[o] = UINT32_MAX;
      }
    }
    // A poor track alone has nobody to trade with; a group past the limit is left as it is,
    // rather than rebuilt in part (its hits would be shared out among too few tracks).
    if (group.size() >= 2 && group.size() <= config_.rebuild_max_tracks) groups.push_back(std::move(group));
  }
  return groups;
}

std::size_t HitExchange::rebuildCores(std::vector<Track>& tracks, const std::vector<float>& positions,
                                      TrackStates& states) const {
  std::size_t rebuilt = 0;
  for (const auto& group : coreGroups(tracks, positions, states)) {
    double before = 0;
    std::vector<std::uint32_t> pool;
    for (const auto t : group) {
      before += states.chiSquare(t);
      pool.insert(pool.end(), tracks[t].begin(), tracks[t].end());
    }
    std::sort(pool.begin(), pool.end());
    std::vector<char> taken(pool.size(), 0);  // per hit of the pool
    const auto slot = [&](std::uint32_t n) {
      return static_cast<std::size_t>(std::lower_bound(pool.begin(), pool.end(), n) - pool.begin());
    };
    const double window2 = double{config_.rebuild_window} * config_.rebuild_window;

    std::vector<Track> built;
    while (built.size() < group.size()) {
      std::vector<std::uint32_t> free;
      for (std::size_t i = 0; i < pool.size(); ++i)
        if (!taken[i]) free.push_back(pool[i]);
      const auto stations = stationsOf(free, positions, config_.station_gap);
      const std::size_t s = stations.size();
      const std::size_t shortest = std::max<std::size_t>(config_.min_hits, 5);
      if (s < shortest) break;
      // A core holds a hit or two per particle and layer (module overlaps); a station with more
      // is no core, and the seeds, cubic in a station's hits, would cost seconds.
      if (std::any_of(stations.begin(), stations.end(),
                      [&](const auto& station) { return station.size() > 2 * group.size(); }))
        break;
      // Seeds from the two innermost and two outermost stations and the middle one or two: a
      // particle with a hit missing on one of them is still seeded.
      std::vector<std::array<std::size_t, 3>> combos;
      for (const std::size_t first : {std::size_t{0}, std::size_t{1}})
        for (const std::size_t last : {s - 1, s - 2})
          for (const std::size_t middle : {(first + last) / 2, (first + last + 1) / 2})
            if (first < middle && middle < last &&
                std::find(combos.begin(), combos.end(), std::array{first, middle, last}) == combos.end())
              combos.push_back({first, middle, last});
      Track best;
      double best_chi2 = std::numeric_limits<double>::infinity();
      Track candidate;
      SeedHelix helix;
      for (const auto& [i, j, k] : combos)
        for (const auto a : stations[i])
          for (const auto m : stations[j])
            for (const auto b : stations[k]) {
              if (!helix.make(at(positions, a), at(positions, m), at(positions, b))) continue;
              candidate.clear();
              for (const auto& station : stations) {
                std::uint32_t pick = 0;
                double closest = window2;
                for (const auto n : station) {
                  const float* p = at(positions, n);
                  const double dt = helix.transverse(p) / config_.sigma_transverse;
                  const double dz = helix.longitudinal(p) / sigmaLongitudinal(p);
                  const double d2 = dt * dt + dz * dz;
                  if (d2 < closest) closest = d2, pick = n;
                }
                if (closest < window2) candidate.push_back(pick);
              }
              if (candidate.size() < shortest || candidate.size() < best.size()) continue;
              const double chi2 = fit(candidate, positions).chi2;
              if (std::isnan(chi2) || !good(chi2, candidate.size())) continue;
              if (candidate.size() > best.size() || chi2 < best_chi2) best = candidate, best_chi2 = chi2;
            }
      if (best.empty()) break;
      for (const auto n : best) taken[slot(n)] = 1;
      built.push_back(std::move(best));
    }
    if (built.empty()) continue;
    // Hits left over (a second hit of a module overlap, a hit of a station the seed skipped) go
    // to the track whose fit they spoil least, if by at most extend_chi2; the rest count that much
    // each against the rebuilt tracks.
    std::vector<double> chi2(built.size());
    for (std::size_t t = 0; t < built.size(); ++t) chi2[t] = fit(built[t], positions).chi2;
    std::size_t left = 0;
    for (std::size_t i = 0; i < pool.size(); ++i) {
      if (taken[i]) continue;
      const auto n = pool[i];
      const double r = distanceFromOrigin(positions, n);
      std::size_t best_track = built.size();
      double best_added = config_.extend_chi2;
      Track best_track_hits;
      for (std::size_t t = 0; t < built.size(); ++t) {
        Track longer = built[t];
        const auto place = std::find_if(longer.begin(), longer.end(),
                                        [&](std::uint32_t h) { return distanceFromOrigin(positions, h) > r; });
        longer.insert(place, n);
        const double added = fit(longer, positions).chi2 - chi2[t];
        if (added <= best_added) best_added = added, best_track = t, best_track_hits = std::move(longer);
      }
      if (best_track == built.size()) {
        ++left;
        continue;
      }
      built[best_track] = std::move(best_track_hits);
      chi2[best_track] += best_added;
      taken[i] = 1;
    }
    const double after =
        std::accumulate(chi2.begin(), chi2.end(), 0.0) + config_.extend_chi2 * static_cast<double>(left);
    // As many tracks as the group had, no more hits left out than it had tracks: a core whose particles
    // the seeds do not all find is left as the walk and the other moves made it.
    if (built.size() < group.size() || left > group.size() || !(after < before)) continue;
    for (std::size_t i = 0; i < group.size(); ++i) {
      tracks[group[i]] = std::move(built[i]);
      states.changed(group[i]);
    }
    ++rebuilt;
  }
  return rebuilt;
}

}  // namespace efgnn

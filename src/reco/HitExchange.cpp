#include "reco/HitExchange.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "reco/ConnectedComponents.hpp"
#include "reco/PointGrid.hpp"

namespace efgnn {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint32_t kNone = UINT32_MAX;  // no track

/// Solves the symmetric 3x3 system a x = b by Gaussian elimination with pivoting; false if
/// singular.
bool solve3(std::array<std::array<double, 3>, 3> a, std::array<double, 3> b, std::array<double, 3>& x) {
  for (int c = 0; c < 3; ++c) {
    int p = c;
    for (int r = c + 1; r < 3; ++r)
      if (std::abs(a[r][c]) > std::abs(a[p][c])) p = r;
    if (!(std::abs(a[p][c]) > 1e-12)) return false;
    std::swap(a[p], a[c]);
    std::swap(b[p], b[c]);
    for (int r = c + 1; r < 3; ++r) {
      const double f = a[r][c] / a[c][c];
      for (int k = c; k < 3; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  for (int c = 2; c >= 0; --c) {
    double s = b[c];
    for (int k = c + 1; k < 3; ++k) s -= a[c][k] * x[k];
    x[c] = s / a[c][c];
  }
  return true;
}

struct ClosePair {
  std::uint32_t track_a, track_b;  // track_a < track_b
  std::uint32_t slot_a, slot_b;    // places in the tracks
  float distance;
};

/// The transverse curvature [1/mm] of the circle through a track's first, middle and last hits.
double threePointCurvature(const Track& t, const std::vector<float>& positions) {
  const float *a = &positions[3 * std::size_t{t.front()}], *b = &positions[3 * std::size_t{t[t.size() / 2]}],
              *c = &positions[3 * std::size_t{t.back()}];
  const double cross = (double{b[0]} - a[0]) * (double{c[1]} - a[1]) - (double{b[1]} - a[1]) * (double{c[0]} - a[0]);
  const double sides = std::hypot(b[0] - a[0], b[1] - a[1]) * std::hypot(c[0] - b[0], c[1] - b[1]) *
                       std::hypot(c[0] - a[0], c[1] - a[1]);
  return sides > 0 ? 2 * std::abs(cross) / sides : kNaN;
}

}  // namespace

HitExchange::HelixFit HitExchange::fit(const Track& hits, const std::vector<float>& positions, double bound) const {
  const auto at = [&](std::uint32_t n) { return &positions[3 * std::size_t{n}]; };
  constexpr HelixFit kNoFit{kNaN, kNaN};
  if (hits.size() < std::max<std::size_t>(config_.min_hits, 4)) return kNoFit;
  // A frame along the transverse chord from the innermost hit to the outermost: u along it, v
  // across, both scaled by half its length so that the fit's columns are of order one.
  std::uint32_t inner = hits[0], outer = hits[0];
  for (const auto n : hits) {
    const float* p = at(n);
    const double r2 = double{p[0]} * p[0] + double{p[1]} * p[1];
    if (r2 < double{at(inner)[0]} * at(inner)[0] + double{at(inner)[1]} * at(inner)[1]) inner = n;
    if (r2 > double{at(outer)[0]} * at(outer)[0] + double{at(outer)[1]} * at(outer)[1]) outer = n;
  }
  const float *pi = at(inner), *po = at(outer);
  const double cx = (pi[0] + po[0]) / 2.0, cy = (pi[1] + po[1]) / 2.0;
  const double half = std::hypot(po[0] - pi[0], po[1] - pi[1]) / 2;
  if (!(half > config_.pair_distance)) return kNoFit;  // all on one layer
  const double ux = (po[0] - pi[0]) / (2 * half), uy = (po[1] - pi[1]) / (2 * half);

  // Transverse: v = alpha + beta u + gamma (u^2 + v^2) is a circle (gamma = 0: a straight line);
  // weighted least squares in v, the distance across the track while it turns little.
  std::array<std::array<double, 3>, 3> m{};
  std::array<double, 3> rhs{}, coef{};
  const double wt = 1.0 / (double{config_.sigma_transverse} * config_.sigma_transverse);
  const auto frame = [&](std::uint32_t n, double& u, double& v) {
    const float* p = at(n);
    u = ((p[0] - cx) * ux + (p[1] - cy) * uy) / half;
    v = (-(p[0] - cx) * uy + (p[1] - cy) * ux) / half;
  };
  for (const auto n : hits) {
    double u, v;
    frame(n, u, v);
    const std::array<double, 3> f{1, u, u * u + v * v};
    for (int i = 0; i < 3; ++i) {
      for (int k = 0; k < 3; ++k) m[i][k] += f[i] * f[k];
      rhs[i] += f[i] * v;
    }
  }
  if (!solve3(m, rhs, coef)) return kNoFit;
  double chi2 = 0;
  for (const auto n : hits) {
    double u, v;
    frame(n, u, v);
    const double d = (v - coef[0] - coef[1] * u - coef[2] * (u * u + v * v)) * half;
    chi2 += wt * d * d;
  }

  // Longitudinal: z is linear in the transverse length travelled, the arc from the innermost hit
  // (2 asin(c k / 2) / k for a chord c on the fitted circle of curvature k, which stays finite as
  // k goes to 0). The straight line in (arc, z) closest to the hits, each weighted by its error
  // across the line (orthogonal regression: the normal is the weighted scatter's weakest axis).
  const double curvature =
      2 * std::abs(coef[2]) / std::sqrt(std::max(1e-12, 1 + coef[1] * coef[1] - 4 * coef[0] * coef[2])) / half;
  if (chi2 >= bound) return {chi2, curvature};
  const auto longitudinal = [&](std::uint32_t n, double& w, double& u, double& z) {
    const float* p = at(n);
    const double chord = std::hypot(p[0] - pi[0], p[1] - pi[1]);
    const double x = chord * curvature / 2;
    u = x < 1e-6 ? chord : 2 * std::asin(std::min(1.0, x)) / curvature;
    z = p[2];
    const double sigma = sigmaLongitudinal(p);
    w = 1 / (sigma * sigma);
  };
  // Each hit's (w, u, z), kept for the second pass: the arc's asin and hypot are most of a fit's
  // cost, and the moves fit tracks many times over.
  thread_local std::vector<std::array<double, 3>> wuz;
  wuz.resize(hits.size());
  double sw = 0, su = 0, sz = 0;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    auto& [w, u, z] = wuz[i];
    longitudinal(hits[i], w, u, z);
    sw += w;
    su += w * u;
    sz += w * z;
  }
  const double mu = su / sw, mz = sz / sw;
  double cuu = 0, czz = 0, cuz = 0;
  for (const auto& [w, u, z] : wuz) {
    cuu += w * (u - mu) * (u - mu);
    czz += w * (z - mz) * (z - mz);
    cuz += w * (u - mu) * (z - mz);
  }
  // The smaller eigenvalue of [[cuu, cuz], [cuz, czz]]: the weighted sum of squared distances.
  const double mean = (cuu + czz) / 2, diff = (cuu - czz) / 2;
  chi2 += std::max(0.0, mean - std::hypot(diff, cuz));
  return {chi2, curvature};
}

bool HitExchange::accepts(double before_a, double before_b, const Track& a, const Track& b,
                          const std::vector<float>& positions, double bound, double& after) const {
  // b's chi-square only adds to a's: where a's alone reaches the limit, b is not fitted, and
  // each fit stops early where it cannot stay below it (b's limit with a margin far beyond
  // rounding, so that a stopped fit's sum stays above the limit).
  const double limit = std::min(bound, before_a + before_b);
  const HelixFit fit_a = fit(a, positions, limit);
  if (!(fit_a.chi2 < limit)) return false;
  const HelixFit fit_b = fit(b, positions, limit - fit_a.chi2 + 1e-9 * (1 + limit));
  const double after_a = fit_a.chi2, after_b = fit_b.chi2;
  after = after_a + after_b;
  if (std::isnan(after) || !(after < limit)) return false;
  if (!good(before_a, a.size()) && !good(before_b, b.size()) && straight(fit_a.curvature) &&
      straight(fit_b.curvature))
    return true;
  // Neither track may get worse beyond what a good track of its length scores: a poor track
  // (another particle's hits, noise) would otherwise trade its worst hits for a good track's.
  const auto fine = [&](double before, double after, std::size_t hits) { return after <= before || good(after, hits); };
  return fine(before_a, after_a, a.size()) && fine(before_b, after_b, b.size());
}

bool HitExchange::straight(double curvature) const {
  return config_.straight_radius > 0 && curvature * config_.straight_radius < 1;
}

bool HitExchange::straightPiece(const Track& t, const std::vector<float>& positions) const {
  return t.size() >= 3 && straight(threePointCurvature(t, positions));
}

double HitExchange::degreesOfFreedom(std::size_t hits) {
  return 2.0 * static_cast<double>(hits) - 5;  // three transverse and two longitudinal parameters
}

bool HitExchange::good(double chi2, std::size_t hits) const {
  return chi2 <= config_.good_chi2_per_dof * degreesOfFreedom(hits);
}

bool HitExchange::wellFitted(double chi2, std::size_t hits) const {
  return chi2 <= config_.well_fitted_chi2_per_dof * degreesOfFreedom(hits);
}

double HitExchange::TrackStates::chiSquare(std::uint32_t t) {
  if (!known_[t]) {
    chi2_[t] = exchange_.chiSquare(tracks_[t], positions_);
    known_[t] = 1;
  }
  return chi2_[t];
}

void HitExchange::TrackStates::changed(std::uint32_t t) {
  now_[t] = 1;
  known_[t] = 0;
}

void HitExchange::TrackStates::nextPass() {
  before_.swap(now_);
  std::fill(now_.begin(), now_.end(), 0);
}

std::size_t HitExchange::swapStretches(std::vector<Track>& tracks, const std::vector<float>& positions,
                                       TrackStates& states) const {
  struct Slot {
    std::uint32_t track, slot;
  };
  PointGrid<Slot> grid(positions, config_.pair_distance);
  for (std::uint32_t t = 0; t < tracks.size(); ++t)
    if (tracks[t].size() >= config_.min_hits)
      for (std::uint32_t s = 0; s < tracks[t].size(); ++s) grid.insert(tracks[t][s], {t, s});
  // Pairs with a track changed since the pass before, each found once: from the changed track
  // (from the first of two changed ones).
  std::vector<ClosePair> pairs;
  for (std::uint32_t t = 0; t < tracks.size(); ++t) {
    if (tracks[t].size() < config_.min_hits || !states.changedBefore(t)) continue;
    for (std::uint32_t s = 0; s < tracks[t].size(); ++s)
      grid.visitNear(tracks[t][s], [&](const Slot& o) {
        if (o.track == t || (states.changedBefore(o.track) && o.track < t)) return;
        const double d = separation(positions, tracks[t][s], tracks[o.track][o.slot]);
        if (!(d < config_.pair_distance)) return;
        if (t < o.track)
          pairs.push_back({t, o.track, s, o.slot, static_cast<float>(d)});
        else
          pairs.push_back({o.track, t, o.slot, s, static_cast<float>(d)});
      });
  }
  // Per two tracks, each hit in one pair only: the closest pairs first.
  std::sort(pairs.begin(), pairs.end(), [](const ClosePair& a, const ClosePair& b) {
    return std::tie(a.track_a, a.track_b, a.distance, a.slot_a, a.slot_b) <
           std::tie(b.track_a, b.track_b, b.distance, b.slot_a, b.slot_b);
  });
  std::size_t swaps = 0;
  for (std::size_t begin = 0; begin < pairs.size();) {
    std::size_t end = begin;
    while (end < pairs.size() && pairs[end].track_a == pairs[begin].track_a &&
           pairs[end].track_b == pairs[begin].track_b)
      ++end;
    const auto ta = pairs[begin].track_a, tb = pairs[begin].track_b;
    Track& a = tracks[ta];
    Track& b = tracks[tb];
    std::vector<std::pair<std::uint32_t, std::uint32_t>> slots;  // (slot in a, slot in b)
    std::vector<char> taken_a(a.size(), 0), taken_b(b.size(), 0);
    for (std::size_t i = begin; i < end; ++i)
      if (!taken_a[pairs[i].slot_a] && !taken_b[pairs[i].slot_b]) {
        taken_a[pairs[i].slot_a] = taken_b[pairs[i].slot_b] = 1;
        slots.emplace_back(pairs[i].slot_a, pairs[i].slot_b);
      }
    begin = end;
    // Outward along track a: a stretch of pairs is a run of consecutive ones.
    std::sort(slots.begin(), slots.end());
    const auto swapStretch = [&](std::size_t i, std::size_t j) {
      for (std::size_t k = i; k < j; ++k) std::swap(a[slots[k].first], b[slots[k].second]);
    };
    // The accepted stretch that lowers the summed chi-square most; again until none is accepted.
    for (std::size_t round = 0; round < slots.size(); ++round) {
      const double now_a = states.chiSquare(ta), now_b = states.chiSquare(tb);
      if (std::isnan(now_a + now_b)) break;
      double best = now_a + now_b;
      std::size_t best_i = 0, best_j = 0;
      for (std::size_t i = 0; i < slots.size(); ++i)
        for (std::size_t j = i + 1; j <= slots.size(); ++j) {
          swapStretch(i, j);
          double then;
          if (accepts(now_a, now_b, a, b, positions, best, then)) {
            if (then < best) {
              best = then;
              best_i = i;
              best_j = j;
            }
          }
          swapStretch(i, j);
        }
      if (best_j == 0) break;
      swapStretch(best_i, best_j);
      states.changed(ta, tb);
      ++swaps;
    }
  }
  return swaps;
}

std::size_t HitExchange::exchangeTails(std::vector<Track>& tracks, const ScoredGraph& g, const OutwardEdges& out,
                                       TrackStates& states) const {
  std::vector<std::uint32_t> track_of(g.num_nodes, kNone), slot_of(g.num_nodes, 0);
  const auto index = [&](std::uint32_t t) {
    for (std::uint32_t s = 0; s < tracks[t].size(); ++s) {
      track_of[tracks[t][s]] = t;
      slot_of[tracks[t][s]] = s;
    }
  };
  for (std::uint32_t t = 0; t < tracks.size(); ++t) index(t);
  // a's hits up to slot l, then b's from slot k; b's hits before k, then a's after l.
  Track a2, b2;
  const auto exchange = [&](const Track& a, const Track& b, std::uint32_t l, std::uint32_t k) {
    a2.assign(a.begin(), a.begin() + l + 1);
    a2.insert(a2.end(), b.begin() + k, b.end());
    b2.assign(b.begin(), b.begin() + k);
    b2.insert(b2.end(), a.begin() + l + 1, a.end());
  };
  std::size_t exchanges = 0;
  for (std::uint32_t ta = 0; ta < tracks.size(); ++ta) {
    // The best exchange of track ta's tail after some hit for the tail of another track that an
    // edge from that hit leads into; again until none is accepted.
    for (;;) {
      Track& a = tracks[ta];
      if (a.size() < config_.min_hits) break;
      const double now_a = states.chiSquare(ta);
      if (std::isnan(now_a)) break;
      double best = 0;
      std::uint32_t best_tb = kNone, best_l = 0, best_k = 0;
      for (std::uint32_t l = 0; l < a.size(); ++l)
        for (const auto& e : out[a[l]]) {
          const auto n = e.to, tb = track_of[n];
          if (tb == kNone || tb == ta || tracks[tb].size() < config_.min_hits || !states.eitherChangedBefore(ta, tb))
            continue;
          const Track& b = tracks[tb];
          const double now_b = states.chiSquare(tb);
          if (std::isnan(now_b) || (wellFitted(now_a, a.size()) && wellFitted(now_b, b.size()))) continue;
          exchange(a, b, l, slot_of[n]);
          if (a2.size() < config_.min_hits || b2.size() < config_.min_hits) continue;
          double then;
          // The bound: a gain above best, loosened by far more than rounding (the gain decides).
          const double bound = now_a + now_b - best + 1e-6 * (1 + now_a + now_b);
          if (!accepts(now_a, now_b, a2, b2, g.positions, bound, then)) continue;
          const double gain = now_a + now_b - then;
          if (gain > best) {
            best = gain;
            best_tb = tb;
            best_l = l;
            best_k = slot_of[n];
          }
        }
      if (best_tb == kNone) break;
      Track& b = tracks[best_tb];
      exchange(a, b, best_l, best_k);
      a = a2;
      b = b2;
      index(ta);
      index(best_tb);
      states.changed(ta, best_tb);
      ++exchanges;
    }
  }
  return exchanges;
}

std::size_t HitExchange::joinPieces(std::vector<Track>& tracks, const ScoredGraph& g, const OutwardEdges& out,
                                    TrackStates& states) const {
  std::vector<std::uint32_t> starts(g.num_nodes, kNone);  // the track a hit starts
  const bool near = config_.join_distance > 0;
  // Searched in a cone join_distance long, in cells as wide.
  PointGrid<std::uint32_t> firsts(g.positions, near ? config_.join_distance / 2 : 1.0);
  for (std::uint32_t t = 0; t < tracks.size(); ++t)
    if (!tracks[t].empty()) {
      starts[tracks[t].front()] = t;
      // Pieces shorter than join_min_hits are offered to joins without an edge only where they
      // look straight; the joined track must then be straight too.
      const auto n = tracks[t].size();
      if (near && (n >= config_.join_min_hits || (n >= config_.join_short_hits && straightPiece(tracks[t], g.positions))))
        firsts.insert(tracks[t].front(), t);
    }
  std::size_t joins = 0;
  Track joined;
  std::vector<std::uint32_t> candidates;
  for (std::uint32_t ta = 0; ta < tracks.size(); ++ta) {
    for (;;) {
      Track& a = tracks[ta];
      if (a.empty()) break;
      // Tracks starting where an edge from a's last hit leads, and, a being join_min_hits long,
      // tracks as long starting further out within join_distance.
      candidates.clear();
      for (const auto& e : out[a.back()])
        if (starts[e.to] != kNone && starts[e.to] != ta) candidates.push_back(starts[e.to]);
      const std::size_t over_edges = candidates.size();
      if (near && a.size() >= config_.join_min_hits) {
        const auto direction = [&](std::uint32_t from, std::uint32_t to, std::array<double, 3>& d) {
          const float *p = &g.positions[3 * std::size_t{from}], *q = &g.positions[3 * std::size_t{to}];
          for (int i = 0; i < 3; ++i) d[i] = q[i] - p[i];
          const double norm = std::hypot(d[0], d[1], d[2]);
          for (auto& x : d) x /= norm;
        };
        // The pieces and the gap between them point the same way (within ~25 degrees, a 1 GeV
        // particle's turn over a metre) before any fit.
        constexpr double kAligned = 0.9;  // the smallest cosine between them
        std::array<double, 3> along_a, gap, along_b;
        direction(a.front(), a.back(), along_a);
        const float* end_a = &g.positions[3 * std::size_t{a.back()}];
        const double reach_a = outwardReach(g.positions, a.back());
        firsts.visitCone(a.back(), along_a, config_.join_distance, kAligned, [&](std::uint32_t tb) {
          // The cheap tests first (a pair neither of whose tracks changed since the pass before
          // is refused below), and distance and angle squared, with margins, before the exact
          // tests.
          if (tb == ta || tracks[tb].empty() || !states.eitherChangedBefore(ta, tb)) return;
          const float* start_b = &g.positions[3 * std::size_t{tracks[tb].front()}];
          const double dx = start_b[0] - end_a[0], dy = start_b[1] - end_a[1], dz = start_b[2] - end_a[2];
          const double gap2 = dx * dx + dy * dy + dz * dz, reach = 1.001 * config_.join_distance;
          if (!(gap2 < reach * reach) || !(outwardReach(g.positions, tracks[tb].front()) > reach_a)) return;
          const double ahead = dx * along_a[0] + dy * along_a[1] + dz * along_a[2];
          if (!(ahead > 0 && ahead * ahead > 0.99 * kAligned * kAligned * gap2)) return;
          if (!(separation(g.positions, a.back(), tracks[tb].front()) < config_.join_distance)) return;
          direction(a.back(), tracks[tb].front(), gap);
          direction(tracks[tb].front(), tracks[tb].back(), along_b);
          const auto cosine = [](const std::array<double, 3>& u, const std::array<double, 3>& v) {
            return u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
          };
          if (cosine(along_a, gap) > kAligned && cosine(gap, along_b) > kAligned) candidates.push_back(tb);
        });
      }
      double best = 0;
      std::uint32_t best_tb = kNone;
      for (std::size_t c = 0; c < candidates.size(); ++c) {
        const auto tb = candidates[c];
        if (!states.eitherChangedBefore(ta, tb)) continue;
        joined = a;
        joined.insert(joined.end(), tracks[tb].begin(), tracks[tb].end());
        const HelixFit f = fit(joined, g.positions);
        const double per_dof = f.chi2 / degreesOfFreedom(joined.size());
        const bool short_piece = c >= over_edges && tracks[tb].size() < config_.join_min_hits;
        if (short_piece && !straight(f.curvature)) continue;
        if (per_dof <= config_.join_chi2_per_dof && (best_tb == kNone || per_dof < best)) {
          best = per_dof;
          best_tb = tb;
        }
      }
      if (best_tb == kNone) break;
      Track& b = tracks[best_tb];
      starts[b.front()] = kNone;
      a.insert(a.end(), b.begin(), b.end());
      b.clear();
      states.changed(ta, best_tb);
      ++joins;
    }
  }
  return joins;
}

std::size_t HitExchange::extendEnds(std::vector<Track>& tracks, const ScoredGraph& g, const OutwardEdges& out,
                                    const InwardEdges& inward, TrackStates& states) const {
  std::vector<char> held(g.num_nodes, 0);
  for (const auto& t : tracks)
    for (const auto n : t) held[n] = 1;
  std::size_t extensions = 0;
  Track longer;
  for (std::uint32_t t = 0; t < tracks.size(); ++t) {
    // Only a track changed since the pass before can fit a hit it did not fit then.
    if (!states.changedBefore(t)) continue;
    for (;;) {
      Track& track = tracks[t];
      if (track.size() < config_.min_hits) break;
      const double now = states.chiSquare(t);
      if (std::isnan(now)) break;
      // The hit, after the last one or before the first, that adds least to the chi-square.
      double best = config_.extend_chi2;
      std::uint32_t best_hit = kNone;
      bool best_outward = true;
      const auto consider = [&](std::uint32_t n, bool outward) {
        if (held[n]) return;
        longer.clear();
        if (!outward) longer.push_back(n);
        longer.insert(longer.end(), track.begin(), track.end());
        if (outward) longer.push_back(n);
        const double added = chiSquare(longer, g.positions) - now;
        if (added <= best) {
          best = added;
          best_hit = n;
          best_outward = outward;
        }
      };
      for (const auto& e : out[track.back()]) consider(e.to, true);
      for (const auto n : inward[track.front()]) consider(n, false);
      if (best_hit == kNone) break;
      if (best_outward)
        track.push_back(best_hit);
      else
        track.insert(track.begin(), best_hit);
      held[best_hit] = 1;
      states.changed(t);
      ++extensions;
    }
  }
  return extensions;
}

std::size_t HitExchange::apply(std::vector<Track>& tracks, const ScoredGraph& graph, const OutwardEdges& out) const {
  if (graph.positions.empty()) return 0;
  std::size_t moves = 0;
  TrackStates states(*this, tracks, graph.positions);
  InwardEdges inward;  // the edges into each hit, for extensions at a track's first hit
  if (config_.extend_chi2 > 0) {
    inward.resize(graph.num_nodes);
    for (std::uint32_t n = 0; n < graph.num_nodes; ++n)
      for (const auto& e : out[n]) inward[e.to].push_back(n);
  }
  for (int pass = 0; pass < config_.max_passes; ++pass) {
    std::size_t now = config_.rebuild_cores ? rebuildCores(tracks, graph.positions, states) : 0;
    now += swapStretches(tracks, graph.positions, states);
    if (config_.exchange_tails) now += exchangeTails(tracks, graph, out, states);
    if (config_.join_chi2_per_dof > 0) now += joinPieces(tracks, graph, out, states);
    if (config_.extend_chi2 > 0) now += extendEnds(tracks, graph, out, inward, states);
    moves += now;
    if (now == 0) break;
    states.nextPass();
  }
  std::erase_if(tracks, [](const Track& t) { return t.empty(); });  // joined into others
  return moves;
}

}  // namespace efgnn

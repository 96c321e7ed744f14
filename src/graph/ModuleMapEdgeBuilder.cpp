#include "graph/ModuleMapEdgeBuilder.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "core/Units.hpp"

namespace efgnn {

namespace {

double sq(double v) { return v * v; }

}  // namespace

ModuleMapEdgeBuilder::Resolution ModuleMapEdgeBuilder::resolutionOf(const Detector& det, const Module& m) {
  const ModuleType& t = det.typeOf(m);
  double su = t.sigma_u, sv = t.sigma_v;
  if (t.isStereo()) {  // space point from two crossed strips
    const double half = 0.5 * t.stereo_angle;
    su = t.sigma_u / (std::sqrt(2.0) * std::cos(half));
    sv = t.sigma_u / (std::sqrt(2.0) * std::sin(half));
  }
  const bool barrel = m.kind == SurfaceKind::Cylinder;
  if (m.placement && !t.isStereo()) {
    // A flat module placed anywhere (tilted in the barrel, trapezoids in the endcaps): the
    // local resolutions projected onto r, r-phi and z at its centre.
    const Placement& p = *m.placement;
    const double r = std::max(p.centre.perp(), 1e-6);
    const Vec3 radial{p.centre.x / r, p.centre.y / r, 0}, tangential{-p.centre.y / r, p.centre.x / r, 0};
    const auto along = [&](const Vec3& axis) {
      return std::hypot(su * p.axis_u.dot(axis), sv * p.axis_v.dot(axis));
    };
    const double leak = barrel ? 0 : sv * std::max(m.half_u_min, m.half_u_max);
    return {static_cast<float>(along(tangential)), static_cast<float>(leak), static_cast<float>(along(radial)),
            static_cast<float>(along(Vec3{0, 0, 1})), static_cast<float>(t.thickness_x0), barrel};
  }
  // On a flat disk module the tangential axis u is the r-phi direction only on the module's
  // centre line; up to half a width away, the coarse radial resolution leaks into phi.
  const double leak = barrel ? 0 : sv * 0.5 * t.width;
  return {static_cast<float>(su), static_cast<float>(leak), static_cast<float>(barrel ? 0 : sv),
          static_cast<float>(barrel ? sv : 0), static_cast<float>(t.thickness_x0), barrel};
}

bool ModuleMapEdgeBuilder::passesDoublet(const ModuleMap::Doublet& d, const HitPoint& p1, const HitPoint& p2,
                                         const DoubletGeometry& q, bool screen) const {
  // A value inside the widened range needs no uncertainty; otherwise the uncertainty is
  // propagated linearly from the hit resolutions with the pair's own dr and dz (for hits at
  // nearly the same radius z0 and phi-slope are undetermined and their uncertainty rightly
  // grows without bound). Most candidate pairs fail on dphi, so it goes first.
  const float rel = config_.relative_tolerance;
  const double k = config_.n_sigma;
  const auto pass = [&](const Range& range, float value, auto variance) {
    return range.contains(value, rel, 0.f) ||
           range.contains(value, rel, static_cast<float>(std::min(1e30, k * std::sqrt(variance()))));
  };
  const Resolution& a = resolution_[d.a];
  const Resolution& b = resolution_[d.b];
  const double r1 = p1.r, r2 = p2.r, dr = r2 - r1, dz = p2.z - p1.z;
  const auto var_dphi = [&] { return p1.phi_variance + p2.phi_variance; };
  if (!pass(d.dphi, q.dphi, var_dphi)) return false;
  if (!pass(d.phi_slope, q.phi_slope, [&] {
        return var_dphi() / sq(dr) + sq(q.dphi / sq(dr)) * (sq(a.sigma_r) + sq(b.sigma_r));
      }))
    return false;
  if (screen && k >= 0 && std::abs(r2) >= 1e-3 * std::abs(r1) && !d.z0.contains(q.z0, rel, 0.f)) {
    // Of the pairs left most fail on z0, far outside: a conservative test without divisions
    // and square roots first. The cut fails if the distance D from the widened range exceeds
    // k sqrt(V), V the variance below, surely so if D^2 dr^4 > k^2 W beyond rounding, W =
    // V dr^4 without divisions (its terms do not cancel while r2 is not ~0); D has slack for
    // the float rounding of the cut.
    const double widen = double(rel) * (double(d.z0.max) - double(d.z0.min));
    const double outside = std::max(double(d.z0.min) - widen - q.z0, q.z0 - (double(d.z0.max) + widen)) -
                           1e-5 * (std::abs(double(d.z0.min)) + std::abs(double(d.z0.max)) + std::abs(widen));
    const double dr2 = dr * dr;
    const double w = (sq(dr + r1) * sq(a.sigma_z) + sq(r1) * sq(b.sigma_z)) * dr2 +
                     sq(dz * (dr + r1)) * sq(a.sigma_r) + sq(r1 * dz) * sq(b.sigma_r);
    if (outside > 0 && sq(outside) * sq(dr2) > (1 + 1e-5) * sq(k) * w) return false;
  }
  if (!pass(d.z0, q.z0, [&] {
        return sq(1 + r1 / dr) * sq(a.sigma_z) + sq(r1 / dr) * sq(b.sigma_z) +
               sq(dz / dr * (1 + r1 / dr)) * sq(a.sigma_r) + sq(r1 * dz / (dr * dr)) * sq(b.sigma_r);
      }))
    return false;
  const auto var_eta = [&](const HitPoint& p, const Resolution& res) {
    return (sq(res.sigma_z) + sq(p.z / p.r * res.sigma_r)) / (sq(p.r) + sq(p.z));
  };
  return pass(d.deta, q.deta, [&] { return var_eta(p1, a) + var_eta(p2, b); });
}

ModuleMapEdgeBuilder::SlopeVariance ModuleMapEdgeBuilder::slopeVariance(const HitPoint& p1, const HitPoint& p2,
                                                                         const Resolution& a, const Resolution& b,
                                                                         const DoubletGeometry& q) {
  const double dr = p2.r - p1.r, dz = p2.z - p1.z;
  const double var_r = sq(a.sigma_r) + sq(b.sigma_r);
  return {(sq(a.sigma_z) + sq(b.sigma_z)) / sq(dr) + sq(dz / (dr * dr)) * var_r,
          (p1.phi_variance + p2.phi_variance) / sq(dr) + sq(q.dphi / (dr * dr)) * var_r};
}

ModuleMapEdgeBuilder::SlopeVariance ModuleMapEdgeBuilder::scatteringVariance(const HitCoordinates& c,
                                                                              std::uint32_t j,
                                                                              const Resolution& b) const {
  // Multiple scattering of a scattering_pt track in the middle hit's module turns both slopes.
  const double sin_theta = c.r[j] / std::hypot(c.r[j], c.z[j]);
  const double cos_incidence = std::max(0.05, b.barrel ? sin_theta : std::sqrt(1 - sq(sin_theta)));
  const double x = b.x0 / cos_incidence, p = config_.scattering_pt / sin_theta;
  const double theta0 = x > 0 ? 0.0136 / p * std::sqrt(x) * (1 + 0.038 * std::log(x)) : 0;
  return {sq(theta0 / sq(sin_theta)), sq(theta0 / (sin_theta * c.r[j]))};
}

bool ModuleMapEdgeBuilder::passesTriplet(const Range& diff_dzdr, const Range& diff_phi_slope,
                                         const DoubletSlopes& first, const DoubletSlopes& second,
                                         const SlopeVariance& variance) const {
  const float rel = config_.relative_tolerance;
  const TripletGeometry q = TripletGeometry::of(first, second);
  const double k = config_.n_sigma;
  const auto margin = [k](double v) { return static_cast<float>(std::min(1e30, k * std::sqrt(v))); };
  return diff_dzdr.contains(q.diff_dzdr, rel, margin(variance.dzdr)) &&
         diff_phi_slope.contains(q.diff_phi_slope, rel, margin(variance.phi_slope));
}

ModuleMapEdgeBuilder::ModuleMapEdgeBuilder(std::shared_ptr<const ModuleMap> map, const Detector& detector,
                                           Config config)
    : map_(std::move(map)), config_(config) {
  config_.instruction_set = runtime::resolve(config.instruction_set);
  map_->checkDetector(detector, "module map");
  resolution_.reserve(detector.modules.size());
  for (const Module& m : detector.modules) resolution_.push_back(resolutionOf(detector, m));
  const auto& doublets = map_->doublets;
  const auto& triplets = map_->triplets;
  module_doublet_offsets_.assign(map_->modules.size() + 1, 0);
  for (const auto& d : doublets) ++module_doublet_offsets_[d.a + 1];
  for (std::size_t m = 0; m < map_->modules.size(); ++m) module_doublet_offsets_[m + 1] += module_doublet_offsets_[m];
  module_doublets_.resize(doublets.size());
  {
    std::vector<std::uint32_t> fill(module_doublet_offsets_.begin(), module_doublet_offsets_.end() - 1);
    for (std::uint32_t di = 0; di < doublets.size(); ++di) module_doublets_[fill[doublets[di].a]++] = di;
  }
  // The triplets of each doublet by their third module: those that findTriplet finds (of equal
  // modules the one it finds, none if the map is not indexed).
  std::vector<std::uint32_t> order;
  order.reserve(triplets.size());
  for (std::uint32_t t = 0; t < triplets.size(); ++t)
    if (map_->findTriplet(triplets[t].a, triplets[t].b, triplets[t].c) == &triplets[t]) order.push_back(t);
  const auto key = [&](std::uint32_t t) { return std::tuple(triplets[t].a, triplets[t].b, triplets[t].c); };
  const auto less = [&](std::uint32_t x, std::uint32_t y) { return key(x) < key(y); };
  if (!std::is_sorted(order.begin(), order.end(), less)) std::sort(order.begin(), order.end(), less);
  const double rel = config_.relative_tolerance;
  const auto reach = [rel](const Range& r, float& mid, float& half) {
    // [mid - half, mid + half] holds the range widened by the tolerance, with slack for the
    // float rounding of the cut; mid and half rounded to floats, half outwards.
    const double widen = rel * (double(r.max) - double(r.min));
    const double lo = r.min - widen, hi = r.max + widen;
    mid = static_cast<float>(0.5 * (lo + hi));
    const double h = 0.5 * (hi - lo) + 1e-5 * (std::abs(double(r.min)) + std::abs(double(r.max)) + std::abs(widen)) +
                     std::abs(0.5 * (lo + hi) - mid);
    half = static_cast<float>(h);
    if (half < h) half = std::nextafter(half, std::numeric_limits<float>::infinity());
  };
  doublet_triplets_.assign(doublets.size() + 1, 0);
  triplet_cuts_.reserve(triplets.size());
  doublet_second_.reserve(doublets.size());
  for (const auto& d : doublets) doublet_second_.push_back(d.b);
  for (std::size_t di = 0; di < doublets.size(); ++di) {
    const auto ab = std::pair(doublets[di].a, doublets[di].b);
    auto t = std::lower_bound(order.begin(), order.end(), ab, [&](std::uint32_t x, const auto& v) {
      return std::pair(triplets[x].a, triplets[x].b) < v;
    });
    for (; t != order.end() && std::pair(triplets[*t].a, triplets[*t].b) == ab; ++t) {
      TripletCut cut{triplets[*t].c, 0, 0, 0, 0, triplets[*t].diff_dzdr, triplets[*t].diff_phi_slope};
      reach(triplets[*t].diff_dzdr, cut.dzdr_mid, cut.dzdr_half);
      reach(triplets[*t].diff_phi_slope, cut.phi_slope_mid, cut.phi_slope_half);
      triplet_cuts_.push_back(cut);
    }
    doublet_triplets_[di + 1] = static_cast<std::uint32_t>(triplet_cuts_.size());
  }
}

namespace {

/// On a module with up to this many hits the doublet stage tests the phi window of every hit;
/// on a busier one it binary-searches its hits sorted by phi.
constexpr std::ptrdiff_t kScanHits = 64;

/// Counting sort of the items 0 .. n-1 by key(item) < num_keys: the items with key k are
/// items[offsets[k] .. offsets[k + 1]), in increasing order. Reuses the vectors' storage.
template <class Key>
void bucket(std::size_t n, std::size_t num_keys, Key key, std::vector<std::uint32_t>& offsets,
            std::vector<std::uint32_t>& items) {
  offsets.assign(num_keys + 1, 0);
  items.resize(n);
  for (std::size_t i = 0; i < n; ++i) ++offsets[key(i) + 1];
  for (std::size_t k = 0; k < num_keys; ++k) offsets[k + 1] += offsets[k];
  for (std::size_t i = 0; i < n; ++i) items[offsets[key(i)]++] = static_cast<std::uint32_t>(i);
  for (std::size_t k = num_keys; k > 0; --k) offsets[k] = offsets[k - 1];  // back to the starts
  offsets[0] = 0;
}

}  // namespace

struct ModuleMapEdgeBuilder::Workspace {
  // Hits by module: module_hits[module_offsets[m] .. module_offsets[m + 1]), in hit order, and
  // their coordinates at the same positions of `points`.
  std::vector<std::uint32_t> module_offsets, module_hits;
  std::vector<HitPoint> points;
  // The hits of a module with more than kScanHits hits, sorted by phi (NaN never passes the
  // dphi cut and is left out): phi[phi_offsets[m] .. phi_offsets[m + 1]) and at the same range
  // of phi_position their positions in module_hits. Other modules have empty ranges.
  std::vector<std::uint32_t> phi_offsets, phi_position;
  std::vector<float> phi;
  std::vector<std::pair<float, std::uint32_t>> sort_buffer;
  // The largest phi variance of a hit on module m (NaN if one is NaN), and the centre and half
  // width of the phi range of its hits (NaN if it has none).
  std::vector<double> max_phi_variance, phi_centre, phi_half_width;
  // How the doublets of one first module are searched.
  struct DoubletSearch {
    std::uint32_t doublet;
    std::uint32_t b0, b1;  // the positions of the hits of module b in module_hits
    enum { kAllPairs, kScan, kBinarySearch } how;
    double lo, hi;     // the dphi window
    double mid, half;  // the same as centre and half width
    double b_centre, b_reach;  // phi_centre of module b, and half + its phi_half_width
  };
  std::vector<DoubletSearch> searches;
  std::vector<std::uint32_t> window;  // positions of the second hits in the phi window of one first hit
  // Candidates of the doublet stage, grouped by first hit (those of hit h are
  // out_begin[h] .. out_end[h]): their hits, and the doublet and for the triplet stage the
  // slopes, their variances and the square roots of those (dzdr, phi_slope), apart so that the
  // triplet stage reads little.
  struct Candidate {
    std::uint32_t doublet;
    DoubletSlopes slopes;
    std::array<float, 2> sigma;
  };
  std::vector<HitPair> pairs;
  std::vector<Candidate> candidates;
  std::vector<SlopeVariance> variance;
  std::vector<std::uint32_t> out_begin, out_end;
  // The edges into each hit (incoming[in_offsets[h] .. in_offsets[h + 1]), in candidate
  // order) with what the triplet stage reads of them, and the groups of edges out of one hit.
  std::vector<std::uint32_t> in_offsets;
  struct Incoming : Candidate {
    std::uint32_t edge;
  };
  struct OutGroup {
    std::uint32_t begin, end;  // candidates of one doublet
    std::uint32_t module;      // their second module
    // The ranges of their slopes and the largest k_bound sigma (NaN if one is NaN).
    float dzdr_min, dzdr_max, phi_slope_min, phi_slope_max;
    double reach_dzdr, reach_phi_slope;
  };
  std::vector<OutGroup> out_groups;
  std::vector<Incoming> incoming;
  std::vector<char> keep;
};

ModuleMapEdgeBuilder::~ModuleMapEdgeBuilder() = default;

void ModuleMapEdgeBuilder::indexPhi(Workspace& ws) const {
  const std::size_t modules = map_->modules.size();
  ws.phi_offsets.assign(modules + 1, 0);
  ws.max_phi_variance.assign(modules, 0.0);
  ws.phi_centre.assign(modules, std::numeric_limits<double>::quiet_NaN());
  ws.phi_half_width.assign(modules, std::numeric_limits<double>::quiet_NaN());
  ws.phi.clear();
  ws.phi_position.clear();
  for (std::size_t m = 0; m < modules; ++m) {
    const std::uint32_t x0 = ws.module_offsets[m], x1 = ws.module_offsets[m + 1];
    double max_variance = 0;
    float phi_min = std::numeric_limits<float>::infinity(), phi_max = -phi_min;
    for (auto x = x0; x != x1; ++x) {
      const double v = ws.points[x].phi_variance;
      max_variance = std::isnan(v) ? v : std::max(max_variance, v);
      phi_min = std::min(phi_min, ws.points[x].phi);  // NaN left out
      phi_max = std::max(phi_max, ws.points[x].phi);
    }
    ws.max_phi_variance[m] = max_variance;
    if (phi_min <= phi_max) {
      ws.phi_centre[m] = 0.5 * (double(phi_min) + double(phi_max));
      ws.phi_half_width[m] = 0.5 * (double(phi_max) - double(phi_min)) + 1e-9;
    }
    if (x1 - x0 > kScanHits) {
      ws.sort_buffer.clear();
      for (auto x = x0; x != x1; ++x)
        if (!std::isnan(ws.points[x].phi)) ws.sort_buffer.emplace_back(ws.points[x].phi, x);
      std::sort(ws.sort_buffer.begin(), ws.sort_buffer.end());
      for (const auto& [phi, x] : ws.sort_buffer) {
        ws.phi.push_back(phi);
        ws.phi_position.push_back(x);
      }
    }
    ws.phi_offsets[m + 1] = static_cast<std::uint32_t>(ws.phi.size());
  }
}

void ModuleMapEdgeBuilder::findDoublets(std::size_t hits, Workspace& ws) const {
  ws.pairs.clear();
  ws.candidates.clear();
  ws.variance.clear();
  ws.out_begin.assign(hits, 0);
  ws.out_end.assign(hits, 0);
  const auto& doublets = map_->doublets;
  const HitPoint* const points = ws.points.data();
  const std::uint32_t* const module_hits = ws.module_hits.data();
  // The pair of the hits at positions x and y of module_hits.
  const auto test = [&](std::uint32_t di, std::uint32_t x, std::uint32_t y) {
    const ModuleMap::Doublet& d = doublets[di];
    const HitPoint& p1 = points[x];
    const HitPoint& p2 = points[y];
    const auto q = DoubletGeometry::of(p1.r, p1.phi, p1.z, p1.eta, p2.r, p2.phi, p2.z, p2.eta);
    if (!passesDoublet(d, p1, p2, q, !config_.all_pairs)) return;
    ws.pairs.emplace_back(module_hits[x], module_hits[y]);
    Workspace::Candidate& e = ws.candidates.emplace_back();
    e.doublet = di;
    if (!config_.use_triplets) return;
    e.slopes = {q.dzdr, q.phi_slope};
    const SlopeVariance& v = ws.variance.emplace_back(slopeVariance(p1, p2, resolution_[d.a], resolution_[d.b], q));
    // Only bounds use them: float precision does (see k_bound in findTriplets).
    e.sigma = {std::sqrt(static_cast<float>(v.dzdr)), std::sqrt(static_cast<float>(v.phi_slope))};
  };
  if (!config_.all_pairs) indexPhi(ws);
  constexpr double two_pi = 2 * units::pi;
  // A window [lo, hi] that holds the wrapped dphi of every pair of doublet d that passes the
  // dphi cut: the cut's range widened by the tolerance and by the largest uncertainty margin
  // of any hit pair on the two modules, plus slack for the float rounding of the cut and of
  // dphi itself, clipped to the (-pi, pi] that dphi lies in. False where no window narrower
  // than a turn exists (non-finite bounds): every pair is then tested.
  const double k = config_.n_sigma, rel = config_.relative_tolerance;
  const auto dphiWindow = [&](const ModuleMap::Doublet& d, double& lo, double& hi) {
    const double variance = ws.max_phi_variance[d.a] + ws.max_phi_variance[d.b];
    if (!std::isfinite(variance) || !std::isfinite(k)) return false;
    const double margin = k > 0 ? k * std::sqrt(variance) : 0.0;
    const double widen = rel * (double(d.dphi.max) - double(d.dphi.min));
    lo = d.dphi.min - (widen + margin);
    hi = d.dphi.max + (widen + margin);
    const double slack =
        1e-4 + 1e-5 * (std::abs(double(d.dphi.min)) + std::abs(double(d.dphi.max)) + std::abs(widen) + margin);
    lo = std::max(lo - slack, -units::pi - 1e-4);
    hi = std::min(hi + slack, units::pi + 1e-4);
    // Narrower than a turn, the window holds a hit of module b once at most.
    return std::isfinite(lo) && std::isfinite(hi) && hi - lo < 6.0;
  };
  const std::uint32_t* const module_offsets = ws.module_offsets.data();
  // Module by module, hit by hit, so that the candidates of a first hit are contiguous (the
  // triplet stage reads them so, and search() returns them so).
  for (std::size_t m = 0; m < map_->modules.size(); ++m) {
    const std::uint32_t a0 = module_offsets[m], a1 = module_offsets[m + 1];
    if (a0 == a1) continue;
    ws.searches.clear();
    for (auto x = module_doublet_offsets_[m]; x != module_doublet_offsets_[m + 1]; ++x) {
      const std::uint32_t di = module_doublets_[x];
      const ModuleMap::Doublet& d = doublets[di];
      const auto nb = module_offsets[d.b + 1] - module_offsets[d.b];
      if (nb == 0) continue;
      Workspace::DoubletSearch s{
          di, module_offsets[d.b], module_offsets[d.b + 1], Workspace::DoubletSearch::kAllPairs, 0, 0, 0, 0, 0, 0};
      if (!config_.all_pairs && dphiWindow(d, s.lo, s.hi)) {
        if (std::isnan(ws.phi_centre[d.b])) continue;  // no hit of module b has a phi
        s.how = nb <= kScanHits ? Workspace::DoubletSearch::kScan : Workspace::DoubletSearch::kBinarySearch;
        s.mid = 0.5 * (s.lo + s.hi);
        s.half = 0.5 * (s.hi - s.lo);
        s.b_centre = ws.phi_centre[d.b];
        s.b_reach = s.half + ws.phi_half_width[d.b];
      }
      ws.searches.push_back(s);
    }
    for (auto pa = a0; pa != a1; ++pa) {
      const std::uint32_t i = module_hits[pa];
      const double phi_a = points[pa].phi;
      ws.out_begin[i] = static_cast<std::uint32_t>(ws.candidates.size());
      for (const Workspace::DoubletSearch& s : ws.searches) {
        const std::uint32_t b0 = s.b0, b1 = s.b1;
        if (s.how == Workspace::DoubletSearch::kAllPairs) {
          for (auto pb = b0; pb != b1; ++pb) test(s.doublet, pa, pb);
          continue;
        }
        // A pair can pass only if phi_b - phi_a lies in [lo, hi] up to a whole turn: phi_b
        // within `half` of phi_a + mid, where the distance of x and y up to a turn is the
        // smaller of u = |x - y| and |u - 2 pi| (x, y of one or two turns; NaN fails). None
        // does if the window misses the phi range of module b.
        const double lo = s.lo, hi = s.hi;
        const double distance = std::abs(phi_a + s.mid - s.b_centre);
        if (!(std::min(distance, std::abs(distance - two_pi)) <= s.b_reach)) continue;
        if (s.how == Workspace::DoubletSearch::kScan) {
          const HitPoint* const points_b = points + b0;
          const std::uint32_t nb = b1 - b0;
          const double from = phi_a + s.mid;
          std::uint64_t inside = 0;  // bit q: hit b0 + q is in the window
          for (std::uint32_t q = 0; q < nb; ++q) {
            const double u = std::abs(points_b[q].phi - from);
            inside |= std::uint64_t(std::min(u, std::abs(u - two_pi)) <= s.half) << q;
          }
          for (; inside; inside &= inside - 1) test(s.doublet, pa, b0 + static_cast<std::uint32_t>(__builtin_ctzll(inside)));
          continue;
        }
        const std::uint32_t module_b = doublets[s.doublet].b;
        const float* const phi_b = ws.phi.data() + ws.phi_offsets[module_b];
        const float* const phi_b_end = ws.phi.data() + ws.phi_offsets[module_b + 1];
        const std::uint32_t* const position_b = ws.phi_position.data() + ws.phi_offsets[module_b];
        if (phi_b == phi_b_end) continue;
        ws.window.clear();
        for (const double turn : {-two_pi, 0.0, two_pi}) {
          const double from = phi_a + lo + turn, to = phi_a + hi + turn;
          if (to < *phi_b || from > phi_b_end[-1]) continue;
          auto q = std::lower_bound(phi_b, phi_b_end, from, [](float p, double v) { return p < v; });
          for (; q != phi_b_end && *q <= to; ++q) ws.window.push_back(position_b[q - phi_b]);
        }
        // The reference order: second hits in hit order.
        if (ws.window.size() > 1) std::sort(ws.window.begin(), ws.window.end());
        for (const auto pb : ws.window) test(s.doublet, pa, pb);
      }
      ws.out_end[i] = static_cast<std::uint32_t>(ws.candidates.size());
    }
  }
}

void ModuleMapEdgeBuilder::findTriplets(const EdgeBuilderInput& in, Workspace& ws) const {
  // Keep an edge if it continues or is continued by another candidate on a triplet of the map
  // with compatible slopes. The slope uncertainties of each candidate were computed once by
  // the doublet stage, the scattering at each middle hit is computed once here.
  const HitCoordinates& c = in.coordinates;
  const std::size_t hits = in.event.hits.size(), n = ws.candidates.size();
  const Workspace::Candidate* const candidates = ws.candidates.data();
  const SlopeVariance* const variance = ws.variance.data();
  const HitPair* const pairs = ws.pairs.data();
  // The edges into each hit in candidate order, with all that the loop below reads of them:
  // incoming[in_offsets[h] .. in_offsets[h + 1]) (a counting sort by second hit).
  auto& offsets = ws.in_offsets;
  offsets.assign(hits + 1, 0);
  for (std::size_t e = 0; e < n; ++e) ++offsets[pairs[e].second + 1];
  for (std::size_t h = 0; h < hits; ++h) offsets[h + 1] += offsets[h];
  ws.incoming.resize(n);
  for (std::uint32_t e = 0; e < n; ++e) ws.incoming[offsets[pairs[e].second]++] = {candidates[e], e};
  for (std::size_t h = hits; h > 0; --h) offsets[h] = offsets[h - 1];  // back to the starts
  offsets[0] = 0;
  ws.keep.assign(n, 0);
  char* const keep = ws.keep.data();
  const Workspace::Incoming* const incoming = ws.incoming.data();
  const TripletCut* const cuts = triplet_cuts_.data();
  // Most hit triples fail, so a conservative test without square roots goes first: the cut
  // widens a range by k sqrt(v_in + v_out + v_scattering) <= k (sigma_in + sigma_out +
  // sigma_scattering); the factor on k (1e-5, far above float precision) and the slack of the
  // TripletCut bounds cover the float rounding of the sigmas and of the cut. Only triples that
  // pass it get the exact cut.
  const double k = config_.n_sigma;
  const double k_bound = std::isnan(k) ? k : std::max(k, 0.0) * (1 + 1e-5);  // NaN rejects nothing
  const bool reference = config_.all_pairs;  // every pair of candidates through the exact cuts
  for (std::uint32_t b = 0; b < hits; ++b) {
    const std::uint32_t i0 = offsets[b], i1 = offsets[b + 1];
    const std::uint32_t o0 = ws.out_begin[b], o1 = ws.out_end[b];
    if (i0 == i1 || o0 == o1) continue;
    const SlopeVariance scattering = scatteringVariance(c, b, resolution_[in.module[b]]);
    const double scattering_sigma_dzdr = std::sqrt(scattering.dzdr);
    const double scattering_sigma_phi_slope = std::sqrt(scattering.phi_slope);
    // The edges into b come in candidate order and those out of b are contiguous, both grouped
    // by doublet (map order): one triplet lookup per pair of groups.
    ws.out_groups.clear();
    for (auto go = o0; go != o1;) {
      Workspace::OutGroup group{go, go, doublet_second_[candidates[go].doublet], candidates[go].slopes.dzdr,
                                candidates[go].slopes.dzdr, candidates[go].slopes.phi_slope,
                                candidates[go].slopes.phi_slope, 0, 0};
      for (; group.end != o1 && candidates[group.end].doublet == candidates[go].doublet; ++group.end) {
        const Workspace::Candidate& e = candidates[group.end];
        group.dzdr_min = std::min(group.dzdr_min, e.slopes.dzdr);
        group.dzdr_max = std::max(group.dzdr_max, e.slopes.dzdr);
        group.phi_slope_min = std::min(group.phi_slope_min, e.slopes.phi_slope);
        group.phi_slope_max = std::max(group.phi_slope_max, e.slopes.phi_slope);
        const double reach_dzdr = k_bound * e.sigma[0], reach_phi_slope = k_bound * e.sigma[1];
        group.reach_dzdr = std::isnan(reach_dzdr) ? reach_dzdr : std::max(group.reach_dzdr, reach_dzdr);
        group.reach_phi_slope =
            std::isnan(reach_phi_slope) ? reach_phi_slope : std::max(group.reach_phi_slope, reach_phi_slope);
      }
      ws.out_groups.push_back(group);
      go = group.end;
    }
    for (auto gi = i0; gi != i1;) {
      const std::uint32_t doublet_in = incoming[gi].doublet;
      auto gi_end = gi;
      // The ranges of the group's slopes and its largest sigmas (NaN if one is NaN).
      float dzdr_min = incoming[gi].slopes.dzdr, dzdr_max = dzdr_min;
      float phi_slope_min = incoming[gi].slopes.phi_slope, phi_slope_max = phi_slope_min;
      float sigma_dzdr = 0, sigma_phi_slope = 0;
      for (; gi_end != i1 && incoming[gi_end].doublet == doublet_in; ++gi_end) {
        const Workspace::Incoming& e = incoming[gi_end];
        dzdr_min = std::min(dzdr_min, e.slopes.dzdr);
        dzdr_max = std::max(dzdr_max, e.slopes.dzdr);
        phi_slope_min = std::min(phi_slope_min, e.slopes.phi_slope);
        phi_slope_max = std::max(phi_slope_max, e.slopes.phi_slope);
        sigma_dzdr = std::isnan(e.sigma[0]) ? e.sigma[0] : std::max(sigma_dzdr, e.sigma[0]);
        sigma_phi_slope = std::isnan(e.sigma[1]) ? e.sigma[1] : std::max(sigma_phi_slope, e.sigma[1]);
      }
      // The triplets (a, b, *) of the doublet, by third module.
      const TripletCut* const t0 = cuts + doublet_triplets_[doublet_in];
      const TripletCut* const t1 = cuts + doublet_triplets_[doublet_in + 1];
      const TripletCut* t = t0;
      for (const Workspace::OutGroup& out : ws.out_groups) {
        TripletCut cut{};
        if (reference) {
          const ModuleMap::Triplet* triplet = map_->findTriplet(map_->doublets[doublet_in].a, in.module[b], out.module);
          if (!triplet) continue;
          cut.diff_dzdr = triplet->diff_dzdr;
          cut.diff_phi_slope = triplet->diff_phi_slope;
        } else {
          if (t0 == t1) break;
          // In a map sorted by doublets the third modules come in increasing order.
          if (t != t0 && t[-1].third >= out.module) t = t0;
          while (t != t1 && t->third < out.module) ++t;
          if (t == t1 || t->third != out.module) continue;
          cut = *t;
        }
        // The test below for groups of pairs at once, first both groups, then each edge into b
        // with the group out: the slope differences lie between those of the extreme slopes
        // (float subtraction is monotonic), no sigma exceeds the largest.
        const auto outside = [](float lo, float hi, double mid) {
          return std::max({double(lo) - mid, mid - double(hi), 0.0});
        };
        if (!reference &&
            (outside(out.dzdr_min - dzdr_max, out.dzdr_max - dzdr_min, cut.dzdr_mid) - out.reach_dzdr >
                 cut.dzdr_half + k_bound * (sigma_dzdr + scattering_sigma_dzdr) ||
             outside(out.phi_slope_min - phi_slope_max, out.phi_slope_max - phi_slope_min, cut.phi_slope_mid) -
                     out.reach_phi_slope >
                 cut.phi_slope_half + k_bound * (sigma_phi_slope + scattering_sigma_phi_slope)))
          continue;
        for (auto pi = gi; pi != gi_end; ++pi) {
          const Workspace::Incoming& first = incoming[pi];
          const double reach_dzdr = cut.dzdr_half + k_bound * (first.sigma[0] + scattering_sigma_dzdr);
          const double reach_phi_slope = cut.phi_slope_half + k_bound * (first.sigma[1] + scattering_sigma_phi_slope);
          if (!reference &&
              (outside(out.dzdr_min - first.slopes.dzdr, out.dzdr_max - first.slopes.dzdr, cut.dzdr_mid) -
                       out.reach_dzdr >
                   reach_dzdr ||
               outside(out.phi_slope_min - first.slopes.phi_slope, out.phi_slope_max - first.slopes.phi_slope,
                       cut.phi_slope_mid) -
                       out.reach_phi_slope >
                   reach_phi_slope))
            continue;
          for (auto po = out.begin; po != out.end; ++po) {
            const Workspace::Candidate& second = candidates[po];
            if (!reference) {
              // The slope differences as TripletGeometry::of computes them.
              const float diff_dzdr = second.slopes.dzdr - first.slopes.dzdr;
              const float diff_phi_slope = second.slopes.phi_slope - first.slopes.phi_slope;
              if (std::abs(double(diff_dzdr) - cut.dzdr_mid) - k_bound * second.sigma[0] > reach_dzdr ||
                  std::abs(double(diff_phi_slope) - cut.phi_slope_mid) - k_bound * second.sigma[1] > reach_phi_slope)
                continue;
              if (keep[first.edge] && keep[po]) continue;  // nothing left to decide
            }
            const SlopeVariance v{variance[first.edge].dzdr + variance[po].dzdr + scattering.dzdr,
                                  variance[first.edge].phi_slope + variance[po].phi_slope + scattering.phi_slope};
            if (passesTriplet(cut.diff_dzdr, cut.diff_phi_slope, first.slopes, second.slopes, v))
              keep[first.edge] = keep[po] = 1;
          }
        }
      }
      gi = gi_end;
    }
  }
}

std::vector<HitPair> ModuleMapEdgeBuilder::build(const EdgeBuilderInput& in) const {
  switch (config_.instruction_set) {
    case runtime::Isa::Avx512:
      return searchAvx512(in);
    case runtime::Isa::Avx2:
      return searchAvx2(in);
    default:
      return searchBase(in);
  }
}

// The search compiled for each instruction set with everything it calls inlined (flatten), so
// that all of it uses that set's instructions. The graph library is compiled without fused
// multiply-adds (-ffp-contract=off) and every operation here rounds as IEEE 754 says on any
// set, so the edges are the same on each (a test checks).
[[gnu::flatten]] std::vector<HitPair> ModuleMapEdgeBuilder::searchBase(const EdgeBuilderInput& in) const {
  return search(in);
}
[[gnu::target("arch=x86-64-v3"), gnu::flatten]] std::vector<HitPair> ModuleMapEdgeBuilder::searchAvx2(
    const EdgeBuilderInput& in) const {
  return search(in);
}
[[gnu::target("arch=x86-64-v4"), gnu::flatten]] std::vector<HitPair> ModuleMapEdgeBuilder::searchAvx512(
    const EdgeBuilderInput& in) const {
  return search(in);
}

std::vector<HitPair> ModuleMapEdgeBuilder::search(const EdgeBuilderInput& in) const {
  // The scratch arrays of a busy event take tens of MB; fresh pages for them on every event
  // cost more than the search itself, so they are reused: each call takes a workspace from
  // the pool (a new one when all are in use) and returns it.
  std::unique_ptr<Workspace> ws;
  {
    const std::lock_guard lock(pool_mutex_);
    if (!pool_.empty()) {
      ws = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  if (!ws) ws = std::make_unique<Workspace>();
  bucket(in.module.size(), map_->modules.size(), [&](std::size_t h) { return in.module[h]; }, ws->module_offsets,
         ws->module_hits);
  const HitCoordinates& c = in.coordinates;
  ws->points.resize(ws->module_hits.size());
  for (std::size_t x = 0; x < ws->module_hits.size(); ++x) {
    const std::uint32_t h = ws->module_hits[x];
    ws->points[x] = {c.r[h], c.phi[h], c.z[h], c.eta[h], resolution_[in.module[h]].phiVariance(c.r[h])};
  }
  // Doublet cuts: only hits on the two modules of a doublet are ever paired.
  findDoublets(in.module.size(), *ws);
  if (config_.use_triplets) findTriplets(in, *ws);
  // The edges sorted by first hit, then by second hit (the order of a graph's edges, which
  // its constructor then need not sort): the kept candidates of each first hit are contiguous,
  // a few per hit, sorted in place.
  const bool all = !config_.use_triplets;
  const std::size_t hits = in.module.size();
  std::size_t kept = ws->candidates.size();
  if (!all) kept = static_cast<std::size_t>(std::count(ws->keep.begin(), ws->keep.end(), char(1)));
  std::vector<HitPair> edges;
  edges.reserve(kept);
  for (std::size_t h = 0; h < hits; ++h) {
    const std::size_t first = edges.size();
    for (auto e = ws->out_begin[h]; e != ws->out_end[h]; ++e)
      if (all || ws->keep[e]) edges.push_back(ws->pairs[e]);
    if (edges.size() - first > 1) std::sort(edges.begin() + first, edges.end());
  }
  const std::lock_guard lock(pool_mutex_);
  pool_.push_back(std::move(ws));
  return edges;
}

}  // namespace efgnn

#include "graph/ModuleMapEdgeBuilder.hpp"

#include <algorithm>
#include <cmath>

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

bool ModuleMapEdgeBuilder::passesDoublet(const ModuleMap::Doublet& d, const HitCoordinates& c, std::uint32_t i,
                                         std::uint32_t j, const DoubletGeometry& q) const {
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
  const double r1 = c.r[i], r2 = c.r[j], dr = r2 - r1, dz = c.z[j] - c.z[i];
  const auto var_dphi = [&] { return a.phiVariance(r1) + b.phiVariance(r2); };
  if (!pass(d.dphi, q.dphi, var_dphi)) return false;
  if (!pass(d.phi_slope, q.phi_slope, [&] {
        return var_dphi() / sq(dr) + sq(q.dphi / sq(dr)) * (sq(a.sigma_r) + sq(b.sigma_r));
      }))
    return false;
  if (!pass(d.z0, q.z0, [&] {
        return sq(1 + r1 / dr) * sq(a.sigma_z) + sq(r1 / dr) * sq(b.sigma_z) +
               sq(dz / dr * (1 + r1 / dr)) * sq(a.sigma_r) + sq(r1 * dz / (dr * dr)) * sq(b.sigma_r);
      }))
    return false;
  const auto var_eta = [&](std::uint32_t h, const Resolution& res) {
    return (sq(res.sigma_z) + sq(c.z[h] / c.r[h] * res.sigma_r)) / (sq(c.r[h]) + sq(c.z[h]));
  };
  return pass(d.deta, q.deta, [&] { return var_eta(i, a) + var_eta(j, b); });
}

ModuleMapEdgeBuilder::SlopeVariance ModuleMapEdgeBuilder::slopeVariance(const HitCoordinates& c, std::uint32_t i,
                                                                         std::uint32_t j, const Resolution& a,
                                                                         const Resolution& b,
                                                                         const DoubletGeometry& q) {
  const double dr = c.r[j] - c.r[i], dz = c.z[j] - c.z[i];
  const double var_r = sq(a.sigma_r) + sq(b.sigma_r);
  return {(sq(a.sigma_z) + sq(b.sigma_z)) / sq(dr) + sq(dz / (dr * dr)) * var_r,
          (a.phiVariance(c.r[i]) + b.phiVariance(c.r[j])) / sq(dr) + sq(q.dphi / (dr * dr)) * var_r};
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

bool ModuleMapEdgeBuilder::passesTriplet(const ModuleMap::Triplet& t, const DoubletGeometry& first,
                                         const DoubletGeometry& second, const SlopeVariance& variance) const {
  const float rel = config_.relative_tolerance;
  const TripletGeometry q = TripletGeometry::of(first, second);
  const double k = config_.n_sigma;
  const auto margin = [k](double v) { return static_cast<float>(std::min(1e30, k * std::sqrt(v))); };
  return t.diff_dzdr.contains(q.diff_dzdr, rel, margin(variance.dzdr)) &&
         t.diff_phi_slope.contains(q.diff_phi_slope, rel, margin(variance.phi_slope));
}

ModuleMapEdgeBuilder::ModuleMapEdgeBuilder(std::shared_ptr<const ModuleMap> map, const Detector& detector,
                                           Config config)
    : map_(std::move(map)), config_(config) {
  map_->checkDetector(detector, "module map");
  resolution_.reserve(detector.modules.size());
  for (const Module& m : detector.modules) resolution_.push_back(resolutionOf(detector, m));
}

std::vector<HitPair> ModuleMapEdgeBuilder::build(const EdgeBuilderInput& in) const {
  const HitCoordinates& c = in.coordinates;
  const HitBuckets by_module(in.module, map_->modules.size());

  // Doublet cuts: only hits on the two modules of a doublet are ever paired.
  std::vector<HitPair> candidates;
  std::vector<DoubletGeometry> geometry;  // of each candidate, for the triplet cuts
  for (std::size_t di = 0; di < map_->doublets.size(); ++di) {
    const ModuleMap::Doublet& d = map_->doublets[di];
    const auto [a0, a1] = by_module.of(d.a);
    if (a0 == a1) continue;
    const auto [b0, b1] = by_module.of(d.b);
    for (auto pa = a0; pa != a1; ++pa)
      for (auto pb = b0; pb != b1; ++pb) {
        const auto i = *pa, j = *pb;
        const auto q = DoubletGeometry::of(c.r[i], c.phi[i], c.z[i], c.eta[i], c.r[j], c.phi[j],
                                           c.z[j], c.eta[j]);
        if (passesDoublet(d, c, i, j, q))
        {
          candidates.emplace_back(i, j);
          geometry.push_back(q);
        }
      }
  }
  if (!config_.use_triplets) return candidates;

  // Triplet cuts: keep an edge if it continues or is continued by another candidate on a
  // triplet of the map with compatible slopes. The slope uncertainties of each candidate and
  // the scattering at each middle hit are computed once.
  std::vector<std::uint32_t> incoming_key(candidates.size()), outgoing_key(candidates.size());
  std::vector<SlopeVariance> variance(candidates.size());
  for (std::size_t e = 0; e < candidates.size(); ++e) {
    const auto [i, j] = candidates[e];
    incoming_key[e] = j;
    outgoing_key[e] = i;
    variance[e] = slopeVariance(c, i, j, resolution_[in.module[i]], resolution_[in.module[j]], geometry[e]);
  }
  const HitBuckets incoming(incoming_key, in.event.hits.size());  // edge ids by their dst hit
  const HitBuckets outgoing(outgoing_key, in.event.hits.size());  // edge ids by their src hit
  std::vector<char> keep(candidates.size(), 0);
  for (std::uint32_t b = 0; b < in.event.hits.size(); ++b) {
    const auto [i0, i1] = incoming.of(b);
    const auto [o0, o1] = outgoing.of(b);
    if (i0 == i1 || o0 == o1) continue;
    const SlopeVariance scattering = scatteringVariance(c, b, resolution_[in.module[b]]);
    // Candidates come in doublet order, so the edges into b are grouped by the module they
    // come from and those out of b by the module they go to: one triplet lookup per group pair.
    for (auto gi = i0; gi != i1;) {
      const auto module_a = in.module[candidates[*gi].first];
      auto gi_end = gi;
      while (gi_end != i1 && in.module[candidates[*gi_end].first] == module_a) ++gi_end;
      for (auto go = o0; go != o1;) {
        const auto module_c = in.module[candidates[*go].second];
        auto go_end = go;
        while (go_end != o1 && in.module[candidates[*go_end].second] == module_c) ++go_end;
        if (const auto* t = map_->findTriplet(module_a, in.module[b], module_c))
          for (auto pi = gi; pi != gi_end; ++pi)
            for (auto po = go; po != go_end; ++po) {
              const SlopeVariance v{variance[*pi].dzdr + variance[*po].dzdr + scattering.dzdr,
                                    variance[*pi].phi_slope + variance[*po].phi_slope + scattering.phi_slope};
              if (passesTriplet(*t, geometry[*pi], geometry[*po], v)) keep[*pi] = keep[*po] = 1;
            }
        go = go_end;
      }
      gi = gi_end;
    }
  }
  std::vector<HitPair> edges;
  for (std::size_t e = 0; e < candidates.size(); ++e)
    if (keep[e]) edges.push_back(candidates[e]);
  return edges;
}

}  // namespace efgnn

#include "sim/DetectorSimulation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <limits>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "core/Error.hpp"
#include "core/Pdg.hpp"
#include "core/Units.hpp"
#include "sim/Kinematics.hpp"

namespace efgnn {
namespace {

constexpr double kTwoPi = 2 * units::pi;
constexpr double kEpsilon = 1e-6;            // [mm] minimum step, avoids re-finding a surface
constexpr double kX0OverLambdaSilicon = 0.2;  // radiation / nuclear interaction length
constexpr double kConversionFactor = 7.0 / 9.0;
constexpr double kK0ShortCtau = 26.84, kLambdaCtau = 78.9;  // [mm]

/// Highland formula: RMS plane scattering angle after x radiation lengths.
double highland(double p, double beta, int charge, double x) {
  if (x <= 0) return 0;
  const double q = std::abs(charge);
  return 0.0136 / (beta * p) * q * std::sqrt(x) * (1 + 0.038 * std::log(x * q * q / (beta * beta)));
}

Vec3 surfaceNormal(const Surface& s, const Vec3& pos) {
  if (s.kind == SurfaceKind::Disk) return {0, 0, 1};
  const double r = pos.perp();
  return {pos.x / r, pos.y / r, 0};
}

/// A track's path near a point, by 3D path length s from it (negative: backwards): a helix in
/// the solenoid field, a straight line for a neutral particle.
class Trajectory {
 public:
  Trajectory(const Vec3& pos, const Vec3& mom, int charge, double bfield) : pos_(pos) {
    const double p = mom.norm(), pt = mom.perp();
    dir_ = mom * (1 / p);
    straight_ = charge == 0 || pt < 1e-9;
    if (straight_) return;
    radius_ = pt / (units::kMomentumToRadius * std::abs(charge) * bfield);
    h_ = charge * bfield > 0 ? -1.0 : 1.0;  // +1: counter-clockwise seen from +z
    const double phi0 = std::atan2(mom.y, mom.x);
    cx_ = pos.x - h_ * radius_ * std::sin(phi0);
    cy_ = pos.y + h_ * radius_ * std::cos(phi0);
    theta0_ = std::atan2(pos.y - cy_, pos.x - cx_);
    sin_ = pt / p;
    cos_ = mom.z / p;
  }
  Vec3 at(double s) const {
    if (straight_) return pos_ + dir_ * s;
    const double th = theta0_ + h_ * s * sin_ / radius_;
    return {cx_ + radius_ * std::cos(th), cy_ + radius_ * std::sin(th), pos_.z + s * cos_};
  }
  Vec3 direction(double s) const {
    if (straight_) return dir_;
    const double th = theta0_ + h_ * s * sin_ / radius_;
    return {-h_ * sin_ * std::sin(th), h_ * sin_ * std::cos(th), cos_};
  }
  /// Path length to the plane through `point` with unit `normal`, by Newton's method from s = 0;
  /// nullopt when it does not converge (the track runs along the plane).
  std::optional<double> toPlane(const Vec3& point, const Vec3& normal) const {
    double s = 0;
    for (int i = 0; i < 20; ++i) {
      const double slope = normal.dot(direction(s));
      if (std::abs(slope) < 1e-6) return std::nullopt;
      const double step = normal.dot(at(s) - point) / slope;
      s -= step;
      if (std::abs(step) < 1e-9) return s;
    }
    return std::nullopt;
  }

 private:
  Vec3 pos_, dir_;
  bool straight_ = true;
  double radius_ = 0, h_ = 1, cx_ = 0, cy_ = 0, theta0_ = 0, sin_ = 1, cos_ = 0;
};

/// Hits collected during the event, before sorting and numbering.
struct SimHit {
  std::uint32_t module;
  std::uint32_t particle;  // index into Work::particles; max for noise
  std::uint32_t sequence;  // order along the particle
  SpacePoint point;        // position and clusters; ids filled later
  Vec3 true_pos, true_mom;
};

}  // namespace

struct DetectorSimulation::Work {
  Rng& rng;
  std::vector<Particle> particles;
  std::vector<SimHit> hits;
  std::vector<std::uint32_t> module_buffer;
  std::vector<std::pair<double, std::uint32_t>> crossed_buffer;
  std::uint64_t next_id = 1;
  double efficiency = 1;
  double noise_rate = 0;
  std::uint32_t sequence = 0;

  void addSecondary(std::size_t parent, int pdg_code, const Vec3& vertex, const Vec3& mom,
                    Process process, double min_pt) {
    if (mom.perp() < min_pt && pdg::charge3(pdg_code) != 0) return;
    Particle p;
    p.particle_id = next_id++;
    p.pdg = pdg_code;
    p.charge = pdg::charge(pdg_code);
    p.vertex = vertex;
    p.momentum = mom;
    p.primary = false;
    p.parent_id = particles[parent].particle_id;
    p.process = process;
    p.collision = particles[parent].collision;
    particles.push_back(p);
  }
};

void DetectorSimulationConfig::validate() const {
  const auto fail = [](const char* name, const char* range, double v) {
    char text[64];
    std::snprintf(text, sizeof text, "%g", v);
    return Error(std::string("detector simulation: ") + name + " must be in " + range + ", got " + text);
  };
  if (hit_efficiency && !(*hit_efficiency >= 0 && *hit_efficiency <= 1))
    throw fail("hit_efficiency", "[0, 1]", *hit_efficiency);
  if (noise_hits_per_module && !(*noise_hits_per_module >= 0 && *noise_hits_per_module <= Detector::kMaxNoiseHitsPerModule))
    throw fail("noise_hits_per_module", "[0, 10]", *noise_hits_per_module);
  // A looper is followed turn by turn; 1000 turns is far beyond any that still leaves
  // useful hits, and bounds the time per particle.
  if (!(max_turns > 0 && max_turns <= 1000)) throw fail("max_turns", "(0, 1000]", max_turns);
  if (!(min_propagated_pt >= 0 && std::isfinite(min_propagated_pt)))
    throw fail("min_propagated_pt", "[0, inf) GeV", min_propagated_pt);
  if (!(secondary_min_pt >= 0 && std::isfinite(secondary_min_pt)))
    throw fail("secondary_min_pt", "[0, inf) GeV", secondary_min_pt);
  if (max_crossings <= 0 || max_crossings > 100000) throw fail("max_crossings", "[1, 100000]", max_crossings);
  // 10 mm is far beyond any alignment tolerance; more would move hits off their modules.
  if (!(misalignment_mm >= 0 && misalignment_mm <= 10)) throw fail("misalignment_mm", "[0, 10] mm", misalignment_mm);
}

DetectorSimulation::DetectorSimulation(const Detector& detector, DetectorSimulationConfig config)
    : detector_(detector), config_(config) {
  config_.validate();
  if (config_.misalignment_mm > 0) {
    module_shift_.resize(detector_.modules.size());
    for (std::size_t m = 0; m < module_shift_.size(); ++m) {
      Rng rng(config_.misalignment_seed, {static_cast<std::uint64_t>(m)});
      module_shift_[m] = Vec3{rng.normal(), rng.normal(), rng.normal()} * config_.misalignment_mm;
    }
  }
  if (!(detector_.config.bfield > 0))
    throw Error("detector '" + detector_.config.name + "': the simulation needs bfield > 0");
  for (std::uint32_t i = 0; i < detector_.surfaces.size(); ++i) {
    const Surface& s = detector_.surfaces[i];
    if (s.kind == SurfaceKind::Cylinder) {
      cylinders_.push_back(i);
      world_r_ = std::max(world_r_, s.position);
      world_z_ = std::max({world_z_, std::abs(s.min), std::abs(s.max)});
    } else {
      disks_.push_back(i);
      world_z_ = std::max(world_z_, std::abs(s.position));
      world_r_ = std::max(world_r_, s.max);
    }
  }
  // detector_.surfaces is sorted by (kind, position), so these lists are sorted too.
  for (auto i : cylinders_) cylinder_radius_.push_back(detector_.surfaces[i].position);
  for (auto i : disks_) disk_z_.push_back(detector_.surfaces[i].position);
  world_r_ += 10;
  world_z_ += 10;
}

void DetectorSimulation::recordHit(Work& w, std::size_t index, const Module& m, const Vec3& pos,
                                   const Vec3& mom) const {
  if (w.efficiency < 1 && !w.rng.bernoulli(w.efficiency)) return;
  const ModuleType& t = detector_.typeOf(m);
  // On a displaced module the track crosses at pos - shift in the module's nominal frame.
  const Vec3 seen = module_shift_.empty() ? pos : pos - module_shift_[m.index];
  const LocalPoint truth = detector_.toLocal(m, seen.x, seen.y, seen.z);
  SimHit hit;
  hit.module = m.index;
  hit.particle = static_cast<std::uint32_t>(index);
  hit.sequence = w.sequence++;
  hit.true_pos = pos;
  hit.true_mom = mom;
  LocalPoint meas = truth;
  if (t.isStereo()) {
    // Each sensor measures the coordinate across its strips, rotated by +-angle/2; the space
    // point is where the two measured strips cross. Cluster positions sit at the strip centre.
    const double th = 0.5 * t.stereo_angle, c = std::cos(th), s = std::sin(th);
    double m0 = truth.u * c - truth.v * s, m1 = truth.u * c + truth.v * s;
    if (config_.smear) {
      m0 += w.rng.normal() * t.sigma_u;
      m1 += w.rng.normal() * t.sigma_u;
    }
    meas = {(m0 + m1) / (2 * c), (m1 - m0) / (2 * s)};
    std::array<std::array<float, 3>, 2> clusters;
    for (int k = 0; k < 2; ++k) {
      Module sensor = m;
      sensor.position += (k == 0 ? -0.5 : 0.5) * t.stereo_gap;
      double x, y, z;
      detector_.toGlobal(sensor, {(k == 0 ? m0 : m1) / c, 0}, x, y, z);
      clusters[k] = {static_cast<float>(x), static_cast<float>(y), static_cast<float>(z)};
    }
    hit.point.clusters = clusters;
  } else if (config_.smear && m.placement) {
    // As TrackML's digitisation: the centre of the cell the track crossed (the resolution is
    // pitch / sqrt(12)); cells counted from the module's lower edge in v and from its axis in u.
    meas.v = -m.half_v + (std::floor((truth.v + m.half_v) / t.pitch_v) + 0.5) * t.pitch_v;
    meas.u = (std::floor(truth.u / t.pitch_u) + 0.5) * t.pitch_u;
  } else if (config_.smear) {
    meas.u += w.rng.normal() * t.sigma_u;
    meas.v += w.rng.normal() * t.sigma_v;
  }
  meas.v = std::clamp(meas.v, -m.half_v, m.half_v);
  meas.u = std::clamp(meas.u, -m.halfWidthAt(meas.v), m.halfWidthAt(meas.v));
  double x, y, z;
  detector_.toGlobal(m, meas, x, y, z);
  hit.point.x = static_cast<float>(x);
  hit.point.y = static_cast<float>(y);
  hit.point.z = static_cast<float>(z);
  w.hits.push_back(hit);
  ++w.particles[index].nhits;
}

double DetectorSimulation::crossPlacedModules(Work& w, std::size_t index, const Surface& s, const Vec3& pos,
                                              const Vec3& mom) const {
  const int charge = w.particles[index].charge;
  const Trajectory track(pos, mom, charge, detector_.config.bfield);
  // The track meets the shell's middle at pos; the module planes lie within [inner, outer]
  // along the shell's normal, so within `reach` of pos along the track (a millimetre spare).
  const double cos_inc = std::max(0.02, std::abs(surfaceNormal(s, pos).dot(track.direction(0))));
  const double reach = std::min((0.5 * (s.outer - s.inner) + 1.0) / cos_inc, 500.0);
  const double phi0 = pos.phi();
  double dphi_lo = 0, dphi_hi = 0, lo = 1e30, hi = -1e30;
  constexpr int kSamples = 8;
  for (int k = 0; k <= kSamples; ++k) {
    const Vec3 q = track.at(reach * (2.0 * k / kSamples - 1));
    const double dphi = units::wrapAngle(q.phi() - phi0);
    dphi_lo = std::min(dphi_lo, dphi);
    dphi_hi = std::max(dphi_hi, dphi);
    const double second = s.kind == SurfaceKind::Cylinder ? q.z : q.perp();
    lo = std::min(lo, second);
    hi = std::max(hi, second);
  }
  detector_.modulesNear(s, phi0 + dphi_lo, phi0 + dphi_hi, lo, hi, w.module_buffer);
  std::vector<std::pair<double, std::uint32_t>>& crossed = w.crossed_buffer;
  crossed.clear();
  for (auto id : w.module_buffer) {
    const Module& m = detector_.modules[id];
    const auto at = track.toPlane(m.placement->centre, m.placement->normal);
    if (!at || std::abs(*at) > reach) continue;
    const Vec3 q = track.at(*at);
    if (detector_.contains(m, detector_.toLocal(m, q.x, q.y, q.z))) crossed.emplace_back(*at, id);
  }
  std::sort(crossed.begin(), crossed.end());
  double thickness = 0;
  for (const auto& [at, id] : crossed) {
    const Module& m = detector_.modules[id];
    thickness += detector_.typeOf(m).thickness_x0;
    if (charge != 0) recordHit(w, index, m, track.at(at), track.direction(at) * mom.norm());
  }
  return thickness;
}

void DetectorSimulation::crossSurface(Work& w, std::size_t index, const Surface& s,
                                      const Vec3& pos, Vec3& mom, bool& stopped) const {
  double thickness = s.thickness_x0;
  if (s.placed) {
    thickness = crossPlacedModules(w, index, s, pos, mom);
  } else if (!s.passive) {
    detector_.modulesAt(s, pos.x, pos.y, pos.z, w.module_buffer);
    if (w.module_buffer.empty()) return;  // through a gap between modules
    thickness = 0;
    for (auto id : w.module_buffer) {
      const Module& m = detector_.modules[id];
      thickness = std::max(thickness, detector_.typeOf(m).thickness_x0);
      if (w.particles[index].charge != 0) recordHit(w, index, m, pos, mom);
    }
  }
  if (thickness <= 0) return;
  const double p = mom.norm();
  const Vec3 dir = mom * (1 / p);
  const double cos_inc = std::max(0.05, std::abs(surfaceNormal(s, pos).dot(dir)));
  const double x = thickness / cos_inc;
  // Copies: adding secondaries below may reallocate w.particles.
  const int pdg_code = w.particles[index].pdg, charge = w.particles[index].charge;

  if (pdg_code == pdg::kPhoton) {
    if (config_.material_interactions &&
        w.rng.bernoulli(1 - std::exp(-kConversionFactor * x))) {
      const double share = w.rng.uniform();  // flat approximation of the Bethe-Heitler split
      w.addSecondary(index, -pdg::kElectron, pos, mom * share, Process::PhotonConversion,
                     config_.secondary_min_pt);
      w.addSecondary(index, pdg::kElectron, pos, mom * (1 - share), Process::PhotonConversion,
                     config_.secondary_min_pt);
      stopped = true;
    }
    return;
  }
  if (charge == 0) return;
  if (config_.material_interactions && pdg::isHadron(pdg_code) &&
      w.rng.bernoulli(1 - std::exp(-kX0OverLambdaSilicon * x))) {
    // Nuclear interaction: the hadron is absorbed. Sometimes a leading hadron carries on with
    // part of its momentum; the proton-rich intranuclear cascade is emitted nearly
    // isotropically with a few hundred MeV, which is why most secondaries are central.
    const auto [e1, e2] = kin::orthonormal(dir);
    if (w.rng.bernoulli(config_.leading_fragment_probability)) {
      const double leading = p * w.rng.uniform(0.2, 0.8);
      const double a = w.rng.uniform(-units::pi, units::pi), p_rel = w.rng.exponential(0.2);
      w.addSecondary(index, pdg_code, pos,
                     dir * leading + e1 * (p_rel * std::cos(a)) + e2 * (p_rel * std::sin(a)),
                     Process::HadronicInteraction, config_.secondary_min_pt);
    }
    const auto n = w.rng.poisson(config_.cascade_fragments);
    for (std::uint64_t i = 0; i < n; ++i) {
      const double u = w.rng.uniform();
      const int code = u < 0.5 ? pdg::kProton : u < 0.75 ? pdg::kPion : -pdg::kPion;
      w.addSecondary(index, code, pos, kin::isotropic(w.rng) * w.rng.exponential(config_.cascade_momentum),
                     Process::HadronicInteraction, config_.secondary_min_pt);
    }
    stopped = true;
    return;
  }
  if (config_.multiple_scattering) {
    const double m = pdg::mass(pdg_code);
    const double beta = p / std::sqrt(p * p + m * m);
    const double theta0 = highland(p, beta, charge, x);
    const auto [e1, e2] = kin::orthonormal(dir);
    Vec3 d = dir + e1 * (theta0 * w.rng.normal()) + e2 * (theta0 * w.rng.normal());
    mom = d * (p / d.norm());
  }
}

void DetectorSimulation::propagateCharged(Work& w, std::size_t index) const {
  Vec3 pos = w.particles[index].vertex;
  Vec3 mom = w.particles[index].momentum;
  const int charge = w.particles[index].charge;
  const double bfield = detector_.config.bfield;
  double turned = 0;  // total turning angle [rad]
  int crossings = 0;
  while (crossings < config_.max_crossings && turned < kTwoPi * config_.max_turns) {
    const double pt = mom.perp();
    if (pt < 1e-6) return;
    const double radius = pt / (units::kMomentumToRadius * std::abs(charge) * bfield);
    const double h = charge * bfield > 0 ? -1.0 : 1.0;  // +1: counter-clockwise seen from +z
    const double phi0 = std::atan2(mom.y, mom.x);
    const double cx = pos.x - h * radius * std::sin(phi0), cy = pos.y + h * radius * std::cos(phi0);
    const double d = std::sqrt(cx * cx + cy * cy);
    const double theta0 = std::atan2(pos.y - cy, pos.x - cx);
    const double dz_ds = mom.z / pt;  // dz per transverse path length

    // Transverse path length s to the first valid crossing within one turn and within the
    // remaining turn budget.
    const double budget = std::min(kTwoPi, kTwoPi * config_.max_turns - turned);
    double best_s = budget * radius;
    const Surface* best = nullptr;
    auto at = [&](double s, double& x, double& y, double& z) {
      const double th = theta0 + h * s / radius;
      x = cx + radius * std::cos(th);
      y = cy + radius * std::sin(th);
      z = pos.z + dz_ds * s;
    };
    // Cylinders reachable by the circle have radii in [|d - R|, d + R]. Each is crossed twice per
    // turn, at the turning angles psi +- delta seen from the circle centre.
    const double psi = std::atan2(cy, cx);
    auto turnTo = [&](double target) {
      double turn = h * (target - theta0);
      while (turn < 0) turn += kTwoPi;
      while (turn >= kTwoPi) turn -= kTwoPi;
      return turn * radius;
    };
    // Considers the crossings of cylinder k (only the earlier one if `first_only`); returns
    // true if one of them became the best.
    auto considerCylinder = [&](std::size_t k, bool first_only) {
      const Surface& s = detector_.surfaces[cylinders_[k]];
      const double rho = s.position;
      const double c = std::clamp((rho * rho - d * d - radius * radius) / (2 * radius * d), -1.0, 1.0);
      const double delta = std::acos(c);
      double s1 = turnTo(psi + delta), s2 = turnTo(psi - delta);
      if (s2 < s1) std::swap(s1, s2);
      for (double s_len : {s1, s2}) {
        if (s_len <= kEpsilon || s_len >= best_s) continue;
        const double z = pos.z + dz_ds * s_len;
        if (z >= s.min && z <= s.max) {
          best_s = s_len;
          best = &s;
          return true;
        }
        if (first_only) return false;
      }
      return false;
    };
    if (d > 1e-9) {  // a circle centred on the axis never changes radius
      const double r_now = std::sqrt(pos.x * pos.x + pos.y * pos.y);
      const double r_lo = std::abs(d - radius), r_hi = d + radius;
      const auto first = std::size_t(std::lower_bound(cylinder_radius_.begin(), cylinder_radius_.end(), r_lo - kEpsilon) - cylinder_radius_.begin());
      const auto last = std::size_t(std::upper_bound(cylinder_radius_.begin(), cylinder_radius_.end(), r_hi + kEpsilon) - cylinder_radius_.begin());
      // Fast path: on its way out (in), the particle crosses the cylinders beyond its radius in
      // order, each at the earlier of its two crossings, before any crossing on the way back.
      bool found = false;
      const auto begin = cylinder_radius_.begin();
      if (pos.x * mom.x + pos.y * mom.y >= 0) {
        const auto k0 = std::size_t(std::upper_bound(begin, cylinder_radius_.end(), r_now + kEpsilon) - begin);
        for (std::size_t k = std::max(k0, first); k < last && !found; ++k) found = considerCylinder(k, true);
      } else {
        const auto k0 = std::size_t(std::lower_bound(begin, cylinder_radius_.end(), r_now - kEpsilon) - begin);
        for (std::size_t k = std::min(k0, last); k-- > first && !found;) found = considerCylinder(k, true);
      }
      if (!found)
        for (std::size_t k = first; k < last; ++k) considerCylinder(k, false);
    }
    // Disks ahead in z: the nearest one whose radius range contains the crossing.
    if (std::abs(dz_ds) > 1e-12) {
      auto consider = [&](std::size_t k) {
        const Surface& s = detector_.surfaces[disks_[k]];
        const double s_len = (s.position - pos.z) / dz_ds;
        if (s_len <= kEpsilon) return false;
        if (s_len >= best_s) return true;  // farther disks are farther still
        double x, y, z;
        at(s_len, x, y, z);
        const double r = std::sqrt(x * x + y * y);
        if (r < s.min || r > s.max) return false;
        best_s = s_len;
        best = &s;
        return true;
      };
      if (dz_ds > 0) {
        for (auto k = std::size_t(std::upper_bound(disk_z_.begin(), disk_z_.end(), pos.z) - disk_z_.begin());
             k < disks_.size(); ++k)
          if (consider(k)) break;
      } else {
        for (auto k = std::size_t(std::lower_bound(disk_z_.begin(), disk_z_.end(), pos.z) - disk_z_.begin());
             k-- > 0;)
          if (consider(k)) break;
      }
    }

    double x, y, z;
    at(best_s, x, y, z);
    const double th_end = theta0 + h * best_s / radius;
    // Momentum direction at the new point: tangent of the circle.
    const double phi_end = th_end + h * units::pi / 2;
    mom = {pt * std::cos(phi_end), pt * std::sin(phi_end), mom.z};
    pos = {x, y, z};
    turned += best_s / radius;
    if (!best) {  // nothing crossed within a turn: it loops on unless it left or is out of turns
      if (budget < kTwoPi || std::abs(pos.z) > world_z_ || std::abs(dz_ds) < 1e-9) return;
      continue;
    }
    ++crossings;
    bool stopped = false;
    crossSurface(w, index, *best, pos, mom, stopped);
    if (stopped) return;
  }
}

void DetectorSimulation::propagateNeutral(Work& w, std::size_t index) const {
  const Particle start = w.particles[index];
  const int code = std::abs(start.pdg);
  const double p = start.momentum.norm();
  if (p <= 0) return;
  const Vec3 dir = start.momentum * (1 / p);

  // Decay point of a long-lived hadron (infinite for stable neutrals).
  double decay_at = std::numeric_limits<double>::infinity();
  if (config_.decays && (code == pdg::kK0Short || code == pdg::kLambda)) {
    const double m = pdg::mass(code);
    decay_at = w.rng.exponential((code == pdg::kK0Short ? kK0ShortCtau : kLambdaCtau) * p / m);
  }
  if (start.pdg == pdg::kPhoton && config_.material_interactions) {
    // Straight line: collect crossings with every surface in order of path length.
    std::vector<std::pair<double, const Surface*>> crossings;
    for (const Surface& s : detector_.surfaces) {
      double t = -1;
      if (s.kind == SurfaceKind::Disk) {
        if (std::abs(dir.z) > 1e-12) t = (s.position - start.vertex.z) / dir.z;
      } else {
        const double a = dir.x * dir.x + dir.y * dir.y;
        const double b = 2 * (start.vertex.x * dir.x + start.vertex.y * dir.y);
        const double c = start.vertex.x * start.vertex.x + start.vertex.y * start.vertex.y -
                         s.position * s.position;
        const double disc = b * b - 4 * a * c;
        if (a > 1e-12 && disc >= 0) t = (-b + std::sqrt(disc)) / (2 * a);  // outward crossing
      }
      if (t <= kEpsilon) continue;
      const Vec3 q = start.vertex + dir * t;
      const double second = s.kind == SurfaceKind::Disk ? q.perp() : q.z;
      if (second < s.min || second > s.max) continue;
      crossings.emplace_back(t, &s);
    }
    std::sort(crossings.begin(), crossings.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [t, s] : crossings) {
      Vec3 mom = start.momentum;
      bool stopped = false;
      crossSurface(w, index, *s, start.vertex + dir * t, mom, stopped);
      if (stopped) return;
    }
    return;
  }
  if (!std::isfinite(decay_at)) return;
  const Vec3 vertex = start.vertex + dir * decay_at;
  if (vertex.perp() > world_r_ || std::abs(vertex.z) > world_z_) return;
  const double m = pdg::mass(code);
  const double u = w.rng.uniform();
  const int sign = start.pdg > 0 ? 1 : -1;
  auto twoBody = [&](int d1, int d2) {
    const auto [p1, p2] = kin::twoBodyDecay(start.momentum, m, pdg::mass(d1), pdg::mass(d2), w.rng);
    return std::make_tuple(p1, p2);
  };
  auto addPi0Photons = [&](const Vec3& pi0) {
    const auto [g1, g2] = kin::twoBodyDecay(pi0, pdg::mass(pdg::kPi0), 0, 0, w.rng);
    w.addSecondary(index, pdg::kPhoton, vertex, g1, Process::Decay, 0);
    w.addSecondary(index, pdg::kPhoton, vertex, g2, Process::Decay, 0);
  };
  const double min_pt = config_.secondary_min_pt;
  if (code == pdg::kK0Short) {
    if (u < 0.692) {
      const auto [p1, p2] = twoBody(pdg::kPion, pdg::kPion);
      w.addSecondary(index, pdg::kPion, vertex, p1, Process::Decay, min_pt);
      w.addSecondary(index, -pdg::kPion, vertex, p2, Process::Decay, min_pt);
    } else {
      const auto [p1, p2] = twoBody(pdg::kPi0, pdg::kPi0);
      addPi0Photons(p1);
      addPi0Photons(p2);
    }
  } else {
    if (u < 0.639) {
      const auto [p1, p2] = twoBody(pdg::kProton, pdg::kPion);
      w.addSecondary(index, sign * pdg::kProton, vertex, p1, Process::Decay, min_pt);
      w.addSecondary(index, -sign * pdg::kPion, vertex, p2, Process::Decay, min_pt);
    } else {
      addPi0Photons(std::get<1>(twoBody(pdg::kNeutron, pdg::kPi0)));
    }
  }
}

void DetectorSimulation::addNoise(Work& w) const {
  const std::size_t n_modules = detector_.modules.size();
  const std::uint64_t n = w.rng.poisson(w.noise_rate * n_modules);
  for (std::uint64_t i = 0; i < n; ++i) {
    const Module& m = detector_.modules[w.rng.below(n_modules)];
    const ModuleType& t = detector_.typeOf(m);
    // Uniform over the active area: points of the enclosing rectangle outside a trapezoid are
    // drawn again.
    const double half_u = std::max(m.half_u_min, m.half_u_max);
    LocalPoint local{w.rng.uniform(-1, 1) * half_u, w.rng.uniform(-1, 1) * m.half_v};
    while (!detector_.contains(m, local)) local = {w.rng.uniform(-1, 1) * half_u, w.rng.uniform(-1, 1) * m.half_v};
    double x, y, z;
    detector_.toGlobal(m, local, x, y, z);
    SimHit hit;
    hit.module = m.index;
    hit.particle = std::numeric_limits<std::uint32_t>::max();
    hit.sequence = static_cast<std::uint32_t>(i);
    hit.point.x = static_cast<float>(x);
    hit.point.y = static_cast<float>(y);
    hit.point.z = static_cast<float>(z);
    if (t.isStereo()) {
      const std::array<float, 3> c{hit.point.x, hit.point.y, hit.point.z};
      hit.point.clusters = std::array<std::array<float, 3>, 2>{c, c};
    }
    hit.true_pos = {x, y, z};
    w.hits.push_back(hit);
  }
}

Event DetectorSimulation::simulate(std::uint64_t event_id, std::vector<Particle> particles,
                                   Rng& rng) const {
  Work w{rng, std::move(particles), {}, {}, {}, 1, 1, 0, 0};
  for (const auto& p : w.particles) w.next_id = std::max(w.next_id, p.particle_id + 1);
  w.efficiency = config_.hit_efficiency.value_or(detector_.config.hit_efficiency);
  w.noise_rate = config_.noise ? config_.noise_hits_per_module.value_or(detector_.config.noise_hits_per_module) : 0;
  for (auto& p : w.particles) p.nhits = 0;

  // Secondaries are appended while iterating, so index-based iteration visits them too.
  for (std::size_t i = 0; i < w.particles.size(); ++i) {
    const Particle& p = w.particles[i];
    if (p.charge == 0) propagateNeutral(w, i);
    else if (p.pt() >= config_.min_propagated_pt) propagateCharged(w, i);
  }
  addNoise(w);

  // Keep charged particles, and neutrals that led to a kept particle (walk children first).
  const std::size_t n = w.particles.size();
  std::vector<char> keep(n, 0);
  std::unordered_map<std::uint64_t, std::size_t> index_of;
  index_of.reserve(n);
  for (std::size_t i = 0; i < n; ++i) index_of[w.particles[i].particle_id] = i;
  for (std::size_t i = n; i-- > 0;) {
    const Particle& p = w.particles[i];
    if (p.charge != 0) keep[i] = 1;
    if (keep[i] && p.parent_id) {
      const auto it = index_of.find(p.parent_id);
      if (it != index_of.end()) keep[it->second] = 1;
    }
  }

  Event event;
  event.event_id = event_id;
  std::sort(w.hits.begin(), w.hits.end(), [](const SimHit& a, const SimHit& b) {
    return std::tie(a.module, a.particle, a.sequence) < std::tie(b.module, b.particle, b.sequence);
  });
  event.hits.reserve(w.hits.size());
  event.truth.reserve(w.hits.size());
  for (std::size_t i = 0; i < w.hits.size(); ++i) {
    const SimHit& h = w.hits[i];
    const Module& m = detector_.modules[h.module];
    SpacePoint sp = h.point;
    sp.hit_id = i + 1;
    sp.volume_id = m.volume_id;
    sp.layer_id = m.layer_id;
    sp.module_id = m.module_id;
    event.hits.push_back(sp);
    HitTruth t;
    const bool noise = h.particle == std::numeric_limits<std::uint32_t>::max();
    t.particle_id = noise ? 0 : w.particles[h.particle].particle_id;
    t.tx = static_cast<float>(h.true_pos.x);
    t.ty = static_cast<float>(h.true_pos.y);
    t.tz = static_cast<float>(h.true_pos.z);
    t.tpx = static_cast<float>(h.true_mom.x);
    t.tpy = static_cast<float>(h.true_mom.y);
    t.tpz = static_cast<float>(h.true_mom.z);
    t.weight = noise ? 0.f : 1.f / static_cast<float>(w.particles[h.particle].nhits);
    event.truth.push_back(t);
  }
  for (std::size_t i = 0; i < n; ++i)
    if (keep[i]) event.particles.push_back(w.particles[i]);
  return event;
}

}  // namespace efgnn

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/Error.hpp"
#include "core/Units.hpp"
#include "geometry/DetectorConfig.hpp"
#include "sim/DetectorSimulation.hpp"
#include "sim/Kinematics.hpp"
#include "sim/ParticleSource.hpp"
#include "sim/SimTestUtil.hpp"

namespace efgnn {
namespace {

const Detector& trackml() {
  static const Detector d = loadDetector("trackml");
  return d;
}

Event shoot(const ParticleGunConfig& gun, DetectorSimulationConfig config, std::uint64_t seed = 1,
            const Detector& det = trackml()) {
  Rng rng(seed);
  const ParticleGun source(gun);
  return DetectorSimulation(det, config).simulate(0, source.generate(0, rng), rng);
}

/// `count` particles of both charges, flat in pT and in |eta| below `eta`.
ParticleGunConfig spray(int count, double pt_min, double pt_max, double eta) {
  ParticleGunConfig gun;
  gun.count = count;
  gun.pt_min = pt_min;
  gun.pt_max = pt_max;
  gun.eta_min = -eta;
  gun.eta_max = eta;
  gun.random_charge = true;
  return gun;
}

DetectorSimulationConfig ideal() {
  DetectorSimulationConfig c;
  c.multiple_scattering = false;
  c.material_interactions = false;
  c.decays = false;
  c.noise = false;
  c.smear = false;
  return c;
}

// Helix check: the hits of a track without scattering lie on a circle of radius
// pT / (0.3 |q| B); measured with resolution smearing it is still within 1%.
TEST(Propagation, CurvatureRadiusMatchesMomentum) {
  for (const bool smear : {false, true}) {
    for (const double pt : {0.5, 1.0, 2.0, 5.0}) {
      ParticleGunConfig gun;
      gun.count = 20;
      gun.pt_min = gun.pt_max = pt;
      gun.eta_min = -1.0;
      gun.eta_max = 1.0;
      gun.random_charge = true;
      auto config = ideal();
      config.smear = smear;
      const Event e = shoot(gun, config, 11);
      const double expected = pt / (units::kMomentumToRadius * trackml().config.bfield);
      double worst = 0;
      for (const auto& [pid, hits] : test::hitsByParticle(e)) {
        std::vector<std::pair<double, double>> pts{{0, 0}};  // the vertex is on the helix too
        for (auto i : hits) pts.emplace_back(smear ? e.hits[i].x : e.truth[i].tx, smear ? e.hits[i].y : e.truth[i].ty);
        ASSERT_GE(hits.size(), 8u) << "pT " << pt;
        worst = std::max(worst, std::abs(test::fitCircleRadius(pts) / expected - 1));
      }
      EXPECT_LT(worst, smear ? 0.01 : 1e-4) << "pT " << pt << " smear " << smear;
      char name[64], value[32];
      std::snprintf(name, sizeof name, "worst_radius_error_pt%g_%s", pt, smear ? "measured" : "true");
      std::snprintf(value, sizeof value, "%.3e", worst);
      RecordProperty(name, value);
    }
  }
}

// On the real TrackML detector every hit, true or measured, particle or noise, lies on its
// module's plane and inside its trapezoid; measured positions sit at cell centres.
TEST(Propagation, EverySimulatedHitLiesOnItsModule) {
  const ParticleGunConfig gun = spray(400, 0.3, 20, 3.8);
  DetectorSimulationConfig config;
  config.noise_hits_per_module = 0.05;
  const Event e = shoot(gun, config, 21);
  const Detector& d = trackml();
  ASSERT_GT(e.hits.size(), 4000u);
  double worst_plane = 0, worst_outside = 0, worst_true_plane = 0;
  std::size_t on_cell_centre = 0;
  for (std::size_t i = 0; i < e.hits.size(); ++i) {
    const SpacePoint& h = e.hits[i];
    const Module& m = d.modules[*d.find(h.volume_id, h.layer_id, h.module_id)];
    // Positions are stored as float: ~1e-4 mm at r ~ 1 m.
    worst_plane = std::max(worst_plane, std::abs(d.distanceFromPlane(m, h.x, h.y, h.z)));
    worst_true_plane = std::max(worst_true_plane, std::abs(d.distanceFromPlane(m, e.truth[i].tx, e.truth[i].ty, e.truth[i].tz)));
    const LocalPoint p = d.toLocal(m, h.x, h.y, h.z);
    worst_outside = std::max({worst_outside, std::abs(p.v) - m.half_v, std::abs(p.u) - m.halfWidthAt(p.v)});
    const double pitch_v = d.typeOf(m).pitch_v;
    const double cell = (p.v + m.half_v) / pitch_v - 0.5;
    on_cell_centre += e.truth[i].particle_id != 0 && std::abs(cell - std::round(cell)) < 1e-2;
  }
  EXPECT_LT(worst_plane, 1e-3);
  EXPECT_LT(worst_true_plane, 1e-3);
  EXPECT_LT(worst_outside, 1e-3);
  EXPECT_GT(on_cell_centre, e.hits.size() - e.noiseHits() - 10);
}

TEST(Propagation, MisalignedModulesShiftTheirHitsAlike) {
  const ParticleGunConfig gun = spray(200, 2, 20, 3);
  DetectorSimulationConfig config = ideal();
  const Event nominal = shoot(gun, config, 5);
  config.misalignment_mm = 0.2;
  const Event misaligned = shoot(gun, config, 5);
  const Detector& d = trackml();
  // The same particles cross the same modules at the same true points; each hit moves by its
  // module's shift within the module plane, the same for every hit on that module.
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::size_t> nominal_hit;
  for (std::size_t i = 0; i < nominal.hits.size(); ++i) {
    const SpacePoint& h = nominal.hits[i];
    nominal_hit[{nominal.truth[i].particle_id, *d.find(h.volume_id, h.layer_id, h.module_id)}] = i;
  }
  std::map<std::uint32_t, Vec3> shift_of;
  std::size_t compared = 0, consistent = 0;
  double sum_squares = 0;
  for (std::size_t i = 0; i < misaligned.hits.size(); ++i) {
    const SpacePoint& h = misaligned.hits[i];
    const auto module = static_cast<std::uint32_t>(*d.find(h.volume_id, h.layer_id, h.module_id));
    const auto it = nominal_hit.find({misaligned.truth[i].particle_id, module});
    if (it == nominal_hit.end()) continue;
    const SpacePoint& n = nominal.hits[it->second];
    EXPECT_EQ(misaligned.truth[i].tx, nominal.truth[it->second].tx) << "the particle's path is unchanged";
    const Vec3 moved{h.x - n.x, h.y - n.y, h.z - n.z};
    EXPECT_LT(std::abs(d.distanceFromPlane(d.modules[module], h.x, h.y, h.z)), 1e-3) << "reported on the nominal plane";
    ++compared;
    sum_squares += moved.dot(moved);
    const auto [known, added] = shift_of.emplace(module, moved);
    if (!added) consistent += (known->second - moved).dot(known->second - moved) < 1e-6;
    else ++consistent;
  }
  ASSERT_GT(compared, 1000u);
  EXPECT_GT(consistent, compared * 98 / 100);
  // In-plane part of a 3D Gaussian shift of 0.2 mm per coordinate: rms 0.2 * sqrt(2).
  EXPECT_NEAR(std::sqrt(sum_squares / compared), 0.2 * std::sqrt(2.0), 0.05);
  config.misalignment_mm = 11;
  EXPECT_THROW(DetectorSimulation(d, config), Error);
}

TEST(Propagation, CentralTrackCrossesEveryBarrelLayer) {
  ParticleGunConfig gun;
  gun.count = 50;
  gun.pt_min = gun.pt_max = 10;
  gun.eta_min = -0.3;
  gun.eta_max = 0.3;
  const Event e = shoot(gun, ideal(), 5);
  std::size_t crossings = 0, corners = 0;
  for (const auto& [pid, hits] : test::hitsByParticle(e)) {
    std::map<std::pair<int, int>, int> layers;
    for (auto i : hits) ++layers[{e.hits[i].volume_id, e.hits[i].layer_id}];
    EXPECT_EQ(layers.size(), 10u) << "4 pixel + 4 short-strip + 2 long-strip barrel layers";
    // Once per layer, twice where neighbouring modules overlap in phi or z, up to four times
    // where four module corners overlap (rare).
    for (const auto& [layer, n] : layers) {
      EXPECT_LE(n, 4) << "volume " << layer.first << " layer " << layer.second;
      ++crossings;
      corners += n > 2;
    }
  }
  EXPECT_LT(corners, crossings / 20);
}

TEST(Propagation, ForwardTrackReachesPixelDisks) {
  ParticleGunConfig gun;
  gun.count = 50;
  gun.pt_min = gun.pt_max = 5;
  gun.eta_min = 3.0;
  gun.eta_max = 3.5;
  const Event e = shoot(gun, ideal(), 6);
  for (const auto& [pid, hits] : test::hitsByParticle(e)) {
    std::size_t endcap = 0;
    for (auto i : hits) endcap += e.hits[i].volume_id == 9;
    EXPECT_GE(endcap, 4u);
    for (auto i : hits) EXPECT_GT(e.hits[i].z, 0);
  }
}

TEST(Propagation, LoopersAreBounded) {
  ParticleGunConfig gun;
  gun.count = 20;
  gun.pt_min = gun.pt_max = 0.2;  // R = 334 mm: loops inside the strip barrel
  gun.eta_min = gun.eta_max = 0.01;
  for (const double turns : {0.5, 5.0}) {
    auto config = ideal();
    config.max_turns = turns;
    config.min_propagated_pt = 0;
    const Event e = shoot(gun, config, 3);
    for (const auto& p : e.particles) {
      EXPECT_LE(p.nhits, config.max_crossings);
      // Half a turn reaches the 8 barrel layers inside r = 2R, each at most twice (overlaps);
      // more turns cross them again and again until the crossing bound.
      if (turns > 1) EXPECT_GT(p.nhits, 30) << "a looper crosses its layers again";
      else EXPECT_LE(p.nhits, 16);
    }
  }
}

TEST(Propagation, BelowTheSimulationThresholdNoHits) {
  ParticleGunConfig gun;
  gun.count = 10;
  gun.pt_min = gun.pt_max = 0.12;
  const Event e = shoot(gun, ideal(), 2);
  EXPECT_TRUE(e.hits.empty());
  EXPECT_EQ(e.particles.size(), 10u);
}

TEST(Propagation, MultipleScatteringBroadensButKeepsMomentum) {
  ParticleGunConfig gun;
  gun.count = 200;
  gun.pt_min = gun.pt_max = 0.5;
  auto config = ideal();
  config.multiple_scattering = true;
  const Event e = shoot(gun, config, 4);
  double deviation = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < e.truth.size(); ++i) {
    const auto& t = e.truth[i];
    const Particle* part = nullptr;
    for (const auto& q : e.particles)
      if (q.particle_id == t.particle_id) part = &q;
    ASSERT_NE(part, nullptr);
    const Vec3 mom{t.tpx, t.tpy, t.tpz};
    EXPECT_NEAR(mom.norm(), part->momentum.norm(), 1e-4 * mom.norm());  // no energy loss modelled
    // Without scattering a helix keeps its polar angle; scattering changes it.
    deviation += std::abs(mom.eta() - part->momentum.eta());
    ++n;
  }
  EXPECT_GT(deviation / n, 1e-4) << "scattering must change the direction";
}

TEST(Propagation, StereoStripSpacePointsHaveTwoClusters) {
  const Detector itk = loadDetector("itk");
  ParticleGunConfig gun;
  gun.count = 30;
  gun.pt_min = gun.pt_max = 5;
  gun.eta_min = -1;
  gun.eta_max = 1;
  auto config = ideal();
  config.smear = true;
  const Event e = shoot(gun, config, 8, itk);
  std::size_t strip = 0;
  for (std::size_t i = 0; i < e.hits.size(); ++i) {
    const auto& h = e.hits[i];
    const bool is_strip = h.volume_id == 13;
    EXPECT_EQ(h.clusters.has_value(), is_strip);
    if (!is_strip) continue;
    ++strip;
    // The stereo space point is close to the truth across strips, coarser along them.
    const double dphi = std::remainder(std::atan2(h.y, h.x) - std::atan2(e.truth[i].ty, e.truth[i].tx), 2 * M_PI);
    EXPECT_LT(std::abs(dphi * h.r()), 0.2);
    EXPECT_LT(std::abs(h.z - e.truth[i].tz), 10.0);
    const auto& c = *h.clusters;
    const double r0 = std::hypot(c[0][0], c[0][1]), r1 = std::hypot(c[1][0], c[1][1]);
    EXPECT_NEAR(r1 - r0, 6.0, 0.5) << "clusters sit on the two sensors";
  }
  EXPECT_GT(strip, 30u * 4 - 10);
}

TEST(Kinematics, TwoBodyDecayConservesMomentum) {
  Rng rng(9);
  const Vec3 parent{1.0, -2.0, 5.0};
  for (int i = 0; i < 100; ++i) {
    const auto [a, b] = kin::twoBodyDecay(parent, 0.4976, 0.1396, 0.1396, rng);
    const Vec3 sum = a + b;
    EXPECT_NEAR(sum.x, parent.x, 1e-9);
    EXPECT_NEAR(sum.y, parent.y, 1e-9);
    EXPECT_NEAR(sum.z, parent.z, 1e-9);
    const double e = std::sqrt(a.dot(a) + 0.1396 * 0.1396) + std::sqrt(b.dot(b) + 0.1396 * 0.1396);
    EXPECT_NEAR(e, std::sqrt(parent.dot(parent) + 0.4976 * 0.4976), 1e-9);
  }
}

}  // namespace
}  // namespace efgnn

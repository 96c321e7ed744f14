#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/Error.hpp"
#include "core/Random.hpp"
#include "geometry/DetectorConfig.hpp"

namespace efgnn {
namespace {

const Detector& trackml() {
  static const Detector d = loadDetector("trackml");
  return d;
}

TEST(Detector, TrackmlPresetMatchesTheReferenceLayout) {
  const Detector& d = trackml();
  EXPECT_EQ(d.config.name, "trackml");
  EXPECT_DOUBLE_EQ(d.config.bfield, 2.0);
  EXPECT_EQ(d.numVolumes(), 9u);
  EXPECT_EQ(d.layers.size(), 4u + 14 + 4 + 12 + 2 + 12);
  // REFERENCE.md: ~18.7k modules.
  EXPECT_GT(d.modules.size(), 16500u);
  EXPECT_LT(d.modules.size(), 20000u);
  std::set<double> pixel_radii;
  for (const Layer& l : d.layers)
    if (l.volume_id == 8) pixel_radii.insert(l.position);
  EXPECT_EQ(pixel_radii, (std::set<double>{32, 72, 116, 172}));
}

TEST(Detector, ItkPresetHasStereoStrips) {
  const Detector d = loadDetector("itk");
  std::size_t stereo = 0;
  for (const Module& m : d.modules) stereo += d.typeOf(m).isStereo();
  EXPECT_GT(stereo, 5000u);
  EXPECT_GT(d.modules.size() + stereo, 25000u);  // sensors, ~27k in ITk
}

TEST(Detector, ModuleIdsAreUniqueAndFindable) {
  const Detector& d = trackml();
  for (const Module& m : d.modules) {
    const auto found = d.find(m.volume_id, m.layer_id, m.module_id);
    ASSERT_TRUE(found);
    EXPECT_EQ(*found, m.index);
  }
  EXPECT_FALSE(d.find(8, 2, 100000));
  EXPECT_FALSE(d.find(-1, 2, 1));
  EXPECT_FALSE(d.find(99, 2, 1));
}

TEST(Detector, LocalGlobalRoundTripAndLookup) {
  const Detector& d = trackml();
  Rng rng(3);
  std::vector<std::uint32_t> found;
  for (int k = 0; k < 2000; ++k) {
    const Module& m = d.modules[rng.below(d.modules.size())];
    const ModuleType& t = d.typeOf(m);
    const LocalPoint p{rng.uniform(-0.49, 0.49) * t.width, rng.uniform(-0.49, 0.49) * t.length};
    double x, y, z;
    d.toGlobal(m, p, x, y, z);
    const LocalPoint back = d.toLocal(m, x, y, z);
    EXPECT_NEAR(back.u, p.u, 1e-9);
    EXPECT_NEAR(back.v, p.v, 1e-9);
    // The surface lookup must find this module at this point.
    bool on_surface = false;
    for (const Surface& s : d.surfaces) {
      if (s.passive || s.kind != m.kind || s.position != m.position) continue;
      d.modulesAt(s, x, y, z, found);
      on_surface = on_surface || std::find(found.begin(), found.end(), m.index) != found.end();
    }
    EXPECT_TRUE(on_surface) << "module " << m.index;
  }
}

TEST(Detector, BarrelLayersAreHermeticInPhi) {
  // Every azimuth at z = 0 of every barrel layer is covered by at least one module.
  const Detector& d = trackml();
  std::vector<std::uint32_t> found;
  for (const Layer& l : d.layers) {
    if (l.kind != SurfaceKind::Cylinder) continue;
    for (int i = 0; i < 3600; ++i) {
      const double phi = -M_PI + 2 * M_PI * (i + 0.5) / 3600;
      std::size_t hits = 0;
      for (const Surface& s : d.surfaces) {
        if (s.passive || s.layer_index != static_cast<std::uint32_t>(&l - d.layers.data())) continue;
        d.modulesAt(s, s.position * std::cos(phi), s.position * std::sin(phi), 1.0, found);
        hits += found.size();
      }
      EXPECT_GE(hits, 1u) << "volume " << l.volume_id << " layer " << l.layer_id << " phi " << phi;
    }
  }
}

TEST(DetectorConfig, BadInputNamesFileLineAndField) {
  auto expectError = [](const std::string& yaml, const std::string& needle) {
    try {
      parseDetector(yaml, "bad.yaml");
      ADD_FAILURE() << "no error for: " << yaml;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.yaml"), std::string::npos) << e.what();
    }
  };
  const std::string types =
      "module_types:\n  px: {width: 10, length: 20, pitch_u: 0.05, pitch_v: 0.05}\n";
  expectError("name: x\n" + types + "volumes:\n  - {id: 1, type: barrel, module_type: px, half_length: 50, n_z: 5,\n"
              "     layers: [{id: 2, radius: -3, n_phi: 10}]}\n", "radius");
  expectError("name: x\n" + types + "volumes:\n  - {id: 1, type: tube, module_type: px, layers: []}\n", "type");
  expectError("name: x\n" + types + "volumes:\n  - {id: 1, type: barrel, module_type: nope, half_length: 50, n_z: 5,\n"
              "     layers: [{id: 2, radius: 30, n_phi: 10}]}\n", "unknown module type");
  expectError("name: x\nbfeld: 2\n" + types + "volumes: []\n", "bfeld");
  expectError("name: x\n" + types + "volumes:\n  - {id: 1, type: barrel, module_type: px, half_length: 500, n_z: 5,\n"
              "     layers: [{id: 2, radius: 30, n_phi: 10}]}\n", "cover");
  expectError("name: [unclosed\n", "invalid YAML");
  EXPECT_THROW(loadDetector("/no/such/detector.yaml"), Error);
}

TEST(DetectorConfig, MinimalCustomDetector) {
  const Detector d = parseDetector(
      "name: tiny\nbfield: 1.0\nmodule_types:\n  px: {width: 10, length: 20, pitch_u: 0.05, pitch_v: 0.05}\n"
      "volumes:\n  - {id: 1, type: barrel, module_type: px, half_length: 50, n_z: 5,\n"
      "     layers: [{id: 2, radius: 30, n_phi: 20}]}\n"
      "  - {id: 2, type: endcap, module_type: px, rings: [{radius: 40, n_phi: 16}],\n"
      "     layers: [{id: 2, z: 100}]}\n",
      "tiny.yaml");
  EXPECT_EQ(d.modules.size(), 20u * 5 + 16);
  EXPECT_EQ(d.layers.size(), 2u);
  EXPECT_DOUBLE_EQ(d.typeOf(d.modules[0]).sigma_u, 0.05 / std::sqrt(12.0));
}

}  // namespace
}  // namespace efgnn

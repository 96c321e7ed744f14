#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "core/Error.hpp"
#include "core/Random.hpp"
#include "core/AtomicFile.hpp"
#include "core/Event.hpp"
#include "core/TempDir.hpp"
#include "geometry/DetectorConfig.hpp"
#include "io/TrackMLCsv.hpp"

namespace efgnn {
namespace {

const Detector& trackml() {
  static const Detector d = loadDetector("trackml");
  return d;
}

TEST(Detector, TrackmlPresetIsTheRealTrackMLDetector) {
  const Detector& d = trackml();
  EXPECT_EQ(d.config.name, "trackml");
  EXPECT_DOUBLE_EQ(d.config.bfield, 2.0);
  EXPECT_EQ(d.numVolumes(), 9u);
  EXPECT_EQ(d.layers.size(), 4u + 14 + 4 + 12 + 2 + 12);
  EXPECT_EQ(d.modules.size(), 18728u);  // every row of detectors.csv
  std::vector<double> pixel_radii;
  for (const Layer& l : d.layers)
    if (l.volume_id == 8) pixel_radii.push_back(l.position);
  ASSERT_EQ(pixel_radii.size(), 4u);
  const double expected[] = {32, 72, 116, 172};  // REFERENCE.md section 11
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(pixel_radii[i], expected[i], 0.5);
  // Endcap strip modules are trapezoids; every module is placed.
  std::size_t trapezoids = 0;
  for (const Module& m : d.modules) {
    ASSERT_TRUE(m.placement);
    trapezoids += m.half_u_min != m.half_u_max;
  }
  EXPECT_GT(trapezoids, 1000u);
  // Resolution from the pitch: pixel 50 um -> 14.4 um.
  const Module& pixel = d.modules[*d.find(8, 2, 1)];
  EXPECT_NEAR(d.typeOf(pixel).sigma_u, 0.05 / std::sqrt(12.0), 1e-12);
  EXPECT_GT(d.typeOf(pixel).thickness_x0, 0);
}

TEST(Detector, EveryRealHitLiesOnItsModule) {
  // The real TrackML event (REFERENCE.md section 13): each hit on its module's plane (TrackML
  // rounds positions to ~7 um) and inside the module's trapezoid.
  const std::filesystem::path dir = std::filesystem::path(EFGNN_SHARED_DATA) / "trackml";
  if (!std::filesystem::exists(dir / "event000000001-hits.csv.gz")) GTEST_SKIP() << "no shared TrackML event";
  const Event event = readTrackMLEvent(dir, 1);
  const Detector& d = trackml();
  ASSERT_EQ(event.hits.size(), 5527u);
  double worst_plane = 0, worst_outside = 0;
  for (const SpacePoint& h : event.hits) {
    const auto id = d.find(h.volume_id, h.layer_id, h.module_id);
    ASSERT_TRUE(id) << "hit " << h.hit_id;
    const Module& m = d.modules[*id];
    worst_plane = std::max(worst_plane, std::abs(d.distanceFromPlane(m, h.x, h.y, h.z)));
    const LocalPoint p = d.toLocal(m, h.x, h.y, h.z);
    worst_outside = std::max({worst_outside, std::abs(p.v) - m.half_v, std::abs(p.u) - m.halfWidthAt(p.v)});
  }
  EXPECT_LT(worst_plane, 0.01);
  EXPECT_LT(worst_outside, 0.01);
  EXPECT_NO_THROW(d.checkModules(event, dir.string()));
}

TEST(DetectorConfig, DetectorsCsvAloneLoadsWithOrWithoutTheIndexColumn) {
  const std::filesystem::path shared = std::filesystem::path(EFGNN_SHARED_DATA) / "trackml" / "detectors.csv.gz";
  if (!std::filesystem::exists(shared)) GTEST_SKIP() << "no shared detectors.csv.gz";
  const Detector with_index = loadDetector(shared.string());
  EXPECT_EQ(with_index.modules.size(), trackml().modules.size());
  // The same table without the leading index column, plain text, a few modules.
  TempDir tmp("efgnn-detector-csv");
  const std::string text =
      "volume_id,layer_id,module_id,cx,cy,cz,rot_xu,rot_xv,rot_xw,rot_yu,rot_yv,rot_yw,rot_zu,rot_zv,rot_zw,"
      "module_t,module_minhu,module_maxhu,module_hv,pitch_u,pitch_v\n"
      "8,2,1,32,0,0,0,0,1,1,0,0,0,1,0,0.15,8.4,8.4,36,0.05,0.05625\n"
      "8,2,2,0,32,0,-1,0,0,0,0,1,0,1,0,0.15,8.4,8.4,36,0.05,0.05625\n"
      "9,2,1,100,0,600,0,-1,0,1,0,0,0,0,1,0.15,8.4,12.4,36,0.05,0.05625\n";
  writeFileAtomically(tmp.path() / "detectors.csv", text);
  const Detector small = loadDetector((tmp.path() / "detectors.csv").string());
  ASSERT_EQ(small.modules.size(), 3u);
  EXPECT_EQ(small.layers.size(), 2u);
  const Module& disk = small.modules[*small.find(9, 2, 1)];
  EXPECT_EQ(disk.kind, SurfaceKind::Disk);
  EXPECT_EQ(small.modules[*small.find(8, 2, 2)].kind, SurfaceKind::Cylinder);
  EXPECT_DOUBLE_EQ(disk.halfWidthAt(-36), 8.4);
  EXPECT_DOUBLE_EQ(disk.halfWidthAt(36), 12.4);

  auto expectError = [&](const std::string& bad, const std::string& needle) {
    writeFileAtomically(tmp.path() / "bad.csv", bad);
    try {
      loadDetector((tmp.path() / "bad.csv").string());
      ADD_FAILURE() << "no error for " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.csv"), std::string::npos) << e.what();
    }
  };
  const std::string header = text.substr(0, text.find('\n') + 1);
  expectError(header + "8,2,1,32,0,0,0,0,2,1,0,0,0,1,0,0.15,8.4,8.4,36,0.05,0.05625\n", "bad.csv:2");
  expectError(header + "8,2,1,32,0,0,0,0,1,1,0,0,0,1,0,0.15,8.4,8.4,-36,0.05,0.05625\n", "module_hv");
  expectError(header + "99,2,1,32,0,0,0,0,1,1,0,0,0,1,0,0.15,8.4,8.4,36,0.05,0.05625\n", "volume 99");
  expectError(header + "8,2,1,32,0,0,0,0,1,1,0,0,0,1,0,0.15,8.4,8.4,36,0.05,0.05625\n"
                       "8,2,1,0,32,0,-1,0,0,0,0,1,0,1,0,0.15,8.4,8.4,36,0.05,0.05625\n", "twice");
  expectError("volume_id,layer_id\n8,2\n", "module_id");
  // Beyond the bounds that keep the lookup finite, and a layer spread along its normal.
  expectError(header + "8,2,1,1e6,0,0,0,0,1,1,0,0,0,1,0,0.15,8.4,8.4,36,0.05,0.05625\n", "cx");
  expectError(header + "8,2,1,32,0,0,0,0,1,1,0,0,0,1,0,0.15,8.4,8.4,3e52,0.05,0.05625\n", "module_hv");
  expectError(header + "9,2,1,100,0,600,0,-1,0,1,0,0,0,0,1,0.15,8.4,8.4,36,0.05,0.05625\n"
                       "9,2,2,200,0,900,0,-1,0,1,0,0,0,0,1,0.15,8.4,8.4,36,0.05,0.05625\n", "spread");
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
    const double v = rng.uniform(-0.98, 0.98) * m.half_v;
    const LocalPoint p{rng.uniform(-0.98, 0.98) * m.halfWidthAt(v), v};
    double x, y, z;
    d.toGlobal(m, p, x, y, z);
    const LocalPoint back = d.toLocal(m, x, y, z);
    EXPECT_NEAR(back.u, p.u, 1e-9);
    EXPECT_NEAR(back.v, p.v, 1e-9);
    // The surface lookup must find this module at this point.
    EXPECT_NEAR(d.distanceFromPlane(m, x, y, z), 0, 1e-9);
    EXPECT_TRUE(d.contains(m, back));
    bool on_surface = false;
    for (const Surface& s : d.surfaces) {
      if (s.passive || s.layer_index != m.layer_index) continue;
      if (s.placed) {
        const double phi = std::atan2(y, x), second = m.kind == SurfaceKind::Cylinder ? z : std::hypot(x, y);
        d.modulesNear(s, phi, phi, second, second, found);
      } else {
        if (s.position != m.position) continue;
        d.modulesAt(s, x, y, z, found);
      }
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

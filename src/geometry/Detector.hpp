#pragma once
// Tracking detector description: barrel and endcap layers of modules, each module with its
// material (radiation lengths) and measurement resolution. Two ways to make one:
//  - tiled (YAML volumes): cylinders and disks tiled with rectangular modules; neighbouring
//    modules are staggered onto two surfaces so that their overlaps give two hits at slightly
//    different positions, as in a real tracker;
//  - placed (a TrackML detectors.csv): every module a flat rectangle or trapezoid with its own
//    centre and rotation, as built (the real TrackML detector is the `trackml` preset).
// Each layer's modules are found through lookup *surfaces*: one cylinder radius or plane z per
// tiled sub-layer; for placed modules one shell per layer, enclosing all its module planes.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/Vec3.hpp"

namespace efgnn {

struct Event;

/// Sensor technology shared by many modules.
struct ModuleType {
  std::string name;
  double width = 0;          // extent along u [mm]: r*phi direction (barrel) / tangential (disk)
  double length = 0;         // extent along v [mm]: z (barrel) / radial (disk)
  double thickness_x0 = 0;   // material of the module and its services, in radiation lengths
  double pitch_u = 0;        // cell size [mm]
  double pitch_v = 0;
  double sigma_u = 0;        // resolution [mm]; defaults to pitch / sqrt(12)
  double sigma_v = 0;
  double stereo_angle = 0;   // >0: double-sided strip module, strips at +-angle/2 [rad]
  double stereo_gap = 0;     // distance between the two sensors [mm]
  bool isStereo() const { return stereo_angle > 0; }
};

enum class SurfaceKind { Cylinder, Disk };

/// Where a flat module sits: global = centre + u * axis_u + v * axis_v (+ w * normal), the
/// columns of TrackML's rotation matrix.
struct Placement {
  Vec3 centre, axis_u, axis_v, normal;
};

struct Module {
  std::uint32_t index = 0;  // global index, 0..N-1, in order of (volume, layer, module)
  std::int32_t volume_id = 0, layer_id = 0, module_id = 0;
  std::uint32_t layer_index = 0;  // into Detector::layers()
  std::uint32_t type_index = 0;   // into Detector::moduleTypes()
  SurfaceKind kind = SurfaceKind::Cylinder;
  double position = 0;  // radius of the cylinder / z of the plane it sits on [mm]
  double phi = 0;       // centre azimuth
  double centre = 0;    // centre z (cylinder) / centre radius (disk) [mm]
  // Active area in local coordinates: |v| <= half_v and |u| <= the half width at v, which goes
  // linearly from half_u_min at v = -half_v to half_u_max at v = +half_v (a trapezoid, as
  // TrackML's endcap modules; a rectangle when the two are equal).
  double half_u_min = 0, half_u_max = 0, half_v = 0;
  /// Set for placed modules (flat, anywhere). Tiled barrel modules are curved along their
  /// cylinder (u is the arc length); tiled disk modules are flat in their plane of constant z.
  std::optional<Placement> placement;

  double halfWidthAt(double v) const {
    return half_v > 0 ? half_u_min + (half_u_max - half_u_min) * (v + half_v) / (2 * half_v) : half_u_max;
  }
};

/// Local coordinates on a module (u across, v along, see ModuleType).
struct LocalPoint {
  double u = 0, v = 0;
};

struct Layer {
  std::int32_t volume_id = 0, layer_id = 0;
  SurfaceKind kind = SurfaceKind::Cylinder;
  double position = 0;          // nominal radius / z [mm]
  double min = 0, max = 0;      // extent: z range (barrel) / radius range (disk) [mm]
  std::uint32_t first_module = 0, n_modules = 0;
};

/// Passive material that produces scattering and secondaries but no hits (beam pipe, supports).
struct PassiveSurface {
  SurfaceKind kind = SurfaceKind::Cylinder;
  double position = 0;      // radius / z [mm]
  double min = 0, max = 0;  // z range / radius range [mm]
  double thickness_x0 = 0;
};

/// A surface the propagator intersects: one radius or one z, with the modules on it binned in
/// (phi, second coordinate) for constant-time lookup.
struct Surface {
  SurfaceKind kind = SurfaceKind::Cylinder;
  double position = 0;
  double min = 0, max = 0;  // extent of the second coordinate covered by modules (or material)
  /// Placed modules: the propagator stops at `position`, the shell's middle, and intersects
  /// the planes of the modules there; [inner, outer] encloses every point of them along the
  /// surface's normal coordinate (radius / z). Tiled: inner = outer = position.
  bool placed = false;
  double inner = 0, outer = 0;
  double thickness_x0 = 0;  // for passive surfaces; active ones use the module's
  bool passive = false;
  std::uint32_t layer_index = 0;
  // Module lookup grid.
  int n_phi_bins = 0, n_second_bins = 0;
  std::vector<std::vector<std::uint32_t>> bins;
};

/// Layer description before tiling; the YAML loader fills these and Detector is built from them.
struct LayerSpec {
  std::int32_t volume_id = 0, layer_id = 0;
  SurfaceKind kind = SurfaceKind::Cylinder;
  std::uint32_t type_index = 0;
  double position = 0;    // radius / z
  double half_length = 0; // barrel only
  int n_phi = 0, n_z = 0; // barrel tiling
  struct Ring {
    double radius = 0;  // module centre radius
    int n_phi = 0;
  };
  std::vector<Ring> rings;  // disk tiling
  double stagger = 2.0;     // separation of the two surfaces [mm]
};

struct Detector {
  struct Config {
    std::string name;
    double bfield = 2.0;                   // [T], along +z
    double hit_efficiency = 1.0;           // per module crossing
    double noise_hits_per_module = 0.0;    // mean random hits per module per event
  };
  /// Upper limit of noise_hits_per_module: 10 per module already gives the trackml detector
  /// (~19k modules) ~190k noise hits per event, more than the ~110k hits of a pile-up 200
  /// event; far more would only make the simulation run out of time and memory.
  static constexpr double kMaxNoiseHitsPerModule = 10;
  /// Largest volume, layer and module id: a module's ids are packed into 21 bits each.
  static constexpr std::int32_t kMaxId = (1 << 21) - 1;
  /// Bounds on placed modules: every centre coordinate within +-100 m and half sizes up to 10 m,
  /// far beyond any tracker (TrackML: ~1 m radius, 3 m half length; all of ATLAS is 25 m x 44 m)
  /// yet small enough that every extent, bin count and lookup index derived from them is finite
  /// and in range (a module 1e30 mm long would make the lookup grid's bins inf or NaN).
  static constexpr double kMaxPlacedCoordinate = 1e5;  // [mm]
  static constexpr double kMaxPlacedHalfSize = 1e4;    // [mm]
  /// A layer of placed modules spans at most this along its normal (the real TrackML layers:
  /// 0.6 to 11 mm): the simulation searches the module planes from the middle of that span.
  static constexpr double kMaxLayerThickness = 100;  // [mm]

  Config config;
  std::vector<ModuleType> module_types;
  std::vector<Layer> layers;
  std::vector<Module> modules;
  std::vector<Surface> surfaces;  // active and passive, sorted by kind then position
  std::vector<PassiveSurface> passive;

  /// Global module index of TrackML ids, or nullopt if the detector has no such module.
  std::optional<std::uint32_t> find(std::int32_t volume, std::int32_t layer,
                                    std::int32_t module) const;
  const ModuleType& typeOf(const Module& m) const { return module_types[m.type_index]; }

  /// Local coordinates of a global point (assumed on the module's surface; for a placed module
  /// the distance from its plane is dropped) and back.
  LocalPoint toLocal(const Module& m, double x, double y, double z) const;
  void toGlobal(const Module& m, const LocalPoint& p, double& x, double& y, double& z) const;
  bool contains(const Module& m, const LocalPoint& p) const;

  /// Distance of a point from a placed module's plane (0 for the others).
  double distanceFromPlane(const Module& m, double x, double y, double z) const;

  /// Modules on `surface` whose active area contains the point (x, y, z) on it (0, 1 or more).
  void modulesAt(const Surface& surface, double x, double y, double z,
                 std::vector<std::uint32_t>& out) const;
  /// Modules on `surface` whose lookup box meets azimuths [phi_lo, phi_hi] (phi_hi - phi_lo
  /// < 2 pi; any branch) and second coordinates [lo, hi]: the candidates a track segment
  /// through a shell of placed modules may cross. Sorted, without repeats.
  void modulesNear(const Surface& surface, double phi_lo, double phi_hi, double lo, double hi,
                   std::vector<std::uint32_t>& out) const;

  std::size_t numVolumes() const;

  /// Throws Error naming `source`, the event and the first hit whose (volume, layer, module)
  /// this detector does not have: events from another detector must not pass silently.
  void checkModules(const Event& event, const std::string& source) const;

  /// Tiles the layers with modules and builds the lookup surfaces.
  static Detector build(Config config, std::vector<ModuleType> types,
                        const std::vector<LayerSpec>& layers, std::vector<PassiveSurface> passive);
  /// A detector of placed modules (ids, type_index, placement and half sizes set; the rest is
  /// derived). A layer's modules must all face the same way (barrel: normal in the
  /// transverse plane; endcap: along z). Throws Error naming the module for ids outside
  /// [0, kMaxId], twice the same ids, a placement that is not finite, within
  /// kMaxPlacedCoordinate and orthonormal, or half sizes not in (0, kMaxPlacedHalfSize].
  static Detector fromPlacedModules(Config config, std::vector<ModuleType> types, std::vector<Module> modules,
                                    std::vector<PassiveSurface> passive);

 private:
  /// Adds the passive surfaces, sorts the surfaces and indexes the module ids.
  void finish();
  std::unordered_map<std::uint64_t, std::uint32_t> index_;
};

}  // namespace efgnn

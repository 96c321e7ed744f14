#pragma once
// The data-driven module map (REFERENCE.md section 6): which module follows which along the
// particles of many training events (doublets, triplets), with the range of the hit-pair
// geometry seen on each. File format in ModuleMapFile.hpp.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/Event.hpp"
#include "core/Units.hpp"
#include "geometry/Detector.hpp"

namespace efgnn {

/// Observed range of one quantity.
struct Range {
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  void add(float v) {
    min = std::min(min, v);
    max = std::max(max, v);
  }
  void merge(const Range& o) {
    min = std::min(min, o.min);
    max = std::max(max, o.max);
  }
  /// Inside the range widened by `relative` of its width plus `absolute` on each side.
  bool contains(float v, float relative, float absolute) const {
    const float pad = relative * (max - min) + absolute;
    return v >= min - pad && v <= max + pad;
  }
  bool operator==(const Range&) const = default;
};

/// Geometry of an ordered hit pair (1 -> 2) in physical units: z0 [mm] = z1 - r1 dz/dr,
/// dphi [rad] wrapped, phi-slope [rad/mm] = dphi/dr, deta, and the slope dz/dr. Values are
/// finite (clamped).
struct DoubletGeometry {
  float z0, dphi, phi_slope, deta, dzdr;
  /// Inline: graph construction computes it for millions of hit pairs per event.
  static DoubletGeometry of(float r1, float phi1, float z1, float eta1, float r2, float phi2, float z2, float eta2) {
    const auto finite = [](float v) {  // keeps ranges finite when dr ~ 0
      constexpr float clamp = 1e6f;
      return std::isnan(v) ? 0.f : std::clamp(v, -clamp, clamp);
    };
    const float dr = r2 - r1, dphi = units::wrapAngle(phi2 - phi1, static_cast<float>(units::pi)),
                dzdr = finite((z2 - z1) / dr);
    return {finite(z1 - r1 * dzdr), dphi, finite(dphi / dr), eta2 - eta1, dzdr};
  }
};

/// The slopes dz/dr and dphi/dr of a doublet: all that its triplets look at.
struct DoubletSlopes {
  float dzdr, phi_slope;
};

/// Differences of the slopes dz/dr and dphi/dr between consecutive doublets 1->2 and 2->3.
struct TripletGeometry {
  float diff_dzdr, diff_phi_slope;
  static TripletGeometry of(const DoubletSlopes& first, const DoubletSlopes& second) {
    return {second.dzdr - first.dzdr, second.phi_slope - first.phi_slope};
  }
  static TripletGeometry of(const DoubletGeometry& first, const DoubletGeometry& second) {
    return of(DoubletSlopes{first.dzdr, first.phi_slope}, DoubletSlopes{second.dzdr, second.phi_slope});
  }
};

struct ModuleMap {
  /// Which particles teach the map.
  struct Config {
    double min_pt = 1.0;  // [GeV]
    int min_hits = 3;
    bool no_electrons = true;
  };
  struct Doublet {
    std::uint32_t a = 0, b = 0;  // global module indices (Detector::modules)
    std::uint32_t count = 0;     // hit pairs seen
    Range z0, dphi, phi_slope, deta;
    void merge(const Doublet& o) {
      count += o.count;
      z0.merge(o.z0);
      dphi.merge(o.dphi);
      phi_slope.merge(o.phi_slope);
      deta.merge(o.deta);
    }
    bool operator==(const Doublet&) const = default;
  };
  struct Triplet {
    std::uint32_t a = 0, b = 0, c = 0;
    std::uint32_t count = 0;
    Range diff_dzdr, diff_phi_slope;
    void merge(const Triplet& o) {
      count += o.count;
      diff_dzdr.merge(o.diff_dzdr);
      diff_phi_slope.merge(o.diff_phi_slope);
    }
    bool operator==(const Triplet&) const = default;
  };

  Config config;
  std::string detector;
  std::vector<std::array<std::int32_t, 3>> modules;  // (volume, layer, module) per global index
  std::uint64_t events = 0;
  std::vector<Doublet> doublets;  // sorted by (a, b)
  std::vector<Triplet> triplets;  // sorted by (a, b, c)

  /// Throws Error if `detector` is not the one the map was built for.
  void checkDetector(const Detector& detector, const std::string& source) const;
  /// Builds the triplet lookup; call after filling or loading `triplets`.
  void index();
  /// Constant time: the graph builder asks this for every pair of edges meeting at a hit.
  const Triplet* findTriplet(std::uint32_t a, std::uint32_t b, std::uint32_t c) const;
  bool operator==(const ModuleMap& o) const {
    return config.min_pt == o.config.min_pt && config.min_hits == o.config.min_hits &&
           config.no_electrons == o.config.no_electrons && detector == o.detector &&
           modules == o.modules && events == o.events && doublets == o.doublets &&
           triplets == o.triplets;
  }

 private:
  // Open addressing with linear probing: key, triplet index; capacity a power of two.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> triplet_table_;
};

/// Accumulates the map from events. One builder per thread; merge() combines them, and the
/// result does not depend on how events were split (counts add, ranges are min/max).
class ModuleMapBuilder {
 public:
  ModuleMapBuilder(const Detector& detector, ModuleMap::Config config);
  /// Adds the truth of one event; throws Error for an event without truth and for hits on
  /// modules the detector lacks.
  void add(const Event& event, const std::string& source);
  void merge(const ModuleMapBuilder& other);
  ModuleMap finish() const;

 private:
  const Detector& detector_;
  ModuleMap::Config config_;
  std::uint64_t events_ = 0;
  std::unordered_map<std::uint64_t, ModuleMap::Doublet> doublets_;
  std::unordered_map<std::uint64_t, ModuleMap::Triplet> triplets_;
};

/// Global module index of every hit; throws Error naming `source` for unknown modules.
std::vector<std::uint32_t> moduleIndices(const Event& event, const Detector& detector,
                                         const std::string& source);

}  // namespace efgnn

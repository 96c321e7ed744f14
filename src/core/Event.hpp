#pragma once
// The event data model shared by every stage: space points, particles and hit-to-particle truth.
// Field names and units follow the TrackML data set (mm, GeV) so that files map one to one.
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/Vec3.hpp"

namespace efgnn {

/// A measured space point. (volume_id, layer_id, module_id) identify the detector module as in
/// TrackML: module_id counts within its layer.
struct SpacePoint {
  std::uint64_t hit_id = 0;  // 1-based, unique within the event
  float x = 0, y = 0, z = 0;
  std::int32_t volume_id = 0;
  std::int32_t layer_id = 0;
  std::int32_t module_id = 0;
  /// Strip space points are built from two clusters (one per stereo sensor); their positions.
  std::optional<std::array<std::array<float, 3>, 2>> clusters;

  float r() const { return std::hypot(x, y); }
  float phi() const { return std::atan2(y, x); }
  float eta() const {
    const float rr = r();
    return rr == 0 ? 0.f : std::asinh(z / rr);
  }
  bool operator==(const SpacePoint&) const = default;
};

/// Simulation truth of one hit, TrackML `truth` columns. particle_id 0 marks a noise hit.
struct HitTruth {
  std::uint64_t particle_id = 0;
  float tx = 0, ty = 0, tz = 0;     // true position [mm]
  float tpx = 0, tpy = 0, tpz = 0;  // true momentum at the hit [GeV]
  float weight = 0;                 // TrackML scoring weight (efgnn writes 1/nhits of the particle)
  bool operator==(const HitTruth&) const = default;
};

/// The cells (pixels or strips) of a hit's cluster, summarised: TrackML `cells` files have one
/// row per cell (hit_id, ch0, ch1, value). count 0 (and charge 0): no cells recorded for the hit.
struct HitCells {
  std::uint32_t count = 0;  // number of cells
  float charge = 0;         // sum of the cells' `value` (deposited charge, TrackML units)
  bool operator==(const HitCells&) const = default;
};

/// How a particle came to be.
enum class Process : std::int32_t {
  Generator = 0,            // from the event generator (pile-up, hard scatter, particle list, gun)
  Decay = 1,                // decay of a long-lived hadron (K0s, Lambda) in flight
  PhotonConversion = 2,     // e+e- pair from a photon in the detector material
  HadronicInteraction = 3,  // nuclear interaction of a hadron in the detector material
};
const char* processName(Process p);

struct Particle {
  std::uint64_t particle_id = 0;  // unique within the event, never 0
  std::int32_t pdg = 0;           // PDG code (TrackML: particle_type); 0 when unknown
  std::int32_t charge = 0;        // in units of e
  Vec3 vertex;                    // production vertex [mm]
  Vec3 momentum;                  // at production [GeV]
  bool primary = true;            // produced by the generator, not in the detector
  std::uint64_t parent_id = 0;    // 0 for generator particles
  std::int32_t nhits = 0;         // number of hits it left in the event
  Process process = Process::Generator;
  std::uint32_t collision = 0;    // which pp collision (0 = hard scatter when there is one)

  double pt() const { return momentum.perp(); }
  double eta() const { return momentum.eta(); }
  double phi() const { return momentum.phi(); }
  double productionRadius() const { return vertex.perp(); }
  bool operator==(const Particle&) const = default;
};

struct Event {
  std::uint64_t event_id = 0;
  std::vector<SpacePoint> hits;
  std::vector<HitTruth> truth;  // empty, or one entry per hit in the same order
  std::vector<Particle> particles;
  std::vector<HitCells> cells;  // empty (no cells file), or one entry per hit in the same order

  bool hasTruth() const { return !truth.empty(); }
  bool hasCells() const { return !cells.empty(); }
  std::size_t noiseHits() const;
  /// Checks internal consistency (unique ids, truth and cells sizes, finite numbers, particle
  /// references) and throws Error naming `source` and the offending entry.
  void validate(const std::string& source) const;
  bool operator==(const Event&) const = default;
};

/// TrackML file name stem: event000001000.
std::string eventStem(std::uint64_t event_id);

}  // namespace efgnn

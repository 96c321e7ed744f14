#pragma once
// Fast detector simulation: exact helix propagation in a uniform solenoid field through the
// detector surfaces, multiple scattering (Highland) at each crossing, photon conversions,
// hadronic interactions and K0s/Lambda decays producing flagged secondaries, hit efficiency,
// resolution smearing on the module surface, stereo-strip space points and random noise.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/Event.hpp"
#include "core/Random.hpp"
#include "geometry/Detector.hpp"

namespace efgnn {

struct DetectorSimulationConfig {
  bool multiple_scattering = true;
  bool material_interactions = true;  // photon conversions and hadronic interactions
  bool decays = true;                 // K0s and Lambda decays in flight
  bool smear = true;                  // resolution smearing (off: hits at the true position)
  bool noise = true;
  double secondary_min_pt = 0.1;      // secondaries below this are not created [GeV]
  double leading_fragment_probability = 0.1;   // a nuclear interaction keeps a leading hadron
  double cascade_fragments = 6.5;     // mean charged cascade fragments per nuclear interaction
  double cascade_momentum = 0.2;      // mean momentum of a cascade fragment [GeV]
  // Charged particles below this pT are listed but leave no hits. The TrackML simulation did
  // this (its particles below ~150 MeV have no hits), so the default reproduces its events.
  double min_propagated_pt = 0.15;    // [GeV]
  // Helix turns after which a looper is dropped; 0.5 follows each particle out to its largest
  // radius, as the TrackML simulation did. Raise it to study loopers.
  double max_turns = 0.5;
  int max_crossings = 200;            // safety bound per particle
  std::optional<double> hit_efficiency;          // overrides the detector's value
  std::optional<double> noise_hits_per_module;   // overrides the detector's value
  // Misalignment: every module sits displaced from where the detector description puts it, by a
  // random shift with this standard deviation in each global coordinate [mm] (fixed per module by
  // misalignment_seed, the same in every event). Hits are measured on the displaced module and
  // reported through the nominal description, as a detector aligned only to this precision.
  double misalignment_mm = 0;
  std::uint64_t misalignment_seed = 1;

  /// Range checks (hit_efficiency in [0, 1], max_turns in (0, 1000], ...); throws Error.
  /// DetectorSimulation calls it.
  void validate() const;
};

class DetectorSimulation {
 public:
  DetectorSimulation(const Detector& detector, DetectorSimulationConfig config);

  /// Simulates the passage of `particles` (generator level) through the detector. Returns the
  /// event with hits sorted by module, truth, and the particle list with secondaries appended
  /// and hit counts filled. Neutral particles are kept only if they produced recorded
  /// particles (a photon that converted, a K0s that decayed).
  Event simulate(std::uint64_t event_id, std::vector<Particle> particles, Rng& rng) const;

  const Detector& detector() const { return detector_; }
  const DetectorSimulationConfig& config() const { return config_; }

 private:
  struct Work;  // per-event state
  void propagateCharged(Work& w, std::size_t index) const;
  void propagateNeutral(Work& w, std::size_t index) const;
  void crossSurface(Work& w, std::size_t index, const Surface& s, const Vec3& pos, Vec3& mom,
                    bool& stopped) const;
  /// Records the hits of a track crossing a shell of placed modules at `pos` (in the order it
  /// crosses them); returns the material crossed at normal incidence.
  double crossPlacedModules(Work& w, std::size_t index, const Surface& s, const Vec3& pos, const Vec3& mom) const;
  void recordHit(Work& w, std::size_t index, const Module& m, const Vec3& pos,
                 const Vec3& mom) const;
  void addNoise(Work& w) const;

  const Detector& detector_;
  DetectorSimulationConfig config_;
  std::vector<Vec3> module_shift_;         // per module index, when misaligned (else empty)
  std::vector<std::uint32_t> cylinders_;  // surface indices sorted by radius
  std::vector<std::uint32_t> disks_;      // surface indices sorted by z
  std::vector<double> cylinder_radius_, disk_z_;
  double world_r_ = 0, world_z_ = 0;
};

}  // namespace efgnn

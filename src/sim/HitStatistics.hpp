#pragma once
// Hit-level statistics used to compare events simulated on the real TrackML detector with a real
// TrackML event: computed the same way for both, from hits and truth alone. Particles count when
// they left at least one hit (hit counts come from the truth, not from a particles file).
#include <array>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/Event.hpp"
#include "sim/ParticleStatistics.hpp"

namespace efgnn {

struct HitStatistics {
  static constexpr std::array<double, 6> kPtEdges{0, 0.5, 1, 2, 5, 1e30};  // [GeV]
  static constexpr int kEtaBins = 4;                                        // |eta| 0-1 .. 3-4+

  /// A mean or fraction with its statistical uncertainty and the count behind it.
  struct Value {
    double value = 0, error = 0;
    double count = 0;
  };
  std::array<Value, kPtEdges.size() - 1> hits_per_particle_vs_pt;
  std::array<Value, kEtaBins> hits_per_particle_vs_eta;
  std::map<std::int32_t, Value> volume_fraction;                          // of all hits
  std::map<std::pair<std::int32_t, std::int32_t>, Value> layer_fraction;  // of all hits
  Value overlap_fraction;  // particles with two or more hits on one layer
  Value noise_fraction;    // hits without a particle
  double hits = 0;
};

/// Statistics of events with truth (events without truth are an Error).
HitStatistics computeHitStatistics(const std::vector<Event>& events);

/// The hit-level calibration table. Each tolerance is three standard deviations of the
/// difference (both samples' statistical uncertainties) plus a small systematic allowance, so
/// that a real shortcoming of the simulation fails while a small reference sample does not.
std::vector<CalibrationCheck> compareHitStatistics(const HitStatistics& simulated, const HitStatistics& reference);

}  // namespace efgnn

#pragma once
// Particle-level statistics used to calibrate the built-in generators against the real TrackML
// event: computed the same way for simulated and real particle lists. Only charged particles
// count (TrackML lists only those); "secondary" means produced more than 1 mm from the beam
// line, the only definition available for TrackML files.
#include <array>
#include <string>
#include <vector>

#include "core/Event.hpp"

namespace efgnn {

struct ParticleStatistics {
  static constexpr std::array<double, 6> kQuantiles{0.1, 0.25, 0.5, 0.75, 0.9, 0.99};
  static constexpr int kEtaBins = 4;  // |eta| in [0,1), [1,2), [2,3), [3,4]

  double events = 0;
  double particles_per_event = 0;
  double fraction_above_1gev = 0;
  std::array<double, kQuantiles.size()> pt_quantiles{};  // [GeV]
  std::array<double, kEtaBins> eta_fractions{};
  double secondary_fraction = 0;
  double positive_fraction = 0;
  double hits_per_particle = 0;  // mean nhits (0 when the list has no hit counts)
};

/// Statistics of the charged particles of `lists` (one list per event).
ParticleStatistics computeParticleStatistics(const std::vector<std::vector<Particle>>& lists);

}  // namespace efgnn

namespace efgnn {

/// One line of the generator calibration: a simulated quantity against the real one.
struct CalibrationCheck {
  std::string quantity;
  double simulated = 0, reference = 0;
  double tolerance = 0;  // allowed |simulated - reference|
  bool relative = false; // tolerance as a fraction of the reference
  bool checked = true;   // false: shown for information, always passes
  bool passed() const;
};

/// The calibration table with its tolerances (shared by the test and `efgnn calibration`).
std::vector<CalibrationCheck> compareParticleStatistics(const ParticleStatistics& simulated,
                                                        const ParticleStatistics& reference);

}  // namespace efgnn

#pragma once
// One simulated event = a particle source + the detector simulation, seeded so that the event
// with id i depends only on (seed, i): the same seed gives identical events for any thread count
// and for any split of a run into batches (first_event_id).
#include <memory>

#include "sim/DetectorSimulation.hpp"
#include "sim/ParticleSource.hpp"

namespace efgnn {

class EventSimulator {
 public:
  EventSimulator(std::shared_ptr<const ParticleSource> source, const Detector& detector,
                 DetectorSimulationConfig config, std::uint64_t seed,
                 std::uint64_t first_event_id = 0);
  /// Thread-safe: simulates event number `index` of the run.
  Event simulate(std::uint64_t index) const;
  const ParticleSource& source() const { return *source_; }

 private:
  std::shared_ptr<const ParticleSource> source_;
  DetectorSimulation detector_sim_;
  std::uint64_t seed_, first_event_id_;
};

}  // namespace efgnn

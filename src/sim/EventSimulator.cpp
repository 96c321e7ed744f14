#include "sim/EventSimulator.hpp"

#include <limits>
#include <string>

#include "core/Error.hpp"

namespace efgnn {

EventSimulator::EventSimulator(std::shared_ptr<const ParticleSource> source,
                               const Detector& detector, DetectorSimulationConfig config,
                               std::uint64_t seed, std::uint64_t first_event_id)
    : source_(std::move(source)), detector_sim_(detector, config), seed_(seed),
      first_event_id_(first_event_id) {}

Event EventSimulator::simulate(std::uint64_t index) const {
  if (index > std::numeric_limits<std::uint64_t>::max() - first_event_id_)
    throw Error("event " + std::to_string(index) + " of a run starting at event id " + std::to_string(first_event_id_) +
                ": the event id would exceed 2^64 - 1");
  // Streams keyed by the event id, not the index in this run: a run split into batches with
  // --first-event gives the events the whole run would. Separate streams for generator and
  // detector, so changing one leaves the other unchanged.
  const std::uint64_t event_id = first_event_id_ + index;
  Rng generator_rng(seed_, {event_id, 0});
  Rng detector_rng(seed_, {event_id, 1});
  return detector_sim_.simulate(event_id, source_->generate(index, generator_rng), detector_rng);
}

}  // namespace efgnn

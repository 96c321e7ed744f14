#pragma once
// Generator output in HepMC3 ASCII format (libHepMC3): the final-state particles of each event
// become a particle list for the detector simulation (primaries at their production vertex;
// units converted to mm and GeV; charge from the PDG code). Long-lived neutrals left undecayed
// by the generator (K0s, Lambda) are decayed by the simulation and photons converted, so they
// are kept with the charged particles; other neutrals (neutrinos, neutrons, K0L, pi0) leave no
// hits in a tracker and are dropped. particle_id counts 1..N in each event; all particles are
// primary generator particles of collision 0.
#include <cstddef>
#include <filesystem>
#include <vector>

#include "core/Event.hpp"

namespace efgnn {

/// Reads up to `max_events` events (all when 0). Throws Error naming the file when it cannot be
/// opened or parsed, or holds no event.
std::vector<std::vector<Particle>> readHepMC3(const std::filesystem::path& file,
                                              std::size_t max_events = 0);

}  // namespace efgnn

#pragma once
// Generator output in HepMC ASCII, read with libHepMC3: the HepMC2 format (IO_GenEvent, that of
// most existing generator files) and HepMC3's own ("Asciiv3"), told apart by their header lines.
// The final-state particles of each event become a particle list for the detector simulation
// (primaries at their production vertex; units converted to mm and GeV; charge from the PDG
// code). Long-lived neutrals left undecayed by the generator (K0s, Lambda) are decayed by the
// simulation and photons converted, so they are kept with the charged particles; other neutrals
// (neutrinos, neutrons, K0L, pi0) leave no hits in a tracker and are dropped. particle_id counts
// 1..N in each event; all particles are primary generator particles of collision 0.
//
// Nothing is printed: libHepMC3's messages are switched off while it reads, and every problem
// (a foreign, empty, truncated or malformed file) is an Error naming the file, and the line
// where there is one.
#include <cstddef>
#include <filesystem>
#include <vector>

#include "core/Event.hpp"

namespace efgnn {

/// Reads up to `max_events` events (all when 0) of a HepMC2 or HepMC3 ASCII file. Throws Error
/// naming the file (and line) when it cannot be opened, is not HepMC ASCII, is cut short or
/// malformed, or holds no event.
std::vector<std::vector<Particle>> readHepMC(const std::filesystem::path& file, std::size_t max_events = 0);

}  // namespace efgnn

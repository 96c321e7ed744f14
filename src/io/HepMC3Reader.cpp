#include "io/HepMC3Reader.hpp"

#include <HepMC3/GenEvent.h>
#include <HepMC3/GenParticle.h>
#include <HepMC3/GenVertex.h>
#include <HepMC3/ReaderAscii.h>

#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

#include "core/Error.hpp"
#include "core/Pdg.hpp"

namespace efgnn {

namespace {

constexpr int kFinalState = 1;  // HepMC status of undecayed particles

/// Whether the simulation can use a final-state particle: charged ones leave hits; photons
/// convert and K0s / Lambda decay in the detector into charged ones. Other neutrals (neutrinos,
/// neutrons, K0L, undecayed pi0) leave no hits in a tracker and are dropped.
bool simulated(int pdg_id) {
  switch (std::abs(pdg_id)) {
    case pdg::kPhoton:
    case pdg::kK0Short:
    case pdg::kLambda: return true;
    default: return pdg::charge(pdg_id) != 0;
  }
}

std::vector<Particle> convert(HepMC3::GenEvent& event) {
  event.set_units(HepMC3::Units::GEV, HepMC3::Units::MM);
  std::vector<Particle> particles;
  for (const auto& gen : event.particles()) {
    if (gen->status() != kFinalState || !simulated(gen->pid())) continue;
    Particle p;
    p.particle_id = particles.size() + 1;
    p.pdg = gen->pid();
    p.charge = pdg::charge(gen->pid());
    const auto& m = gen->momentum();
    p.momentum = {m.px(), m.py(), m.pz()};
    if (const auto vertex = gen->production_vertex()) {
      const auto& v = vertex->position();
      p.vertex = {v.x(), v.y(), v.z()};
    }
    particles.push_back(p);
  }
  return particles;
}

}  // namespace

std::vector<std::vector<Particle>> readHepMC3(const std::filesystem::path& file,
                                              std::size_t max_events) {
  // ReaderAscii reports problems on stderr and through failed(), which is also how it says "end
  // of file". Reading from our own stream tells them apart: it sets badbit on a parse error,
  // and a line it cannot take leaves failbit without eofbit.
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open HepMC3 file");
  HepMC3::ReaderAscii reader(in);
  std::vector<std::vector<Particle>> events;
  const auto fail = [&](const std::string& what) {
    return Error(file.string() + ": " + what + " after " + std::to_string(events.size()) +
                 " events");
  };
  while (max_events == 0 || events.size() < max_events) {
    HepMC3::GenEvent event;
    bool ok = false;
    try {
      ok = reader.read_event(event);
    } catch (const std::exception& e) {  // e.g. weights not matching the weight names
      throw fail(std::string("malformed HepMC3 event (") + e.what() + ")");
    }
    if (!ok || in.bad()) throw fail("malformed HepMC3 event");
    // At the end of the input read_event succeeds with an empty event.
    if (!reader.failed() || !event.particles().empty()) events.push_back(convert(event));
    if (reader.failed()) {
      if (!in.eof()) throw fail("unreadable line (binary data?)");
      break;
    }
  }
  if (events.empty()) throw Error(file.string() + ": no HepMC3 events (not a HepMC3 ASCII file?)");
  return events;
}

}  // namespace efgnn

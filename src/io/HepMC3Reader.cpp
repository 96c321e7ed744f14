#include "io/HepMC3Reader.hpp"

#include <HepMC3/GenEvent.h>
#include <HepMC3/GenParticle.h>
#include <HepMC3/GenVertex.h>
#include <HepMC3/ReaderAscii.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/Error.hpp"
#include "core/Pdg.hpp"

namespace efgnn {

namespace {

constexpr int kFinalState = 1;  // HepMC status of undecayed particles

/// Whether the simulation can use a final-state particle: charged ones leave hits; photons
/// convert and K0s / Lambda decay in the detector into charged ones. Other neutrals (neutrinos,
/// neutrons, K0L, undecayed pi0) leave no hits in a tracker and are dropped.
bool simulated(int pdg_id) {
  if (pdg_id == std::numeric_limits<int>::min()) return false;  // std::abs would overflow
  switch (std::abs(pdg_id)) {
    case pdg::kPhoton:
    case pdg::kK0Short:
    case pdg::kLambda: return true;
    default: return pdg::charge(pdg_id) != 0;
  }
}

/// HepMC3 reads a unit it does not know as GeV or cm, saying so only on stderr: momenta would
/// be off by 1000 or lengths by 10. The "U MOMENTUM LENGTH" lines are checked first, naming
/// the line and the event.
void checkUnits(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open HepMC3 file");
  std::string line, event = "(before the first event)";
  // libHepMC3 3.1 also looks up the particles a vertex lists ("V ID STATUS [P1,P2,...]") and a
  // particle's mother ("P ID MOTHER ...": a particle, or -vertex) without a bounds check, also
  // forward ones: an event must have every particle and vertex its lines refer to.
  long particles = 0, vertices = 0;
  std::vector<std::pair<std::size_t, long>> refs;  // (line, particle > 0 or -vertex)
  const auto checkRefs = [&] {
    for (const auto& [at, ref] : refs)
      if (ref == 0 || ref > particles || -ref > vertices)
        throw inputError(file.string(), at, "event " + event + ": refers to " + (ref > 0 ? "particle " : "vertex ") +
                                                std::to_string(ref > 0 ? ref : -ref) + ", which the event does not have");
    particles = vertices = 0;
    refs.clear();
  };
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    // Its unescape() reads past the end of a line that ends with a backslash; lines are read
    // into a buffer of 512 * 512 characters, so a longer one would be cut there.
    if (line.size() >= 512 * 512 - 1)
      throw inputError(file.string(), number, "event " + event + ": line longer than libHepMC3 reads (262142 characters)");
    const std::size_t end = std::min(line.find('\0'), line.size());  // HepMC3's C string ends at a NUL
    if (end != 0 && line[end - 1] == '\\')
      throw inputError(file.string(), number, "event " + event + ": line ends with a backslash");
    if (line.rfind("HepMC", 0) == 0 || line.rfind("E", 0) == 0) checkRefs();
    if (line.rfind("P", 0) == 0 || line.rfind("V", 0) == 0) {
      const bool vertex = line[0] == 'V';
      ++(vertex ? vertices : particles);
      const auto s1 = line.find(' ', 1), s2 = s1 == std::string::npos ? s1 : line.find(' ', s1 + 1);
      if (!vertex && s2 != std::string::npos) {
        const int mother = static_cast<int>(std::strtol(line.c_str() + s2, nullptr, 10));
        if (mother != 0) refs.emplace_back(number, mother);  // 0: no mother
      } else if (vertex && line.find('[') != std::string::npos) {
        for (auto at = line.find('['); at != std::string::npos && at < line.find(']'); at = line.find(',', at + 1))
          refs.emplace_back(number, std::max(0, static_cast<int>(std::strtol(line.c_str() + at + 1, nullptr, 10))));
      }
    }
    if (line.rfind("E ", 0) == 0) {
      std::istringstream fields(line.substr(2));
      std::string n;
      fields >> n;
      event = n;
      continue;
    }
    // libHepMC3 3.1 copies attribute names ("A NAME VALUE" in the header, "A ID NAME VALUE" in
    // an event; fields split at single spaces) into a 64-byte stack buffer without a bound.
    if (line.rfind("A", 0) == 0) {
      const auto s1 = line.find(' ', 1);
      const auto s2 = s1 == std::string::npos ? s1 : line.find(' ', s1 + 1);
      const auto s3 = s2 == std::string::npos ? s2 : line.find(' ', s2 + 1);
      if ((s2 != std::string::npos && s2 - s1 > 64) || (s3 != std::string::npos && s3 - s2 > 64))
        throw inputError(file.string(), number, "event " + event + ": attribute name longer than 63 characters");
    }
    if (line.rfind("U ", 0) != 0) continue;
    std::istringstream fields(line.substr(2));
    std::string momentum, length, extra;
    fields >> momentum >> length;
    if (momentum != "GEV" && momentum != "MEV")
      throw inputError(file.string(), number, "event " + event + ": unknown momentum unit '" + momentum +
                                                  "' (HepMC3 knows GEV and MEV)");
    if (length != "MM" && length != "CM")
      throw inputError(file.string(), number, "event " + event + ": unknown length unit '" + length +
                                                  "' (HepMC3 knows MM and CM)");
    if (fields >> extra) throw inputError(file.string(), number, "event " + event + ": unexpected '" + extra + "' after the units");
  }
  checkRefs();
}

/// `index`: 1-based position of the event in the file, for messages.
std::vector<Particle> convert(HepMC3::GenEvent& event, const std::filesystem::path& file, std::size_t index) {
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
    // Written as they are, they would make CSV files the reader rejects, and NaN pT in graphs.
    const auto finite = [](const Vec3& v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); };
    if (!finite(p.momentum) || !finite(p.vertex))
      throw Error(file.string() + ": event " + std::to_string(index) + " (number " +
                  std::to_string(event.event_number()) + "), particle " + std::to_string(gen->id()) +
                  " (pdg " + std::to_string(gen->pid()) + "): non-finite " +
                  (finite(p.momentum) ? "production vertex" : "momentum"));
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
  checkUnits(file);
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
    if (!reader.failed() || !event.particles().empty()) events.push_back(convert(event, file, events.size() + 1));
    if (reader.failed()) {
      if (!in.eof()) throw fail("unreadable line (binary data?)");
      break;
    }
  }
  if (events.empty()) throw Error(file.string() + ": no HepMC3 events (not a HepMC3 ASCII file?)");
  return events;
}

}  // namespace efgnn

#include "io/HepMCReader.hpp"

#include <HepMC3/GenEvent.h>
#include <HepMC3/GenParticle.h>
#include <HepMC3/GenVertex.h>
#include <HepMC3/ReaderAscii.h>
#include <HepMC3/ReaderAsciiHepMC2.h>
#include <HepMC3/Setup.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/Error.hpp"
#include "core/Pdg.hpp"

// How a file is read, and why so (libHepMC3 3.1.2, Debian 12's):
//
// * The format comes from the header lines, as HepMC3::deduce_reader (ReaderFactory.h) decides
//   it: "HepMC::Version ..." then "HepMC::Asciiv3-START_EVENT_LISTING" (HepMC3) or
//   "HepMC::IO_GenEvent-START_EVENT_LISTING" (HepMC2). deduce_reader itself cannot be used: in
//   3.1.2 it printf()s "Info in deduce_reader: ..." lines on stdout whatever the settings, and
//   it is defined, not inline, in the header. The library's ReaderAsciiHepMC2 / ReaderAscii then
//   read the events.
// * Setup's print_errors / print_warnings / debug_level are switched off while reading
//   (QuietHepMC): its ERROR macro writes to std::cerr, WARNING and DEBUG (on at level 1 in 3.1.2:
//   "Parsing failed at line: ...") to std::cout.
// * What those switches do not silence, and what crashes or exhausts the library, is refused by
//   a pre-scan of the file before the library sees it, naming file, line and event:
//   - ReaderAscii printf()s "N  vs  M expected" on stdout whenever an event's particle or vertex
//     count differs from its E line, which every failed or cut-short event does; and both
//     readers write an unknown "HepMC..." line to std::cout. So the HepMC3 pre-scan follows the
//     library's parsing (fields found at single spaces, read with atoi / atof; implicit vertices
//     of particles whose mother is a particle) closely enough that the library never fails, and
//     counts each event's vertices and particles as it will;
//   - ReaderAsciiHepMC2 dereferences an empty vertex list for a particle before the first vertex
//     of an event, a null vertex for a vertex with weights but no incoming or outgoing particle,
//     resizes vectors to any declared count (weights, random states, weight names: 2e9 weights
//     took 16 GB and 4 minutes), and silently drops vertices without incoming particles, and
//     with them their final-state particles;
//   - both readers look up the particles or vertices a line refers to without bounds checks, cut
//     lines at 512 * 512 characters and a C string at a NUL, and ReaderAscii's unescape() reads
//     past a line that ends with a backslash; it copies attribute names into a 64-byte buffer;
//   - a unit it does not know is read as GeV or cm (saying so only on stderr).
//   Lines are read as the library reads them: an event ends at the next line starting with E
//   (unless a blank line comes first: the library would merge the two events), or at a HepMC::
//   line.
namespace efgnn {

namespace {

namespace fs = std::filesystem;

constexpr int kFinalState = 1;                  // HepMC status of undecayed particles
constexpr std::size_t kLineBuffer = 512 * 512;  // both readers' line buffer

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

enum class Format { HepMC2, HepMC3 };

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

/// The start of a line for a message: printable ASCII, at most 40 characters.
std::string excerpt(const std::string& line) {
  std::string out;
  for (const char c : line.substr(0, 40)) out += c >= 32 && c < 127 ? c : '?';
  return line.size() > 40 ? out + "..." : out;
}

/// A record line walked the way libHepMC3 3.1 parses it: each field starts at the next single
/// space after the current position (strchr(cursor + 1, ' ')) and is read from there with atoi,
/// so the fields and counts found here are those the library will find.
class Fields {
 public:
  explicit Fields(const std::string& line) : at_(line.c_str()) {}
  /// Moves to the next `c` after the current position; false when the line has none left.
  bool next(char c = ' ') {
    const char* p = std::strchr(at_ + 1, c);
    if (!p) return false;
    at_ = p;
    return true;
  }
  bool skip(long n) {
    for (long i = 0; i < n; ++i)
      if (!next()) return false;
    return true;
  }
  /// The integer at the current position, as glibc's atoi reads it.
  int integer() const { return static_cast<int>(std::strtol(at_, nullptr, 10)); }
  /// How many more fields the line has.
  long left() const {
    long n = 0;
    for (const char* p = at_ + 1; (p = std::strchr(p, ' ')) != nullptr; ++p) ++n;
    return n;
  }
  const char* at() const { return at_; }
  void moveTo(const char* p) { at_ = p; }

 private:
  const char* at_;
};

/// What the pre-scan learned about an event, for what comes after libHepMC3 has read it.
struct EventInfo {
  std::size_t line = 0;        // of its E record
  std::string number;          // the event number as written
  std::size_t particles = 0;   // how many particles libHepMC3 will give
};

/// The pre-scan of one format: the driver (prescan) hands it the lines of the listing.
class Scanner {
 public:
  Scanner(std::string file, std::size_t max_events) : file_(std::move(file)), max_events_(max_events) {}
  virtual ~Scanner() = default;
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  /// An E line: ends the event before. False when `max_events` events are complete (the rest of
  /// the file is not read).
  bool startEvent(const std::string& line, std::size_t number) {
    if (in_event_) endEvent(false);
    if (max_events_ != 0 && events_.size() == max_events_) return false;
    std::istringstream fields(line.substr(1));
    event_number_.clear();
    fields >> event_number_;
    event_line_ = number;
    in_event_ = true;
    beginEvent(line, number);
    return true;
  }
  /// A HepMC:: line or the end of the file (`at_end`) ends the event.
  void endListing(bool at_end) {
    if (in_event_) endEvent(at_end);
    in_event_ = false;
  }
  virtual void record(const std::string& line, std::size_t number) = 0;
  bool inEvent() const { return in_event_; }
  /// An Error at `line` of the current event.
  [[noreturn]] void failAt(std::size_t line, const std::string& what) const { fail(line, what); }
  std::vector<EventInfo> takeEvents() { return std::move(events_); }

 protected:
  virtual void beginEvent(const std::string& line, std::size_t number) = 0;
  /// Checks the event against what its lines declare and records it.
  virtual void finishEvent(bool at_end) = 0;

  [[noreturn]] void fail(std::size_t line, const std::string& what) const {
    throw inputError(file_, line, in_event_ ? "event " + event_number_ + ": " + what : what);
  }
  /// Appended to the message about an incomplete event at the end of the file.
  static std::string cutShort(bool at_end) { return at_end ? " (the file ends there: cut short?)" : ""; }
  void addEvent(std::size_t particles) { events_.push_back({event_line_, event_number_, particles}); }

  /// "U MOMENTUM LENGTH": the library takes what follows the first and the second single space,
  /// and reads an unknown unit as GeV or cm.
  void checkUnits(const std::string& line, std::size_t number) const {
    std::istringstream fields(line.substr(1));
    std::string momentum, length, extra;
    fields >> momentum >> length;
    if (momentum != "GEV" && momentum != "MEV")
      fail(number, "unknown momentum unit '" + momentum + "' (HepMC knows GEV and MEV)");
    if (length != "MM" && length != "CM") fail(number, "unknown length unit '" + length + "' (HepMC knows MM and CM)");
    if (fields >> extra) fail(number, "unexpected '" + extra + "' after the units");
    if (!startsWith(line, ("U " + momentum + " " + length).c_str()))
      fail(number, "units line not of the form 'U " + momentum + " " + length + "' (single spaces)");
  }

  std::size_t event_line_ = 0;
  std::string event_number_;

 private:
  void endEvent(bool at_end) {
    finishEvent(at_end);
    in_event_ = false;
  }

  std::string file_;
  std::size_t max_events_;
  bool in_event_ = false;
  std::vector<EventInfo> events_;
};

/// HepMC3 ASCII as ReaderAscii 3.1.2 parses it.
class HepMC3Scanner : public Scanner {
 public:
  using Scanner::Scanner;

  void record(const std::string& line, std::size_t number) override {
    // Its unescape() reads past the end of a line that ends with a backslash.
    if (line.back() == '\\') fail(number, "line ends with a backslash");
    switch (line[0]) {
      case 'V': vertex(line, number); break;
      case 'P': particle(line, number); break;
      case 'U': checkUnits(line, number); break;
      case 'W': weights(line, number); break;
      case 'A': attribute(line, number); break;
      case 'T':
        if (!Fields(line).next()) fail(number, "tool line without a space");
        break;
      default: break;  // the library skips other lines (with a warning)
    }
  }

 protected:
  void beginEvent(const std::string& line, std::size_t number) override {
    Fields f(line);
    if (!f.next()) fail(number, "event line without an event number");
    if (!f.next()) fail(number, "event line without a vertex count");
    declared_vertices_ = f.integer();
    if (!f.next()) fail(number, "event line without a particle count");
    declared_particles_ = f.integer();
    if (declared_particles_ < 0) fail(number, "negative particle count " + std::to_string(declared_particles_));
    if (f.next('@') && !f.skip(4)) fail(number, "event position needs x, y, z and t after '@'");
    particles_ = vertex_lines_ = implicit_vertices_ = 0;
    has_end_vertex_.clear();
    refs_.clear();
  }

  void finishEvent(bool at_end) override {
    // The library links the particles a vertex lists beyond those read so far after the event,
    // without a bounds check; it ignores a mother particle not read yet and a mother vertex it
    // does not find (vertex ids -1..-N count implicit vertices too).
    const long vertices = static_cast<long>(vertex_lines_ + implicit_vertices_);
    for (const auto& [at, ref] : refs_)
      if (ref > static_cast<long>(particles_) || -ref > vertices)
        fail(at, std::string("refers to ") + (ref > 0 ? "particle " : "vertex ") + std::to_string(ref > 0 ? ref : -ref) +
                     ", which the event does not have");
    // Otherwise it prints "N  vs  M expected" on stdout and fails.
    if (vertices != declared_vertices_ || static_cast<long>(particles_) != declared_particles_)
      fail(event_line_, "declares " + std::to_string(declared_vertices_) + " vertices and " +
                            std::to_string(declared_particles_) + " particles; its lines give " + std::to_string(vertices) +
                            " and " + std::to_string(particles_) + cutShort(at_end));
    addEvent(particles_);
  }

 private:
  /// "V ID STATUS [P1,P2,...] [@ X Y Z T]"
  void vertex(const std::string& line, std::size_t number) {
    if (!inEvent()) fail(number, "vertex line before an event line");
    Fields f(line);
    if (!f.next() || !f.next()) fail(number, "vertex line needs an id and a status");
    if (!f.next('[')) fail(number, "vertex line without its list of incoming particles '[...]'");
    const char* cursor = f.at();
    for (;;) {
      ++cursor;  // past '[' or ','
      if (*cursor == '\0') fail(number, "vertex line ends inside its particle list");  // the library would read on
      const char* start = cursor;
      const int in = static_cast<int>(std::strtol(cursor, nullptr, 10));
      if (in > 0) {
        if (in <= static_cast<long>(particles_))
          has_end_vertex_[static_cast<std::size_t>(in) - 1] = 1;
        else
          refs_.emplace_back(number, in);  // linked after the event is read
      }
      if (const char* comma = std::strchr(cursor + 1, ',')) {
        cursor = comma;
        continue;
      }
      cursor = std::strchr(start + 1, ']');
      if (!cursor) fail(number, "vertex line without ']' closing its particle list");
      break;
    }
    f.moveTo(cursor);
    if (f.next('@') && !f.skip(4)) fail(number, "vertex position needs x, y, z and t after '@'");
    ++vertex_lines_;
  }

  /// "P ID MOTHER PDG PX PY PZ E M STATUS": MOTHER a particle, -vertex or 0.
  void particle(const std::string& line, std::size_t number) {
    if (!inEvent()) fail(number, "particle line before an event line");
    Fields f(line);
    if (!f.next()) fail(number, "particle line without an id");
    const long expected = static_cast<long>(particles_) + 1;
    if (f.integer() != expected)
      fail(number, "particle id " + std::to_string(f.integer()) + " where " + std::to_string(expected) + " comes next");
    if (!f.next()) fail(number, "particle line without its mother");
    const int mother = f.integer();
    if (!f.skip(7)) fail(number, "particle line with fewer than its 9 fields (id, mother, pdg, px, py, pz, e, m, status)");
    if (mother > 0 && mother <= static_cast<long>(particles_)) {
      // A particle as mother: the library makes its end vertex when it has none.
      char& has = has_end_vertex_[static_cast<std::size_t>(mother) - 1];
      if (!has) ++implicit_vertices_;
      has = 1;
    } else if (mother != 0) {
      refs_.emplace_back(number, mother);
    }
    ++particles_;
    has_end_vertex_.push_back(0);
  }

  /// "W NAME..." in the header; "W VALUE..." in an event, as many as there are names.
  void weights(const std::string& line, std::size_t number) {
    if (!inEvent()) {
      Fields f(line);
      if (!f.next()) fail(number, "weight names line without a space");
      std::istringstream names(unescape(std::string(f.at() + 1)));
      std::vector<std::string> seen;
      for (std::string name; names >> name; seen.push_back(name))
        if (std::find(seen.begin(), seen.end(), name) != seen.end())
          fail(number, "weight name '" + excerpt(name) + "' given twice");  // the library throws
      weight_names_ = seen.size();
      return;
    }
    std::istringstream values(line.substr(1));
    std::size_t n = 0;
    for (double w; values >> w;) ++n;
    if (weight_names_ != 0 && n != weight_names_)
      fail(number, std::to_string(n) + " weights where the header names " + std::to_string(weight_names_));
  }

  /// "A NAME VALUE" in the header, "A ID NAME VALUE" in an event.
  void attribute(const std::string& line, std::size_t number) {
    // libHepMC3 3.1 copies attribute names (fields split at single spaces) into a 64-byte stack
    // buffer without a bound.
    const auto s1 = line.find(' ', 1);
    const auto s2 = s1 == std::string::npos ? s1 : line.find(' ', s1 + 1);
    const auto s3 = s2 == std::string::npos ? s2 : line.find(' ', s2 + 1);
    if ((s2 != std::string::npos && s2 - s1 > 64) || (s3 != std::string::npos && s3 - s2 > 64))
      fail(number, "attribute name longer than 63 characters");
    if ((inEvent() ? s3 : s2) == std::string::npos) fail(number, "attribute line without a name and a value");
  }

  static std::string unescape(const std::string& s) {  // as the library's (the line has no final '\')
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        ++i;
        out += s[i] == '|' ? '\n' : s[i];
      } else {
        out += s[i];
      }
    }
    return out;
  }

  long declared_vertices_ = 0, declared_particles_ = 0;
  std::size_t particles_ = 0, vertex_lines_ = 0, implicit_vertices_ = 0;
  std::vector<char> has_end_vertex_;            // per particle of the event
  std::vector<std::pair<std::size_t, long>> refs_;  // (line, particle > 0 or -vertex)
  std::size_t weight_names_ = 0;
};

/// HepMC2 IO_GenEvent as ReaderAsciiHepMC2 3.1.2 parses it. Records of an event: E (event), N
/// (weight names), U (units), C (cross section), H (heavy ion), F (PDF), then each vertex (V)
/// followed by its particles (P): the incoming ones without a production vertex ("orphans",
/// whose end vertex is this one), and the outgoing ones.
class HepMC2Scanner : public Scanner {
 public:
  using Scanner::Scanner;

  void record(const std::string& line, std::size_t number) override {
    if (blank(line)) return;
    if (!inEvent()) fail(number, "'" + excerpt(line) + "' before the first event line (E)");
    Fields f(line);
    switch (line[0]) {
      case 'V': vertex(line, number); break;
      case 'P': particle(line, number); break;
      case 'U': checkUnits(line, number); break;
      case 'N': {
        if (!f.next()) fail(number, "weight names line without a count");
        const int n = f.integer();
        if (n <= 0) fail(number, "weight names line declares " + std::to_string(n) + " names");
        std::vector<std::string> seen;
        for (int i = 0; i < n; ++i) {
          if (!f.next('"')) fail(number, "weight names line declares " + std::to_string(n) + " names but quotes " + std::to_string(i));
          const char* open = f.at();
          if (!f.next('"')) fail(number, "weight names line declares " + std::to_string(n) + " names but quotes " + std::to_string(i));
          const std::string name(open + 1, f.at());
          if (std::find(seen.begin(), seen.end(), name) != seen.end())
            fail(number, "weight name '" + excerpt(name) + "' given twice");  // the library throws
          seen.push_back(name);
        }
        break;
      }
      case 'C':
        if (!f.skip(2)) fail(number, "cross-section line needs the cross section and its error");
        break;
      case 'H':
        if (!f.skip(13)) fail(number, "heavy-ion line with fewer than its 13 fields");
        break;
      case 'F':
        if (!f.skip(7)) fail(number, "PDF line with fewer than 7 fields (id1, id2, x1, x2, scale, xf1, xf2)");
        break;
      default:
        fail(number, "unknown HepMC2 record '" + excerpt(line) + "' (IO_GenEvent has E, N, U, C, H, F, V and P lines)");
    }
  }

 protected:
  // "E NUMBER MPI SCALE ALPHA_QCD ALPHA_QED PROCESS SIGNAL_VERTEX VERTICES BEAM1 BEAM2 NRANDOM
  // RANDOM... NWEIGHTS WEIGHT..."
  void beginEvent(const std::string& line, std::size_t number) override {
    const std::string layout =
        " (number, MPI, scale, alpha_QCD, alpha_QED, process id, signal vertex, vertex count, 2 beams, "
        "random-state count and states, weight count and weights)";
    Fields f(line);
    if (!f.skip(8)) fail(number, "event line with too few fields" + layout);
    declared_vertices_ = f.integer();
    if (declared_vertices_ < 0) fail(number, "negative vertex count " + std::to_string(declared_vertices_));
    if (!f.skip(3)) fail(number, "event line with too few fields" + layout);
    countedList(f, number, "random states");
    if (!f.next()) fail(number, "event line without its weight count" + layout);
    countedList(f, number, "weights");
    vertices_.clear();
    particles_.clear();
  }

  void finishEvent(bool at_end) override {
    if (!vertices_.empty()) checkParticlesOf(vertices_.back(), at_end);
    if (static_cast<long>(vertices_.size()) != declared_vertices_)
      fail(event_line_, "declares " + std::to_string(declared_vertices_) + " vertices, has " +
                            std::to_string(vertices_.size()) + cutShort(at_end));
    // The library links each particle to the first vertex with its end-vertex barcode, then
    // drops the vertices without incoming or outgoing particles.
    std::unordered_map<int, std::size_t> by_barcode;
    for (std::size_t i = 0; i < vertices_.size(); ++i) by_barcode.emplace(vertices_[i].barcode, i);
    for (Particle2& p : particles_) {
      if (p.end_barcode == 0) continue;
      const auto it = by_barcode.find(p.end_barcode);
      if (it == by_barcode.end()) continue;
      p.end_vertex = static_cast<long>(it->second);
      ++vertices_[it->second].in;
    }
    const auto dropped = [&](long v) {
      return v < 0 || vertices_[static_cast<std::size_t>(v)].in == 0 || vertices_[static_cast<std::size_t>(v)].out == 0;
    };
    for (const Vertex2& v : vertices_)
      if (v.weights > 0 && (v.in == 0 || v.out == 0))  // a null vertex dereferenced
        fail(v.line, "vertex " + std::to_string(v.barcode) + " has weights but no " +
                         (v.in == 0 ? "incoming" : "outgoing") + " particle (libHepMC3 3.1 crashes on it)");
    std::size_t kept = 0;
    for (const Particle2& p : particles_) {
      if (!dropped(p.vertex) || !dropped(p.end_vertex)) {
        ++kept;
      } else if (p.status == kFinalState) {
        const Vertex2& v = vertices_[static_cast<std::size_t>(p.vertex >= 0 ? p.vertex : p.end_vertex)];
        fail(p.line, "vertex " + std::to_string(v.barcode) + " (line " + std::to_string(v.line) + ") has no " +
                         (v.in == 0 ? "incoming" : "outgoing") +
                         " particle: libHepMC3 3.1 drops such a vertex, and with it this final-state particle");
      }
    }
    addEvent(kept);
  }

 private:
  struct Vertex2 {
    int barcode = 0;
    std::size_t line = 0;
    int weights = 0, declared_orphans = 0, declared_out = 0;
    int following = 0, in = 0, out = 0;  // particle lines after it; incoming and outgoing ones
  };
  struct Particle2 {
    std::size_t line = 0;
    int status = 0, end_barcode = 0;
    long vertex = -1, end_vertex = -1;  // production and end vertex (index), -1 for none
  };

  /// A count and that many fields; the library resizes a vector to the count first.
  void countedList(Fields& f, std::size_t number, const std::string& what) {
    const int n = f.integer();
    if (n < 0 || n > f.left())
      fail(number, "declares " + std::to_string(n) + " " + what + " but the line has " + std::to_string(f.left()) +
                       " more fields");
    f.skip(n);
  }

  void checkParticlesOf(const Vertex2& v, bool at_end) const {
    // The library wants at least as many particle lines (orphans included) as outgoing
    // particles. Where the file ends without its closing line, the last vertex must have all
    // its particles, incoming orphans too: what a cut between two particle lines leaves.
    if (at_end && v.following < v.declared_orphans + v.declared_out)
      fail(v.line, "vertex " + std::to_string(v.barcode) + " declares " + std::to_string(v.declared_orphans) +
                       " incoming and " + std::to_string(v.declared_out) + " outgoing particles, " +
                       std::to_string(v.following) + " particle lines follow" + cutShort(at_end));
    if (v.following < v.declared_out)
      fail(v.line, "vertex " + std::to_string(v.barcode) + " declares " + std::to_string(v.declared_out) +
                       " outgoing particles, " + std::to_string(v.following) + " particle lines follow" + cutShort(at_end));
  }

  /// "V BARCODE ID X Y Z CTAU ORPHANS OUTGOING NWEIGHTS WEIGHT..."
  void vertex(const std::string& line, std::size_t number) {
    if (!vertices_.empty()) checkParticlesOf(vertices_.back(), false);
    const std::string layout = " (barcode, id, x, y, z, ctau, orphans, outgoing, weight count and weights)";
    Vertex2 v;
    v.line = number;
    Fields f(line);
    if (!f.next()) fail(number, "vertex line with too few fields" + layout);
    v.barcode = f.integer();
    if (!f.skip(6)) fail(number, "vertex line with too few fields" + layout);
    v.declared_orphans = f.integer();
    if (!f.next()) fail(number, "vertex line with too few fields" + layout);
    v.declared_out = f.integer();
    if (v.declared_out < 0) fail(number, "negative outgoing particle count " + std::to_string(v.declared_out));
    if (!f.next()) fail(number, "vertex line with too few fields" + layout);
    v.weights = f.integer();
    countedList(f, number, "weights");
    vertices_.push_back(v);
  }

  /// "P BARCODE PDG PX PY PZ E M STATUS THETA PHI END_VERTEX NFLOW [INDEX CODE]..."
  void particle(const std::string& line, std::size_t number) {
    // The library takes the last vertex read: there is none before the first (a crash).
    if (vertices_.empty()) fail(number, "particle line before the first vertex line of the event");
    const std::string layout = " (barcode, pdg, px, py, pz, e, m, status, theta, phi, end vertex, flow count and flows)";
    Particle2 p;
    p.line = number;
    Fields f(line);
    if (!f.skip(8)) fail(number, "particle line with too few fields" + layout);
    p.status = f.integer();
    if (!f.skip(3)) fail(number, "particle line with too few fields" + layout);
    p.end_barcode = f.integer();
    if (!f.next()) fail(number, "particle line with too few fields" + layout);
    const int flows = f.integer();
    for (int i = 0; i < flows; ++i)
      if (!f.skip(2)) fail(number, "particle line declares " + std::to_string(flows) + " flows but has " + std::to_string(i));
    Vertex2& v = vertices_.back();
    ++v.following;
    const auto index = static_cast<long>(vertices_.size()) - 1;
    if (p.end_barcode == v.barcode) {  // an orphan: incoming particle of this vertex
      ++v.in;
      p.end_barcode = 0;
      p.end_vertex = index;
    } else {
      ++v.out;
      p.vertex = index;
    }
    particles_.push_back(p);
  }

  long declared_vertices_ = 0;
  std::vector<Vertex2> vertices_;
  std::vector<Particle2> particles_;
};

struct Scan {
  Format format = Format::HepMC3;
  std::vector<EventInfo> events;
};

/// Reads the file once before libHepMC3 does: its format, and every event the library will be
/// asked for, checked as described at the top.
Scan prescan(const fs::path& path, std::size_t max_events) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(file + ": cannot open HepMC file");
  Scan scan;
  std::unique_ptr<Scanner> scanner;
  std::string line;
  std::size_t number = 0, header_line = 0;
  bool any = false, previous_empty = false;
  while (std::getline(in, line)) {
    ++number;
    const bool unterminated = in.eof();  // the last line, without '\n'
    if (line.empty()) {
      previous_empty = true;
      continue;
    }
    if (!any && startsWith(line, "\x1f\x8b"))
      throw inputError(file, number, "gzip-compressed: decompress it first (HepMC files are read as ASCII)");
    if (line.find('\0') != std::string::npos)
      throw inputError(file, number, "binary data (a NUL byte): not a HepMC ASCII file");
    if (line.size() >= kLineBuffer - 1)
      throw inputError(file, number, "line longer than libHepMC3 reads (" + std::to_string(kLineBuffer - 2) + " characters)");
    any = true;
    if (!scanner) {  // the header: [HepMC::Version ...] and the start of a listing
      if (blank(line)) continue;
      if (startsWith(line, "HepMC::Version") && header_line == 0) {
        header_line = number;
        continue;
      }
      if (startsWith(line, "HepMC::Asciiv3-START_EVENT_LISTING")) {
        scan.format = Format::HepMC3;
        scanner = std::make_unique<HepMC3Scanner>(file, max_events);
      } else if (startsWith(line, "HepMC::IO_GenEvent-START_EVENT_LISTING")) {
        scan.format = Format::HepMC2;
        scanner = std::make_unique<HepMC2Scanner>(file, max_events);
      } else if (startsWith(line, "HepMC::IO_Ascii") || startsWith(line, "HepMC::IO_ExtendedAscii")) {
        throw inputError(file, number, "HepMC2 " + line.substr(7, line.find('-') - 7) +
                                           " listing: only IO_GenEvent files can be read (libHepMC3)");
      } else if (startsWith(line, "<LesHouchesEvents")) {
        throw inputError(file, number, "a Les Houches event file (LHEF), not HepMC ASCII");
      } else {
        throw inputError(file, number, "not a HepMC ASCII file: '" + excerpt(line) + "' where " +
                                           (header_line ? "'HepMC::Asciiv3-START_EVENT_LISTING' or "
                                                          "'HepMC::IO_GenEvent-START_EVENT_LISTING'"
                                                        : "a header 'HepMC::Version ...'") +
                                           " was expected");
      }
      continue;
    }
    // The last line without its newline: cut short, unless a whole closing line.
    if (unterminated && !blank(line) &&
        line.substr(0, line.find_last_not_of(" \t\r") + 1) !=
            (scan.format == Format::HepMC2 ? "HepMC::IO_GenEvent-END_EVENT_LISTING" : "HepMC::Asciiv3-END_EVENT_LISTING")) {
      const std::string what = "the file ends inside this line (cut short? a complete file ends with a newline)";
      if (line[0] == 'E' || startsWith(line, "HepMC")) throw inputError(file, number, what);
      scanner->failAt(number, what);
    }
    if (startsWith(line, "HepMC")) {
      // Both readers print any other "HepMC..." line on stdout and stop there.
      const bool v3 = scan.format == Format::HepMC3;
      if (!startsWith(line, "HepMC::Version") && !startsWith(line, v3 ? "HepMC::Asciiv3" : "HepMC::IO_GenEvent"))
        throw inputError(file, number, "'" + excerpt(line) + "' in a " + (v3 ? "HepMC3" : "HepMC2 (IO_GenEvent)") + " file");
      scanner->endListing(false);
    } else if (line[0] == 'E') {
      if (scanner->inEvent() && previous_empty)
        throw inputError(file, number, "blank line before this event line (libHepMC3 would merge it with the event before)");
      if (!scanner->startEvent(line, number)) return {scan.format, scanner->takeEvents()};  // max_events read
    } else {
      scanner->record(line, number);
    }
    previous_empty = false;
  }
  if (!any) throw Error(file + ": empty file (no HepMC events)");
  if (!scanner) throw inputError(file, number, "HepMC header without the start of an event listing");
  scanner->endListing(true);
  scan.events = scanner->takeEvents();
  if (scan.events.empty()) throw Error(file + ": no events in this HepMC file");
  return scan;
}

/// libHepMC3 writes warnings and debug messages to std::cout, errors to std::cerr: off while it
/// reads (the pre-scan and the checks here say what is wrong), restored after. The settings
/// are the process's: reading is not meant to run on two threads at once.
class QuietHepMC {
 public:
  QuietHepMC()
      : errors_(HepMC3::Setup::print_errors()),
        warnings_(HepMC3::Setup::print_warnings()),
        debug_(HepMC3::Setup::debug_level()) {
    HepMC3::Setup::set_print_errors(false);
    HepMC3::Setup::set_print_warnings(false);
    HepMC3::Setup::set_debug_level(0);
  }
  ~QuietHepMC() {
    HepMC3::Setup::set_print_errors(errors_);
    HepMC3::Setup::set_print_warnings(warnings_);
    HepMC3::Setup::set_debug_level(debug_);
  }
  QuietHepMC(const QuietHepMC&) = delete;
  QuietHepMC& operator=(const QuietHepMC&) = delete;

 private:
  bool errors_, warnings_;
  int debug_;
};

/// `index`: 1-based position of the event in the file, for messages.
std::vector<Particle> convert(HepMC3::GenEvent& event, const fs::path& file, std::size_t index) {
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

std::vector<std::vector<Particle>> readHepMC(const fs::path& file, std::size_t max_events) {
  const Scan scan = prescan(file, max_events);
  // The library reads from this stream, which also tells a parse error (badbit) apart.
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open HepMC file");
  const QuietHepMC quiet;
  std::unique_ptr<HepMC3::Reader> reader;
  if (scan.format == Format::HepMC2)
    reader = std::make_unique<HepMC3::ReaderAsciiHepMC2>(in);
  else
    reader = std::make_unique<HepMC3::ReaderAscii>(in);
  const char* format = scan.format == Format::HepMC2 ? "HepMC2" : "HepMC3";
  std::vector<std::vector<Particle>> events;
  for (const EventInfo& info : scan.events) {
    const auto fail = [&](const std::string& what) {
      return inputError(file.string(), info.line, "event " + info.number + ": " + what);
    };
    HepMC3::GenEvent event;
    bool ok = false;
    try {
      ok = reader->read_event(event);
    } catch (const std::exception& e) {  // e.g. weights not matching the weight names
      throw fail(std::string("libHepMC3 could not read this ") + format + " event (" + e.what() + ")");
    }
    if (!ok || in.bad()) throw fail(std::string("libHepMC3 could not read this ") + format + " event");
    if (event.particles().size() != info.particles)
      throw fail("libHepMC3 read " + std::to_string(event.particles().size()) + " of its " +
                 std::to_string(info.particles) + " particles (vertices linked in a cycle?)");
    events.push_back(convert(event, file, events.size() + 1));
  }
  return events;
}

}  // namespace efgnn

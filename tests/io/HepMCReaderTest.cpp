// The HepMC reader: HepMC2 (IO_GenEvent) and HepMC3 ASCII read alike through libHepMC3, in any
// units; foreign, empty, event-less, cut-short and malformed files are Errors naming the file
// (and line); nothing is printed on stdout, even by libHepMC3.
#include <HepMC3/GenEvent.h>
#include <HepMC3/GenParticle.h>
#include <HepMC3/GenVertex.h>
#include <HepMC3/Setup.h>
#include <HepMC3/WriterAscii.h>
#include <HepMC3/WriterAsciiHepMC2.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <tuple>

#include "HepMCSamples.hpp"
#include "IoTestUtil.hpp"
#include "io/HepMCReader.hpp"

namespace efgnn {
namespace {

using HepMC3::FourVector;
using test::expectError;
using test::TempDir;
namespace sample = test::hepmc;

/// Everything written to file descriptor 1 (printf and std::cout alike) while it lives.
class StdoutCapture {
 public:
  explicit StdoutCapture(const std::filesystem::path& file) : file_(file) {
    std::cout.flush();
    std::fflush(stdout);
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    saved_ = ::dup(1);
    ::dup2(fd_, 1);
  }
  ~StdoutCapture() { restore(); }
  StdoutCapture(const StdoutCapture&) = delete;
  StdoutCapture& operator=(const StdoutCapture&) = delete;
  /// Stops capturing; returns what was printed.
  std::string text() {
    restore();
    return test::readText(file_);
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::cout.flush();
    std::fflush(stdout);
    ::dup2(saved_, 1);
    ::close(saved_);
    ::close(fd_);
    saved_ = -1;
  }
  std::filesystem::path file_;
  int fd_ = -1, saved_ = -1;
};

/// Runs `f` (a read expected to fail), returning the Error's message; fails the test when
/// something else happens or anything is printed on stdout.
std::string errorOf(const TempDir& dir, const std::function<void()>& f) {
  StdoutCapture out(dir / "stdout.txt");
  std::string message;
  try {
    f();
    ADD_FAILURE() << "no efgnn::Error thrown";
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_EQ(out.text(), "") << message;
  return message;
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << "'" << (text) << "' lacks '" << (part) << "'"

/// The particles of `events` as {pdg, px, py, pz, x, y, z} rows sorted per event, checking the
/// fields every particle from a HepMC file has.
std::vector<std::vector<std::vector<double>>> rows(const std::vector<std::vector<Particle>>& events) {
  std::vector<std::vector<std::vector<double>>> out;
  for (const auto& event : events) {
    auto& rs = out.emplace_back();
    for (std::size_t i = 0; i < event.size(); ++i) {
      const Particle& p = event[i];
      EXPECT_EQ(p.particle_id, i + 1);
      EXPECT_TRUE(p.primary);
      EXPECT_EQ(p.process, Process::Generator);
      EXPECT_EQ(p.parent_id, 0u);
      EXPECT_EQ(p.charge, p.pdg == 22 ? 0 : p.pdg == 11 || p.pdg == -211 || p.pdg == -2212 ? -1 : 1) << p.pdg;
      rs.push_back({static_cast<double>(p.pdg), p.momentum.x, p.momentum.y, p.momentum.z, p.vertex.x, p.vertex.y, p.vertex.z});
    }
    std::sort(rs.begin(), rs.end());
  }
  return out;
}

void expectSameParticles(const std::vector<std::vector<std::vector<double>>>& got,
                         const std::vector<std::vector<std::vector<double>>>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t e = 0; e < want.size(); ++e) {
    auto sorted = want[e];
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(got[e].size(), sorted.size()) << what << ", event " << e + 1;
    for (std::size_t i = 0; i < sorted.size(); ++i)
      for (std::size_t k = 0; k < sorted[i].size(); ++k)
        EXPECT_NEAR(got[e][i][k], sorted[i][k], 1e-9) << what << ", event " << e + 1 << ", particle " << i << ", field " << k;
  }
}

TEST(HepMCReader, HepMC2AndHepMC3FilesOfTheSameEventsGiveTheSameParticlesInAnyUnits) {
  TempDir dir;
  for (const auto& [format, write] : {std::pair{"hepmc2", &sample::hepmc2}, std::pair{"hepmc3", &sample::hepmc3}})
    for (const auto& units : {sample::Units{"MEV", "MM"}, sample::Units{"GEV", "CM"}, sample::Units{"GEV", "MM"}}) {
      const auto file = dir / (std::string("sample-") + units.momentum + units.length + "." + format);
      test::writeText(file, write(units));
      StdoutCapture out(dir / "stdout.txt");
      const auto events = readHepMC(file);
      EXPECT_EQ(out.text(), "") << file;
      expectSameParticles(rows(events), sample::expectedParticles(), file.filename().string());
    }
}

TEST(HepMCReader, ReadsHepMC2AsLibHepMC3WritesIt) {
  TempDir dir;
  // The event of InputValidationIoTest written by the library's own HepMC2 writer.
  const auto file = dir / "written.hepmc2";
  {
    HepMC3::Setup::set_print_warnings(false);  // "HepMC2 format is outdated" on stdout
    HepMC3::WriterAsciiHepMC2 writer(file.string());
    HepMC3::Setup::set_print_warnings(true);
    HepMC3::GenEvent event(HepMC3::Units::MEV, HepMC3::Units::CM);
    event.set_event_number(17);
    const auto vertex = std::make_shared<HepMC3::GenVertex>(FourVector(0.5, -0.25, 1, 0));
    vertex->add_particle_in(std::make_shared<HepMC3::GenParticle>(FourVector(0, 0, 6.5e6, 6.5e6), 2212, 4));
    vertex->add_particle_out(std::make_shared<HepMC3::GenParticle>(FourVector(100, 200, 300, 500), 211, 1));
    vertex->add_particle_out(std::make_shared<HepMC3::GenParticle>(FourVector(-100, 50, 30, 500), -13, 1));
    event.add_vertex(vertex);
    writer.write_event(event);
    writer.close();
  }
  ASSERT_NE(test::readText(file).find("HepMC::IO_GenEvent-START_EVENT_LISTING"), std::string::npos);
  StdoutCapture out(dir / "stdout.txt");
  const auto events = readHepMC(file);
  EXPECT_EQ(out.text(), "");
  expectSameParticles(rows(events),
                      {{{211, 0.1, 0.2, 0.3, 5, -2.5, 10}, {-13, -0.1, 0.05, 0.03, 5, -2.5, 10}}}, "WriterAsciiHepMC2");
}

/// Event 1: a collision at (0.1, 0.2, -5) mm whose final state has every kind of particle, and
/// a K0s decaying at (10, 20, 30) mm; event 2: two pions. Units MeV and cm on purpose.
void writeSample(const std::filesystem::path& file) {
  const auto particle = [](int pdg, int status, double px, double py, double pz) {
    const double e = std::sqrt(px * px + py * py + pz * pz + 140. * 140.);
    return std::make_shared<HepMC3::GenParticle>(FourVector(px, py, pz, e), pdg, status);
  };
  HepMC3::WriterAscii writer(file.string());
  HepMC3::GenEvent first(HepMC3::Units::MEV, HepMC3::Units::CM);
  const auto collision = std::make_shared<HepMC3::GenVertex>(FourVector(0.01, 0.02, -0.5, 0));
  collision->add_particle_in(particle(2212, 4, 0, 0, 6.5e6));
  collision->add_particle_in(particle(2212, 4, 0, 0, -6.5e6));
  for (const int pdg : {211, 11, -2212, 22, 3122, 310, 12, 2112, 130, 111})
    collision->add_particle_out(particle(pdg, 1, 1500, -250, 4000));
  const auto k0s = particle(310, 2, 500, 600, 700);  // decayed by the generator: not final
  collision->add_particle_out(k0s);
  first.add_vertex(collision);
  const auto decay = std::make_shared<HepMC3::GenVertex>(FourVector(1, 2, 3, 0));
  decay->add_particle_in(k0s);
  decay->add_particle_out(particle(211, 1, 300, 200, 100));
  decay->add_particle_out(particle(-211, 1, 200, 400, 600));
  first.add_vertex(decay);
  writer.write_event(first);

  HepMC3::GenEvent second(HepMC3::Units::MEV, HepMC3::Units::CM);
  second.set_event_number(2);
  const auto origin = std::make_shared<HepMC3::GenVertex>();
  origin->add_particle_in(particle(2212, 4, 0, 0, 6.5e6));
  origin->add_particle_out(particle(-211, 1, 100, 0, 0));
  origin->add_particle_out(particle(321, 1, 0, 100, 0));
  second.add_vertex(origin);
  writer.write_event(second);
  writer.close();
}

TEST(HepMCReader, ReadsFinalStateParticlesOfLibHepMC3sOwnHepMC3FilesInMmAndGeV) {
  TempDir dir;
  const auto file = dir / "sample.hepmc3";
  writeSample(file);
  const auto events = readHepMC(file);
  ASSERT_EQ(events.size(), 2u);

  // Charged particles and the neutrals the simulation converts or decays; no neutrinos,
  // neutrons, K0L or pi0; not the decayed K0s.
  std::multimap<int, Particle> by_pdg;
  for (const Particle& p : events[0]) by_pdg.emplace(p.pdg, p);
  ASSERT_EQ(events[0].size(), 8u);
  for (const int pdg : {11, -2212, 22, 3122, 310, -211}) EXPECT_EQ(by_pdg.count(pdg), 1u);
  EXPECT_EQ(by_pdg.count(211), 2u);
  EXPECT_EQ(by_pdg.find(3122)->second.charge, 0);

  const Particle& electron = by_pdg.find(11)->second;
  EXPECT_NEAR(electron.momentum.x, 1.5, 1e-12);
  EXPECT_NEAR(electron.momentum.y, -0.25, 1e-12);
  EXPECT_NEAR(electron.momentum.z, 4.0, 1e-12);
  EXPECT_NEAR(electron.vertex.x, 0.1, 1e-12);
  EXPECT_NEAR(electron.vertex.y, 0.2, 1e-12);
  EXPECT_NEAR(electron.vertex.z, -5.0, 1e-12);

  const Particle& pi_minus = by_pdg.find(-211)->second;
  EXPECT_EQ(pi_minus.charge, -1);
  EXPECT_NEAR(pi_minus.vertex.x, 10, 1e-12);
  EXPECT_NEAR(pi_minus.vertex.y, 20, 1e-12);
  EXPECT_NEAR(pi_minus.vertex.z, 30, 1e-12);
  EXPECT_NEAR(pi_minus.momentum.z, 0.6, 1e-12);

  ASSERT_EQ(events[1].size(), 2u);
  EXPECT_EQ(events[1][0].pdg, -211);
  EXPECT_EQ(events[1][1].charge, 1);
  EXPECT_EQ(events[1][1].vertex, Vec3{});
}

TEST(HepMCReader, ReadsHepMC3FilesWithImplicitVerticesAsLibHepMC3WritesThem) {
  // A vertex without position and one incoming particle is not written ("P 5 3 ...": mother
  // particle 3); the vertex after it keeps its id -3, one beyond the vertex lines.
  TempDir dir;
  const auto file = dir / "implicit.hepmc3";
  {
    const auto particle = [](int pdg, int status, double pz) {
      return std::make_shared<HepMC3::GenParticle>(FourVector(1, 2, pz, 100), pdg, status);
    };
    HepMC3::WriterAscii writer(file.string());
    HepMC3::GenEvent event(HepMC3::Units::MEV, HepMC3::Units::CM);
    const auto collision = std::make_shared<HepMC3::GenVertex>(FourVector(0.01, 0.02, -0.5, 0));
    collision->add_particle_in(particle(2212, 4, 6.5e6));
    const auto k0s = particle(310, 2, 3);
    collision->add_particle_out(k0s);
    event.add_vertex(collision);
    const auto decay = std::make_shared<HepMC3::GenVertex>();
    decay->add_particle_in(k0s);
    const auto pion = particle(211, 2, 1);
    decay->add_particle_out(pion);
    decay->add_particle_out(particle(-211, 1, 1));
    event.add_vertex(decay);
    const auto positioned = std::make_shared<HepMC3::GenVertex>(FourVector(1, 2, 3, 4));
    positioned->add_particle_in(pion);
    positioned->add_particle_out(particle(-13, 1, 7));
    event.add_vertex(positioned);
    writer.write_event(event);
  }
  const std::string text = test::readText(file);
  ASSERT_NE(text.find("\nP 4 2 -211 "), std::string::npos) << text;
  ASSERT_NE(text.find("\nV -3 0 [3] @ "), std::string::npos) << text;
  StdoutCapture out(dir / "stdout.txt");
  const auto events = readHepMC(file);
  EXPECT_EQ(out.text(), "");
  // A vertex without a position is where its incoming particle was made (GenVertex::position).
  expectSameParticles(rows(events), {{{-211, 0.001, 0.002, 0.001, 0.1, 0.2, -5}, {-13, 0.001, 0.002, 0.007, 10, 20, 30}}},
                      "implicit vertex");
}

TEST(HepMCReader, StopsAfterMaxEventsInBothFormats) {
  TempDir dir;
  writeSample(dir / "sample.hepmc3");
  EXPECT_EQ(readHepMC(dir / "sample.hepmc3", 1).size(), 1u);
  test::writeText(dir / "sample.hepmc2", sample::hepmc2({}));
  EXPECT_EQ(readHepMC(dir / "sample.hepmc2", 1).size(), 1u);
  // Only the events read are checked: a second event cut short does not matter.
  std::string text = sample::hepmc2({});
  test::writeText(dir / "cut.hepmc2", text.substr(0, text.rfind("P ")));
  EXPECT_EQ(readHepMC(dir / "cut.hepmc2", 1).size(), 1u);
}

TEST(HepMCReader, ReadsFilesWithoutTheClosingLineInBothFormats) {
  TempDir dir;
  const auto file = dir / "sample.hepmc3";
  writeSample(file);
  std::string text = test::readText(file);
  text.erase(text.find("HepMC::Asciiv3-END_EVENT_LISTING"));
  test::writeText(file, text);
  EXPECT_EQ(readHepMC(file).size(), 2u);
  text = sample::hepmc2({});
  text.erase(text.find("HepMC::IO_GenEvent-END_EVENT_LISTING"));
  test::writeText(dir / "sample.hepmc2", text);
  EXPECT_EQ(readHepMC(dir / "sample.hepmc2").size(), 2u);
}

TEST(HepMCReader, FilesCutShortInTheLastEventAreAnErrorNamingFileAndLine) {
  TempDir dir;
  for (const auto& [format, write] : {std::pair{"hepmc2", &sample::hepmc2}, std::pair{"hepmc3", &sample::hepmc3}}) {
    const std::string text = write({});
    const auto footer = text.rfind("HepMC::");
    const auto last_event = text.rfind("\nE ") + 1;
    const auto event_line_end = text.find('\n', last_event);
    // Every cut from inside the last event line to just before its last newline leaves an
    // event that lacks lines, or a line cut in the middle.
    for (std::size_t cut = last_event + 1; cut < footer; ++cut) {
      const auto file = dir / (std::string("cut.") + format);
      test::writeText(file, text.substr(0, cut));
      const std::string message = errorOf(dir, [&] { readHepMC(file); });
      SCOPED_TRACE(std::string(format) + " cut after " + std::to_string(cut) + " bytes");
      EXPECT_CONTAINS(message, file.string() + ":");
      if (cut > event_line_end) {
        EXPECT_CONTAINS(message, "event 2: ");
      }
      EXPECT_CONTAINS(message, "cut short");
    }
    // Cut inside the closing line.
    const std::size_t footer_line = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    for (std::size_t cut = footer + 1; cut + 1 < text.size(); ++cut) {
      const auto file = dir / (std::string("cut.") + format);
      test::writeText(file, text.substr(0, cut));
      const std::string message = errorOf(dir, [&] { readHepMC(file); });
      SCOPED_TRACE(std::string(format) + " cut after " + std::to_string(cut) + " bytes");
      EXPECT_CONTAINS(message, file.string() + ":" + std::to_string(footer_line) + ": ");
      EXPECT_CONTAINS(message, "the file ends inside this line (cut short?");
    }
    // Cut right after the last event: a complete file without its closing line; and one
    // without the final newline only.
    test::writeText(dir / "whole", text.substr(0, footer));
    EXPECT_EQ(readHepMC(dir / "whole").size(), 2u);
    test::writeText(dir / "whole", text.substr(0, text.size() - 1));
    EXPECT_EQ(readHepMC(dir / "whole").size(), 2u);
  }
}

TEST(HepMCReader, ForeignEmptyAndEventlessFilesAreAnErrorNamingTheFile) {
  TempDir dir;
  const auto check = [&](const std::string& name, const std::string& text, std::initializer_list<std::string> parts) {
    const auto file = dir / name;
    test::writeText(file, text);
    const std::string message = errorOf(dir, [&] { readHepMC(file); });
    EXPECT_CONTAINS(message, file.string());
    for (const auto& part : parts) EXPECT_CONTAINS(message, part);
  };
  expectError([&] { readHepMC(dir / "missing.hepmc"); }, {"missing.hepmc", "cannot open"});
  check("particles.csv", "particle_id,vx,vy,vz,px,py,pz,q,nhits\n1,0,0,0,1,0,0,1,0\n",
        {"particles.csv:1:", "not a HepMC ASCII file", "'particle_id,vx,vy,vz,px,py,pz,q,nhits'"});
  const char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0";
  check("junk.bin", std::string(elf, sizeof elf - 1), {"junk.bin:1:", "binary data"});
  check("junk.txt", "\x93\xa7\xff\x01 garbage\n", {"junk.txt:1:", "not a HepMC ASCII file"});
  check("events.hepmc.gz", "\x1f\x8b\x08\x00\x00\x00\x00\x00", {"events.hepmc.gz:1:", "gzip-compressed"});
  check("events.lhe", "<LesHouchesEvents version=\"3.0\">\n", {"events.lhe:1:", "Les Houches"});
  check("ascii.hepmc2", "HepMC::Version 2.06.09\nHepMC::IO_Ascii-START_EVENT_LISTING\n", {"ascii.hepmc2:2:", "IO_Ascii", "IO_GenEvent"});
  check("empty.hepmc", "", {"empty file"});
  check("blank.hepmc", "\n\n", {"empty file"});
  check("version.hepmc", "HepMC::Version 3.01.02\n", {"without the start of an event listing"});
  check("none.hepmc2", "HepMC::Version 2.06.09\nHepMC::IO_GenEvent-START_EVENT_LISTING\nHepMC::IO_GenEvent-END_EVENT_LISTING\n",
        {"no events"});
  check("none.hepmc3", "HepMC::Version 3.01.02\nHepMC::Asciiv3-START_EVENT_LISTING\nW Default\n"
        "HepMC::Asciiv3-END_EVENT_LISTING\n", {"no events"});
}

/// `text` with its line `n` (1-based) replaced by `line` (removed when empty).
std::string withLine(const std::string& text, std::size_t n, const std::string& line) {
  std::size_t at = 0;
  for (std::size_t i = 1; i < n; ++i) at = text.find('\n', at) + 1;
  const auto end = text.find('\n', at) + 1;
  return text.substr(0, at) + (line.empty() ? "" : line + "\n") + text.substr(end);
}

/// The 1-based number of the first line of `text` starting with `prefix`.
std::size_t lineOf(const std::string& text, const std::string& prefix) {
  std::size_t n = 1;
  for (std::size_t at = 0; at < text.size(); at = text.find('\n', at) + 1, ++n)
    if (text.compare(at, prefix.size(), prefix) == 0) return n;
  ADD_FAILURE() << "no line starting with '" << prefix << "'";
  return 0;
}

TEST(HepMCReader, MalformedHepMC2RecordsAreAnErrorNamingTheLine) {
  TempDir dir;
  const std::string text = sample::hepmc2({});
  const std::size_t e2 = lineOf(text, "E 2 "), v3 = lineOf(text, "V -3 "), p12 = lineOf(text, "P 12 ");
  const auto check = [&](const std::string& bad, std::size_t line, std::initializer_list<std::string> parts) {
    const auto file = dir / "bad.hepmc2";
    test::writeText(file, bad);
    const std::string message = errorOf(dir, [&] { readHepMC(file); });
    EXPECT_CONTAINS(message, file.string() + ":" + std::to_string(line) + ":");
    for (const auto& part : parts) EXPECT_CONTAINS(message, part);
  };
  // What crashes libHepMC3 3.1.2 or makes it allocate without bound.
  check(withLine(text, v3, ""), v3, {"event 2", "particle line before the first vertex"});
  check(withLine(text, e2, "E 2 1 91.1876 0.118 0.0078125 101 -3 1 12 0 0 2000000000 1.0"), e2,
        {"declares 2000000000 weights"});
  check(withLine(text, e2, "E 2 1 91.1876 0.118 0.0078125 101 -3 1 12 0 -1 1.0"), e2, {"declares -1 random states"});
  check(withLine(text, lineOf(text, "N 1"), "N 100000000 \"a\""), lineOf(text, "N 1"), {"declares 100000000 names"});
  check(withLine(text, lineOf(text, "N 1"), "N 2 \"a\" \"a\""), lineOf(text, "N 1"), {"weight name 'a' given twice"});
  check(withLine(text, v3, "V -3 0 0 0 0 0 1 2 9999999 1.0"), v3, {"declares 9999999 weights"});
  const std::string beam_not_in = "P 12 2212 0 0 6.5e+06 6.5e+06 938.272 4 0 0 0 0";  // no end vertex
  check(withLine(withLine(text, v3, "V -3 0 0 0 0 0 0 3 1 0.5"), p12, beam_not_in), v3,
        {"vertex -3 has weights but no incoming particle", "crashes"});
  // Vertices the library drops with their final-state particles.
  check(withLine(withLine(text, v3, "V -3 0 0 0 0 0 0 3 0"), p12, beam_not_in), lineOf(text, "P 13 "),
        {"vertex -3", "has no incoming particle", "drops"});
  // Broken structure and fields.
  check(withLine(text, v3, "V -3 0 0 0 0 0 1 4 0"), v3, {"declares 4 outgoing particles, 3 particle lines follow"});
  check(withLine(text, e2, "E 2 1 91.1876 0.118 0.0078125 101 -3 2 12 0 0 1 1.0"), e2, {"declares 2 vertices, has 1"});
  check(withLine(text, p12, "P 12 2212 0 0 6.5e+06"), p12, {"particle line with too few fields"});
  check(withLine(text, p12, "P 12 2212 0 0 6.5e+06 6.5e+06 938.272 4 0 0 -3 2 1 501"), p12, {"declares 2 flows but has 1"});
  check(withLine(text, lineOf(text, "U "), "U KEV MM"), lineOf(text, "U "), {"event 1", "unknown momentum unit 'KEV'"});
  check(withLine(text, lineOf(text, "U "), "U GEV  MM"), lineOf(text, "U "), {"units line not of the form"});
  check(withLine(text, lineOf(text, "H "), "H 1 2 3"), lineOf(text, "H "), {"heavy-ion line"});
  check(withLine(text, lineOf(text, "C "), "X 1 2"), lineOf(text, "C "), {"unknown HepMC2 record 'X 1 2'"});
  check(withLine(text, e2, "\nE 2 1 91.1876 0.118 0.0078125 101 -3 1 12 0 0 1 1.0"), e2 + 1, {"blank line", "merge"});
  check(withLine(text, e2, "HepMC::Asciiv3-START_EVENT_LISTING"), e2, {"in a HepMC2 (IO_GenEvent) file"});
  check(withLine(text, 3, "V -1 0 0 0 0 0 0 0 0"), 3, {"before the first event line"});
}

TEST(HepMCReader, MalformedHepMC3RecordsAreAnErrorNamingTheLine) {
  TempDir dir;
  const std::string text = sample::hepmc3({});
  const std::size_t e1 = lineOf(text, "E 1 "), e2 = lineOf(text, "E 2 "), v1 = lineOf(text, "V -1 "),
                    p3 = lineOf(text, "P 3 ");
  const auto check = [&](const std::string& bad, std::size_t line, std::initializer_list<std::string> parts) {
    const auto file = dir / "bad.hepmc3";
    test::writeText(file, bad);
    const std::string message = errorOf(dir, [&] { readHepMC(file); });
    EXPECT_CONTAINS(message, file.string() + ":" + std::to_string(line) + ":");
    for (const auto& part : parts) EXPECT_CONTAINS(message, part);
  };
  // Counts that differ from the event line (libHepMC3 would print "N  vs  M expected").
  check(withLine(text, e1, "E 1 2 12"), e1, {"event 1", "declares 2 vertices and 12 particles; its lines give 2 and 11"});
  check(withLine(text, e2, "E 2 2 3"), e2, {"event 2", "declares 2 vertices and 3 particles; its lines give 1 and 3"});
  check(withLine(text, e1, "E 1 2 -1"), e1, {"negative particle count"});
  check(withLine(text, e1, "E 1 2"), e1, {"without a particle count"});
  check(withLine(text, p3, "P 4 -1 211 1500 -250 4000 4309.2 139.57 1"), p3, {"particle id 4 where 3 comes next"});
  check(withLine(text, p3, "P 3 -1 211 1500 -250"), p3, {"fewer than its 9 fields"});
  check(withLine(text, p3, "P 3 -9 211 1500 -250 4000 4309.2 139.57 1"), p3, {"refers to vertex 9"});
  check(withLine(text, v1, "V -1 0 [1,2,99] @ 0.1 -0.2 3 0"), v1, {"refers to particle 99"});
  check(withLine(text, v1, "V -1 0 [1,2"), v1, {"without ']'"});
  check(withLine(text, v1, "V -1 0 [1,"), v1, {"ends inside its particle list"});
  check(withLine(text, v1, "V -1 0 [1,2] @ 0.1 -0.2"), v1, {"needs x, y, z and t"});
  check(withLine(text, lineOf(text, "W 1.0"), "W 1.0 2.0"), lineOf(text, "W 1.0"), {"2 weights where the header names 1"});
  check(withLine(text, lineOf(text, "W Default"), "W Default Default"), lineOf(text, "W Default"),
        {"weight name 'Default' given twice"});
  check(withLine(text, lineOf(text, "A 0 "), "A 0 " + std::string(70, 'n') + " 1"), lineOf(text, "A 0 "),
        {"attribute name longer than 63"});
  check(withLine(text, lineOf(text, "A 0 "), "A 0 alphaQCD\\"), lineOf(text, "A 0 "), {"ends with a backslash"});
  check(withLine(text, lineOf(text, "U "), "U MEV NM"), lineOf(text, "U "), {"unknown length unit 'NM'", "MM and CM"});
  check(withLine(text, e2, "\nE 2 1 3"), e2 + 1, {"blank line", "merge"});
  check(withLine(text, e2, "HepMC::IO_GenEvent-START_EVENT_LISTING"), e2, {"in a HepMC3 file"});
  check(withLine(text, e1, "P 1 0 2212 0 0 6.5e+06 6.5e+06 938.272 4"), e1, {"particle line before an event line"});
  check(withLine(text, lineOf(text, "U "), std::string("U MEV MM\0", 9)), lineOf(text, "U "), {"binary data"});
  check(text + "P 4 0 211 1 2 3 4 0.1 1", lineOf(text, "HepMC::Asciiv3-END") + 1, {"ends inside this line"});
}

TEST(HepMCReader, RestoresLibHepMC3sPrintSettings) {
  TempDir dir;
  test::writeText(dir / "sample.hepmc2", sample::hepmc2({}));
  HepMC3::Setup::set_print_errors(true);
  HepMC3::Setup::set_print_warnings(true);
  HepMC3::Setup::set_debug_level(3);
  readHepMC(dir / "sample.hepmc2");
  EXPECT_TRUE(HepMC3::Setup::print_errors());
  EXPECT_TRUE(HepMC3::Setup::print_warnings());
  EXPECT_EQ(HepMC3::Setup::debug_level(), 3);
  HepMC3::Setup::set_print_warnings(false);
  EXPECT_THROW(readHepMC(dir / "missing"), Error);
  readHepMC(dir / "sample.hepmc2");
  EXPECT_FALSE(HepMC3::Setup::print_warnings());
  HepMC3::Setup::set_print_warnings(true);
}

}  // namespace
}  // namespace efgnn

#include <HepMC3/GenEvent.h>
#include <HepMC3/GenParticle.h>
#include <HepMC3/GenVertex.h>
#include <HepMC3/WriterAscii.h>
#include <gtest/gtest.h>

#include <map>

#include "IoTestUtil.hpp"
#include "io/HepMC3Reader.hpp"

namespace efgnn {
namespace {

using HepMC3::FourVector;
using test::expectError;
using test::TempDir;

HepMC3::GenParticlePtr particle(int pdg, int status, double px, double py, double pz) {
  const double e = std::sqrt(px * px + py * py + pz * pz + 140. * 140.);
  return std::make_shared<HepMC3::GenParticle>(FourVector(px, py, pz, e), pdg, status);
}

/// Event 1: a collision at (0.1, 0.2, -5) mm whose final state has every kind of particle, and
/// a K0s decaying at (10, 20, 30) mm; event 2: two pions. Units MeV and cm on purpose.
void writeSample(const std::filesystem::path& file) {
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

TEST(HepMC3Reader, ReadsFinalStateParticlesInMmAndGeV) {
  TempDir dir;
  const auto file = dir / "sample.hepmc3";
  writeSample(file);
  const auto events = readHepMC3(file);
  ASSERT_EQ(events.size(), 2u);

  // Charged particles and the neutrals the simulation converts or decays; no neutrinos,
  // neutrons, K0L or pi0; not the decayed K0s.
  std::multimap<int, Particle> by_pdg;
  for (std::size_t i = 0; i < events[0].size(); ++i) {
    const Particle& p = events[0][i];
    EXPECT_EQ(p.particle_id, i + 1);
    EXPECT_TRUE(p.primary);
    EXPECT_EQ(p.process, Process::Generator);
    EXPECT_EQ(p.parent_id, 0u);
    by_pdg.emplace(p.pdg, p);
  }
  ASSERT_EQ(events[0].size(), 8u);
  for (const int pdg : {11, -2212, 22, 3122, 310, -211}) EXPECT_EQ(by_pdg.count(pdg), 1u);
  EXPECT_EQ(by_pdg.count(211), 2u);
  EXPECT_EQ(by_pdg.find(11)->second.charge, -1);
  EXPECT_EQ(by_pdg.find(-2212)->second.charge, -1);
  EXPECT_EQ(by_pdg.find(22)->second.charge, 0);
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

TEST(HepMC3Reader, StopsAfterMaxEvents) {
  TempDir dir;
  writeSample(dir / "sample.hepmc3");
  EXPECT_EQ(readHepMC3(dir / "sample.hepmc3", 1).size(), 1u);
}

TEST(HepMC3Reader, ReadsAFileWithoutTheClosingLine) {
  TempDir dir;
  const auto file = dir / "sample.hepmc3";
  writeSample(file);
  std::string text = test::readText(file);
  text.erase(text.find("HepMC::Asciiv3-END_EVENT_LISTING"));
  test::writeText(file, text);
  EXPECT_EQ(readHepMC3(file).size(), 2u);
}

TEST(HepMC3Reader, BadFilesThrowErrorNamingTheFile) {
  TempDir dir;
  expectError([&] { readHepMC3(dir / "missing.hepmc3"); }, {"missing.hepmc3"});

  const auto garbage = dir / "garbage.hepmc3";
  test::writeText(garbage, "this is not\na HepMC3 file\n");
  expectError([&] { readHepMC3(garbage); }, {garbage.string(), "no HepMC3 events"});

  const auto empty = dir / "empty.hepmc3";
  test::writeText(empty, "");
  expectError([&] { readHepMC3(empty); }, {empty.string()});

  // A particle line cut short in the second event.
  const auto broken = dir / "broken.hepmc3";
  writeSample(broken);
  std::string text = test::readText(broken);
  const auto second = text.find("\nE 2 ");
  const auto cut = text.find("\nP ", second);
  text = text.substr(0, cut) + "\nP 2\n";
  test::writeText(broken, text);
  expectError([&] { readHepMC3(broken); }, {broken.string(), "malformed", "after 1 events"});
}

}  // namespace
}  // namespace efgnn

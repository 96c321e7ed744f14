// Issue 28 (items 6-8) at the readers and writers: what a reader would reject is not written,
// the HDF5 readers check finiteness as the CSV reader does, sizes declared by a file are
// checked against what it stores before allocating, and HepMC3 units must be known.
#include <HepMC3/GenEvent.h>
#include <HepMC3/GenParticle.h>
#include <HepMC3/GenVertex.h>
#include <HepMC3/WriterAscii.h>
#include <gtest/gtest.h>
#include <hdf5.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "HollowH5.hpp"
#include "IoTestUtil.hpp"
#include "io/EventStoreH5.hpp"
#include "io/GraphStoreH5.hpp"
#include "io/H5File.hpp"
#include "io/HepMCReader.hpp"
#include "io/TrackMLCsv.hpp"

namespace efgnn {
namespace {

using test::expectError;
using test::TempDir;

/// One event: a pi+ with momentum (px, 200, 300) MeV from a vertex at (0, 0, vz) mm.
void writeHepMC(const std::filesystem::path& file, double px, double vz) {
  HepMC3::WriterAscii writer(file.string());
  HepMC3::GenEvent event(HepMC3::Units::MEV, HepMC3::Units::MM);
  event.set_event_number(17);
  const auto vertex = std::make_shared<HepMC3::GenVertex>(HepMC3::FourVector(0, 0, vz, 0));
  vertex->add_particle_in(std::make_shared<HepMC3::GenParticle>(HepMC3::FourVector(0, 0, 6.5e6, 6.5e6), 2212, 4));
  vertex->add_particle_out(std::make_shared<HepMC3::GenParticle>(HepMC3::FourVector(px, 200, 300, 500), 211, 1));
  event.add_vertex(vertex);
  writer.write_event(event);
  writer.close();
}

TEST(InputValidation, HepMC3UnknownUnitsAreAnError) {
  TempDir dir;
  const auto file = dir / "units.hepmc3";
  writeHepMC(file, 100, 1);
  ASSERT_EQ(readHepMC(file).size(), 1u);
  std::string text = test::readText(file);
  const auto at = text.find("U MEV MM");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, 8, "U KEV MM");
  test::writeText(file, text);
  expectError([&] { readHepMC(file); }, {file.string() + ":", "event 17", "unknown momentum unit 'KEV'", "GEV and MEV"});
  text.replace(at, 8, "U GEV NM");
  test::writeText(file, text);
  expectError([&] { readHepMC(file); }, {"unknown length unit 'NM'", "MM and CM"});
}

TEST(InputValidation, HepMC3NonFiniteMomentumOrVertexIsAnError) {
  TempDir dir;
  const auto file = dir / "nan.hepmc3";
  writeHepMC(file, std::nan(""), 1);
  expectError([&] { readHepMC(file); }, {file.string(), "event 1 (number 17)", "pdg 211", "non-finite momentum"});
  writeHepMC(file, 100, std::numeric_limits<double>::infinity());
  expectError([&] { readHepMC(file); }, {file.string(), "non-finite production vertex"});
}

TEST(InputValidation, WritersRefuseNonFiniteParticles) {
  TempDir dir;
  Event event = test::makeEvent(1, 20);
  event.particles[1].momentum.y = std::nan("");
  expectError([&] { writeEventsH5({event}, dir / "e.h5", "trackml"); }, {"e.h5", "non-finite momentum"});
  expectError([&] { writeTrackMLEvent(event, dir / "csv"); }, {"csv", "non-finite momentum"});
  EXPECT_FALSE(std::filesystem::exists(dir / "e.h5"));
}

/// Overwrites a whole float dataset of a file with `value`.
void overwriteFloats(const std::filesystem::path& file, const char* path, float value) {
  const hid_t id = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(id, 0);
  const hid_t ds = H5Dopen2(id, path, H5P_DEFAULT);
  ASSERT_GE(ds, 0) << path;
  const hid_t space = H5Dget_space(ds);
  const std::vector<float> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)), value);
  H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Sclose(space);
  H5Dclose(ds);
  H5Fclose(id);
}

TEST(InputValidation, EventStoreReaderChecksFiniteness) {
  TempDir dir;
  const auto file = dir / "e.h5";
  writeEventsH5({test::makeEvent(1, 20)}, file, "trackml");
  overwriteFloats(file, "event000000001/particles/px", std::nanf(""));
  expectError([&] { readEventH5(file, 1); }, {file.string(), "event 1", "non-finite momentum"});
  writeEventsH5({test::makeEvent(1, 20)}, file, "trackml");
  overwriteFloats(file, "event000000001/particles/vz", std::numeric_limits<float>::infinity());
  expectError([&] { readEventH5(file, 1); }, {file.string(), "non-finite vertex"});
}

Graph twoNodes() {
  Graph g;
  g.event_id = 3;
  g.node_feature_names = {"r"};
  g.hit_id = {1, 2};
  g.node_particle = {9, 9};
  g.x = {0.1f, 0.2f};
  g.edge_feature_names = {"dr"};
  g.edge_index = {0, 1};
  g.edge_attr = {0.1f};
  g.y = {1};
  g.y_target = {1};
  g.edge_particle = {9};
  g.edge_pt = {1.5f};
  g.edge_eta = {0.3f};
  g.particles = {{9, 1.5f, 0.3f, 2, true}};
  return g;
}

TEST(InputValidation, GraphStoreReaderChecksFiniteness) {
  TempDir dir;
  const auto file = dir / "g.h5";
  writeGraphH5(twoNodes(), file, "trackml", "module-map");
  ASSERT_EQ(readGraphH5(file), twoNodes());
  overwriteFloats(file, "particles/pt", std::nanf(""));
  expectError([&] { readGraphH5(file); }, {file.string(), "particle 9 has a non-finite pT"});
  writeGraphH5(twoNodes(), file, "trackml", "module-map");
  overwriteFloats(file, "edges/particle_pt", std::nanf(""));
  expectError([&] { readGraphH5(file); }, {file.string(), "non-finite particle pT"});
}


TEST(InputValidation, DeclaredSizesAreCheckedBeforeAllocating) {
  TempDir dir;
  for (const bool chunked : {false, true}) {
    const auto file = dir / (chunked ? "chunked.h5" : "contiguous.h5");
    test::writeHollowEventStore(file, chunked);
    EXPECT_LT(std::filesystem::file_size(file), 100'000u);
    const auto start = std::chrono::steady_clock::now();
    expectError([&] { readEventH5(file, 1); },
                {file.string(), "group 'event000000001/hits', dataset 'hit_id'", "declares shape [50000000]",
                 "400000000 bytes", "truncated or corrupt"});
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
  }
}

}  // namespace
}  // namespace efgnn

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <map>
#include <optional>
#include <sstream>

#include "IoTestUtil.hpp"
#include "io/CsvTable.hpp"
#include "io/TrackMLCsv.hpp"

namespace efgnn {
namespace {

using test::expectError;
using test::TempDir;
using test::writeText;

std::string headerOf(const std::filesystem::path& file) {
  const std::string text = test::readText(file);
  return text.substr(0, text.find('\n'));
}

TEST(TrackMLCsv, RoundTripIsExactPlain) {
  TempDir dir;
  const Event event = test::makeEvent(1000, 500);
  writeTrackMLEvent(event, dir.path());
  EXPECT_TRUE(std::filesystem::exists(dir / "event000001000-hits.csv"));
  EXPECT_EQ(readTrackMLEvent(dir.path(), 1000), event);
}

TEST(TrackMLCsv, RoundTripIsExactGzip) {
  TempDir dir;
  const Event event = test::makeEvent(7, 500);
  writeTrackMLEvent(event, dir.path(), /*gzip=*/true);
  for (const char* kind : {"hits", "particles", "truth"}) {
    const auto file = dir / ("event000000007-" + std::string(kind) + ".csv.gz");
    ASSERT_TRUE(std::filesystem::exists(file));
    const std::string bytes = test::readText(file);
    EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f) << "not gzip-compressed: " << file;
  }
  EXPECT_EQ(readTrackMLEvent(dir.path(), 7), event);
}

TEST(TrackMLCsv, RoundTripsEveryFloatBitPattern) {
  // Random bit patterns cover subnormals and extreme exponents that physics values never hit.
  TempDir dir;
  Event event = test::makeEvent(1, 2000, false);
  std::mt19937 rng(42);
  const auto randomFloat = [&] {
    for (;;) {
      const float f = std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
      if (std::isfinite(f)) return f;
    }
  };
  for (auto& h : event.hits) h.x = randomFloat(), h.y = randomFloat(), h.z = randomFloat();
  for (auto& t : event.truth) t.tpx = randomFloat(), t.weight = randomFloat();
  writeTrackMLEvent(event, dir.path());
  EXPECT_EQ(readTrackMLEvent(dir.path(), 1), event);
}

TEST(TrackMLCsv, OptionalFilesAndColumns) {
  TempDir dir;
  Event event = test::makeEvent(3, 20, /*clusters=*/false);
  event.truth.clear();
  event.particles.clear();
  writeTrackMLEvent(event, dir.path());
  EXPECT_FALSE(std::filesystem::exists(dir / "event000000003-truth.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir / "event000000003-particles.csv"));
  EXPECT_EQ(headerOf(dir / "event000000003-hits.csv"), "hit_id,x,y,z,volume_id,layer_id,module_id");
  EXPECT_EQ(readTrackMLEvent(dir.path(), 3), event);

  // Truth without a particles file may refer to any particle.
  Event truth_only = test::makeEvent(8, 20);
  truth_only.particles.clear();
  writeTrackMLEvent(truth_only, dir.path(), true);
  EXPECT_FALSE(std::filesystem::exists(dir / "event000000008-particles.csv.gz"));
  EXPECT_EQ(readTrackMLEvent(dir.path(), 8), truth_only);

  const Event full = test::makeEvent(4, 20);
  writeTrackMLEvent(full, dir.path());
  EXPECT_EQ(headerOf(dir / "event000000004-hits.csv"),
            "hit_id,x,y,z,volume_id,layer_id,module_id,cluster_x_1,cluster_y_1,cluster_z_1,"
            "cluster_x_2,cluster_y_2,cluster_z_2");
  EXPECT_EQ(headerOf(dir / "event000000004-particles.csv"),
            "particle_id,vx,vy,vz,px,py,pz,q,nhits,pdg_id,primary,parent_id,process,collision");
  EXPECT_EQ(headerOf(dir / "event000000004-truth.csv"),
            "hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight");
}

TEST(TrackMLCsv, AtomicWriteLeavesNoTemporaryFiles) {
  TempDir dir;
  writeTrackMLEvent(test::makeEvent(1, 50), dir.path());
  writeTrackMLEvent(test::makeEvent(2, 50), dir.path(), true);
  EXPECT_EQ(test::countTempFiles(dir.path()), 0u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 6);
}

TEST(TrackMLCsv, RewritingReplacesTheEarlierFileSet) {
  TempDir dir;
  writeTrackMLEvent(test::makeEvent(5, 50), dir.path());
  Event smaller = test::makeEvent(5, 30, false, 2);
  smaller.truth.clear();
  writeTrackMLEvent(smaller, dir.path(), true);
  EXPECT_FALSE(std::filesystem::exists(dir / "event000000005-hits.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir / "event000000005-truth.csv"));
  EXPECT_EQ(readTrackMLEvent(dir.path(), 5), smaller);
}

TEST(TrackMLCsv, ListsEventsByHitsFile) {
  TempDir dir;
  writeTrackMLEvent(test::makeEvent(21, 5), dir.path(), true);
  writeTrackMLEvent(test::makeEvent(1000, 5), dir.path());
  writeTrackMLEvent(test::makeEvent(3, 5), dir.path());
  writeText(dir / "event000000009-particles.csv", "particle_id\n");  // no hits: no event
  writeText(dir / "event9-hits.csv", "hit_id\n");                    // not eventStem(9)
  writeText(dir / "notes.txt", "");
  EXPECT_EQ(listTrackMLEvents(dir.path()), (std::vector<std::uint64_t>{3, 21, 1000}));
  expectError([&] { listTrackMLEvents(dir / "missing"); }, {"missing"});
}

TEST(TrackMLCsv, ReadsTheRealTrackMLParticleFile) {
  const auto particles =
      readTrackMLParticles(EFGNN_SHARED_DATA "/trackml/event000001000-particles.csv");
  ASSERT_EQ(particles.size(), 12263u);
  EXPECT_EQ(particles.front().particle_id, 4503668346847232ull);
  EXPECT_EQ(particles.front().charge, -1);
  EXPECT_FLOAT_EQ(particles.front().momentum.y, 0.323272);
  EXPECT_EQ(particles.front().nhits, 8);
  std::size_t secondaries = 0;
  for (const auto& p : particles) {
    EXPECT_TRUE(p.charge == 1 || p.charge == -1) << p.particle_id;
    EXPECT_EQ(p.pdg, 0);
    EXPECT_EQ(p.parent_id, 0u);
    EXPECT_EQ(p.process, Process::Generator);
    EXPECT_EQ(p.primary, p.productionRadius() < 1.0);
    secondaries += !p.primary;
  }
  EXPECT_GT(secondaries, 0u);
  EXPECT_LT(secondaries, particles.size() / 2);
}

// ---- the real TrackML event and files in the wild ----

// A TrackML event as distributed (the challenge's later format: particles carry particle_type),
// thinned to 548 particles; hit ids are not contiguous (REFERENCE.md section 13).
const std::filesystem::path kRealEventDir = EFGNN_SHARED_DATA "/trackml";
constexpr std::uint64_t kRealEventId = 1;

bool haveRealEvent() {
  return std::filesystem::exists(kRealEventDir / "event000000001-hits.csv.gz");
}

/// CSV text without the column `name` (every row); the text must have it.
std::string dropColumn(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line, out;
  std::optional<std::size_t> drop;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::size_t begin = 0;
    for (;;) {
      const auto comma = line.find(',', begin);
      fields.push_back(line.substr(begin, comma - begin));
      if (comma == std::string::npos) break;
      begin = comma + 1;
    }
    if (!drop) {
      const auto it = std::find(fields.begin(), fields.end(), name);
      if (it == fields.end()) ADD_FAILURE() << "no column " << name;
      drop = static_cast<std::size_t>(it - fields.begin());
    }
    fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(*drop));
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
    out += '\n';
  }
  return out;
}

/// The real event's file of one kind, decompressed.
std::string realEventText(const char* kind) {
  return io::readMaybeGzipped(kRealEventDir / ("event000000001-" + std::string(kind) + ".csv.gz"));
}

TEST(TrackMLCsv, ReadsTheRealTrackMLEventAsDistributed) {
  if (!haveRealEvent()) GTEST_SKIP() << kRealEventDir << " is absent";
  const Event event = readTrackMLEvent(kRealEventDir, kRealEventId);
  ASSERT_EQ(event.hits.size(), 5527u);
  ASSERT_EQ(event.particles.size(), 548u);
  ASSERT_TRUE(event.hasTruth());
  EXPECT_EQ(event.noiseHits(), 829u);
  EXPECT_NO_THROW(event.validate("real event"));

  // Hit ids as in the file, in file order: 6, 9, ..., 111635 with gaps.
  EXPECT_EQ(event.hits.front().hit_id, 6u);
  EXPECT_EQ(event.hits[1].hit_id, 9u);
  EXPECT_EQ(event.hits.back().hit_id, 111635u);
  EXPECT_EQ(event.hits.back(), (SpacePoint{111635, -683.062f, 392.911f, 2947.5f, 18, 12, 91, std::nullopt}));
  std::size_t gaps = 0;
  for (std::size_t i = 1; i < event.hits.size(); ++i) {
    EXPECT_LT(event.hits[i - 1].hit_id, event.hits[i].hit_id);
    gaps += event.hits[i].hit_id != event.hits[i - 1].hit_id + 1;
  }
  EXPECT_GT(gaps, 5000u);
  EXPECT_EQ(event.truth.front().particle_id, 27028813309280256ull);
  EXPECT_FLOAT_EQ(event.truth.front().weight, 6.96929e-06f);  // the file's scoring weight

  // particle_type is the PDG code.
  EXPECT_EQ(event.particles[0].pdg, -211);
  EXPECT_EQ(event.particles[0].nhits, 7);
  EXPECT_EQ(event.particles[1].nhits, 11);
  std::map<std::int32_t, int> pdg_counts;
  for (const auto& p : event.particles) ++pdg_counts[p.pdg];
  EXPECT_EQ(pdg_counts, (std::map<std::int32_t, int>{
                            {-2212, 13}, {-321, 19}, {-211, 219}, {11, 1}, {211, 213}, {321, 19}, {2212, 64}}));

  // Cells: 18,564 rows, every hit has some; hit 6 one cell, hit 9 four.
  ASSERT_TRUE(event.hasCells());
  ASSERT_EQ(event.cells.size(), event.hits.size());
  std::uint64_t cells = 0;
  for (const auto& c : event.cells) {
    EXPECT_GT(c.count, 0u);
    EXPECT_GT(c.charge, 0.f);
    cells += c.count;
  }
  EXPECT_EQ(cells, 18564u);
  EXPECT_EQ(event.cells[0].count, 1u);
  EXPECT_FLOAT_EQ(event.cells[0].charge, 0.295811f);
  EXPECT_EQ(event.cells[1].count, 4u);
  EXPECT_FLOAT_EQ(event.cells[1].charge, 0.0737505f + 0.107025f + 0.0376104f + 0.0194245f);

  // Written by efgnn (cells summary in the hits file) it reads back exactly.
  TempDir dir;
  writeTrackMLEvent(event, dir.path(), true);
  EXPECT_EQ(readTrackMLEvent(dir.path(), kRealEventId), event);
}

TEST(TrackMLCsv, RealEventWithoutOptionalColumnsReads) {
  if (!haveRealEvent()) GTEST_SKIP() << kRealEventDir << " is absent";
  const Event full = readTrackMLEvent(kRealEventDir, kRealEventId);
  TempDir dir;
  writeText(dir / "event000000001-hits.csv", realEventText("hits"));
  writeText(dir / "event000000001-truth.csv", dropColumn(realEventText("truth"), "weight"));
  writeText(dir / "event000000001-particles.csv",
            dropColumn(dropColumn(realEventText("particles"), "nhits"), "particle_type"));
  const Event event = readTrackMLEvent(dir.path(), kRealEventId);
  ASSERT_EQ(event.hits, full.hits);
  ASSERT_EQ(event.particles.size(), full.particles.size());
  EXPECT_FALSE(event.hasCells());  // no cells file
  for (std::size_t i = 0; i < event.particles.size(); ++i) {
    // nhits counted from the truth agrees with the file's (which counts this thinned event).
    EXPECT_EQ(event.particles[i].nhits, full.particles[i].nhits) << event.particles[i].particle_id;
    EXPECT_EQ(event.particles[i].pdg, 0);  // unknown without particle_type
  }
  std::map<std::uint64_t, std::int32_t> nhits;
  for (const auto& p : full.particles) nhits[p.particle_id] = p.nhits;
  for (std::size_t i = 0; i < event.truth.size(); ++i) {
    const auto pid = event.truth[i].particle_id;
    EXPECT_EQ(pid, full.truth[i].particle_id);
    if (pid == 0) EXPECT_EQ(event.truth[i].weight, 0.f);
    else EXPECT_FLOAT_EQ(event.truth[i].weight, 1.f / static_cast<float>(nhits[pid])) << pid;
  }
}

TEST(TrackMLCsv, MissingWeightAndNhitsAreComputedFromTheTruth) {
  TempDir dir;
  writeText(dir / "event000000002-hits.csv",
            "hit_id,x,y,z,volume_id,layer_id,module_id\n"
            "10,1,0,0,8,2,1\n20,2,0,0,8,4,1\n30,3,0,0,8,6,1\n40,4,0,0,8,8,1\n50,5,0,0,8,8,2\n");
  writeText(dir / "event000000002-truth.csv",
            "hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz\n"
            "10,7,1,0,0,1,0,0\n20,7,2,0,0,1,0,0\n30,7,3,0,0,1,0,0\n40,8,4,0,0,1,0,0\n50,0,5,0,0,0,0,0\n");
  writeText(dir / "event000000002-particles.csv",
            "particle_id,particle_type,vx,vy,vz,px,py,pz,q\n"
            "7,13,0,0,0,1,0,0,-1\n8,-13,0,0,0,1,0,0,1\n9,211,0,0,0,1,0,0,1\n");
  const Event event = readTrackMLEvent(dir.path(), 2);
  ASSERT_EQ(event.truth.size(), 5u);
  EXPECT_FLOAT_EQ(event.truth[0].weight, 1.f / 3.f);
  EXPECT_FLOAT_EQ(event.truth[2].weight, 1.f / 3.f);
  EXPECT_EQ(event.truth[3].weight, 1.f);
  EXPECT_EQ(event.truth[4].weight, 0.f);  // noise
  ASSERT_EQ(event.particles.size(), 3u);
  EXPECT_EQ(event.particles[0].nhits, 3);
  EXPECT_EQ(event.particles[1].nhits, 1);
  EXPECT_EQ(event.particles[2].nhits, 0);
  EXPECT_EQ(event.particles[0].pdg, 13);
  EXPECT_EQ(event.particles[1].pdg, -13);

  // Without truth nothing tells the hits of a particle: nhits is 0.
  std::filesystem::remove(dir / "event000000002-truth.csv");
  for (const auto& p : readTrackMLEvent(dir.path(), 2).particles) EXPECT_EQ(p.nhits, 0);
  for (const auto& p : readTrackMLParticles(dir / "event000000002-particles.csv")) EXPECT_EQ(p.nhits, 0);
}

TEST(TrackMLCsv, PdgIdComesBeforeParticleType) {
  TempDir dir;
  writeText(dir / "p.csv",
            "particle_id,vx,vy,vz,px,py,pz,q,nhits,pdg_id,particle_type\n"
            "1,0,0,0,1,1,1,1,0,11,-11\n");
  EXPECT_EQ(readTrackMLParticles(dir / "p.csv").at(0).pdg, 11);
  writeText(dir / "q.csv",
            "particle_type,particle_id,vx,vy,vz,px,py,pz,q,nhits\n"
            "-2212,1,0,0,0,1,1,1,-1,0\n");
  EXPECT_EQ(readTrackMLParticles(dir / "q.csv").at(0).pdg, -2212);
}

TEST(TrackMLCsv, KeepsNonContiguousHitIds) {
  TempDir dir;
  writeText(dir / "event000000004-hits.csv",
            "hit_id,x,y,z,volume_id,layer_id,module_id\n"
            "1000,1,0,0,8,2,1\n5,2,0,0,8,4,1\n18446744073709551615,3,0,0,8,6,1\n");
  writeText(dir / "event000000004-truth.csv",
            "hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight\n"
            "18446744073709551615,0,3,0,0,0,0,0,0\n1000,7,1,0,0,1,0,0,0.5\n5,7,2,0,0,1,0,0,0.5\n");
  const Event event = readTrackMLEvent(dir.path(), 4);
  ASSERT_EQ(event.hits.size(), 3u);
  EXPECT_EQ(event.hits[0].hit_id, 1000u);
  EXPECT_EQ(event.hits[1].hit_id, 5u);
  EXPECT_EQ(event.hits[2].hit_id, 18446744073709551615ull);
  EXPECT_EQ(event.truth[0].particle_id, 7u);
  EXPECT_EQ(event.truth[2].particle_id, 0u);
  writeTrackMLEvent(event, dir / "again");
  EXPECT_EQ(readTrackMLEvent(dir / "again", 4), event);
}

TEST(TrackMLCsv, CellsAreSummarisedPerHit) {
  TempDir dir;
  writeText(dir / "event000000005-hits.csv",
            "hit_id,x,y,z,volume_id,layer_id,module_id\n"
            "3,1,0,0,8,2,1\n8,2,0,0,8,4,1\n9,3,0,0,8,6,1\n");
  // Rows in any order; hit 8 has none.
  writeText(dir / "event000000005-cells.csv",
            "hit_id,ch0,ch1,value\n"
            "9,10,11,0.25\n3,1,2,0.5\n9,10,12,0.125\n9,11,11,1\n");
  const Event event = readTrackMLEvent(dir.path(), 5);
  EXPECT_FALSE(event.hasTruth());
  ASSERT_EQ(event.cells.size(), 3u);
  EXPECT_EQ(event.cells[0], (HitCells{1, 0.5f}));
  EXPECT_EQ(event.cells[1], (HitCells{0, 0.f}));
  EXPECT_EQ(event.cells[2], (HitCells{3, 1.375f}));

  // Compressed too; only hit_id and value are needed.
  std::filesystem::remove(dir / "event000000005-cells.csv");
  io::writeMaybeGzipped(dir / "event000000005-cells.csv.gz", "value,hit_id\n2,8\n", true);
  EXPECT_EQ(readTrackMLEvent(dir.path(), 5).cells,
            (std::vector<HitCells>{{0, 0.f}, {1, 2.f}, {0, 0.f}}));
  // A header only: cells known, none for any hit.
  io::writeMaybeGzipped(dir / "event000000005-cells.csv.gz", "hit_id,ch0,ch1,value\n", true);
  EXPECT_EQ(readTrackMLEvent(dir.path(), 5).cells, std::vector<HitCells>(3));
}

TEST(TrackMLCsv, CellsSummaryRoundTripsThroughTheHitsFile) {
  TempDir dir;
  Event event = test::makeEvent(6, 200);
  test::addCells(event);
  writeText(dir / "event000000006-cells.csv", "hit_id,ch0,ch1,value\n1,0,0,1\n");  // an earlier one
  writeTrackMLEvent(event, dir.path());
  EXPECT_FALSE(std::filesystem::exists(dir / "event000000006-cells.csv"));
  EXPECT_EQ(headerOf(dir / "event000000006-hits.csv"),
            "hit_id,x,y,z,volume_id,layer_id,module_id,cluster_x_1,cluster_y_1,cluster_z_1,"
            "cluster_x_2,cluster_y_2,cluster_z_2,cell_count,cell_charge");
  EXPECT_EQ(readTrackMLEvent(dir.path(), 6), event);
  writeTrackMLEvent(event, dir.path(), true);
  EXPECT_EQ(readTrackMLEvent(dir.path(), 6), event);

  // A cells file beside the summary columns: which one holds is unclear.
  writeText(dir / "event000000006-cells.csv", "hit_id,ch0,ch1,value\n1,0,0,1\n");
  expectError([&] { readTrackMLEvent(dir.path(), 6); },
              {"event000000006-cells.csv", "event000000006-hits.csv.gz", "cell_count"});
}

TEST(TrackMLCsv, EventValidationChecksTheCells) {
  TempDir dir;
  Event event = test::makeEvent(7, 20);
  test::addCells(event);
  EXPECT_NO_THROW(event.validate("x"));
  Event bad = event;
  bad.cells.pop_back();
  expectError([&] { writeTrackMLEvent(bad, dir.path()); }, {"event 7", "cells has 19 entries for 20 hits"});
  bad = event;
  bad.cells[2].charge = std::nanf("");
  expectError([&] { writeTrackMLEvent(bad, dir.path()); }, {"hit 3", "non-finite cell charge"});
  bad = event;
  bad.cells[2] = {0, 1.f};
  expectError([&] { writeTrackMLEvent(bad, dir.path()); }, {"hit 3", "cell charge but no cells"});
  EXPECT_FALSE(std::filesystem::exists(dir / "event000000007-hits.csv"));
}

TEST(TrackMLCsv, IgnoresUnknownColumnsInAnyOrderAndAcceptsCrlf) {
  TempDir dir;
  writeText(dir / "event000000001-hits.csv",
            "module_id,extra,hit_id,z,y,x,layer_id,volume_id\r\n"
            "5,foo,1,3.5,2.25,1.125,4,8\r\n"
            "6,bar,2,-1e-05,0,7,4,8");  // no final newline
  writeText(dir / "event000000001-truth.csv",
            "weight,hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,note\n"
            "0.5,2,0,1,2,3,4,5,6,x\n"
            "0.25,1,77,1,2,3,4,5,6,y\n");
  writeText(dir / "event000000001-particles.csv",
            "particle_id,vx,vy,vz,px,py,pz,q,nhits,color\n"
            "77,0,0.5,0,1,2,3,1,1,red\n"
            "78,1,1,0,1,2,3,-1,0,blue\n");
  const Event event = readTrackMLEvent(dir.path(), 1);
  ASSERT_EQ(event.hits.size(), 2u);
  EXPECT_EQ(event.hits[0], (SpacePoint{1, 1.125f, 2.25f, 3.5f, 8, 4, 5, std::nullopt}));
  EXPECT_EQ(event.hits[1].z, -1e-05f);
  // Truth rows come in any order and are matched to the hits by hit_id.
  EXPECT_EQ(event.truth[0].particle_id, 77u);
  EXPECT_EQ(event.truth[0].weight, 0.25f);
  EXPECT_EQ(event.truth[1].particle_id, 0u);
  ASSERT_EQ(event.particles.size(), 2u);
  EXPECT_TRUE(event.particles[0].primary);   // produced 0.5 mm from the beam line
  EXPECT_FALSE(event.particles[1].primary);  // 1.41 mm
  EXPECT_EQ(event.particles[1].charge, -1);
}

TEST(TrackMLCsv, TruncatedGzipIsAnError) {
  TempDir dir;
  writeTrackMLEvent(test::makeEvent(1, 2000), dir.path(), true);
  const auto file = dir / "event000000001-hits.csv.gz";
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  expectError([&] { readTrackMLEvent(dir.path(), 1); }, {file.string()});
}

TEST(TrackMLCsv, MissingHitsFileIsAnError) {
  TempDir dir;
  expectError([&] { readTrackMLEvent(dir.path(), 12); }, {"event000000012-hits.csv"});
}

// ---- bad input: every error names the file and the line or the column ----

const std::string kHits =
    "hit_id,x,y,z,volume_id,layer_id,module_id\n"
    "1,-64.4099,-7.1637,-1502.5,7,2,1\n"
    "2,-55.3361,0.635342,-1502.5,7,2,1\n"
    "3,-83.8305,-1.14301,-1502.5,7,2,1\n";
const std::string kParticles =
    "particle_id,vx,vy,vz,px,py,pz,q,nhits\n"
    "4503668346847232,-0.00928816,0.00986098,-0.0778789,-0.0552689,0.323272,-0.203492,-1,2\n";
const std::string kTruth =
    "hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight\n"
    "1,4503668346847232,-64.4116,-7.16412,-1502.5,0.25,-0.14,-0.95,0.5\n"
    "2,0,-55.3385,0.630805,-1502.5,-0.5,0.4,-0.2,0\n"
    "3,4503668346847232,-83.8284,-1.14558,-1502.5,0.1,0.2,0.3,0.5\n";

struct BadInput {
  const char* name;
  const char* kind;  // which file of the set is replaced
  std::string content;
  std::vector<std::string> expected;  // parts of the message besides the file name
};

void PrintTo(const BadInput& bad, std::ostream* os) { *os << bad.name; }

class TrackMLBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(TrackMLBadInput, ThrowsErrorNamingFileAndPlace) {
  TempDir dir;
  const BadInput& bad = GetParam();
  writeText(dir / "event000000001-hits.csv", kHits);
  writeText(dir / "event000000001-particles.csv", kParticles);
  writeText(dir / "event000000001-truth.csv", kTruth);
  const std::string file = "event000000001-" + std::string(bad.kind) + ".csv";
  writeText(dir / file, bad.content);
  try {
    readTrackMLEvent(dir.path(), 1);
    FAIL() << "no efgnn::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(file), std::string::npos) << msg;
    for (const auto& part : bad.expected) EXPECT_NE(msg.find(part), std::string::npos) << msg;
  }
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TrackMLBadInput,
    ::testing::Values(
        BadInput{"MalformedNumber",
                 "hits",
                 replace(kHits, "-55.3361", "-55.3x61"),
                 {".csv:3:", "column 'x'", "malformed number '-55.3x61'"}},
        BadInput{"EmptyField",
                 "hits",
                 replace(kHits, "-55.3361", ""),
                 {".csv:3:", "column 'x'", "empty field"}},
        BadInput{"TruncatedLine",
                 "hits",
                 kHits + "4,-83.8305,-1.14",
                 {".csv:5:", "3 fields", "7 columns"}},
        BadInput{"NaN",
                 "hits",
                 replace(kHits, "0.635342", "nan"),
                 {".csv:3:", "column 'y'", "not a finite number"}},
        BadInput{"Infinity",
                 "truth",
                 replace(kTruth, "0.630805", "-inf"),
                 {".csv:3:", "column 'ty'", "not a finite number"}},
        BadInput{"IntegerOutOfRange",
                 "hits",
                 replace(kHits, "0.635342,-1502.5,7,", "0.635342,-1502.5,99999999999,"),
                 {".csv:3:", "column 'volume_id'", "out of range"}},
        BadInput{"EmptyFile", "hits", "", {"empty file"}},
        BadInput{"MissingHeader",
                 "hits",
                 kHits.substr(kHits.find('\n') + 1),
                 {".csv:1:", "missing header"}},
        BadInput{"MissingColumn",
                 "hits",
                 replace(kHits, "volume_id,", "volume,"),
                 {".csv:1:", "missing column 'volume_id'"}},
        BadInput{"DuplicateHitId",
                 "hits",
                 replace(kHits, "\n3,", "\n1,"),
                 {".csv:4:", "column 'hit_id'", "duplicate hit_id 1", "line 2"}},
        BadInput{"FewerTruthRows",
                 "truth",
                 kTruth.substr(0, kTruth.rfind("3,4503")),
                 {"column 'hit_id'", "2 rows for 3 hits", "hit_id 3", "hits.csv:4"}},
        BadInput{"TruthForUnknownHit",
                 "truth",
                 replace(kTruth, "\n3,", "\n9,"),
                 {".csv:4:", "column 'hit_id'", "hit_id 9 is not in"}},
        BadInput{"TwoTruthRowsForAHit",
                 "truth",
                 replace(kTruth, "\n3,", "\n2,"),
                 {".csv:4:", "column 'hit_id'", "second row for hit_id 2"}},
        BadInput{"TruthWithUnknownParticle",
                 "truth",
                 replace(kTruth, "\n3,4503668346847232", "\n3,4503668346847233"),
                 {".csv:4:", "column 'particle_id'", "4503668346847233", "particles.csv"}},
        BadInput{"DuplicateParticle",
                 "particles",
                 kParticles + kParticles.substr(kParticles.find('\n') + 1),
                 {".csv:3:", "column 'particle_id'", "duplicate"}},
        BadInput{"NegativeUnsigned",
                 "particles",
                 replace(kParticles, "\n4503", "\n-4503"),
                 {".csv:2:", "column 'particle_id'", "malformed"}},
        BadInput{"PartialClusters",
                 "hits",
                 "hit_id,x,y,z,volume_id,layer_id,module_id,cluster_x_1,cluster_y_1,"
                 "cluster_z_1,cluster_x_2,cluster_y_2,cluster_z_2\n"
                 "1,1,2,3,7,2,1,,,,,,\n"
                 "2,1,2,3,7,2,1,1,2,3,4,,6\n",
                 {".csv:3:", "column 'cluster_y_2'", "empty"}},
        BadInput{"InvalidProcess",
                 "particles",
                 "particle_id,vx,vy,vz,px,py,pz,q,nhits,process\n1,0,0,0,1,1,1,1,0,9\n",
                 {".csv:2:", "column 'process'", "unknown process 9"}},
        BadInput{"CellsForUnknownHit",
                 "cells",
                 "hit_id,ch0,ch1,value\n1,0,0,0.5\n9,0,1,0.5\n",
                 {".csv:3:", "column 'hit_id'", "hit_id 9 is not in", "hits.csv"}},
        BadInput{"CellsWithoutValue",
                 "cells",
                 "hit_id,ch0,ch1\n1,0,0\n",
                 {".csv:1:", "missing column 'value'"}},
        BadInput{"MalformedCellValue",
                 "cells",
                 "hit_id,ch0,ch1,value\n1,0,0,0.5\n2,0,0,0.x\n",
                 {".csv:3:", "column 'value'", "malformed number '0.x'"}},
        BadInput{"HalfTheCellColumns",
                 "hits",
                 "hit_id,x,y,z,volume_id,layer_id,module_id,cell_count\n1,1,2,3,7,2,1,4\n",
                 {".csv:1:", "missing column 'cell_charge'"}},
        BadInput{"CellChargeWithoutCells",
                 "hits",
                 "hit_id,x,y,z,volume_id,layer_id,module_id,cell_count,cell_charge\n"
                 "1,1,2,3,7,2,1,2,0.5\n2,1,2,3,7,2,1,0,0.5\n3,1,2,3,7,2,1,0,0\n",
                 {".csv:3:", "column 'cell_charge'", "cell_count is 0"}},
        BadInput{"MalformedParticleType",
                 "particles",
                 replace(replace(kParticles, "nhits\n", "nhits,particle_type\n"), ",-1,2\n", ",-1,2,pion\n"),
                 {".csv:2:", "column 'particle_type'", "malformed number 'pion'"}},
        BadInput{"InvalidBool",
                 "particles",
                 "particle_id,vx,vy,vz,px,py,pz,q,nhits,primary\n1,0,0,0,1,1,1,1,0,2\n",
                 {".csv:2:", "column 'primary'", "0 or 1"}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace efgnn

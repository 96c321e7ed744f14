#include <gtest/gtest.h>

#include <algorithm>
#include <bit>

#include "IoTestUtil.hpp"
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
        BadInput{"InvalidBool",
                 "particles",
                 "particle_id,vx,vy,vz,px,py,pz,q,nhits,primary\n1,0,0,0,1,1,1,1,0,2\n",
                 {".csv:2:", "column 'primary'", "0 or 1"}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace efgnn

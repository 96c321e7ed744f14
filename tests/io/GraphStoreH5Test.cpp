#include <gtest/gtest.h>
#include <hdf5.h>

#include <chrono>
#include <random>
#include <thread>

#include "IoTestUtil.hpp"
#include "io/EventStoreH5.hpp"
#include "io/GraphStoreH5.hpp"

namespace efgnn {
namespace {

using test::expectError;
using test::TempDir;

/// Five nodes with 4 features, six edges with 6 features (two of them true), a truth graph with
/// an edge the builder missed, and two particles; floats that need all their digits.
Graph makeGraph() {
  std::mt19937_64 rng(7);
  Graph g;
  g.event_id = 4'000'000'017;
  g.node_feature_names = {"r", "phi", "z", "eta"};
  g.hit_id = {11, 12, 13, 14, 15};
  g.node_particle = {0, 4503668346847232ull, 4503668346847232ull, 9007199254740993ull, 0};
  for (int i = 0; i < 5 * 4; ++i) g.x.push_back(test::awkwardFloat(rng, 1.f));
  g.edge_feature_names = {"dr", "dphi", "dz", "deta", "phislope", "rphislope"};
  g.edge_index = {0, 1, 1, 2, 3, 4,   // sources
                  1, 2, 3, 4, 4, 0};  // targets
  for (int i = 0; i < 6 * 6; ++i) g.edge_attr.push_back(test::awkwardFloat(rng, 10.f));
  g.y = {0, 1, 0, 0, 0, 0};
  g.y_target = {0, 1, 0, 0, 0, 0};
  g.edge_particle = {0, 4503668346847232ull, 0, 0, 0, 0};
  g.edge_pt = {0, 1.f / 3, 0, 0, 0, 0};
  g.edge_eta = {0, -2.5f, 0, 0, 0, 0};
  g.truth_edge_index = {1, 3,  // sources
                        2, 2};
  g.truth_target = {1, 0};
  g.truth_particle = {4503668346847232ull, 9007199254740993ull};
  g.particles = {{4503668346847232ull, 1.f / 3, -2.5f, 2, true},
                 {9007199254740993ull, 0.25f, 3.9f, 1, false}};
  return g;
}

/// Opens a graph file with the C API to damage it the ways a foreign writer could.
struct RawFile {
  explicit RawFile(const std::filesystem::path& file)
      : id(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)) {}
  ~RawFile() { H5Fclose(id); }
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;

  /// Replaces a dataset by a zero-filled one of the given shape and file type.
  void replace(const char* path, hid_t type, std::vector<hsize_t> dims) const {
    ASSERT_GE(H5Ldelete(id, path, H5P_DEFAULT), 0) << path;
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t ds = H5Dcreate2(id, path, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(ds, 0) << path;
    H5Dclose(ds);
    H5Sclose(space);
  }
  /// The whole int64 dataset, as stored.
  std::vector<std::int64_t> readInt64(const char* path) const {
    const hid_t ds = H5Dopen2(id, path, H5P_DEFAULT);
    const hid_t space = H5Dget_space(ds);
    std::vector<std::int64_t> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Sclose(space);
    H5Dclose(ds);
    return v;
  }
  void writeInt64(const char* path, const std::vector<std::int64_t>& v) const {
    const hid_t ds = H5Dopen2(id, path, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    H5Dclose(ds);
  }
  std::vector<hsize_t> shape(const char* path) const {
    const hid_t ds = H5Dopen2(id, path, H5P_DEFAULT);
    const hid_t space = H5Dget_space(ds);
    std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    H5Sclose(space);
    H5Dclose(ds);
    return dims;
  }
  hid_t id;
};

/// A graph file of makeGraph() in a fresh directory.
struct GraphFile {
  TempDir dir;
  std::filesystem::path file = dir / "graph.h5";
  GraphFile() { writeGraphH5(makeGraph(), file, "itk", "module-map"); }
};

TEST(GraphStoreH5, RoundTripIsExact) {
  TempDir dir;
  const auto file = dir / "graph.h5";
  const Graph graph = makeGraph();
  writeGraphH5(graph, file, "itk", "module-map");
  EXPECT_EQ(readGraphH5(file), graph);
  EXPECT_EQ(detectorOfGraphH5(file), "itk");
  EXPECT_EQ(test::countTempFiles(dir.path()), 0u);
}

TEST(GraphStoreH5, LayoutIsPyG) {
  const GraphFile f;
  const RawFile raw(f.file);
  using Dims = std::vector<hsize_t>;
  EXPECT_EQ(raw.shape("nodes/x"), (Dims{5, 4}));
  EXPECT_EQ(raw.shape("nodes/hit_id"), (Dims{5}));
  EXPECT_EQ(raw.shape("edges/edge_index"), (Dims{2, 6}));
  EXPECT_EQ(raw.shape("edges/edge_attr"), (Dims{6, 6}));
  EXPECT_EQ(raw.shape("truth/edge_index"), (Dims{2, 2}));
  EXPECT_EQ(raw.shape("particles/nhits"), (Dims{2}));
  // Row-major: the first row holds the sources.
  EXPECT_EQ(raw.readInt64("edges/edge_index"), makeGraph().edge_index);
}

TEST(GraphStoreH5, EmptyGraphRoundTrip) {
  TempDir dir;
  Graph with_features;  // an event without hits, from a builder with features
  with_features.event_id = 3;
  with_features.node_feature_names = {"r", "phi", "z", "eta"};
  with_features.edge_feature_names = {"dr", "dphi", "dz", "deta", "phislope", "rphislope"};
  for (const Graph& graph : {Graph{}, with_features}) {
    const auto file = dir / ("empty" + std::to_string(graph.numNodeFeatures()) + ".h5");
    writeGraphH5(graph, file, "trackml", "metric-learning");
    EXPECT_EQ(readGraphH5(file), graph);
  }
}

TEST(GraphStoreH5, SameGraphGivesIdenticalBytes) {
  TempDir dir;
  writeGraphH5(makeGraph(), dir / "a.h5", "itk", "module-map");
  // Seconds apart, so that a modification time in the file would show.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  writeGraphH5(makeGraph(), dir / "b.h5", "itk", "module-map");
  // (EXPECT_TRUE, not EXPECT_EQ: a failure must not print binary)
  EXPECT_TRUE(test::readText(dir / "a.h5") == test::readText(dir / "b.h5"));
}

TEST(GraphStoreH5, RejectsFilesThatAreNotGraphs) {
  TempDir dir;
  const auto events = dir / "events.h5";
  writeEventsH5({test::makeEvent(1, 20)}, events, "itk");
  expectError([&] { readGraphH5(events); },
              {events.string(), "not in format 'efgnn-graph'", "'efgnn-events'"});
  expectError([&] { detectorOfGraphH5(events); }, {events.string(), "efgnn-graph"});

  const auto garbage = dir / "garbage.h5";
  std::mt19937 rng(1);
  std::string bytes(10000, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());
  test::writeText(garbage, bytes);
  expectError([&] { readGraphH5(garbage); }, {garbage.string(), "not an HDF5 file"});
  expectError([&] { readGraphH5(dir / "missing.h5"); }, {"missing.h5", "no such file"});
}

TEST(GraphStoreH5, RejectsNewerVersion) {
  const GraphFile f;
  {
    const RawFile raw(f.file);
    const hid_t attr = H5Aopen(raw.id, "version", H5P_DEFAULT);
    const int version = kGraphFileVersion + 1;
    H5Awrite(attr, H5T_NATIVE_INT, &version);
    H5Aclose(attr);
  }
  expectError([&] { readGraphH5(f.file); }, {f.file.string(), "version 2", "newer"});
}

TEST(GraphStoreH5, RejectsDatasetsOfTheWrongShape) {
  {
    const GraphFile f;
    RawFile(f.file).replace("edges/edge_attr", H5T_IEEE_F32LE, {6, 7});
    expectError([&] { readGraphH5(f.file); },
                {f.file.string(), "group 'edges', dataset 'edge_attr'", "[6, 7]", "[6, 6]"});
  }
  {
    const GraphFile f;
    RawFile(f.file).replace("nodes/x", H5T_IEEE_F32LE, {4, 4});
    expectError([&] { readGraphH5(f.file); },
                {f.file.string(), "group 'nodes', dataset 'x'", "[4, 4]", "[5, 4]"});
  }
  {
    const GraphFile f;
    RawFile(f.file).replace("truth/edge_index", H5T_STD_I64LE, {3, 2});
    expectError([&] { readGraphH5(f.file); },
                {f.file.string(), "group 'truth', dataset 'edge_index'", "[3, 2]"});
  }
  {
    const GraphFile f;
    RawFile(f.file).replace("edges/y", H5T_STD_U8LE, {5});
    expectError([&] { readGraphH5(f.file); },
                {f.file.string(), "group 'edges', dataset 'y'", "5 entries", "expected 6"});
  }
  {
    const GraphFile f;
    RawFile(f.file).replace("particles/pt", H5T_STD_I32LE, {2});
    expectError([&] { readGraphH5(f.file); },
                {f.file.string(), "group 'particles', dataset 'pt'", "not floating point"});
  }
}

TEST(GraphStoreH5, RejectsEdgeIndexOutOfRange) {
  for (const auto* path : {"edges/edge_index", "truth/edge_index"}) {
    for (const std::int64_t bad : {std::int64_t{5}, std::int64_t{-1}}) {
      const GraphFile f;
      {
        const RawFile raw(f.file);
        auto index = raw.readInt64(path);
        index.back() = bad;  // the target of the last edge
        raw.writeInt64(path, index);
      }
      const std::string group = std::string(path).substr(0, std::string(path).find('/'));
      expectError([&] { readGraphH5(f.file); },
                  {f.file.string(), "group '" + group + "', dataset 'edge_index'",
                   "is " + std::to_string(bad), "not one of the 5 nodes"});
    }
  }
}

TEST(GraphStoreH5, RejectsFlagsOtherThanZeroOrOne) {
  const GraphFile f;
  {
    const RawFile raw(f.file);
    const hid_t ds = H5Dopen2(raw.id, "edges/y_target", H5P_DEFAULT);
    const std::vector<std::uint8_t> two(6, 2);
    H5Dwrite(ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, two.data());
    H5Dclose(ds);
  }
  expectError([&] { readGraphH5(f.file); },
              {f.file.string(), "dataset 'y_target'", "entry 0 is 2, not 0 or 1"});
}

TEST(GraphStoreH5, RefusesToWriteWhatCannotBeReadBack) {
  TempDir dir;
  Graph comma = makeGraph();
  comma.node_feature_names[1] = "phi,cos";
  expectError([&] { writeGraphH5(comma, dir / "a.h5", "itk", "m"); },
              {"a.h5", "node feature name 'phi,cos'"});
  Graph out_of_range = makeGraph();
  out_of_range.edge_index[0] = 5;
  expectError([&] { writeGraphH5(out_of_range, dir / "b.h5", "itk", "m"); },
              {"b.h5", "node 5 of 5"});
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace efgnn

#include <gtest/gtest.h>
#include <hdf5.h>

#include <random>

#include "IoTestUtil.hpp"
#include "io/EventStoreH5.hpp"

namespace efgnn {
namespace {

using test::expectError;
using test::TempDir;

std::vector<Event> someEvents() {
  Event no_truth = test::makeEvent(12, 40, false, 3);
  no_truth.truth.clear();
  Event empty;
  empty.event_id = 1'000'000'000;  // wider than the 9 digits of eventStem's padding
  return {test::makeEvent(3, 300), no_truth, empty, test::makeEvent(5, 100, true, 2)};
}

/// Opens a store with the C API to damage it the ways a foreign writer could.
struct RawStore {
  explicit RawStore(const std::filesystem::path& file)
      : id(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)) {}
  ~RawStore() { H5Fclose(id); }
  void replaceDataset(const char* path, hsize_t size) const {
    ASSERT_GE(H5Ldelete(id, path, H5P_DEFAULT), 0);
    const hid_t space = H5Screate_simple(1, &size, nullptr);
    const hid_t ds =
        H5Dcreate2(id, path, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(ds, 0);
    H5Dclose(ds);
    H5Sclose(space);
  }
  hid_t id;
};

TEST(EventStoreH5, RoundTripIsExact) {
  TempDir dir;
  const auto events = someEvents();
  const auto file = dir / "events.h5";
  writeEventsH5(events, file, "itk");
  EXPECT_EQ(listEventsH5(file), (std::vector<std::uint64_t>{3, 5, 12, 1'000'000'000}));
  EXPECT_EQ(detectorOfH5(file), "itk");
  for (const auto& event : events) EXPECT_EQ(readEventH5(file, event.event_id), event);
  EXPECT_EQ(test::countTempFiles(dir.path()), 0u);
}

TEST(EventStoreH5, LayoutIsOneDatasetPerColumn) {
  TempDir dir;
  const auto file = dir / "events.h5";
  writeEventsH5({test::makeEvent(1, 30)}, file, "trackml");
  const hid_t h5 = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  for (const char* path : {"event000000001/hits/hit_id", "event000000001/hits/x",
                           "event000000001/hits/module_id", "event000000001/hits/has_clusters",
                           "event000000001/hits/cluster_z_2", "event000000001/truth/particle_id",
                           "event000000001/truth/weight", "event000000001/particles/pdg_id",
                           "event000000001/particles/q", "event000000001/particles/collision"}) {
    const hid_t ds = H5Dopen2(h5, path, H5P_DEFAULT);
    ASSERT_GE(ds, 0) << path;
    const hid_t space = H5Dget_space(ds);
    EXPECT_EQ(H5Sget_simple_extent_ndims(space), 1) << path;
    H5Sclose(space);
    H5Dclose(ds);
  }
  H5Fclose(h5);
}

TEST(EventStoreH5, CellsSummaryIsAnOptionalPairOfHitDatasets) {
  TempDir dir;
  const auto file = dir / "events.h5";
  Event with_cells = test::makeEvent(1, 50);
  test::addCells(with_cells);
  const Event without = test::makeEvent(2, 50);
  writeEventsH5({with_cells, without}, file, "trackml");
  EXPECT_EQ(readEventH5(file, 1), with_cells);
  EXPECT_EQ(readEventH5(file, 2), without);
  {
    RawStore raw(file);
    EXPECT_GT(H5Lexists(raw.id, "event000000001/hits/cell_count", H5P_DEFAULT), 0);
    EXPECT_GT(H5Lexists(raw.id, "event000000001/hits/cell_charge", H5P_DEFAULT), 0);
    EXPECT_EQ(H5Lexists(raw.id, "event000000002/hits/cell_count", H5P_DEFAULT), 0);
  }
  // A file from before the cells summary (neither dataset) reads as an event without cells.
  {
    RawStore raw(file);
    H5Ldelete(raw.id, "event000000001/hits/cell_count", H5P_DEFAULT);
    H5Ldelete(raw.id, "event000000001/hits/cell_charge", H5P_DEFAULT);
  }
  Event older = with_cells;
  older.cells.clear();
  EXPECT_EQ(readEventH5(file, 1), older);

  // One of the two, a wrong length or an impossible summary is an error.
  writeEventsH5({with_cells}, file, "trackml");
  {
    RawStore raw(file);
    H5Ldelete(raw.id, "event000000001/hits/cell_charge", H5P_DEFAULT);
  }
  expectError([&] { readEventH5(file, 1); }, {file.string(), "event000000001/hits", "dataset 'cell_charge'"});
  writeEventsH5({with_cells}, file, "trackml");
  RawStore(file).replaceDataset("event000000001/hits/cell_charge", 49);
  expectError([&] { readEventH5(file, 1); }, {"event000000001/hits", "dataset 'cell_charge'", "49"});
}

TEST(EventStoreH5, RejectsFilesThatAreNotStores) {
  TempDir dir;
  const auto garbage = dir / "garbage.h5";
  std::mt19937 rng(1);
  std::string bytes(100000, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());
  test::writeText(garbage, bytes);
  expectError([&] { listEventsH5(garbage); }, {garbage.string(), "not an HDF5 file"});
  expectError([&] { readEventH5(dir / "missing.h5", 1); }, {"missing.h5", "no such file"});

  const auto plain = dir / "plain.h5";
  H5Fclose(H5Fcreate(plain.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  expectError([&] { listEventsH5(plain); }, {plain.string(), "'format'"});
}

TEST(EventStoreH5, RejectsTruncatedFile) {
  TempDir dir;
  const auto file = dir / "events.h5";
  writeEventsH5(someEvents(), file, "itk");
  for (const double fraction : {0.9, 0.5, 0.01}) {
    const auto cut = dir / "cut.h5";
    std::filesystem::copy_file(file, cut, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(
        cut, static_cast<std::uintmax_t>(fraction * std::filesystem::file_size(file)));
    expectError([&] { readEventH5(cut, 3); }, {cut.string()});
  }
}

TEST(EventStoreH5, RejectsNewerVersion) {
  TempDir dir;
  const auto file = dir / "events.h5";
  writeEventsH5(someEvents(), file, "itk");
  {
    RawStore raw(file);
    const hid_t attr = H5Aopen(raw.id, "version", H5P_DEFAULT);
    const int version = kEventStoreVersion + 1;
    H5Awrite(attr, H5T_NATIVE_INT, &version);
    H5Aclose(attr);
  }
  expectError([&] { listEventsH5(file); }, {file.string(), "version 2", "newer"});
}

TEST(EventStoreH5, RejectsInconsistentLengths) {
  TempDir dir;
  const auto file = dir / "events.h5";
  writeEventsH5(someEvents(), file, "itk");
  RawStore(file).replaceDataset("event000000003/hits/y", 299);
  expectError([&] { readEventH5(file, 3); },
              {file.string(), "event000000003/hits", "dataset 'y'", "299 entries", "300"});
  RawStore(file).replaceDataset("event000000005/truth/tx", 101);
  expectError([&] { readEventH5(file, 5); }, {"event000000005/truth", "dataset 'tx'", "101"});
  EXPECT_EQ(readEventH5(file, 12), someEvents()[1]);  // the other events stay readable
}

TEST(EventStoreH5, RejectsMissingDatasetOrGroup) {
  TempDir dir;
  const auto file = dir / "events.h5";
  writeEventsH5(someEvents(), file, "itk");
  {
    RawStore raw(file);
    H5Ldelete(raw.id, "event000000003/particles/pdg_id", H5P_DEFAULT);
    H5Ldelete(raw.id, "event000000005/hits/cluster_x_2", H5P_DEFAULT);
  }
  expectError([&] { readEventH5(file, 3); },
              {file.string(), "event000000003/particles", "dataset 'pdg_id'", "missing"});
  expectError([&] { readEventH5(file, 5); }, {"event000000005/hits", "dataset 'cluster_x_2'"});
  expectError([&] { readEventH5(file, 4); }, {file.string(), "no event 4"});
}

TEST(EventStoreH5, RejectsWrongTypesAndValues) {
  TempDir dir;
  const auto file = dir / "events.h5";
  writeEventsH5(someEvents(), file, "itk");
  RawStore(file).replaceDataset("event000000003/hits/hit_id", 300);  // float, not integer
  expectError([&] { readEventH5(file, 3); }, {"event000000003/hits", "dataset 'hit_id'"});
  {
    RawStore raw(file);
    const hid_t ds = H5Dopen2(raw.id, "event000000005/particles/process", H5P_DEFAULT);
    const hid_t space = H5Dget_space(ds);
    std::vector<int> process(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)), 7);
    H5Dwrite(ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, process.data());
    H5Sclose(space);
    H5Dclose(ds);
  }
  expectError([&] { readEventH5(file, 5); }, {"dataset 'process'", "entry 0", "invalid value 7"});
}

TEST(EventStoreH5, RejectsDuplicateEventIdsOnWrite) {
  TempDir dir;
  expectError(
      [&] {
        writeEventsH5({test::makeEvent(1, 5), test::makeEvent(1, 6)}, dir / "a.h5", "x");
      },
      {"a.h5", "event 1"});
  EXPECT_FALSE(std::filesystem::exists(dir / "a.h5"));
}

}  // namespace
}  // namespace efgnn

#include <gtest/gtest.h>

#include <future>
#include <map>

#include "IoTestUtil.hpp"
#include "io/EventSource.hpp"
#include "io/EventStoreH5.hpp"
#include "io/TrackMLCsv.hpp"

namespace efgnn {
namespace {

using test::expectError;
using test::TempDir;

/// Events 1 (CSV), 2 and 5 (a.h5), 3 (CSV.gz), 4 (b.h5), 6 (CSV, no truth or particles).
std::map<std::uint64_t, Event> writeMixedDirectory(const std::filesystem::path& dir) {
  std::map<std::uint64_t, Event> events;
  for (std::uint64_t id = 1; id <= 6; ++id) events[id] = test::makeEvent(id, 50 + id, id % 2, id);
  events[6].truth.clear();
  events[6].particles.clear();
  writeTrackMLEvent(events[1], dir);
  writeTrackMLEvent(events[3], dir, true);
  writeTrackMLEvent(events[6], dir);
  writeEventsH5({events[5], events[2]}, dir / "a.h5", "trackml");
  writeEventsH5({events[4]}, dir / "b.h5", "trackml");
  test::writeText(dir / "README.txt", "not an event");
  return events;
}

TEST(EventDirectory, ReadsMixedDirectoryInIdOrder) {
  TempDir dir;
  const auto events = writeMixedDirectory(dir.path());
  const EventDirectory source(dir.path());
  ASSERT_EQ(source.size(), 6u);
  for (std::size_t i = 0; i < source.size(); ++i) {
    EXPECT_EQ(source.eventId(i), i + 1);
    EXPECT_EQ(source.read(i), events.at(i + 1));
  }
}

TEST(EventDirectory, ReadsASingleStore) {
  TempDir dir;
  const auto events = writeMixedDirectory(dir.path());
  const EventDirectory source(dir / "a.h5");
  ASSERT_EQ(source.size(), 2u);
  EXPECT_EQ(source.eventId(0), 2u);
  EXPECT_EQ(source.read(1), events.at(5));
}

TEST(EventDirectory, ReadsFromSeveralThreadsAtOnce) {
  TempDir dir;
  const auto events = writeMixedDirectory(dir.path());
  const EventDirectory source(dir.path());
  std::vector<std::future<bool>> results;
  for (int t = 0; t < 8; ++t)
    results.push_back(std::async(std::launch::async, [&, t] {
      bool all_equal = true;
      for (int k = 0; k < 20; ++k) {
        const std::size_t i = static_cast<std::size_t>(t + k) % source.size();
        all_equal &= source.read(i) == events.at(source.eventId(i));
      }
      return all_equal;
    }));
  for (auto& r : results) EXPECT_TRUE(r.get());
}

TEST(EventDirectory, RejectsEmptyMissingAndDuplicates) {
  TempDir dir;
  expectError([&] { EventDirectory{dir.path()}; }, {"no events in " + dir.path().string()});
  expectError([&] { EventDirectory{dir / "missing"}; }, {"missing"});

  writeTrackMLEvent(test::makeEvent(7, 10), dir.path());
  writeEventsH5({test::makeEvent(7, 10)}, dir / "store.h5", "itk");
  expectError([&] { EventDirectory{dir.path()}; }, {"event 7", "store.h5", "event000000007"});
}

TEST(EventDirectory, RejectsABrokenStore) {
  TempDir dir;
  writeTrackMLEvent(test::makeEvent(1, 10), dir.path());
  test::writeText(dir / "broken.h5", "not hdf5");
  expectError([&] { EventDirectory{dir.path()}; }, {"broken.h5", "not an HDF5 file"});
}

}  // namespace
}  // namespace efgnn

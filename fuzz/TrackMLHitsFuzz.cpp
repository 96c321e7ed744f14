// libFuzzer target: a TrackML hits file (event000000001-hits.csv, plain or gzip bytes) read as an
// event without truth, and the event listing of its directory.
#include "FuzzUtil.hpp"
#include "io/TrackMLCsv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto dir = efgnn::fuzz::scratchDir() / "hits";
  std::filesystem::create_directories(dir);
  efgnn::fuzz::writeScratch("hits/event000000001-hits.csv", efgnn::fuzz::text(data, size));
  efgnn::fuzz::rejectsCleanly([&] {
    efgnn::listTrackMLEvents(dir);
    efgnn::readTrackMLEvent(dir, 1);
  });
  return 0;
}

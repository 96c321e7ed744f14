// libFuzzer target: a TrackML particles file (plain or gzip bytes).
#include "FuzzUtil.hpp"
#include "io/TrackMLCsv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = efgnn::fuzz::writeScratch("event000000001-particles.csv", efgnn::fuzz::text(data, size));
  efgnn::fuzz::rejectsCleanly([&] { efgnn::readTrackMLParticles(file); });
  return 0;
}

// libFuzzer target: HDF5 event stores (contents described in the text of H5Text.hpp): listing,
// detector name and every event of the file (the first 8).
#include "FuzzUtil.hpp"
#include "H5Text.hpp"
#include "io/EventStoreH5.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = efgnn::fuzz::scratchDir() / "events.h5";
  efgnn::fuzz::buildH5(efgnn::fuzz::text(data, size), file);
  efgnn::fuzz::rejectsCleanly([&] { efgnn::detectorOfH5(file); });
  efgnn::fuzz::rejectsCleanly([&] {
    const auto ids = efgnn::listEventsH5(file);
    for (std::size_t i = 0; i < ids.size() && i < 8; ++i)
      efgnn::fuzz::rejectsCleanly([&] { efgnn::readEventH5(file, ids[i]); });
  });
  return 0;
}

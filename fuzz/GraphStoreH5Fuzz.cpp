// libFuzzer target: HDF5 graph files (contents described in the text of H5Text.hpp).
#include "FuzzUtil.hpp"
#include "H5Text.hpp"
#include "io/GraphStoreH5.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = efgnn::fuzz::scratchDir() / "graph.h5";
  efgnn::fuzz::buildH5(efgnn::fuzz::text(data, size), file);
  efgnn::fuzz::rejectsCleanly([&] { efgnn::detectorOfGraphH5(file); });
  efgnn::fuzz::rejectsCleanly([&] { efgnn::readGraphH5(file); });
  return 0;
}

// libFuzzer target: HDF5 module map files (contents described in the text of H5Text.hpp).
#include "FuzzUtil.hpp"
#include "H5Text.hpp"
#include "graph/ModuleMapFile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = efgnn::fuzz::scratchDir() / "map.h5";
  efgnn::fuzz::buildH5(efgnn::fuzz::text(data, size), file);
  efgnn::fuzz::rejectsCleanly([&] { efgnn::readModuleMap(file); });
  return 0;
}

// libFuzzer target: graph data set manifests (manifest.json: core/Json and its checks); a
// manifest that parses must write out and parse back.
#include <optional>
#include <string>

#include "FuzzUtil.hpp"
#include "graph/GraphDataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(efgnn::fuzz::text(data, size));
  std::optional<efgnn::GraphDatasetManifest> manifest;
  efgnn::fuzz::rejectsCleanly([&] { manifest = efgnn::GraphDatasetManifest::parse(text, "manifest.json"); });
  if (manifest) efgnn::GraphDatasetManifest::parse(manifest->json().dump(), "manifest.json (written back)");
  return 0;
}

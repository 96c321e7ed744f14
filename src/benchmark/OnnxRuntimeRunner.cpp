#include "benchmark/OnnxRuntimeRunner.hpp"

#include <fstream>

#include "core/Allocator.hpp"
#include "core/Error.hpp"
#include "core/Process.hpp"
#include "core/TempDir.hpp"
#include "core/Yaml.hpp"

namespace efgnn {

namespace fs = std::filesystem;

std::optional<OnnxRuntimeRunner> OnnxRuntimeRunner::find(const fs::path& script, std::string& why) {
  if (!fs::exists(script) || !fs::exists(script.parent_path() / "node_modules" / "onnxruntime-node")) {
    why = "no ONNX Runtime (" + script.string() + " with its node_modules; scripts/install-deps.sh installs it)";
    return std::nullopt;
  }
  return OnnxRuntimeRunner(fs::absolute(script));
}

OnnxRuntimeRunner::Result OnnxRuntimeRunner::run(const fs::path& model, const runtime::GraphInput& g, std::size_t runs,
                                                 int threads) const {
  const TempDir scratch("efgnn-onnxruntime");  // private, removed on return or throw
  const fs::path& dir = scratch.path();
  const auto write = [&](const char* name, const void* data, std::size_t bytes) {
    std::ofstream(dir / name, std::ios::binary).write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  };
  write("x.bin", g.x, sizeof(float) * g.num_nodes * g.node_features);
  write("edge_index.bin", g.edge_index, sizeof(std::int64_t) * 2 * g.num_edges);
  const bool attr = g.edge_attr != nullptr && g.edge_features > 0;
  if (attr) write("edge_attr.bin", g.edge_attr, sizeof(float) * g.num_edges * g.edge_features);
  std::ofstream(dir / "shape.json") << "{\"nodes\": " << g.num_nodes << ", \"node_features\": " << g.node_features
                                    << ", \"edges\": " << g.num_edges
                                    << ", \"edge_features\": " << (attr ? g.edge_features : 0) << "}";
  // An argument vector, no shell; "--" and an absolute script path: node takes the runner as its
  // script whatever its name.
  ProcessOptions options;
  options.stdout_file = dir / "ms.json";
  options.missing_hint = "node is needed for ONNX Runtime; scripts/install-deps.sh installs it";
  if (allocatorSettings().keeps_freed_memory)
    options.environment.push_back("GLIBC_TUNABLES=" + keepFreedMemoryTunables());
  const ProcessResult ran = runProcess({"node", "--", script_.string(), fs::absolute(model).string(), dir.string(),
                                        std::to_string(runs), std::to_string(threads)},
                                       options);
  if (!ran.ok()) throw Error("ONNX Runtime failed: node " + script_.string() + ": " + ran.describe());
  Result r;
  const YamlNode ms = YamlNode::parseFile((dir / "ms.json").string());
  r.ms = ms["ms"].asDoubles();
  if (ms.has("peak_mib")) r.peak_mib = ms["peak_mib"].asDouble();
  r.logits.resize(g.num_edges);
  std::ifstream out(dir / "output.bin", std::ios::binary);
  out.read(reinterpret_cast<char*>(r.logits.data()), static_cast<std::streamsize>(g.num_edges * sizeof(float)));
  if (!out) throw Error("ONNX Runtime: " + (dir / "output.bin").string() + ": fewer than " + std::to_string(g.num_edges) + " logits");
  return r;
}

}  // namespace efgnn

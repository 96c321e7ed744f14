#pragma once
// ONNX Runtime as an independent consumer of efgnn's ONNX exports: npm's onnxruntime-node, run by
// node on a script (bench/onnx/run.js) in a process of its own, fed the inputs by position as the
// ACTS plugin feeds them. Like with like: that process allocates as this one does (glibc settings
// of core/Allocator.hpp) and runs on the threads it is given.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/EdgeClassifier.hpp"

namespace efgnn {

class OnnxRuntimeRunner {
 public:
  /// The runner at `script`, or nullopt (with the reason in `why`) when the script or its
  /// node_modules/onnxruntime-node is missing.
  static std::optional<OnnxRuntimeRunner> find(const std::filesystem::path& script, std::string& why);

  struct Result {
    std::vector<double> ms;      // one per timed run (after the script's own warm-up run)
    double peak_mib = 0;         // the node process's peak, as the script reports it (0: not reported)
    std::vector<float> logits;   // one per edge
  };
  /// Runs the ONNX model file `model` on one graph, `runs` timed times, on `threads` threads.
  /// Throws Error when node fails.
  Result run(const std::filesystem::path& model, const runtime::GraphInput& graph, std::size_t runs,
             int threads) const;

 private:
  explicit OnnxRuntimeRunner(std::filesystem::path script) : script_(std::move(script)) {}
  std::filesystem::path script_;
};

}  // namespace efgnn

#pragma once
// The deployment runtime's edge classifier: an exported Interaction GNN (efgnn export) run in
// plain C++ (+ OpenMP), no LibTorch, so that a trigger framework can embed it. Float models run
// on the float kernels (Kernels.hpp); quantization-aware trained models on the integer ones
// (IntegerKernels.hpp), with sparse weights (only the non-zero ones multiplied) or dense ones.
//
// Inputs and output follow the ACTS GNN plugin: node features x [N, F] (row-major, scaled as
// in training), edge_index [2, E] (int64: row 0 sources, row 1 targets), optional edge features
// [E, Fe]; one logit per edge (scores() applies the sigmoid).
//
// Bad input throws InputError naming what is wrong: feature widths that differ from the
// model's, edge indices out of range or negative, NaN or infinite features (refused rather than
// propagated, so one bad hit cannot silently poison its neighbours' scores). Zero edges give an
// empty result.
//
// Results do not depend on the number of threads: every output value is computed by one thread
// in a fixed order (sums over a node's edges run in edge order). logits() may be called from
// several threads at once (one event each); each calling thread keeps its working arrays (for
// h = 48 and float models about 0.6 kB per edge and 0.8 kB per node of the largest event; a
// quarter of that per edge and 0.5 kB per node for integer models) from one event to the next.
#ifdef EFGNN_LANES_BEGUN
#error "runtime/Lanes.hpp must come after every other include: what follows it is compiled for one instruction set"
#endif
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/Isa.hpp"
#include "runtime/ModelFile.hpp"

namespace efgnn::runtime {

class InputError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct GraphInput {
  const float* x = nullptr;  // [num_nodes, node_features]
  std::size_t num_nodes = 0, node_features = 0;
  const std::int64_t* edge_index = nullptr;  // [2, num_edges]
  std::size_t num_edges = 0;
  const float* edge_attr = nullptr;  // [num_edges, edge_features], or nullptr when the model has none
  std::size_t edge_features = 0;
};

class EdgeClassifier {
 public:
  struct Config {
    int threads = 0;              // 0: OpenMP's default
    std::size_t edge_tile = 256;  // edges per tile of the fused edge network (float models)
    bool sparse_weights = true;   // integer models: multiply only the non-zero weights
    Isa isa = Isa::Best;          // whose kernels run (Isa.hpp): the CPU's best unless told
  };

  EdgeClassifier(const ModelFile& file, const std::string& source, Config config);
  static EdgeClassifier load(const std::filesystem::path& file, Config config);
  ~EdgeClassifier();
  EdgeClassifier(EdgeClassifier&&) noexcept;
  EdgeClassifier& operator=(EdgeClassifier&&) noexcept;

  std::size_t nodeFeatures() const;
  std::size_t edgeFeatures() const;
  /// One logit per edge.
  std::vector<float> logits(const GraphInput& graph) const;
  /// One score (sigmoid of the logit) per edge.
  std::vector<float> scores(const GraphInput& graph) const;
  /// Whether the model runs on integer codes (a quantization-aware trained model).
  bool integer() const;
  /// Multiply-adds of one forward pass on a graph of this size: the weights the kernels multiply
  /// (all of them for float models and dense integer ones, the non-zero ones when sparse).
  double multiplyAdds(std::size_t num_nodes, std::size_t num_edges) const;

 private:
  struct Network;
  std::unique_ptr<Network> net_;
  Config config_;
};

}  // namespace efgnn::runtime

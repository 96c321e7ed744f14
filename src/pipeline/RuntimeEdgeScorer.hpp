#pragma once
// Edge scoring of a hit graph on the deployment runtime: an exported model (efgnn model file)
// scores each edge of an efgnn Graph, whose stored features are what the model takes (the ACTS
// convention: features scaled as in training, in the order the model names them).
#include <string>
#include <vector>

#include "core/Graph.hpp"
#include "pipeline/EdgeScorer.hpp"
#include "runtime/EdgeClassifier.hpp"

namespace efgnn {

/// The runtime's view of a graph: pointers into its arrays, no copy.
runtime::GraphInput runtimeInputOf(const Graph& graph);

class RuntimeEdgeScorer final : public EdgeScorer {
 public:
  /// `source` names the model in errors.
  RuntimeEdgeScorer(const runtime::ModelFile& file, const std::string& source, runtime::EdgeClassifier::Config config);
  /// An exported model file (efgnn export).
  static RuntimeEdgeScorer load(const std::string& file, runtime::EdgeClassifier::Config config);
  std::string name() const override { return "runtime"; }
  /// One score (sigmoid of the logit) per edge. Throws Error naming `source` (the graph's origin)
  /// when the graph's features are not the ones the model was trained on.
  std::vector<float> scores(const Graph& graph, const std::string& source) const override;
  bool concurrent() const override { return true; }
  bool integer() const { return classifier_.integer(); }
  const runtime::EdgeClassifier& classifier() const { return classifier_; }

 private:
  runtime::EdgeClassifier classifier_;
  std::vector<std::string> node_features_, edge_features_;  // names the model file gives; may be empty
  std::string model_;
};

}  // namespace efgnn

#pragma once
// The edge classification stage: one score in [0, 1] per edge of a hit graph. The deployed chain
// scores on the runtime (RuntimeEdgeScorer); the training side offers LibTorch's scores behind
// the same interface for comparison.
#include <string>
#include <vector>

#include "core/Graph.hpp"

namespace efgnn {

class EdgeScorer {
 public:
  virtual ~EdgeScorer() = default;
  virtual std::string name() const = 0;
  /// One score per edge, in the graph's edge order. Throws Error naming `source` (the graph's
  /// origin) when the graph is not what the model takes.
  virtual std::vector<float> scores(const Graph& graph, const std::string& source) const = 0;
  /// Whether scores() may run on several threads at once (one graph each).
  virtual bool concurrent() const = 0;
};

}  // namespace efgnn

#include "pipeline/RuntimeEdgeScorer.hpp"

#include "core/Error.hpp"

namespace efgnn {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

runtime::GraphInput runtimeInputOf(const Graph& g) {
  runtime::GraphInput in;
  in.x = g.x.data();
  in.num_nodes = g.numNodes();
  in.node_features = g.numNodeFeatures();
  in.edge_index = g.edge_index.data();
  in.num_edges = g.numEdges();
  if (g.numEdgeFeatures() > 0) {
    in.edge_attr = g.edge_attr.data();
    in.edge_features = g.numEdgeFeatures();
  }
  return in;
}

RuntimeEdgeScorer::RuntimeEdgeScorer(const runtime::ModelFile& file, const std::string& source,
                                     runtime::EdgeClassifier::Config config)
    : classifier_(file, source, config),
      node_features_(file.names("node_feature_names")),
      edge_features_(file.names("edge_feature_names")),
      model_(source) {}

RuntimeEdgeScorer RuntimeEdgeScorer::load(const std::string& file, runtime::EdgeClassifier::Config config) {
  return RuntimeEdgeScorer(runtime::ModelFile::read(file), file, config);
}

std::vector<float> RuntimeEdgeScorer::scores(const Graph& graph, const std::string& source) const {
  const auto check = [&](const std::vector<std::string>& want, const std::vector<std::string>& have, const char* what) {
    if (!want.empty() && want != have)
      throw Error(source + ": event " + std::to_string(graph.event_id) + ": the graph's " + what + " features are [" +
                  joined(have) + "], the model " + model_ + " takes [" + joined(want) + "]");
  };
  check(node_features_, graph.node_feature_names, "node");
  if (classifier_.edgeFeatures() > 0) check(edge_features_, graph.edge_feature_names, "edge");
  if (graph.numEdges() == 0) return {};
  try {
    return classifier_.scores(runtimeInputOf(graph));
  } catch (const runtime::InputError& e) {
    throw Error(source + ": event " + std::to_string(graph.event_id) + ": " + e.what());
  }
}

}  // namespace efgnn

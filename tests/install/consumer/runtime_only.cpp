// The installed runtime alone: loads a model and scores a two-edge graph.
// Usage: runtime_only MODEL
#include <cmath>
#include <cstdio>
#include <exception>
#include <vector>

#include "runtime/EdgeClassifier.hpp"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  try {
    const auto classifier = efgnn::runtime::EdgeClassifier::load(argv[1], {.threads = 1});
    const std::size_t nodes = 3, f = classifier.nodeFeatures(), fe = classifier.edgeFeatures();
    std::vector<float> x(nodes * f, 0.25f), edge_attr(2 * fe, 0.5f);
    const std::vector<std::int64_t> edge_index{0, 1, 1, 2};
    const auto scores = classifier.scores({x.data(), nodes, f, edge_index.data(), 2, fe ? edge_attr.data() : nullptr, fe});
    std::printf("{\"scores\": [%g, %g]}\n", scores.at(0), scores.at(1));
    return scores.size() == 2 && std::isfinite(scores[0]) && scores[0] > 0 && scores[0] < 1 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runtime_only: %s\n", e.what());
    return 1;
  }
}

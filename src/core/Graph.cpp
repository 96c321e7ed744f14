#include "core/Graph.hpp"

#include <cmath>

#include "core/Error.hpp"

namespace efgnn {

void Graph::validate(const std::string& source) const {
  const auto fail = [&](const std::string& what) {
    return Error(source + ": graph of event " + std::to_string(event_id) + ": " + what);
  };
  const std::size_t n = numNodes(), e = numEdges(), t = numTruthEdges();
  const auto expect = [&](std::size_t size, std::size_t want, const char* name) {
    if (size != want)
      throw fail(std::string(name) + " has " + std::to_string(size) + " entries, expected " +
                 std::to_string(want));
  };
  expect(x.size(), n * numNodeFeatures(), "x");
  expect(node_particle.size(), n, "node_particle");
  if (edge_index.size() % 2 || truth_edge_index.size() % 2)
    throw fail("an edge index does not have two rows");
  expect(edge_attr.size(), e * numEdgeFeatures(), "edge_attr");
  expect(y.size(), e, "y");
  expect(y_target.size(), e, "y_target");
  expect(edge_particle.size(), e, "edge_particle");
  expect(edge_pt.size(), e, "edge_pt");
  expect(edge_eta.size(), e, "edge_eta");
  expect(truth_target.size(), t, "truth_target");
  expect(truth_particle.size(), t, "truth_particle");
  for (const auto* index : {&edge_index, &truth_edge_index})
    for (const std::int64_t v : *index)
      if (v < 0 || static_cast<std::size_t>(v) >= n)
        throw fail("edge refers to node " + std::to_string(v) + " of " + std::to_string(n));
  for (const float v : x)
    if (!std::isfinite(v)) throw fail("non-finite node feature");
  for (const float v : edge_attr)
    if (!std::isfinite(v)) throw fail("non-finite edge feature");
  for (const auto* values : {&edge_pt, &edge_eta})
    for (const float v : *values)
      if (!std::isfinite(v)) throw fail("non-finite particle pT or eta of an edge");
  for (const auto& p : particles)
    if (!std::isfinite(p.pt) || !std::isfinite(p.eta))
      throw fail("particle " + std::to_string(p.particle_id) + " has a non-finite pT or eta");
}

}  // namespace efgnn

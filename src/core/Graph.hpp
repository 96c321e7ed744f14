#pragma once
// The hit graph of one event, as the GNN stages exchange it: plain arrays in the PyG / ACTS
// layout (node features x [N, F] row-major, edge_index [2, E] with sources first, edge
// features edge_attr [E, Fe]), plus the labels and truth needed for training and metrics.
#include <cstdint>
#include <string>
#include <vector>

namespace efgnn {

/// A key for the unordered node pair {a, b} (indices below 2^32): a true edge is recognised
/// whichever way a builder orients it.
inline std::uint64_t undirectedPairKey(std::uint64_t a, std::uint64_t b) {
  return a < b ? (a << 32) | b : (b << 32) | a;
}

/// A particle as the graph stages see it: what metrics versus pT and eta need.
struct GraphParticle {
  std::uint64_t particle_id = 0;
  float pt = 0, eta = 0;
  std::int32_t nhits = 0;
  bool target = false;  // passes the target selection (REFERENCE.md section 3)
  bool operator==(const GraphParticle&) const = default;
};

struct Graph {
  std::uint64_t event_id = 0;

  // Nodes (one per space point kept in the graph).
  std::vector<std::string> node_feature_names;
  std::vector<float> x;                      // [N, F], scaled features
  std::vector<std::uint64_t> hit_id;         // [N]
  std::vector<std::uint64_t> node_particle;  // [N], 0 for noise or without truth

  // Edges, directed from src (edge_index[e]) to dst (edge_index[E + e]).
  std::vector<std::string> edge_feature_names;
  std::vector<std::int64_t> edge_index;    // [2, E]
  std::vector<float> edge_attr;            // [E, Fe]
  std::vector<std::uint8_t> y;             // [E] both ends on the same particle, consecutive on it
  std::vector<std::uint8_t> y_target;      // [E] true edge of a target particle
  std::vector<std::uint64_t> edge_particle;  // [E] particle of a true edge, else 0
  std::vector<float> edge_pt, edge_eta;    // [E] of that particle, else 0

  // The truth graph: every true edge of the event between nodes of this graph, in node
  // indices, whether or not the builder found it (graph efficiency needs the ones it missed).
  std::vector<std::int64_t> truth_edge_index;  // [2, T]
  std::vector<std::uint8_t> truth_target;      // [T]
  std::vector<std::uint64_t> truth_particle;   // [T]

  std::vector<GraphParticle> particles;  // particles with hits in the graph

  std::size_t numNodes() const { return hit_id.size(); }
  std::size_t numEdges() const { return edge_index.size() / 2; }
  std::size_t numTruthEdges() const { return truth_edge_index.size() / 2; }
  std::size_t numNodeFeatures() const { return node_feature_names.size(); }
  std::size_t numEdgeFeatures() const { return edge_feature_names.size(); }
  std::int64_t src(std::size_t e) const { return edge_index[e]; }
  std::int64_t dst(std::size_t e) const { return edge_index[numEdges() + e]; }

  /// Checks array sizes and index ranges; throws Error naming `source`.
  void validate(const std::string& source) const;
  bool operator==(const Graph&) const = default;
};

}  // namespace efgnn

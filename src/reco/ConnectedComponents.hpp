#pragma once
// Connected components of the edges above a score cut (union-find, linear in edges): each
// component of at least min_hits nodes is a track. With junction removal, a node keeps only
// its best incoming and its best outgoing edge (edges oriented outward), which splits merged
// tracks at the node where they touch.
#include "reco/TrackBuilder.hpp"

namespace efgnn {

class ConnectedComponentsBuilder final : public TrackBuilder {
 public:
  struct Config {
    float score_cut = 0.5f;
    std::size_t min_hits = 3;
    bool remove_junctions = false;
  };
  explicit ConnectedComponentsBuilder(Config config) : config_(config) {}
  std::string name() const override { return "cc"; }
  std::vector<Track> build(const ScoredGraph& graph) const override;

 private:
  Config config_;
};

/// Union-find over node indices with path halving and union by size.
class DisjointSets {
 public:
  explicit DisjointSets(std::size_t n);
  std::uint32_t find(std::uint32_t a);
  void unite(std::uint32_t a, std::uint32_t b);

 private:
  std::vector<std::uint32_t> parent_, size_;
};

/// Groups of the nodes that share a root, each sorted by node index, in order of their
/// smallest node; groups smaller than `min_size` are left out.
std::vector<Track> componentsOf(DisjointSets& sets, std::size_t num_nodes, std::size_t min_size);

/// A node's squared distance from the origin, positions [N, 3]: the builders' outward order.
inline double outwardReach(const std::vector<float>& positions, std::uint32_t n) {
  const float* p = &positions[3 * std::size_t{n}];
  return double{p[0]} * p[0] + double{p[1]} * p[1] + double{p[2]} * p[2];
}

/// True if edge k points outward: from the node nearer the origin to the farther one (by the
/// positions, else by r and z), ties broken by node index. Without coordinates: the edge's own
/// direction (src -> dst). A module map holds the doublets between one layer's overlapping modules
/// both ways, so a graph's own directions can close a cycle a -> b -> a, and a particle whose first
/// hits close one has no inner-to-outer order to walk.
bool pointsOutward(const ScoredGraph& graph, std::size_t k);

/// An edge leaving a node outward (pointsOutward), with its score.
struct OutEdge {
  std::uint32_t to;
  float score;
};
using OutwardEdges = std::vector<std::vector<OutEdge>>;

/// Each node's edges scored above `cut` (self-loops left out), oriented outward, best-scored
/// first (ties by node index, so that walks over them do not depend on the edge order).
OutwardEdges outwardEdges(const ScoredGraph& graph, float cut);

}  // namespace efgnn

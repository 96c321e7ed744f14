#pragma once
// CC & Walk, the reference track builder (REFERENCE.md section 5): edges scored above
// drop_cut are oriented outward (r^2 + z^2) and grouped into components. A component that is
// a simple path (every node with at most one edge in and one out) is a track. A branching one
// is walked from its innermost unused node, in topological order: from each node the walk may
// continue to its best unused outward neighbour if that edge scores above follow_cut, and to
// every neighbour whose edge scores above branch_cut; the longest such path is the track and
// its hits are used up. Paths shorter than min_hits are dropped (their hits stay used).
#include "reco/TrackBuilder.hpp"

namespace efgnn {

class WalkthroughBuilder final : public TrackBuilder {
 public:
  struct Config {
    float drop_cut = 0.01f;
    float follow_cut = 0.1f;
    float branch_cut = 0.6f;
    std::size_t min_hits = 3;
  };
  explicit WalkthroughBuilder(Config config) : config_(config) {}
  std::string name() const override { return "walk"; }
  std::vector<Track> build(const ScoredGraph& graph) const override;

 private:
  Config config_;
};

}  // namespace efgnn

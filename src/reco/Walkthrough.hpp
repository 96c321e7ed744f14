#pragma once
// CC & Walk, the reference track builder (REFERENCE.md section 5): edges scored above
// drop_cut are oriented outward (r^2 + z^2) and grouped into components. A component that is
// a simple path (every node with at most one edge in and one out) is a track. A branching one
// is walked from its innermost unused node, in topological order: from each node the walk may
// continue to its best unused outward neighbour if that edge scores above follow_cut, and to
// every neighbour whose edge scores above branch_cut; the longest such path is the track and
// its hits are used up. Paths shorter than min_hits are dropped (their hits stay used).
//
// With node positions in the graph and `continuation = straightest`, the walk instead continues
// from each hit to the unused outward neighbour, among those whose edges score above follow_cut,
// that bends the track least (the smallest angle between its last step and the next); from the
// first hit, to the best-scored one. Close-by particles of a jet give each hit several
// neighbours scored alike; the longest path then readily crosses from one particle to the other,
// while the straightest stays on a particle. `helix` (the default) measures the bend against the
// direction that a helix through the track's first, middle and last hits predicts (the same turn
// per unit of transverse length), with the beam line standing in for the first hit while the
// track is shorter than two layers: a curling low-pT particle then keeps its own next hit rather
// than a straighter one of a neighbour, and in a jet core the long lever arm keeps one hit's
// measurement error from steering the track onto a particle a fraction of a millimetre away.
// These two walk from every hit and keep the longest walk first (`longest_first`), so that a
// particle that stops early cannot run on over the outer hits of a neighbour that goes on.
// Then close tracks exchange hits where whole-track fits say the walk went astray, and take up
// hits no track holds where they continue a track (HitExchange).
#include "reco/HitExchange.hpp"
#include "reco/TrackBuilder.hpp"

namespace efgnn {

class WalkthroughBuilder final : public TrackBuilder {
 public:
  enum class Continuation { longest, straightest, helix };
  struct Config {
    float drop_cut = 0.01f;
    // Well above drop_cut: in dense events a weakly scored edge to another particle's hit is
    // often the straightest continuation (the choice is measured in BENCHMARKS.md).
    float follow_cut = 0.3f;
    float branch_cut = 0.6f;  // longest only
    std::size_t min_hits = 3;
    // straightest and helix need node positions; a graph without them is walked by the longest
    // path
    Continuation continuation = Continuation::helix;
    // helix: hits closer than this in the transverse plane, in the positions' unit (module
    // overlaps on one layer, 1-6 mm apart; layers are 40 mm or more apart), do not fix a
    // direction
    float shortest_arm = 20.f;
    // straightest and helix: walk from every hit, keep the longest walk, walk the rest again,
    // and so on; else walk from each unused hit in turn, innermost first. Inner first, a short
    // particle of a jet core that ends (or a track that starts on the wrong particle) runs on
    // over a neighbour's outer hits and leaves that neighbour split.
    bool longest_first = true;
    // straightest and helix: tracks exchange hits afterwards (HitExchange)
    bool exchange_hits = true;
    HitExchange::Config exchange{};
  };
  explicit WalkthroughBuilder(Config config) : config_(config) {}
  std::string name() const override { return "walk"; }
  std::vector<Track> build(const ScoredGraph& graph) const override;

 private:
  Config config_;
};

}  // namespace efgnn

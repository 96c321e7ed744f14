#pragma once
// Hit exchange between built tracks. A track builder decides hit by hit; in a jet core two
// particles run 0.1-2 mm apart over several layers, and one wrong step puts a track on the other
// particle, often back again a few layers later (two tracks each half one particle and half the
// other), or carries a particle that stops on over another's outer hits while that one's inner
// hits make a track of their own. Whole tracks tell them apart: a helix fitted to each. Five
// moves, each kept only where the fits say so:
// - rebuild: the straight tracks of a jet core, where at least one fits poorly, are built again
//   together from their hits by helix fits alone (CoreRebuild.cpp);
// - swap: two tracks with hits close together (on one layer) swap the stretch of such pairs
//   that lowers their summed chi-square most;
// - tails: a track continues over an edge into another track, which takes its tail instead;
// - join: a track ending where another one starts (over an edge, or within join_distance) is
//   joined with it if the joined track fits well, mending a particle split by a missing edge;
// - extend: a track's ends take hits that no track holds (the walk drops paths too short to
//   count) over the edges, where they continue its helix.
// A swap or tail exchange must lower the two tracks' summed chi-square and may not make either
// track worse than a good track of its length (`good_chi2_per_dof`), so that a poor track does
// not trade its worst hits for a good track's. Two poor tracks that both bend little (a jet core
// of several particles, where each track holds stretches of two or three of them) trade on the
// summed chi-square alone: there is no good track to protect, and the way out of such a tangle
// often makes one track worse before the next trade mends it.
#include <cmath>
#include <limits>

#include "reco/ConnectedComponents.hpp"
#include "reco/TrackBuilder.hpp"

namespace efgnn {

class HitExchange {
 public:
  struct Config {
    // Errors [mm] weighing each hit in a track's fit: across the track in the transverse plane,
    // and across its line in (transverse length, z) for hits inside `precise_radius` (pixels)
    // and outside it (strips, measuring z or radius coarsely).
    float sigma_transverse = 0.1f;
    float sigma_longitudinal_inner = 0.1f;
    float sigma_longitudinal_outer = 2.f;
    float precise_radius = 200.f;
    std::size_t min_hits = 4;  // shortest track fitted (three transverse parameters)
    float good_chi2_per_dof = 3.f;
    // tails: two tracks that both fit this well keep their tails
    float well_fitted_chi2_per_dof = 1.f;
    // swap: hits of two tracks closer than this [mm] may change places. Within a jet core
    // particles run a fraction of a millimetre to a few apart; layers are 40 mm or more apart.
    float pair_distance = 5.f;
    // tails: over the edges given to apply (the walk's), a track may run into another's tail
    bool exchange_tails = true;
    // join: the joined track's chi-square per degree of freedom at most this (0: no joins); two
    // pieces without an edge between them, each at least join_min_hits long (the outer one
    // join_short_hits where the joined track is straight, below), may be this far
    // apart [mm] (0: only over edges), about two layers of the strip barrels. Shorter pieces
    // of two low-pT particles (4 + 4 hits) can fit one helix.
    float join_chi2_per_dof = 1.f;
    float join_distance = 600.f;
    std::size_t join_min_hits = 5;
    // extend: a hit no track holds is added at a track's end over an edge if the track's
    // chi-square grows by at most this (two measurements; 0: no extension)
    float extend_chi2 = 9.f;
    // Tracks bending less than this radius [mm] (5 m: pT above 3 GeV in a 2 T field) are straight:
    // their fit is trusted beyond the rules above (0: never). Two poor straight tracks trade hits
    // on their summed chi-square alone (swap, tails), and a piece as short as join_short_hits
    // joins a long one without an edge where the joined track is straight. Below it, multiple
    // scattering, which the fit's errors leave out, makes genuine tracks fit poorly too, and the
    // chi-square does not say which hits are whose.
    float straight_radius = 5000.f;
    std::size_t join_short_hits = 3;
    // rebuild: a poorly fitted straight track and the straight tracks close to it over
    // core_close_hits of its hits (and to them, up to rebuild_max_tracks; larger groups are left
    // alone) are built again from their pooled hits, kept if as many tracks come out, no more
    // hits are left out than there are tracks, and the summed chi-square, with extend_chi2 for
    // each hit left out, falls. Hits sorted by distance from the origin start a new layer where
    // the distance jumps by more than station_gap [mm]; a seed helix takes a layer's hit within
    // rebuild_window errors.
    bool rebuild_cores = true;
    std::size_t rebuild_max_tracks = 12;
    std::size_t core_close_hits = 3;  // a group track's hits within pair_distance of a track's
    float station_gap = 20.f;
    float rebuild_window = 10.f;
    int max_passes = 3;  // of all the moves, until nothing changes
  };
  explicit HitExchange(Config config) : config_(config) {}
  /// Applies the moves to `tracks` (ordered outward, as the builders give them; node indices of
  /// `graph`, whose positions are in mm) in place; tails and joins follow the edges in `out`
  /// (the builder's, outwardEdges). Returns how many moves were made; nothing without positions.
  std::size_t apply(std::vector<Track>& tracks, const ScoredGraph& graph, const OutwardEdges& out) const;
  /// A helix through the hits (circle in the transverse plane, line in transverse length and z):
  /// its chi-square and the circle's curvature [1/mm]; NaN for fewer than min_hits or hits too
  /// close to fit. Where the transverse chi-square alone reaches `bound`, the longitudinal fit is
  /// left out: the chi-square returned is then at least `bound`, not the whole fit's.
  struct HelixFit {
    double chi2, curvature;
  };
  HelixFit fit(const Track& hits, const std::vector<float>& positions,
               double bound = std::numeric_limits<double>::infinity()) const;
  double chiSquare(const Track& hits, const std::vector<float>& positions) const { return fit(hits, positions).chi2; }
  static double degreesOfFreedom(std::size_t hits);

 private:
  /// What the moves know of each track: its chi-square, computed when first asked for after the
  /// track last changed, and whether it changed in the pass before (a move between two tracks
  /// that neither changed since it was last tried would be refused again) or in this one.
  class TrackStates {
   public:
    TrackStates(const HitExchange& exchange, const std::vector<Track>& tracks, const std::vector<float>& positions)
        : exchange_(exchange), tracks_(tracks), positions_(positions), chi2_(tracks.size()),
          known_(tracks.size(), 0), before_(tracks.size(), 1), now_(tracks.size(), 0) {}
    double chiSquare(std::uint32_t t);
    bool changedBefore(std::uint32_t t) const { return before_[t]; }
    bool eitherChangedBefore(std::uint32_t a, std::uint32_t b) const { return before_[a] || before_[b]; }
    void changed(std::uint32_t t);
    void changed(std::uint32_t a, std::uint32_t b) { changed(a), changed(b); }
    void nextPass();

   private:
    const HitExchange& exchange_;
    const std::vector<Track>& tracks_;
    const std::vector<float>& positions_;
    std::vector<double> chi2_;
    std::vector<char> known_, before_, now_;
  };
  bool good(double chi2, std::size_t hits) const;  // within good_chi2_per_dof
  bool wellFitted(double chi2, std::size_t hits) const;
  bool straight(double curvature) const;  // bends less than straight_radius (curvature in 1/mm)
  /// The error of a hit at position p across its track's line in (transverse length, z).
  float sigmaLongitudinal(const float* p) const {
    return std::hypot(p[0], p[1]) < config_.precise_radius ? config_.sigma_longitudinal_inner
                                                           : config_.sigma_longitudinal_outer;
  }
  /// A piece too short to fit whose first, middle and last hits bend less than straight_radius:
  /// at high pile-up most 3-hit pieces are curved, and trying each for a join costs.
  bool straightPiece(const Track& piece, const std::vector<float>& positions) const;
  std::size_t swapStretches(std::vector<Track>& tracks, const std::vector<float>& positions, TrackStates& states) const;
  std::size_t exchangeTails(std::vector<Track>& tracks, const ScoredGraph& graph, const OutwardEdges& out,
                            TrackStates& states) const;
  std::size_t joinPieces(std::vector<Track>& tracks, const ScoredGraph& graph, const OutwardEdges& out,
                         TrackStates& states) const;
  /// The groups of tracks that rebuild takes up (indices into tracks).
  std::vector<std::vector<std::uint32_t>> coreGroups(const std::vector<Track>& tracks,
                                                     const std::vector<float>& positions, TrackStates& states) const;
  std::size_t rebuildCores(std::vector<Track>& tracks, const std::vector<float>& positions, TrackStates& states) const;
  using InwardEdges = std::vector<std::vector<std::uint32_t>>;  // per hit, the hits with an edge into it
  std::size_t extendEnds(std::vector<Track>& tracks, const ScoredGraph& graph, const OutwardEdges& out,
                         const InwardEdges& inward, TrackStates& states) const;
  /// Whether tracks a and b (before: their chi-squares) may replace the tracks before, their
  /// summed chi-square (`after`) also falling below `bound` (the caller's best so far).
  bool accepts(double before_a, double before_b, const Track& a, const Track& b, const std::vector<float>& positions,
               double bound, double& after) const;
  Config config_;
};

}  // namespace efgnn

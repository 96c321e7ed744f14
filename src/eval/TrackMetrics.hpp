#pragma once
// Track-level performance (REFERENCE.md section 5): tracks matched to particles, "ATLAS"
// (one-way: more than half of the track's hits are one particle's) or two-way / double
// majority (also more than half of that particle's hits are on the track); track efficiency
// for target particles, fake and duplicate rates, overall, per event and binned in the
// particle's pT and eta, with binomial uncertainties.
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "core/Graph.hpp"
#include "core/Json.hpp"
#include "graph/GraphStatistics.hpp"
#include "reco/TrackBuilder.hpp"

namespace efgnn {

struct TrackMatchingConfig {
  std::size_t min_track_hits = 5;  // shorter tracks are not counted (reference evaluation)
  bool two_way = true;             // double majority; false: one-way ("ATLAS")
  // Target particles with fewer hits cannot give a counted track and are left out of the
  // efficiency ("reconstructable" particles, as ACORN's min_particle_length).
  std::size_t min_particle_hits = 5;
};

/// The particle a track matches, if any.
struct TrackMatch {
  std::uint64_t particle_id = 0;  // the majority particle (0: none, or noise)
  std::size_t shared_hits = 0;    // its hits on the track
  bool matched = false;
};

/// Matches one track: `node_particle` gives each node's particle (0 for noise), `particle_hits`
/// the particle's total number of hits (for the two-way condition; 0 if unknown).
TrackMatch matchTrack(const Track& track, const std::vector<std::uint64_t>& node_particle,
                      const std::function<std::int32_t(std::uint64_t)>& particle_hits, const TrackMatchingConfig& config);

struct EventTrackMetrics {
  std::uint64_t event_id = 0;
  double tracks = 0, matched_tracks = 0, target_particles = 0, matched_target_particles = 0;
  double matched_particles = 0, matched_pairs = 0;  // distinct particles matched; track-particle pairs
  double efficiency() const { return target_particles > 0 ? matched_target_particles / target_particles : 0; }
  double fakeRate() const { return tracks > 0 ? 1 - matched_tracks / tracks : 0; }
  double duplicateRate() const { return matched_particles > 0 ? (matched_pairs - matched_particles) / matched_particles : 0; }
};

/// Why a target particle was not found, judged in this order from its true edges in the graph
/// (edges whose ends are consecutive hits of it): `graph`: even all of them do not join enough of
/// its hits into one piece for a matched track; `score`: they do, but not those scored above the
/// edge cut; `builder`: the scored edges were there, the track builder lost it, either `merged`
/// (the track holding most of its hits is another particle's or noise) or `split` (its hits went to
/// several tracks, or one too short to count).
enum class TrackLoss { graph, score, builder_merged, builder_split };
inline constexpr TrackLoss kTrackLosses[] = {TrackLoss::graph, TrackLoss::score, TrackLoss::builder_merged,
                                             TrackLoss::builder_split};
const char* trackLossName(TrackLoss loss);

/// What a counted track that matches no particle is: a `fragment` of one particle (more than half
/// of the track's hits are its, but not more than half of the particle's: two-way matching only),
/// of a target particle or of another; `mixed` (no particle has more than half of its hits); or
/// mostly `noise`.
enum class UnmatchedTrack { fragment_of_target, fragment_of_other, mixed, noise };
inline constexpr UnmatchedTrack kUnmatchedTracks[] = {UnmatchedTrack::fragment_of_target, UnmatchedTrack::fragment_of_other,
                                                      UnmatchedTrack::mixed, UnmatchedTrack::noise};
const char* unmatchedTrackName(UnmatchedTrack kind);

class TrackMetrics {
 public:
  explicit TrackMetrics(TrackMatchingConfig config = {});
  /// Adds one event's tracks (node indices into `graph`), judged against the graph's truth.
  void add(std::uint64_t event_id, const std::vector<Track>& tracks, const Graph& graph);
  /// The same, and each target particle not found is given its cause (TrackLoss), judged with
  /// the edge scores (one per edge of `graph`) at `edge_cut`.
  void add(std::uint64_t event_id, const std::vector<Track>& tracks, const Graph& graph,
           const std::vector<float>& scores, float edge_cut);

  const std::vector<EventTrackMetrics>& events() const { return events_; }
  EventTrackMetrics totals() const { return totals_; }
  /// Value and binomial uncertainty sqrt(p (1 - p) / n).
  std::pair<double, double> efficiency() const;
  std::pair<double, double> fakeRate() const;
  /// Duplicate rate and its uncertainty from the count of duplicates (Poisson).
  std::pair<double, double> duplicateRate() const;
  Json json() const;

  BinnedEfficiency efficiency_vs_pt, efficiency_vs_eta;  // target particles matched
  // Versus the track's eta (its middle hit's; needs the graph's "eta" node feature): counted
  // tracks that are fakes, and matched tracks that are duplicates (all but the one sharing most
  // hits with its particle).
  BinnedEfficiency fake_rate_vs_eta, duplicate_rate_vs_eta;
  // Target particles not found, per cause (TrackLoss order), in the bins of efficiency_vs_pt;
  // empty until an event is added with scores.
  std::vector<std::vector<double>> lost_vs_pt;
  std::vector<double> lost;  // per cause, all pT
  double unmatched[std::size(kUnmatchedTracks)] = {};  // counted tracks matching no particle, per kind

 private:
  void addEvent(std::uint64_t event_id, const std::vector<Track>& tracks, const Graph& graph,
                const std::vector<float>* scores, float edge_cut);
  TrackMatchingConfig config_;
  std::vector<EventTrackMetrics> events_;
  EventTrackMetrics totals_;
};

}  // namespace efgnn

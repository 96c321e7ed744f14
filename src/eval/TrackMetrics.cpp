#include "eval/TrackMetrics.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "core/Error.hpp"
#include "reco/ConnectedComponents.hpp"

namespace efgnn {

TrackMatch matchTrack(const Track& track, const std::vector<std::uint64_t>& node_particle,
                      const std::function<std::int32_t(std::uint64_t)>& particle_hits,
                      const TrackMatchingConfig& config) {
  std::map<std::uint64_t, std::size_t> counts;  // ordered: ties go to the smaller particle id
  for (const auto n : track) {
    if (n >= node_particle.size()) throw Error("track hit " + std::to_string(n) + " is not a node of the graph");
    if (node_particle[n] != 0) ++counts[node_particle[n]];
  }
  TrackMatch m;
  for (const auto& [particle, count] : counts)
    if (count > m.shared_hits) {
      m.particle_id = particle;
      m.shared_hits = count;
    }
  if (m.particle_id == 0) return m;
  m.matched = 2 * m.shared_hits > track.size();
  if (config.two_way) {
    const auto total = particle_hits(m.particle_id);
    m.matched = m.matched && total > 0 && 2 * m.shared_hits > static_cast<std::size_t>(total);
  }
  return m;
}

TrackMetrics::TrackMetrics(TrackMatchingConfig config)
    : efficiency_vs_pt({1, 1.5, 2, 3, 5, 10, 20, 50, 100}),
      efficiency_vs_eta({-4, -3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 4}),
      fake_rate_vs_eta(efficiency_vs_eta.edges),
      duplicate_rate_vs_eta(efficiency_vs_eta.edges),
      config_(config) {}

const char* trackLossName(TrackLoss loss) {
  switch (loss) {
    case TrackLoss::graph: return "graph";
    case TrackLoss::score: return "score";
    case TrackLoss::builder_merged: return "builder_merged";
    case TrackLoss::builder_split: return "builder_split";
  }
  return "?";
}

const char* unmatchedTrackName(UnmatchedTrack kind) {
  switch (kind) {
    case UnmatchedTrack::fragment_of_target: return "fragment_of_target";
    case UnmatchedTrack::fragment_of_other: return "fragment_of_other";
    case UnmatchedTrack::mixed: return "mixed";
    case UnmatchedTrack::noise: return "noise";
  }
  return "?";
}

namespace {

/// For each particle, the most of its hits that its true edges (those `use` accepts) join into
/// one connected piece.
std::unordered_map<std::uint64_t, std::size_t> largestTruePieces(const Graph& graph,
                                                                const std::function<bool(std::size_t)>& use) {
  DisjointSets sets(graph.numNodes());
  for (std::size_t e = 0; e < graph.numEdges(); ++e)
    if (graph.edge_particle[e] != 0 && use(e))
      sets.unite(static_cast<std::uint32_t>(graph.src(e)), static_cast<std::uint32_t>(graph.dst(e)));
  std::unordered_map<std::uint32_t, std::size_t> piece_size;  // by root
  for (std::size_t n = 0; n < graph.numNodes(); ++n)
    if (graph.node_particle[n] != 0) ++piece_size[sets.find(static_cast<std::uint32_t>(n))];
  std::unordered_map<std::uint64_t, std::size_t> largest;
  for (const auto& [root, size] : piece_size) {
    auto& best = largest[graph.node_particle[root]];
    best = std::max(best, size);
  }
  return largest;
}

/// Whether a piece of `piece` hits of a particle of `nhits` could make a matched track.
bool enoughForATrack(std::size_t piece, std::int32_t nhits, const TrackMatchingConfig& config) {
  return piece >= config.min_track_hits && (!config.two_way || 2 * piece > static_cast<std::size_t>(nhits));
}

TrackLoss lossOf(const GraphParticle& p, const std::vector<Track>& tracks, const std::vector<std::uint64_t>& node_particle,
                 std::size_t piece_in_graph, std::size_t piece_above_cut, const TrackMatchingConfig& config) {
  if (!enoughForATrack(piece_in_graph, p.nhits, config)) return TrackLoss::graph;
  if (!enoughForATrack(piece_above_cut, p.nhits, config)) return TrackLoss::score;
  const Track* holder = nullptr;  // the track with most of the particle's hits
  std::size_t most = 0;
  for (const auto& t : tracks) {
    const auto mine = static_cast<std::size_t>(
        std::count_if(t.begin(), t.end(), [&](std::uint32_t n) { return node_particle[n] == p.particle_id; }));
    if (mine > most) {
      most = mine;
      holder = &t;
    }
  }
  if (holder && 2 * most <= holder->size()) return TrackLoss::builder_merged;
  return TrackLoss::builder_split;
}

}  // namespace

void TrackMetrics::add(std::uint64_t event_id, const std::vector<Track>& tracks, const Graph& graph) {
  addEvent(event_id, tracks, graph, nullptr, 0);
}

void TrackMetrics::add(std::uint64_t event_id, const std::vector<Track>& tracks, const Graph& graph,
                       const std::vector<float>& scores, float edge_cut) {
  if (scores.size() != graph.numEdges())
    throw Error("track losses: " + std::to_string(scores.size()) + " scores for " + std::to_string(graph.numEdges()) +
                " edges of event " + std::to_string(event_id));
  addEvent(event_id, tracks, graph, &scores, edge_cut);
}

void TrackMetrics::addEvent(std::uint64_t event_id, const std::vector<Track>& tracks, const Graph& graph,
                            const std::vector<float>* scores, float edge_cut) {
  std::unordered_map<std::uint64_t, const GraphParticle*> particles;
  for (const auto& p : graph.particles) particles[p.particle_id] = &p;
  const auto hits_of = [&](std::uint64_t id) {
    const auto it = particles.find(id);
    return it == particles.end() ? 0 : it->second->nhits;
  };
  std::size_t eta_column = graph.numNodeFeatures();
  for (std::size_t c = 0; c < graph.node_feature_names.size(); ++c)
    if (graph.node_feature_names[c] == "eta") eta_column = c;
  const auto eta_of = [&](const Track& t) { return graph.x[t[t.size() / 2] * graph.numNodeFeatures() + eta_column]; };
  const bool have_eta = eta_column < graph.numNodeFeatures();

  EventTrackMetrics e;
  e.event_id = event_id;
  std::map<std::uint64_t, int> matches;  // particle -> matched tracks
  // particle -> (shared hits, eta) of its matched tracks, for the duplicates versus eta
  std::map<std::uint64_t, std::vector<std::pair<std::size_t, double>>> matched_tracks;
  for (const auto& t : tracks) {
    if (t.size() < config_.min_track_hits) continue;
    e.tracks += 1;
    const TrackMatch m = matchTrack(t, graph.node_particle, hits_of, config_);
    if (have_eta) fake_rate_vs_eta.add(eta_of(t), !m.matched);
    if (!m.matched) {
      UnmatchedTrack kind = UnmatchedTrack::mixed;
      const auto noise = std::count_if(t.begin(), t.end(), [&](std::uint32_t n) { return graph.node_particle[n] == 0; });
      if (2 * static_cast<std::size_t>(noise) > t.size()) kind = UnmatchedTrack::noise;
      else if (m.particle_id != 0 && 2 * m.shared_hits > t.size())
        kind = particles.count(m.particle_id) && particles.at(m.particle_id)->target ? UnmatchedTrack::fragment_of_target
                                                                                      : UnmatchedTrack::fragment_of_other;
      unmatched[static_cast<std::size_t>(kind)] += 1;
      continue;
    }
    e.matched_tracks += 1;
    ++matches[m.particle_id];
    if (have_eta) matched_tracks[m.particle_id].emplace_back(m.shared_hits, eta_of(t));
  }
  for (auto& [particle, list] : matched_tracks) {
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < list.size(); ++i) duplicate_rate_vs_eta.add(list[i].second, i > 0);
  }
  e.matched_particles = static_cast<double>(matches.size());
  for (const auto& [particle, n] : matches) e.matched_pairs += n;
  std::unordered_map<std::uint64_t, std::size_t> in_graph, above_cut;
  if (scores) {
    in_graph = largestTruePieces(graph, [](std::size_t) { return true; });
    above_cut = largestTruePieces(graph, [&](std::size_t k) { return (*scores)[k] > edge_cut; });
    lost_vs_pt.resize(std::size(kTrackLosses), std::vector<double>(efficiency_vs_pt.total.size(), 0.0));
    lost.resize(std::size(kTrackLosses), 0.0);
  }
  for (const auto& p : graph.particles) {
    if (!p.target || p.nhits < static_cast<std::int32_t>(config_.min_particle_hits)) continue;
    const bool found = matches.count(p.particle_id) > 0;
    e.target_particles += 1;
    e.matched_target_particles += found;
    efficiency_vs_pt.add(p.pt, found);
    efficiency_vs_eta.add(p.eta, found);
    if (!found && scores) {
      const auto loss = lossOf(p, tracks, graph.node_particle, in_graph[p.particle_id], above_cut[p.particle_id], config_);
      lost[static_cast<std::size_t>(loss)] += 1;
      if (const auto bin = efficiency_vs_pt.binOf(p.pt)) lost_vs_pt[static_cast<std::size_t>(loss)][*bin] += 1;
    }
  }
  events_.push_back(e);
  totals_.tracks += e.tracks;
  totals_.matched_tracks += e.matched_tracks;
  totals_.target_particles += e.target_particles;
  totals_.matched_target_particles += e.matched_target_particles;
  totals_.matched_particles += e.matched_particles;
  totals_.matched_pairs += e.matched_pairs;
}

namespace {
std::pair<double, double> binomial(double p, double n) {
  return {p, n > 0 ? std::sqrt(std::max(0.0, p * (1 - p)) / n) : 0.0};
}
}  // namespace

std::pair<double, double> TrackMetrics::efficiency() const {
  return binomial(totals_.efficiency(), totals_.target_particles);
}

std::pair<double, double> TrackMetrics::fakeRate() const { return binomial(totals_.fakeRate(), totals_.tracks); }

std::pair<double, double> TrackMetrics::duplicateRate() const {
  const double duplicates = totals_.matched_pairs - totals_.matched_particles;
  const double n = totals_.matched_particles;
  return {totals_.duplicateRate(), n > 0 ? std::sqrt(duplicates) / n : 0.0};
}

Json TrackMetrics::json() const {
  Json j = Json::object();
  j["matching"] = config_.two_way ? "two-way" : "one-way";
  j["min_track_hits"] = config_.min_track_hits;
  j["min_particle_hits"] = config_.min_particle_hits;
  j["events"] = events_.size();
  j["tracks"] = totals_.tracks;
  j["target_particles"] = totals_.target_particles;
  for (const auto& [key, value] : {std::pair{"track_efficiency", efficiency()}, std::pair{"fake_rate", fakeRate()},
                                   std::pair{"duplicate_rate", duplicateRate()}}) {
    j[key] = value.first;
    j[std::string(key) + "_error"] = value.second;
  }
  Json kinds = Json::object();
  for (const auto kind : kUnmatchedTracks) kinds[unmatchedTrackName(kind)] = unmatched[static_cast<std::size_t>(kind)];
  j["unmatched_tracks"] = kinds;
  j["efficiency_vs_pt"] = efficiency_vs_pt.json();
  j["efficiency_vs_eta"] = efficiency_vs_eta.json();
  j["fake_rate_vs_eta"] = fake_rate_vs_eta.json();
  j["duplicate_rate_vs_eta"] = duplicate_rate_vs_eta.json();
  Json per_event = Json::array();
  for (const auto& e : events_) {
    Json row = Json::object();
    row["event_id"] = e.event_id;
    row["tracks"] = e.tracks;
    row["track_efficiency"] = e.efficiency();
    row["fake_rate"] = e.fakeRate();
    row["duplicate_rate"] = e.duplicateRate();
    per_event.push_back(row);
  }
  j["per_event"] = per_event;
  if (!lost.empty()) {  // only when the events came with scores
    Json losses = Json::object();
    for (const auto loss : kTrackLosses) {
      Json bins = Json::array();
      const auto& counts = lost_vs_pt[static_cast<std::size_t>(loss)];
      for (std::size_t b = 0; b < counts.size(); ++b) {
        Json bin = Json::object();
        bin["lo"] = efficiency_vs_pt.edges[b];
        bin["hi"] = efficiency_vs_pt.edges[b + 1];
        bin["lost"] = counts[b];
        bins.push_back(bin);
      }
      Json entry = Json::object();
      entry["lost"] = lost[static_cast<std::size_t>(loss)];
      entry["vs_pt"] = bins;
      losses[trackLossName(loss)] = entry;
    }
    j["lost_target_particles"] = losses;
  }
  return j;
}

}  // namespace efgnn

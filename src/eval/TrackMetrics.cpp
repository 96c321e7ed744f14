#include "eval/TrackMetrics.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "core/Error.hpp"

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

void TrackMetrics::add(std::uint64_t event_id, const std::vector<Track>& tracks, const Graph& graph) {
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
    if (!m.matched) continue;
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
  for (const auto& p : graph.particles) {
    if (!p.target || p.nhits < static_cast<std::int32_t>(config_.min_particle_hits)) continue;
    const bool found = matches.count(p.particle_id) > 0;
    e.target_particles += 1;
    e.matched_target_particles += found;
    efficiency_vs_pt.add(p.pt, found);
    efficiency_vs_eta.add(p.eta, found);
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
  return j;
}

}  // namespace efgnn

#include "graph/TruthGraph.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/Pdg.hpp"

namespace efgnn {

bool TargetSelection::isTarget(const Particle& p) const {
  if (p.charge == 0 || p.pt() < min_pt || p.nhits < min_hits) return false;
  if (primary_only && !p.primary) return false;
  if (exclude_electrons && std::abs(p.pdg) == pdg::kElectron) return false;
  return std::abs(p.eta()) <= max_abs_eta && p.productionRadius() < max_production_radius;
}

std::vector<ParticleTrack> particleTracks(const Event& event) {
  std::vector<ParticleTrack> tracks;
  if (!event.hasTruth()) return tracks;
  std::unordered_map<std::uint64_t, const Particle*> particles;
  for (const auto& p : event.particles) particles[p.particle_id] = &p;

  std::vector<std::uint32_t> order;
  for (std::uint32_t i = 0; i < event.hits.size(); ++i)
    if (event.truth[i].particle_id) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) {
    return event.truth[a].particle_id < event.truth[b].particle_id;
  });

  std::vector<std::pair<double, std::uint32_t>> by_distance;
  for (std::size_t begin = 0; begin < order.size();) {
    const std::uint64_t pid = event.truth[order[begin]].particle_id;
    std::size_t end = begin;
    while (end < order.size() && event.truth[order[end]].particle_id == pid) ++end;
    // Distance of the true hit position from the production vertex (the origin when the
    // particle list lacks the particle).
    const auto it = particles.find(pid);
    const Vec3 vertex = it != particles.end() ? it->second->vertex : Vec3{};
    by_distance.clear();
    for (std::size_t k = begin; k < end; ++k) {
      const auto& t = event.truth[order[k]];
      const double dx = t.tx - vertex.x, dy = t.ty - vertex.y, dz = t.tz - vertex.z;
      by_distance.emplace_back(dx * dx + dy * dy + dz * dz, order[k]);
    }
    std::sort(by_distance.begin(), by_distance.end());
    ParticleTrack track;
    track.particle_id = pid;
    for (std::size_t k = 0; k < by_distance.size(); ++k) {
      const auto& h = event.hits[by_distance[k].second];
      const bool same_module = k > 0 && [&] {
        const auto& p = event.hits[by_distance[k - 1].second];
        return p.volume_id == h.volume_id && p.layer_id == h.layer_id && p.module_id == h.module_id;
      }();
      if (!same_module) track.group_start.push_back(static_cast<std::uint32_t>(k));
      track.hits.push_back(by_distance[k].second);
    }
    track.group_start.push_back(static_cast<std::uint32_t>(track.hits.size()));
    tracks.push_back(std::move(track));
    begin = end;
  }
  return tracks;
}

std::vector<TruthEdge> buildTruthEdges(const Event& event) {
  std::vector<TruthEdge> edges;
  for (const ParticleTrack& t : particleTracks(event))
    for (std::size_t g = 0; g + 1 < t.numGroups(); ++g)
      for (auto a = t.group_start[g]; a < t.group_start[g + 1]; ++a)
        for (auto b = t.group_start[g + 1]; b < t.group_start[g + 2]; ++b)
          edges.push_back({t.hits[a], t.hits[b], t.particle_id});
  return edges;
}

}  // namespace efgnn

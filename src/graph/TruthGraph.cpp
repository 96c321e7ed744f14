#include "graph/TruthGraph.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/Pdg.hpp"

namespace efgnn {

bool TargetSelection::isTarget(const Particle& p) const {
  if (p.charge == 0 || p.pt() < min_pt || p.nhits < min_hits) return false;
  if (primary_only && !p.primary) return false;
  if (exclude_electrons && std::abs(p.pdg) == pdg::kElectron) return false;
  return std::abs(p.eta()) <= max_abs_eta && p.productionRadius() < max_production_radius;
}

namespace {

/// The particles of an event by id, the last of equal ids winning (as assigning into a map
/// would); sorted, for binary search.
std::vector<std::pair<std::uint64_t, const Particle*>> particlesById(const Event& event) {
  std::vector<std::pair<std::uint64_t, const Particle*>> byId;
  byId.reserve(event.particles.size());
  for (const auto& p : event.particles) byId.emplace_back(p.particle_id, &p);
  const auto less = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(byId.begin(), byId.end(), less)) std::stable_sort(byId.begin(), byId.end(), less);
  // Of equal ids keep the last.
  std::size_t out = 0;
  for (std::size_t i = 0; i < byId.size(); ++i) {
    if (i + 1 < byId.size() && byId[i + 1].first == byId[i].first) continue;
    byId[out++] = byId[i];
  }
  byId.resize(out);
  return byId;
}

/// Sorts (particle id, hit index) pairs that come in hit order by particle id, keeping hit
/// order among equal ids: the same as sorting the pairs, faster (a stable radix sort on the
/// id, 16 bits at a time, skipping the digits that all ids share).
void sortByParticle(std::vector<std::pair<std::uint64_t, std::uint32_t>>& v) {
  if (v.size() < 2) return;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> buffer(v.size());
  std::vector<std::uint32_t> count(1 << 16);
  for (int shift = 0; shift < 64; shift += 16) {
    const auto digit = [shift](std::uint64_t id) { return static_cast<std::uint32_t>(id >> shift) & 0xffff; };
    std::fill(count.begin(), count.end(), 0);
    for (const auto& x : v) ++count[digit(x.first)];
    if (count[digit(v[0].first)] == v.size()) continue;  // all ids share this digit
    std::uint32_t sum = 0;
    for (auto& c : count) sum += std::exchange(c, sum);
    for (const auto& x : v) buffer[count[digit(x.first)]++] = x;
    v.swap(buffer);
  }
}

}  // namespace

std::vector<ParticleTrack> particleTracks(const Event& event) {
  std::vector<ParticleTrack> tracks;
  if (!event.hasTruth()) return tracks;
  const auto particles = particlesById(event);

  // Hits with a particle by (particle id, hit index).
  std::vector<std::pair<std::uint64_t, std::uint32_t>> order;
  order.reserve(event.hits.size());
  for (std::uint32_t i = 0; i < event.hits.size(); ++i)
    if (event.truth[i].particle_id) order.emplace_back(event.truth[i].particle_id, i);
  sortByParticle(order);
  // What the tracks are made of, gathered in that order in one pass (independent loads).
  struct HitOnTrack {
    float tx, ty, tz;
    std::int32_t volume_id, layer_id, module_id;
  };
  std::vector<HitOnTrack> on_track(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const HitTruth& t = event.truth[order[k].second];
    const SpacePoint& h = event.hits[order[k].second];
    on_track[k] = {t.tx, t.ty, t.tz, h.volume_id, h.layer_id, h.module_id};
  }

  struct ByDistance {
    double distance;
    std::uint32_t hit, k;  // hit index, position in order
    bool operator<(const ByDistance& o) const {  // as std::pair (distance, hit)
      return distance < o.distance || (!(o.distance < distance) && hit < o.hit);
    }
  };
  std::vector<ByDistance> by_distance;
  auto particle = particles.begin();
  for (std::size_t begin = 0; begin < order.size();) {
    const std::uint64_t pid = order[begin].first;
    std::size_t end = begin;
    while (end < order.size() && order[end].first == pid) ++end;
    // Distance of the true hit position from the production vertex (the origin when the
    // particle list lacks the particle). Particle ids increase, so the search moves forward.
    particle = std::lower_bound(particle, particles.end(), pid,
                                [](const auto& p, std::uint64_t id) { return p.first < id; });
    const Vec3 vertex = particle != particles.end() && particle->first == pid ? particle->second->vertex : Vec3{};
    by_distance.clear();
    for (std::size_t k = begin; k < end; ++k) {
      const HitOnTrack& t = on_track[k];
      const double dx = t.tx - vertex.x, dy = t.ty - vertex.y, dz = t.tz - vertex.z;
      by_distance.push_back({dx * dx + dy * dy + dz * dz, order[k].second, static_cast<std::uint32_t>(k)});
    }
    std::sort(by_distance.begin(), by_distance.end());
    ParticleTrack track;
    track.particle_id = pid;
    track.hits.reserve(by_distance.size());
    track.group_start.reserve(by_distance.size() + 1);
    for (std::size_t k = 0; k < by_distance.size(); ++k) {
      const HitOnTrack& h = on_track[by_distance[k].k];
      const bool same_module = k > 0 && [&] {
        const HitOnTrack& p = on_track[by_distance[k - 1].k];
        return p.volume_id == h.volume_id && p.layer_id == h.layer_id && p.module_id == h.module_id;
      }();
      if (!same_module) track.group_start.push_back(static_cast<std::uint32_t>(k));
      track.hits.push_back(by_distance[k].hit);
    }
    track.group_start.push_back(static_cast<std::uint32_t>(track.hits.size()));
    tracks.push_back(std::move(track));
    begin = end;
  }
  return tracks;
}

std::vector<TruthEdge> buildTruthEdges(const Event& event) {
  std::vector<TruthEdge> edges;
  const std::vector<ParticleTrack> tracks = particleTracks(event);
  std::size_t n = 0;
  for (const ParticleTrack& t : tracks)
    for (std::size_t g = 0; g + 1 < t.numGroups(); ++g)
      n += std::size_t(t.group_start[g + 1] - t.group_start[g]) * (t.group_start[g + 2] - t.group_start[g + 1]);
  edges.reserve(n);
  for (const ParticleTrack& t : tracks)
    for (std::size_t g = 0; g + 1 < t.numGroups(); ++g)
      for (auto a = t.group_start[g]; a < t.group_start[g + 1]; ++a)
        for (auto b = t.group_start[g + 1]; b < t.group_start[g + 2]; ++b)
          edges.push_back({t.hits[a], t.hits[b], t.particle_id});
  return edges;
}

}  // namespace efgnn

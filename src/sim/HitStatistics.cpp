#include "sim/HitStatistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <unordered_map>

#include "core/Error.hpp"

namespace efgnn {
namespace {

/// Running mean with its standard error.
struct Mean {
  double n = 0, sum = 0, sum2 = 0;
  void add(double x) {
    n += 1;
    sum += x;
    sum2 += x * x;
  }
  HitStatistics::Value value() const {
    if (n == 0) return {};
    const double mean = sum / n, var = std::max(0.0, sum2 / n - mean * mean);
    return {mean, n > 1 ? std::sqrt(var / (n - 1)) : 0.0, n};
  }
};

HitStatistics::Value fraction(double k, double n) {
  if (n == 0) return {};
  const double f = k / n;
  return {f, std::sqrt(std::max(f * (1 - f), 1.0 / n) / n), n};
}

}  // namespace

HitStatistics computeHitStatistics(const std::vector<Event>& events) {
  HitStatistics s;
  std::array<Mean, HitStatistics::kPtEdges.size() - 1> vs_pt;
  std::array<Mean, HitStatistics::kEtaBins> vs_eta;
  std::map<std::int32_t, double> volumes;
  std::map<std::pair<std::int32_t, std::int32_t>, double> layers;
  double hits = 0, noise = 0, particles = 0, overlapping = 0;
  for (const Event& e : events) {
    if (!e.hasTruth()) throw Error("event " + std::to_string(e.event_id) + ": hit statistics need truth");
    std::unordered_map<std::uint64_t, const Particle*> by_id;
    for (const Particle& p : e.particles) by_id[p.particle_id] = &p;
    std::unordered_map<std::uint64_t, std::map<std::pair<std::int32_t, std::int32_t>, int>> per_particle;
    for (std::size_t i = 0; i < e.hits.size(); ++i) {
      const SpacePoint& h = e.hits[i];
      hits += 1;
      volumes[h.volume_id] += 1;
      layers[{h.volume_id, h.layer_id}] += 1;
      if (e.truth[i].particle_id == 0) noise += 1;
      else ++per_particle[e.truth[i].particle_id][{h.volume_id, h.layer_id}];
    }
    // Particles in a fixed order, so that the sums do not depend on the hash map's.
    std::vector<std::uint64_t> ids;
    ids.reserve(per_particle.size());
    for (const auto& [id, unused] : per_particle) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (const auto id : ids) {
      const auto& on_layers = per_particle[id];
      int n = 0;
      bool overlap = false;
      for (const auto& [layer, k] : on_layers) {
        n += k;
        overlap = overlap || k >= 2;
      }
      particles += 1;
      overlapping += overlap;
      const auto it = by_id.find(id);
      if (it == by_id.end()) continue;  // truth without a particles file: no kinematics
      const double pt = it->second->pt(), eta = std::abs(it->second->eta());
      for (std::size_t b = 0; b + 1 < HitStatistics::kPtEdges.size(); ++b)
        if (pt >= HitStatistics::kPtEdges[b] && pt < HitStatistics::kPtEdges[b + 1]) vs_pt[b].add(n);
      vs_eta[std::min(HitStatistics::kEtaBins - 1, static_cast<int>(eta))].add(n);
    }
  }
  for (std::size_t b = 0; b < vs_pt.size(); ++b) s.hits_per_particle_vs_pt[b] = vs_pt[b].value();
  for (int b = 0; b < HitStatistics::kEtaBins; ++b) s.hits_per_particle_vs_eta[b] = vs_eta[b].value();
  for (const auto& [v, n] : volumes) s.volume_fraction[v] = fraction(n, hits);
  for (const auto& [l, n] : layers) s.layer_fraction[l] = fraction(n, hits);
  s.overlap_fraction = fraction(overlapping, particles);
  s.noise_fraction = fraction(noise, hits);
  s.hits = hits;
  return s;
}

std::vector<CalibrationCheck> compareHitStatistics(const HitStatistics& sim, const HitStatistics& ref) {
  std::vector<CalibrationCheck> checks;
  // `relative`: the systematic allowance as a fraction of the reference value.
  const auto add = [&](const std::string& name, const HitStatistics::Value& a, const HitStatistics::Value& b,
                       double relative) {
    if (b.count == 0) return;  // nothing in the reference to compare with
    const double sigma = std::hypot(a.error, b.error);
    checks.push_back({name, a.value, b.value, 3 * sigma + relative * std::abs(b.value), false});
  };
  char name[96];
  for (std::size_t b = 0; b + 1 < HitStatistics::kPtEdges.size(); ++b) {
    if (b + 2 < HitStatistics::kPtEdges.size())
      std::snprintf(name, sizeof name, "hits per particle, %g <= pT < %g GeV", HitStatistics::kPtEdges[b],
                    HitStatistics::kPtEdges[b + 1]);
    else
      std::snprintf(name, sizeof name, "hits per particle, pT >= %g GeV", HitStatistics::kPtEdges[b]);
    add(name, sim.hits_per_particle_vs_pt[b], ref.hits_per_particle_vs_pt[b], 0.05);
  }
  for (int b = 0; b < HitStatistics::kEtaBins; ++b) {
    std::snprintf(name, sizeof name, "hits per particle, %d <= |eta| < %d", b, b + 1);
    add(name, sim.hits_per_particle_vs_eta[b], ref.hits_per_particle_vs_eta[b], 0.05);
  }
  const HitStatistics::Value none{0, 0, 1};
  for (const auto& [v, f] : ref.volume_fraction) {
    std::snprintf(name, sizeof name, "fraction of hits in volume %d", v);
    const auto it = sim.volume_fraction.find(v);
    add(name, it == sim.volume_fraction.end() ? none : it->second, f, 0.1);
  }
  for (const auto& [l, f] : ref.layer_fraction) {
    std::snprintf(name, sizeof name, "fraction of hits in volume %d layer %d", l.first, l.second);
    const auto it = sim.layer_fraction.find(l);
    add(name, it == sim.layer_fraction.end() ? none : it->second, f, 0.1);
  }
  add("fraction of particles with 2+ hits on a layer", sim.overlap_fraction, ref.overlap_fraction, 0.05);
  // Shown, not checked: a thinned event (as the shared one, 548 of ~10k particles with their
  // hits) keeps an unknown share of its noise, so its noise fraction says nothing of the full
  // event's.
  if (ref.noise_fraction.count > 0) {
    CalibrationCheck noise{"fraction of noise hits", sim.noise_fraction.value, ref.noise_fraction.value, 0, false};
    noise.checked = false;
    checks.push_back(noise);
  }
  return checks;
}

}  // namespace efgnn

#include "sim/ParticleStatistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace efgnn {

ParticleStatistics computeParticleStatistics(const std::vector<std::vector<Particle>>& lists) {
  ParticleStatistics s;
  s.events = static_cast<double>(lists.size());
  std::vector<double> pts;
  double above = 0, secondary = 0, positive = 0, hits = 0;
  std::array<double, ParticleStatistics::kEtaBins> eta{};
  for (const auto& list : lists)
    for (const auto& p : list) {
      if (p.charge == 0) continue;
      const double pt = p.pt();
      pts.push_back(pt);
      above += pt > 1.0;
      secondary += p.productionRadius() > 1.0;
      positive += p.charge > 0;
      hits += p.nhits;
      const int bin = std::min(ParticleStatistics::kEtaBins - 1, static_cast<int>(std::abs(p.eta())));
      eta[bin] += 1;
    }
  const double n = static_cast<double>(pts.size());
  if (n == 0 || lists.empty()) return s;
  std::sort(pts.begin(), pts.end());
  s.particles_per_event = n / s.events;
  s.fraction_above_1gev = above / n;
  for (std::size_t i = 0; i < s.kQuantiles.size(); ++i)
    s.pt_quantiles[i] = pts[std::min(pts.size() - 1, static_cast<std::size_t>(s.kQuantiles[i] * n))];
  for (int b = 0; b < s.kEtaBins; ++b) s.eta_fractions[b] = eta[b] / n;
  s.secondary_fraction = secondary / n;
  s.positive_fraction = positive / n;
  s.hits_per_particle = hits / n;
  return s;
}

}  // namespace efgnn

namespace efgnn {

bool CalibrationCheck::passed() const {
  if (!checked) return true;
  const double allowed = relative ? tolerance * std::abs(reference) : tolerance;
  return std::abs(simulated - reference) <= allowed;
}

std::vector<CalibrationCheck> compareParticleStatistics(const ParticleStatistics& sim,
                                                        const ParticleStatistics& ref) {
  // Tolerances: a few times the event-to-event spread of a 5-event average, tight enough that a
  // wrong spectrum shape or secondary rate fails.
  std::vector<CalibrationCheck> checks;
  checks.push_back({"charged particles per event", sim.particles_per_event, ref.particles_per_event, 0.10, true});
  checks.push_back({"fraction with pT > 1 GeV", sim.fraction_above_1gev, ref.fraction_above_1gev, 0.01, false});
  for (std::size_t i = 0; i < ParticleStatistics::kQuantiles.size(); ++i) {
    const double q = ParticleStatistics::kQuantiles[i];
    char name[64];
    std::snprintf(name, sizeof name, "pT quantile %g%% [GeV]", 100 * q);
    checks.push_back({name, sim.pt_quantiles[i], ref.pt_quantiles[i], q > 0.95 ? 0.15 : 0.07, true});
  }
  for (int b = 0; b < ParticleStatistics::kEtaBins; ++b) {
    char name[64];
    std::snprintf(name, sizeof name, "fraction with %d <= |eta| < %d", b, b + 1);
    checks.push_back({name, sim.eta_fractions[b], ref.eta_fractions[b], 0.02, false});
  }
  checks.push_back({"fraction of secondaries (r0 > 1 mm)", sim.secondary_fraction, ref.secondary_fraction, 0.03, false});
  checks.push_back({"fraction positively charged", sim.positive_fraction, ref.positive_fraction, 0.02, false});
  return checks;
}

}  // namespace efgnn

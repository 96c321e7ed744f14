#include "sim/HardScatter.hpp"

#include <algorithm>
#include <cmath>

#include "core/Pdg.hpp"
#include "core/Units.hpp"
#include "sim/Kinematics.hpp"

namespace efgnn {

TtbarGenerator::TtbarGenerator(TtbarConfig config, const MinimumBiasConfig& collisions)
    : config_(config), collisions_(collisions) {}

void TtbarGenerator::addJet(const Vec3& vertex, bool b_jet, Rng& rng,
                            std::vector<Particle>& out) const {
  const auto& c = config_;
  const double eta_max = collisions_.config().eta_max;
  const double min_pt = collisions_.config().min_pt;
  const double pt = c.jet_pt_min + rng.exponential(c.jet_pt_slope);
  const double eta = std::clamp(rng.normal(0, c.jet_eta_sigma), -eta_max, eta_max);
  const Vec3 axis_p = kin::fromPtEtaPhi(pt, eta, rng.uniform(-units::pi, units::pi));
  const double energy = axis_p.norm();
  const Vec3 axis = axis_p * (1 / energy);
  const auto [e1, e2] = kin::orthonormal(axis);

  // B hadrons fly a few mm before decaying: their products start from a displaced vertex.
  Vec3 origin = vertex;
  if (b_jet) {
    const double p_b = 0.7 * energy, m_b = 5.28;
    origin = vertex + axis * rng.exponential(c.b_flight_ctau * p_b / m_b);
  }
  // Charged multiplicity grows logarithmically with jet energy; energy shared with a
  // gamma-distributed (Dirichlet) split that gives leading particles.
  const auto n = 1 + rng.poisson(2.2 * std::log(std::max(2.0, energy / 2)));
  std::vector<double> share(n);
  double sum = 0;
  for (auto& s : share) sum += (s = rng.gamma(0.6));
  for (std::uint64_t i = 0; i < n; ++i) {
    const double p_long = c.charged_energy_fraction * energy * share[i] / sum;
    const double p_rel = rng.exponential(c.pt_rel_mean);
    const double a = rng.uniform(-units::pi, units::pi);
    const Vec3 mom = axis * p_long + e1 * (p_rel * std::cos(a)) + e2 * (p_rel * std::sin(a));
    if (mom.perp() < min_pt || std::abs(mom.eta()) > eta_max) continue;
    const double u = rng.uniform();
    const int code = u < 0.75 ? pdg::kPion : u < 0.9 ? pdg::kKaon : pdg::kProton;
    Particle p;
    p.particle_id = out.size() + 1;
    p.pdg = rng.bernoulli(0.5) ? code : -code;
    p.charge = pdg::charge(p.pdg);
    p.vertex = origin;
    p.momentum = mom;
    out.push_back(p);
  }
}

std::vector<Particle> TtbarGenerator::generate(std::uint64_t, Rng& rng) const {
  std::vector<Particle> out;
  const Vec3 vertex = collisions_.sampleVertex(rng);
  // W decays: both hadronic (46%), one leptonic (44%), both leptonic (10%).
  const double u = rng.uniform();
  const int n_leptons = u < 0.46 ? 0 : u < 0.90 ? 1 : 2;
  addJet(vertex, true, rng, out);
  addJet(vertex, true, rng, out);
  for (int i = 0; i < 2 * (2 - n_leptons); ++i) addJet(vertex, false, rng, out);
  for (int i = 0; i < n_leptons; ++i) {
    const double pt = config_.lepton_pt_min + rng.exponential(config_.lepton_pt_slope);
    const double eta = std::clamp(rng.normal(0, 1.2), -2.7, 2.7);
    Particle p;
    p.particle_id = out.size() + 1;
    const int flavour = rng.bernoulli(0.5) ? pdg::kElectron : pdg::kMuon;
    p.pdg = rng.bernoulli(0.5) ? flavour : -flavour;
    p.charge = pdg::charge(p.pdg);
    p.vertex = vertex;
    p.momentum = kin::fromPtEtaPhi(pt, eta, rng.uniform(-units::pi, units::pi));
    out.push_back(p);
  }
  const auto ue = static_cast<std::uint64_t>(
      std::llround(config_.underlying_event_scale * collisions_.sampleMultiplicity(rng)));
  collisions_.generate(vertex, 0, ue, rng, out);
  for (auto& p : out) p.collision = 0;
  return out;
}

}  // namespace efgnn

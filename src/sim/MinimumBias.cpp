#include "sim/MinimumBias.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/Error.hpp"
#include "core/Pdg.hpp"
#include "core/Units.hpp"
#include "sim/Kinematics.hpp"

namespace efgnn {

TsallisSpectrum::TsallisSpectrum(double T, double n, double mass, double min_pt, double max_pt)
    : min_pt_(min_pt) {
  constexpr int kSteps = 20000;
  step_ = (max_pt - min_pt) / kSteps;
  cdf_.resize(kSteps + 1);
  double sum = 0;
  cdf_[0] = 0;
  for (int i = 1; i <= kSteps; ++i) {
    const double pt = min_pt + (i - 0.5) * step_;
    const double mt = std::sqrt(pt * pt + mass * mass);
    sum += pt * std::pow(1 + (mt - mass) / (n * T), -n);
    cdf_[i] = sum;
  }
  for (auto& c : cdf_) c /= sum;
}

double TsallisSpectrum::sample(Rng& rng) const {
  const double u = rng.uniform();
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  const std::size_t i = std::clamp<std::size_t>(it - cdf_.begin(), 1, cdf_.size() - 1);
  const double lo = cdf_[i - 1], hi = cdf_[i];
  const double frac = hi > lo ? (u - lo) / (hi - lo) : 0.5;
  return min_pt_ + (i - 1 + frac) * step_;
}

void MinimumBiasConfig::validate() const {
  if (!std::isfinite(pileup) || pileup < 0 || pileup > kMaxPileup)
  {
    char text[64];
    std::snprintf(text, sizeof text, "%g", pileup);
    throw Error("minimum bias: pileup must be a number in [0, " + std::to_string(static_cast<int>(kMaxPileup)) +
                "], got " + text);
  }
}

CollisionGenerator::CollisionGenerator(const MinimumBiasConfig& c)
    : config_(c),
      pion_(c.tsallis_T, c.tsallis_n, pdg::mass(pdg::kPion), c.min_pt),
      kaon_(c.tsallis_T, c.tsallis_n, pdg::mass(pdg::kKaon), c.min_pt),
      proton_(c.tsallis_T, c.tsallis_n, pdg::mass(pdg::kProton), c.min_pt),
      lambda_(c.tsallis_T, c.tsallis_n, pdg::mass(pdg::kLambda), c.min_pt),
      light_(c.tsallis_T, c.tsallis_n, pdg::mass(pdg::kMuon), c.min_pt) {
  c.validate();
  if (c.multiplicity_mean <= 0 || c.multiplicity_k <= 0)
    throw Error("minimum bias: multiplicity mean and k must be positive");
  if (c.kaon_fraction + c.proton_fraction + c.lepton_fraction > 1)
    throw Error("minimum bias: species fractions add up to more than 1");
}

const TsallisSpectrum& CollisionGenerator::spectrum(int pdg) const {
  switch (std::abs(pdg)) {
    case pdg::kKaon: case pdg::kK0Short: return kaon_;
    case pdg::kProton: return proton_;
    case pdg::kLambda: return lambda_;
    case pdg::kElectron: case pdg::kMuon: return light_;
    default: return pion_;
  }
}

double CollisionGenerator::sampleRapidity(Rng& rng) const {
  // Flat plateau plus Gaussian tails, by composition (areas: 2*plateau vs sqrt(2 pi) sigma).
  const double plateau = 2 * config_.y_plateau;
  const double tails = std::sqrt(2 * units::pi) * config_.y_sigma;
  const double sign = rng.bernoulli(0.5) ? 1 : -1;
  if (rng.uniform() * (plateau + tails) < plateau) return rng.uniform(-config_.y_plateau, config_.y_plateau);
  return sign * (config_.y_plateau + std::abs(rng.normal()) * config_.y_sigma);
}

void CollisionGenerator::addParticle(int pdg, const Vec3& vertex, std::uint32_t collision,
                                     Rng& rng, std::vector<Particle>& out) const {
  const double m = pdg::mass(pdg);
  const double pt = spectrum(pdg).sample(rng);
  double eta;
  do {  // the multiplicity is defined inside the acceptance, so resample outside it
    eta = kin::etaFromRapidity(sampleRapidity(rng), pt, m);
  } while (std::abs(eta) > config_.eta_max);
  Particle p;
  p.particle_id = out.size() + 1;
  p.pdg = pdg;
  p.charge = pdg::charge(pdg);
  p.vertex = vertex;
  p.momentum = kin::fromPtEtaPhi(pt, eta, rng.uniform(-units::pi, units::pi));
  p.collision = collision;
  out.push_back(p);
}

std::uint64_t CollisionGenerator::sampleMultiplicity(Rng& rng) const {
  return rng.negativeBinomial(config_.multiplicity_mean, config_.multiplicity_k);
}

Vec3 CollisionGenerator::sampleVertex(Rng& rng) const {
  return {rng.normal(0, config_.beamspot_sigma_xy), rng.normal(0, config_.beamspot_sigma_xy),
          rng.normal(0, config_.beamspot_sigma_z)};
}

void CollisionGenerator::generate(const Vec3& vertex, std::uint32_t collision,
                                  std::uint64_t n_charged, Rng& rng,
                                  std::vector<Particle>& out) const {
  const auto& c = config_;
  for (std::uint64_t i = 0; i < n_charged; ++i) {
    const double u = rng.uniform();
    const int sign = rng.bernoulli(0.5) ? 1 : -1;
    int pdg_code;
    if (u < c.kaon_fraction) pdg_code = pdg::kKaon;
    else if (u < c.kaon_fraction + c.proton_fraction) pdg_code = pdg::kProton;
    else if (u < c.kaon_fraction + c.proton_fraction + c.lepton_fraction)
      pdg_code = rng.bernoulli(0.5) ? -pdg::kElectron : -pdg::kMuon;  // negative code = positive lepton
    else pdg_code = pdg::kPion;
    addParticle(sign * pdg_code, vertex, collision, rng, out);
  }
  // Neutral pions decay at the vertex; their photons convert later in the material.
  const std::uint64_t n_pi0 = rng.poisson(c.pi0_per_charged * n_charged);
  for (std::uint64_t i = 0; i < n_pi0; ++i) {
    std::vector<Particle> pi0;
    addParticle(pdg::kPi0, vertex, collision, rng, pi0);
    const auto [g1, g2] = kin::twoBodyDecay(pi0[0].momentum, pdg::mass(pdg::kPi0), 0, 0, rng);
    for (const Vec3& g : {g1, g2}) {
      if (g.perp() < c.min_pt) continue;  // cannot make a recordable electron
      Particle photon;
      photon.particle_id = out.size() + 1;
      photon.pdg = pdg::kPhoton;
      photon.vertex = vertex;
      photon.momentum = g;
      photon.collision = collision;
      out.push_back(photon);
    }
  }
  const std::uint64_t n_k0s = rng.poisson(c.k0s_per_charged * n_charged);
  for (std::uint64_t i = 0; i < n_k0s; ++i) addParticle(pdg::kK0Short, vertex, collision, rng, out);
  const std::uint64_t n_lambda = rng.poisson(c.lambda_per_charged * n_charged);
  for (std::uint64_t i = 0; i < n_lambda; ++i)
    addParticle(rng.bernoulli(0.5) ? pdg::kLambda : -pdg::kLambda, vertex, collision, rng, out);
}

MinimumBiasGenerator::MinimumBiasGenerator(MinimumBiasConfig config) : collisions_(config) {}

std::vector<Particle> MinimumBiasGenerator::generate(std::uint64_t, Rng& rng) const {
  std::vector<Particle> out;
  const std::uint64_t n_collisions = rng.poisson(collisions_.config().pileup);
  out.reserve(n_collisions * 80);
  for (std::uint64_t k = 0; k < n_collisions; ++k) {
    const Vec3 vertex = collisions_.sampleVertex(rng);
    collisions_.generate(vertex, static_cast<std::uint32_t>(k), collisions_.sampleMultiplicity(rng),
                         rng, out);
  }
  return out;
}

std::string MinimumBiasGenerator::describe() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "minimum-bias pile-up, mu = %g", collisions_.config().pileup);
  return buf;
}

}  // namespace efgnn

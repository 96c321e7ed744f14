#include "sim/ParticleSource.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/Error.hpp"
#include "core/Pdg.hpp"
#include "sim/Kinematics.hpp"

namespace efgnn {

ParticleGun::ParticleGun(ParticleGunConfig config) : config_(config) {
  if (config_.count < 0 || config_.count > ParticleGunConfig::kMaxCount)
    throw Error("particle gun: count must be in [0, " + std::to_string(ParticleGunConfig::kMaxCount) + "], got " +
                std::to_string(config_.count));
  for (const double v : {config_.pt_min, config_.pt_max, config_.eta_min, config_.eta_max, config_.phi_min, config_.phi_max})
    if (!std::isfinite(v)) throw Error("particle gun: pt, eta and phi ranges must be finite numbers");
  if (config_.pt_min <= 0 || config_.pt_max < config_.pt_min)
    throw Error("particle gun: need 0 < pt_min <= pt_max");
  if (config_.eta_max < config_.eta_min || config_.phi_max < config_.phi_min)
    throw Error("particle gun: a range has max < min");
  if (pdg::charge3(config_.pdg) == 0 && config_.pdg != pdg::kPhoton)
    throw Error("particle gun: PDG code " + std::to_string(config_.pdg) + " is not a charged particle");
}

std::vector<Particle> ParticleGun::generate(std::uint64_t, Rng& rng) const {
  std::vector<Particle> out;
  out.reserve(config_.count);
  for (int i = 0; i < config_.count; ++i) {
    Particle p;
    p.particle_id = static_cast<std::uint64_t>(i + 1);
    p.pdg = config_.random_charge && rng.bernoulli(0.5) ? -config_.pdg : config_.pdg;
    p.charge = pdg::charge(p.pdg);
    p.vertex = config_.vertex;
    const double pt = rng.uniform(config_.pt_min, config_.pt_max);
    const double eta = rng.uniform(config_.eta_min, config_.eta_max);
    const double phi = rng.uniform(config_.phi_min, config_.phi_max);
    p.momentum = kin::fromPtEtaPhi(pt, eta, phi);
    out.push_back(p);
  }
  return out;
}

std::string ParticleGun::describe() const {
  return "particle gun: " + std::to_string(config_.count) + " x PDG " + std::to_string(config_.pdg) +
         ", pT " + std::to_string(config_.pt_min) + "-" + std::to_string(config_.pt_max) + " GeV";
}

ParticleListSource::ParticleListSource(std::vector<std::vector<Particle>> lists, std::string origin)
    : lists_(std::move(lists)), origin_(std::move(origin)) {
  if (lists_.empty()) throw Error(origin_ + ": no particle lists to simulate");
}

std::vector<Particle> ParticleListSource::generate(std::uint64_t event_index, Rng&) const {
  std::vector<Particle> out = lists_[event_index % lists_.size()];
  for (auto& p : out) p.nhits = 0;  // filled by the detector simulation
  return out;
}

std::string ParticleListSource::describe() const {
  return "particle lists from " + origin_ + " (" + std::to_string(lists_.size()) + " events)";
}

std::vector<Particle> CombinedSource::generate(std::uint64_t event_index, Rng& rng) const {
  std::vector<Particle> out;
  std::uint32_t collision_offset = 0;
  for (const auto& source : sources_) {
    auto part = source->generate(event_index, rng);
    std::uint32_t max_collision = 0;
    const std::uint64_t id_offset = out.size();
    std::unordered_map<std::uint64_t, std::uint64_t> renumber;
    for (std::size_t i = 0; i < part.size(); ++i) renumber[part[i].particle_id] = id_offset + i + 1;
    for (auto& p : part) {
      p.particle_id = renumber.at(p.particle_id);
      if (p.parent_id) p.parent_id = renumber.count(p.parent_id) ? renumber.at(p.parent_id) : 0;
      max_collision = std::max(max_collision, p.collision);
      p.collision += collision_offset;
      out.push_back(p);
    }
    collision_offset += max_collision + 1;
  }
  return out;
}

std::string CombinedSource::describe() const {
  std::string s;
  for (const auto& src : sources_) s += (s.empty() ? "" : " + ") + src->describe();
  return s;
}

}  // namespace efgnn

#pragma once
// Where the particles of an event come from: built-in generators, a particle gun, or particle
// lists read from files. A source only produces generator-level particles; the detector
// simulation adds the secondaries made in the material.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/Event.hpp"
#include "core/Random.hpp"

namespace efgnn {

class ParticleSource {
 public:
  virtual ~ParticleSource() = default;
  /// Particles of event `event_index`, drawn from `rng` (already seeded for that event).
  /// Particle ids must be unique and non-zero; neutral long-lived particles (photons, K0s,
  /// Lambda) may be included and are decayed or converted by the detector simulation.
  virtual std::vector<Particle> generate(std::uint64_t event_index, Rng& rng) const = 0;
  virtual std::string describe() const = 0;
};

/// Particle gun: `count` particles with pT, eta, phi uniform in the given ranges (a fixed
/// value when min == max), from a fixed vertex.
struct ParticleGunConfig {
  int count = 1;
  int pdg = 13;  // mu-
  double pt_min = 1.0, pt_max = 1.0;  // GeV
  double eta_min = 0.0, eta_max = 0.0;
  double phi_min = -3.14159265358979, phi_max = 3.14159265358979;
  bool random_charge = false;  // flip the PDG sign at random
  Vec3 vertex;
  /// 100000 particles per event: the charged multiplicity of a pile-up 1000 event, already
  /// ~10^6 hits; more no longer fits in memory.
  static constexpr int kMaxCount = 100000;
};

class ParticleGun final : public ParticleSource {
 public:
  explicit ParticleGun(ParticleGunConfig config);
  std::vector<Particle> generate(std::uint64_t event_index, Rng& rng) const override;
  std::string describe() const override;

 private:
  ParticleGunConfig config_;
};

/// Fixed particle lists, one per event (e.g. read from TrackML particles.csv or HepMC3).
/// Event i takes list i modulo the number of lists, so one real event can be re-simulated many
/// times with different detector randomness.
class ParticleListSource final : public ParticleSource {
 public:
  ParticleListSource(std::vector<std::vector<Particle>> lists, std::string origin);
  std::vector<Particle> generate(std::uint64_t event_index, Rng& rng) const override;
  std::string describe() const override;

 private:
  std::vector<std::vector<Particle>> lists_;
  std::string origin_;
};

/// Several sources in one event (hard scatter + pile-up); ids are renumbered to stay unique.
class CombinedSource final : public ParticleSource {
 public:
  void add(std::shared_ptr<const ParticleSource> source) { sources_.push_back(std::move(source)); }
  std::vector<Particle> generate(std::uint64_t event_index, Rng& rng) const override;
  std::string describe() const override;

 private:
  std::vector<std::shared_ptr<const ParticleSource>> sources_;
};

}  // namespace efgnn

#pragma once
// Built-in minimum-bias pile-up generator for 14 TeV pp collisions. Not a physics generator:
// a parametrisation whose particle-level statistics (multiplicity, pT and eta spectra, species
// mix, neutral V0s and photons) are calibrated against the real TrackML ttbar + 200 pile-up
// event (see tests/sim/CalibrationTest.cpp and BENCHMARKS.md).
#include <cstdint>
#include <vector>

#include "sim/ParticleSource.hpp"

namespace efgnn {

struct MinimumBiasConfig {
  double pileup = 200;              // mean number of collisions per event (Poisson)
  double beamspot_sigma_z = 50.0;   // [mm]
  double beamspot_sigma_xy = 0.015; // [mm]
  double min_pt = 0.1;              // [GeV] generator cut, as in TrackML
  double eta_max = 4.0;             // generator acceptance, as in TrackML
  // Charged primaries per collision inside (min_pt, eta_max): negative binomial.
  double multiplicity_mean = 42.0;
  double multiplicity_k = 1.3;
  // Tsallis transverse spectrum dN/dpT ~ pT (1 + (mT - m) / (n T))^-n.
  double tsallis_T = 0.15;
  double tsallis_n = 6.0;
  // Rapidity density: flat for |y| < y_plateau, Gaussian fall-off of width y_sigma beyond.
  double y_plateau = 2.0;
  double y_sigma = 2.5;
  // Species mix of the charged primaries (the rest are pions).
  double kaon_fraction = 0.12;
  double proton_fraction = 0.07;
  double lepton_fraction = 0.01;  // e and mu from heavy-flavour and Dalitz decays
  // Neutrals per charged primary: pi0 (decayed at once to photons), K0s and Lambda.
  double pi0_per_charged = 0.1;
  double k0s_per_charged = 0.04;
  double lambda_per_charged = 0.015;

  /// Limits of pileup: finite and in [0, kMaxPileup]; throws Error. Called by the generators.
  void validate() const;
  /// 1000 collisions per crossing: five times the HL-LHC's 200, already ~40k charged
  /// primaries (~10^6 hits) per event. Beyond, one event no longer fits in memory.
  static constexpr double kMaxPileup = 1000;
};

/// Samples pT from the Tsallis spectrum above a cut by inverting a tabulated CDF.
class TsallisSpectrum {
 public:
  TsallisSpectrum(double T, double n, double mass, double min_pt, double max_pt = 50.0);
  double sample(Rng& rng) const;

 private:
  double min_pt_, step_;
  std::vector<double> cdf_;
};

/// Particles of single minimum-bias collisions; shared by the pile-up generator and the
/// underlying event of the hard scatter.
class CollisionGenerator {
 public:
  explicit CollisionGenerator(const MinimumBiasConfig& config);
  /// Appends the particles of one collision at `vertex` with `n_charged` charged primaries.
  void generate(const Vec3& vertex, std::uint32_t collision, std::uint64_t n_charged, Rng& rng,
                std::vector<Particle>& out) const;
  std::uint64_t sampleMultiplicity(Rng& rng) const;
  Vec3 sampleVertex(Rng& rng) const;
  const MinimumBiasConfig& config() const { return config_; }

 private:
  void addParticle(int pdg, const Vec3& vertex, std::uint32_t collision, Rng& rng,
                   std::vector<Particle>& out) const;
  double sampleRapidity(Rng& rng) const;
  const TsallisSpectrum& spectrum(int pdg) const;
  MinimumBiasConfig config_;
  TsallisSpectrum pion_, kaon_, proton_, lambda_, light_;
};

class MinimumBiasGenerator final : public ParticleSource {
 public:
  explicit MinimumBiasGenerator(MinimumBiasConfig config);
  std::vector<Particle> generate(std::uint64_t event_index, Rng& rng) const override;
  std::string describe() const override;

 private:
  CollisionGenerator collisions_;
};

}  // namespace efgnn

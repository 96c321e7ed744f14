#pragma once
// Built-in ttbar-like hard scatter: the jets and leptons of a top-pair decay with an enhanced
// underlying event, so that events have the collimated high-pT particles that the pile-up
// lacks. A parametrisation, not a matrix-element generator; use --hepmc for real generators.
#include "sim/MinimumBias.hpp"

namespace efgnn {

struct TtbarConfig {
  double jet_pt_min = 20.0;        // [GeV]
  double jet_pt_slope = 45.0;      // mean of the exponential above the minimum [GeV]
  double jet_eta_sigma = 1.3;
  double lepton_pt_min = 15.0;
  double lepton_pt_slope = 35.0;
  double charged_energy_fraction = 0.6;  // of a jet's energy carried by charged particles
  double pt_rel_mean = 0.35;       // momentum transverse to the jet axis [GeV]
  double b_flight_ctau = 0.45;     // [mm], B hadron decay length in its rest frame
  double underlying_event_scale = 2.0;  // multiplicity of the UE / minimum-bias mean
};

class TtbarGenerator final : public ParticleSource {
 public:
  TtbarGenerator(TtbarConfig config, const MinimumBiasConfig& collisions);
  std::vector<Particle> generate(std::uint64_t event_index, Rng& rng) const override;
  std::string describe() const override { return "ttbar-like hard scatter"; }

 private:
  void addJet(const Vec3& vertex, bool b_jet, Rng& rng, std::vector<Particle>& out) const;
  TtbarConfig config_;
  CollisionGenerator collisions_;
};

}  // namespace efgnn

#pragma once
// Baseline graph construction without a module map: hit pairs on allowed layer pairs whose
// phi-slope and longitudinal impact parameter z0 are small enough for a prompt particle
// above a pT threshold.
#include <utility>
#include <vector>

#include "geometry/Detector.hpp"
#include "graph/EdgeBuilder.hpp"
#include "graph/ModuleMap.hpp"

namespace efgnn {

class GeometricEdgeBuilder final : public EdgeBuilder {
 public:
  struct Config {
    // |dphi| <= max_phi_slope |dr| + phi_resolution: a 1 GeV track from the beam line in 2 T
    // turns by ~3e-4 rad per mm of radius.
    float max_phi_slope = 6e-4f;   // [rad/mm]
    float phi_resolution = 2e-3f;  // [rad]
    // |z0| <= max_z0 (~5 sigma of the luminous region), checked only where the pair's radial
    // lever arm makes z0 meaningful.
    float max_z0 = 250.0f;         // [mm]
    float min_dr_for_z0 = 10.0f;   // [mm]
  };
  /// `layer_pairs`: ordered (inner, outer) layer indices into Detector::layers.
  GeometricEdgeBuilder(const Detector& detector, std::vector<std::pair<std::uint32_t, std::uint32_t>> layer_pairs,
                       Config config);
  std::string name() const override { return "geometric"; }
  std::vector<HitPair> build(const EdgeBuilderInput& input) const override;

 private:
  const Detector& detector_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> layer_pairs_;
  Config config_;
};

/// The layer pairs that the doublets of a module map connect, sorted; pairs carrying less
/// than `min_fraction` of all doublet occurrences (rare transitions) are left out.
std::vector<std::pair<std::uint32_t, std::uint32_t>> layerPairsOf(const ModuleMap& map, const Detector& detector,
                                                                  double min_fraction = 1e-4);

}  // namespace efgnn

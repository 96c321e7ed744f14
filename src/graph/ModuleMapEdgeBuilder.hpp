#pragma once
// Graph construction with a module map: every hit pair on a doublet of the map whose geometry
// lies within the doublet's ranges (widened by a tolerance) is a candidate; with triplets on,
// a candidate survives only as part of a hit triple on a triplet of the map that passes its
// slope-difference cuts.
#include <array>
#include <memory>

#include "graph/EdgeBuilder.hpp"
#include "geometry/Detector.hpp"
#include "graph/ModuleMap.hpp"

namespace efgnn {

class ModuleMapEdgeBuilder final : public EdgeBuilder {
 public:
  struct Config {
    // A quantity passes if it lies in the doublet's (triplet's) observed range widened on each
    // side by `relative_tolerance` of the range width plus `n_sigma` times the quantity's
    // measurement uncertainty on that module pair (triple): hit resolution and, for triplets,
    // multiple scattering of a `scattering_pt` track in the middle module. The uncertainty term
    // keeps doublets seen only a few times (narrow ranges) and ill-conditioned ones (z0 and
    // phi-slope of overlapping modules, dr ~ 0) from rejecting new hit pairs.
    float relative_tolerance = 0.1f;
    float n_sigma = 3.0f;
    float scattering_pt = 1.0f;  // [GeV]
    bool use_triplets = true;
  };
  /// `detector`: the one the map was built for (checked).
  ModuleMapEdgeBuilder(std::shared_ptr<const ModuleMap> map, const Detector& detector, Config config);
  std::string name() const override { return "module-map"; }
  std::vector<HitPair> build(const EdgeBuilderInput& input) const override;

 private:
  std::shared_ptr<const ModuleMap> map_;
  Config config_;
  /// Resolution of a module's space points in cylindrical coordinates [mm], its material.
  struct Resolution {
    float sigma_rphi, rphi_leak, sigma_r, sigma_z, x0;
    bool barrel;
    /// Variance of phi [rad^2] of a space point at radius r.
    double phiVariance(double r) const {
      return (double(sigma_rphi) * sigma_rphi + double(rphi_leak) * rphi_leak / (r * r)) / (r * r);
    }
  };
  static Resolution resolutionOf(const Detector& detector, const Module& module);
  bool passesDoublet(const ModuleMap::Doublet& d, const HitCoordinates& c, std::uint32_t i, std::uint32_t j,
                     const DoubletGeometry& q) const;
  /// Variances of the slopes dz/dr and dphi/dr of a doublet, or contributions to those of a
  /// triplet's slope differences.
  struct SlopeVariance {
    double dzdr = 0, phi_slope = 0;
  };
  static SlopeVariance slopeVariance(const HitCoordinates& c, std::uint32_t i, std::uint32_t j,
                                     const Resolution& a, const Resolution& b, const DoubletGeometry& q);
  SlopeVariance scatteringVariance(const HitCoordinates& c, std::uint32_t j, const Resolution& b) const;
  bool passesTriplet(const ModuleMap::Triplet& t, const DoubletGeometry& first, const DoubletGeometry& second,
                     const SlopeVariance& variance) const;
  std::vector<Resolution> resolution_;  // per global module index
};

}  // namespace efgnn

#pragma once
// Graph construction with a module map: every hit pair on a doublet of the map whose geometry
// lies within the doublet's ranges (widened by a tolerance) is a candidate; with triplets on,
// a candidate survives only as part of a hit triple on a triplet of the map that passes its
// slope-difference cuts.
#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "graph/EdgeBuilder.hpp"
#include "geometry/Detector.hpp"
#include "graph/ModuleMap.hpp"
#include "runtime/Isa.hpp"

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
    /// Reference search: every hit pair of every doublet goes through the doublet cuts and
    /// every pair of candidates meeting at a hit through the triplet cuts. The default searches
    /// only the phi window of the second module's hits that can pass the dphi cut and screens
    /// pairs with conservative bounds before the exact cuts; both give the same edges in the
    /// same order.
    bool all_pairs = false;
    /// The instruction set the search runs on (the best this CPU has by default); the edges
    /// are the same on each.
    runtime::Isa instruction_set = runtime::Isa::Best;
  };
  /// `detector`: the one the map was built for (checked). Throws std::invalid_argument for an
  /// instruction set this CPU does not have.
  ModuleMapEdgeBuilder(std::shared_ptr<const ModuleMap> map, const Detector& detector, Config config);
  ~ModuleMapEdgeBuilder() override;
  std::string name() const override { return "module-map"; }
  std::vector<HitPair> build(const EdgeBuilderInput& input) const override;

 private:
  std::shared_ptr<const ModuleMap> map_;
  Config config_;  // instruction_set resolved (never Best)
  /// The whole search: indexPhi, findDoublets, findTriplets; the edges sorted (by first hit,
  /// then second hit).
  std::vector<HitPair> search(const EdgeBuilderInput& input) const;
  /// search() compiled for one instruction set each (see build()).
  std::vector<HitPair> searchBase(const EdgeBuilderInput& input) const;
  std::vector<HitPair> searchAvx2(const EdgeBuilderInput& input) const;
  std::vector<HitPair> searchAvx512(const EdgeBuilderInput& input) const;
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
  /// Per-event scratch arrays, kept between events (see build()).
  struct Workspace;
  /// Sorts the hits of busy modules by phi for the phi-window search.
  void indexPhi(Workspace& ws) const;
  /// The doublet stage: the candidates grouped by first hit.
  void findDoublets(std::size_t hits, Workspace& ws) const;
  /// The triplet stage: marks the candidates that are part of a hit triple passing the cuts.
  void findTriplets(const EdgeBuilderInput& in, Workspace& ws) const;
  /// A hit's cylindrical coordinates (HitCoordinates), kept together for the pair loops, and
  /// its phi variance (Resolution::phiVariance of its module at its r).
  struct HitPoint {
    float r, phi, z, eta;
    double phi_variance;
  };
  /// The doublet cuts; `screen`: a conservative test first where it saves work.
  bool passesDoublet(const ModuleMap::Doublet& d, const HitPoint& p1, const HitPoint& p2, const DoubletGeometry& q,
                     bool screen) const;
  /// Variances of the slopes dz/dr and dphi/dr of a doublet, or contributions to those of a
  /// triplet's slope differences.
  struct SlopeVariance {
    double dzdr = 0, phi_slope = 0;
  };
  static SlopeVariance slopeVariance(const HitPoint& p1, const HitPoint& p2, const Resolution& a, const Resolution& b,
                                     const DoubletGeometry& q);
  SlopeVariance scatteringVariance(const HitCoordinates& c, std::uint32_t j, const Resolution& b) const;
  /// The triplet cuts on the ranges of a triplet of the map.
  bool passesTriplet(const Range& diff_dzdr, const Range& diff_phi_slope, const DoubletSlopes& first,
                     const DoubletSlopes& second, const SlopeVariance& variance) const;
  std::vector<Resolution> resolution_;  // per global module index
  // The doublets that start on module m: module_doublets_[module_doublet_offsets_[m] ..
  // module_doublet_offsets_[m + 1]), in map order.
  std::vector<std::uint32_t> module_doublet_offsets_, module_doublets_;
  /// A triplet of the map as the triplet stage looks it up: by its third module, with bounds
  /// for a conservative test of its cuts (see findTriplets) and its ranges.
  struct TripletCut {
    std::uint32_t third;  // module
    float dzdr_mid, dzdr_half, phi_slope_mid, phi_slope_half;
    Range diff_dzdr, diff_phi_slope;
  };
  // The triplets that continue doublet d: triplet_cuts_[doublet_triplets_[d] ..
  // doublet_triplets_[d + 1]), sorted by third module.
  std::vector<std::uint32_t> doublet_triplets_;
  std::vector<TripletCut> triplet_cuts_;
  std::vector<std::uint32_t> doublet_second_;  // the second module of each doublet
  // Workspaces not in use by a build() call: one per concurrent call at most.
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<Workspace>> pool_;
};

}  // namespace efgnn

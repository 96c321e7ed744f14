#pragma once
// True edges and target particles (REFERENCE.md section 3).
#include <cstdint>
#include <vector>

#include "core/Event.hpp"

namespace efgnn {

/// Which particles the GNN is trained and judged on.
struct TargetSelection {
  double min_pt = 1.0;                  // [GeV]
  int min_hits = 3;
  bool primary_only = true;
  bool exclude_electrons = true;
  double max_abs_eta = 4.0;
  double max_production_radius = 260.0;  // [mm]

  bool isTarget(const Particle& p) const;
};

/// A true edge between two hits (indices into Event::hits), ordered along the particle.
struct TruthEdge {
  std::uint32_t from = 0, to = 0;
  std::uint64_t particle_id = 0;
  bool operator==(const TruthEdge&) const = default;
};

/// A particle's hits ordered by distance from its production vertex, consecutive hits on the
/// same module grouped: group g is hits[group_start[g] .. group_start[g + 1]).
struct ParticleTrack {
  std::uint64_t particle_id = 0;
  std::vector<std::uint32_t> hits;  // indices into Event::hits
  std::vector<std::uint32_t> group_start;
  std::size_t numGroups() const { return group_start.size() - 1; }
};

/// The tracks of all particles with hits, ordered by particle id. Empty without truth.
std::vector<ParticleTrack> particleTracks(const Event& event);

/// Every pair of hits in consecutive groups of a particle track is a true edge; noise hits
/// have none. Edges are ordered by particle id, then along the particle.
std::vector<TruthEdge> buildTruthEdges(const Event& event);

}  // namespace efgnn

#pragma once
// Training on η–φ sectors of a graph, for graphs whose training step does not fit in memory: each
// sector's sub-graph holds the nodes within its η and φ ranges widened by a halo, and the edges
// between them. The halo gives the edges near a border their neighbours for message passing; only
// the edges whose source node lies in the sector itself carry loss, so that each edge is counted
// once over the sectors (when the halo is as wide as the edges are long).
#include <cstdint>
#include <string>
#include <vector>

#include "core/Graph.hpp"

namespace efgnn {

struct SectorConfig {
  int eta_sectors = 1, phi_sectors = 1;  // equal ranges: η over the graph's nodes, φ over [-π, π)
  double halo = 0.1;                     // how far each range is widened, in η and in φ [rad]
  bool sectored() const { return eta_sectors > 1 || phi_sectors > 1; }
};

struct GraphSector {
  Graph graph;                     // the nodes within the widened ranges, the edges between them
  std::vector<std::uint8_t> core;  // [edges of graph]: 1 where the source node lies in the sector itself
};

/// The sectors of `graph`, in η-major order; sectors without edges are left out. The graph's
/// node features must include "eta" and "phi" (efgnn's scaled features: η, φ / π); throws Error
/// naming `source` otherwise.
std::vector<GraphSector> graphSectors(const Graph& graph, const SectorConfig& config, const std::string& source);

}  // namespace efgnn

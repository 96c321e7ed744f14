#pragma once
// Track building from a scored hit graph (REFERENCE.md section 5). Builders exchange plain
// arrays, as the stages of the ACTS GNN plugin do, and know nothing of models or files: a new
// builder is one class implementing TrackBuilder.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace efgnn {

/// A graph whose edges carry scores: edge k goes from node src[k] to dst[k]. Builders that need
/// a direction orient each edge outward by distance from the origin, from the node positions or,
/// without them, from coordinates r and z; a graph with neither is taken in its edges' own
/// direction (pointsOutward).
struct ScoredGraph {
  std::size_t num_nodes = 0;
  std::vector<std::uint32_t> src, dst;
  std::vector<float> scores;
  std::vector<float> r, z;
  // Optional node positions [N, 3] (x, y, z, the beam line along z; the walk's defaults are in
  // mm), for builders that weigh how straight a track continues; they orient the edges.
  std::vector<float> positions;
  /// Checks sizes and node indices; throws Error naming what is wrong.
  void validate() const;
};

/// A track: node indices, ordered outward when the builder knows the direction.
using Track = std::vector<std::uint32_t>;

class TrackBuilder {
 public:
  virtual ~TrackBuilder() = default;
  virtual std::string name() const = 0;
  virtual std::vector<Track> build(const ScoredGraph& graph) const = 0;
};

}  // namespace efgnn

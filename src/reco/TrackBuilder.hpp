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
/// a direction take the edges' own (inner to outer hit, as graph construction makes them), or,
/// when node coordinates r and z are given, orient each edge outward by r^2 + z^2 (for graphs
/// whose edge direction means nothing).
struct ScoredGraph {
  std::size_t num_nodes = 0;
  std::vector<std::uint32_t> src, dst;
  std::vector<float> scores;
  std::vector<float> r, z;
  // Optional node positions [N, 3] (x, y, z, the beam line along z; the walk's defaults are in
  // mm), for builders that weigh how straight a track continues; they do not change the edges'
  // direction.
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

#pragma once
// Graph construction stage: candidate edges between the hits of an event. Builders share
// this interface so that a new one is one file.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/Event.hpp"
#include "graph/Features.hpp"

namespace efgnn {

/// An edge between two hits (indices into Event::hits), directed along the particle.
using HitPair = std::pair<std::uint32_t, std::uint32_t>;

/// What a builder gets about an event: the event, each hit's global module index and
/// cylindrical coordinates (computed once by the caller).
struct EdgeBuilderInput {
  const Event& event;
  const std::vector<std::uint32_t>& module;
  const HitCoordinates& coordinates;
};

class EdgeBuilder {
 public:
  virtual ~EdgeBuilder() = default;
  virtual std::string name() const = 0;
  /// Candidate edges, each pair at most once, in a deterministic order.
  virtual std::vector<HitPair> build(const EdgeBuilderInput& input) const = 0;
};

/// Hits grouped by a key (module or layer) in compressed form: the hits with key k are
/// hits[offsets[k] .. offsets[k + 1]), in increasing hit order.
struct HitBuckets {
  std::vector<std::uint32_t> offsets, hits;
  HitBuckets(const std::vector<std::uint32_t>& key_of_hit, std::size_t num_keys);
  std::pair<const std::uint32_t*, const std::uint32_t*> of(std::uint32_t key) const {
    return {hits.data() + offsets[key], hits.data() + offsets[key + 1]};
  }
};

}  // namespace efgnn

#include "pipeline/ScoredGraphs.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "core/Error.hpp"

namespace efgnn {

ScoredGraph scoredGraphOf(const Graph& g, const Event& event, std::vector<float> scores) {
  if (scores.size() != g.numEdges())
    throw Error("event " + std::to_string(event.event_id) + ": " + std::to_string(scores.size()) + " edge scores for " +
                std::to_string(g.numEdges()) + " edges");
  ScoredGraph s;
  s.num_nodes = g.numNodes();
  s.src.reserve(g.numEdges());
  s.dst.reserve(g.numEdges());
  for (std::size_t k = 0; k < g.numEdges(); ++k) {
    s.src.push_back(static_cast<std::uint32_t>(g.src(k)));
    s.dst.push_back(static_cast<std::uint32_t>(g.dst(k)));
  }
  s.scores = std::move(scores);
  s.positions.reserve(3 * g.numNodes());
  const auto add = [&](const SpacePoint& h) { s.positions.insert(s.positions.end(), {h.x, h.y, h.z}); };
  // Graphs of every hit hold the event's hits in order; only a hard cut's subset needs a lookup.
  const bool in_hit_order = g.numNodes() == event.hits.size() &&
                            std::equal(g.hit_id.begin(), g.hit_id.end(), event.hits.begin(),
                                       [](std::uint64_t id, const SpacePoint& h) { return id == h.hit_id; });
  if (in_hit_order) {
    for (const auto& h : event.hits) add(h);
    return s;
  }
  std::unordered_map<std::uint64_t, std::size_t> hit_at;
  hit_at.reserve(event.hits.size());
  for (std::size_t h = 0; h < event.hits.size(); ++h) hit_at.emplace(event.hits[h].hit_id, h);
  for (const auto id : g.hit_id) {
    const auto it = hit_at.find(id);
    if (it == hit_at.end())
      throw Error("event " + std::to_string(event.event_id) + ": the graph's hit " + std::to_string(id) +
                  " is not among the event's hits");
    add(event.hits[it->second]);
  }
  return s;
}

}  // namespace efgnn

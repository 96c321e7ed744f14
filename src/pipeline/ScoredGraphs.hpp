#pragma once
// The scored graph the track builders take, from an efgnn graph, its event and the edge scores.
#include <vector>

#include "core/Event.hpp"
#include "core/Graph.hpp"
#include "reco/TrackBuilder.hpp"

namespace efgnn {

/// The graph's edges, one score each, and the nodes' positions from the event's hits (matched by
/// hit id), with their r and z, so that the builders orient each edge outward by distance from
/// the origin: a module map holds doublets both ways between the overlapping modules of one layer,
/// and a graph with a -> b and b -> a has no inner-to-outer order of its own (a particle whose
/// first hits close such a cycle was walked in an arbitrary order and lost). Throws Error when a
/// node's hit is not in the event or the scores do not match the edges.
ScoredGraph scoredGraphOf(const Graph& graph, const Event& event, std::vector<float> scores);

}  // namespace efgnn

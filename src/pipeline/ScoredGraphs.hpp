#pragma once
// The scored graph the track builders take, from an efgnn graph, its event and the edge scores.
#include <vector>

#include "core/Event.hpp"
#include "core/Graph.hpp"
#include "reco/TrackBuilder.hpp"

namespace efgnn {

/// The graph's edges, one score each, and the nodes' positions from the event's hits (matched by
/// hit id), by which the builders orient the edges (pointsOutward). Throws Error when a node's hit
/// is not in the event or the scores do not match the edges.
ScoredGraph scoredGraphOf(const Graph& graph, const Event& event, std::vector<float> scores);

}  // namespace efgnn

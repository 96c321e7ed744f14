#pragma once
// From an event to the graph the GNN learns from: optional hard cut, candidate edges from an
// EdgeBuilder, node and edge features, and (from the event's truth) edge labels and the truth
// graph.
#include <memory>
#include <optional>
#include <string>

#include "core/Graph.hpp"
#include "geometry/Detector.hpp"
#include "graph/EdgeBuilder.hpp"
#include "graph/TruthGraph.hpp"

namespace efgnn {

class GraphConstructor {
 public:
  struct Config {
    /// Keep only hits of particles with pT above this [GeV] (no noise): the "hard cut" studies.
    std::optional<double> hard_cut_pt;
    TargetSelection targets;
    FeatureScales scales;
    /// Append the node features cell_count and cell_charge (Features.hpp); every event with hits
    /// then needs cells (Event::cells, from a TrackML cells file).
    bool cell_features = false;
    /// Label the graph from the event's truth (addLabels) in build(). The deployable chain
    /// builds without: an Event Filter has no truth, and what measures the chain labels after.
    bool labels = true;
  };
  GraphConstructor(const Detector& detector, std::shared_ptr<const EdgeBuilder> builder, Config config);

  /// Throws Error naming `source` for hits on modules the detector lacks, and naming `source` and
  /// the event for an event without cells when the cell features are on. An event without
  /// truth gives a graph without labels (all edges labelled fake, no truth edges).
  Graph build(const Event& event, const std::string& source) const;
  /// The truth on a graph that build() made from `event` without labels: edge labels (y,
  /// y_target, edge_particle, edge_pt, edge_eta), the truth graph, node particles and the
  /// particle list. Nothing for an event without truth.
  void addLabels(Graph& graph, const Event& event) const;

  /// Node features include strip clusters when the detector has stereo modules.
  bool withClusters() const { return with_clusters_; }
  /// Node features include the hits' cells (Config::cell_features).
  bool withCells() const { return config_.cell_features; }
  const EdgeBuilder& edgeBuilder() const { return *builder_; }

 private:
  void labelGraph(Graph& graph, const Event& event) const;  // the event after any hard cut
  const Detector& detector_;
  std::shared_ptr<const EdgeBuilder> builder_;
  Config config_;
  bool with_clusters_ = false;
};

/// The event restricted to hits of particles with pT >= min_pt (noise removed).
Event applyHardCut(const Event& event, double min_pt);

}  // namespace efgnn

#pragma once
// Quality of constructed graphs (graph-stats): size, graph efficiency for target edges overall
// and versus particle pT and eta, purity, and how many target particles stay connected.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/Graph.hpp"
#include "core/Json.hpp"

namespace efgnn {

/// Counts in bins of a particle quantity.
struct BinnedEfficiency {
  std::vector<double> edges;  // bin edges, size bins + 1
  std::vector<double> total, passed;
  explicit BinnedEfficiency(std::vector<double> bin_edges);
  void add(double value, bool pass);
  /// The bin holding `value`, or none outside the binned range.
  std::optional<std::size_t> binOf(double value) const;
  void merge(const BinnedEfficiency& other);  // same bins
  Json json() const;  // [{lo, hi, total, passed, efficiency, error}]
};

class GraphStatistics {
 public:
  GraphStatistics();
  void add(const Graph& graph);
  /// Merges statistics gathered elsewhere (e.g. on another thread).
  void merge(const GraphStatistics& other);

  double events = 0, nodes = 0, edges = 0;
  double true_edges = 0, target_edges = 0;               // edges of the graphs with those labels
  double truth_target_edges = 0, truth_target_found = 0;  // target edges of the truth graphs
  double target_particles = 0, target_particles_connected = 0;
  BinnedEfficiency efficiency_vs_pt, efficiency_vs_eta;

  double efficiency() const { return ratio(truth_target_found, truth_target_edges); }
  double purity() const { return ratio(true_edges, edges); }
  double targetPurity() const { return ratio(target_edges, edges); }
  double edgesPerNode() const { return ratio(edges, nodes); }
  double connectedFraction() const { return ratio(target_particles_connected, target_particles); }
  Json json() const;

 private:
  static double ratio(double a, double b) { return b > 0 ? a / b : 0; }
};

}  // namespace efgnn

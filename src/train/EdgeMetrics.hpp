#pragma once
// Edge-level metrics at an edge cut (REFERENCE.md section 4), accumulated over graphs.
#include <torch/torch.h>

#include <vector>

#include "core/Json.hpp"
#include "graph/GraphStatistics.hpp"
#include "train/GraphTensors.hpp"

namespace efgnn {

/// Edge metrics at one cut.
struct WorkingPoint {
  double cut = 0, efficiency = 0, total_purity = 0;
};

class EdgeMetrics {
 public:
  explicit EdgeMetrics(double cut = 0.5);
  /// Adds a graph's scores (probabilities, not logits).
  void add(const torch::Tensor& scores, const GraphTensors& graph);
  /// The same from plain tensors: labels, the particle pT and eta of true edges, the edge
  /// midpoint's eta.
  void add(const torch::Tensor& scores, const torch::Tensor& y, const torch::Tensor& y_target,
           const torch::Tensor& edge_pt, const torch::Tensor& edge_eta, const torch::Tensor& position_eta);

  double cut() const { return cut_; }
  /// target edges scored positive / target edges
  double efficiency() const { return ratio(target_positive_, target_); }
  /// true edges scored positive / edges scored positive
  double totalPurity() const { return ratio(true_positive_, positive_); }
  /// target edges scored positive / edges scored positive
  double targetPurity() const { return ratio(target_positive_, positive_); }
  /// target edges scored positive / (edges scored positive - non-target true edges scored positive)
  double maskedPurity() const { return ratio(target_positive_, positive_ - (true_positive_ - target_positive_)); }
  /// Area under the ROC curve of target edges against fake edges (non-target true edges, which
  /// the loss masks, are left out), from score histograms.
  double auc() const;
  /// The highest edgewise efficiency of any cut whose total purity is at least `purity`
  /// (cuts on a 1e-4 grid); 0 if no cut reaches that purity.
  double efficiencyAtPurity(double purity) const;
  /// Edgewise efficiency and total purity at another cut, from the score histograms (a cut
  /// on their 1e-4 grid gives the figures the cut itself would, but for scores equal to it).
  WorkingPoint at(double cut) const;
  /// Among the cuts 0.01, 0.02, ..., 0.99, the one whose efficiency and total purity come
  /// closest to the given ones: the larger of the two shortfalls smallest. A compressed model
  /// often ranks edges as well as its float model but scores them lower; this is its working
  /// point beside the float model's (choose it on one split, apply it on another).
  WorkingPoint closestWorkingPoint(double efficiency, double total_purity) const;
  double edges() const { return edges_; }
  Json json() const;

  /// Target edges scored positive, versus the particle's pT and eta.
  BinnedEfficiency efficiency_vs_pt, efficiency_vs_eta;
  /// True edges among edges scored positive, versus the edge midpoint's eta.
  BinnedEfficiency purity_vs_eta;

 private:
  static double ratio(double a, double b) { return b > 0 ? a / b : 0; }
  /// Lowers the cut bin by bin from the top: visit(bin, efficiency, total purity) of the edges
  /// scored at or above bin / 1e4 (purity 0 while there are none).
  template <class Visit>
  void sweepCuts(Visit visit) const;
  double cut_;
  double edges_ = 0, positive_ = 0, true_positive_ = 0, target_ = 0, target_positive_ = 0;
  // Score histograms (AUC, efficiency at fixed purity): target, fake, other true edges.
  std::vector<double> target_hist_, fake_hist_, other_true_hist_;
};

}  // namespace efgnn

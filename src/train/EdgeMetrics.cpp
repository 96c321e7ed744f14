#include "train/EdgeMetrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace efgnn {
namespace {
constexpr int kAucBins = 10000;
}

EdgeMetrics::EdgeMetrics(double cut)
    : efficiency_vs_pt({1, 1.5, 2, 3, 5, 10, 20, 50, 100}),
      efficiency_vs_eta({-4, -3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 4}),
      purity_vs_eta(efficiency_vs_eta.edges),
      cut_(cut),
      target_hist_(kAucBins, 0),
      fake_hist_(kAucBins, 0),
      other_true_hist_(kAucBins, 0) {}

void EdgeMetrics::add(const torch::Tensor& scores, const GraphTensors& g) {
  add(scores, g.y, g.y_target, g.edge_pt, g.edge_eta, g.position_eta);
}

void EdgeMetrics::add(const torch::Tensor& scores_in, const torch::Tensor& y_in, const torch::Tensor& target_in,
                      const torch::Tensor& pt_in, const torch::Tensor& eta_in, const torch::Tensor& position_in) {
  const auto scores = scores_in.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  const auto y = y_in.to(torch::kCPU, torch::kFloat32).contiguous();
  const auto target = target_in.to(torch::kCPU, torch::kFloat32).contiguous();
  const auto pt = pt_in.to(torch::kCPU, torch::kFloat32).contiguous();
  const auto eta = eta_in.to(torch::kCPU, torch::kFloat32).contiguous();
  const auto position = position_in.to(torch::kCPU, torch::kFloat32).contiguous();
  const float* s = scores.data_ptr<float>();
  const float* t = y.data_ptr<float>();
  const float* g = target.data_ptr<float>();
  const float* p = pt.data_ptr<float>();
  const float* h = eta.data_ptr<float>();
  const float* m = position.data_ptr<float>();
  const auto n = scores.numel();
  for (std::int64_t e = 0; e < n; ++e) {
    const bool pass = s[e] > cut_, is_true = t[e] > 0.5f, is_target = g[e] > 0.5f;
    edges_ += 1;
    positive_ += pass;
    true_positive_ += pass && is_true;
    target_ += is_target;
    target_positive_ += pass && is_target;
    if (pass) purity_vs_eta.add(m[e], is_true);
    const int bin = std::clamp(static_cast<int>(s[e] * kAucBins), 0, kAucBins - 1);
    if (is_target) {
      target_hist_[bin] += 1;
      efficiency_vs_pt.add(p[e], pass);
      efficiency_vs_eta.add(h[e], pass);
    } else if (!is_true) {
      fake_hist_[bin] += 1;
    } else {
      other_true_hist_[bin] += 1;
    }
  }
}

double EdgeMetrics::auc() const {
  // Probability that a target edge outscores a fake edge (ties count half).
  double fakes_below = 0, area = 0, targets = 0, fakes = 0;
  for (int b = 0; b < kAucBins; ++b) {
    area += target_hist_[b] * (fakes_below + 0.5 * fake_hist_[b]);
    fakes_below += fake_hist_[b];
    targets += target_hist_[b];
  }
  fakes = fakes_below;
  return targets > 0 && fakes > 0 ? area / (targets * fakes) : 0;
}

template <class Visit>
void EdgeMetrics::sweepCuts(Visit visit) const {
  double targets = 0, trues = 0, all = 0;
  for (int b = kAucBins - 1; b >= 0; --b) {
    targets += target_hist_[b];
    trues += target_hist_[b] + other_true_hist_[b];
    all += target_hist_[b] + other_true_hist_[b] + fake_hist_[b];
    visit(b, ratio(targets, target_), ratio(trues, all));
  }
}

double EdgeMetrics::efficiencyAtPurity(double purity) const {
  // The best efficiency among the cuts that keep the total purity at or above `purity` (a cut
  // above every edge keeps no target edge: efficiency 0, whatever its purity counts as).
  double best = 0;
  sweepCuts([&](int, double efficiency, double total_purity) {
    if (total_purity >= purity) best = std::max(best, efficiency);
  });
  return best;
}

WorkingPoint EdgeMetrics::at(double cut) const {
  // Bin b holds the scores in [b, b + 1) / kAucBins: the edges above the cut fill the bins
  // from the cut's up.
  const int first = std::clamp(static_cast<int>(std::ceil(cut * kAucBins - 1e-9)), 0, kAucBins);
  WorkingPoint w{cut, 0, 0};
  sweepCuts([&](int b, double efficiency, double total_purity) {
    if (b == first) w = {cut, efficiency, total_purity};
  });
  return w;
}

WorkingPoint EdgeMetrics::closestWorkingPoint(double efficiency, double total_purity) const {
  // One sweep down from the top; on a tie the lower cut (met later) wins.
  constexpr int kBinsPerCut = kAucBins / 100;
  WorkingPoint best;
  double best_shortfall = std::numeric_limits<double>::infinity();
  sweepCuts([&](int b, double e, double p) {
    if (b % kBinsPerCut != 0 || b == 0) return;
    const double shortfall = std::max(efficiency - e, total_purity - p);
    if (shortfall <= best_shortfall) {
      best = {(b / kBinsPerCut) / 100.0, e, p};
      best_shortfall = shortfall;
    }
  });
  return best;
}

Json EdgeMetrics::json() const {
  Json j = Json::object();
  j["edge_cut"] = cut_;
  j["edges"] = edges_;
  j["edgewise_efficiency"] = efficiency();
  j["total_purity"] = totalPurity();
  j["target_purity"] = targetPurity();
  j["masked_purity"] = maskedPurity();
  j["auc"] = auc();
  j["efficiency_vs_pt"] = efficiency_vs_pt.json();
  j["efficiency_vs_eta"] = efficiency_vs_eta.json();
  j["purity_vs_eta"] = purity_vs_eta.json();
  // Score distributions in 100 bins, and the ROC curve (target-edge efficiency versus the
  // fraction of fake edges kept) at cuts on a grid that is finer near 1, where the cuts live.
  constexpr int kCoarse = 100, kMerge = kAucBins / kCoarse;
  Json histogram = Json::object(), target = Json::array(), fake = Json::array(), other = Json::array();
  for (int c = 0; c < kCoarse; ++c) {
    double t = 0, f = 0, o = 0;
    for (int b = c * kMerge; b < (c + 1) * kMerge; ++b) {
      t += target_hist_[b];
      f += fake_hist_[b];
      o += other_true_hist_[b];
    }
    target.push_back(t);
    fake.push_back(f);
    other.push_back(o);
  }
  histogram["bins"] = kCoarse;
  histogram["target"] = target;
  histogram["fake"] = fake;
  histogram["other_true"] = other;
  j["score_histogram"] = histogram;
  double fakes = 0;
  for (const double f : fake_hist_) fakes += f;
  Json roc = Json::array();
  double targets_above = 0, fakes_above = 0;
  for (int b = kAucBins - 1; b >= 0; --b) {
    targets_above += target_hist_[b];
    fakes_above += fake_hist_[b];
    const int from_top = kAucBins - b;
    if (from_top <= 100 || from_top % 50 == 0 || b == 0) {
      Json point = Json::object();
      point["cut"] = static_cast<double>(b) / kAucBins;
      point["efficiency"] = ratio(targets_above, target_);
      point["fake_acceptance"] = ratio(fakes_above, fakes);
      roc.push_back(point);
    }
  }
  j["roc"] = roc;
  return j;
}

}  // namespace efgnn

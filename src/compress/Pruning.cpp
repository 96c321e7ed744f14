#include "compress/Pruning.hpp"

#include <algorithm>
#include <cmath>

#include "core/Error.hpp"

namespace efgnn {

namespace {

void requireScope(const std::string& scope) {
  if (scope != "global" && scope != "layer" && scope != "lamp")
    throw Error("prune_scope must be global, layer or lamp, got '" + scope + "'");
}

}  // namespace

const std::vector<ConfigField<PruneConfig>>& PruneConfig::fields() {
  static const std::vector<ConfigField<PruneConfig>> f{
      configField("prune_schedule", &PruneConfig::prune_schedule),
      configField("prune_fraction", &PruneConfig::prune_fraction),
      configField("prune_epochs", &PruneConfig::prune_epochs),
      configField("prune_target", &PruneConfig::prune_target),
      configField("prune_ramp_epochs", &PruneConfig::prune_ramp_epochs),
      configField("prune_steps_per_epoch", &PruneConfig::prune_steps_per_epoch),
      configField("prune_scope", &PruneConfig::prune_scope),
      configField("prune_structured", &PruneConfig::prune_structured),
      configField("prune_criterion", &PruneConfig::prune_criterion),
      configField("prune_tolerance", &PruneConfig::prune_tolerance),
      configField("prune_max_rounds", &PruneConfig::prune_max_rounds),
      configField("prune_reference", &PruneConfig::prune_reference),
  };
  return f;
}

void PruneConfig::validate() const {
  if (prune_schedule != "rounds" && prune_schedule != "gradual")
    throw Error("prune_schedule must be rounds or gradual, got '" + prune_schedule + "'");
  if (!(prune_target > 0 && prune_target < 1))
    throw Error("prune_target must be in (0, 1), got " + std::to_string(prune_target));
  if (prune_ramp_epochs < 1) throw Error("prune_ramp_epochs must be at least 1");
  if (prune_schedule == "gradual" && prune_ramp_epochs > prune_epochs)
    throw Error("prune_ramp_epochs (" + std::to_string(prune_ramp_epochs) + ") must not exceed prune_epochs (" +
                std::to_string(prune_epochs) + ")");
  if (prune_steps_per_epoch < 1) throw Error("prune_steps_per_epoch must be at least 1");
  if (!(prune_fraction > 0 && prune_fraction < 1))
    throw Error("prune_fraction must be in (0, 1), got " + std::to_string(prune_fraction));
  if (prune_epochs < 1) throw Error("prune_epochs must be at least 1");
  requireScope(prune_scope);
  if (prune_criterion != "val_loss" && prune_criterion != "efficiency_at_purity" && prune_criterion != "edge_metrics")
    throw Error("prune_criterion must be val_loss, efficiency_at_purity or edge_metrics, got '" + prune_criterion + "'");
  if (!(prune_tolerance >= 0)) throw Error("prune_tolerance must be >= 0");
  if (prune_max_rounds < 1) throw Error("prune_max_rounds must be at least 1");
}

PruneConfig PruneConfig::fromYaml(const YamlNode& node) {
  PruneConfig c;
  readConfigFields(c, fields(), node);
  c.validate();
  return c;
}

std::string PruneConfig::toYaml() const { return printConfigFields(*this, fields()); }

namespace {

std::vector<QuantLinear> hiddenLayers(EdgeClassifierModel& model) {
  std::vector<QuantLinear> out;
  for (auto& l : linearLayers(model))
    if (l.layer->options().prunable) out.push_back(l.layer);
  return out;
}

torch::Tensor maskOf(const QuantLinear& layer) {
  return layer->hasMask() ? layer->mask() : torch::ones_like(layer->weight);
}

/// Pruning units of the given layers: one score per unit (|w| of a weight, or mean |w| of a
/// row), +inf for units already removed so that they are never chosen again.
struct Units {
  std::vector<torch::Tensor> scores;  // per layer, flattened
  std::int64_t remaining = 0;
};

Units unitsOf(const std::vector<QuantLinear>& layers, bool structured) {
  torch::NoGradGuard no_grad;
  Units u;
  for (const auto& l : layers) {
    const auto mask = maskOf(l).to(torch::kCPU);
    const auto w = (l->weight.detach().to(torch::kCPU) * mask).abs();
    torch::Tensor score, alive;
    if (structured) {
      score = w.mean(1);
      alive = mask.sum(1) > 0;
    } else {
      score = w.reshape({-1});
      alive = mask.reshape({-1}) > 0;
    }
    u.remaining += alive.sum().item<std::int64_t>();
    u.scores.push_back(torch::where(alive, score, torch::full_like(score, INFINITY)));
  }
  return u;
}

/// LAMP scores (Lee et al., ICLR 2021) of one layer's units: with the unit magnitudes s sorted
/// ascending, unit i scores s_i^2 / sum_{j >= i} s_j^2. Ranking these over all layers at once
/// sets each layer's share by how its weights are spread, not by their scale, which LayerNorm
/// after each Linear leaves arbitrary; a layer's largest unit scores 1 and always survives.
torch::Tensor lampScores(const torch::Tensor& score) {
  torch::NoGradGuard no_grad;
  const auto alive = torch::isfinite(score);
  const auto values = score.masked_select(alive);
  auto out = torch::full_like(score, INFINITY);
  if (values.numel() == 0) return out;
  const auto [sorted, order] = torch::sort(values, /*stable=*/true, /*dim=*/0, /*descending=*/false);
  const auto squared = sorted.to(torch::kFloat64).pow(2);
  const auto from_here = squared.flip({0}).cumsum(0).flip({0});
  const auto lamp_sorted = torch::where(from_here > 0, squared / from_here, torch::zeros_like(squared));
  const auto lamp = torch::empty_like(lamp_sorted).scatter_(0, order, lamp_sorted).to(score.scalar_type());
  out.masked_scatter_(alive, lamp);
  return out;
}

/// Masks the `count` units of smallest score among `scores` (concatenated over layers).
std::int64_t removeSmallest(const std::vector<QuantLinear>& layers, const std::vector<torch::Tensor>& scores,
                            std::int64_t count, bool structured) {
  if (count <= 0) return 0;
  torch::NoGradGuard no_grad;
  const auto all = torch::cat(scores);
  // A stable sort: equal scores are taken in order of position, so the result is exact and
  // reproducible.
  const auto order = std::get<1>(torch::sort(all, /*stable=*/true, /*dim=*/0, /*descending=*/false));
  auto chosen = torch::zeros({all.numel()}, torch::kBool);
  chosen.index_fill_(0, order.narrow(0, 0, count), true);
  std::int64_t offset = 0, removed = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    QuantLinear l = layers[i];  // a handle: the layer itself is shared
    const auto n = scores[i].numel();
    const auto cut = chosen.narrow(0, offset, n);
    offset += n;
    auto mask = maskOf(l).to(torch::kCPU).clone();
    const auto before = mask.sum().item<std::int64_t>();
    if (structured) mask.masked_fill_(cut.unsqueeze(1).expand_as(mask), 0);
    else mask.view({-1}).masked_fill_(cut, 0);
    removed += before - mask.sum().item<std::int64_t>();
    l->setMask(mask);
  }
  return removed;
}

}  // namespace

HiddenWeights hiddenWeights(EdgeClassifierModel& model) {
  HiddenWeights h;
  for (const auto& l : hiddenLayers(model)) {
    h.total += l->weight.numel();
    h.remaining += maskOf(l).sum().item<std::int64_t>();
  }
  return h;
}

std::int64_t pruneStep(EdgeClassifierModel& model, double fraction, const std::string& scope, bool structured) {
  if (!(fraction > 0 && fraction < 1)) throw Error("pruning fraction must be in (0, 1), got " + std::to_string(fraction));
  requireScope(scope);
  const auto layers = hiddenLayers(model);
  if (layers.empty()) throw Error("the model has no hidden Linear layers to prune");
  const auto count = [&](std::int64_t remaining) { return std::llround(fraction * static_cast<double>(remaining)); };
  if (scope == "global" || scope == "lamp") {
    Units u = unitsOf(layers, structured);
    if (scope == "lamp")
      for (auto& s : u.scores) s = lampScores(s);
    return removeSmallest(layers, u.scores, count(u.remaining), structured);
  }

  std::int64_t removed = 0;
  for (const auto& l : layers) {
    const Units u = unitsOf({l}, structured);
    removed += removeSmallest({l}, u.scores, count(u.remaining), structured);
  }
  return removed;
}

std::int64_t pruneTo(EdgeClassifierModel& model, double pruned_fraction, const std::string& scope, bool structured) {
  const HiddenWeights h = hiddenWeights(model);
  const double keep = (1 - pruned_fraction) * static_cast<double>(h.total);
  if (h.remaining == 0 || static_cast<double>(h.remaining) - keep < 0.5) return 0;
  return pruneStep(model, 1 - keep / static_cast<double>(h.remaining), scope, structured);
}

double gradualPrunedFraction(const PruneConfig& config, double start, double epochs_done) {
  // Each step comes first in its period, so that the model trains a whole period after it (and an
  // epoch's validation sees a model that has recovered from the step).
  const double steps = std::ceil(epochs_done * config.prune_steps_per_epoch - 1e-9);
  const double t =
      std::min(1.0, steps / (config.prune_steps_per_epoch * static_cast<double>(config.prune_ramp_epochs)));
  return config.prune_target + (start - config.prune_target) * std::pow(1 - t, 3);
}

}  // namespace efgnn

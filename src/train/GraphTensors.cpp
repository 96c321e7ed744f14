#include "train/GraphTensors.hpp"

#include <algorithm>

#include "core/Error.hpp"

namespace efgnn {
namespace {

void checkFeatures(const std::vector<std::string>& graph, int want, const std::vector<std::string>& named,
                   const char* what, const std::string& source) {
  if (static_cast<int>(graph.size()) != want)
    throw Error(source + ": the graph has " + std::to_string(graph.size()) + " " + what +
                " features, the model expects " + std::to_string(want));
  if (!named.empty() && named != graph) {
    std::string list;
    for (const auto& n : graph) list += (list.empty() ? "" : ", ") + n;
    throw Error(source + ": the graph's " + what + " features are [" + list + "], not those the model names");
  }
}

template <class T>
torch::Tensor tensorOf(const std::vector<T>& v, torch::ScalarType type, std::vector<std::int64_t> shape) {
  const auto source_type = torch::CppTypeToScalarType<T>::value;
  if (v.empty()) return torch::empty(shape, torch::TensorOptions().dtype(type));
  return torch::from_blob(const_cast<T*>(v.data()), shape, torch::TensorOptions().dtype(source_type)).to(type, false, true);
}

}  // namespace

GraphTensors GraphTensors::from(const Graph& g, const TrainConfig& config, const torch::Device& device,
                                const std::string& source) {
  checkFeatures(g.node_feature_names, config.model.node_features, config.model.node_feature_names, "node", source);
  if (config.model.edge_features > 0)
    checkFeatures(g.edge_feature_names, config.model.edge_features, config.model.edge_feature_names, "edge", source);
  const auto n = static_cast<std::int64_t>(g.numNodes()), e = static_cast<std::int64_t>(g.numEdges());
  GraphTensors t;
  t.event_id = g.event_id;
  t.x = tensorOf(g.x, torch::kFloat32, {n, static_cast<std::int64_t>(g.numNodeFeatures())}).to(device);
  t.edge_index = tensorOf(g.edge_index, torch::kInt64, {2, e}).to(device);
  t.edge_attr = tensorOf(g.edge_attr, torch::kFloat32, {e, static_cast<std::int64_t>(g.numEdgeFeatures())}).to(device);
  t.y = tensorOf(g.y, torch::kFloat32, {e}).to(device);
  t.y_target = tensorOf(g.y_target, torch::kFloat32, {e}).to(device);
  t.edge_pt = tensorOf(g.edge_pt, torch::kFloat32, {e}).to(device);
  t.edge_eta = tensorOf(g.edge_eta, torch::kFloat32, {e}).to(device);
  t.weight = edgeWeights(t.y, t.y_target, t.edge_pt, config);
  // Midpoint eta from the r and z node features (same scale, so their ratio is physical).
  const auto column = [&](const char* name) -> std::int64_t {
    const auto it = std::find(g.node_feature_names.begin(), g.node_feature_names.end(), name);
    return it == g.node_feature_names.end() ? -1 : it - g.node_feature_names.begin();
  };
  const auto r = column("r"), z = column("z");
  if (r >= 0 && z >= 0 && e > 0) {
    const auto mid = (t.x.index_select(0, t.edge_index[0]) + t.x.index_select(0, t.edge_index[1])) * 0.5;
    t.position_eta = torch::asinh(mid.select(1, z) / mid.select(1, r).clamp_min(1e-9));
  } else {
    t.position_eta = torch::zeros({e}, torch::TensorOptions().device(device));
  }
  return t;
}

torch::Tensor edgeWeights(const torch::Tensor& y, const torch::Tensor& y_target, const torch::Tensor& edge_pt,
                          const TrainConfig& c) {
  auto target = torch::full_like(y, c.target_weight);
  if (c.target_pt_exponent > 0) target = target * edge_pt.clamp(1.0, c.target_pt_max).pow(c.target_pt_exponent);
  auto w = torch::where(y_target > 0.5, target,
                        torch::where(y > 0.5, torch::full_like(y, c.non_target_true_weight),
                                     torch::full_like(y, c.fake_weight)));
  if (c.balance == "none") return w;
  const auto weighted = (w > 0).to(torch::kFloat32);
  if (c.balance == "proportional") {
    const double total = w.sum().item<double>(), count = weighted.sum().item<double>();
    return total > 0 ? w * (count / total) : w;
  }
  // equal: true and fake edges carry half of the total weight each
  const auto positive = y > 0.5;
  const double pos = w.masked_select(positive).sum().item<double>();
  const double neg = w.masked_select(~positive).sum().item<double>();
  const double total = pos + neg;
  if (pos <= 0 || neg <= 0) return w;
  return torch::where(positive, w * (0.5 * total / pos), w * (0.5 * total / neg));
}

torch::Tensor edgeLoss(const torch::Tensor& logits, const GraphTensors& g) {
  // The label is the truth; which true edges matter is the weights' business.
  return torch::binary_cross_entropy_with_logits(logits, g.y, g.weight);
}

std::vector<GraphTensors> trainingGraphsOf(const Graph& graph, const TrainConfig& config, const torch::Device& device,
                                           const std::string& source) {
  if (!config.sectors().sectored()) return {GraphTensors::from(graph, config, device, source)};
  std::vector<GraphTensors> out;
  for (const auto& sector : graphSectors(graph, config.sectors(), source)) {
    GraphTensors t = GraphTensors::from(sector.graph, config, device, source);
    const auto core = torch::tensor(std::vector<float>(sector.core.begin(), sector.core.end()), t.weight.options());
    t.weight = t.weight * core;
    out.push_back(std::move(t));
  }
  return out;
}

runtime::GraphInput GraphTensors::runtimeInput() const {
  if (!x.device().is_cpu() || !x.is_contiguous() || !edge_index.is_contiguous() ||
      (edge_attr.defined() && !edge_attr.is_contiguous()))
    throw Error("the runtime takes graphs in CPU memory, contiguous");
  runtime::GraphInput in;
  in.x = x.data_ptr<float>();
  in.num_nodes = static_cast<std::size_t>(x.size(0));
  in.node_features = static_cast<std::size_t>(x.size(1));
  in.edge_index = edge_index.data_ptr<std::int64_t>();
  in.num_edges = static_cast<std::size_t>(edge_index.size(1));
  if (edge_attr.defined() && edge_attr.numel() > 0) {
    in.edge_attr = edge_attr.data_ptr<float>();
    in.edge_features = static_cast<std::size_t>(edge_attr.size(1));
  }
  return in;
}

}  // namespace efgnn

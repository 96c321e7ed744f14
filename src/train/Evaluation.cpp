#include "train/Evaluation.hpp"

#include "core/Error.hpp"
#include "graph/GraphDataset.hpp"

namespace efgnn {

std::vector<GraphTensors> loadSplit(const std::string& split, int max_graphs, const TrainConfig& config,
                                    const torch::Device& device, bool sectored) {
  if (config.input_dir.empty()) throw Error("training config: input_dir (the graph data set) is missing");
  const GraphDataset data(config.input_dir);
  auto ids = data.ids(split);
  if (max_graphs > 0 && static_cast<int>(ids.size()) > max_graphs) ids.resize(static_cast<std::size_t>(max_graphs));
  std::vector<GraphTensors> out;
  for (const auto id : ids) {
    const auto file = data.fileOf(id);
    const Graph graph = data.read(id);
    if (graph.numEdges() == 0) continue;  // nothing to learn or measure, and a mean over nothing is NaN
    if (!sectored) {
      out.push_back(GraphTensors::from(graph, config, device, file.string()));
      continue;
    }
    for (auto& part : trainingGraphsOf(graph, config, device, file.string())) out.push_back(std::move(part));
  }
  return out;
}

Evaluation evaluate(EdgeClassifierModel& model, const std::vector<GraphTensors>& graphs, double edge_cut) {
  model.eval();
  Evaluation out{0, EdgeMetrics(edge_cut)};
  torch::NoGradGuard no_grad;
  for (const auto& g : graphs) {
    const auto logits = model.forward(g.x, g.edge_index, g.edge_attr);
    out.loss += edgeLoss(logits, g).item<double>();
    out.metrics.add(torch::sigmoid(logits), g);
  }
  if (!graphs.empty()) out.loss /= static_cast<double>(graphs.size());
  return out;
}

torch::Tensor scoreGraph(EdgeClassifierModel& model, const GraphTensors& g) {
  torch::NoGradGuard no_grad;
  return torch::sigmoid(model.forward(g.x, g.edge_index, g.edge_attr));
}

}  // namespace efgnn

// `efgnn summary`: layers and parameter counts of a model configuration or checkpoint.
#include <cstdio>

#include "cli/Commands.hpp"
#include "compress/ModelSize.hpp"
#include "core/Error.hpp"
#include "train/Checkpoint.hpp"

namespace efgnn::cli {

void addSummaryCommand(CLI::App& app) {
  struct Options {
    std::string config, model;
    std::vector<std::string> sets;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("summary", "Layers and parameter counts of a model");
  cmd->add_option("--config", o->config, "Model or training YAML (default: the reference model)");
  cmd->add_option("--model", o->model, "A checkpoint instead of a config");
  cmd->add_option("--set", o->sets, "Override a key: key=value (repeatable)");
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    if (!o->config.empty() && !o->model.empty()) throw Error("give --config or --model, not both");
    std::shared_ptr<EdgeClassifierModel> model;
    if (!o->model.empty()) {
      if (!o->sets.empty()) throw Error("--set applies to --config, not to a checkpoint");
      model = loadCheckpoint(o->model, torch::kCPU).model;
    } else {
      TrainConfig config = o->config.empty() ? TrainConfig{} : TrainConfig::fromFile(o->config);
      for (const auto& s : o->sets) config.set(s);
      model = makeModel(config.model);
    }
    const auto table = parameterTable(*model);
    const auto total = parameterCount(*model);
    if (o->json) {
      Json j = Json::object();
      j["model"] = model->config().model;
      j["hidden"] = model->config().hidden;
      j["n_graph_iters"] = model->config().n_graph_iters;
      j["parameters"] = total;
      j["quantization"] = model->config().quant.label();
      const Json size = modelSize(*model).json();
      for (const char* key : {"nonzero_parameters", "sparsity", "pruned_fraction", "weight_bits", "bias_bits",
                              "weight_bytes", "macs_per_edge_per_iteration", "macs_per_node_per_iteration"})
        j[key] = size.at(key);
      Json layers = Json::array();
      for (const auto& p : table) {
        Json l = Json::object();
        l["name"] = p.name;
        Json shape = Json::array();
        for (const auto d : p.shape) shape.push_back(d);
        l["shape"] = shape;
        l["parameters"] = p.size;
        layers.push_back(l);
      }
      j["layers"] = layers;
      printJson(j);
      return;
    }
    std::printf("%s, hidden %d, %d iterations\n", model->config().model.c_str(), model->config().hidden,
                model->config().n_graph_iters);
    for (const auto& p : table) {
      std::string shape;
      for (const auto d : p.shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
      std::printf("  %-40s %-12s %10lld\n", p.name.c_str(), shape.c_str(), static_cast<long long>(p.size));
    }
    const ModelSize size = modelSize(*model);
    std::printf("parameters: %lld (non-zero %lld, hidden weights pruned %.1f%%)\n", static_cast<long long>(total),
                static_cast<long long>(size.nonzero_parameters), 100 * size.pruned_fraction);
    std::printf("quantization: %s; %d bits per weight, %.1f kB of weights; %.0f multiplications per edge and %.0f per "
                "node per iteration\n",
                model->config().quant.label().c_str(), size.weight_bits, size.weight_bytes / 1000,
                size.macs_per_edge_per_iteration, size.macs_per_node_per_iteration);
  });
}

}  // namespace efgnn::cli

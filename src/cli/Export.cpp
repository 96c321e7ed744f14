// `efgnn export`: a checkpoint as an efgnn model file for the torch-free runtime.
#include <cstdio>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "model/ModelExport.hpp"
#include "model/OnnxExport.hpp"
#include "train/Checkpoint.hpp"

namespace efgnn::cli {

void addExportCommand(CLI::App& app) {
  struct Options {
    std::string model, config, format = "efgnn", out, onnx_names = "acts";
    std::vector<std::string> sets;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("export", "Export a checkpoint for deployment (efgnn model file for the runtime)");
  auto* model = cmd->add_option("--model", o->model, "Checkpoint (RUNDIR/best.pt)");
  auto* config = cmd->add_option("--config", o->config, "Or: a randomly initialised model of this training YAML");
  model->excludes(config);
  cmd->add_option("--set", o->sets, "With --config: override a key, key=value (repeatable)");
  cmd->add_option("--format", o->format, "efgnn (the runtime's model file) or onnx (opset 17)")
      ->capture_default_str();
  cmd->add_option("--onnx-names", o->onnx_names,
                  "onnx: input and output names, acts (x, edge_index, edge_attr, output) or reference "
                  "(node_features, edge_list, edge_attr, output)")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Output file")->required();
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    if (o->format != "efgnn" && o->format != "onnx")
      throw Error("--format: expected efgnn or onnx, got '" + o->format + "'");
    if (o->model.empty() && o->config.empty()) throw Error("export: give --model CKPT or --config CFG");
    const OnnxNames names = OnnxNames::of(o->onnx_names);
    const std::shared_ptr<EdgeClassifierModel> net = o->model.empty()
                                                         ? randomModelFromCommandLine(o->config, o->sets)
                                                         : loadCheckpoint(o->model, torch::kCPU).model;
    const runtime::ModelFile file = toModelFile(*net);
    if (o->format == "efgnn") file.write(o->out);
    else writeFileAtomically(o->out, onnxModelOf(file, o->model.empty() ? o->config : o->model, names));
    std::size_t values = 0;
    for (const auto& a : file.arrays) values += a.size();
    if (o->json) {
      Json j = Json::object();
      j["out"] = o->out;
      j["format"] = o->format;
      j["arrays"] = file.arrays.size();
      j["values"] = values;
      printJson(j);
    } else {
      std::printf("%s -> %s (%zu arrays, %zu values)\n", o->model.empty() ? o->config.c_str() : o->model.c_str(), o->out.c_str(), file.arrays.size(), values);
    }
  });
}

}  // namespace efgnn::cli

// `efgnn export`: a checkpoint as an efgnn model file for the torch-free runtime.
#include <cstdio>

#include "cli/Commands.hpp"
#include "core/Error.hpp"
#include "model/ModelExport.hpp"
#include "train/Checkpoint.hpp"

namespace efgnn::cli {

void addExportCommand(CLI::App& app) {
  struct Options {
    std::string model, format = "efgnn", out;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("export", "Export a checkpoint for deployment (efgnn model file for the runtime)");
  cmd->add_option("--model", o->model, "Checkpoint (RUNDIR/best.pt)")->required();
  cmd->add_option("--format", o->format, "efgnn")->capture_default_str();
  cmd->add_option("--out", o->out, "Output file")->required();
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    if (o->format != "efgnn") throw Error("--format: expected efgnn, got '" + o->format + "'");
    const LoadedCheckpoint ckpt = loadCheckpoint(o->model, torch::kCPU);
    const runtime::ModelFile file = toModelFile(*ckpt.model);
    file.write(o->out);
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
      std::printf("%s -> %s (%zu arrays, %zu values)\n", o->model.c_str(), o->out.c_str(), file.arrays.size(), values);
    }
  });
}

}  // namespace efgnn::cli

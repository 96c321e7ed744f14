// `efgnn import`: a checkpoint of the reference pipeline (ACORN / GNN4ITk CommonFramework
// InteractionGNN2, PyTorch Lightning) as an efgnn checkpoint, which eval, compress, prune,
// distill and export then take as any other.
#include <cstdio>

#include "cli/Commands.hpp"
#include "core/AtomicFile.hpp"
#include "model/InteractionGnn.hpp"
#include "train/Checkpoint.hpp"
#include "train/ReferenceCheckpoint.hpp"

namespace efgnn::cli {

void addImportCommand(CLI::App& app) {
  struct Options {
    std::string checkpoint, out, config_out;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("import", "Import a reference-pipeline InteractionGNN2 checkpoint (Lightning .ckpt)");
  cmd->add_option("--checkpoint", o->checkpoint, "The Lightning checkpoint (torch.save archive)")->required();
  cmd->add_option("--out", o->out, "The efgnn checkpoint to write (e.g. RUN/best.pt)")->required();
  cmd->add_option("--write-config", o->config_out,
                  "Also write a training YAML of the imported model (to fine-tune it: train --config FILE --set "
                  "init_from=CKPT, with quantization or pruning keys)");
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    const ImportedCheckpoint imported = importReferenceCheckpoint(o->checkpoint);
    TrainConfig config;
    config.model = imported.config;
    if (const auto parent = std::filesystem::path(o->out).parent_path(); !parent.empty())
      std::filesystem::create_directories(parent);
    saveCheckpoint(o->out, *imported.model, nullptr, TrainState{}, config);
    if (!o->config_out.empty())
      writeFileAtomically(o->config_out, "# The model of " + o->checkpoint + " (efgnn import); set input_dir and the training keys.\n" +
                                             config.toYaml());
    const std::int64_t parameters = parameterCount(*imported.model);
    if (o->json) {
      Json j = Json::object();
      j["checkpoint"] = o->checkpoint;
      j["out"] = o->out;
      j["tensors"] = imported.tensors;
      j["parameters"] = parameters;
      j["hidden"] = imported.config.hidden;
      j["n_graph_iters"] = imported.config.n_graph_iters;
      Json notes = Json::array();
      for (const auto& n : imported.notes) notes.push_back(n);
      j["notes"] = notes;
      printJson(j);
      return;
    }
    std::printf("%s -> %s: InteractionGNN2 h=%d, %d iterations, %lld parameters (%zu tensors)\n",
                o->checkpoint.c_str(), o->out.c_str(), imported.config.hidden, imported.config.n_graph_iters,
                static_cast<long long>(parameters), imported.tensors);
    for (const auto& n : imported.notes) std::printf("note: %s\n", n.c_str());
  });
}

}  // namespace efgnn::cli

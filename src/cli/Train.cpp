// `efgnn train` and `efgnn distill`: train an edge classifier on a graph data set, alone or
// taught by a frozen teacher. One command body serves both; distill only changes the loss.
#include <cstdio>
#include <unistd.h>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "compress/Distillation.hpp"
#include "core/Error.hpp"
#include "train/Trainer.hpp"

namespace efgnn::cli {
namespace {

struct TrainOptions {
  std::string config, out, device, teacher;
  std::vector<std::string> sets;
  int threads = -1;
  bool resume = false, json = false;
};

/// `teacher`, when given, is recorded in the run folder once the trainer has accepted it.
void trainAndReport(const TrainOptions& o, const TrainConfig& config, TrainingLoss loss,
                    const TeacherSpec* teacher = nullptr) {
  Trainer trainer(config, o.out, o.resume, std::move(loss));
  if (teacher && trainer.isMain()) recordTeacher(o.out, *teacher, o.resume);
  const bool terminal = isatty(STDERR_FILENO) != 0;
  // One line per epoch on a terminal; logs stay quiet (metrics.csv has every epoch).
  const auto history = trainer.run([&](const EpochRecord& r) {
    if (!terminal) return;
    std::fprintf(stderr, "epoch %3d/%d  lr %.2e  train %.5f  val %.5f  eff %.4f  pur %.4f  auc %.4f  (%.1f s)\n",
                 r.epoch, config.max_epochs, r.lr, r.train_loss, r.val_loss, r.efficiency, r.total_purity, r.auc,
                 r.seconds);
  });
  if (!trainer.isMain()) return;  // rank 0 reports for all
  if (history.empty()) throw Error(o.out + ": nothing to do (max_epochs already reached)");
  const EpochRecord& last = history.back();
  double seconds = 0;
  for (const auto& r : history) seconds += r.seconds;
  if (o.json) {
    Json j = Json::object();
    j["epochs"] = last.epoch;
    j["val_loss"] = last.val_loss;
    j["edgewise_efficiency"] = last.efficiency;
    j["total_purity"] = last.total_purity;
    j["auc"] = last.auc;
    j["training_seconds"] = seconds;
    j["run"] = o.out;
    printJson(j);
  } else {
    std::printf("trained %d epochs in %.0f s: val loss %.5f, edgewise efficiency %.4f, total purity %.4f -> %s\n",
                last.epoch, seconds, last.val_loss, last.efficiency, last.total_purity, o.out.c_str());
  }
}

CLI::App* addTrainingOptions(CLI::App& app, const char* name, const char* description,
                             const std::shared_ptr<TrainOptions>& o) {
  auto* cmd = app.add_subcommand(name, description);
  cmd->add_option("--config", o->config, "Training YAML (see configs/)")->required();
  cmd->add_option("--set", o->sets, "Override a key: key=value (repeatable)");
  cmd->add_option("--out", o->out, "Run directory (checkpoints, metrics.csv)")->required();
  cmd->add_flag("--resume", o->resume, "Continue the run in --out from its last checkpoint");
  cmd->add_option("--device", o->device, "cpu or cuda (overrides the config)");
  cmd->add_option("--threads", o->threads, "Threads (overrides the config; 0 = all cores)");
  cmd->add_flag("--json", o->json, "One JSON object on stdout at the end");
  return cmd;
}

}  // namespace

void addTrainCommand(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  addTrainingOptions(app, "train", "Train an Interaction-GNN edge classifier", o)->callback([o] {
    trainAndReport(*o, trainConfigFromCommandLine(o->config, o->sets, o->device, o->threads), {});
  });
}

void addDistillCommand(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  auto* cmd = addTrainingOptions(app, "distill", "Train a student model taught by a frozen teacher", o);
  cmd->add_option("--teacher", o->teacher, "The teacher (a checkpoint)")->required();
  cmd->callback([o] {
    const TrainConfig config = trainConfigFromCommandLine(o->config, o->sets, o->device, o->threads);
    const TeacherSpec teacher{o->teacher, compressionConfigFromCommandLine<DistillConfig>(o->config, o->sets)};
    trainAndReport(*o, config, distillationTrainingLoss(teacher, config, parseDevice(config.device)), &teacher);
  });
}

}  // namespace efgnn::cli

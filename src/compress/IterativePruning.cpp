#include "compress/IterativePruning.hpp"

#include <cstdio>
#include <sstream>

#include "compress/ModelSize.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "train/Checkpoint.hpp"
#include "train/ResumeSettings.hpp"
#include "train/Trainer.hpp"

namespace efgnn {

namespace fs = std::filesystem;

const std::vector<RecordField<PruneRound>>& PruneRound::fields() {
  static const std::vector<RecordField<PruneRound>> table{
      recordField("round", &PruneRound::round),
      recordField("pruned_fraction", &PruneRound::pruned_fraction),
      recordField("nonzero_parameters", &PruneRound::nonzero_parameters),
      recordField("val_loss", &PruneRound::val_loss),
      recordField("edgewise_efficiency", &PruneRound::efficiency),
      recordField("total_purity", &PruneRound::total_purity),
      recordField("efficiency_at_purity", &PruneRound::efficiency_at_purity),
      recordField("accepted", &PruneRound::accepted)};
  return table;
}

std::string pruneRoundsMarkdown(const std::vector<PruneRound>& rounds) {
  std::ostringstream out;
  out << "| round | pruned % | non-zero parameters | val loss | edgewise eff. % | total purity % | accepted |\n"
      << "|---|---|---|---|---|---|---|\n";
  char line[256];
  for (const auto& r : rounds) {
    std::snprintf(line, sizeof line, "| %d | %.1f | %lld | %.5f | %.2f | %.2f | %s |\n", r.round,
                  100 * r.pruned_fraction, static_cast<long long>(r.nonzero_parameters), r.val_loss,
                  100 * r.efficiency, 100 * r.total_purity, r.round == 0 ? "parent" : r.accepted ? "yes" : "no");
    out << line;
  }
  return out.str();
}

std::vector<PruneRound> readPruneRounds(const fs::path& out) {
  const fs::path file = out / "rounds.csv";
  std::istringstream in(readFile(file));
  std::string line;
  std::getline(in, line);  // header
  std::vector<PruneRound> rounds;
  for (std::size_t number = 2; std::getline(in, line); ++number) {
    PruneRound r;
    int accepted = 0;
    char comma;
    std::istringstream row(line);
    if (!(row >> r.round >> comma >> r.pruned_fraction >> comma >> r.nonzero_parameters >> comma >> r.val_loss >> comma >>
          r.efficiency >> comma >> r.total_purity >> comma >> r.efficiency_at_purity >> comma >> accepted))
      throw inputError(file.string(), number, "malformed pruning round");
    r.accepted = accepted != 0;
    rounds.push_back(r);
  }
  return rounds;
}

namespace {

/// A round's row from its model and that model's validation.
PruneRound roundOf(EdgeClassifierModel& model, const Evaluation& e, double reference_purity) {
  PruneRound r;
  r.pruned_fraction = hiddenWeights(model).prunedFraction();
  r.nonzero_parameters = modelSize(model).nonzero_parameters;
  r.val_loss = e.loss;
  r.efficiency = e.metrics.efficiency();
  r.total_purity = e.metrics.totalPurity();
  r.efficiency_at_purity = e.metrics.efficiencyAtPurity(reference_purity > 0 ? reference_purity : r.total_purity);
  return r;
}

PruneRound measure(EdgeClassifierModel& model, const std::vector<GraphTensors>& val, double cut, double reference_purity) {
  return roundOf(model, evaluate(model, val, cut), reference_purity);
}

bool withinTolerance(const PruneRound& r, const PruneRound& reference, const PruneConfig& c) {
  if (c.prune_criterion == "val_loss") return r.val_loss <= reference.val_loss * (1 + c.prune_tolerance);
  if (c.prune_criterion == "efficiency_at_purity")
    return r.efficiency_at_purity >= reference.efficiency_at_purity - c.prune_tolerance;
  return r.efficiency >= reference.efficiency - c.prune_tolerance &&
         r.total_purity >= reference.total_purity - c.prune_tolerance;
}

void writeTables(const fs::path& out, const std::vector<PruneRound>& rounds) {
  std::ostringstream csv;
  csv << "round,pruned_fraction,nonzero_parameters,val_loss,edgewise_efficiency,total_purity,efficiency_at_purity,"
         "accepted\n";
  csv.precision(9);
  for (const auto& r : rounds)
    csv << r.round << ',' << r.pruned_fraction << ',' << r.nonzero_parameters << ',' << r.val_loss << ','
        << r.efficiency << ',' << r.total_purity << ',' << r.efficiency_at_purity << ',' << (r.accepted ? 1 : 0)
        << "\n";
  writeFileAtomically(out / "rounds.csv", csv.str());
  writeFileAtomically(out / "rounds.md", pruneRoundsMarkdown(rounds));
}

void copyBest(const fs::path& best, const fs::path& out) {
  AtomicFile copy(out / "best.pt");
  std::error_code ec;
  fs::copy_file(best, copy.tempPath(), fs::copy_options::overwrite_existing, ec);
  if (ec) throw Error((out / "best.pt").string() + ": cannot write: " + ec.message());
  copy.commit();
}

/// The gradual schedule: one training run in out/run, pruning after optimiser steps; a row per
/// epoch. best.pt: the run's best epoch among those at the final pruned fraction.
std::vector<PruneRound> runGradual(const fs::path& parent, const PruneRound& parent_result, const PruneRound& reference,
                                   TrainConfig train, const PruneConfig& prune, const TrainingLoss& loss,
                                   const fs::path& out, const std::function<void(const PruneRound&)>& on_round) {
  if (parent_result.pruned_fraction >= prune.prune_target)
    throw Error(parent.string() + ": already " + std::to_string(100 * parent_result.pruned_fraction) +
                " % pruned, not below prune_target");
  const fs::path dir = out / "run";
  train.init_from = parent.string();
  std::vector<PruneRound> rounds{parent_result};
  if (fs::exists(out / "rounds.csv"))  // a resumed run: the epochs done so far
    for (const auto& r : readPruneRounds(out))
      if (r.round > 0) rounds.push_back(r);
  TrainingHooks hooks;
  hooks.best_from_epoch = prune.prune_ramp_epochs;
  double applied = -1;  // the schedule's last value: most steps keep it, and need not count masks
  hooks.after_step = [&](EdgeClassifierModel& model, double epochs_done) {
    const double target = gradualPrunedFraction(prune, parent_result.pruned_fraction, epochs_done);
    if (target == applied) return;
    pruneTo(model, target, prune.prune_scope, prune.prune_structured);
    applied = target;
  };
  Trainer trainer(train, dir, fs::exists(dir / "last.pt"), loss, hooks);
  rounds.resize(std::min(rounds.size(), trainer.history().size() + 1));
  trainer.run([&](const EpochRecord& e) {
    PruneRound r = roundOf(trainer.model(), trainer.lastValidation(), reference.total_purity);
    r.round = e.epoch;
    r.accepted = e.epoch >= prune.prune_ramp_epochs && withinTolerance(r, reference, prune);
    rounds.push_back(r);
    writeTables(out, rounds);
    if (on_round) on_round(r);
  });
  copyBest(dir / "best.pt", out);
  return rounds;
}

}  // namespace

std::vector<PruneRound> runIterativePruning(const fs::path& parent, TrainConfig train, const PruneConfig& prune,
                                            const fs::path& out, bool resume, const std::optional<TeacherSpec>& teacher,
                                            const std::function<void(const PruneRound&)>& on_round) {
  prune.validate();
  const torch::Device device = parseDevice(train.device);
  LoadedCheckpoint start = loadCheckpoint(parent, device);
  train.model = start.config.model;  // the parent's architecture and bit widths
  train.max_epochs = prune.prune_epochs;
  train.init_from.clear();
  train.validate();

  std::string settings =
      "parent: " + fs::absolute(parent).lexically_normal().string() + "\n" + train.toYaml() + prune.toYaml();
  if (teacher) settings += teacher->toYaml();
  if (fs::exists(out / "prune.yaml")) {
    if (!resume) throw Error(out.string() + ": already holds a pruning run; use --resume to continue it or another --out");
    // A gradual schedule depends on its ramp, not on the run's length: more epochs at the target
    // continue it, as more epochs continue a training. Rounds would change length mid-way.
    const std::vector<std::string> length = prune.prune_schedule == "gradual"
                                                ? std::vector<std::string>{"prune_epochs", "max_epochs"}
                                                : std::vector<std::string>{};
    const std::string changes = forbiddenResumeChanges(readFile(out / "prune.yaml"), settings, false, length);
    if (!changes.empty())
      throw Error(out.string() + ": the settings differ from the run being resumed (start a new --out):\n" + changes);
  }
  // Loaded before the run folder is made: a teacher whose inputs are not the model's is refused.
  const TrainingLoss loss = teacher ? distillationTrainingLoss(*teacher, train, device) : TrainingLoss{};
  fs::create_directories(out);
  writeFileAtomically(out / "prune.yaml", settings);

  const auto val = loadSplit("val", train.max_val_graphs, train, device);
  if (val.empty()) throw Error(train.input_dir + ": the val split is empty");
  PruneRound parent_result = measure(*start.model, val, train.edge_cut, 0);
  const PruneRound reference =
      prune.prune_reference.empty()
          ? parent_result
          : measure(*loadCheckpoint(prune.prune_reference, device).model, val, train.edge_cut, 0);
  if (prune.prune_schedule == "gradual")
    return runGradual(parent, parent_result, reference, train, prune, loss, out, on_round);
  std::vector<PruneRound> rounds{parent_result};
  fs::path best = parent;
  for (int round = 1; round <= prune.prune_max_rounds; ++round) {
    char name[32];
    std::snprintf(name, sizeof name, "round-%02d", round);
    const fs::path dir = out / name;
    PruneRound r;
    if (fs::exists(dir / "round.json")) {
      r = readRecord<PruneRound>(YamlNode::parseFile((dir / "round.json").string()));
    } else {
      if (!fs::exists(dir / "start.pt")) {
        LoadedCheckpoint previous = loadCheckpoint(best, device);
        pruneStep(*previous.model, prune.prune_fraction, prune.prune_scope, prune.prune_structured);
        fs::create_directories(dir);
        saveCheckpoint(dir / "start.pt", *previous.model, nullptr, TrainState{}, train);
      }
      TrainConfig round_config = train;
      round_config.init_from = (dir / "start.pt").string();
      Trainer trainer(round_config, dir, fs::exists(dir / "last.pt"), loss);
      trainer.run();
      LoadedCheckpoint tuned = loadCheckpoint(dir / "best.pt", device);
      r = measure(*tuned.model, val, train.edge_cut, reference.total_purity);
      r.round = round;
      r.accepted = withinTolerance(r, reference, prune);
      writeFileAtomically(dir / "round.json", r.json().dump(2) + "\n");
    }
    rounds.push_back(r);
    writeTables(out, rounds);
    if (on_round) on_round(r);
    if (!r.accepted) break;
    best = dir / "best.pt";
  }
  // The most pruned accepted model (the parent itself if no round was accepted).
  copyBest(best, out);
  return rounds;
}

}  // namespace efgnn

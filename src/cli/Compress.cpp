// `efgnn prune` and `efgnn scan`: shrinking a trained edge classifier, and tables of many
// trainings (`efgnn distill` is a training command, in Train.cpp).
#include <unistd.h>

#include <cstdio>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "compress/IterativePruning.hpp"
#include "compress/Scan.hpp"
#include "core/Error.hpp"

namespace efgnn::cli {
namespace {

bool terminal() { return isatty(STDERR_FILENO) != 0; }

}  // namespace

void addCompressCommands(CLI::App& app) {
  struct Options {
    std::string from, config, out, teacher;
    std::vector<std::string> sets;
    int threads = -1;
    bool resume = false, json = false;
  };
  {
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("prune", "Iterative magnitude pruning of a trained model");
    cmd->add_option("--from", o->from, "The model to prune (a checkpoint)")->required();
    cmd->add_option("--config", o->config, "YAML: data, optimiser and prune_* keys")->required();
    cmd->add_option("--set", o->sets, "Override a key: key=value (repeatable)");
    cmd->add_option("--out", o->out, "Output directory (rounds, rounds.csv, best.pt)")->required();
    cmd->add_option("--teacher", o->teacher,
                    "Fine-tune each round by distillation from this model (a checkpoint; distill_* keys)");
    cmd->add_option("--threads", o->threads, "Threads (0 = all cores)");
    cmd->add_flag("--resume", o->resume, "Continue the run in --out");
    cmd->add_flag("--json", o->json, "One JSON object on stdout at the end");
    cmd->callback([o] {
      const TrainConfig train = trainConfigFromCommandLine(o->config, o->sets, "", o->threads);
      const auto prune = compressionConfigFromCommandLine<PruneConfig>(o->config, o->sets);
      std::optional<TeacherSpec> teacher;
      if (!o->teacher.empty())
        teacher = TeacherSpec{o->teacher, compressionConfigFromCommandLine<DistillConfig>(o->config, o->sets)};
      const auto rounds =
          runIterativePruning(o->from, train, prune, o->out, o->resume, teacher, [&](const PruneRound& r) {
            if (!terminal()) return;
            const bool gradual = prune.prune_schedule == "gradual";
            std::fprintf(stderr, "%s %2d: %.1f%% pruned, val loss %.5f, eff %.4f, purity %.4f -> %s\n",
                         gradual ? "epoch" : "round", r.round, 100 * r.pruned_fraction, r.val_loss, r.efficiency,
                         r.total_purity,
                         r.accepted ? "accepted"
                         : gradual  ? "not (yet) within tolerance"
                                    : "rejected, stop");
          });
      if (o->json) {
        Json j = Json::object();
        Json list = Json::array();
        for (const auto& r : rounds) list.push_back(r.json());
        j["rounds"] = list;
        j["best"] = o->out + "/best.pt";
        printJson(j);
      } else {
        std::printf("%s", pruneRoundsMarkdown(rounds).c_str());
      }
    });
  }
  {
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("scan", "A grid of trainings, pruning and distillation runs with tables and curves");
    cmd->add_option("--config", o->config, "Scan YAML (see configs/scans/)")->required();
    cmd->add_option("--set", o->sets, "A key for every run, as in the scan's top-level set: key=value (repeatable)");
    cmd->add_option("--out", o->out, "Output directory")->required();
    cmd->add_flag("--resume", o->resume, "Continue the scan in --out (its settings must be unchanged)");
    cmd->add_flag("--json", o->json, "One JSON object on stdout at the end");
    cmd->callback([o] {
      const ScanConfig scan = ScanConfig::fromFile(o->config, o->sets);
      std::size_t done = 0;
      const auto results = runScan(scan, o->out, o->resume, [&](const ScanResult& r) {
        ++done;
        if (terminal())
          std::fprintf(stderr, "[%zu/%zu] %s: test eff %.4f, purity %.4f, %lld non-zero parameters\n", done,
                       scan.runs.size(), r.name.c_str(), r.test.efficiency, r.test.total_purity,
                       static_cast<long long>(r.size.nonzero_parameters));
      });
      if (o->json) {
        Json j = Json::object();
        Json list = Json::array();
        for (const auto& r : results) list.push_back(r.json());
        j["runs"] = list;
        j["results"] = o->out + "/results.md";
        printJson(j);
      } else {
        std::printf("%s", scanMarkdown(results, o->out).c_str());
      }
    });
  }
}

}  // namespace efgnn::cli

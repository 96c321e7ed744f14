#include "compress/Scan.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "compress/IterativePruning.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Gnuplot.hpp"
#include "train/Checkpoint.hpp"
#include "train/ResumeSettings.hpp"
#include "train/Trainer.hpp"

namespace efgnn {

namespace fs = std::filesystem;

namespace {

/// Applies one key of a scan (training, model, pruning or distillation key) to a run.
void applyKey(ScanRun& run, const std::string& key, const YamlNode& value) {
  if (const auto* f = findConfigField(PruneConfig::fields(), key)) return f->read(run.pruning, value);
  if (const auto* f = findConfigField(DistillConfig::fields(), key)) return f->read(run.distillation, value);
  if (value.isSequence() || value.isMap()) throw value.error("a scan sets single values; use grid for lists");
  try {
    // Quoted, so that values such as "@float" survive the round trip through YAML.
    std::string quoted = "'";
    for (const char c : value.asString()) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    run.train.set(key + "=" + quoted + "'");
  } catch (const Error& e) {
    throw value.error(e.what());
  }
}

void applyMap(ScanRun& run, const YamlNode& map) {
  for (const auto& key : map.keys()) applyKey(run, key, map[key]);
}

/// A run's name is its directory under runs/: one path component, not "." or ".." (which
/// would write into runs/ or beside it), not hidden, and within the file system's 255 bytes.
std::string safeName(const std::string& name, const YamlNode& where) {
  if (name.empty()) throw where.error("a run needs a name");
  const std::string allowed = "use letters, digits and - _ = . , only, not starting with '.', at most 200 characters";
  for (const char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '=' || c == '.' || c == ','))
      throw where.error("run name '" + name + "': " + allowed);
  if (name.front() == '.' || name.size() > 200) throw where.error("run name '" + name + "': " + allowed);
  return name;
}

}  // namespace

std::vector<std::string> compressionKeys() {
  std::vector<std::string> k = PruneConfig::keys();
  for (const auto& d : DistillConfig::keys()) k.push_back(d);
  return k;
}

std::string ScanRun::settings() const {
  std::string text = "prune: " + std::string(prune ? "true" : "false") + "\nteacher: " + teacher + "\n" + train.toYaml();
  if (prune) text += pruning.toYaml();
  if (!teacher.empty()) text += distillation.toYaml();
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) out += name + "." + line + "\n";
  return out;
}

ScanConfig ScanConfig::fromFile(const std::string& path, const std::vector<std::string>& sets) {
  const YamlNode root = YamlNode::parseFile(path);
  root.allowOnly({"train", "set", "runs", "grid"});
  const fs::path base = fs::path(path).parent_path();
  ScanRun common;
  if (root.has("train")) {
    const fs::path file = base / root["train"].asString();
    common.train = TrainConfig::fromFile(file.string(), compressionKeys());
    const YamlNode train_yaml = YamlNode::parseFile(file.string());
    common.pruning = PruneConfig::fromYaml(train_yaml);
    common.distillation = DistillConfig::fromYaml(train_yaml);
  }
  if (root.has("set")) applyMap(common, root["set"]);
  for (const auto& s : sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--set '" + s + "': expected key=value");
    applyKey(common, s.substr(0, eq), YamlNode::parse("v: '" + s.substr(eq + 1) + "'", "--set " + s)["v"]);
  }

  std::vector<ScanRun> variants;
  if (root.has("runs")) {
    const YamlNode runs = root["runs"];
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const YamlNode r = runs.at(i);
      r.allowOnly({"name", "set", "prune", "teacher"});
      ScanRun run = common;
      run.name = safeName(r.get("name", std::string()), r);
      if (r.has("set")) applyMap(run, r["set"]);
      run.prune = r.get("prune", false);
      run.teacher = r.get("teacher", std::string());
      variants.push_back(std::move(run));
    }
  } else {
    variants.push_back(common);
  }
  // The grid: every variant for every combination of values, in the order the keys are given.
  if (root.has("grid")) {
    const YamlNode grid = root["grid"];
    for (const auto& key : grid.keys()) {
      const YamlNode values = grid[key];
      if (!values.isSequence() || values.size() == 0) throw values.error("a grid key needs a list of values");
      std::vector<ScanRun> crossed;
      for (const auto& v : variants)
        for (std::size_t i = 0; i < values.size(); ++i) {
          ScanRun run = v;
          applyKey(run, key, values.at(i));
          run.grid_suffix += "," + key + "=" + values.at(i).asString();
          run.name = (run.name.empty() ? "" : run.name + ",") + key + "=" + values.at(i).asString();
          safeName(run.name, values.at(i));
          crossed.push_back(std::move(run));
        }
      variants = std::move(crossed);
    }
  }
  ScanConfig scan;
  std::set<std::string> names;
  for (auto& run : variants) {
    if (run.name.empty()) run.name = "base";
    if (!names.insert(run.name).second) throw root.error("two runs are named '" + run.name + "'");
    // Paths relative to the scan file, "@NAME" references checked against earlier runs.
    for (std::string* p : {&run.train.init_from, &run.teacher, &run.pruning.prune_reference}) {
      if (p->empty()) continue;
      if ((*p)[0] == '@') {
        // The run of the same grid point first, then a run of that exact name.
        const std::string same_point = p->substr(1) + run.grid_suffix;
        if (names.count(same_point) && same_point != run.name) *p = "@" + same_point;
        else if (!names.count(p->substr(1)) || p->substr(1) == run.name)
          throw root.error("run '" + run.name + "' refers to '" + *p + "', which is not an earlier run");
      } else if (fs::path(*p).is_relative()) {
        *p = (base / *p).lexically_normal().string();
      }
    }
    if (run.prune && run.train.init_from.empty())
      throw root.error("run '" + run.name + "' prunes, but has no init_from (the model to prune)");
    run.pruning.validate();
    run.distillation.validate();
    if (run.train.input_dir.empty()) throw root.error("run '" + run.name + "': input_dir (the graphs) is not set");
    scan.runs.push_back(std::move(run));
  }
  return scan;
}

const std::vector<RecordField<SplitResult>>& SplitResult::fields() {
  static const std::vector<RecordField<SplitResult>> table{
      recordField("loss", &SplitResult::loss), recordField("edgewise_efficiency", &SplitResult::efficiency),
      recordField("total_purity", &SplitResult::total_purity), recordField("auc", &SplitResult::auc)};
  return table;
}

const std::vector<RecordField<ScanResult>>& ScanResult::fields() {
  static const std::vector<RecordField<ScanResult>> table{
      recordField("name", &ScanResult::name),
      recordField("hidden", &ScanResult::hidden),
      recordField("n_graph_iters", &ScanResult::n_graph_iters),
      recordField("norm", &ScanResult::norm),
      recordField("quant", &ScanResult::quant),
      recordField("recurrent", &ScanResult::recurrent),
      recordField("distilled", &ScanResult::distilled),
      recordField("pruned", &ScanResult::pruned),
      recordField("size", &ScanResult::size),
      recordField("val", &ScanResult::val),
      recordField("test", &ScanResult::test),
      recordField("epochs", &ScanResult::epochs),
      recordField("training_seconds", &ScanResult::training_seconds)};
  return table;
}

namespace {

SplitResult measureSplit(EdgeClassifierModel& model, const TrainConfig& config, const std::string& split,
                         const torch::Device& device) {
  const auto graphs = loadSplit(split, split == "val" ? config.max_val_graphs : 0, config, device);
  if (graphs.empty()) return {};
  const Evaluation e = evaluate(model, graphs, config.edge_cut);
  return {e.loss, e.metrics.efficiency(), e.metrics.totalPurity(), e.metrics.auc()};
}

std::string resolve(const std::string& reference, const fs::path& out) {
  if (reference.empty() || reference[0] != '@') return reference;
  return (out / "runs" / reference.substr(1) / "best.pt").string();
}

ScanResult executeRun(const ScanRun& spec, const fs::path& out) {
  const fs::path dir = out / "runs" / spec.name;
  TrainConfig train = spec.train;
  train.init_from = resolve(train.init_from, out);
  PruneConfig pruning = spec.pruning;
  pruning.prune_reference = resolve(pruning.prune_reference, out);
  const torch::Device device = parseDevice(train.device);
  double seconds = 0;
  int epochs = 0;
  std::optional<TeacherSpec> teacher;
  if (!spec.teacher.empty()) teacher = TeacherSpec{resolve(spec.teacher, out), spec.distillation};
  if (spec.prune) {
    runIterativePruning(train.init_from, train, pruning, dir, fs::exists(dir / "prune.yaml"), teacher);
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_directory())
        for (const auto& r : readMetricsCsv(entry.path() / "metrics.csv")) {
          seconds += r.seconds;
          ++epochs;
        }
  } else {
    Trainer trainer(train, dir, fs::exists(dir / "last.pt"),
                    teacher ? distillationTrainingLoss(*teacher, train, device) : TrainingLoss{});
    for (const auto& r : trainer.run()) {
      seconds += r.seconds;
      ++epochs;
    }
  }
  LoadedCheckpoint best = loadCheckpoint(dir / "best.pt", device);
  ScanResult r;
  const ModelConfig& m = best.config.model;
  r.name = spec.name;
  r.hidden = m.hidden;
  r.n_graph_iters = m.n_graph_iters;
  r.norm = m.layernorm ? "layernorm" : m.batchnorm ? "batchnorm" : "none";
  r.quant = m.quant.label();
  r.recurrent = m.node_net_recurrent || m.edge_net_recurrent;
  r.distilled = !spec.teacher.empty();
  r.pruned = spec.prune;
  r.size = modelSize(*best.model);
  r.val = measureSplit(*best.model, train, "val", device);
  r.test = measureSplit(*best.model, train, "test", device);
  r.epochs = epochs;
  r.training_seconds = seconds;
  return r;
}

/// Points "x eff purity label" for gnuplot, one line per result.
/// `series`: the points are steps of one quantity (bits, rounds) and are joined by lines; else
/// separate runs, drawn as points with slanted labels so that neighbours stay readable.
void plot(const fs::path& file, const std::string& title, const std::string& xlabel, bool log_x, bool series,
          const std::vector<std::tuple<double, double, double, std::string>>& points) {
  std::ostringstream gp;
  gp << "$data << EOD\n";
  for (const auto& [x, eff, pur, label] : points)
    gp << x << ' ' << 100 * eff << ' ' << 100 * pur << ' ' << gnuplotDataString(label) << "\n";
  gp << "EOD\n"
     << "set title " << gnuplotQuote(title) << "\nset xlabel " << gnuplotQuote(xlabel)
     << "\nset ylabel 'percent'\nset grid\nset key bottom right\nset offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n"
     << (log_x ? "set logscale x\n" : "")
     << "plot $data u 1:2 w " << (series ? "lp" : "p") << " pt 7 t 'edgewise efficiency', $data u 1:3 w "
     << (series ? "lp" : "p") << " pt 5 t 'total purity', $data u 1:2:4 w labels "
     << (series ? "offset 0,1" : "rotate by 45 left offset 0.5,0.5") << " font ',8' notitle\n";
  renderGnuplotPng(file, gp.str());
}

void writeOutputs(const std::vector<ScanResult>& results, const fs::path& out) {
  Json all = Json::array();
  for (const auto& r : results) all.push_back(r.json());
  writeFileAtomically(out / "results.json", all.dump(2) + "\n");
  // Curves where the scan varies the quantity: size, bits, and each pruning run's rounds.
  std::vector<std::tuple<double, double, double, std::string>> by_size, by_bits;
  std::set<double> sizes, bits;
  for (const auto& r : results) {
    by_size.emplace_back(static_cast<double>(r.size.nonzero_parameters), r.test.efficiency, r.test.total_purity, r.name);
    sizes.insert(static_cast<double>(r.size.nonzero_parameters));
    if (!r.pruned && !r.distilled) {
      by_bits.emplace_back(r.size.weight_bits, r.test.efficiency, r.test.total_purity, r.name);
      bits.insert(r.size.weight_bits);
    }
  }
  std::sort(by_size.begin(), by_size.end());
  std::sort(by_bits.begin(), by_bits.end());
  if (sizes.size() > 1)
    plot(out / "efficiency_vs_parameters.png", "test edge metrics versus model size", "non-zero parameters", true, false,
         by_size);
  if (bits.size() > 1) plot(out / "efficiency_vs_bits.png", "test edge metrics versus weight bits (float = 32)",
                            "bits per weight", false, true, by_bits);
  for (const auto& r : results) {
    if (!r.pruned) continue;
    std::vector<std::tuple<double, double, double, std::string>> rounds;
    for (const auto& round : readPruneRounds(out / "runs" / r.name))
      rounds.emplace_back(100 * round.pruned_fraction, round.efficiency, round.total_purity,
                          "r" + std::to_string(round.round));
    if (rounds.size() > 1)
      plot(out / ("efficiency_vs_pruned_" + r.name + ".png"), "validation edge metrics while pruning " + r.name,
           "hidden weights pruned [%]", false, true, rounds);
  }
  writeFileAtomically(out / "results.md", scanMarkdown(results, out));
}

}  // namespace

std::optional<StudyFigure> ScanResult::study() const {
  if (pruned || distilled) return std::nullopt;
  return studyFigureAt80Events({hidden, n_graph_iters, norm, recurrent, size.weight_bits >= 32 ? 0 : size.weight_bits});
}

std::string ScanResult::studyText() const {
  const auto figure = study();
  if (!figure) return "";
  char text[64];
  std::snprintf(text, sizeof text, "%.2f / %.2f", figure->efficiency, figure->total_purity);
  return text;
}

std::string scanMarkdown(const std::vector<ScanResult>& results, const fs::path& out) {
  std::ostringstream md;
  md << "# Scan results\n\nEdge metrics of each run's best checkpoint on the test split (validation loss beside "
        "them); sizes count non-zero parameters as inference uses them. The study's column: its edgewise efficiency / "
        "total purity for the same model at 80 training events (ITk ttbar, <mu> = 200, graphs of every hit; "
        "REFERENCE.md section 12).\n\n"
     << "| run | hidden | iters | norm | bits | distilled | pruned % | parameters | non-zero | weight kB | "
        "MACs/edge/iter | test eff. % | test purity % | study eff. / purity % | val loss | epochs |\n"
     << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  char line[512];
  for (const auto& r : results) {
    std::snprintf(line, sizeof line, "| %s | %d | %d | %s | %s | %s | %.1f | %lld | %lld | %.1f | %.0f | %.2f | %.2f | %s | %.5f | %d |\n",
                  r.name.c_str(), r.hidden, r.n_graph_iters, r.norm.c_str(), r.quant.c_str(), r.distilled ? "yes" : "no",
                  100 * r.size.pruned_fraction, static_cast<long long>(r.size.parameters),
                  static_cast<long long>(r.size.nonzero_parameters), r.size.weight_bytes / 1000,
                  r.size.macs_per_edge_per_iteration, 100 * r.test.efficiency, 100 * r.test.total_purity,
                  r.studyText().c_str(), r.val.loss, r.epochs);
    md << line;
  }
  for (const auto& r : results)
    if (r.pruned) md << "\n## Pruning rounds of " << r.name << " (validation)\n\n" << pruneRoundsMarkdown(readPruneRounds(out / "runs" / r.name));
  for (const char* png : {"efficiency_vs_parameters.png", "efficiency_vs_bits.png"})
    if (fs::exists(out / png)) md << "\n![" << png << "](" << png << ")\n";
  for (const auto& r : results)
    if (fs::exists(out / ("efficiency_vs_pruned_" + r.name + ".png")))
      md << "\n![pruning " << r.name << "](efficiency_vs_pruned_" << r.name << ".png)\n";
  return md.str();
}

std::vector<ScanResult> runScan(const ScanConfig& scan, const fs::path& out, bool resume,
                                const std::function<void(const ScanResult&)>& on_run) {
  std::string settings;
  for (const auto& run : scan.runs) settings += run.settings();
  const fs::path settings_file = out / "settings.txt";
  if (fs::exists(settings_file)) {
    if (!resume) throw Error(out.string() + ": already holds a scan; use --resume to continue it or another --out");
    const std::string changes = forbiddenResumeChanges(readFile(settings_file), settings, false);
    if (!changes.empty())
      throw Error(out.string() + ": the scan's settings changed since it started (use another --out); changes:\n" +
                  changes);
  } else if (resume) {
    throw Error(out.string() + ": no scan to resume (settings.txt is missing)");
  }
  fs::create_directories(out / "runs");
  writeFileAtomically(settings_file, settings);
  std::vector<ScanResult> results;
  for (const auto& run : scan.runs) {
    const fs::path result_file = out / "runs" / run.name / "result.json";
    ScanResult r = fs::exists(result_file) ? readRecord<ScanResult>(YamlNode::parseFile(result_file.string()))
                                           : executeRun(run, out);
    if (!fs::exists(result_file)) writeFileAtomically(result_file, r.json().dump(2) + "\n");
    results.push_back(r);
    writeOutputs(results, out);
    if (on_run) on_run(r);
  }
  return results;
}

}  // namespace efgnn

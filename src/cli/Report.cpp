// `efgnn report`: one page (Markdown and HTML) with the plots a physicist looks
// at to judge a model: edge scores, ROC, edge efficiency and purity, track
// efficiency, fake and duplicate rates, timing, training curves and compression
// tables. Sources are training runs (the model is evaluated on its data set's
// test split) and reconstruction directories (their reconstruction.json);
// several of each are overlaid.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli/Commands.hpp"
#include "compress/IterativePruning.hpp"
#include "compress/ModelSize.hpp"
#include "compress/Scan.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/OutputDirectory.hpp"
#include "core/Yaml.hpp"
#include "eval/PerformancePlots.hpp"
#include "eval/ReportPage.hpp"
#include "io/CsvTable.hpp"
#include "model/TorchThreads.hpp"
#include "train/Checkpoint.hpp"
#include "train/Evaluation.hpp"

namespace efgnn::cli {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::vector<std::string> runs, reconstructions;
  std::string out, graphs, split = "test", device = "cpu";
  int threads = 0;
  bool force = false, json = false;
};

/// A source as given: "LABEL=DIR" or "DIR" (labelled by its last path
/// component).
std::pair<std::string, fs::path> labelled(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq != std::string::npos && eq > 0 && arg.find('/') > eq) return {arg.substr(0, eq), arg.substr(eq + 1)};
  fs::path dir(arg);
  const std::string name = (dir.has_filename() ? dir : dir.parent_path()).filename().string();
  return {name.empty() ? arg : name, dir};
}

/// What the page knows of one model: its edge metrics, size, and for a reconstruction its track
/// metrics and timing, as the JSON documents that hold them (a reconstruction's from its file).
struct Source {
  std::string label, kind;  // kind: "run" or "reconstruction"
  fs::path dir;
  YamlNode edge, size;
  std::optional<YamlNode> tracks, timing;
  std::string builder;
};

std::string percent(double v, int digits = 2) {
  char s[32];
  std::snprintf(s, sizeof s, "%.*f", digits, 100 * v);
  return s;
}

std::string number(double v, const char* format = "%.0f") {
  char s[32];
  std::snprintf(s, sizeof s, format, v);
  return s;
}

/// Evaluates a training (or pruning) run's best model on a split of its data
/// set.
Source evaluateRun(const std::string& label, const fs::path& dir, const Options& o, const fs::path& work) {
  const fs::path best = dir / "best.pt";
  if (!fs::exists(best)) throw Error(dir.string() + ": no best.pt (not a training, pruning or distillation run)");
  const torch::Device device = parseDevice(o.device);
  LoadedCheckpoint ckpt = loadCheckpoint(best, device);
  ckpt.model->eval();
  TrainConfig data = ckpt.config;
  if (!o.graphs.empty()) data.input_dir = o.graphs;
  const auto graphs = loadSplit(o.split, 0, data, device);
  if (graphs.empty()) throw Error(data.input_dir + ": split '" + o.split + "' is empty; choose another with --split");
  const Evaluation e = evaluate(*ckpt.model, graphs, ckpt.config.edge_cut);
  Json j = e.metrics.json();
  j["loss"] = e.loss;
  j["graphs"] = graphs.size();
  j["model_size"] = modelSize(*ckpt.model).json();
  const fs::path file = work / ("edge-metrics-" + label + ".json");
  writeFileAtomically(file, j.dump(2) + "\n");  // one of the report's outputs
  const YamlNode node = YamlNode::of(j, file.string());
  return Source{label, "run", dir, node, node["model_size"], std::nullopt, std::nullopt, ""};
}

Source readReconstruction(const std::string& label, const fs::path& dir) {
  const fs::path file = dir / "reconstruction.json";
  if (!fs::exists(file)) throw Error(dir.string() + ": no reconstruction.json (run efgnn reconstruct first)");
  const YamlNode j = YamlNode::parseFile(file.string());
  if (!j.has("metrics") || !j.has("edge_metrics"))
    throw Error(file.string() + ": no metrics (events without truth); nothing to report");
  return Source{label,           "reconstruction", dir,         j["edge_metrics"],
                j["model_size"], j["metrics"],     j["timing"], j["builder"].asString()};
}

/// Training curves from a run's metrics.csv: losses, and edge efficiency and
/// purity per epoch.
void trainingSection(ReportPage& page, const std::string& label, const fs::path& dir, const fs::path& work) {
  const fs::path csv = dir / "metrics.csv";
  if (!fs::exists(csv)) return;
  const io::CsvTable t = io::CsvTable::read(csv);
  const auto series = [&](const char* column, const std::string& label) {
    PlotSeries p{label, {}, {}, {}};
    const auto epoch = t.column("epoch"), c = t.column(column);
    for (std::size_t r = 0; r < t.rows(); ++r) {
      p.x.push_back(t.get<double>(r, epoch));
      p.y.push_back(t.get<double>(r, c));
    }
    return p;
  };
  const std::string loss_png = "training-loss-" + label + ".png", metrics_png = "training-metrics-" + label + ".png";
  plotSeries(work / loss_png, {label + ": training curves", "epoch", "weighted BCE loss", false, true},
             {series("train_loss", "training loss"), series("val_loss", "validation loss")});
  plotSeries(work / metrics_png, {label + ": validation edge metrics at the edge cut", "epoch", "fraction"},
             {series("edgewise_efficiency", "edgewise efficiency"), series("total_purity", "total purity"),
              series("auc", "AUC")});
  page.heading("Training: " + label);
  page.paragraph(std::to_string(t.rows()) + " epochs (" + csv.string() + ").");
  page.image(loss_png, label + ": training and validation loss per epoch");
  page.image(metrics_png, label + ": validation edgewise efficiency, total purity and AUC per epoch");
}

/// Compression tables: a pruning run's rounds, a scan's results (with its own
/// plots).
void compressionSection(ReportPage& page, const std::string& label, const fs::path& dir, const fs::path& work) {
  if (fs::exists(dir / "rounds.csv")) {
    const auto rounds = readPruneRounds(dir);
    std::vector<std::vector<std::string>> rows;
    PlotSeries eff{"edgewise efficiency", {}, {}, {}}, purity{"total purity", {}, {}, {}};
    for (const auto& r : rounds) {
      rows.push_back({std::to_string(r.round), percent(r.pruned_fraction, 1), std::to_string(r.nonzero_parameters),
                      number(r.val_loss, "%.5f"), percent(r.efficiency), percent(r.total_purity),
                      r.accepted ? "yes" : "no"});
      eff.x.push_back(100 * r.pruned_fraction);
      eff.y.push_back(100 * r.efficiency);
      purity.x.push_back(100 * r.pruned_fraction);
      purity.y.push_back(100 * r.total_purity);
    }
    const std::string png = "pruning-" + label + ".png";
    plotSeries(work / png, {label + ": iterative pruning (validation set)", "hidden weights pruned [%]", "[%]"},
               {eff, purity});
    page.heading("Pruning: " + label);
    page.table({"round", "pruned %", "non-zero parameters", "val loss", "efficiency %", "purity %", "accepted"}, rows);
    page.image(png, label +
                        ": validation efficiency and purity versus the "
                        "fraction of hidden weights pruned");
  }
  if (fs::exists(dir / "results.json")) {
    const YamlNode results = YamlNode::parseFile((dir / "results.json").string());
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < results.size(); ++i) {
      const ScanResult r = readRecord<ScanResult>(results.at(i));
      rows.push_back({r.name, std::to_string(r.hidden), std::to_string(r.n_graph_iters), r.norm, r.quant,
                      std::to_string(r.size.nonzero_parameters), percent(r.size.pruned_fraction, 1),
                      number(r.size.weight_bytes / 1000, "%.1f"), percent(r.test.efficiency),
                      percent(r.test.total_purity), r.studyText()});
    }
    page.heading("Compression scan: " + label);
    page.paragraph("Beside each run, the study's edgewise efficiency / total purity for the same model at 80 training "
                   "events (ITk ttbar, <mu> = 200, graphs of every hit; REFERENCE.md section 12), where it has one.");
    page.table({"run", "hidden", "iterations", "norm", "bits", "non-zero parameters", "pruned %", "weights [kB]",
                "test efficiency %", "test purity %", "study: efficiency / purity %"},
               rows);
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".png") {
        const std::string name = "scan-" + label + "-" + e.path().filename().string();
        fs::copy_file(e.path(), work / name, fs::copy_options::overwrite_existing);
        page.image(name, label + ": " + e.path().stem().string());
      }
  }
}

/// The summary table (one row per model) and the edge-classification plots.
struct SummaryTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

SummaryTable summaryAndEdgeSections(ReportPage& page, const std::vector<Source>& sources, const fs::path& work) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : sources) {
    std::vector<std::string> row{s.label,
                                 s.kind == "run"
                                     ? "test split, " + std::to_string(s.edge["graphs"].asInt()) + " graphs"
                                     : s.builder + ", " + std::to_string(s.tracks->get("events", 0LL)) + " events",
                                 std::to_string(s.size["nonzero_parameters"].asInt()),
                                 std::to_string(s.size["weight_bits"].asInt()),
                                 percent(s.edge["edgewise_efficiency"].asDouble()),
                                 percent(s.edge["total_purity"].asDouble()),
                                 number(s.edge["auc"].asDouble(), "%.4f")};
    if (s.tracks) {
      const YamlNode& t = *s.tracks;
      row.push_back(percent(t["track_efficiency"].asDouble()) + " ± " +
                    percent(t["track_efficiency_error"].asDouble()));
      row.push_back(percent(t["fake_rate"].asDouble()) + " ± " + percent(t["fake_rate_error"].asDouble()));
      row.push_back(percent(t["duplicate_rate"].asDouble()) + " ± " + percent(t["duplicate_rate_error"].asDouble()));
      row.push_back(number((*s.timing)["total"]["median_ms"].asDouble(), "%.1f"));
    } else {
      row.insert(row.end(), 4, "");
    }
    rows.push_back(row);
  }
  page.heading("Summary");
  page.paragraph(
      "Edge metrics at each model's edge cut; track metrics with "
      "two-way (double-majority) matching "
      "unless stated below; track efficiency for target particles; "
      "ms/event is the median of the "
      "whole chain after warm-up.");
  SummaryTable summary{{"model", "evaluated on", "non-zero parameters", "weight bits", "edge efficiency %", "edge purity %",
              "AUC", "track efficiency %", "fake rate %", "duplicate rate %", "ms/event"}, rows};
  page.table(summary.header, summary.rows);

  // Edge classification.
  page.heading("Edge classification");
  for (const auto& s : sources) {
    const std::string png = "scores-" + s.label + ".png";
    plotScoreDistributions(work / png, s.label + ": edge score distributions", s.edge["score_histogram"]);
    page.image(png, s.label +
                        ": scores of target, other true and fake edges "
                        "(each normalised to unit area)");
  }
  std::vector<PlotSeries> roc, eff_pt, eff_eta, purity_eta;
  for (const auto& s : sources) {
    roc.push_back(rocSeries(s.edge["roc"], s.label));
    eff_pt.push_back(binnedSeries(s.edge["efficiency_vs_pt"], s.label, true));
    eff_eta.push_back(binnedSeries(s.edge["efficiency_vs_eta"], s.label));
    purity_eta.push_back(binnedSeries(s.edge["purity_vs_eta"], s.label));
  }
  plotSeries(work / "roc.png",
             {"ROC: target edges against fake edges", "fraction of fake edges kept",
              "edgewise efficiency (target edges kept)", true},
             roc);
  page.image("roc.png",
             "ROC curve: target-edge efficiency versus the fraction "
             "of fake edges above the cut");
  plotSeries(work / "edge-efficiency-pt.png",
             {"Edgewise efficiency versus particle pT", "particle pT [GeV]", "edgewise efficiency", true}, eff_pt);
  page.image("edge-efficiency-pt.png", "Edgewise efficiency (target edges) versus the particle's pT");
  plotSeries(work / "edge-efficiency-eta.png",
             {"Edgewise efficiency versus particle eta", "particle eta", "edgewise efficiency"}, eff_eta);
  page.image("edge-efficiency-eta.png", "Edgewise efficiency (target edges) versus the particle's eta");
  plotSeries(work / "edge-purity-eta.png",
             {"Total purity versus edge eta", "eta of the edge's midpoint", "total purity (true among accepted edges)"},
             purity_eta);
  page.image("edge-purity-eta.png", "Total purity of the accepted edges versus the edge's eta");
  return summary;
}

/// The target particles each reconstruction lost, by cause (TrackLoss) and pT bin.
void lostParticlesTable(ReportPage& page, const std::vector<Source>& sources) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header{"model", "cause", "all"};
  for (const auto& s : sources) {
    if (!s.tracks || !s.tracks->has("lost_target_particles")) continue;
    const YamlNode lost = (*s.tracks)["lost_target_particles"];
    const YamlNode totals = (*s.tracks)["efficiency_vs_pt"];
    if (header.size() == 3)
      for (std::size_t b = 0; b < totals.size(); ++b)
        header.push_back(number(totals.at(b)["lo"].asDouble(), "%g") + "-" + number(totals.at(b)["hi"].asDouble(), "%g") + " GeV");
    for (const auto& cause : lost.keys()) {
      std::vector<std::string> row{s.label, cause, number(lost[cause]["lost"].asDouble())};
      const YamlNode bins = lost[cause]["vs_pt"];
      for (std::size_t b = 0; b < bins.size(); ++b) row.push_back(number(bins.at(b)["lost"].asDouble()));
      rows.push_back(row);
    }
    std::vector<std::string> row{s.label, "target particles", number((*s.tracks)["target_particles"].asDouble())};
    for (std::size_t b = 0; b < totals.size(); ++b) row.push_back(number(totals.at(b)["total"].asDouble()));
    rows.push_back(row);
  }
  std::vector<std::vector<std::string>> unmatched;
  for (const auto& s : sources) {
    if (!s.tracks || !s.tracks->has("unmatched_tracks")) continue;
    const YamlNode kinds = (*s.tracks)["unmatched_tracks"];
    std::vector<std::string> row{s.label, number((*s.tracks)["tracks"].asDouble())};
    for (const auto& kind : kinds.keys()) row.push_back(number(kinds[kind].asDouble()));
    unmatched.push_back(row);
  }
  if (!unmatched.empty()) {
    page.heading("Counted tracks that match no particle");
    page.paragraph(
        "fragment: more than half of the track's hits are one particle's, but not more than half of that particle's "
        "(two-way matching fails); mixed: no particle has more than half of its hits; noise: mostly noise hits. "
        "One-way (ATLAS) matching would count only mixed and noise tracks as fakes.");
    page.table({"model", "counted tracks", "fragment of a target", "fragment of another particle", "mixed", "noise"},
               unmatched);
  }
  if (rows.empty()) return;
  page.heading("Lost target particles by cause");
  page.paragraph(
      "Judged from each particle's true edges in the graph: graph (even all of them do not join more than half of its "
      "hits), score (those above the edge cut do not), builder merged (the track holding most of its hits is another "
      "particle's), builder split (its hits went to several tracks).");
  page.table(header, rows);
}

/// Track efficiency, fake and duplicate rates, and time per stage, of the
/// reconstructions.
void tracksSection(ReportPage& page, const std::vector<Source>& sources, const fs::path& work) {
  std::vector<PlotSeries> trk_pt, trk_eta, fake_dup;
  std::vector<std::vector<std::string>> timing_rows;
  for (const auto& s : sources) {
    if (!s.tracks) continue;
    const YamlNode& t = *s.tracks;
    trk_pt.push_back(binnedSeries(t["efficiency_vs_pt"], s.label, true));
    trk_eta.push_back(binnedSeries(t["efficiency_vs_eta"], s.label));
    fake_dup.push_back(binnedSeries(t["fake_rate_vs_eta"], s.label + " fake rate"));
    fake_dup.push_back(binnedSeries(t["duplicate_rate_vs_eta"], s.label + " duplicate fraction"));
    for (const auto& stage : (*s.timing).keys()) {
      const YamlNode st = (*s.timing)[stage];
      timing_rows.push_back({s.label, stage, number(st["median_ms"].asDouble(), "%.2f"),
                             number(st["mean_ms"].asDouble(), "%.2f"), number(st["max_ms"].asDouble(), "%.2f"),
                             std::to_string(st["events"].asInt())});
    }
  }
  if (!trk_pt.empty()) {
    page.heading("Tracks");
    std::string matching;
    for (const auto& s : sources)
      if (s.tracks)
        matching += s.label + ": " + s.builder + " builder, " + (*s.tracks)["matching"].asString() +
                    " matching, tracks of >= " + std::to_string((*s.tracks)["min_track_hits"].asInt()) +
                    " hits, target particles of >= " + std::to_string(s.tracks->get("min_particle_hits", 0LL)) +
                    " hits. ";
    page.paragraph(matching);
    plotSeries(
        work / "track-efficiency-pt.png",
        {"Track efficiency versus particle pT", "particle pT [GeV]", "track efficiency (target particles)", true},
        trk_pt);
    page.image("track-efficiency-pt.png", "Track efficiency for target particles versus pT");
    plotSeries(work / "track-efficiency-eta.png",
               {"Track efficiency versus particle eta", "particle eta", "track efficiency (target particles)"},
               trk_eta);
    page.image("track-efficiency-eta.png", "Track efficiency for target particles versus eta");
    plotSeries(work / "fake-duplicate-eta.png",
               {"Fake rate and duplicate fraction versus track eta", "track eta (middle hit)", "fraction of tracks"},
               fake_dup);
    page.image("fake-duplicate-eta.png",
               "Fake rate (unmatched among counted tracks) and duplicate "
               "fraction (matched tracks beyond the best one "
               "of their particle) versus the track's eta");
    lostParticlesTable(page, sources);
    page.heading("Time per event");
    page.table({"model", "stage", "median ms", "mean ms", "max ms", "events timed"}, timing_rows);
  }
}

void run(const Options& o) {
  if (o.runs.empty() && o.reconstructions.empty()) throw Error("report: give at least one --run or --reconstruction");
  configureTorchThreads(o.threads);
  const fs::path out = fs::absolute(o.out);
  const bool created = !fs::exists(out);  // then a failed report leaves no directory behind
  OutputDirectory out_dir(out, "report");
  // Refused before any work: --force replaces an earlier report, nothing else there.
  out_dir.claim(o.force, "report");
  // Built in a temporary directory inside the destination and moved into place file by file:
  // an interrupted report leaves no half-written page, and the next run removes the rest.
  const fs::path work = out_dir.scratchPath();
  fs::create_directories(work);
  SummaryTable summary;
  try {
    std::vector<Source> sources;
    std::vector<std::pair<std::string, fs::path>> runs;  // also scans, which have no model of their own
    for (const auto& arg : o.runs) {
      runs.push_back(labelled(arg));
      const auto& [label, dir] = runs.back();
      if (!fs::exists(dir)) throw Error(dir.string() + ": no such run directory");
      if (fs::exists(dir / "best.pt") || !fs::exists(dir / "results.json"))
        sources.push_back(evaluateRun(label, dir, o, work));
    }
    for (const auto& arg : o.reconstructions) {
      const auto [label, dir] = labelled(arg);
      sources.push_back(readReconstruction(label, dir));
    }
    for (std::size_t i = 0; i < sources.size(); ++i)
      for (std::size_t k = 0; k < i; ++k)
        if (sources[i].label == sources[k].label)
          throw Error("report: two sources named '" + sources[i].label + "'; name them with LABEL=DIR");

    ReportPage page("efgnn performance report");
    if (!sources.empty()) summary = summaryAndEdgeSections(page, sources, work);

    tracksSection(page, sources, work);
    for (const auto& [label, dir] : runs) {
      trainingSection(page, label, dir, work);
      compressionSection(page, label, dir, work);
    }

    writeFileAtomically(work / "report.md", page.markdown());
    writeFileAtomically(work / "report.html", page.html());
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(work)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    out_dir.removeRecorded();
    out_dir.record(names);
    // The page last, so that it never shows images of the report it replaces.
    for (const auto& name : names)
      if (!name.starts_with("report.")) fs::rename(work / name, out / name);
    for (const auto& name : names)
      if (name.starts_with("report.")) fs::rename(work / name, out / name);
    fs::remove_all(work);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(created ? out : work, ec);
    throw;
  }

  if (!o.json) {
    // The summary as an aligned text table.
    std::vector<std::size_t> width(summary.header.size(), 0);
    for (std::size_t c = 0; c < width.size(); ++c) {
      width[c] = summary.header[c].size();
      for (const auto& row : summary.rows) width[c] = std::max(width[c], row[c].size());
    }
    const auto print = [&](const std::vector<std::string>& cells) {
      for (std::size_t c = 0; c < cells.size(); ++c) std::printf("%-*s  ", static_cast<int>(width[c]), cells[c].c_str());
      std::printf("\n");
    };
    if (!summary.rows.empty()) print(summary.header);
    for (const auto& row : summary.rows) print(row);
    std::printf("report -> %s (report.md, report.html)\n", out.c_str());
    return;
  }
  Json j = Json::object();
  j["out"] = out.string();
  j["markdown"] = (out / "report.md").string();
  j["html"] = (out / "report.html").string();
  Json rows = Json::array();
  for (const auto& row : summary.rows) {
    Json r = Json::object();
    for (std::size_t c = 0; c < row.size(); ++c) r[summary.header[c]] = row[c];
    rows.push_back(r);
  }
  j["summary"] = rows;
  Json files = Json::array();
  for (const auto& name : out_dir.recorded()) files.push_back(name);
  j["files"] = files;
  printJson(j);
}

}  // namespace

void addReportCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("report", "Performance report: Markdown and HTML page with gnuplot plots");
  cmd->add_option("--run", o->runs, "Training, pruning or scan run directory ([LABEL=]DIR); repeatable");
  cmd->add_option("--reconstruction", o->reconstructions, "efgnn reconstruct output ([LABEL=]DIR); repeatable");
  cmd->add_option("--out", o->out, "Report directory (report.md, report.html, PNGs)")->required();
  cmd->add_option("--graphs", o->graphs, "Graph data set to evaluate runs on (default: each run's input_dir)");
  cmd->add_option("--split", o->split, "Split runs are evaluated on")->capture_default_str();
  cmd->add_option("--device", o->device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--force", o->force, "Replace the report in an existing --out (nothing else there)");
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] { run(*o); });
}

}  // namespace efgnn::cli

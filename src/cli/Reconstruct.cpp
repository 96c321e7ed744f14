// `efgnn reconstruct`: the whole chain per event, read -> graph -> edge scores -> tracks ->
// metrics, with the time each stage takes and the tracks written as CSV.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/OutputDirectory.hpp"
#include "core/Progress.hpp"
#include "core/Statistics.hpp"
#include "eval/TrackMetrics.hpp"
#include "graph/Features.hpp"
#include "graph/GraphConstructor.hpp"
#include "graph/ModuleMapEdgeBuilder.hpp"
#include "graph/ModuleMapFile.hpp"
#include "io/EventSource.hpp"
#include "model/ModelExport.hpp"
#include "model/TorchThreads.hpp"
#include "pipeline/RuntimeEdgeScorer.hpp"
#include "pipeline/ScoredGraphs.hpp"
#include "reco/ConnectedComponents.hpp"
#include "reco/Walkthrough.hpp"
#include "compress/ModelSize.hpp"
#include "train/Checkpoint.hpp"
#include "train/EdgeMetrics.hpp"
#include "train/Trainer.hpp"

namespace efgnn::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string model, events, module_map, out, detector, builder = "cc", device = "cpu", scorer = "runtime";
  std::string walk_continue = "straightest";
  std::vector<double> hard_cut_pt;
  ModuleMapEdgeBuilder::Config map_builder;
  ConnectedComponentsBuilder::Config cc;
  WalkthroughBuilder::Config walk;
  TrackMatchingConfig matching;
  double edge_cut = 0.5;
  std::size_t warmup = 1;
  int threads = 0;
  bool force = false, json = false;
};

std::vector<float> valuesOf(const torch::Tensor& scores) {
  const auto cpu = scores.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return {cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel()};
}

/// CSV with one row per hit of each track: track_id, hit_id.
void writeTracks(const fs::path& file, const std::vector<Track>& tracks, const Graph& g) {
  std::ostringstream csv;
  csv << "track_id,hit_id\n";
  for (std::size_t t = 0; t < tracks.size(); ++t)
    for (const auto n : tracks[t]) csv << t << ',' << g.hit_id[n] << '\n';
  writeFileAtomically(file, csv.str());
}

std::string tracksFileName(std::uint64_t event_id) {
  char name[64];
  std::snprintf(name, sizeof name, "event%09llu-tracks.csv", static_cast<unsigned long long>(event_id));
  return name;
}

void run(const Options& o) {
  configureTorchThreads(o.threads);
  const torch::Device device = parseDevice(o.device);
  LoadedCheckpoint ckpt = loadCheckpoint(o.model, device);
  ckpt.model->eval();
  const Detector det = requireDetectorOfEvents(o.detector, o.events);
  auto map = std::make_shared<ModuleMap>(readModuleMap(o.module_map));
  map->checkDetector(det, o.module_map);
  GraphConstructor::Config graph_config;
  if (!o.hard_cut_pt.empty()) graph_config.hard_cut_pt = o.hard_cut_pt[0];
  // A model trained on graphs with the cell features gets them here too.
  graph_config.cell_features = hasCellFeatures(ckpt.config.model.node_feature_names);
  const GraphConstructor constructor(det, std::make_shared<ModuleMapEdgeBuilder>(map, det, o.map_builder), graph_config);
  std::unique_ptr<TrackBuilder> builder;
  if (o.builder == "cc") builder = std::make_unique<ConnectedComponentsBuilder>(o.cc);
  else if (o.builder == "walk") builder = std::make_unique<WalkthroughBuilder>(o.walk);
  else throw Error("--builder: expected cc or walk, got '" + o.builder + "'");

  if (o.scorer != "runtime" && o.scorer != "libtorch")
    throw Error("--scorer: expected runtime or libtorch, got '" + o.scorer + "'");
  if (o.scorer == "runtime" && o.device != "cpu")
    throw Error("--device " + o.device + ": the runtime scores on the CPU; add --scorer libtorch to score on " + o.device);
  // The runtime scores the model as `efgnn export` writes it, on the CPU's best instruction set.
  std::optional<RuntimeEdgeScorer> runtime_scorer;
  if (o.scorer == "runtime")
    runtime_scorer.emplace(toModelFile(*ckpt.model), o.model, runtime::EdgeClassifier::Config{.threads = o.threads});
  const EventDirectory events(o.events);
  OutputDirectory out_dir(o.out, "reconstruct");
  out_dir.claim(o.force, "tracks");
  out_dir.removeRecorded();
  std::vector<std::string> outputs{"reconstruction.json"};
  for (std::size_t i = 0; i < events.size(); ++i) outputs.push_back(tracksFileName(events.eventId(i)));
  out_dir.record(outputs);

  std::vector<StageTiming> timing{{"read", {}}, {"graph", {}}, {"scoring", {}}, {"tracks", {}}, {"total", {}}};
  TrackMetrics metrics(o.matching);
  EdgeMetrics edge_metrics(o.edge_cut);
  std::size_t without_truth = 0, tracks_written = 0;
  Progress progress("reconstruct", events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto t0 = Clock::now();
    const Event event = events.read(i);
    const auto t1 = Clock::now();
    const Graph graph = constructor.build(event, o.events);
    const auto t2 = Clock::now();
    // LibTorch's view of the graph, for its scores and for the edge metrics: built once, when needed.
    std::optional<GraphTensors> tensors;
    const auto tensorsOf = [&]() -> const GraphTensors& {
      if (!tensors) tensors = GraphTensors::from(graph, ckpt.config, device, o.events);
      return *tensors;
    };
    std::vector<float> scores;
    if (runtime_scorer) scores = runtime_scorer->scores(graph, o.events);
    else if (graph.numEdges() > 0) scores = valuesOf(scoreGraph(*ckpt.model, tensorsOf()));
    if (scores.size() != graph.numEdges())
      throw Error(o.events + ": event " + std::to_string(event.event_id) + ": the model gave " + std::to_string(scores.size()) +
                  " scores for " + std::to_string(graph.numEdges()) + " edges");
    const auto t3 = Clock::now();
    const ScoredGraph scored = scoredGraphOf(graph, event, std::move(scores));
    const auto tracks = builder->build(scored);
    const auto t4 = Clock::now();
    writeTracks(fs::path(o.out) / tracksFileName(event.event_id), tracks, graph);
    tracks_written += tracks.size();
    if (event.hasTruth()) {
      metrics.add(event.event_id, tracks, graph, scored.scores, static_cast<float>(o.edge_cut));
      if (graph.numEdges() > 0) {
        const auto values = torch::from_blob(const_cast<float*>(scored.scores.data()), {static_cast<long>(scored.scores.size())});
        edge_metrics.add(values.to(device), tensorsOf());
      }
    } else {
      ++without_truth;
    }
    if (i >= o.warmup) {  // warm-up events (allocations, first-touch) are not timed
      const auto ms = [](Clock::time_point a, Clock::time_point b) {
        return std::chrono::duration<double, std::milli>(b - a).count();
      };
      timing[0].ms.push_back(ms(t0, t1));
      timing[1].ms.push_back(ms(t1, t2));
      timing[2].ms.push_back(ms(t2, t3));
      timing[3].ms.push_back(ms(t3, t4));
      timing[4].ms.push_back(ms(t0, t4));
    }
    progress.add();
  }
  progress.finish();
  if (without_truth > 0)
    std::fprintf(stderr, "efgnn: notice: %zu of %zu events have no truth; their tracks are written, without metrics\n",
                 without_truth, events.size());
  const bool have_metrics = !metrics.events().empty();
  Json j = Json::object();
  j["events"] = events.size();
  j["builder"] = builder->name();
  if (o.builder == "walk") j["walk_continue"] = o.walk_continue;
  j["scorer"] = o.scorer;
  j["model"] = o.model;
  j["model_size"] = modelSize(*ckpt.model).json();
  j["tracks"] = tracks_written;
  Json t = Json::object();
  for (const auto& s : timing) t[s.stage] = s.json();
  j["timing"] = t;
  j["timed_events"] = timing[4].ms.size();
  if (have_metrics) {
    j["metrics"] = metrics.json();
    j["edge_metrics"] = edge_metrics.json();
  }
  writeFileAtomically(fs::path(o.out) / "reconstruction.json", j.dump(2) + "\n");
  if (o.json) {
    printJson(j);
    return;
  }
  std::printf("%zu events, %zu tracks (%s) -> %s\n", events.size(), tracks_written, builder->name().c_str(),
              o.out.c_str());
  std::printf("  ms/event over %zu events after %zu warm-up:", timing[4].ms.size(), o.warmup);
  for (const auto& s : timing) std::printf(" %s %.1f (mean %.1f, max %.1f);", s.stage.c_str(), s.medianMs(), s.meanMs(), s.maxMs());
  std::printf("\n");
  if (have_metrics) {
    const auto [eff, eff_err] = metrics.efficiency();
    const auto [fake, fake_err] = metrics.fakeRate();
    const auto [dup, dup_err] = metrics.duplicateRate();
    std::printf("  track efficiency %.2f +- %.2f %%, fake rate %.2f +- %.2f %%, duplicate rate %.2f +- %.2f %% (%s)\n",
                100 * eff, 100 * eff_err, 100 * fake, 100 * fake_err, 100 * dup, 100 * dup_err,
                o.matching.two_way ? "two-way matching" : "one-way matching");
  }
}

}  // namespace

void addReconstructCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("reconstruct", "Events to tracks: graph, edge scores, track building, metrics");
  cmd->add_option("--model", o->model, "Edge classifier checkpoint")->required();
  cmd->add_option("--events", o->events, "Events (CSV or HDF5 directory)")->required();
  cmd->add_option("--module-map", o->module_map, "Module map (efgnn build-module-map)")->required();
  cmd->add_option("--out", o->out, "Output directory: tracks CSV per event, reconstruction.json")->required();
  cmd->add_option("--detector", o->detector, kEventsDetectorHelp);
  cmd->add_option("--builder", o->builder, "Track builder: cc or walk")->capture_default_str();
  cmd->add_option("--scorer", o->scorer,
                  "Edge scores from the deployment runtime (the model as efgnn export writes it) or from LibTorch")
      ->capture_default_str();
  cmd->add_option("--cut", o->cc.score_cut, "cc: edge score cut")->capture_default_str();
  cmd->add_option("--edge-cut", o->edge_cut, "Edge cut of the edge metrics")->capture_default_str();
  cmd->add_option("--walk-follow", o->walk.follow_cut, "walk: follow the best neighbour above this score")
      ->capture_default_str();
  cmd->add_option("--walk-branch", o->walk.branch_cut, "walk: also branch to neighbours above this score")
      ->capture_default_str();
  cmd->add_option("--walk-drop", o->walk.drop_cut, "walk: drop edges at or below this score")->capture_default_str();
  cmd->add_option("--walk-continue", o->walk_continue,
                  "walk: continue to the straightest neighbour above --walk-follow, or along the longest path "
                  "(the reference's walk, with --walk-branch)")
      ->capture_default_str();
  cmd->add_flag("--remove-junctions", o->cc.remove_junctions, "cc: keep one edge in and one out per hit");
  cmd->add_option("--min-hits", o->cc.min_hits, "Shortest track built")->capture_default_str();
  cmd->add_option("--hard-cut-pt", o->hard_cut_pt, "Keep hits of particles above this pT [GeV] (as the graphs)")
      ->expected(0, 1);
  cmd->add_option("--tolerance", o->map_builder.relative_tolerance, "Module map: widen ranges by this fraction of their width")
      ->capture_default_str();
  cmd->add_option("--match-min-hits", o->matching.min_track_hits, "Shortest track counted in the metrics")
      ->capture_default_str();
  cmd->add_option("--match-min-particle-hits", o->matching.min_particle_hits,
                  "Target particles with fewer hits are left out of the efficiency")
      ->capture_default_str();
  cmd->add_flag("!--one-way", o->matching.two_way, "One-way (ATLAS) matching instead of two-way");
  cmd->add_option("--warmup", o->warmup, "Events run before timing starts")->capture_default_str();
  cmd->add_option("--device", o->device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--force", o->force, "Replace the tracks an earlier reconstruct wrote in --out (nothing else there)");
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    o->walk.min_hits = o->cc.min_hits;
    if (o->walk_continue == "straightest") o->walk.continuation = WalkthroughBuilder::Continuation::straightest;
    else if (o->walk_continue == "longest") o->walk.continuation = WalkthroughBuilder::Continuation::longest;
    else throw Error("--walk-continue: expected straightest or longest, got '" + o->walk_continue + "'");
    run(*o);
  });
}

}  // namespace efgnn::cli

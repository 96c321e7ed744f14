// `efgnn reconstruct`: the deployable chain (pipeline/Pipeline) over a directory of events, read
// -> graph -> edge scores -> tracks, then metrics, the time each stage takes and the tracks as CSV.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "compress/ModelSize.hpp"
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
#include "io/TrackCsv.hpp"
#include "model/ModelExport.hpp"
#include "model/TorchThreads.hpp"
#include "pipeline/Pipeline.hpp"
#include "pipeline/RuntimeEdgeScorer.hpp"
#include "reco/ConnectedComponents.hpp"
#include "reco/Walkthrough.hpp"
#include "train/Checkpoint.hpp"
#include "train/EdgeMetrics.hpp"
#include "train/LibTorchEdgeScorer.hpp"

namespace efgnn::cli {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::string model, events, module_map, out, detector, builder = "cc", device = "cpu", scorer = "runtime";
  std::string walk_continue = "helix";
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

void run(const Options& o) {
  configureTorchThreads(o.scorer == "libtorch" ? o.threads : 1);
  const torch::Device device = parseDevice(o.device);
  LoadedCheckpoint ckpt = loadCheckpoint(o.model, device);
  ckpt.model->eval();
  auto det = std::make_shared<const Detector>(requireDetectorOfEvents(o.detector, o.events));
  auto map = std::make_shared<ModuleMap>(readModuleMap(o.module_map));
  map->checkDetector(*det, o.module_map);
  GraphConstructor::Config graph_config;
  if (!o.hard_cut_pt.empty()) graph_config.hard_cut_pt = o.hard_cut_pt[0];
  // A model trained on graphs with the cell features gets them here too.
  graph_config.cell_features = hasCellFeatures(ckpt.config.model.node_feature_names);
  // The chain sees no truth; the metrics label each graph after it (outside the chain's timing).
  const auto constructor = makeGraphStage(*det, map, o.map_builder, graph_config);
  Pipeline::Stages stages;
  stages.detector = det;
  stages.graph = constructor;
  stages.tracks = makeTrackBuilder(o.builder, o.walk, o.cc, "--builder");
  if (o.scorer == "runtime") {
    if (o.device != "cpu")
      throw Error("--device " + o.device + ": the runtime scores on the CPU; add --scorer libtorch to score on " + o.device);
    // The runtime scores the model as `efgnn export` writes it, on the CPU's best instruction set,
    // each event on one thread.
    stages.scorer = std::make_shared<RuntimeEdgeScorer>(toModelFile(*ckpt.model), o.model,
                                                        runtime::EdgeClassifier::Config{.threads = 1});
  } else if (o.scorer == "libtorch") {
    stages.scorer = std::make_shared<LibTorchEdgeScorer>(ckpt.model, ckpt.config, device);
  } else {
    throw Error("--scorer: expected runtime or libtorch, got '" + o.scorer + "'");
  }
  const Pipeline pipeline(std::move(stages), {.event_threads = o.threads});

  const EventDirectory events(o.events);
  OutputDirectory out_dir(o.out, "reconstruct");
  out_dir.claim(o.force, "tracks");
  out_dir.removeRecorded();
  std::vector<std::string> outputs{"reconstruction.json"};
  for (std::size_t i = 0; i < events.size(); ++i) outputs.push_back(tracksFileName(events.eventId(i)));
  out_dir.record(outputs);

  PipelineTiming timing;
  TrackMetrics metrics(o.matching);
  EdgeMetrics edge_metrics(o.edge_cut);
  std::size_t without_truth = 0, tracks_written = 0;
  Progress progress("reconstruct", events.size());
  // The chain's throughput leaves out what this command adds per event: metrics and the track file.
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  Clock::duration outside_chain{};
  pipeline.run(events, o.events, [&](std::size_t i, const Event& event, PipelineResult& r) {
    const auto consume_start = Clock::now();
    writeTracksCsv(fs::path(o.out) / tracksFileName(event.event_id), r.tracks, r.graph.hit_id);
    tracks_written += r.tracks.size();
    if (event.hasTruth()) {
      constructor->addLabels(r.graph, event);
      metrics.add(event.event_id, r.tracks, r.graph, r.scored.scores, static_cast<float>(o.edge_cut));
      if (r.graph.numEdges() > 0) {
        const auto values = torch::from_blob(r.scored.scores.data(), {static_cast<long>(r.scored.scores.size())});
        edge_metrics.add(values.to(device), GraphTensors::from(r.graph, ckpt.config, device, o.events));
      }
    } else {
      ++without_truth;
    }
    if (i >= o.warmup) timing.add(r.ms);  // warm-up events (allocations, first touch) are not timed
    progress.add();
    outside_chain += Clock::now() - consume_start;
  });
  const double chain_s = std::chrono::duration<double>(Clock::now() - start - outside_chain).count();
  progress.finish();
  if (without_truth > 0)
    std::fprintf(stderr, "efgnn: notice: %zu of %zu events have no truth; their tracks are written, without metrics\n",
                 without_truth, events.size());
  const bool have_metrics = !metrics.events().empty();
  Json j = Json::object();
  j["events"] = events.size();
  j["builder"] = pipeline.stages().tracks->name();
  if (o.builder == "walk") {
    j["walk_continue"] = o.walk_continue;
    j["walk_order"] = o.walk.longest_first ? "longest first" : "inner first";
    j["walk_exchange_hits"] = o.walk.exchange_hits;
    j["walk_rebuild_cores"] = o.walk.exchange.rebuild_cores;
    j["walk_extend_chi2"] = o.walk.exchange.extend_chi2;
    j["walk_straight_radius_mm"] = o.walk.exchange.straight_radius;
  }
  j["scorer"] = o.scorer;
  j["model"] = o.model;
  j["model_size"] = modelSize(*ckpt.model).json();
  j["tracks"] = tracks_written;
  j["timing"] = timing.json();
  j["timed_events"] = timing.events();
  j["event_threads"] = pipeline.eventThreads();
  const double events_per_second = chain_s > 0 ? events.size() / chain_s : 0.0;
  j["events_per_second"] = events_per_second;
  if (have_metrics) {
    j["metrics"] = metrics.json();
    j["edge_metrics"] = edge_metrics.json();
  }
  writeFileAtomically(fs::path(o.out) / "reconstruction.json", j.dump(2) + "\n");
  if (o.json) {
    printJson(j);
    return;
  }
  std::printf("%zu events, %zu tracks (%s) -> %s, %.2f events/s on %d event threads\n", events.size(), tracks_written,
              pipeline.stages().tracks->name().c_str(), o.out.c_str(), events_per_second,
              pipeline.eventThreads());
  std::printf("  ms/event over %zu events after %zu warm-up:", timing.events(), o.warmup);
  for (const auto& s : timing.stages())
    std::printf(" %s %.1f (mean %.1f, max %.1f);", s.stage.c_str(), s.medianMs(), s.meanMs(), s.maxMs());
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
                  "walk: continue to the neighbour above --walk-follow that bends least from a helix through "
                  "the track's first, middle and last hits, starting from the beam line (helix), or from the "
                  "last step (straightest), or along the longest path "
                  "(longest: the reference's walk, with --walk-branch)")
      ->capture_default_str();
  cmd->add_flag("!--walk-inner-first", o->walk.longest_first,
                "walk (helix, straightest): build tracks from the innermost unused hit in turn instead of "
                "keeping the longest walk first");
  cmd->add_flag("!--walk-keep-hits", o->walk.exchange_hits,
                "walk (helix, straightest): keep the walk's tracks as built, without the hit exchange (close "
                "tracks swapping hits, taking tails, joining pieces where helix fits say so)");
  cmd->add_flag("!--walk-keep-cores", o->walk.exchange.rebuild_cores,
                "walk (helix, straightest): do not rebuild jet cores (straight tracks close over several "
                "layers, one of them fitting poorly) from helix fits alone");
  cmd->add_option("--walk-extend", o->walk.exchange.extend_chi2,
                  "walk (helix, straightest): a track's ends take hits no track holds over the edges where the "
                  "track's chi-square grows by at most this (0: not)")
      ->capture_default_str();
  cmd->add_option("--walk-straight-radius", o->walk.exchange.straight_radius,
                  "walk (helix, straightest): tracks bending less than this radius [mm] are straight: two poorly "
                  "fitted straight tracks trade hits where their summed chi-square falls, and pieces of 3-4 hits "
                  "join a straight track without an edge (0: not)")
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
  cmd->add_option("--threads", o->threads,
                  "Threads (0 = all cores): events run this many at a time, each on one thread (the runtime), "
                  "or LibTorch's threads on one event at a time")
      ->capture_default_str();
  cmd->add_flag("--force", o->force, "Replace the tracks an earlier reconstruct wrote in --out (nothing else there)");
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    o->walk.min_hits = o->cc.min_hits;
    if (o->walk_continue == "straightest") o->walk.continuation = WalkthroughBuilder::Continuation::straightest;
    else if (o->walk_continue == "longest") o->walk.continuation = WalkthroughBuilder::Continuation::longest;
    else if (o->walk_continue == "helix") o->walk.continuation = WalkthroughBuilder::Continuation::helix;
    else throw Error("--walk-continue: expected helix, straightest or longest, got '" + o->walk_continue + "'");
    run(*o);
  });
}

}  // namespace efgnn::cli

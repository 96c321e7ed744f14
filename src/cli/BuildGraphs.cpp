// `efgnn build-graphs`: one graph per event, with a manifest recording the split.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/OutputDirectory.hpp"
#include "core/Parallel.hpp"
#include "core/Progress.hpp"
#include "core/RunSettings.hpp"
#include "core/Statistics.hpp"
#include "graph/GeometricEdgeBuilder.hpp"
#include "graph/GraphConstructor.hpp"
#include "graph/GraphDataset.hpp"
#include "graph/ModuleMapEdgeBuilder.hpp"
#include "graph/ModuleMapFile.hpp"
#include "io/EventSource.hpp"
#include "io/GraphStoreH5.hpp"

namespace efgnn::cli {
namespace {

namespace fs = std::filesystem;

struct Options {
  std::string events, module_map, out, detector, builder = "module-map";
  std::vector<double> hard_cut_pt;
  std::vector<double> split{80, 10, 10};
  std::uint64_t split_seed = 0;
  ModuleMapEdgeBuilder::Config map_builder;
  GeometricEdgeBuilder::Config geometric;
  int threads = 0;
  bool cell_features = false;
  bool resume = false, force = false, json = false;
};

std::string text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

/// What the graphs depend on; --resume adds graphs only where all of it is unchanged.
std::map<std::string, std::string> buildSettings(const Options& o, const Detector& det, const EdgeBuilder& builder,
                                                 const GraphConstructor::Config& config) {
  std::map<std::string, std::string> s;
  s["events"] = fs::absolute(o.events).lexically_normal().string();
  const fs::path description = fs::path(o.events) / "simulation.json";
  s["events_description"] = fs::exists(description) ? fileFingerprint(description) : "none";
  s["module_map"] = fs::absolute(o.module_map).lexically_normal().string();
  s["module_map_file"] = fileFingerprint(o.module_map);
  s["detector"] = det.config.name;
  s["builder"] = builder.name();
  if (o.builder == "module-map") {
    s["tolerance"] = text(o.map_builder.relative_tolerance);
    s["n_sigma"] = text(o.map_builder.n_sigma);
    s["scattering_pt"] = text(o.map_builder.scattering_pt);
    s["triplets"] = o.map_builder.use_triplets ? "true" : "false";
  } else {
    s["max_phi_slope"] = text(o.geometric.max_phi_slope);
    s["phi_resolution"] = text(o.geometric.phi_resolution);
    s["max_z0"] = text(o.geometric.max_z0);
    s["min_dr_for_z0"] = text(o.geometric.min_dr_for_z0);
  }
  s["hard_cut_pt"] = config.hard_cut_pt ? text(*config.hard_cut_pt) : "none";
  // Recorded only when on, so that graphs built before the option existed still resume.
  if (config.cell_features) s["cell_features"] = "true";
  return s;
}

void run(const Options& o) {
  const Detector det = requireDetectorOfEvents(o.detector, o.events);
  auto map = std::make_shared<ModuleMap>(readModuleMap(o.module_map));
  map->checkDetector(det, o.module_map);
  std::shared_ptr<const EdgeBuilder> builder;
  if (o.builder == "module-map") builder = std::make_shared<ModuleMapEdgeBuilder>(map, det, o.map_builder);
  else if (o.builder == "geometric") builder = std::make_shared<GeometricEdgeBuilder>(det, layerPairsOf(*map, det), o.geometric);
  else throw Error("--builder: expected module-map or geometric, got '" + o.builder + "'");
  GraphConstructor::Config config;
  if (!o.hard_cut_pt.empty()) config.hard_cut_pt = o.hard_cut_pt[0];
  config.cell_features = o.cell_features;
  const GraphConstructor constructor(det, builder, config);

  const EventDirectory events(o.events);
  std::vector<std::uint64_t> ids(events.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = events.eventId(i);
  GraphDatasetManifest manifest;
  manifest.detector = det.config.name;
  manifest.builder = builder->name();
  manifest.module_map = fs::absolute(o.module_map).string();
  manifest.hard_cut_pt = config.hard_cut_pt;
  manifest.node_features = nodeFeatureNames(constructor.withClusters(), constructor.withCells());
  manifest.edge_features = edgeFeatureNames();
  manifest.split_seed = o.split_seed;
  manifest.splits = splitEvents(ids, o.split, o.split_seed);

  manifest.settings = buildSettings(o, det, *builder, config);

  if (o.resume && o.force) throw Error("--resume and --force exclude each other");
  OutputDirectory out_dir(o.out, "build-graphs");
  std::vector<char> skip(ids.size(), 0);
  bool existing = !out_dir.recorded().empty();
  std::vector<std::string> outputs{"manifest.json"};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const bool e = fs::exists(fs::path(o.out) / graphFileName(ids[i]));
    existing = existing || e;
    skip[i] = o.resume && e;
    outputs.push_back(graphFileName(ids[i]));
  }
  if (existing && !o.resume && !o.force)
    throw Error(o.out + ": already holds graphs; use --resume to continue or --force to replace them");
  if (o.force) out_dir.clearForForce();
  if (o.resume && existing) {
    const fs::path file = fs::path(o.out) / "manifest.json";
    if (!fs::exists(file)) throw Error(o.out + ": no manifest.json, so nothing efgnn can resume; use another --out");
    const auto before = GraphDatasetManifest::parse(readFile(file), file.string());
    if (before.settings.empty())
      throw Error(file.string() + ": written by an older efgnn that did not record its settings; rebuild with --force");
    const std::string changes = settingsChanges(before.settings, manifest.settings);
    if (!changes.empty())
      throw Error(o.out + ": the settings differ from those of the graphs being resumed:\n" + changes +
                  "(resume with the same settings, or use another --out)");
  }
  out_dir.record(outputs);
  writeFileAtomically(fs::path(o.out) / "manifest.json", manifest.json().dump(2) + "\n");

  std::vector<double> seconds(ids.size(), -1), edges(ids.size(), 0), nodes(ids.size(), 0);
  Progress progress("build-graphs", ids.size());
  const auto start = std::chrono::steady_clock::now();
  parallelFor(ids.size(), o.threads, [&](std::size_t i) {
    if (!skip[i]) {
      const Event event = events.read(i);
      const auto t0 = std::chrono::steady_clock::now();
      const Graph g = constructor.build(event, o.events);
      seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      nodes[i] = static_cast<double>(g.numNodes());
      edges[i] = static_cast<double>(g.numEdges());
      writeGraphH5(g, fs::path(o.out) / graphFileName(ids[i]), det.config.name, builder->name());
    }
    progress.add();
  });
  progress.finish();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> built;
  double mean_nodes = 0, mean_edges = 0;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (seconds[i] >= 0) {
      built.push_back(seconds[i]);
      mean_nodes += nodes[i];
      mean_edges += edges[i];
    }
  const double n = built.empty() ? 1 : static_cast<double>(built.size());
  if (o.json) {
    Json j = Json::object();
    j["graphs"] = built.size();
    j["skipped"] = ids.size() - built.size();
    j["builder"] = builder->name();
    j["nodes_per_event"] = mean_nodes / n;
    j["edges_per_event"] = mean_edges / n;
    j["construction_ms_median"] = 1e3 * median(built);
    j["wall_seconds"] = wall;
    j["train"] = manifest.splits["train"].size();
    j["val"] = manifest.splits["val"].size();
    j["test"] = manifest.splits["test"].size();
    printJson(j);
    return;
  }
  std::printf("built %zu graphs (%s) in %.1f s: %.0f nodes, %.0f edges per event; construction %.0f ms/event (median)\n",
              built.size(), builder->name().c_str(), wall, mean_nodes / n, mean_edges / n, 1e3 * median(built));
  std::printf("  split train/val/test = %zu/%zu/%zu -> %s/manifest.json\n", manifest.splits["train"].size(),
              manifest.splits["val"].size(), manifest.splits["test"].size(), o.out.c_str());
}

}  // namespace

void addBuildGraphsCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("build-graphs", "Build one hit graph per event with a module map");
  cmd->add_option("--events", o->events, "Directory of events")->required();
  cmd->add_option("--module-map", o->module_map, "Module map file (efgnn build-module-map)")->required();
  cmd->add_option("--out", o->out, "Output directory for the graphs and manifest.json")->required();
  cmd->add_option("--detector", o->detector, kEventsDetectorHelp);
  cmd->add_option("--builder", o->builder, "module-map, or the geometric baseline")->capture_default_str();
  cmd->add_option("--hard-cut-pt", o->hard_cut_pt, "Keep only hits of particles above this pT [GeV]")->expected(1);
  cmd->add_option("--split", o->split, "train,val,test percentages")->delimiter(',')->expected(3);
  cmd->add_option("--split-seed", o->split_seed, "Seed of the split")->capture_default_str();
  cmd->add_option("--tolerance", o->map_builder.relative_tolerance, "Module map: widen ranges by this fraction of their width")->capture_default_str();
  cmd->add_option("--n-sigma", o->map_builder.n_sigma, "Module map: and by this many measurement uncertainties")->capture_default_str();
  cmd->add_flag("--triplets,!--no-triplets", o->map_builder.use_triplets, "Module map: triplet cuts on (default) or off");
  cmd->add_option("--max-phi-slope", o->geometric.max_phi_slope, "Geometric: |dphi| <= this x |dr| [rad/mm] (+ --phi-resolution)")->capture_default_str();
  cmd->add_option("--phi-resolution", o->geometric.phi_resolution, "Geometric: |dphi| allowance beyond the slope cut [rad]")->capture_default_str();
  cmd->add_option("--max-z0", o->geometric.max_z0, "Geometric: |z0| cut [mm]")->capture_default_str();
  cmd->add_flag("--cell-features", o->cell_features,
                "Node features cell_count and cell_charge from the events' TrackML cells files");
  cmd->add_option("--threads", o->threads, "Worker threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--resume", o->resume, "Keep graphs already written");
  cmd->add_flag("--force", o->force, "Replace the graphs an earlier build-graphs wrote in --out (nothing else there)");
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] { run(*o); });
}

}  // namespace efgnn::cli

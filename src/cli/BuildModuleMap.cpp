// `efgnn build-module-map`: learn the module map from the truth of simulated events.
#include <chrono>
#include <cstdio>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/Error.hpp"
#include "core/Parallel.hpp"
#include "core/Progress.hpp"
#include "graph/ModuleMapFile.hpp"
#include "io/EventSource.hpp"

namespace efgnn::cli {

void addBuildModuleMapCommand(CLI::App& app) {
  struct Options {
    std::vector<std::string> events;
    std::string out, detector;
    ModuleMap::Config map;
    bool electrons = false;
    std::size_t max_events = 0;
    int threads = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("build-module-map", "Build a module map (doublets, triplets) from event truth");
  cmd->add_option("--events", o->events, "Directories of training events (with truth; one detector)")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--out", o->out, "Module map file to write (.h5)")->required();
  cmd->add_option("--detector", o->detector, kEventsDetectorHelp);
  cmd->add_option("--min-pt", o->map.min_pt, "Particles with pT below [GeV] do not teach the map")->capture_default_str();
  cmd->add_option("--min-hits", o->map.min_hits, "Particles with fewer hits do not teach the map")->capture_default_str();
  cmd->add_flag("--no-electrons,!--electrons", o->map.no_electrons, "Leave out electrons (default) or use them");
  cmd->add_option("--max-events", o->max_events, "Use at most this many events (0 = all)")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Worker threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    const Detector det = requireDetectorOfEvents(o->detector, o->events[0]);
    std::vector<EventDirectory> dirs;
    std::vector<std::pair<std::size_t, std::size_t>> all;  // (directory, event) in the order given
    for (std::size_t d = 0; d < o->events.size(); ++d) {
      if (d > 0 && o->detector.empty()) {
        const Detector other = requireDetectorOfEvents("", o->events[d]);
        if (other.config.name != det.config.name || other.modules.size() != det.modules.size())
          throw Error(o->events[d] + ": events of detector '" + other.config.name + "', those of " + o->events[0] +
                      " are of '" + det.config.name + "'");
      }
      dirs.emplace_back(o->events[d]);
      for (std::size_t i = 0; i < dirs.back().size(); ++i) all.emplace_back(d, i);
    }
    const std::size_t n = o->max_events ? std::min(o->max_events, all.size()) : all.size();
    // One builder per contiguous chunk of events; counts add and ranges are min/max, so the
    // merged map does not depend on the number of threads.
    const std::size_t chunks = static_cast<std::size_t>(resolveThreads(o->threads));
    std::vector<ModuleMapBuilder> builders(chunks, ModuleMapBuilder(det, o->map));
    Progress progress("build-module-map", n);
    const auto start = std::chrono::steady_clock::now();
    parallelFor(chunks, static_cast<int>(chunks), [&](std::size_t c) {
      for (std::size_t i = c * n / chunks; i < (c + 1) * n / chunks; ++i) {
        const auto [d, e] = all[i];
        builders[c].add(dirs[d].read(e), o->events[d]);
        progress.add();
      }
    });
    for (std::size_t c = 1; c < chunks; ++c) builders[0].merge(builders[c]);
    const ModuleMap map = builders[0].finish();
    if (map.doublets.empty()) {
      char cuts[96];
      std::snprintf(cuts, sizeof cuts, "--min-pt %g GeV and --min-hits %d", o->map.min_pt, o->map.min_hits);
      throw Error("no doublets learned from " + std::to_string(map.events) + " events: no particle with truth passed " +
                  cuts + "; nothing written to " + o->out);
    }
    writeModuleMap(map, o->out);
    progress.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (o->json) {
      Json j = Json::object();
      j["events"] = map.events;
      j["doublets"] = map.doublets.size();
      j["triplets"] = map.triplets.size();
      j["seconds"] = seconds;
      j["out"] = o->out;
      printJson(j);
    } else {
      std::printf("module map from %llu events: %zu doublets, %zu triplets (%.1f s) -> %s\n",
                  static_cast<unsigned long long>(map.events), map.doublets.size(), map.triplets.size(),
                  seconds, o->out.c_str());
    }
  });
}

}  // namespace efgnn::cli

// `efgnn event-stats`: validate a set of events and summarise them.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/Error.hpp"
#include "core/Parallel.hpp"
#include "geometry/DetectorConfig.hpp"
#include "io/EventSource.hpp"

namespace efgnn::cli {
namespace {

struct Counts {
  double hits = 0, noise = 0, particles = 0, with_hits = 0, secondaries = 0, above_1gev = 0;
};

/// Mean, min and max of one quantity over events.
struct Summary {
  double mean = 0, min = 1e300, max = -1e300;
  void add(double v, double n) {
    mean += v / n;
    min = std::min(min, v);
    max = std::max(max, v);
  }
  Json json() const {
    Json j = Json::object();
    j["mean"] = mean;
    j["min"] = min;
    j["max"] = max;
    return j;
  }
};

}  // namespace

void addEventStatsCommand(CLI::App& app) {
  struct Options {
    std::string input, detector;
    int threads = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("event-stats", "Check events (ids, truth, module ids) and summarise them");
  cmd->add_option("EVENTS", o->input, "Directory of CSV/HDF5 events, or an .h5 file")->required();
  cmd->add_option("--detector", o->detector,
                  kEventsDetectorHelp);
  cmd->add_option("--threads", o->threads, "Worker threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    const EventDirectory dir(o->input);
    const std::optional<Detector> det = detectorOfEvents(o->detector, o->input);
    std::vector<Counts> counts(dir.size());
    parallelFor(dir.size(), o->threads, [&](std::size_t i) {
      const Event e = dir.read(i);
      if (det) det->checkModules(e, o->input);
      Counts& c = counts[i];
      c.hits = static_cast<double>(e.hits.size());
      c.noise = static_cast<double>(e.noiseHits());
      for (const auto& p : e.particles) {
        if (p.charge == 0) continue;
        c.particles += 1;
        c.with_hits += p.nhits > 0;
        c.secondaries += !p.primary;
        c.above_1gev += p.pt() > 1.0;
      }
    });
    const double n = static_cast<double>(counts.size());
    std::map<std::string, Summary> s;
    for (const Counts& c : counts) {
      s["hits"].add(c.hits, n);
      s["noise_hits"].add(c.noise, n);
      s["charged_particles"].add(c.particles, n);
      s["particles_with_hits"].add(c.with_hits, n);
      s["secondaries"].add(c.secondaries, n);
      s["particles_above_1gev"].add(c.above_1gev, n);
    }
    if (o->json) {
      Json j = Json::object();
      j["events"] = counts.size();
      j["detector_checked"] = det ? Json(det->config.name) : Json();
      for (const auto& [name, sum] : s) j[name] = sum.json();
      printJson(j);
      return;
    }
    std::printf("%zu events in %s%s\n", counts.size(), o->input.c_str(),
                det ? (", module ids checked against detector " + det->config.name).c_str() : "");
    std::printf("%-22s %12s %12s %12s\n", "per event", "mean", "min", "max");
    for (const auto& [name, sum] : s)
      std::printf("%-22s %12.1f %12.0f %12.0f\n", name.c_str(), sum.mean, sum.min, sum.max);
  });
}

}  // namespace efgnn::cli

// `efgnn calibration`: built-in generators against a real TrackML particle list (particle level)
// and the simulation on the real detector against a real TrackML event (hit level).
#include <cstdio>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/Error.hpp"
#include "core/Json.hpp"
#include "core/Parallel.hpp"
#include "geometry/DetectorConfig.hpp"
#include "io/EventSource.hpp"
#include "io/TrackMLCsv.hpp"
#include "sim/EventSimulator.hpp"
#include "sim/HardScatter.hpp"
#include "sim/HitStatistics.hpp"
#include "sim/MinimumBias.hpp"
#include "sim/ParticleStatistics.hpp"

namespace efgnn::cli {

void addCalibrationCommand(CLI::App& app) {
  struct Options {
    std::string reference, reference_events;
    std::string detector = "trackml";
    std::uint64_t events = 5, seed = 1;
    double pileup = 200;
    int threads = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "calibration", "Compare simulated ttbar + pile-up events with real TrackML ones: particles and hits");
  cmd->add_option("--reference", o->reference, "TrackML particles.csv of a ttbar + pile-up event (particle level)");
  cmd->add_option("--reference-events", o->reference_events,
                  "TrackML events with truth, from the detector simulated (hit level; the real detector: trackml)");
  cmd->add_option("--detector", o->detector, kDetectorHelp)->capture_default_str();
  cmd->add_option("--events", o->events, "Simulated events to average")->capture_default_str()->check(integerIn(1, 100000));
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--pileup", o->pileup, "Mean pile-up")->capture_default_str()->check(numberIn(0, MinimumBiasConfig::kMaxPileup));
  cmd->add_option("--threads", o->threads, "Worker threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    if (o->reference.empty() && o->reference_events.empty())
      throw Error("calibration: give --reference (particles.csv), --reference-events (event directory) or both");
    const Detector det = loadDetector(o->detector);
    MinimumBiasConfig mb;
    mb.pileup = o->pileup;
    auto source = std::make_shared<CombinedSource>();
    source->add(std::make_shared<TtbarGenerator>(TtbarConfig{}, mb));
    source->add(std::make_shared<MinimumBiasGenerator>(mb));
    const EventSimulator sim(source, det, {}, o->seed);
    std::vector<Event> events(o->events);
    parallelFor(o->events, o->threads, [&](std::size_t i) { events[i] = sim.simulate(i); });
    double mean_hits = 0;
    for (const Event& e : events) mean_hits += static_cast<double>(e.hits.size()) / static_cast<double>(events.size());

    std::vector<std::pair<std::string, std::vector<CalibrationCheck>>> tables;
    if (!o->reference.empty()) {
      const ParticleStatistics ref = computeParticleStatistics({readTrackMLParticles(o->reference)});
      std::vector<std::vector<Particle>> lists;
      for (const Event& e : events) lists.push_back(e.particles);
      tables.emplace_back("particles", compareParticleStatistics(computeParticleStatistics(lists), ref));
    }
    if (!o->reference_events.empty()) {
      const EventDirectory dir(o->reference_events);
      std::vector<Event> real;
      for (std::size_t i = 0; i < dir.size(); ++i) real.push_back(dir.read(i));
      tables.emplace_back("hits", compareHitStatistics(computeHitStatistics(events), computeHitStatistics(real)));
    }
    bool all = true;
    for (const auto& [level, checks] : tables)
      for (const auto& c : checks) all = all && c.passed();
    if (o->json) {
      Json j = Json::object();
      j["reference"] = o->reference;
      j["reference_events"] = o->reference_events;
      j["detector"] = det.config.name;
      j["events"] = o->events;
      j["hits_per_event"] = mean_hits;
      for (const auto& [level, checks] : tables) {
        Json rows = Json::array();
        for (const auto& c : checks) {
          Json r = Json::object();
          r["quantity"] = c.quantity;
          r["simulated"] = c.simulated;
          r["reference"] = c.reference;
          r["tolerance"] = c.tolerance;
          r["relative"] = c.relative;
          r["checked"] = c.checked;
          r["passed"] = c.passed();
          rows.push_back(r);
        }
        j[level == "particles" ? "checks" : "hit_checks"] = rows;
      }
      j["all_passed"] = all;
      printJson(j);
    } else {
      for (const auto& [level, checks] : tables) {
        std::printf("%-46s %12s %12s %12s  %s\n", level == "particles" ? "particle level" : "hit level", "simulated",
                    "TrackML", "tolerance", "");
        for (const auto& c : checks)
          std::printf("%-46s %12.4g %12.4g %11.3g%s  %s\n", c.quantity.c_str(), c.simulated, c.reference,
                      c.tolerance, c.relative ? "x" : " ", !c.checked ? "(not checked)" : c.passed() ? "ok" : "FAIL");
      }
      std::printf("(%llu simulated events on detector %s, %.0f hits per event; tolerance 'x' = relative)\n",
                  static_cast<unsigned long long>(o->events), det.config.name.c_str(), mean_hits);
    }
    if (!all) throw Error("calibration outside tolerances");
  });
}

}  // namespace efgnn::cli

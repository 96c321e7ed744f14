// `efgnn calibration`: built-in generators against a real TrackML particle list.
#include <cstdio>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/Error.hpp"
#include "core/Json.hpp"
#include "core/Parallel.hpp"
#include "geometry/DetectorConfig.hpp"
#include "io/TrackMLCsv.hpp"
#include "sim/EventSimulator.hpp"
#include "sim/HardScatter.hpp"
#include "sim/MinimumBias.hpp"
#include "sim/ParticleStatistics.hpp"

namespace efgnn::cli {

void addCalibrationCommand(CLI::App& app) {
  struct Options {
    std::string reference;
    std::string detector = "trackml";
    std::uint64_t events = 5, seed = 1;
    double pileup = 200;
    int threads = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "calibration", "Compare ttbar + pile-up events of the built-in generators with a real TrackML particle list");
  cmd->add_option("--reference", o->reference, "TrackML particles.csv of a ttbar + pile-up event")->required();
  cmd->add_option("--detector", o->detector, "Preset or YAML file")->capture_default_str();
  cmd->add_option("--events", o->events, "Simulated events to average")->capture_default_str()->check(integerIn(1, 100000));
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--pileup", o->pileup, "Mean pile-up")->capture_default_str()->check(numberIn(0, MinimumBiasConfig::kMaxPileup));
  cmd->add_option("--threads", o->threads, "Worker threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o] {
    const ParticleStatistics ref = computeParticleStatistics({readTrackMLParticles(o->reference)});
    const Detector det = loadDetector(o->detector);
    MinimumBiasConfig mb;
    mb.pileup = o->pileup;
    auto source = std::make_shared<CombinedSource>();
    source->add(std::make_shared<TtbarGenerator>(TtbarConfig{}, mb));
    source->add(std::make_shared<MinimumBiasGenerator>(mb));
    const EventSimulator sim(source, det, {}, o->seed);
    std::vector<std::vector<Particle>> lists(o->events);
    std::vector<double> hits(o->events);
    parallelFor(o->events, o->threads, [&](std::size_t i) {
      Event e = sim.simulate(i);
      hits[i] = static_cast<double>(e.hits.size());
      lists[i] = std::move(e.particles);
    });
    const ParticleStatistics s = computeParticleStatistics(lists);
    const auto checks = compareParticleStatistics(s, ref);
    double mean_hits = 0;
    for (double h : hits) mean_hits += h / static_cast<double>(hits.size());
    bool all = true;
    for (const auto& c : checks) all = all && c.passed();
    if (o->json) {
      Json j = Json::object();
      j["reference"] = o->reference;
      j["events"] = o->events;
      j["hits_per_event"] = mean_hits;
      Json rows = Json::array();
      for (const auto& c : checks) {
        Json r = Json::object();
        r["quantity"] = c.quantity;
        r["simulated"] = c.simulated;
        r["reference"] = c.reference;
        r["tolerance"] = c.tolerance;
        r["relative"] = c.relative;
        r["passed"] = c.passed();
        rows.push_back(r);
      }
      j["checks"] = rows;
      j["all_passed"] = all;
      printJson(j);
    } else {
      std::printf("%-40s %12s %12s %12s  %s\n", "quantity", "simulated", "TrackML", "tolerance", "");
      for (const auto& c : checks)
        std::printf("%-40s %12.4g %12.4g %11.3g%s  %s\n", c.quantity.c_str(), c.simulated,
                    c.reference, c.tolerance, c.relative ? "x" : " ", c.passed() ? "ok" : "FAIL");
      std::printf("(%llu simulated events, %.0f hits per event; tolerance 'x' = relative)\n",
                  static_cast<unsigned long long>(o->events), mean_hits);
    }
    if (!all) throw Error("calibration outside tolerances");
  });
}

}  // namespace efgnn::cli

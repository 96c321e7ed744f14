// `efgnn simulate`: generate or read particles, simulate the detector, write events.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>

#include "cli/Commands.hpp"
#include "cli/Common.hpp"
#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Json.hpp"
#include "core/OutputDirectory.hpp"
#include "core/Parallel.hpp"
#include "core/Progress.hpp"
#include "core/RunSettings.hpp"
#include "core/Yaml.hpp"
#include "geometry/DetectorConfig.hpp"
#include "io/EventStoreH5.hpp"
#include "io/HepMCReader.hpp"
#include "io/TrackMLCsv.hpp"
#include "sim/EventSimulator.hpp"
#include "sim/HardScatter.hpp"
#include "sim/MinimumBias.hpp"

namespace efgnn::cli {
namespace {

namespace fs = std::filesystem;

struct SimulateOptions {
  std::string detector = "trackml";
  double pileup = 200;
  std::string hard_scatter = "none";
  std::uint64_t events = 1, seed = 1, first_event = 0;
  std::string particles_csv, hepmc;
  bool gun = false;
  int gun_count = 1, gun_pdg = 13;
  std::vector<double> gun_pt{1.0}, gun_eta{-2.5, 2.5}, gun_phi{-3.14159265358979, 3.14159265358979};
  bool gun_random_charge = false;
  std::string format = "csv";
  std::string out;
  int threads = 0;
  std::uint64_t events_per_file = 1;
  bool no_scattering = false, no_secondaries = false, no_noise = false, no_smearing = false;
  double max_turns = DetectorSimulationConfig{}.max_turns;
  double min_propagated_pt = DetectorSimulationConfig{}.min_propagated_pt;
  std::vector<double> hit_efficiency, noise_per_module;
  double misalign_mm = 0;
  bool resume = false, force = false, json = false;
};

/// 10^7 events: beyond, a simulation is a batch job split with --first-event (this process
/// keeps a summary per event, and at ~0.1 s per pile-up 200 event it would run for weeks).
constexpr std::uint64_t kMaxSimulatedEvents = 10'000'000;
/// Event ids have 9 digits in TrackML file names (event000001000).
constexpr std::uint64_t kEventIdLimit = 1'000'000'000;

std::pair<double, double> range(const std::vector<double>& v, const char* name) {
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() == 2 && v[0] <= v[1]) return {v[0], v[1]};
  throw Error(std::string("--") + name + ": give one value or MIN,MAX with MIN <= MAX");
}

std::shared_ptr<const ParticleSource> makeSource(const SimulateOptions& o, bool pileup_given) {
  const int inputs = !o.particles_csv.empty() + !o.hepmc.empty() + o.gun;
  if (inputs > 1) throw Error("--particles, --hepmc and --gun are mutually exclusive");
  MinimumBiasConfig mb;
  mb.pileup = o.pileup;
  auto combined = std::make_shared<CombinedSource>();
  if (!o.particles_csv.empty()) {
    combined->add(std::make_shared<ParticleListSource>(
        std::vector<std::vector<Particle>>{readTrackMLParticles(o.particles_csv)}, o.particles_csv));
  } else if (!o.hepmc.empty()) {
    combined->add(std::make_shared<ParticleListSource>(readHepMC(o.hepmc), o.hepmc));
  } else if (o.gun) {
    ParticleGunConfig g;
    g.count = o.gun_count;
    g.pdg = o.gun_pdg;
    std::tie(g.pt_min, g.pt_max) = range(o.gun_pt, "gun-pt");
    std::tie(g.eta_min, g.eta_max) = range(o.gun_eta, "gun-eta");
    std::tie(g.phi_min, g.phi_max) = range(o.gun_phi, "gun-phi");
    g.random_charge = o.gun_random_charge;
    combined->add(std::make_shared<ParticleGun>(g));
  } else if (o.hard_scatter == "ttbar") {
    combined->add(std::make_shared<TtbarGenerator>(TtbarConfig{}, mb));
  } else if (o.hard_scatter != "none") {
    throw Error("--hard-scatter: expected ttbar or none, got '" + o.hard_scatter + "'");
  }
  // Built-in events always get pile-up; an external or gun input only when asked for.
  if ((inputs == 0 || pileup_given) && o.pileup > 0)
    combined->add(std::make_shared<MinimumBiasGenerator>(mb));
  return combined;
}

/// Files written for the work unit starting at event index `first` (one per event, or one
/// HDF5 file per chunk).
std::vector<fs::path> outputsOf(const SimulateOptions& o, std::uint64_t event_id) {
  if (o.format == "h5") return {fs::path(o.out) / eventStoreFileName(event_id)};
  return trackMLEventFiles(o.out, event_id, o.format == "csv.gz");
}

/// Files of the same event in the other compression: the CSV writer removes them, so they
/// count as outputs already there.
std::vector<fs::path> replacedBy(const SimulateOptions& o, std::uint64_t event_id) {
  if (o.format != "csv" && o.format != "csv.gz") return {};
  SimulateOptions other = o;
  other.format = o.format == "csv" ? "csv.gz" : "csv";
  return outputsOf(other, event_id);
}

/// simulation.json: what the events in --out are and how they were made. --resume compares it
/// with the new run's.
Json simulationManifest(const SimulateOptions& o, const ParticleSource& source, const Detector& det,
                        const DetectorSimulationConfig& sc) {
  Json m = Json::object();
  m["format"] = "efgnn-simulation";
  m["version"] = 1;
  m["detector"] = det.config.name;
  m["source"] = source.describe();
  m["pileup"] = o.pileup;
  m["hard_scatter"] = o.hard_scatter;
  m["seed"] = o.seed;
  // Events made before the streams were keyed by event id are other events: resuming such a run
  // is refused (the key is not recorded there).
  m["random_streams"] = "seed and event id";
  m["first_event"] = o.first_event;
  m["events"] = o.events;
  m["event_format"] = o.format;
  m["events_per_file"] = o.format == "h5" ? o.events_per_file : 1;
  m["multiple_scattering"] = sc.multiple_scattering;
  m["secondaries"] = sc.decays;
  m["noise"] = sc.noise;
  m["smearing"] = sc.smear;
  m["max_turns"] = sc.max_turns;
  m["min_propagated_pt"] = sc.min_propagated_pt;
  m["hit_efficiency"] = o.hit_efficiency.empty() ? Json("detector") : Json(o.hit_efficiency[0]);
  m["noise_hits_per_module"] = o.noise_per_module.empty() ? Json("detector") : Json(o.noise_per_module[0]);
  m["misalignment_mm"] = o.misalign_mm;
  return m;
}


/// The run whose events are already in --out, as its simulation.json describes it.
struct EarlierRun {
  std::string manifest;  // simulation.json's text
  long long events = 0;
};

/// Refuses --resume when the events already in --out were made otherwise: only --events may
/// grow (event i depends on the settings and i alone).
void checkResumable(const SimulateOptions& o, const std::optional<EarlierRun>& earlier, const Json& manifest,
                    const DetectorFiles& detector) {
  const fs::path file = fs::path(o.out) / "simulation.json";
  if (!earlier) throw Error(o.out + ": no simulation.json, so nothing efgnn can resume; use another --out");
  std::string changes = settingsChanges(earlier->manifest, manifest.dump(), file.string(), {"events"});
  if (earlier->events > 0 && o.events < static_cast<std::uint64_t>(earlier->events))
    changes += "  events: " + std::to_string(earlier->events) + " -> " + std::to_string(o.events) +
               " (--resume may add events, not drop them)\n";
  const fs::path geometry = fs::path(o.out) / "detector.yaml";
  if (fs::exists(geometry) && readFile(geometry) != detector.yaml)
    changes += "  detector geometry: differs from " + geometry.string() + "\n";
  if (!detector.modules_file.empty()) {
    const fs::path copy = fs::path(o.out) / detector.modules_copy_name;
    if (fs::exists(copy) && fileFingerprint(copy) != fileFingerprint(detector.modules_file))
      changes += "  detector modules: " + detector.modules_file.string() + " differs from " + copy.string() + "\n";
  }
  if (!changes.empty())
    throw Error(o.out + ": the settings differ from those of the events being resumed:\n" + changes +
                "(resume with the same settings, or use another --out)");
}

void runSimulate(const SimulateOptions& o, bool pileup_given) {
  // Event ids are the TrackML file names' 9 digits (event000001000); this also keeps
  // first_event + events from wrapping around 2^64.
  if (o.first_event >= kEventIdLimit || o.events > kEventIdLimit - o.first_event)
    throw Error("--first-event " + std::to_string(o.first_event) + " + --events " + std::to_string(o.events) +
                " goes beyond the largest event id, " + std::to_string(kEventIdLimit - 1));
  if (o.format != "csv" && o.format != "csv.gz" && o.format != "h5" && o.format != "none")
    throw Error("--format: expected csv, csv.gz, h5 or none, got '" + o.format + "'");
  if (o.format != "none" && o.out.empty()) throw Error("--out DIR is required (or --format none)");
  if (o.events_per_file == 0) throw Error("--events-per-file must be at least 1");
  if (o.events_per_file > 1 && o.format != "h5") throw Error("--events-per-file needs --format h5");
  const Detector det = loadDetector(o.detector);
  DetectorSimulationConfig sc;
  sc.multiple_scattering = !o.no_scattering;
  sc.material_interactions = sc.decays = !o.no_secondaries;
  sc.noise = !o.no_noise;
  sc.smear = !o.no_smearing;
  sc.max_turns = o.max_turns;
  sc.min_propagated_pt = o.min_propagated_pt;
  if (!o.hit_efficiency.empty()) sc.hit_efficiency = o.hit_efficiency[0];
  if (!o.noise_per_module.empty()) sc.noise_hits_per_module = o.noise_per_module[0];
  sc.misalignment_mm = o.misalign_mm;
  const auto source = makeSource(o, pileup_given);
  const EventSimulator simulator(source, det, sc, o.seed, o.first_event);

  const std::uint64_t per_file = o.format == "h5" ? o.events_per_file : 1;
  const std::uint64_t units = (o.events + per_file - 1) / per_file;
  std::vector<char> skip(units, 0);
  if (o.format != "none") {
    if (o.resume && o.force) throw Error("--resume and --force exclude each other");
    OutputDirectory out_dir(o.out, "simulate");
    bool existing = !out_dir.recorded().empty();
    // A unit is kept on --resume only if the earlier run finished it: with several events per
    // HDF5 file, its last file may hold fewer events than the new run puts there.
    std::optional<EarlierRun> earlier;
    if (const fs::path file = fs::path(o.out) / "simulation.json"; o.resume && fs::exists(file)) {
      earlier = EarlierRun{readFile(file)};
      earlier->events = YamlNode::parse(earlier->manifest, file.string()).get("events", 0LL);
    }
    const std::uint64_t done_units = earlier ? static_cast<std::uint64_t>(std::max(0LL, earlier->events)) / per_file : units;
    // The geometry travels with the events, so later stages need not be told the detector.
    const DetectorFiles detector_files = detectorFilesOf(o.detector);
    std::vector<std::string> outputs{"simulation.json", "detector.yaml"};
    if (!detector_files.modules_file.empty()) outputs.push_back(detector_files.modules_copy_name);
    for (std::uint64_t u = 0; u < units; ++u) {
      bool all = true;
      for (const auto& f : outputsOf(o, o.first_event + u * per_file)) {
        const bool e = fs::exists(f);
        existing = existing || e;
        all = all && e;
        outputs.push_back(f.filename().string());
      }
      for (const auto& f : replacedBy(o, o.first_event + u * per_file)) existing = existing || fs::exists(f);
      skip[u] = o.resume && all && u < done_units;
    }
    if (existing && !o.resume && !o.force)
      throw Error(o.out + ": already holds events; use --resume to continue that run or --force to replace it");
    const Json manifest = simulationManifest(o, *source, det, sc);
    if (o.force) out_dir.clearForForce();
    if (o.resume && existing) checkResumable(o, earlier, manifest, detector_files);
    out_dir.record(outputs);
    writeFileAtomically(fs::path(o.out) / "simulation.json", manifest.dump(2) + "\n");
    if (!detector_files.modules_file.empty())
      writeFileAtomically(fs::path(o.out) / detector_files.modules_copy_name, readFile(detector_files.modules_file));
    writeFileAtomically(fs::path(o.out) / "detector.yaml", detector_files.yaml);
  }

  struct EventSummary {
    std::size_t hits = 0, noise = 0, particles = 0;
    double seconds = 0;
    bool simulated = false;
  };
  std::vector<EventSummary> summary(o.events);
  Progress progress("simulate", o.events);
  const auto wall_start = std::chrono::steady_clock::now();
  parallelFor(units, o.threads, [&](std::size_t u) {
    const std::uint64_t first = u * per_file, last = std::min(o.events, first + per_file);
    if (skip[u]) {
      progress.add(last - first);
      return;
    }
    std::vector<Event> events;
    for (std::uint64_t i = first; i < last; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      Event e = simulator.simulate(i);
      auto& s = summary[i];
      s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      s.hits = e.hits.size();
      s.noise = e.noiseHits();
      for (const auto& p : e.particles) s.particles += p.charge != 0;
      s.simulated = true;
      if (o.format == "csv" || o.format == "csv.gz") writeTrackMLEvent(e, o.out, o.format == "csv.gz");
      else if (o.format == "h5") events.push_back(std::move(e));
      progress.add();
    }
    if (o.format == "h5") writeEventsH5(events, outputsOf(o, o.first_event + first)[0], det.config.name);
  });
  progress.finish();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  double n = 0, hits = 0, noise = 0, particles = 0, seconds = 0;
  for (const auto& s : summary) {
    if (!s.simulated) continue;
    n += 1;
    hits += s.hits;
    noise += s.noise;
    particles += s.particles;
    seconds += s.seconds;
  }
  const double mean = n > 0 ? 1 / n : 0;
  const int threads = resolveThreads(o.threads);
  if (o.json) {
    Json j = Json::object();
    j["detector"] = det.config.name;
    j["source"] = source->describe();
    j["events"] = o.events;
    j["simulated"] = n;
    j["skipped"] = o.events - static_cast<std::uint64_t>(n);
    j["threads"] = threads;
    j["hits_per_event"] = hits * mean;
    j["noise_hits_per_event"] = noise * mean;
    j["charged_particles_per_event"] = particles * mean;
    j["simulation_seconds_per_event"] = seconds * mean;
    j["simulation_events_per_second_per_thread"] = seconds > 0 ? n / seconds : 0.0;
    j["wall_seconds"] = wall;
    j["events_per_second"] = wall > 0 ? n / wall : 0.0;
    j["out"] = o.out;
    printJson(j);
    return;
  }
  std::printf("simulated %.0f events (%s) on %s with %d threads in %.2f s\n", n,
              source->describe().c_str(), det.config.name.c_str(), threads, wall);
  if (n > 0)
    std::printf("  per event: %.0f hits (%.0f noise), %.0f charged particles; %.3f s simulation "
                "(%.2f events/s per thread)\n",
                hits * mean, noise * mean, particles * mean, seconds * mean, n / seconds);
  if (!o.out.empty()) std::printf("  written to %s (%s)\n", o.out.c_str(), o.format.c_str());
}

}  // namespace

void addSimulateCommand(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  auto* cmd = app.add_subcommand("simulate", "Simulate collision events in a detector");
  cmd->add_option("--detector", o->detector, kDetectorHelp)->capture_default_str();
  auto* pileup = cmd->add_option("--pileup", o->pileup, "Mean number of minimum-bias collisions")
                     ->capture_default_str()
                     ->check(numberIn(0, MinimumBiasConfig::kMaxPileup));
  cmd->add_option("--hard-scatter", o->hard_scatter, "ttbar or none")->capture_default_str();
  cmd->add_option("--events", o->events, "Number of events")->capture_default_str()->check(integerIn(1, kMaxSimulatedEvents));
  cmd->add_option("--seed", o->seed, "Random seed; the event with id i depends only on (seed, i)")
      ->capture_default_str();
  cmd->add_option("--first-event", o->first_event,
                  "Event id of the first event (a run split into batches gives the whole run's events)")
      ->capture_default_str()
      ->check(integerIn(0, kEventIdLimit - 1));
  cmd->add_option("--particles", o->particles_csv, "Simulate the particles of a TrackML particles.csv");
  cmd->add_option("--hepmc", o->hepmc, "Simulate the final-state particles of a HepMC ASCII file (HepMC2 IO_GenEvent or HepMC3)");
  cmd->add_flag("--gun", o->gun, "Particle gun instead of collisions");
  cmd->add_option("--gun-count", o->gun_count, "Gun: particles per event")
      ->capture_default_str()
      ->check(integerIn(0, ParticleGunConfig::kMaxCount));
  cmd->add_option("--gun-pdg", o->gun_pdg, "Gun: PDG code")->capture_default_str();
  cmd->add_option("--gun-pt", o->gun_pt, "Gun: pT [GeV], VALUE or MIN,MAX")->delimiter(',')->check(numberIn(0, 1e5, true));
  cmd->add_option("--gun-eta", o->gun_eta, "Gun: eta, VALUE or MIN,MAX")->delimiter(',')->check(numberIn(-10, 10));
  cmd->add_option("--gun-phi", o->gun_phi, "Gun: phi [rad], VALUE or MIN,MAX")->delimiter(',');
  cmd->add_flag("--gun-random-charge", o->gun_random_charge, "Gun: random sign of the PDG code");
  cmd->add_option("--format", o->format, "csv, csv.gz, h5 or none (no output)")->capture_default_str();
  cmd->add_option("--out", o->out, "Output directory");
  cmd->add_option("--threads", o->threads, "Worker threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--events-per-file", o->events_per_file, "Events per HDF5 file")
      ->capture_default_str()
      ->check(integerIn(1, 10000));
  cmd->add_flag("--no-scattering", o->no_scattering, "Switch off multiple scattering");
  cmd->add_flag("--no-secondaries", o->no_secondaries, "Switch off conversions, nuclear interactions and decays");
  cmd->add_flag("--no-noise", o->no_noise, "Switch off random noise hits");
  cmd->add_flag("--no-smearing", o->no_smearing, "Hits at the true position");
  cmd->add_option("--max-turns", o->max_turns, "Helix turns before a looper is dropped")
      ->capture_default_str()
      ->check(numberIn(0, 1000, true));
  cmd->add_option("--min-propagated-pt", o->min_propagated_pt, "Particles below this pT [GeV] leave no hits")
      ->capture_default_str()
      ->check(numberIn(0, 1e5));
  cmd->add_option("--noise-per-module", o->noise_per_module,
                  "Override the detector's mean noise hits per module and event")
      ->expected(0, 1);
  cmd->add_option("--misalign", o->misalign_mm,
                  "Modules displaced by a random shift of this standard deviation per coordinate [mm], hits reported "
                  "through the nominal geometry (an alignment of this precision)")
      ->capture_default_str();
  cmd->add_option("--hit-efficiency", o->hit_efficiency, "Override the detector's hit efficiency")
      ->expected(1)
      ->check(numberIn(0, 1));
  cmd->add_flag("--resume", o->resume, "Keep events already written, simulate the rest");
  cmd->add_flag("--force", o->force, "Replace the events an earlier simulate wrote in --out (nothing else there)");
  cmd->add_flag("--json", o->json, "One JSON object on stdout");
  cmd->callback([o, pileup] { runSimulate(*o, pileup->count() > 0); });
}

}  // namespace efgnn::cli

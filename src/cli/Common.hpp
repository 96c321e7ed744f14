#pragma once
// Helpers shared by several subcommands.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ConfigFields.hpp"
#include "geometry/Detector.hpp"
#include "model/EdgeClassifierModel.hpp"
#include "train/TrainConfig.hpp"

namespace efgnn::cli {

// ---- option values ----
// CLI11 validators (a failure is a CLI::ValidationError: "--OPTION: what", exit status 1).
// They see the text before conversion, so they can refuse what CLI11 would convert silently:
// "-5" into an unsigned option wraps to 2^64 - 5, and "nan" is a double.

/// A decimal integer in [lo, hi].
CLI::Validator integerIn(std::int64_t lo, std::uint64_t hi);
/// A finite number in [lo, hi] (or (lo, hi] with lo_open).
CLI::Validator numberIn(double lo, double hi, bool lo_open = false);
/// The largest --threads: beyond any machine this runs on (more only costs a stack each).
inline constexpr int kMaxThreads = 1024;
/// Every option of `app` and its subcommands, by type: unsigned integers must be decimal
/// integers that fit (no sign, no wrap), floating-point values finite; every --threads in
/// [0, kMaxThreads]. Call after all subcommands are added.
void checkNumericOptions(CLI::App& app);

/// Help texts of --detector: where a detector is chosen, and where the events' own is the default.
inline constexpr const char* kDetectorHelp = "Preset (trackml: the real TrackML detector, itk), YAML file or TrackML detectors.csv[.gz]";
inline constexpr const char* kEventsDetectorHelp =
    "Detector: preset, YAML file or detectors.csv (default: detector.yaml beside the events, else trackml for TrackML CSV events)";

/// The detector of an events directory: `explicit_choice` if given (a preset or YAML file),
/// else the detector.yaml that `efgnn simulate` writes beside the events, else the real TrackML
/// detector for a directory of TrackML CSV events; nullopt if none applies.
std::optional<Detector> detectorOfEvents(const std::string& explicit_choice, const std::string& events);
/// Same, but an error when there is no detector to be found.
Detector requireDetectorOfEvents(const std::string& explicit_choice, const std::string& events);

/// A training config from a YAML file that may also hold compression keys (prune_*,
/// distill_*), with the command line's --set overrides of training and model keys and the
/// --device (empty: keep) and --threads (< 0: keep) options.
TrainConfig trainConfigFromCommandLine(const std::string& file, const std::vector<std::string>& sets,
                                       const std::string& device = "", int threads = -1);

/// A randomly initialised model (seeded by the config's seed) of a training YAML with --set
/// overrides, for timing and export without a trained checkpoint.
std::shared_ptr<EdgeClassifierModel> randomModelFromCommandLine(const std::string& file,
                                                                const std::vector<std::string>& sets,
                                                                TrainConfig* config = nullptr);

/// A compression config (PruneConfig, DistillConfig) from the same file, then its keys among
/// the --set overrides; validated.
template <class Config>
Config compressionConfigFromCommandLine(const std::string& file, const std::vector<std::string>& sets) {
  Config c = Config::fromYaml(YamlNode::parseFile(file));
  for (const auto& s : sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos) continue;
    if (const auto* f = findConfigField(Config::fields(), s.substr(0, eq)))
      f->read(c, YamlNode::parse("v: " + s.substr(eq + 1), "--set " + s)["v"]);
  }
  c.validate();
  return c;
}

}  // namespace efgnn::cli

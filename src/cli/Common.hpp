#pragma once
// Helpers shared by several subcommands.
#include <optional>
#include <string>
#include <vector>

#include "core/ConfigFields.hpp"
#include "geometry/Detector.hpp"
#include "model/EdgeClassifierModel.hpp"
#include "train/TrainConfig.hpp"

namespace efgnn::cli {

/// The detector of an events directory: `explicit_choice` if given (a preset or YAML file),
/// else the detector.yaml that `efgnn simulate` writes beside the events; nullopt if neither.
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

#include "cli/Common.hpp"

#include <algorithm>

#include "compress/Scan.hpp"

#include <filesystem>

#include "core/Error.hpp"
#include "geometry/DetectorConfig.hpp"

namespace efgnn::cli {

std::optional<Detector> detectorOfEvents(const std::string& explicit_choice, const std::string& events) {
  if (!explicit_choice.empty()) return loadDetector(explicit_choice);
  const auto beside = std::filesystem::path(events) / "detector.yaml";
  if (std::filesystem::exists(beside)) return loadDetector(beside.string());
  return std::nullopt;
}

Detector requireDetectorOfEvents(const std::string& explicit_choice, const std::string& events) {
  auto det = detectorOfEvents(explicit_choice, events);
  if (!det)
    throw Error(events + ": no detector.yaml beside the events; say which detector with --detector (trackml, itk or a YAML file)");
  return std::move(*det);
}

TrainConfig trainConfigFromCommandLine(const std::string& file, const std::vector<std::string>& sets,
                                       const std::string& device, int threads) {
  TrainConfig config = TrainConfig::fromFile(file, compressionKeys());
  const auto other = compressionKeys();
  for (const auto& s : sets)
    if (std::find(other.begin(), other.end(), s.substr(0, s.find('='))) == other.end()) config.set(s);
  if (!device.empty()) config.set("device=" + device);
  if (threads >= 0) config.set("threads=" + std::to_string(threads));
  return config;
}

std::shared_ptr<EdgeClassifierModel> randomModelFromCommandLine(const std::string& file,
                                                                const std::vector<std::string>& sets,
                                                                TrainConfig* config_out) {
  const TrainConfig config = trainConfigFromCommandLine(file, sets);
  torch::manual_seed(config.seed);
  if (config_out) *config_out = config;
  return makeModel(config.model);
}

}  // namespace efgnn::cli

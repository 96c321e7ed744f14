#include "cli/Common.hpp"

#include "io/TrackMLCsv.hpp"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "compress/Scan.hpp"

#include <filesystem>

#include "core/Error.hpp"
#include "geometry/DetectorConfig.hpp"
#include "io/TrackMLCsv.hpp"

namespace efgnn::cli {

namespace {

std::string numberText(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

}  // namespace

CLI::Validator integerIn(std::int64_t lo, std::uint64_t hi) {
  const std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        const std::string expected = "expected an integer in " + range + ", got '" + text + "'";
        const bool negative = !text.empty() && text[0] == '-';
        const std::size_t start = negative || (!text.empty() && text[0] == '+') ? 1 : 0;
        if (start == text.size()) return expected;
        for (std::size_t i = start; i < text.size(); ++i)
          if (!std::isdigit(static_cast<unsigned char>(text[i]))) return expected;
        std::uint64_t magnitude = 0;
        const auto [end, ec] = std::from_chars(text.data() + start, text.data() + text.size(), magnitude);
        if (ec != std::errc() || end != text.data() + text.size()) return expected;  // beyond 2^64 - 1
        if (negative ? (magnitude > 0 && (lo >= 0 || magnitude - 1 > static_cast<std::uint64_t>(-(lo + 1))))
                     : magnitude > hi)
          return expected;
        return {};
      },
      "INT in " + range);
}

CLI::Validator numberIn(double lo, double hi, bool lo_open) {
  const std::string range = (lo_open ? "(" : "[") + numberText(lo) + ", " + numberText(hi) + "]";
  return CLI::Validator(
      [lo, hi, lo_open, range](std::string& text) -> std::string {
        const char* begin = text.c_str();
        char* end = nullptr;
        const double v = std::strtod(begin, &end);
        if (text.empty() || end != begin + text.size() || !std::isfinite(v))
          return "expected a finite number in " + range + ", got '" + text + "'";
        if (v < lo || v > hi || (lo_open && v == lo)) return "must be in " + range + ", got " + text;
        return {};
      },
      "NUMBER in " + range);
}

void checkNumericOptions(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_type_size() == 0) continue;  // a flag
    if (opt->get_name() == "--threads") {
      opt->check(integerIn(0, kMaxThreads));
    } else if (opt->get_type_name() == "UINT") {
      opt->check(integerIn(0, std::numeric_limits<std::uint64_t>::max()).description(""));
    } else if (opt->get_type_name() == "FLOAT") {
      opt->check(numberIn(-std::numeric_limits<double>::max(), std::numeric_limits<double>::max()).description(""));
    }
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) checkNumericOptions(*sub);
}

std::optional<Detector> detectorOfEvents(const std::string& explicit_choice, const std::string& events) {
  if (!explicit_choice.empty()) return loadDetector(explicit_choice);
  const auto beside = std::filesystem::path(events) / "detector.yaml";
  if (std::filesystem::exists(beside)) return loadDetector(beside.string());
  // TrackML-format events without a description come from the real TrackML detector (the
  // data set as distributed); efgnn's own simulations always write detector.yaml.
  std::error_code ec;
  if (std::filesystem::is_directory(events, ec) && !listTrackMLEvents(events).empty()) return loadDetector("trackml");
  return std::nullopt;
}

Detector requireDetectorOfEvents(const std::string& explicit_choice, const std::string& events) {
  auto det = detectorOfEvents(explicit_choice, events);
  if (!det)
    throw Error(events + ": no detector.yaml beside the events; say which detector with --detector (trackml, itk, a YAML file or a detectors.csv)");
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

// Issue 28 (items 7, 8) for the simulation: configuration values out of range are errors
// naming the value and the allowed range, not a hang, a bad_alloc or a silent NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "ErrorText.hpp"
#include "core/Error.hpp"
#include "geometry/DetectorConfig.hpp"
#include "sim/DetectorSimulation.hpp"
#include "sim/MinimumBias.hpp"
#include "sim/ParticleSource.hpp"

namespace efgnn {
namespace {

using test::errorOf;

TEST(InputValidation, PileupMustBeFiniteAndBounded) {
  for (const double pileup : {std::nan(""), -5.0, 1e7, std::numeric_limits<double>::infinity()}) {
    MinimumBiasConfig c;
    c.pileup = pileup;
    const std::string msg = errorOf([&] { MinimumBiasGenerator{c}; });
    EXPECT_NE(msg.find("pileup must be a number in [0, 1000]"), std::string::npos) << pileup << ": " << msg;
  }
  MinimumBiasConfig ok;
  ok.pileup = 0;
  EXPECT_NO_THROW(MinimumBiasGenerator{ok});
}

TEST(InputValidation, DetectorSimulationRanges) {
  const Detector det = loadDetector("trackml");
  const auto check = [&](const std::function<void(DetectorSimulationConfig&)>& change, const std::string& part) {
    DetectorSimulationConfig c;
    change(c);
    const std::string msg = errorOf([&] { DetectorSimulation(det, c); });
    EXPECT_NE(msg.find(part), std::string::npos) << msg;
  };
  check([](auto& c) { c.hit_efficiency = 2; }, "hit_efficiency must be in [0, 1], got 2");
  check([](auto& c) { c.hit_efficiency = std::nan(""); }, "hit_efficiency must be in [0, 1]");
  check([](auto& c) { c.max_turns = -1; }, "max_turns must be in (0, 1000], got -1");
  check([](auto& c) { c.max_turns = 0; }, "max_turns must be in (0, 1000]");
  check([](auto& c) { c.noise_hits_per_module = 1e9; }, "noise_hits_per_module must be in [0, 10]");
  check([](auto& c) { c.min_propagated_pt = std::nan(""); }, "min_propagated_pt");
  EXPECT_NO_THROW(DetectorSimulation(det, DetectorSimulationConfig{}));
}

TEST(InputValidation, DetectorYamlNoiseAndModuleCountsAreBounded) {
  const std::string preset = detectorPresetText("itk");  // a tiled detector: it has n_phi
  // The value of the first `key: NUMBER` replaced by `value`.
  const auto with = [&](const std::string& key, const std::string& value) {
    std::string yaml = preset;
    const auto at = yaml.find(key + ": ");
    EXPECT_NE(at, std::string::npos) << key;
    const auto begin = at + key.size() + 2;
    const auto end = yaml.find_first_not_of("0123456789.e-", begin);
    return yaml.replace(begin, end - begin, value);
  };
  const std::string noise = errorOf([&] { parseDetector(with("noise_hits_per_module", "1e9"), "det.yaml"); });
  EXPECT_NE(noise.find("field 'noise_hits_per_module': must be in [0, 10]"), std::string::npos) << noise;
  EXPECT_EQ(noise.find("det.yaml:"), 0u) << noise;
  const std::string count = errorOf([&] { parseDetector(with("n_phi", "1e12"), "det.yaml"); });
  EXPECT_NE(count.find("n_phi': must be an integer in [1, 100000], got 1e12"), std::string::npos) << count;
}

TEST(InputValidation, ParticleGunCountAndRanges) {
  ParticleGunConfig g;
  g.count = 1'000'000'000;
  EXPECT_NE(errorOf([&] { ParticleGun{g}; }).find("count must be in [0, 100000]"), std::string::npos);
  g.count = 1;
  g.eta_min = std::nan("");
  EXPECT_NE(errorOf([&] { ParticleGun{g}; }).find("finite"), std::string::npos);
}

}  // namespace
}  // namespace efgnn

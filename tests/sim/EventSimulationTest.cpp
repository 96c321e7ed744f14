#include <gtest/gtest.h>

#include <map>

#include "core/Parallel.hpp"
#include "geometry/DetectorConfig.hpp"
#include "io/TrackMLCsv.hpp"
#include "sim/EventSimulator.hpp"
#include "sim/HardScatter.hpp"
#include "sim/MinimumBias.hpp"
#include "sim/ParticleStatistics.hpp"

namespace efgnn {
namespace {

const Detector& trackml() {
  static const Detector d = loadDetector("trackml");
  return d;
}

std::shared_ptr<const ParticleSource> ttbarPileup(double mu) {
  MinimumBiasConfig mb;
  mb.pileup = mu;
  auto s = std::make_shared<CombinedSource>();
  s->add(std::make_shared<TtbarGenerator>(TtbarConfig{}, mb));
  s->add(std::make_shared<MinimumBiasGenerator>(mb));
  return s;
}

TEST(EventSimulation, SameSeedSameEventForAnyThreadCount) {
  const EventSimulator sim(ttbarPileup(10), trackml(), {}, 42);
  std::vector<Event> one(4), two(4);
  parallelFor(4, 1, [&](std::size_t i) { one[i] = sim.simulate(i); });
  parallelFor(4, 2, [&](std::size_t i) { two[i] = sim.simulate(i); });
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(one[i], two[i]) << "event " << i;
    EXPECT_EQ(one[i].event_id, static_cast<std::uint64_t>(i));
  }
  EXPECT_NE(one[0].hits.size(), one[1].hits.size());
  const EventSimulator other(ttbarPileup(10), trackml(), {}, 43);
  EXPECT_NE(other.simulate(0), one[0]);
}

TEST(EventSimulation, TruthIsConsistent) {
  const EventSimulator sim(ttbarPileup(20), trackml(), {}, 7);
  const Event e = sim.simulate(0);
  ASSERT_NO_THROW(e.validate("simulated"));
  ASSERT_EQ(e.truth.size(), e.hits.size());
  std::map<std::uint64_t, const Particle*> by_id;
  for (const auto& p : e.particles) by_id[p.particle_id] = &p;
  std::map<std::uint64_t, int> hits;
  for (const auto& t : e.truth) hits[t.particle_id] += 1;
  std::map<Process, int> processes;
  for (const auto& p : e.particles) {
    EXPECT_EQ(p.nhits, hits.count(p.particle_id) ? hits[p.particle_id] : 0);
    processes[p.process] += 1;
    if (p.primary) {
      EXPECT_EQ(p.process, Process::Generator);
      EXPECT_EQ(p.parent_id, 0u);
    } else {
      // Secondaries are flagged and their parent is in the list.
      EXPECT_NE(p.process, Process::Generator);
      ASSERT_TRUE(by_id.count(p.parent_id)) << "particle " << p.particle_id;
    }
    if (p.process == Process::PhotonConversion) {
      EXPECT_EQ(by_id[p.parent_id]->pdg, 22);
      EXPECT_GT(p.productionRadius(), 20.0) << "conversions happen in material";
    }
  }
  EXPECT_GT(processes[Process::PhotonConversion], 0);
  EXPECT_GT(processes[Process::HadronicInteraction], 0);
  EXPECT_GT(processes[Process::Decay], 0);
  // Hits are sorted by module and numbered from 1.
  for (std::size_t i = 0; i < e.hits.size(); ++i) EXPECT_EQ(e.hits[i].hit_id, i + 1);
  EXPECT_GT(e.noiseHits(), 0u);
}

TEST(EventSimulation, NoiseFollowsTheConfiguredRate) {
  DetectorSimulationConfig config;
  config.noise_hits_per_module = 0.5;
  ParticleGunConfig gun;
  gun.count = 0;
  const EventSimulator sim(std::make_shared<ParticleGun>(gun), trackml(), config, 1);
  const Event e = sim.simulate(0);
  const double expected = 0.5 * static_cast<double>(trackml().modules.size());
  EXPECT_NEAR(static_cast<double>(e.noiseHits()), expected, 5 * std::sqrt(expected));
  EXPECT_EQ(e.noiseHits(), e.hits.size());
}

// The generator calibration: 5 simulated ttbar + 200 pile-up events against the real TrackML
// event, with the tolerances of compareParticleStatistics (BENCHMARKS.md shows the table).
TEST(Calibration, BuiltInGeneratorsMatchTheRealTrackmlEvent) {
  const auto real = readTrackMLParticles(EFGNN_SHARED_DATA "/trackml/event000001000-particles.csv");
  const ParticleStatistics ref = computeParticleStatistics({real});
  EXPECT_EQ(ref.particles_per_event, 12263);
  const EventSimulator sim(ttbarPileup(200), trackml(), {}, 1);
  std::vector<std::vector<Particle>> lists(5);
  std::vector<std::size_t> hits(5);
  parallelFor(5, 0, [&](std::size_t i) {
    Event e = sim.simulate(i);
    hits[i] = e.hits.size();
    lists[i] = std::move(e.particles);
  });
  for (const auto& c : compareParticleStatistics(computeParticleStatistics(lists), ref))
    EXPECT_TRUE(c.passed()) << c.quantity << ": simulated " << c.simulated << ", TrackML "
                            << c.reference << ", tolerance " << c.tolerance
                            << (c.relative ? " (relative)" : "");
  for (auto h : hits) {  // issue figure: 80k-140k hits, 9k-16k particles
    EXPECT_GT(h, 80000u);
    EXPECT_LT(h, 140000u);
  }
  for (const auto& l : lists) {
    EXPECT_GT(l.size(), 9000u);
    EXPECT_LT(l.size(), 16000u);
  }
}

}  // namespace
}  // namespace efgnn

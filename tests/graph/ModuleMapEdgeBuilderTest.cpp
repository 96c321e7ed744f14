// The module-map edge builder searches each doublet's second module only in the phi window
// that can pass the dphi cut and screens hit pairs and triples with conservative bounds before
// the exact cuts; the reference search (Config::all_pairs) puts every hit pair of every doublet
// and every pair of candidates meeting at a hit through the exact cuts. Both must give the same
// edges, in the same order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/Parallel.hpp"
#include "core/Units.hpp"
#include "geometry/DetectorConfig.hpp"
#include "graph/GraphConstructor.hpp"
#include "graph/ModuleMapEdgeBuilder.hpp"
#include "sim/EventSimulator.hpp"
#include "sim/HardScatter.hpp"
#include "sim/MinimumBias.hpp"

namespace efgnn {
namespace {

const Detector& trackml() {
  static const Detector d = loadDetector("trackml");
  return d;
}

std::vector<Event> ttbarWithPileup(double mu, int n, std::uint64_t seed) {
  MinimumBiasConfig mb;
  mb.pileup = mu;
  auto source = std::make_shared<CombinedSource>();
  source->add(std::make_shared<TtbarGenerator>(TtbarConfig{}, mb));
  source->add(std::make_shared<MinimumBiasGenerator>(mb));
  const EventSimulator sim(source, trackml(), {}, seed);
  std::vector<Event> events(n);
  for (int i = 0; i < n; ++i) events[i] = sim.simulate(i);
  return events;
}

/// A map learned from many events and one from a single event (narrow ranges, where the
/// uncertainty margins decide), and other events (with more pile-up) to build graphs of.
struct MapAndEvents {
  std::shared_ptr<ModuleMap> map, sparse_map;
  std::vector<Event> events;
};

const MapAndEvents& data() {
  static const MapAndEvents d = [] {
    MapAndEvents out;
    ModuleMapBuilder builder(trackml(), {}), sparse(trackml(), {});
    const auto map_events = ttbarWithPileup(60, 16, 11);
    for (const auto& e : map_events) builder.add(e, "map events");
    sparse.add(map_events[0], "map events");
    out.map = std::make_shared<ModuleMap>(builder.finish());
    out.sparse_map = std::make_shared<ModuleMap>(sparse.finish());
    out.events = ttbarWithPileup(100, 3, 12);
    return out;
  }();
  return d;
}

std::vector<HitPair> edges(const std::shared_ptr<const ModuleMap>& map, ModuleMapEdgeBuilder::Config config,
                           const Event& event) {
  const ModuleMapEdgeBuilder builder(map, trackml(), config);
  const auto module = moduleIndices(event, trackml(), "test");
  const HitCoordinates coordinates(event);
  return builder.build({event, module, coordinates});
}

/// The event with odd hits added on modules that have hits: copies of hits near phi = +-pi
/// moved to exactly pi and -pi, exact duplicates, hits on the beam line (r = 0) and without a
/// position (NaN), and busy modules (more hits than the search scans one by one: it
/// binary-searches them), some across phi = +-pi.
Event withOddHits(const Event& event) {
  Event out = event;
  const auto add = [&](const SpacePoint& h, float x, float y, float z) {
    SpacePoint copy = h;
    copy.hit_id = out.hits.size() + 1;
    copy.x = x;
    copy.y = y;
    copy.z = z;
    out.hits.push_back(copy);
    out.truth.push_back({});  // noise
  };
  int near_pi = 0;
  for (std::size_t i = 0; i < event.hits.size(); ++i) {
    const SpacePoint& h = event.hits[i];
    if (i % 997 == 0) {
      add(h, 0.f, 0.f, h.z);
      add(h, std::nanf(""), h.y, h.z);
    }
    if (i % 4999 == 0 || (std::abs(h.phi()) > units::pi - 0.002 && near_pi < 20))
      for (int k = -50; k <= 50; ++k) {  // 100 more hits within +-2.5 mrad
        const double phi = h.phi() + 5e-5 * k;
        add(h, static_cast<float>(h.r() * std::cos(phi)), static_cast<float>(h.r() * std::sin(phi)), h.z);
      }
    if (std::abs(h.phi()) < units::pi - 0.05 || ++near_pi > 60) continue;
    add(h, -h.r(), 0.f, h.z);    // phi = pi
    add(h, -h.r(), -0.f, h.z);   // phi = -pi
    add(h, h.x, h.y, h.z);       // the same position twice
  }
  return out;
}

/// Edges whose hits lie on either side of phi = +-pi.
std::size_t acrossTheWrap(const std::vector<HitPair>& edges, const Event& event) {
  return static_cast<std::size_t>(std::count_if(edges.begin(), edges.end(), [&](const HitPair& e) {
    return std::abs(event.hits[e.first].phi() - event.hits[e.second].phi()) > units::pi;
  }));
}

TEST(ModuleMapEdgeBuilder, PhiWindowSearchGivesTheSameEdgesAsAllPairs) {
  const auto& d = data();
  ASSERT_GT(d.map->doublets.size(), 10000u);
  ASSERT_EQ(d.events.size(), 3u);
  // Cut settings from tight to so loose that the dphi window spans a whole turn (where the
  // search falls back to all pairs), with and without triplets.
  std::vector<ModuleMapEdgeBuilder::Config> configs(6);
  configs[1].relative_tolerance = 0.3f;
  configs[2].relative_tolerance = 0.3f;
  configs[2].use_triplets = false;
  configs[3].relative_tolerance = 0;
  configs[3].n_sigma = 0;
  configs[4].n_sigma = 10;
  configs[4].scattering_pt = 0.3f;
  configs[5].relative_tolerance = 40;
  const Event odd = withOddHits(d.events[0]);
  {
    // Busy modules, one across phi = +-pi.
    const auto module = moduleIndices(odd, trackml(), "test");
    std::vector<int> hits(trackml().modules.size()), across(trackml().modules.size());
    for (std::size_t i = 0; i < odd.hits.size(); ++i) {
      ++hits[module[i]];
      if (std::abs(odd.hits[i].phi()) > units::pi - 0.003) across[module[i]] |= odd.hits[i].phi() > 0 ? 1 : 2;
    }
    int busy = 0, busy_across = 0;
    for (std::size_t m = 0; m < hits.size(); ++m) {
      busy += hits[m] > 100;
      busy_across += hits[m] > 100 && across[m] == 3;
    }
    EXPECT_GT(busy, 10);
    EXPECT_GT(busy_across, 0);
  }
  for (const auto& event : {d.events[0], d.events[1], d.events[2], odd}) {
    // Enough hits on either side of phi = +-pi that pairs across it matter.
    const auto near_pi = std::count_if(event.hits.begin(), event.hits.end(),
                                       [](const SpacePoint& h) { return std::abs(h.phi()) > units::pi - 0.02; });
    EXPECT_GT(near_pi, 20) << "event " << event.event_id;
    for (const auto& map : {d.map, d.sparse_map})
      for (std::size_t k = 0; k < configs.size(); ++k) {
        SCOPED_TRACE("event " + std::to_string(event.event_id) + (map == d.map ? ", map" : ", sparse map") +
                     ", config " + std::to_string(k));
        ModuleMapEdgeBuilder::Config reference = configs[k];
        reference.all_pairs = true;
        const auto expected = edges(map, reference, event);
        EXPECT_EQ(edges(map, configs[k], event), expected);
        if (map == d.map && k != 3) {
          EXPECT_GT(expected.size(), 3000u);
          EXPECT_GT(acrossTheWrap(expected, event), 0u);
        }
      }
  }
}

TEST(ModuleMapEdgeBuilder, EveryInstructionSetGivesTheSameEdges) {
  // The search is compiled for each instruction set; it must round the same on each, odd hits
  // and the all-pairs reference included. A set the CPU lacks is refused by name.
  const auto& [map, sparse_map, events] = data();
  const Event odd = withOddHits(events[0]);
  for (const bool all_pairs : {false, true})
    for (const float tolerance : {0.f, 0.3f}) {
      ModuleMapEdgeBuilder::Config config;
      config.relative_tolerance = tolerance;
      config.all_pairs = all_pairs;
      config.instruction_set = runtime::Isa::Base;
      for (const auto* event : {&events[1], &odd}) {
        const auto base = edges(map, config, *event);
        EXPECT_GT(base.size(), 3000u);
        for (const runtime::Isa isa : runtime::supportedIsas()) {
          SCOPED_TRACE(runtime::nameOf(isa) + (all_pairs ? ", all pairs" : "") + ", tolerance " +
                       std::to_string(tolerance) + (event == &odd ? ", odd hits" : ""));
          ModuleMapEdgeBuilder::Config on = config;
          on.instruction_set = isa;
          EXPECT_EQ(edges(map, on, *event), base);
        }
      }
    }
  if (runtime::supportedIsas().back() != runtime::Isa::Avx512) {
    ModuleMapEdgeBuilder::Config config;
    config.instruction_set = runtime::Isa::Avx512;
    try {
      const ModuleMapEdgeBuilder builder(map, trackml(), config);
      ADD_FAILURE() << "an instruction set this CPU lacks was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("avx512"), std::string::npos) << e.what();
    }
  }
}

TEST(ModuleMapEdgeBuilder, ReusedScratchSpaceChangesNothing) {
  // One builder, events of different sizes one after the other and again.
  const auto& [map, sparse_map, events] = data();
  ModuleMapEdgeBuilder::Config config;
  config.relative_tolerance = 0.3f;
  const ModuleMapEdgeBuilder builder(map, trackml(), config);
  const auto build = [&](const Event& e) {
    const auto module = moduleIndices(e, trackml(), "test");
    const HitCoordinates coordinates(e);
    return builder.build({e, module, coordinates});
  };
  std::vector<std::vector<HitPair>> first;
  for (const auto& e : events) first.push_back(build(e));
  for (std::size_t i = events.size(); i-- > 0;) EXPECT_EQ(build(events[i]), first[i]);
  EXPECT_EQ(build(Event{}), std::vector<HitPair>{});
  EXPECT_EQ(build(events[0]), first[0]);
  // Calls at the same time each get their own scratch space.
  std::vector<std::vector<HitPair>> parallel(2 * events.size());
  parallelFor(parallel.size(), 3, [&](std::size_t i) { parallel[i] = build(events[i % events.size()]); });
  for (std::size_t i = 0; i < parallel.size(); ++i) EXPECT_EQ(parallel[i], first[i % events.size()]);
}

TEST(ModuleMapEdgeBuilder, MapsInAnyOrderGiveTheSameEdges) {
  // Maps from files are sorted; one filled by hand need not be. The search must not depend
  // on the order of the map's doublets and triplets.
  const auto& [map, sparse_map, events] = data();
  auto shuffled = std::make_shared<ModuleMap>(*map);
  std::reverse(shuffled->doublets.begin(), shuffled->doublets.end());
  std::rotate(shuffled->triplets.begin(), shuffled->triplets.begin() + shuffled->triplets.size() / 3,
              shuffled->triplets.end());
  shuffled->index();
  ModuleMapEdgeBuilder::Config config, reference;
  reference.all_pairs = true;
  const Event& event = events[0];
  // The edges come sorted by first hit, then second hit, whatever the map's order.
  const auto found = edges(shuffled, config, event);
  EXPECT_EQ(found, edges(shuffled, reference, event));
  EXPECT_EQ(found, edges(map, config, event));
  EXPECT_TRUE(std::is_sorted(found.begin(), found.end()));
  EXPECT_GT(found.size(), 1000u);
  // Triplets are looked up as ModuleMap::findTriplet finds them: not at all before index().
  auto unindexed = std::make_shared<ModuleMap>();
  unindexed->detector = map->detector;
  unindexed->modules = map->modules;
  unindexed->doublets = map->doublets;
  unindexed->triplets = map->triplets;
  EXPECT_EQ(edges(unindexed, config, event), edges(unindexed, reference, event));
}

}  // namespace
}  // namespace efgnn

#include <gtest/gtest.h>

#include "core/Error.hpp"
#include "eval/TrackMetrics.hpp"

namespace efgnn {
namespace {

/// Particle 1 (target, 5 hits): nodes 0-4; 2 (target, 4 hits): 5-8; 3 (not a target, 3 hits):
/// 9-11; node 12 is noise.
Graph truth() {
  Graph g;
  g.hit_id.resize(13);
  g.node_particle = {1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 0};
  g.particles = {{1, 2.0f, 0.3f, 5, true}, {2, 7.0f, -1.2f, 4, true}, {3, 0.5f, 0.1f, 3, false}};
  return g;
}

TEST(TrackMetrics, KnownAnswers) {
  TrackMetrics m({.min_track_hits = 3, .two_way = true, .min_particle_hits = 3});
  m.add(7, {{0, 1, 2, 3, 4},   // particle 1, all its hits
            {0, 1, 2, 12},     // particle 1 again (3 of 4 hits, 3 of its 5): a duplicate
            {5, 6, 9, 10},     // 2 + 2: no majority, a fake
            {9, 10, 11},       // particle 3 (not a target)
            {7, 8}},           // shorter than 3 hits: not counted
        truth());
  const auto t = m.totals();
  EXPECT_EQ(t.tracks, 4);
  EXPECT_EQ(t.matched_tracks, 3);
  EXPECT_DOUBLE_EQ(m.fakeRate().first, 0.25);
  EXPECT_DOUBLE_EQ(m.efficiency().first, 0.5);  // particle 1 of the targets 1 and 2
  EXPECT_NEAR(m.efficiency().second, std::sqrt(0.25 / 2), 1e-12);
  EXPECT_DOUBLE_EQ(m.duplicateRate().first, 0.5);  // 3 pairs, 2 distinct particles
  // Bins [1, 1.5) [1.5, 2) [2, 3) [3, 5) [5, 10): particle 1 (2 GeV) found, particle 2 (7 GeV) not.
  EXPECT_DOUBLE_EQ(m.efficiency_vs_pt.passed[2], 1);
  EXPECT_DOUBLE_EQ(m.efficiency_vs_pt.total[4], 1);
  EXPECT_DOUBLE_EQ(m.efficiency_vs_pt.passed[4], 0);
  ASSERT_EQ(m.events().size(), 1u);
  EXPECT_EQ(m.events()[0].event_id, 7u);
}

TEST(TrackMetrics, FakesAndDuplicatesVersusTrackEta) {
  // Nodes 0-8 at eta 0.2, nodes 9-12 at eta -2.2.
  Graph g = truth();
  g.node_feature_names = {"eta"};
  g.x = {0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f, -2.2f, -2.2f, -2.2f, -2.2f};
  TrackMetrics m({.min_track_hits = 3, .two_way = false});
  m.add(1, {{0, 1, 2, 3}, {0, 1, 2}, {9, 10, 12}, {10, 11, 12}, {12, 12, 12}}, g);
  // Bins [-4,-3) [-3,-2.5) [-2.5,-2) ... [0,0.5) is bin 7.
  EXPECT_DOUBLE_EQ(m.fake_rate_vs_eta.total[7], 2);
  EXPECT_DOUBLE_EQ(m.fake_rate_vs_eta.passed[7], 0);
  EXPECT_DOUBLE_EQ(m.fake_rate_vs_eta.total[2], 3);
  EXPECT_DOUBLE_EQ(m.fake_rate_vs_eta.passed[2], 1) << "the noise track";
  EXPECT_DOUBLE_EQ(m.duplicate_rate_vs_eta.total[7], 2);
  EXPECT_DOUBLE_EQ(m.duplicate_rate_vs_eta.passed[7], 1) << "the shorter of particle 1's two tracks";
  EXPECT_DOUBLE_EQ(m.duplicate_rate_vs_eta.passed[2], 1) << "particle 3 matched twice";
}

TEST(TrackMetrics, ShortParticlesAreLeftOutOfTheEfficiency) {
  // Particle 2 has 4 hits: with min_particle_hits 5 (the default) it is not reconstructable.
  TrackMetrics m({.min_track_hits = 3});
  m.add(1, {{0, 1, 2, 3, 4}}, truth());
  EXPECT_EQ(m.totals().target_particles, 1);
  EXPECT_DOUBLE_EQ(m.efficiency().first, 1.0);
}

TEST(TrackMetrics, TwoWayNeedsHalfOfTheParticlesHits) {
  const auto g = truth();
  const auto hits = [](std::uint64_t id) { return id == 2 ? 4 : 0; };
  const Track track{5, 6, 12};  // 2 of 3 hits are particle 2's, but only 2 of its 4
  EXPECT_TRUE(matchTrack(track, g.node_particle, hits, {3, false}).matched);
  EXPECT_FALSE(matchTrack(track, g.node_particle, hits, {3, true}).matched);
  EXPECT_TRUE(matchTrack({5, 6, 7}, g.node_particle, hits, {3, true}).matched);
  EXPECT_FALSE(matchTrack({12, 12, 12}, g.node_particle, hits, {3, false}).matched) << "noise matches nothing";
  EXPECT_THROW(matchTrack({99}, g.node_particle, hits, {}), Error);
}

}  // namespace
}  // namespace efgnn

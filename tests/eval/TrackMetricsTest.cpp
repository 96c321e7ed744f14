#include <gtest/gtest.h>

#include <tuple>

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
  EXPECT_EQ(m.unmatched[static_cast<std::size_t>(UnmatchedTrack::mixed)], 1) << "2 + 2 hits";
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
  EXPECT_EQ(m.unmatched[static_cast<std::size_t>(UnmatchedTrack::noise)], 1);
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

/// Four target particles of 5 hits in a chain each (nodes 5p .. 5p + 4 for particle p + 1) and
/// noise nodes 20-23; `edges` lists (node, node, score) with the truth each pair has.
Graph chains(const std::vector<std::tuple<int, int, float>>& edges, std::vector<float>& scores) {
  Graph g;
  g.hit_id.resize(24);
  g.node_particle.assign(24, 0);
  for (int n = 0; n < 20; ++n) g.node_particle[n] = static_cast<std::uint64_t>(n / 5 + 1);
  for (std::uint64_t p = 1; p <= 4; ++p) g.particles.push_back({p, 15.0f, 0.1f, 5, true});
  std::vector<std::int64_t> src, dst;
  for (const auto& [a, b, score] : edges) {
    src.push_back(a);
    dst.push_back(b);
    const bool same = g.node_particle[a] != 0 && g.node_particle[a] == g.node_particle[b];
    g.edge_particle.push_back(same ? g.node_particle[a] : 0);
    scores.push_back(score);
  }
  g.edge_index = src;
  g.edge_index.insert(g.edge_index.end(), dst.begin(), dst.end());
  return g;
}

TEST(TrackMetrics, LostParticlesAreGivenTheirCause) {
  std::vector<float> scores;
  const Graph g = chains(
      {// particle 1: every edge there and scored high, but the builder split it 3 + 2
       {0, 1, 0.9f}, {1, 2, 0.9f}, {2, 3, 0.9f}, {3, 4, 0.9f},
       // particle 2: the graph lacks 6-7 and 7-8, so no piece has more than 2 of its 5 hits
       {5, 6, 0.9f}, {8, 9, 0.9f},
       // particle 3: all there, two scored below the cut
       {10, 11, 0.9f}, {11, 12, 0.2f}, {12, 13, 0.3f}, {13, 14, 0.9f},
       // particle 4: all there and high, but its track ran onto noise (2 of its hits among 4)
       {15, 16, 0.9f}, {16, 17, 0.9f}, {17, 18, 0.9f}, {18, 19, 0.9f}, {16, 22, 0.95f}},
      scores);
  TrackMetrics m({.min_track_hits = 3, .two_way = true, .min_particle_hits = 3});
  m.add(1, {{0, 1, 20}, {2, 3, 21}, {15, 16, 22, 23}, {17, 18}}, g, scores, 0.5f);
  EXPECT_DOUBLE_EQ(m.efficiency().first, 0.0);
  ASSERT_EQ(m.lost.size(), std::size(kTrackLosses));
  EXPECT_EQ(m.lost[static_cast<std::size_t>(TrackLoss::graph)], 1);
  EXPECT_EQ(m.lost[static_cast<std::size_t>(TrackLoss::score)], 1);
  EXPECT_EQ(m.lost[static_cast<std::size_t>(TrackLoss::builder_merged)], 1);
  EXPECT_EQ(m.lost[static_cast<std::size_t>(TrackLoss::builder_split)], 1);
  // Tracks {0, 1, 20} and {2, 3, 21}: fragments of target particle 1; {15, 16, 22, 23}: two
  // noise hits of four, not more than half: mixed.
  EXPECT_EQ(m.unmatched[static_cast<std::size_t>(UnmatchedTrack::fragment_of_target)], 2);
  EXPECT_EQ(m.unmatched[static_cast<std::size_t>(UnmatchedTrack::mixed)], 1);
  EXPECT_EQ(m.unmatched[static_cast<std::size_t>(UnmatchedTrack::noise)], 0);
  // All four at 15 GeV: bin [10, 20) of the pT bins.
  for (const auto loss : kTrackLosses) EXPECT_EQ(m.lost_vs_pt[static_cast<std::size_t>(loss)][5], 1) << trackLossName(loss);
  EXPECT_NE(m.json().dump().find("\"builder_merged\":{\"lost\":1"), std::string::npos) << m.json().dump();

  // A found particle has no cause (particle 1 here; 2 and 3 as before, 4 has no track: split);
  // without scores there are no causes at all.
  TrackMetrics found({.min_track_hits = 3});
  found.add(1, {{0, 1, 2, 3, 4}}, g, scores, 0.5f);
  EXPECT_EQ(found.lost, (std::vector<double>{1, 1, 0, 1}));
  TrackMetrics plain({.min_track_hits = 3});
  plain.add(1, {}, g);
  EXPECT_TRUE(plain.lost.empty());
  EXPECT_EQ(plain.json().dump().find("lost_target_particles"), std::string::npos);
  EXPECT_THROW(plain.add(1, {}, g, {0.5f}, 0.5f), Error) << "one score for 15 edges";
}

}  // namespace
}  // namespace efgnn

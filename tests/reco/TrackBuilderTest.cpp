#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <tuple>

#include "core/Error.hpp"
#include "reco/ConnectedComponents.hpp"
#include "reco/Walkthrough.hpp"

namespace efgnn {
namespace {

/// Nodes at radius r[i] (z = 0), edges (a, b, score).
ScoredGraph graphOf(std::vector<float> r, const std::vector<std::tuple<std::uint32_t, std::uint32_t, float>>& edges) {
  ScoredGraph g;
  g.num_nodes = r.size();
  g.z.assign(r.size(), 0.f);
  g.r = std::move(r);
  for (const auto& [a, b, s] : edges) {
    g.src.push_back(a);
    g.dst.push_back(b);
    g.scores.push_back(s);
  }
  return g;
}

std::vector<Track> sorted(std::vector<Track> tracks) {
  for (auto& t : tracks) std::sort(t.begin(), t.end());
  std::sort(tracks.begin(), tracks.end());
  return tracks;
}

const ConnectedComponentsBuilder cc({0.5f, 3, false});
const ConnectedComponentsBuilder cc_junctions({0.5f, 3, true});
const WalkthroughBuilder walk({});

TEST(TrackBuilders, ChainWithIsolatedHitsAndAWeakEdge) {
  // 0-1-2-3-4 a track (edges given inward and outward), 5 isolated, 6-7 below the cut.
  const auto g = graphOf({10, 20, 30, 40, 50, 15, 25, 35},
                         {{1, 0, 0.9f}, {1, 2, 0.8f}, {3, 2, 0.95f}, {3, 4, 0.7f}, {6, 7, 0.3f}});
  EXPECT_EQ(sorted(cc.build(g)), (std::vector<Track>{{0, 1, 2, 3, 4}}));
  const auto walked = walk.build(g);
  ASSERT_EQ(walked.size(), 1u);
  EXPECT_EQ(walked[0], (Track{0, 1, 2, 3, 4})) << "ordered outward";
  EXPECT_TRUE(ConnectedComponentsBuilder({0.5f, 6, false}).build(g).empty()) << "minimum length";
}

TEST(TrackBuilders, CrossingTracksShareAHit) {
  // A: 0-1-2-3-4 and B: 5-6-2-7-8 cross at hit 2.
  const auto g = graphOf({10, 20, 30, 40, 50, 10, 20, 40, 50},
                         {{0, 1, 0.9f}, {1, 2, 0.9f}, {2, 3, 0.9f}, {3, 4, 0.9f},
                          {5, 6, 0.8f}, {6, 2, 0.8f}, {2, 7, 0.8f}, {7, 8, 0.8f}});
  EXPECT_EQ(cc.build(g).size(), 1u) << "plain components merge them";
  // Junction removal keeps hit 2's best edges (track A's) and splits B in two short pieces.
  EXPECT_EQ(sorted(cc_junctions.build(g)), (std::vector<Track>{{0, 1, 2, 3, 4}}));
  // The walk takes A (longest from the innermost hit 0); B's remaining pieces (5-6, 7-8) are
  // shorter than 3 hits and dropped.
  EXPECT_EQ(walk.build(g), (std::vector<Track>{{0, 1, 2, 3, 4}}));
}

TEST(TrackBuilders, WalkFollowsTheBestBranchAndBranchesAboveTheHighCut) {
  // 0-1-2-3-4 with a weak side branch 2-9 (0.3): the walk follows the better edge.
  const auto weak = graphOf({10, 20, 30, 40, 50, 0, 0, 0, 0, 35},
                            {{0, 1, 0.9f}, {1, 2, 0.9f}, {2, 3, 0.9f}, {3, 4, 0.9f}, {2, 9, 0.3f}});
  EXPECT_EQ(walk.build(weak), (std::vector<Track>{{0, 1, 2, 3, 4}}));
  // A strong branch 2-9-10-11-12 (0.7 > branch_cut) that is longer wins, although 2-3 scores higher.
  const auto strong = graphOf({10, 20, 30, 40, 50, 0, 0, 0, 0, 35, 45, 55, 65},
                              {{0, 1, 0.9f}, {1, 2, 0.9f}, {2, 3, 0.9f}, {3, 4, 0.9f}, {2, 9, 0.7f},
                               {9, 10, 0.9f}, {10, 11, 0.9f}, {11, 12, 0.9f}});
  const auto tracks = walk.build(strong);
  ASSERT_FALSE(tracks.empty());
  EXPECT_EQ(tracks[0], (Track{0, 1, 2, 9, 10, 11, 12}));
  // Each hit in one track only.
  std::vector<int> seen(13, 0);
  for (const auto& t : tracks)
    for (const auto n : t) EXPECT_EQ(++seen[n], 1) << "hit " << n;
}

TEST(TrackBuilders, WithoutCoordinatesTheEdgeDirectionOrdersHits) {
  // Hits 2 and 3 sit on overlapping modules at the same radius and z: r^2 + z^2 cannot order
  // them and orients 2->3 backwards (3 -> 2), which splits the walk in two pieces; the edges'
  // own direction (inner to outer, as graph construction makes them) keeps one track.
  auto g = graphOf({10, 20, 30.001f, 30, 40, 50}, {{0, 1, 0.9f}, {1, 2, 0.9f}, {2, 3, 0.9f}, {3, 4, 0.9f}, {4, 5, 0.9f}});
  const WalkthroughBuilder walk3({.min_hits = 2});
  EXPECT_EQ(walk3.build(g).size(), 2u) << "oriented by r: 0-1-2 and 3-4-5";
  g.r.clear();
  g.z.clear();
  EXPECT_EQ(walk3.build(g), (std::vector<Track>{{0, 1, 2, 3, 4, 5}}));
  EXPECT_EQ(sorted(cc_junctions.build(g)), (std::vector<Track>{{0, 1, 2, 3, 4, 5}}));
}

TEST(TrackBuilders, EdgesClosingACycleAreNotWalked) {
  // 0->1->2->3->4 and a stray edge 3->1 that closes a cycle: every hit still in one track.
  auto g = graphOf({}, {{0, 1, 0.9f}, {1, 2, 0.9f}, {2, 3, 0.9f}, {3, 4, 0.9f}, {3, 1, 0.95f}});
  g.num_nodes = 5;
  EXPECT_EQ(walk.build(g), (std::vector<Track>{{0, 1, 2, 3, 4}}));
  // A pure loop 0->1->2->0 is one track too.
  auto loop = graphOf({}, {{0, 1, 0.9f}, {1, 2, 0.9f}, {2, 0, 0.9f}});
  loop.num_nodes = 3;
  EXPECT_EQ(walk.build(loop), (std::vector<Track>{{0, 1, 2}}));
}

TEST(TrackBuilders, TheStraightestWalkStaysOnACloseByParticle) {
  // Two particles from one vertex, nearly collinear as in a jet: A (nodes 0-5) along the x axis,
  // B (nodes 6-12) at a slope of 0.02, one hit further out. A fake edge from A's third hit to B's
  // fourth scores as high as the true ones.
  ScoredGraph g;
  for (int i = 0; i < 6; ++i) g.positions.insert(g.positions.end(), {10.f * (i + 1), 0.f, 0.f});
  for (int i = 0; i < 7; ++i) g.positions.insert(g.positions.end(), {10.f * (i + 1), 0.2f * (i + 1), 0.f});
  g.num_nodes = 13;
  const auto edge = [&](std::uint32_t a, std::uint32_t b) {
    g.src.push_back(a);
    g.dst.push_back(b);
    g.scores.push_back(0.9f);
  };
  for (std::uint32_t i = 0; i < 5; ++i) edge(i, i + 1);
  for (std::uint32_t i = 6; i < 12; ++i) edge(i, i + 1);
  edge(2, 9);
  // The longest path from hit 0 runs onto B (3 + 4 hits beat A's 6), which leaves both particles
  // split; the straightest keeps each whole.
  const WalkthroughBuilder longest({.continuation = WalkthroughBuilder::Continuation::longest});
  EXPECT_EQ(longest.build(g)[0], (Track{0, 1, 2, 9, 10, 11, 12}));
  EXPECT_EQ(sorted(walk.build(g)), (std::vector<Track>{{0, 1, 2, 3, 4, 5}, {6, 7, 8, 9, 10, 11, 12}}));
  // Without positions the walk is the longest path.
  g.positions.clear();
  EXPECT_EQ(walk.build(g)[0], (Track{0, 1, 2, 9, 10, 11, 12}));
  g.positions.resize(38);
  EXPECT_THROW(walk.build(g), Error) << "positions for 13 nodes need 39 values";
}

/// The transverse position at radius r of a particle from the beam line whose circle, of radius
/// `bending` (mm, signed), starts along the x axis.
std::array<float, 3> onCircle(double bending, double r) {
  const double phi = 2 * std::asin(r / (2 * bending));
  return {static_cast<float>(bending * std::sin(phi)), static_cast<float>(bending * (1 - std::cos(phi))), 0.f};
}

/// Radii of the barrel layers of a TrackML-like detector, mm.
constexpr std::array<double, 7> kLayers{30, 70, 110, 170, 260, 360, 500};

TEST(TrackBuilders, TheHelixWalkFollowsACurlingParticle) {
  // A (nodes 0-5) curls on a circle of radius 1 m (some 0.6 GeV in 2 T) through six layers; a
  // hit of another particle (node 6) lies on the next layer straight ahead of A's fourth hit, its
  // edge scored as A's own.
  ScoredGraph g;
  for (int i = 0; i < 6; ++i) {
    const auto p = onCircle(1000, kLayers[i]);
    g.positions.insert(g.positions.end(), p.begin(), p.end());
  }
  const auto a2 = onCircle(1000, kLayers[2]), a3 = onCircle(1000, kLayers[3]);
  const float dx = a3[0] - a2[0], dy = a3[1] - a2[1], norm = std::hypot(dx, dy);
  g.positions.insert(g.positions.end(), {a3[0] + 90 * dx / norm, a3[1] + 90 * dy / norm, 0.f});
  g.num_nodes = 7;
  for (const auto& [a, b] : {std::pair{0u, 1u}, {1u, 2u}, {2u, 3u}, {3u, 4u}, {4u, 5u}, {3u, 6u}}) {
    g.src.push_back(a);
    g.dst.push_back(b);
    g.scores.push_back(0.9f);
  }
  // The straightest walk takes the other particle's hit and leaves A's last two behind.
  const WalkthroughBuilder straightest({.continuation = WalkthroughBuilder::Continuation::straightest});
  EXPECT_EQ(straightest.build(g), (std::vector<Track>{{0, 1, 2, 3, 6}}));
  EXPECT_EQ(walk.build(g), (std::vector<Track>{{0, 1, 2, 3, 4, 5}}));
}

/// Two straight particles from the beam line as in a jet core: A (nodes 0-6) along the x axis, B
/// (nodes 7-13) `angle` above it, hits on the seven layers; `off` moves A's hit on layer
/// `off_layer` that far towards B. Every hit has an edge to both particles' next hits, those to
/// the other particle scored `cross`, the true ones 0.8.
ScoredGraph jetCore(float angle, float cross, int off_layer = -1, float off = 0) {
  ScoredGraph g;
  for (int i = 0; i < 7; ++i)
    g.positions.insert(g.positions.end(), {static_cast<float>(kLayers[i]), i == off_layer ? off : 0.f, 0.f});
  for (int i = 0; i < 7; ++i)
    g.positions.insert(g.positions.end(),
                       {static_cast<float>(kLayers[i]), static_cast<float>(angle * kLayers[i]), 0.f});
  g.num_nodes = 14;
  for (std::uint32_t i = 0; i < 6; ++i)
    for (const auto& [from, to, score] :
         {std::tuple{i, i + 1, 0.8f}, {i, i + 8, cross}, {i + 7, i + 8, 0.8f}, {i + 7, i + 1, cross}}) {
      g.src.push_back(from);
      g.dst.push_back(to);
      g.scores.push_back(score);
    }
  return g;
}

TEST(TrackBuilders, TheHelixWalkKeepsItsParticleInAJetCore) {
  // B is 1.5 mrad from A, and A's hit on the sixth layer is measured 0.1 mm off its line. The
  // circle through A's last three hits bends towards B and takes B's last hit; the circle through
  // the first, middle and last hits keeps A's direction.
  const auto g = jetCore(1.5e-3f, 0.8f, 5, 0.1f);
  EXPECT_EQ(sorted(walk.build(g)), (std::vector<Track>{{0, 1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12, 13}}));
}

TEST(TrackBuilders, TheHelixWalkStartsFromTheBeamLine) {
  // B is 3 mrad from A, and the edges to the other particle's hits score higher than the true
  // ones. From a track's first hit the best-scored edge leads onto the other particle; the
  // direction from the beam line does not.
  const auto g = jetCore(3e-3f, 0.95f);
  EXPECT_EQ(sorted(walk.build(g)), (std::vector<Track>{{0, 1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12, 13}}));
  // Where the beam line is not the origin of the positions, the first step goes astray (and the
  // hit exchange after the walk mends it).
  auto shifted = g;
  for (std::size_t n = 0; n < shifted.num_nodes; ++n) shifted.positions[3 * n + 1] += 5;
  const WalkthroughBuilder walk_alone({.exchange_hits = false});
  EXPECT_NE(sorted(walk_alone.build(shifted)), sorted(walk.build(g)));
  EXPECT_EQ(sorted(walk.build(shifted)), sorted(walk.build(g)));
}

TEST(TrackBuilders, TheLongestWalkGoesFirst) {
  // A (nodes 0-2) stops after three layers, 5 mrad from B (nodes 3-9), which goes on through
  // seven; A's last hit has an edge to B's fourth. Walked innermost first, A's track runs on
  // over B's outer hits and leaves B three; the longest (and straighter) walk first keeps both.
  ScoredGraph g;
  for (int i = 0; i < 3; ++i)
    g.positions.insert(g.positions.end(), {static_cast<float>(kLayers[i]), static_cast<float>(5e-3 * kLayers[i]), 0.f});
  for (int i = 0; i < 7; ++i) g.positions.insert(g.positions.end(), {static_cast<float>(kLayers[i]), 0.f, 0.f});
  g.num_nodes = 10;
  for (const auto& [a, b] :
       {std::pair{0u, 1u}, {1u, 2u}, {2u, 6u}, {3u, 4u}, {4u, 5u}, {5u, 6u}, {6u, 7u}, {7u, 8u}, {8u, 9u}}) {
    g.src.push_back(a);
    g.dst.push_back(b);
    g.scores.push_back(0.9f);
  }
  const WalkthroughBuilder inner_first({.longest_first = false});
  EXPECT_EQ(sorted(inner_first.build(g)), (std::vector<Track>{{0, 1, 2, 6, 7, 8, 9}, {3, 4, 5}}));
  EXPECT_EQ(sorted(walk.build(g)), (std::vector<Track>{{0, 1, 2}, {3, 4, 5, 6, 7, 8, 9}}));
}

TEST(TrackBuilders, EmptyGraphsAndBadInput) {
  EXPECT_TRUE(cc.build(graphOf({}, {})).empty());
  EXPECT_TRUE(walk.build(graphOf({1, 2, 3}, {})).empty());
  auto g = graphOf({10, 20, 30}, {{0, 1, 0.9f}, {1, 2, 0.9f}});
  g.scores.pop_back();
  EXPECT_THROW(cc.build(g), Error) << "one score per edge";
  auto h = graphOf({10, 20, 30}, {{0, 1, 0.9f}, {1, 7, 0.9f}});
  EXPECT_THROW(walk.build(h), Error) << "node index out of range";
  auto p = graphOf({10, 20, 30}, {{0, 1, 0.9f}, {1, 2, 0.9f}});
  p.positions = {10, 0, 0, 20, std::numeric_limits<float>::quiet_NaN(), 0, 30, 0, 0};
  EXPECT_THROW(walk.build(p), Error) << "a non-finite position";
}

}  // namespace
}  // namespace efgnn

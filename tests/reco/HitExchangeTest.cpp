#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "reco/HitExchange.hpp"

namespace efgnn {
namespace {

/// Radii of the barrel layers of a TrackML-like detector, mm (pixels, then short strips).
constexpr std::array<double, 10> kLayers{32, 72, 116, 172, 260, 360, 500, 660, 820, 1020};

/// A particle from the beam line: its transverse circle of radius `bending` (mm, signed: the
/// turning direction) leaves the origin at azimuth `phi0`; z grows by `slope` per mm of
/// transverse length.
struct Helix {
  double bending, phi0, slope;
  std::array<float, 3> at(double r) const {
    const double turn = 2 * std::asin(r / (2 * bending));  // signed with the bending
    const double phi = phi0 + turn / 2;                    // the chord's azimuth
    const double length = bending * turn;                  // transverse length travelled
    return {static_cast<float>(r * std::cos(phi)), static_cast<float>(r * std::sin(phi)),
            static_cast<float>(slope * length)};
  }
};

/// Hits of the helices on the layers: hit n is helix n / layers on layer n % layers.
ScoredGraph hitsOf(const std::vector<Helix>& helices, std::size_t layers = kLayers.size()) {
  ScoredGraph g;
  for (const auto& h : helices)
    for (std::size_t l = 0; l < layers; ++l) {
      const auto p = h.at(kLayers[l]);
      g.positions.insert(g.positions.end(), p.begin(), p.end());
    }
  g.num_nodes = g.positions.size() / 3;
  return g;
}

Track range(std::uint32_t first, std::uint32_t end) {
  Track t;
  for (auto n = first; n < end; ++n) t.push_back(n);
  return t;
}

Track joined(Track a, const Track& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// The moves over the graph's edges above the walk's drop cut, as the walk applies them.
std::size_t applied(const HitExchange& exchange, std::vector<Track>& tracks, const ScoredGraph& g) {
  return exchange.apply(tracks, g, outwardEdges(g, 0.01f));
}

std::vector<Track> sorted(std::vector<Track> tracks) {
  std::sort(tracks.begin(), tracks.end());
  return tracks;
}

// Two particles of a jet core from one vertex in one direction, 6 and 10 GeV (bending 10 and
// 16.7 m in 2 T), the same polar angle: 0.02-0.6 mm apart on the pixel layers (0-3), 1.4-2.6 mm
// on the next two, 5-21 mm on the last four.
const std::vector<Helix> kJet{{10'000, 0.0, 0.3}, {16'700, 0.0, 0.3}};
const HitExchange exchange({});

TEST(HitExchange, AHelixFitsItsOwnHitsAndNotAKinkedTrack) {
  const auto g = hitsOf({{2'000, 0.3, -1.2}, {-30'000, 1.0, 0.1}, {16'700, 0.002, 3}});
  EXPECT_LT(exchange.chiSquare(range(0, 10), g.positions), 1e-3) << "a 1.2 GeV particle";
  EXPECT_LT(exchange.chiSquare(range(10, 20), g.positions), 1e-3) << "a 20 GeV particle of the other charge";
  EXPECT_LT(exchange.chiSquare(range(20, 30), g.positions), 1e-3) << "a forward 10 GeV particle";
  // The 6 GeV particle's first five hits with the 10 GeV one's last five: poor, well beyond
  // good_chi2_per_dof.
  const auto jet = hitsOf(kJet);
  const auto kinked = joined(range(0, 5), range(15, 20));
  EXPECT_GT(exchange.chiSquare(kinked, jet.positions), 5 * HitExchange::degreesOfFreedom(10));
  EXPECT_TRUE(std::isnan(exchange.chiSquare(range(0, 3), jet.positions))) << "too few hits to fit";
}

TEST(HitExchange, AFitStoppedAtABoundReportsAtLeastTheBound) {
  const auto jet = hitsOf(kJet);
  const auto kinked = joined(range(0, 5), range(15, 20));
  const auto whole = exchange.fit(kinked, jet.positions);
  // Above the chi-square: the whole fit, to the bit.
  const auto above = exchange.fit(kinked, jet.positions, 2 * whole.chi2);
  EXPECT_EQ(above.chi2, whole.chi2);
  EXPECT_EQ(above.curvature, whole.curvature);
  // Below the transverse part alone (a kink across the track): stopped early, still at least
  // the bound, so that a caller comparing with it decides as with the whole fit.
  for (const double bound : {0.0, 1.0, whole.chi2 / 4}) {
    const auto stopped = exchange.fit(kinked, jet.positions, bound);
    EXPECT_GE(stopped.chi2, bound);
    EXPECT_LE(stopped.chi2, whole.chi2);
    EXPECT_EQ(stopped.curvature, whole.curvature);
  }
}

TEST(HitExchange, TwoTracksThatCrossedOverSwapBack) {
  // Each track took the other particle's hits on layers 3-5 (0.6-2.6 mm away): both swap back.
  const auto g = hitsOf(kJet);
  const std::vector<Track> crossed{joined(joined(range(0, 3), range(13, 16)), range(6, 10)),
                                   joined(joined(range(10, 13), range(3, 6)), range(16, 20))};
  auto tracks = crossed;
  EXPECT_GT(applied(exchange, tracks, g), 0u);
  EXPECT_EQ(sorted(tracks), (std::vector<Track>{range(0, 10), range(10, 20)}));
  // With pairs allowed only 0.01 mm apart there are none, and nothing else moves them.
  tracks = crossed;
  EXPECT_EQ(applied(HitExchange({.pair_distance = 0.01f}), tracks, g), 0u);
  EXPECT_EQ(tracks, crossed);
}

TEST(HitExchange, ATrackRunningOnOverAnotherParticleGivesItItsTail) {
  // Particle A (hits 0-5) stops after six layers; its track ran on over B's outer hits (16-19),
  // and B's track holds only its inner ones (10-15). An edge leads from B's last hit to its
  // next. Swapping the close inner stretches would mend this too; with pairs too close for any,
  // the edge does.
  auto g = hitsOf(kJet);
  g.src = {15};
  g.dst = {16};
  g.scores = {0.2f};
  const std::vector<Track> ran_on{joined(range(0, 6), range(16, 20)), range(10, 16)};
  const HitExchange::Config tails_only{.pair_distance = 0.01f};
  auto tracks = ran_on;
  EXPECT_GT(applied(HitExchange(tails_only), tracks, g), 0u);
  EXPECT_EQ(sorted(tracks), (std::vector<Track>{range(0, 6), range(10, 20)}));
  // Without that edge, or with tails not exchanged, it stays.
  auto no_tails = tails_only;
  no_tails.exchange_tails = false;
  tracks = ran_on;
  applied(HitExchange(no_tails), tracks, g);
  EXPECT_EQ(tracks, ran_on);
  auto without_edge = g;
  without_edge.src.clear(), without_edge.dst.clear(), without_edge.scores.clear();
  tracks = ran_on;
  applied(HitExchange(tails_only), tracks, without_edge);
  EXPECT_EQ(tracks, ran_on);
}

TEST(HitExchange, PiecesOfOneParticleAreJoined) {
  // A 3 GeV particle split after its fifth hit (a missing edge), beside a 1.5 GeV one of the
  // other charge split the same way; their pieces are 10-30 mm apart. Each particle's pieces
  // join, not the other's.
  const auto g = hitsOf({{5'000, 0.1, 0.5}, {-2'500, 0.12, 0.5}});
  std::vector<Track> tracks{range(0, 5), range(5, 10), range(10, 15), range(15, 20)};
  EXPECT_EQ(applied(exchange, tracks, g), 2u);
  EXPECT_EQ(sorted(tracks), (std::vector<Track>{range(0, 10), range(10, 20)}));
  // Pieces further apart than join_distance (the hits on layers 4 and 5 are 112 mm apart), or shorter than
  // join_min_hits, stay apart.
  std::vector<Track> apart{range(0, 5), range(5, 10)};
  EXPECT_EQ(applied(HitExchange({.join_distance = 90}), apart, g), 0u);
  EXPECT_EQ(applied(HitExchange({.join_min_hits = 6}), apart, g), 0u);
  EXPECT_EQ(apart.size(), 2u);
  EXPECT_EQ(applied(HitExchange({.join_distance = 130}), apart, g), 1u);
  EXPECT_EQ(apart, (std::vector<Track>{range(0, 10)}));
}

TEST(HitExchange, AShortPieceJoinsAStraightTrackOnly) {
  // A 10 GeV particle whose track stops after six hits; its last three hits, a layer further
  // out, are a track of their own (no edge between). Beside it, far off, a 1.5 GeV particle split
  // the same way.
  const auto g = hitsOf({kJet[1], {2'500, 1.0, 0.5}});
  const std::vector<Track> pieces{range(0, 6), range(7, 10), range(10, 16), range(17, 20)};
  auto tracks = pieces;
  EXPECT_EQ(applied(exchange, tracks, g), 1u);
  EXPECT_EQ(sorted(tracks), sorted({joined(range(0, 6), range(7, 10)), range(10, 16), range(17, 20)}));
  // No straight tracks: the 3-hit piece stays apart too.
  tracks = pieces;
  EXPECT_EQ(applied(HitExchange({.straight_radius = 0}), tracks, g), 0u);
}

TEST(HitExchange, ATrackTakesTheHitsNoTrackHoldsWhereTheyContinueItsHelix) {
  // The 6 GeV particle's track holds its hits on layers 2-7; the walk left its first two and
  // last two hits to no track (a path too short to count). Edges lead on from both ends, and
  // from its last hit also to a stray hit 3 mm off its next one (node 20) and to the other
  // particle's hit on layer 8, which that particle's track holds.
  auto g = hitsOf(kJet);
  const std::array<float, 3> next{g.positions[3 * 8], g.positions[3 * 8 + 1], g.positions[3 * 8 + 2]};
  g.positions.insert(g.positions.end(), {next[0], next[1] + 3.f, next[2]});
  g.num_nodes = 21;
  g.src = {0, 1, 7, 8, 7, 7};
  g.dst = {1, 2, 8, 9, 20, 18};
  g.scores = {0.2f, 0.2f, 0.2f, 0.2f, 0.9f, 0.9f};
  const std::vector<Track> before{range(2, 8), range(10, 20)};
  auto tracks = before;
  EXPECT_EQ(applied(exchange, tracks, g), 4u);
  EXPECT_EQ(tracks, (std::vector<Track>{range(0, 10), range(10, 20)}));
  // The stray hit alone continues it: 3 mm off, refused.
  auto stray = g;
  stray.src = {7};
  stray.dst = {20};
  stray.scores = {0.9f};
  tracks = before;
  EXPECT_EQ(applied(exchange, tracks, stray), 0u);
  // No extension asked for.
  tracks = before;
  EXPECT_EQ(applied(HitExchange({.extend_chi2 = 0}), tracks, g), 0u);
  EXPECT_EQ(tracks, before);
}

TEST(HitExchange, APoorTrackDoesNotTakeAGoodTracksHits) {
  // A good track G (the 6 GeV particle) and a poor one P: G's hits moved 3 mm across it, except
  // on layer 4, where P's hit lies 1 mm beyond G's, on the far side from P. Swapping the two
  // hits there lowers the summed chi-square (P loses a 4 mm outlier, G gains a 1 mm one) by
  // making the good track poor; it is refused.
  const auto g = hitsOf({kJet[0], kJet[0]});
  auto moved = g;
  for (std::uint32_t n = 10; n < 20; ++n) moved.positions[3 * n + 1] += n == 14 ? -1.f : 3.f;
  const std::vector<Track> before{range(0, 10), range(10, 20)};
  const HitExchange::Config config{.pair_distance = 2.f};
  auto tracks = before;
  applied(HitExchange(config), tracks, moved);
  EXPECT_EQ(tracks, before);
  // Allowed to get as poor as it likes, the good track takes P's hit.
  auto any = config;
  any.good_chi2_per_dof = 1e9f;
  applied(HitExchange(any), tracks, moved);
  EXPECT_EQ(tracks[0], (Track{0, 1, 2, 3, 14, 5, 6, 7, 8, 9}));
}

TEST(HitExchange, PoorTracksOfAJetCoreUntangleThroughATradeThatMakesOneWorse) {
  // Three particles of a jet core: the 6 and 10 GeV ones and a second 10 GeV one 4 mrad from it
  // (P0: hits 0-9, P1: 10-19, P2: 20-29). Each track holds stretches of two or three of them.
  // Every trade that mends a track first makes another one worse than it was, so the rule for
  // a good track refuses them all; two poor tracks that bend little trade anyway and end right.
  const auto g = hitsOf({kJet[0], kJet[1], {16'700, 0.004, 0.3}});
  const std::vector<Track> tangled{joined(range(0, 7), range(17, 20)), joined(range(10, 15), range(25, 30)),
                                   joined(joined(range(20, 25), range(15, 17)), range(7, 10))};
  const std::vector<Track> particles{range(0, 10), range(10, 20), range(20, 30)};
  auto tracks = tangled;
  applied(exchange, tracks, g);
  EXPECT_EQ(sorted(tracks), particles);
  auto refused = tangled;
  applied(HitExchange({.straight_radius = 0}), refused, g);
  EXPECT_NE(sorted(refused), particles);
  // The same tangle of three particles below 3 GeV (1.2 and 2 GeV, bending 2 and 3.3 m): their
  // tracks bend more than straight_radius, and the rule for a good track holds.
  const auto soft = hitsOf({{2'000, 0.0, 0.3}, {3'340, 0.0, 0.3}, {3'340, 0.004, 0.3}});
  auto curved = tangled, curved_refused = tangled;
  applied(exchange, curved, soft);
  applied(HitExchange({.straight_radius = 0}), curved_refused, soft);
  EXPECT_EQ(curved, curved_refused);
}

TEST(HitExchange, AJetCoreTangledBeyondPairwiseTradesIsRebuiltFromHelixFits) {
  // Six particles of one jet core, 20-54 GeV of both charges (bending 33-90 m), leaving the
  // vertex 1.5-7.5 mrad apart: 0.05-0.25 mm apart on the first layer, a few mm on the last.
  // Hits measured to 0.02 mm. Each track takes the next particle every two layers, as the walk
  // does in such a core: the trades between two tracks end elsewhere; pooled, the six helices
  // are found again.
  auto g = hitsOf({{33'000, 0.0, 0.3},
                   {50'000, 0.003, 0.3},
                   {75'000, -0.003, 0.3},
                   {-42'000, 0.0015, 0.3},
                   {60'000, -0.0015, 0.3},
                   {-90'000, 0.0045, 0.3}});
  for (std::size_t i = 0; i < g.positions.size(); ++i) g.positions[i] += 0.02f * std::sin(12.9898f * i);
  const std::uint32_t n = 6;
  const auto stretch = [](std::uint32_t particle, std::uint32_t first, std::uint32_t end) {
    return range(10 * particle + first, 10 * particle + end);
  };
  std::vector<Track> tangled, particles;
  for (std::uint32_t p = 0; p < n; ++p) {
    Track t;
    for (std::uint32_t l = 0; l < 10; l += 2) t = joined(t, stretch((p + l / 2) % n, l, l + 2));
    tangled.push_back(t);
    particles.push_back(stretch(p, 0, 10));
  }
  auto tracks = tangled;
  EXPECT_GT(applied(exchange, tracks, g), 0u);
  EXPECT_EQ(sorted(tracks), particles);
  auto pairwise = tangled;
  applied(HitExchange({.rebuild_cores = false}), pairwise, g);
  EXPECT_NE(sorted(pairwise), particles);
  // Tracks that already fit are not rebuilt, and a core larger than rebuild_max_tracks is left
  // to the pairwise moves.
  tracks = particles;
  EXPECT_EQ(applied(exchange, tracks, g), 0u);
  auto large = tangled;
  applied(HitExchange({.rebuild_max_tracks = 3}), large, g);
  EXPECT_EQ(large, pairwise);
}

TEST(HitExchange, NoPositionsNoMoves) {
  auto g = hitsOf(kJet);
  g.positions.clear();
  std::vector<Track> tracks{joined(range(0, 5), range(15, 20)), joined(range(10, 15), range(5, 10))};
  const auto before = tracks;
  EXPECT_EQ(applied(exchange, tracks, g), 0u);
  EXPECT_EQ(tracks, before);
}

}  // namespace
}  // namespace efgnn

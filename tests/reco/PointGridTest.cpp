#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "reco/PointGrid.hpp"

namespace efgnn {
namespace {

/// Points scattered over a box of the detector's size, clustered so that cells hold many.
std::vector<float> scatteredPoints(std::size_t count, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<float> centre(-1000.f, 1000.f);
  std::normal_distribution<float> spread(0.f, 40.f);
  std::vector<float> positions;
  std::array<float, 3> cluster{};
  for (std::size_t n = 0; n < count; ++n) {
    if (n % 50 == 0) cluster = {centre(random), centre(random), 3 * centre(random)};
    for (int i = 0; i < 3; ++i) positions.push_back(cluster[i] + spread(random));
  }
  return positions;
}

TEST(PointGrid, ANearVisitFindsEveryItemWithinReachInInsertionOrder) {
  const auto positions = scatteredPoints(5000, 1);
  const std::uint32_t nodes = positions.size() / 3;
  const double reach = 30;
  PointGrid<std::uint32_t> grid(positions, reach);
  // Inserted in a scrambled order: a cell's items come back in that order.
  std::vector<std::uint32_t> order(nodes), rank(nodes);
  for (std::uint32_t n = 0; n < nodes; ++n) order[n] = n;
  std::shuffle(order.begin(), order.end(), std::mt19937(2));
  for (std::uint32_t i = 0; i < nodes; ++i) {
    grid.insert(order[i], order[i]);
    rank[order[i]] = i;
  }
  std::size_t pairs = 0;
  for (std::uint32_t n = 0; n < nodes; n += 7) {
    std::vector<std::uint32_t> visited;
    grid.visitNear(n, [&](std::uint32_t m) { visited.push_back(m); });
    for (std::uint32_t m = 0; m < nodes; ++m)
      if (separation(positions, n, m) < reach) {
        ++pairs;
        EXPECT_NE(std::find(visited.begin(), visited.end(), m), visited.end()) << n << " misses " << m;
      }
    // Each item once; within a run of one cell's items, by insertion.
    auto unique = visited;
    std::sort(unique.begin(), unique.end());
    EXPECT_EQ(std::adjacent_find(unique.begin(), unique.end()), unique.end());
    const auto cellOf = [&](std::uint32_t m) {
      std::array<long, 3> c;
      for (int i = 0; i < 3; ++i) c[i] = static_cast<long>(std::floor(positions[3 * m + i] / (2 * reach)));
      return c;
    };
    for (std::size_t i = 1; i < visited.size(); ++i)
      if (cellOf(visited[i]) == cellOf(visited[i - 1])) {
        EXPECT_LT(rank[visited[i - 1]], rank[visited[i]]);
      }
  }
  EXPECT_GT(pairs, 2 * nodes / 7) << "the points are clustered enough to test something";
}

TEST(PointGrid, AConeVisitFindsEveryItemInTheConeAndFewBeyondIt) {
  const auto positions = scatteredPoints(20000, 3);
  const std::uint32_t nodes = positions.size() / 3;
  const double distance = 600, cosine = 0.9;
  PointGrid<std::uint32_t> grid(positions, distance / 2), near(positions, distance);
  for (std::uint32_t n = 0; n < nodes; ++n) grid.insert(n, n), near.insert(n, n);
  std::mt19937 random(4);
  std::normal_distribution<double> normal;
  std::size_t inside = 0, visits = 0, near_visits = 0;
  for (std::uint32_t n = 0; n < nodes; n += 97) {
    std::array<double, 3> direction{normal(random), normal(random), normal(random)};
    const double norm = std::hypot(direction[0], direction[1], direction[2]);
    for (auto& x : direction) x /= norm;
    near.visitNear(n, [&](std::uint32_t) { ++near_visits; });
    std::vector<char> visited(nodes, 0);
    grid.visitCone(n, direction, distance, cosine, [&](std::uint32_t m) {
      EXPECT_FALSE(visited[m]) << "visited twice";
      visited[m] = 1;
      ++visits;
    });
    for (std::uint32_t m = 0; m < nodes; ++m) {
      std::array<double, 3> d;
      for (int i = 0; i < 3; ++i) d[i] = double{positions[3 * m + i]} - positions[3 * n + i];
      const double length = std::hypot(d[0], d[1], d[2]);
      if (m == n || !(length < distance)) continue;
      if ((d[0] * direction[0] + d[1] * direction[1] + d[2] * direction[2]) / length > cosine) {
        ++inside;
        EXPECT_TRUE(visited[m]) << n << " misses " << m;
      }
    }
  }
  EXPECT_GT(inside, 1000u) << "enough points in the cones to test something";
  // What the cone visit is for: far fewer items than the ball's near visit (8 cells of 1.2 m).
  EXPECT_LT(3 * visits, near_visits);
}

}  // namespace
}  // namespace efgnn

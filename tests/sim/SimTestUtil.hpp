#pragma once
#include <cmath>
#include <map>
#include <vector>

#include "core/Event.hpp"

namespace efgnn::test {

/// Algebraic (Kasa) circle fit: x^2 + y^2 + D x + E y + F = 0 by linear least squares.
/// Returns the radius (NaN if degenerate).
inline double fitCircleRadius(const std::vector<std::pair<double, double>>& pts) {
  double a[3][4] = {};
  for (const auto& [x, y] : pts) {
    const double row[3] = {x, y, 1}, rhs = -(x * x + y * y);
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) a[i][j] += row[i] * row[j];
      a[i][3] += row[i] * rhs;
    }
  }
  for (int c = 0; c < 3; ++c) {  // Gaussian elimination with partial pivoting
    int p = c;
    for (int r = c + 1; r < 3; ++r)
      if (std::abs(a[r][c]) > std::abs(a[p][c])) p = r;
    for (int k = 0; k < 4; ++k) std::swap(a[c][k], a[p][k]);
    if (a[c][c] == 0) return std::nan("");
    for (int r = 0; r < 3; ++r) {
      if (r == c) continue;
      const double f = a[r][c] / a[c][c];
      for (int k = 0; k < 4; ++k) a[r][k] -= f * a[c][k];
    }
  }
  const double D = a[0][3] / a[0][0], E = a[1][3] / a[1][1], F = a[2][3] / a[2][2];
  return std::sqrt(D * D / 4 + E * E / 4 - F);
}

/// Hit indices per particle id.
inline std::map<std::uint64_t, std::vector<std::size_t>> hitsByParticle(const Event& e) {
  std::map<std::uint64_t, std::vector<std::size_t>> out;
  for (std::size_t i = 0; i < e.truth.size(); ++i)
    if (e.truth[i].particle_id) out[e.truth[i].particle_id].push_back(i);
  return out;
}

}  // namespace efgnn::test

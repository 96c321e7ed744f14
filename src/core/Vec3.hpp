#pragma once
#include <cmath>

namespace efgnn {

/// A plain 3-vector (positions in mm, momenta in GeV).
struct Vec3 {
  double x = 0, y = 0, z = 0;

  constexpr Vec3 operator+(const Vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  constexpr Vec3 operator-(const Vec3& o) const { return {x - o.x, y - o.y, z - o.z}; }
  constexpr Vec3 operator*(double s) const { return {x * s, y * s, z * s}; }
  constexpr double dot(const Vec3& o) const { return x * o.x + y * o.y + z * o.z; }
  constexpr Vec3 cross(const Vec3& o) const {
    return {y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x};
  }
  double norm() const { return std::sqrt(dot(*this)); }
  double perp() const { return std::hypot(x, y); }
  double phi() const { return std::atan2(y, x); }
  /// Pseudorapidity of the direction (for a momentum) or of the position seen from the origin.
  double eta() const {
    const double pt = perp();
    if (pt == 0) return z >= 0 ? 1e9 : -1e9;
    return std::asinh(z / pt);
  }
  constexpr bool operator==(const Vec3&) const = default;
};

}  // namespace efgnn

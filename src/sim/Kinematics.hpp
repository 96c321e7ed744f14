#pragma once
// Small relativistic kinematics helpers for the generators and decays.
#include <cmath>
#include <utility>

#include "core/Random.hpp"
#include "core/Vec3.hpp"

namespace efgnn::kin {

/// Momentum vector from pT, eta, phi.
inline Vec3 fromPtEtaPhi(double pt, double eta, double phi) {
  return {pt * std::cos(phi), pt * std::sin(phi), pt * std::sinh(eta)};
}

/// Pseudorapidity of a particle of mass m with transverse mass mT and rapidity y.
inline double etaFromRapidity(double y, double pt, double m) {
  const double mt = std::sqrt(pt * pt + m * m);
  return std::asinh(mt * std::sinh(y) / pt);
}

/// Isotropic unit vector.
inline Vec3 isotropic(Rng& rng) {
  const double cos_t = rng.uniform(-1, 1), sin_t = std::sqrt(1 - cos_t * cos_t);
  const double phi = rng.uniform(-M_PI, M_PI);
  return {sin_t * std::cos(phi), sin_t * std::sin(phi), cos_t};
}

/// Boosts the four-momentum (p, e) by the velocity beta (a 3-vector, |beta| < 1).
inline std::pair<Vec3, double> boost(const Vec3& p, double e, const Vec3& beta) {
  const double b2 = beta.dot(beta);
  if (b2 <= 0) return {p, e};
  const double gamma = 1 / std::sqrt(1 - b2);
  const double bp = beta.dot(p);
  const double gamma2 = (gamma - 1) / b2;
  return {p + beta * (gamma2 * bp + gamma * e), gamma * (e + bp)};
}

/// Isotropic two-body decay of a parent of mass M and momentum P into masses m1, m2:
/// returns the two daughter momenta in the lab frame.
inline std::pair<Vec3, Vec3> twoBodyDecay(const Vec3& parent, double M, double m1, double m2,
                                          Rng& rng) {
  const double p = std::sqrt(std::max(0.0, (M * M - (m1 + m2) * (m1 + m2)) *
                                               (M * M - (m1 - m2) * (m1 - m2)))) / (2 * M);
  const Vec3 dir = isotropic(rng);
  const double E = std::sqrt(parent.dot(parent) + M * M);
  const Vec3 beta = parent * (1 / E);
  const auto d1 = boost(dir * p, std::sqrt(p * p + m1 * m1), beta);
  const auto d2 = boost(dir * -p, std::sqrt(p * p + m2 * m2), beta);
  return {d1.first, d2.first};
}

/// Two unit vectors orthogonal to the unit vector d (and to each other).
inline std::pair<Vec3, Vec3> orthonormal(const Vec3& d) {
  const Vec3 a = std::abs(d.z) < 0.9 ? Vec3{0, 0, 1} : Vec3{1, 0, 0};
  Vec3 e1 = a.cross(d);
  e1 = e1 * (1 / e1.norm());
  return {e1, d.cross(e1)};
}

}  // namespace efgnn::kin

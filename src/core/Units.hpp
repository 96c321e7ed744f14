#pragma once
// efgnn units: lengths in mm, momenta and energies in GeV, magnetic field in tesla, charge in e.
// These are the TrackML / ACTS conventions, so files exchange numbers without conversion.
#include <numbers>

namespace efgnn::units {

inline constexpr double mm = 1.0;
inline constexpr double cm = 10.0;
inline constexpr double m = 1000.0;
inline constexpr double GeV = 1.0;
inline constexpr double MeV = 1e-3;
inline constexpr double tesla = 1.0;

/// Curvature constant: a particle of transverse momentum pT [GeV] and charge q [e] in a field
/// B [T] moves on a circle of radius R [mm] = pT / (kMomentumToRadius * |q| * B).
inline constexpr double kMomentumToRadius = 0.299792458e-3;  // GeV / (T mm)

inline constexpr double pi = std::numbers::pi;

/// An angle difference brought into (-half_period, half_period]: radians by default, or e.g. 1
/// for angles in units of pi.
template <class T>
T wrapAngle(T a, T half_period = static_cast<T>(pi)) {
  while (a > half_period) a -= 2 * half_period;
  while (a <= -half_period) a += 2 * half_period;
  return a;
}

}  // namespace efgnn::units

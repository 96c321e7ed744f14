#include "core/Pdg.hpp"

#include <cstdlib>
#include <limits>

namespace efgnn::pdg {
namespace {

// Quark charges in units of e/3, index = quark id (1 d, 2 u, 3 s, 4 c, 5 b, 6 t).
constexpr int kQuarkCharge3[7] = {0, -1, 2, -1, 2, -1, 2};

/// |pdg|, and 0 (no particle) for INT_MIN, which has no positive counterpart.
int magnitude(int pdg) { return pdg == std::numeric_limits<int>::min() ? 0 : std::abs(pdg); }

int digit(int code, int position) {  // position 1 = least significant (n_J)
  for (int i = 1; i < position; ++i) code /= 10;
  return code % 10;
}

}  // namespace

int charge3(int pdg) {
  const int sign = pdg < 0 ? -1 : 1;
  const int a = magnitude(pdg);
  switch (a) {  // leptons, gauge bosons
    case 11: case 13: case 15: return -3 * sign;
    case 12: case 14: case 16: case 21: case 22: case 23: case 25: return 0;
    case 24: return 3 * sign;
    default: break;
  }
  if (a >= 1 && a <= 6) return sign * kQuarkCharge3[a];
  if (a > 1000000000) return 0;  // nuclei: not produced by efgnn's sources
  const int q1 = digit(a, 4), q2 = digit(a, 3), q3 = digit(a, 2);
  if (q2 == 0 || q3 == 0 || q1 > 6 || q2 > 6 || q3 > 6) return 0;  // not a quark content (7-9: no quark)
  if (q1 == 0) {  // meson q2 q3bar; the heavier quark's sign convention of the PDG scheme
    const int c = kQuarkCharge3[q2] - kQuarkCharge3[q3];
    // For mesons the code's sign says which of (q2, anti-q3) is the quark: u-type leading
    // quark with positive code gives a positive meson (e.g. 211 = u dbar).
    return sign * ((q2 % 2 == 0) ? c : -c);
  }
  return sign * (kQuarkCharge3[q1] + kQuarkCharge3[q2] + kQuarkCharge3[q3]);
}

double mass(int pdg) {
  switch (magnitude(pdg)) {
    case 11: return 0.000511;
    case 13: return 0.105658;
    case 22: return 0.0;
    case 111: return 0.134977;
    case 211: return 0.139570;
    case 321: return 0.493677;
    case 310: case 130: return 0.497611;
    case 2212: return 0.938272;
    case 2112: return 0.939565;
    case 3122: return 1.115683;
    case 3222: return 1.18937;
    case 3112: return 1.197449;
    case 3312: return 1.32171;
    case 3334: return 1.67245;
    default: return 0.139570;
  }
}

bool isLepton(int pdg) {
  const int a = magnitude(pdg);
  return a >= 11 && a <= 18;
}

bool isHadron(int pdg) {
  const int a = magnitude(pdg) % 10000;
  return a >= 100 && !isLepton(pdg);
}

}  // namespace efgnn::pdg

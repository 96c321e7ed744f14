#pragma once
// Deterministic random numbers. Every stochastic step draws from an Rng seeded from
// (user seed, stream ids...), e.g. (seed, event index), so a result depends only on those ids,
// never on thread scheduling. The distributions are implemented here rather than taken from
// <random>, whose distribution algorithms differ between standard libraries.
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>

namespace efgnn {

/// SplitMix64 step: a strong 64-bit mixer, used to derive seeds.
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// xoshiro256** generator with the sampling routines the simulation needs.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) { reseed(seed); }
  /// A generator for the stream identified by `ids` under `seed` (e.g. {event, particle}).
  Rng(std::uint64_t seed, std::initializer_list<std::uint64_t> ids) {
    std::uint64_t mix = seed;
    for (auto id : ids) {
      std::uint64_t s = mix ^ (id * 0xD6E8FEB86659FD93ULL);
      mix = splitmix64(s);
    }
    reseed(mix);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  bool bernoulli(double p) { return uniform() < p; }

  /// Standard normal (Marsaglia polar method, no cached second value so streams stay simple).
  double normal() {
    double u, v, s;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * std::sqrt(-2 * std::log(s) / s);
  }
  double normal(double mean, double sigma) { return mean + sigma * normal(); }
  double exponential(double mean) { return -mean * std::log1p(-uniform()); }

  /// Gamma(shape k, scale 1), Marsaglia-Tsang.
  double gamma(double k) {
    if (k < 1) return gamma(k + 1) * std::pow(uniform() + 1e-300, 1.0 / k);
    const double d = k - 1.0 / 3, c = 1 / std::sqrt(9 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
    }
  }

  /// Poisson by inversion in chunks: exact and fast enough for means up to a few thousand.
  std::uint64_t poisson(double mean) {
    std::uint64_t n = 0;
    while (mean > 30) {  // split so exp(-mean) does not underflow
      n += poisson(30);
      mean -= 30;
    }
    const double limit = std::exp(-mean);
    double prod = uniform();
    while (prod > limit) {
      ++n;
      prod *= uniform();
    }
    return n;
  }

  /// Negative binomial with the given mean and shape k (gamma-Poisson mixture).
  std::uint64_t negativeBinomial(double mean, double k) { return poisson(mean * gamma(k) / k); }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  void reseed(std::uint64_t seed) {
    for (auto& s : s_) s = splitmix64(seed);
  }
  std::uint64_t s_[4];
};

}  // namespace efgnn

#include "runtime/Isa.hpp"

#include <stdexcept>

namespace efgnn::runtime {

std::vector<Isa> supportedIsas() {
  std::vector<Isa> isas{Isa::Base};
  // The levels the kernels are compiled for (Lanes.hpp); clang 14 (the fuzzing build) names no
  // levels, only features: the levels' vector and bit-manipulation ones.
#if defined(__clang__)
  const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
                  __builtin_cpu_supports("bmi2");
  const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx512vl");
#else
  const bool v3 = __builtin_cpu_supports("x86-64-v3"), v4 = __builtin_cpu_supports("x86-64-v4");
#endif
  if (v3) isas.push_back(Isa::Avx2);
  if (v4) isas.push_back(Isa::Avx512);
  return isas;
}

Isa resolve(Isa isa) {
  static const std::vector<Isa> supported = supportedIsas();
  if (isa == Isa::Best) return supported.back();
  for (const Isa s : supported)
    if (s == isa) return isa;
  throw std::invalid_argument("instruction set " + nameOf(isa) +
                              ": this CPU does not have it (best: " + nameOf(supported.back()) + ")");
}

std::string nameOf(Isa isa) {
  switch (isa) {
    case Isa::Best:
      return "best";
    case Isa::Base:
      return "base";
    case Isa::Avx2:
      return "avx2";
    case Isa::Avx512:
      return "avx512";
  }
  return "?";
}

Isa isaNamed(const std::string& name) {
  for (const Isa isa : {Isa::Best, Isa::Base, Isa::Avx2, Isa::Avx512})
    if (nameOf(isa) == name) return isa;
  throw std::invalid_argument("instruction set '" + name + "': expected best, base, avx2 or avx512");
}

}  // namespace efgnn::runtime

#include "runtime/Isa.hpp"

#include <stdexcept>

namespace efgnn::runtime {

std::vector<Isa> supportedIsas() {
  std::vector<Isa> isas{Isa::Base};
#ifndef EFGNN_BASELINE_ONLY  // (Dispatch.cpp)
  // The levels as GCC defines them, which the kernels are compiled for.
  if (__builtin_cpu_supports("x86-64-v3")) isas.push_back(Isa::Avx2);
  if (__builtin_cpu_supports("x86-64-v4")) isas.push_back(Isa::Avx512);
#endif
  return isas;
}

Isa resolve(Isa isa) {
  static const std::vector<Isa> supported = supportedIsas();
  if (isa == Isa::Best) return supported.back();
  for (const Isa s : supported)
    if (s == isa) return isa;
  throw std::invalid_argument("instruction set " + nameOf(isa) + ": this CPU does not have it (best: " +
                              nameOf(supported.back()) + ")");
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

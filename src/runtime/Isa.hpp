#pragma once
// The instruction sets the runtime's kernels are compiled for. Each kernel source is compiled
// once per instruction set, with vectors of that set's native width (16, 8 or 4 floats), and a
// forward pass runs the kernels of one of them: the best the CPU has, unless told otherwise.
// (Not one 16-float vector type compiled for every target: AVX2 has no register that wide, and
// GCC then keeps such vectors in memory, which made the AVX2 kernels 8x slower.)
#ifdef EFGNN_LANES_BEGUN
#error "runtime/Lanes.hpp must come after every other include: what follows it is compiled for one instruction set"
#endif
#include <string>
#include <vector>

namespace efgnn::runtime {

enum class Isa {
  Best,    // the best this CPU has (resolved by resolve())
  Base,    // x86-64 baseline (SSE2): 4 floats per vector, no fused multiply-add instruction
  Avx2,    // x86-64-v3 (AVX2 + FMA): 8 floats, 16 vector registers
  Avx512,  // x86-64-v4 (AVX-512): 16 floats, 32 vector registers
};

/// The instruction sets this CPU can run, baseline first.
std::vector<Isa> supportedIsas();
/// `isa`, or the best supported one for Isa::Best; throws std::invalid_argument for a set this
/// CPU does not have.
Isa resolve(Isa isa);
std::string nameOf(Isa isa);
/// "best", "base", "avx2" or "avx512"; throws std::invalid_argument naming the choices otherwise.
Isa isaNamed(const std::string& name);

}  // namespace efgnn::runtime

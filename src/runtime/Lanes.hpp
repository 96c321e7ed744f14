#pragma once
// The vectors of one instruction set, for the kernel sources: each is compiled once per set
// (CMakeLists.txt), with EFGNN_ISA naming the set's namespace and EFGNN_LANES its floats per
// vector register. Included after every other header, so that only the kernels are compiled for
// the set (standard library functions instantiated by them are not: the linker keeps one copy of
// those, which must run on every CPU).
#define EFGNN_LANES_BEGUN 1  // headers included later refuse to compile (see their guard)
#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <utility>

#if EFGNN_LANES == 16
#define EFGNN_TARGET "arch=x86-64-v4"
#elif EFGNN_LANES == 8
#define EFGNN_TARGET "arch=x86-64-v3"
#elif EFGNN_LANES == 4
#define EFGNN_TARGET "arch=x86-64"
#else
#error "EFGNN_LANES: 16 (x86-64-v4), 8 (x86-64-v3) or 4 (x86-64 baseline) expected"
#endif
// GCC: the target for the rest of the file. clang, which has no such pragma: the same target
// on every function up to LanesEnd.hpp, which the file includes at its end.
#define EFGNN_STRINGIZE(...) #__VA_ARGS__
#define EFGNN_PRAGMA(...) _Pragma(EFGNN_STRINGIZE(__VA_ARGS__))
#if defined(__clang__)
EFGNN_PRAGMA(clang attribute push(__attribute__((target(EFGNN_TARGET))), apply_to = function))
#else
EFGNN_PRAGMA(GCC target(EFGNN_TARGET))
#endif

namespace efgnn::runtime::EFGNN_ISA::simd {

/// Floats per vector register, and registers: the kernels keep their accumulators in them.
constexpr int kLanes = EFGNN_LANES;
constexpr int kRegisters = kLanes == 16 ? 32 : 16;

/// One vector register of floats, of int32 and of bytes.
typedef float Vec __attribute__((vector_size(4 * kLanes)));
typedef int IVec __attribute__((vector_size(4 * kLanes)));
typedef std::uint8_t Bytes __attribute__((vector_size(kLanes)));

__attribute__((always_inline)) inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) inline void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }
/// A load that stays one load instruction where it is written: GCC neither folds it into each
/// instruction that uses the value (loading it again each time) nor merges it with an earlier
/// load of the same address (keeping that value alive, in registers or on the stack). An asm
/// statement with a memory operand, so that the address is still the CPU's to compute (a
/// volatile load did the same, but GCC then put each address in a register first: 5 more
/// instructions per input in the float dense kernel).
__attribute__((always_inline)) inline Vec loadHere(const float* p) {
  typedef float UnalignedVec __attribute__((vector_size(4 * kLanes), aligned(4)));
  Vec v;
#if EFGNN_LANES == 4
  asm("movups %1, %0" : "=x"(v) : "m"(*reinterpret_cast<const UnalignedVec*>(p)));
#else
  asm("vmovups %1, %0" : "=v"(v) : "m"(*reinterpret_cast<const UnalignedVec*>(p)));
#endif
  return v;
}

/// kLanes values of a row as floats: float rows, or rows of activation codes (bytes).
__attribute__((always_inline)) inline Vec loadRow(const float* p) { return load(p); }
__attribute__((always_inline)) inline Vec loadRow(const std::uint8_t* p) {
  // Widened to 16 bits, then 32, then converted: GCC compiles a direct byte-to-float or
  // byte-to-int32 conversion to one scalar conversion or insertion per lane.
  typedef std::uint16_t Halves __attribute__((vector_size(2 * kLanes)));
  Bytes b;
  std::memcpy(&b, p, sizeof b);
  return __builtin_convertvector(__builtin_convertvector(__builtin_convertvector(b, Halves), IVec), Vec);
}

/// Whether any lane of a comparison's result (all bits or none set per lane) is set: one mask
/// test.
__attribute__((always_inline)) inline bool anyLane(IVec mask) {
#if EFGNN_LANES == 16
  return _mm512_test_epi32_mask(reinterpret_cast<__m512i>(mask), reinterpret_cast<__m512i>(mask)) != 0;
#elif EFGNN_LANES == 8
  return _mm256_testz_si256(reinterpret_cast<__m256i>(mask), reinterpret_cast<__m256i>(mask)) == 0;
#else
  return _mm_movemask_ps(reinterpret_cast<__m128>(mask)) != 0;
#endif
}

/// The sum of v's lanes in every lane, as a butterfly: log2(kLanes) dependent steps, each lane
/// adding the lane `step` away (a + b and b + a round alike, so all lanes hold the same sum),
/// and no move to a scalar and back.
template <int kStep = kLanes / 2>
__attribute__((always_inline)) inline Vec sumOfLanes(Vec v) {
  if constexpr (kStep == 0) {
    return v;
  } else {
    const Vec swapped = [&]<int... I>(std::integer_sequence<int, I...>) {
      return __builtin_shufflevector(v, v, (I ^ kStep)...);
    }(std::make_integer_sequence<int, kLanes>{});
    return sumOfLanes<kStep / 2>(v + swapped);
  }
}

/// max(v, 0) lane by lane in one instruction; NaN lanes give 0, as v > 0 ? v : 0 (the
/// instruction returns its second operand when either is NaN).
__attribute__((always_inline)) inline Vec relu(Vec v) {
#if EFGNN_LANES == 16
  return _mm512_maskz_max_ps(0xffff, v, _mm512_setzero_ps());  // maskz: GCC 12's unmasked form warns
#elif EFGNN_LANES == 8
  return _mm256_max_ps(v, _mm256_setzero_ps());
#else
  return _mm_max_ps(v, _mm_setzero_ps());
#endif
}

/// a > b ? a : b (kMax) or a < b ? a : b lane by lane, one instruction: the max and min
/// instructions compute exactly these, NaN lanes included (the second operand). GCC compiles the
/// expressions to them, but against a constant zero to a comparison and a mask (two instructions
/// per activation code).
template <bool kMax>
__attribute__((always_inline)) inline Vec extreme(Vec a, Vec b) {
#if EFGNN_LANES == 16
  return kMax ? _mm512_maskz_max_ps(0xffff, a, b) : _mm512_maskz_min_ps(0xffff, a, b);
#elif EFGNN_LANES == 8
  return kMax ? _mm256_max_ps(a, b) : _mm256_min_ps(a, b);
#else
  return kMax ? _mm_max_ps(a, b) : _mm_min_ps(a, b);
#endif
}
__attribute__((always_inline)) inline Vec max(Vec a, Vec b) { return extreme<true>(a, b); }
__attribute__((always_inline)) inline Vec min(Vec a, Vec b) { return extreme<false>(a, b); }

/// 2 kLanes 16-bit integers: one register.
typedef std::int16_t Shorts __attribute__((vector_size(4 * kLanes)));
__attribute__((always_inline)) inline Shorts loadShorts(const std::int16_t* p) {
  Shorts v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
/// The lower (kHalf 0) or upper (1) kLanes lanes of s as floats (exact).
template <int kHalf>
__attribute__((always_inline)) inline Vec widen(Shorts s) {
#if EFGNN_LANES == 16
  // maskz forms throughout: GCC 12's unmasked ones warn (an undefined source operand).
  const __m256i half = _mm512_maskz_extracti64x4_epi64(0xf, reinterpret_cast<__m512i>(s), kHalf);
  return _mm512_maskz_cvtepi32_ps(0xffff, _mm512_maskz_cvtepi16_epi32(0xffff, half));
#elif EFGNN_LANES == 8
  const __m128i half = _mm256_extracti128_si256(reinterpret_cast<__m256i>(s), kHalf);
  return _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(half));
#else
  // SSE2 has no sign-extending widening: each lane doubled into 32 bits, then shifted down.
  const auto x = reinterpret_cast<__m128i>(s);
  const __m128i doubled = kHalf == 0 ? _mm_unpacklo_epi16(x, x) : _mm_unpackhi_epi16(x, x);
  return _mm_cvtepi32_ps(_mm_srai_epi32(doubled, 16));
#endif
}
/// kLanes integral floats of at most 16 bits stored as 16-bit integers at p.
__attribute__((always_inline)) inline void storeShorts(std::int16_t* p, Vec v) {
#if EFGNN_LANES == 16
  const __m256i s = _mm512_maskz_cvtepi32_epi16(0xffff, _mm512_maskz_cvtps_epi32(0xffff, v));
#elif EFGNN_LANES == 8
  // Packing works within 128-bit halves: lanes 0-3 and 4-7 land in 64-bit quarters 0 and 2.
  const __m256i w = _mm256_cvtps_epi32(v);
  const __m128i s = _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packs_epi32(w, w), 0x08));
#else
  const __m128i w = _mm_cvtps_epi32(v);
  const __m128i s = _mm_packs_epi32(w, w);  // the lower 64 bits
#endif
  std::memcpy(p, &s, sizeof(std::int16_t) * kLanes);
}

/// The square root of each lane (correctly rounded, as std::sqrt).
__attribute__((always_inline)) inline Vec sqrt(Vec v) {
#if EFGNN_LANES == 16
  return _mm512_maskz_sqrt_ps(0xffff, v);
#elif EFGNN_LANES == 8
  return _mm256_sqrt_ps(v);
#else
  return _mm_sqrt_ps(v);
#endif
}

}  // namespace efgnn::runtime::EFGNN_ISA::simd

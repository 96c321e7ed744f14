#pragma once
// What the runtime's float and integer kernels share: the vector type, the kernel clones and the
// parallel loop over tiles of rows. Internal to the runtime library.
#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "runtime/Kernels.hpp"

namespace efgnn::runtime::detail {

/// Kernels are compiled for x86-64-v4 (AVX-512), v3 (AVX2 + FMA) and the baseline; the loader
/// picks the clone for the CPU at hand.
#define EFGNN_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

/// 16 floats: one AVX-512 register, two AVX2 ones; GCC lowers it for each kernel clone.
typedef float Vec16 __attribute__((vector_size(64)));
typedef int IVec16 __attribute__((vector_size(64)));
typedef std::uint8_t Bytes16 __attribute__((vector_size(16)));

__attribute__((always_inline)) inline Vec16 load(const float* p) {
  Vec16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) inline void store(float* p, Vec16 v) { std::memcpy(p, &v, sizeof v); }
/// A load that stays one load instruction where it is written (volatile): GCC neither folds it
/// into each instruction that uses the value (loading it again each time) nor merges it with an
/// earlier load of the same address (keeping that value alive, in registers or on the stack).
__attribute__((always_inline)) inline Vec16 loadHere(const float* p) {
  typedef float UnalignedVec16 __attribute__((vector_size(64), aligned(4)));
  return *reinterpret_cast<const volatile UnalignedVec16*>(p);
}

/// 16 values of a row as floats: float rows, or rows of activation codes (bytes).
__attribute__((always_inline)) inline Vec16 loadRow(const float* p) { return load(p); }
__attribute__((always_inline)) inline Vec16 loadRow(const std::uint8_t* p) {
  // Widened to 16 bits, then 32, then converted: GCC compiles a direct byte-to-float or
  // byte-to-int32 conversion to one scalar conversion or insertion per lane.
  typedef std::uint16_t Halves16 __attribute__((vector_size(32)));
  Bytes16 b;
  std::memcpy(&b, p, sizeof b);
  return __builtin_convertvector(__builtin_convertvector(__builtin_convertvector(b, Halves16), IVec16), Vec16);
}

/// An array for the large working data of a forward pass (states, node parts), grown, never
/// shrunk; what it held is lost when it grows. Aligned to 2 MiB and marked for transparent huge
/// pages: rows read at random (an edge's nodes, a node's edges) otherwise miss the TLB on nearly
/// every row (measured: 13 against 9 ns per random 384-byte row).
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(data_); }
  template <class T = float>
  T* get(std::size_t count) {
    if (count * sizeof(T) > bytes_) {
      constexpr std::size_t kHuge = std::size_t{2} << 20;
      const std::size_t bytes = (count * sizeof(T) + kHuge - 1) / kHuge * kHuge;
      std::free(data_);
      data_ = std::aligned_alloc(kHuge, bytes);
      if (!data_) throw std::bad_alloc();
      bytes_ = bytes;
#ifdef MADV_HUGEPAGE
      madvise(data_, bytes, MADV_HUGEPAGE);  // advice only: without it, ordinary pages
#endif
    }
    return static_cast<T*>(data_);
  }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

/// Asks for the cache lines of `count` values from p on: rows gathered at random (an edge's
/// nodes) or streamed come from memory, and the next rows' addresses are known in advance.
template <class T>
inline void prefetch(const T* p, std::size_t count) {
  const auto* bytes = reinterpret_cast<const char*>(p);
  for (std::size_t i = 0; i < count * sizeof(T); i += 64) __builtin_prefetch(bytes + i);
  __builtin_prefetch(bytes + count * sizeof(T) - 1);
}

/// How many rows ahead random rows are asked for.
constexpr std::size_t kPrefetchDistance = 8;

inline int threadsOf(const Execution& exec) { return exec.threads > 0 ? exec.threads : omp_get_max_threads(); }

/// body(first row, rows, a, b) for tiles of `tile` rows, in parallel (static schedule); a and b
/// are per-thread scratch arrays of tile x scratch floats.
template <class Body>
void forTiles(std::size_t rows, std::size_t tile, const Execution& exec, std::size_t scratch, Body body) {
  tile = std::max<std::size_t>(tile, 1);
  const auto tiles = static_cast<std::ptrdiff_t>((rows + tile - 1) / tile);
#pragma omp parallel num_threads(threadsOf(exec))
  {
    std::vector<float> a(tile * scratch), b(tile * scratch);
#pragma omp for schedule(static)
    for (std::ptrdiff_t t = 0; t < tiles; ++t) {
      const std::size_t first = static_cast<std::size_t>(t) * tile;
      body(first, std::min(tile, rows - first), a.data(), b.data());
    }
  }
}

}  // namespace efgnn::runtime::detail

#pragma once
// What the runtime's float and integer kernels share whatever the instruction set: working
// arrays, prefetching and the parallel loop over tiles of rows (Lanes.hpp has the vectors).
// Internal to the runtime library.
#ifdef EFGNN_LANES_BEGUN
#error "runtime/Lanes.hpp must come after every other include: what follows it is compiled for one instruction set"
#endif
#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "runtime/Kernels.hpp"

namespace efgnn::runtime::detail {

/// An array for the large working data of a forward pass (states, node parts), grown, never
/// shrunk; what it held is lost when it grows. Aligned to 2 MiB and marked for transparent huge
/// pages: rows read at random (an edge's nodes, a node's edges) otherwise miss the TLB on nearly
/// every row.
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

/// The calling thread's scratch for forTiles, kept from call to call (one per thread, not one per
/// instantiation of forTiles).
inline Buffer& threadScratch() {
  thread_local Buffer scratch;
  return scratch;
}

/// body(first row, rows, a, b) for tiles of `tile` rows, in parallel (static schedule); a and b
/// are per-thread scratch arrays of tile x scratch floats.
template <class Body>
void forTiles(std::size_t rows, std::size_t tile, const Execution& exec, std::size_t scratch, Body body) {
  tile = std::max<std::size_t>(tile, 1);
  const auto tiles = static_cast<std::ptrdiff_t>((rows + tile - 1) / tile);
#pragma omp parallel num_threads(threadsOf(exec))
  {
    // Both in one Buffer, kept by the thread from call to call, each on a cache line: malloc
    // placed them 16 bytes off one, and there every other 32-byte load of a tile's column
    // straddles two lines. Zeroed, as each call's arrays were.
    const std::size_t size = (tile * scratch + 15) / 16 * 16;  // floats, whole cache lines
    // b 320 bytes further than a's end: with a's size a multiple of 4096 bytes (64 rows x 288
    // inputs), column j of a and row j of b had the same low 12 address bits, and a load from one
    // after a store to the other waits as if they overlapped (4K aliasing).
    constexpr std::size_t kPad = 80;
    float* const a = threadScratch().get(2 * size + kPad);
    float* const b = a + size + kPad;
    std::fill(a, a + 2 * size + kPad, 0.f);
#pragma omp for schedule(static)
    for (std::ptrdiff_t t = 0; t < tiles; ++t) {
      const std::size_t first = static_cast<std::size_t>(t) * tile;
      body(first, std::min(tile, rows - first), a, b);
    }
  }
}

}  // namespace efgnn::runtime::detail

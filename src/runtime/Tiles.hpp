#pragma once
// What the runtime's float and integer kernels share: the vector type, the kernel clones and the
// parallel loop over tiles of rows. Internal to the runtime library.
#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "runtime/Kernels.hpp"

namespace efgnn::runtime::detail {

/// Kernels are compiled for x86-64-v4 (AVX-512), v3 (AVX2 + FMA) and the baseline; the loader
/// picks the clone for the CPU at hand.
#define EFGNN_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

/// 16 floats: one AVX-512 register, two AVX2 ones; GCC lowers it for each kernel clone.
typedef float Vec16 __attribute__((vector_size(64)));

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

#include "core/Allocator.hpp"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace efgnn {
namespace {

AllocatorSettings& current() {
  static AllocatorSettings settings;
  return settings;
}

// glibc: no mmap for large blocks, no trimming of the heap's top, and 64 MiB more each time it grows.
constexpr int kMmapMax = 0;
constexpr int kTrimThreshold = 0x7fffffff;
constexpr int kTopPad = 64 << 20;
}  // namespace

std::string keepFreedMemoryTunables() {
  return "glibc.malloc.mmap_max=" + std::to_string(kMmapMax) + ":glibc.malloc.trim_threshold=" +
         std::to_string(kTrimThreshold) + ":glibc.malloc.top_pad=" + std::to_string(kTopPad);
}

AllocatorSettings keepFreedMemoryForReuse() {
  AllocatorSettings& s = current();
  const char* opt_out = std::getenv("EFGNN_SYSTEM_MALLOC");
  if (opt_out && std::strcmp(opt_out, "1") == 0) {
    s = {false, "system default (EFGNN_SYSTEM_MALLOC=1)"};
    return s;
  }
  if (std::getenv("GLIBC_TUNABLES")) {
    s = {false, "GLIBC_TUNABLES from the environment"};
    return s;
  }
#if defined(__GLIBC__)
  // mallopt's M_MMAP_THRESHOLD stops at 32 MiB on 64-bit glibc, below LibTorch's largest
  // temporaries, so mmap is switched off altogether.
  const bool ok = mallopt(M_MMAP_MAX, kMmapMax) == 1 && mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1 &&
                  mallopt(M_TOP_PAD, kTopPad) == 1;
  s = {ok, ok ? "glibc: no mmap, no trimming (freed memory reused)" : "system default (mallopt refused)"};
#else
  s = {false, "system default (not glibc)"};
#endif
  return s;
}

const AllocatorSettings& allocatorSettings() { return current(); }

void releaseFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace efgnn

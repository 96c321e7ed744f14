#pragma once
// How efgnn's processes allocate memory. LibTorch allocates its large temporaries (hundreds of
// MB on a full event's graph) with malloc and frees them after each operation; glibc serves
// blocks above its mmap threshold (at most 32 MiB) with mmap and unmaps them on free, and trims
// the heap's top back to the system, so every operation maps fresh pages and pays a page fault
// per page touched - on virtual machines, as much time as the arithmetic. Keeping freed memory
// in the process lets the next operation reuse it, already mapped.
#include <string>

namespace efgnn {

/// Where the running process's allocator stands.
struct AllocatorSettings {
  bool keeps_freed_memory = false;  // set by keepFreedMemoryForReuse
  const char* how = "system default";
};

/// glibc: large blocks from the heap instead of mmap (M_MMAP_MAX = 0) and no trimming of the
/// heap's top (M_TRIM_THRESHOLD = max), so freed memory stays mapped for reuse; the price is
/// that the process keeps its peak memory until it ends (fine for a batch command, which is
/// what efgnn's are). Call first in main, before threads start. Skipped when the environment
/// sets EFGNN_SYSTEM_MALLOC=1 (to measure the difference) or GLIBC_TUNABLES (the user's own
/// choice wins), or when the C library is not glibc.
AllocatorSettings keepFreedMemoryForReuse();
/// keepFreedMemoryForReuse's settings as a GLIBC_TUNABLES value, for a child process (another
/// backend timed against efgnn's) to allocate the same way.
std::string keepFreedMemoryTunables();
/// The settings keepFreedMemoryForReuse made (for --json outputs of benchmarks).
const AllocatorSettings& allocatorSettings();

/// Returns the memory freed so far to the kernel (glibc's malloc_trim), so that a peak-memory
/// measurement that starts now sees what the code it measures needs, not what earlier code
/// left for reuse.
void releaseFreedMemory();

}  // namespace efgnn

// The allocator settings of efgnn's processes (core/Allocator): freed memory stays mapped for
// the next allocation, so LibTorch's large temporaries do not fault their pages in anew.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "core/Allocator.hpp"

namespace efgnn {
namespace {

long minorFaults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

/// Page faults of allocating, touching and freeing `bytes`.
long faultsOfATouchedBlock(std::size_t bytes) {
  const long before = minorFaults();
  auto* p = static_cast<char*>(std::malloc(bytes));
  for (std::size_t i = 0; i < bytes; i += 4096) p[i] = static_cast<char>(i);
  asm volatile("" : : "r"(p) : "memory");
  std::free(p);
  return minorFaults() - before;
}

TEST(Allocator, OptOutByEnvironmentIsHonoured) {
  ::setenv("EFGNN_SYSTEM_MALLOC", "1", 1);
  const AllocatorSettings s = keepFreedMemoryForReuse();
  ::unsetenv("EFGNN_SYSTEM_MALLOC");
  EXPECT_FALSE(s.keeps_freed_memory);
  EXPECT_NE(std::string(s.how).find("EFGNN_SYSTEM_MALLOC"), std::string::npos) << s.how;
}

TEST(Allocator, FreedLargeBlocksAreReusedWithoutPageFaults) {
#if defined(__SANITIZE_ADDRESS__) || !defined(__GLIBC__)
  GTEST_SKIP() << "needs glibc's malloc";
#else
  if (std::getenv("GLIBC_TUNABLES")) GTEST_SKIP() << "GLIBC_TUNABLES set: the user's settings apply";
  const AllocatorSettings s = keepFreedMemoryForReuse();
  ASSERT_TRUE(s.keeps_freed_memory) << s.how;
  EXPECT_EQ(allocatorSettings().keeps_freed_memory, true);
  constexpr std::size_t kBytes = 256u << 20;  // far above glibc's largest mmap threshold
  faultsOfATouchedBlock(kBytes);              // the first time its pages fault in
  const long again = faultsOfATouchedBlock(kBytes);
  // 65,536 pages: with the system default each one faults again (the block is unmapped on free).
  EXPECT_LT(again, 1000) << "page faults on reusing a freed 256 MiB block";
  // The memory goes back on request (peak-memory probes).
  releaseFreedMemory();
  EXPECT_GT(faultsOfATouchedBlock(kBytes), 30000) << "released memory faults in again";
#endif
}

}  // namespace
}  // namespace efgnn

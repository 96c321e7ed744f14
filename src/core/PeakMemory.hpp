#pragma once
// How much memory a piece of work adds at its peak, from Linux's accounting of this process.
#include <string>

namespace efgnn {

/// A line of /proc/self/status in MiB ("VmRSS", "VmHWM"); 0 where there is none.
double processStatusMiB(const std::string& key);

/// Memory added at the peak since construction: the process's peak resident size (reset at
/// construction through /proc/self/clear_refs) minus what was resident then. Memory that earlier
/// work freed is returned to the kernel first (the allocator would keep it for reuse otherwise,
/// and the next piece of work would reuse it unseen).
class PeakMemory {
 public:
  PeakMemory();
  double extraMiB() const;

 private:
  double before_ = 0;
};

}  // namespace efgnn

#include "core/PeakMemory.hpp"

#include <algorithm>
#include <fstream>

#include "core/Allocator.hpp"

namespace efgnn {

double processStatusMiB(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  return 0;
}

PeakMemory::PeakMemory() {
  releaseFreedMemory();
  std::ofstream("/proc/self/clear_refs") << "5";
  before_ = processStatusMiB("VmRSS");
}

double PeakMemory::extraMiB() const { return std::max(0.0, processStatusMiB("VmHWM") - before_); }

}  // namespace efgnn

#pragma once
// Work-item parallelism with deterministic results: each item is processed independently and
// writes only its own outputs, so the result does not depend on the number of threads.
#include <cstddef>
#include <functional>

namespace efgnn {

/// Number of worker threads for a request (0 = all hardware threads); throws Error for a
/// negative request.
int resolveThreads(int requested);

/// Calls fn(i) for i in [0, n) on `threads` threads. The first exception thrown by any call
/// stops further items from starting and is rethrown here.
void parallelFor(std::size_t n, int threads, const std::function<void(std::size_t)>& fn);

}  // namespace efgnn

#pragma once
// Small summaries of measured values (timings per event).
#include <string>
#include <vector>

#include "core/Json.hpp"

namespace efgnn {

/// Median of the values (mean of the middle two for an even count); 0 for none.
double median(std::vector<double> values);

/// The per-event times of one stage of a chain, in milliseconds.
struct StageTiming {
  std::string stage;
  std::vector<double> ms;
  double medianMs() const { return median(ms); }
  double meanMs() const;
  double maxMs() const;
  /// {"median_ms", "mean_ms", "max_ms", "events"}
  Json json() const;
};

}  // namespace efgnn

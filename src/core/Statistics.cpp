#include "core/Statistics.hpp"

#include <algorithm>
#include <numeric>

namespace efgnn {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

double StageTiming::meanMs() const {
  return ms.empty() ? 0 : std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
}

double StageTiming::maxMs() const { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }

Json StageTiming::json() const {
  Json j = Json::object();
  j["median_ms"] = medianMs();
  j["mean_ms"] = meanMs();
  j["max_ms"] = maxMs();
  j["events"] = ms.size();
  return j;
}

}  // namespace efgnn

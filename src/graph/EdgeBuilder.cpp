#include "graph/EdgeBuilder.hpp"

namespace efgnn {

HitBuckets::HitBuckets(const std::vector<std::uint32_t>& key_of_hit, std::size_t num_keys)
    : offsets(num_keys + 1, 0), hits(key_of_hit.size()) {
  for (const auto k : key_of_hit) ++offsets[k + 1];
  for (std::size_t k = 0; k < num_keys; ++k) offsets[k + 1] += offsets[k];
  std::vector<std::uint32_t> fill(offsets.begin(), offsets.end() - 1);
  for (std::uint32_t i = 0; i < key_of_hit.size(); ++i) hits[fill[key_of_hit[i]]++] = i;
}

}  // namespace efgnn

#pragma once
// Hits near a hit, found in a hash of cubic cells: the track builders' neighbour search, over
// positions stored x, y, z per node [mm].
#include <array>
#include <cmath>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace efgnn {

/// The distance between two nodes' positions.
inline double separation(const std::vector<float>& positions, std::uint32_t a, std::uint32_t b) {
  const float *p = &positions[3 * std::size_t{a}], *q = &positions[3 * std::size_t{b}];
  return std::hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/// Items at points, in cubic cells twice `reach` wide: those within `reach` of a point are in
/// its own cell and the seven beside the corner it is nearest to.
template <typename Item>
class PointGrid {
 public:
  PointGrid(const std::vector<float>& positions, double reach) : positions_(positions), size_(2 * reach) {}
  void insert(std::uint32_t node, Item item) { cells_[key(cell(node), {0, 0, 0})].push_back(item); }
  template <typename Visit>
  void visitNear(std::uint32_t node, Visit visit) const {
    const auto c = cell(node);
    std::array<int, 3> side{};
    const float* p = &positions_[3 * std::size_t{node}];
    for (int i = 0; i < 3; ++i) side[i] = p[i] - static_cast<double>(c[i]) * size_ < size_ / 2 ? -1 : 1;
    for (int dx = 0; dx < 2; ++dx)
      for (int dy = 0; dy < 2; ++dy)
        for (int dz = 0; dz < 2; ++dz) {
          const auto it = cells_.find(key(c, {dx * side[0], dy * side[1], dz * side[2]}));
          if (it != cells_.end())
            for (const auto& item : it->second) visit(item);
        }
  }

 private:
  std::array<std::int64_t, 3> cell(std::uint32_t node) const {
    const float* p = &positions_[3 * std::size_t{node}];
    return {static_cast<std::int64_t>(std::floor(p[0] / size_)), static_cast<std::int64_t>(std::floor(p[1] / size_)),
            static_cast<std::int64_t>(std::floor(p[2] / size_))};
  }
  static std::uint64_t key(const std::array<std::int64_t, 3>& c, const std::array<int, 3>& o) {
    const auto k = [&](int i) { return static_cast<std::uint64_t>(c[i] + o[i] + (1 << 20)) & 0x1fffff; };
    return k(0) << 42 | k(1) << 21 | k(2);
  }
  const std::vector<float>& positions_;
  double size_;
  std::unordered_map<std::uint64_t, std::vector<Item>> cells_;
};

}  // namespace efgnn

#pragma once
// Hits near a hit, found in a hash of cubic cells: the track builders' neighbour search, over
// positions stored x, y, z per node [mm].
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace efgnn {

/// The distance between two nodes' positions.
inline double separation(const std::vector<float>& positions, std::uint32_t a, std::uint32_t b) {
  const float *p = &positions[3 * std::size_t{a}], *q = &positions[3 * std::size_t{b}];
  return std::hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/// Items at points, in cubic cells twice `reach` wide: those within `reach` of a point are in
/// its own cell and the seven beside the corner it is nearest to. A cell's items are visited in
/// the order they were inserted. The hit exchange builds grids of every track's hits several
/// times per event, so a grid is flat: cells numbered in an open-addressing table as they are
/// first met, their items gathered into one array (by counting) when first visited.
template <typename Item>
class PointGrid {
 public:
  PointGrid(const std::vector<float>& positions, double reach) : positions_(positions), size_(2 * reach) {}
  void insert(std::uint32_t node, Item item) {
    inserted_.push_back({cellNumber(key(cell(node), {0, 0, 0})), item});
    gathered_ = false;
  }
  template <typename Visit>
  void visitNear(std::uint32_t node, Visit visit) const {
    gather();
    const auto c = cell(node);
    std::array<int, 3> side{};
    const float* p = &positions_[3 * std::size_t{node}];
    for (int i = 0; i < 3; ++i) side[i] = p[i] - static_cast<double>(c[i]) * size_ < size_ / 2 ? -1 : 1;
    for (int dx = 0; dx < 2; ++dx)
      for (int dy = 0; dy < 2; ++dy)
        for (int dz = 0; dz < 2; ++dz) visitCell(key(c, {dx * side[0], dy * side[1], dz * side[2]}), visit);
  }
  /// The items of every cell that may hold points within `distance` of the node and within the
  /// cone around the unit vector `direction` from it whose half-angle has cosine `cosine` (a
  /// superset: callers test each item). For searches much farther than the cells are wide.
  template <typename Visit>
  void visitCone(std::uint32_t node, const std::array<double, 3>& direction, double distance, double cosine,
                 Visit visit) const {
    gather();
    const float* p = &positions_[3 * std::size_t{node}];
    std::array<std::int64_t, 3> lo, hi;
    for (int i = 0; i < 3; ++i) {
      lo[i] = static_cast<std::int64_t>(std::floor((p[i] - distance) / size_));
      hi[i] = static_cast<std::int64_t>(std::floor((p[i] + distance) / size_));
    }
    // A cell is taken where the sphere around it (radius: half its diagonal) reaches into the
    // ball and into the cone: perp cos - along sin underestimates a point's distance from the
    // cone's surface everywhere.
    const double half_diagonal = size_ * std::sqrt(3.0) / 2, sine = std::sqrt(std::max(0.0, 1 - cosine * cosine));
    for (auto x = lo[0]; x <= hi[0]; ++x)
      for (auto y = lo[1]; y <= hi[1]; ++y)
        for (auto z = lo[2]; z <= hi[2]; ++z) {
          const std::array<double, 3> w{(static_cast<double>(x) + 0.5) * size_ - p[0],
                                        (static_cast<double>(y) + 0.5) * size_ - p[1],
                                        (static_cast<double>(z) + 0.5) * size_ - p[2]};
          const double w2 = w[0] * w[0] + w[1] * w[1] + w[2] * w[2];
          if (w2 > (distance + half_diagonal) * (distance + half_diagonal)) continue;
          const double along = w[0] * direction[0] + w[1] * direction[1] + w[2] * direction[2];
          const double across = std::sqrt(std::max(0.0, w2 - along * along));
          if (across * cosine - along * sine > half_diagonal) continue;
          visitCell(key({x, y, z}, {0, 0, 0}), visit);
        }
  }

 private:
  static constexpr std::uint64_t kNoKey = UINT64_MAX;  // keys use 63 bits
  std::array<std::int64_t, 3> cell(std::uint32_t node) const {
    const float* p = &positions_[3 * std::size_t{node}];
    return {static_cast<std::int64_t>(std::floor(p[0] / size_)), static_cast<std::int64_t>(std::floor(p[1] / size_)),
            static_cast<std::int64_t>(std::floor(p[2] / size_))};
  }
  static std::uint64_t key(const std::array<std::int64_t, 3>& c, const std::array<int, 3>& o) {
    const auto k = [&](int i) { return static_cast<std::uint64_t>(c[i] + o[i] + (1 << 20)) & 0x1fffff; };
    return k(0) << 42 | k(1) << 21 | k(2);
  }
  std::size_t slot(std::uint64_t key) const {  // the table's slot holding key, or the empty one where it would go
    const std::size_t mask = keys_.size() - 1;
    for (std::size_t s = (key * 0x9e3779b97f4a7c15ull) >> 32 & mask;; s = (s + 1) & mask)
      if (keys_[s] == key || keys_[s] == kNoKey) return s;
  }
  std::uint32_t cellNumber(std::uint64_t key) {
    if (2 * (cells_ + 1) > keys_.size()) {  // at most half full
      std::vector<std::uint64_t> keys(std::max<std::size_t>(64, 2 * keys_.size()), kNoKey);
      std::vector<std::uint32_t> numbers(keys.size());
      keys.swap(keys_);
      numbers.swap(numbers_);
      for (std::size_t s = 0; s < keys.size(); ++s)
        if (keys[s] != kNoKey) {
          const auto t = slot(keys[s]);
          keys_[t] = keys[s];
          numbers_[t] = numbers[s];
        }
    }
    const auto s = slot(key);
    if (keys_[s] == kNoKey) {
      keys_[s] = key;
      numbers_[s] = cells_++;
    }
    return numbers_[s];
  }
  /// Items by cell, each cell's in insertion order.
  void gather() const {
    if (gathered_) return;
    first_.assign(cells_ + 1, 0);
    for (const auto& [c, item] : inserted_) ++first_[c + 1];
    for (std::size_t c = 0; c < cells_; ++c) first_[c + 1] += first_[c];
    items_.resize(inserted_.size());
    std::vector<std::uint32_t> next(first_.begin(), first_.end() - 1);
    for (const auto& [c, item] : inserted_) items_[next[c]++] = item;
    gathered_ = true;
  }
  template <typename Visit>
  void visitCell(std::uint64_t key, Visit& visit) const {
    if (keys_.empty()) return;
    const auto s = slot(key);
    if (keys_[s] == kNoKey) return;
    const auto c = numbers_[s];
    for (auto i = first_[c]; i < first_[c + 1]; ++i) visit(items_[i]);
  }
  struct Inserted {
    std::uint32_t cell;
    Item item;
  };
  const std::vector<float>& positions_;
  double size_;
  std::vector<std::uint64_t> keys_;     // open addressing, kNoKey where empty
  std::vector<std::uint32_t> numbers_;  // per slot of keys_, its cell's number
  std::uint32_t cells_ = 0;
  std::vector<Inserted> inserted_;
  mutable bool gathered_ = false;
  mutable std::vector<std::uint32_t> first_;  // per cell, its first item in items_ (and the end)
  mutable std::vector<Item> items_;
};

}  // namespace efgnn
